"""Error types shared across layers."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config file that cannot be used; the message says where and how to fix it."""
