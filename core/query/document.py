"""The text both stores index for search: SQLite's FTS5 trigram column, Elasticsearch's search field.

It is the post's tokens as matching cuts them (`core.query.text.search_tokens`: normalised, invisible
characters dropped, folded, traditional Han as simplified, joined by single spaces; emoji are tokens too,
without skin tones), so whatever query tokens match consecutively appear as one substring and as
consecutive whitespace tokens. After them come the post's #hashtags, $cashtags and @handles as `#tag`, `$tag` and
`@handle` tokens (folded, read by every platform's rules as `Query.matches` reads a post whose
source is not given): the tokens drop '#', '$' and '@', and without these an Elasticsearch query
could only look for `#ad` as the word `ad`. No query word can match them (a query token starts with
a word character or a symbol, never '#', '$' or '@'), so they change no word, phrase or NEAR match.

`VERSION` names this format: a store whose index holds an older one must rebuild it (SQLite
`indexing.sqlite.FTS_VERSION`, Elasticsearch `elasticsearch_mapping.SEARCH_FIELD`).
"""

from __future__ import annotations

from core.query.handles import handles
from core.query.text import cashtags, fold, hashtags, search_tokens

# 1: folded tokens. 2: ё as е, combining marks inside tokens, #hashtags and @handles appended.
# 3: emoji and other symbols are tokens (skin tones folded away), $cashtags appended.
# 4: traditional Han characters folded to simplified (電池 is 电池).
# 5: invisible characters dropped inside words (soft hyphen, zero-width space, ZWJ/ZWNJ between Latin letters ...),
#    Arabic tatweel and harakat dropped, Arabic letters a token apart from Latin ones (الـLumora), ʼ as '; @handles
#    also end at a change of script (@lumora_kr님 is @lumora_kr too: core/query/handles.py).
# 6: Arabic-script letter variants folded to one letter (أ إ آ ٱ as ا, ى ی as ي, ک as ك, ة ۀ ہ as ه:
#    `core.query.text.ARABIC_LETTERS`).
VERSION = 6


def sigil_tokens(text: str) -> list[str]:
    """The post's `#tag`, `$tag` and `@handle` tokens, folded, sorted: what `Post.of(text, lang)` compares."""
    tags = {"#" + fold(t) for t in hashtags(text)}
    cash = {"$" + t for t in cashtags(text)}
    names = {"@" + fold(h) for h in handles(text)}
    return sorted(tags | cash | names)


def search_document(text: str) -> str:
    """Folded tokens joined by single spaces, then the `#tag`/`$tag`/`@handle` tokens (see the module docstring)."""
    return " ".join(search_tokens(text) + sigil_tokens(text))


fts5_document = search_document  # the name the SQLite store and older callers use
