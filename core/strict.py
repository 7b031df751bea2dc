"""The base of every config model: strict about keys and numbers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors; .inf/.nan (or the strings "inf"/"nan") are never a usable number."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
