"""The text every model reads of a mention: its monitored brands' names as `@user`, capped.

Why the names go: the same complaint read with twelve different brand names got a different label
under 24 of the check set's 132 sentences (docs/model-card.md, "A brand's name must not move its
sentiment"). A brand's name says which brand, not how the writer feels; the model already reads
every @handle, the brand's own included, as `@user` (nlp/normalize.py), so its plain name and
#hashtag are read the same way. Only the words that *name* the brand are read so, never the context words
its query needs to find it (`phone` of `Nothing AND phone`), nor an everyday word where it is not the
name ("nothing works"): the one rule of core/query/brand_names.py. Sentiment, intents and themes all
read this one text, so the sentence
embeddings sentiment keeps for themes are of the same text themes ask for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from core.query.brand_names import BrandNames
from core.query.names import merge_spans, replace_spans
from nlp.langid import detect_languages

if TYPE_CHECKING:
    from core.mention import Mention
    from core.query.aliases import BrandTerms
    from nlp.config import NlpConfig

PLACEHOLDER = "@user"  # the placeholder nlp/normalize.py puts for @handles (and the training data uses)


class ModelText:
    """Callable: mention → the text the models read (brand names masked when the config says so, then capped)."""

    def __init__(self, config: NlpConfig, brands: Mapping[str, BrandTerms] | None = None) -> None:
        """`brands`: brand name → its terms (`BrandConfig.terms()`); a mention's own brands (`Mention.brands`)
        are masked. None or empty, or `nlp.mask_brand_names: false`: the text as written."""
        self.config = config
        self.brands = dict(brands or {}) if config.mask_brand_names else {}
        # Decided once per brand: which of its query's words name it (core/query/brand_names.py).
        self.names = {b: brand_names(b, terms) for b, terms in self.brands.items()}

    def __call__(self, mention: Mention) -> str:
        return self.config.analysed_text(self.masked(mention.text, mention.brands))

    def language_text(self, text: str) -> str:
        """What language detection reads of a post: every configured brand's name as `@user` (not only the post's
        own brands, as `__call__` masks), capped. Collection needs the language before it knows a post's brands
        (a `lang:` query decides them), so enrich and collection both detect on this one text and agree."""
        return self.config.analysed_text(self.masked(text, list(self.brands)))

    def languages(self, texts: Sequence[str]) -> list[str | None]:
        """The detected language of each post text (`language_text`, then `nlp.langid`): the one rule enrich
        (a mention without a language) and collection (`lang:` on a post without one) both apply."""
        return detect_languages([self.language_text(t) for t in texts])

    def masked(self, text: str, brands: list[str]) -> str:
        """`text` with the names of `brands` (those configured here) read as `@user`."""
        spans = [s for b in brands if b in self.names for s in self.names[b].spans(text)]
        if not spans:
            return text
        return replace_spans(text, merge_spans(spans), PLACEHOLDER)



def brand_names(name: str, terms: BrandTerms) -> BrandNames:
    """The naming words of the brand `name` whose query and aliases are `terms` (core/query/brand_names.py)."""
    return BrandNames.of(name, terms.query.root, [q.root for _, q in terms.aliases])
