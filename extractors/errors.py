"""The error every extractor layer raises when a source cannot go on."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A source failed in a way retrying will not fix (auth, bad request, budget spent)."""
