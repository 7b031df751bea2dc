"""The `nlp` section of `groundswell.yaml`: sentiment model, batch size, backend, text cap."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from core.strict import StrictModel as _Strict

# The default model's encoder runs on ONNX Runtime: no torch at run time, the same features (nlp/bert_onnx.py).
DEFAULT_BACKEND: Literal["torch", "onnx"] = "onnx"


class NlpConfig(_Strict):
    sentiment_model: str = Field(
        default="default",
        description="'default' (the shipped model), a Hugging Face model name, or a local path",
    )
    sentiment_combine: Literal["shipped", "head"] = Field(
        default="shipped",
        description="The default model only: 'shipped' (its e5 head + n-gram stacker, best on the training "
        "sets' own domains) or 'head' (the e5 head alone, better on brand posts and the demo crisis; "
        "docs/model-card.md, 'Real brand tweets')",
    )
    batch_size: int = Field(default=64, ge=1, le=4096)
    uncertain_below: float = Field(default=0.5, ge=0.0, le=1.0)
    backend: Literal["torch", "onnx"] | None = Field(
        default=None,
        description="Where the model runs: 'onnx' (ONNX Runtime, no torch; the default model only) or "
        "'torch'; unset: 'onnx' for the default model, 'torch' for a Hugging Face checkpoint",
    )
    themes: bool = True
    intents: bool = Field(
        default=True,
        description="Tag each post's intent (question, complaint, praise, suggestion, purchase_intent, other; "
        "nlp/intents.py) in the enrich step",
    )
    mask_brand_names: bool = Field(
        default=True,
        description="Models read a post's monitored brand names (query words, #hashtags, aliases) as '@user', as "
        "they read every @handle, so a label cannot depend on what the brand is called (nlp/model_text.py)",
    )
    max_text_chars: int = Field(
        default=10_000,
        ge=100,
        le=1_000_000,
        description="Language id, sentiment and themes read at most this many characters of a post "
        "(the stored text is never cut)",
    )

    @model_validator(mode="after")
    def _combine_is_the_default_models(self) -> NlpConfig:
        if self.sentiment_combine != "shipped" and self.sentiment_model != "default":
            raise ValueError(f"sentiment_combine: {self.sentiment_combine} is an option of the default model only "
                             f"(sentiment_model is {self.sentiment_model!r}): remove it or set it to 'shipped'")
        return self

    def analysed_text(self, text: str) -> str:
        """The part of a post the models read: a 10 MB paste must not stall a batch for minutes."""
        return text[: self.max_text_chars]
