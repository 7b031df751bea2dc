"""The small interface every source implements, Singer/dlt style.

An extractor is a generator: given a brand, its parsed query, the saved cursor
and a time window, it yields `Batch`es of `Mention`s, each with the cursor that
would be safe to save *once that batch is stored*. It never saves cursors and
never retries by itself: `extractors.state` owns cursors, `extractors.http`
owns retries, and `groundswell.pipeline.collect` ties them together.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from groundswell.mention import Mention


class SourceOptions(BaseModel):
    """Base for each extractor's options; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Batch:
    """Mentions from one page/request, and the cursor that covers them."""

    mentions: list[Mention]
    cursor: str | None = None
    # Raw items the extractor could not turn into mentions, with the reason.
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The time range a run covers (Airflow's data interval when scheduled)."""

    since: datetime | None = None
    until: datetime | None = None


class SourceError(RuntimeError):
    """A source failed in a way retrying will not fix (auth, bad request, budget spent)."""


class Extractor:
    """Base class: subclasses set `type` and `Options` and implement `extract`."""

    type: ClassVar[str]
    Options: ClassVar[type[SourceOptions]] = SourceOptions
    needs_credentials: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: Mapping[str, Any] | SourceOptions | None = None, env: Mapping[str, str] | None = None):
        if isinstance(options, SourceOptions):
            self.options = options
        else:
            self.options = self.Options.model_validate(dict(options or {}))
        self.env = os.environ if env is None else env

    def secret(self, var: str | None) -> str | None:
        """Read a secret from the environment by variable name; never log the value."""
        return self.env.get(var) if var else None

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        raise NotImplementedError
