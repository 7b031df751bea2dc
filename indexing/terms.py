"""Term extraction and 'significant terms' scoring shared by stores without a native one.

Elasticsearch has `significant_text`; the embedded store computes the same idea
here: terms whose share in the foreground (e.g. a spike's window) is far above
their share in the background (the brand's normal talk).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from core.query.text import MARKS

# Words of spaced scripts (Latin, Cyrillic, Greek, Hangul eojeol, Indic with their vowel signs) and runs
# of Han/Kana. Combining marks continue a word, as in core.query.text: 'कमला' is one term, not 'कमल'.
_WORD = re.compile(rf"[^\W\d_][\w{MARKS}'’-]*", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"[@#][\w.]+")

STOPWORDS = frozenset(
    """
    a an and are as at be but by for from has have i in is it its of on or that the this to was were will with
    you your we our they their he she his her them me my not no so if just all can do does did what when who
    how rt amp http https www com while came out got get now again another anyone any one still after very
    really about been being more most much some than then there these those too up down over only also
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
    при их это этот эта мой моя
    il lo la i gli le un una di da in con su per tra fra e è che non si ma come anche più del della dei delle
    al alla ai alle nel nella sono ho ha hanno questo questa mi ti ci
    der die das und ist nicht ein eine zu den mit von auf für es im dem sich des auch
    el los las y en un una que es por con para no se lo como más pero sus le ya o este
    le les des et est pas une pour dans qui sur au avec ce ne se plus par
    """.split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased content terms; Han/Kana runs become overlapping bigrams (no spaces to split on)."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    terms: list[str] = []
    for match in _HAN.finditer(text):
        run = match.group()
        if len(run) == 1:
            continue
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    spaced = _HAN.sub(" ", text)
    for match in _WORD.finditer(spaced):
        word = match.group().lower().strip("'’-")
        if len(word) < 2 or word in STOPWORDS:
            continue
        terms.append(word)
    return terms


def document_frequencies(texts: Iterable[str]) -> tuple[Counter[str], int]:
    """How many documents contain each term, and how many documents there were."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(tokenize(text)))
    return df, n


def significant_terms(
    foreground: Iterable[str], background: Iterable[str], n: int = 10, min_docs: int = 2
) -> list[tuple[str, float]]:
    """Rank terms by how much more often they occur in foreground than background documents.

    The score is Elasticsearch's JLH heuristic, (fg% - bg%) * (fg% / bg%), with
    add-one smoothing so terms absent from the background do not divide by zero.
    """
    fg, n_fg = document_frequencies(foreground)
    bg, n_bg = document_frequencies(background)
    if n_fg == 0:
        return []
    scored: list[tuple[str, float]] = []
    for term, count in fg.items():
        if count < min_docs:
            continue
        p_fg = count / n_fg
        p_bg = (bg.get(term, 0) + 1) / (n_bg + 2)
        if p_fg <= p_bg:
            continue
        scored.append((term, (p_fg - p_bg) * (p_fg / p_bg)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return [(term, round(score, 4)) for term, score in scored[:n]]
