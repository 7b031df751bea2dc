"""Offline tooling, run from a source checkout and never shipped in the wheel.

Training, evaluation, lexicon building and evaluation-stream generation import the runtime
packages (nlp/, alerts/, ...); nothing in them imports tools/ (tests/test_layers.py), except the
CLI's lazily loaded `groundswell alerts evaluate`.
"""
