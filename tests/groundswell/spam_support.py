"""What the spam-step tests share: a stand-in enrich stage and a campaign text."""

from __future__ import annotations

from core.mention import Mention, Sentiment

CAMPAIGN = "Lumora Pulse is the best earbuds ever, get yours now"


class Tagger:
    """The enrich stage passed in: labels everything neutral (what is tested is the spam step around it)."""

    class model:  # noqa: N801 - the attribute the pipeline reads
        identity = "stub@1"

    def text(self, mention: Mention) -> str:
        return mention.text

    def enrich(self, mentions: list[Mention], texts: list[str]) -> list[Mention]:
        sentiment = Sentiment(label="neutral", probs={"neutral": 1.0}, model=self.model.identity)
        return [m.model_copy(update={"sentiment": sentiment, "lang": "en"}) for m in mentions]
