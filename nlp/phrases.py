"""Key phrases of a set of posts: the words and phrases they use far more than other posts do.

Candidates are the 1- to 3-word n-grams of each post (`nlp.tokenize.phrase_runs`, per language)
that start and end with a content word ("burned my desk", never "it burned" or "my desk"), within
one clause (punctuation ends a phrase) and without the brand's own words in any form
(`nlp.label_words.brand_word`: Люморы of the alias Люмора).
Each counts once per post, so one long rant cannot carry a phrase. They are scored by the
log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin'
Words", eq. 16-22): the prior is the pooled frequency of the n-gram in both windows, so rare
n-grams are shrunk toward "no difference" and a z-score ranks them by how sure the difference is.
A phrase must be used by at least `min_count` surge posts (and 3% of them) and be clearly
over-represented (z above `MIN_Z`); the brand's own name and query terms are never phrases.

One rule for both users: alerts score a surge against the usual posts (alerts/phrases.py),
themes a theme's posts against the rest of its group (nlp/themes.py). "Surge" below is the
set being described, "usual" the set it is compared with.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from nlp.label_words import brand_word
from nlp.tokenize import is_elided, phrase_runs

MAX_N = 3
MIN_Z = 1.96  # two-sided 5%: the surge's use is higher than the usual, not noise
MIN_POST_SHARE = 0.03  # ...and at least 3% of the surge's posts use it
PRIOR_WEIGHT = 100.0  # a0: pseudo-counts the pooled prior adds (Monroe et al. use a few hundred)
_NO_SPACE = ("zh", "ja")


@dataclass(frozen=True)
class Scored:
    """An n-gram with how many surge / usual posts use it and its log-odds z-score."""

    text: str
    parts: tuple[str, ...]  # its words
    surge: int
    usual: int
    z: float


def post_grams(
    text: str, lang: str | None, exclude: frozenset[str] = frozenset()
) -> set[tuple[str, tuple[str, ...]]]:
    """The distinct 1..3-word n-grams of one post as (text, its words); words in `exclude` (the
    brand's), in any form (`brand_word`), end a phrase. Chinese and Japanese phrases are written without spaces;
    an elided article is a function word split off its noun (`nlp.tokenize`), written joined to it again."""
    joiner = "" if lang in _NO_SPACE else " "
    out: set[tuple[str, tuple[str, ...]]] = set()
    for run in phrase_runs(text, lang):
        for part in _split(run, lang, exclude):
            for n in range(1, MAX_N + 1):
                for i in range(len(part) - n + 1):
                    gram = part[i : i + n]
                    if gram[0][1] and gram[-1][1]:  # starts and ends with a content word
                        words = tuple(w for w, _ in gram)
                        out.add((_join(words, joiner), words))
    return out


def _join(words: tuple[str, ...], joiner: str) -> str:
    """A phrase as written: an elided article or preposition stays joined to the next word ("batteria
    dell'auricolare", `nlp.tokenize.is_elided`)."""
    text = words[0]
    for before, word in zip(words[:-1], words[1:], strict=True):
        text += ("" if is_elided(before) else joiner) + word
    return text


def _split(run: list[tuple[str, bool]], lang: str | None, exclude: frozenset[str]) -> list[list[tuple[str, bool]]]:
    parts: list[list[tuple[str, bool]]] = [[]]
    for word in run:
        if brand_word(word[0], lang, exclude):
            parts.append([])
        else:
            parts[-1].append(word)
    return [p for p in parts if p]


def log_odds(
    surge: Counter, usual: Counter, prior_weight: float = PRIOR_WEIGHT, usual_total: int | None = None
) -> dict:
    """z-score of each surge n-gram's log-odds ratio, surge vs usual, informative Dirichlet prior.

    `usual_total`: the usual corpus' n-gram count when `usual` holds only the surge's n-grams."""
    n_s = sum(surge.values())
    n_u = sum(usual.values()) if usual_total is None else usual_total
    pooled = n_s + n_u
    if not n_s or not pooled:
        return {}
    out: dict = {}
    for gram, y_s in surge.items():
        y_u = usual.get(gram, 0)
        a = prior_weight * (y_s + y_u) / pooled
        # The rest of each corpus; at least half a count, so a gram that is a whole corpus
        # (one short post) has finite odds.
        rest_s = max(n_s + prior_weight - y_s - a, 0.5)
        rest_u = max(n_u + prior_weight - y_u - a, 0.5)
        delta = math.log((y_s + a) / rest_s) - math.log((y_u + a) / rest_u)
        out[gram] = delta / math.sqrt(1.0 / (y_s + a) + 1.0 / (y_u + a))
    return out


def score(surge: list[set], usual: list[set], min_count: int = 3) -> list[Scored]:
    """Every n-gram clearly over-represented in the surge's posts (each a `post_grams` set), best first."""
    surge_counts: Counter = Counter(g for grams in surge for g in grams)
    usual_counts: Counter = Counter(g for grams in usual for g in grams)
    return score_counts(surge_counts, usual_counts, len(surge), min_count)


def score_counts(
    surge_counts: Counter, usual_counts: Counter, posts: int, min_count: int = 3, usual_total: int | None = None
) -> list[Scored]:
    """`score` from per-post n-gram counts (`posts`: how many surge posts). Callers that score many
    subsets of one corpus count it once and pass only the surge's n-grams' usual counts, with
    `usual_total` the usual corpus' total."""
    floor = max(min_count, math.ceil(MIN_POST_SHARE * posts))
    z = log_odds(surge_counts, usual_counts, usual_total=usual_total)
    found = [
        Scored(g[0], g[1], c, usual_counts.get(g, 0), round(z[g], 3))
        for g, c in surge_counts.items()
        if c >= floor and z[g] >= MIN_Z
    ]
    return sorted(found, key=lambda s: (-s.z, -s.surge, s.text))


def key_phrases(scored: list[Scored], n: int = 5, least: int = 3) -> list[str]:
    """Up to `n` phrases a person would write, best first: multi-word ones sharing no word with a
    phrase chosen before (no phrase inside another, no bridge between two, no near-repeat);
    single words fill up to `least` when the surge has too few phrases."""
    chosen: list[str] = []
    covered: set[str] = set()
    for multi in (True, False):
        for s in scored:
            if len(chosen) >= (n if multi else least):
                break
            if (len(s.parts) > 1) == multi and not covered & set(s.parts):
                longer = _longest(s, scored) if multi else s
                s = s if covered & set(longer.parts) else longer  # the longer one must not repeat a word either
                chosen.append(s.text)
                covered.update(s.parts)
    return chosen


def _longest(s: Scored, scored: list[Scored]) -> Scored:
    """The longest phrase extending `s` that nearly every post using `s` uses too: "battery caught
    fire" rather than "battery caught" when the one is nearly always the other."""
    longer = [
        t for t in scored if len(t.parts) > len(s.parts) and _inside(s.parts, t.parts) and t.surge >= 0.8 * s.surge
    ]
    return max(longer, key=lambda t: (len(t.parts), t.z)) if longer else s


def _inside(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def key_terms(scored: list[Scored], n: int = 8) -> list[str]:
    """The `n` most over-represented single words (`Alert.top_terms`)."""
    return [s.text for s in scored if len(s.parts) == 1][:n]
