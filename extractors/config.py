"""A source as it appears in `groundswell.yaml`; its `options` are checked by that source's extractor."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, PrivateAttr, field_validator

from core.strict import StrictModel as _Strict

_SECRET_KEY = re.compile(r"(token|secret|password|api_key|apikey)$", re.IGNORECASE)


def looks_secret(option: str) -> bool:
    """Whether a source option's name is one a secret goes under (`token`, `password`, ...): never inline."""
    return bool(_SECRET_KEY.search(option))


class SourceConfig(_Strict):
    """One source to collect from. `options` are checked by that source's extractor."""

    type: str = Field(min_length=1)
    name: str | None = None
    brands: list[str] | None = Field(default=None, description="Brands to collect for; default all")
    options: dict[str, Any] = Field(default_factory=dict)
    # A rate limit (Retry-After, reset headers) or backoff longer than this, in all for one request, is not slept
    # on: the source fails for this run and resumes from its cursor next run (extractors/http.py RetryPolicy).
    max_wait_s: float = Field(
        default=60.0, gt=0, le=3600, description="Longest wait on a rate limit before giving up for this run, seconds"
    )
    # Every brand of the config the source is part of (set by the config, not read from YAML): the import source
    # skips with a reason a row that names none of them, instead of dropping it without a word.
    _config_brands: tuple[str, ...] | None = PrivateAttr(default=None)

    @field_validator("options")
    @classmethod
    def _no_inline_secrets(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if looks_secret(key):
                raise ValueError(
                    f"'{key}' looks like a secret: put it in an environment variable and "
                    f"name that variable as '{key}_env' instead"
                )
        return value

    @property
    def config_brands(self) -> tuple[str, ...] | None:
        """Every brand name of the config this source belongs to (None for a source built on its own)."""
        return self._config_brands

    def in_config(self, brand_names: list[str]) -> None:
        """Record the brand names of the config this source belongs to (`config_brands`)."""
        self._config_brands = tuple(brand_names)

    @property
    def key(self) -> str:
        return self.name or self.type

    def collects_for(self, brand_names: list[str]) -> list[str]:
        """The brands this source collects for, of the config's `brand_names` (in config order): its own
        `brands`, else every brand. The one rule for planning a run and for checking a config."""
        return list(brand_names) if self.brands is None else list(self.brands)
