"""Sentiment model tooling: labelled data, training, evaluation, word-list building."""
