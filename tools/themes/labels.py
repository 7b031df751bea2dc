"""Do theme labels tell a theme apart? Key-phrase lift and coverage on a real stream, per brand.

`python -m tools.themes.labels --stream ../shared/data/streams/gop-debate-2015 [--limit N] [--json FILE]
[--min-word-lift X]`

The stream is collected through the real pipeline with its own `groundswell.yaml` brands (as
`tools.brands.attribution` does, into a throwaway SQLite store), each post marked enriched with its
gold sentiment (themes split mixed themes by sentiment; no model runs), and the themes step runs once
in full, as `groundswell themes --full` would (real encoder, real clustering, real labels).

A label is a few key phrases (nlp/theme_labels.py). For each phrase of each theme's label in each
language, against the posts it was chosen against (a broad theme: the brand's posts in that language;
an aspect: its parent's):
- **lift** = share of the theme's posts that use the phrase / share of the scope's other posts that
  do (none of them: no lift, the phrase is the theme's alone). A phrase with lift below `WEAK_LIFT`
  (2) is *weak*: it is nearly as common outside the theme as in it ("gopdebate" in a debate stream,
  "last night" the morning after), so it names the stream, not the theme. Against the other posts,
  not all, so a theme that is most of its scope can still have strong phrases;
- **coverage** of a label = share of the theme's posts that use at least one of its phrases;
- **function-word phrases**: English phrases made only of words an outside list (scikit-learn's
  English stopwords, not the tokenizer's own) calls function words ("himself", "against");
- **stream-word phrases**: phrases (and fallback words) with a word more than half of the brand's
  posts in that language use (the stream's hashtag: "gopdebate"), counted here without stems;
  **repeated-word phrases**: a word twice ("gopdebates gopdebates");
- **markup-word phrases**: phrases (and fallback words) with a piece of a link or an HTML entity
  (`MARKUP_WORDS`: "https", "htt" of a link a retweet cut short, "amp" of "&amp;"); nlp.tokenize strips
  links, entities and @handles, so there should be none;
- **language views without a label**: a theme's languages with at least `MIN_LANG_POSTS` posts that
  have no label of their own while another language has one (a language view shows another
  language's label).

A theme whose label has no key phrase in a language shows its c-TF-IDF words that pass the same
lift floor, or "mixed posts" when none does (`fallback`; `word_lift` scores those words against
the scope's other posts of every language). Sentiment-half suffixes ("negative", "positive") are
not phrases and are left out. `--min-word-lift 0` runs the themes step without the floor
(nlp/theme_labels.py `MIN_WORD_LIFT`), as before it existed.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

import nlp.phrases
import nlp.theme_labels
from core.mention import Mention, Sentiment
from groundswell.config import Config
from groundswell.pipeline import themes_pass
from groundswell.themes_step import label_stopwords
from indexing.base import Filters
from nlp.phrases import post_grams
from nlp.theme_labels import MIN_LANG_POSTS, MIXED
from nlp.theme_state import ThemeState
from nlp.themes import label_exclusions, post_lang
from tools.stream_store import check_stream, collected_stream

WEAK_LIFT = 2.0
# Pieces of links and HTML entities: never a word a person writes about a theme.
MARKUP_WORDS = frozenset({"http", "https", "htt", "www", "com", "amp", "quot", "nbsp", "apos", "bsky"})
HALVES = ("negative", "positive")
EXAMPLES = 12


def _gold_sentiment(stream: Path) -> dict[str, str]:
    labels: dict[str, str] = {}
    with (stream / "gold.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            labels[row["id"]] = row.get("sentiment") or "neutral"
    return labels


def _stopwords(config: Config, brand: str) -> frozenset[str]:
    """The words the themes step never uses in a brand's labels (groundswell/themes_step.py)."""
    cfg = next(b for b in config.brands if b.name == brand)
    return frozenset(label_exclusions(sorted(label_stopwords(cfg))))


def _uses(texts: dict[str, set[str]], ids: list[str], phrase: str) -> int:
    return sum(phrase in texts[i] for i in ids)


def _common_words(grams: dict[str, set[str]], lang: dict[str, str]) -> dict[str, set[str]]:
    """Per language, the words more than half of the brand's posts in it use (the stream's own)."""
    posts = Counter(lang.values())
    used: dict[str, Counter] = {}
    for i, words in grams.items():
        used.setdefault(lang[i], Counter()).update(w for w in words if " " not in w)
    return {code: {w for w, c in counts.items() if c > posts[code] / 2} for code, counts in used.items()}


def score_brand(config: Config, brand: str, mentions: list[Mention], themes: list[Any]) -> list[dict]:
    """One row per (theme, language label): its phrases' lift and the label's coverage."""
    model_text = config.model_text()
    stop = _stopwords(config, brand)
    grams = {m.id: {g[0] for g in post_grams(model_text(m), post_lang(m), stop)} for m in mentions}
    lang = {m.id: post_lang(m) for m in mentions}
    common = _common_words(grams, lang)
    members: dict[str, list[str]] = {}
    for m in mentions:
        for label in m.themes:
            members.setdefault(label, []).append(m.id)
    everyone = [m.id for m in mentions]
    rows = []
    for theme in themes:
        mine = members.get(theme.label, [])
        scope = members.get(theme.parent, []) if theme.parent else everyone
        ours = set(mine)
        per_lang = theme.info.get("labels") or {}
        sizes = Counter(lang[i] for i in mine)
        missing = {c: n for c, n in sizes.items() if per_lang and c not in per_lang and n >= MIN_LANG_POSTS}
        for code in sorted({lang[i] for i in mine}, key=lambda c: -sum(lang[i] == c for i in mine)):
            in_theme = [i for i in mine if lang[i] == code]
            theirs = set(in_theme)
            rest = [i for i in scope if lang[i] == code and i not in theirs]
            label = per_lang.get(code)
            row: dict[str, Any] = {"brand": brand, "theme": theme.label, "aspect": theme.parent is not None,
                                   "lang": code, "posts": len(in_theme), "label": label,
                                   "no_own_label": missing, "common_words": sorted(common.get(code, set()))}
            missing = {}  # on the theme's first row only
            if not label:
                # The words shown instead (c-TF-IDF), scored against the scope's other posts of every language.
                shown = re.sub(r" \(\d+\)$", "", theme.label.split(" › ")[-1])
                words = [] if shown == MIXED else shown.split(" · ")
                others = [i for i in scope if i not in ours]
                rows.append(row | {"fallback": True, "mixed": shown == MIXED,
                                   "word_lift": {w: _lift(grams, mine, others, w) for w in words}})
                break
            phrases = [p for p in label.split(" · ") if p not in HALVES]
            lifts = {phrase: _lift(grams, in_theme, rest, phrase) for phrase in phrases}
            covered = sum(any(p in grams[i] for p in phrases) for i in in_theme)
            rows.append(row | {"fallback": False, "lift": lifts, "coverage": round(covered / len(in_theme), 3)})
    return rows


def _lift(grams: dict[str, set[str]], inside: list[str], outside: list[str], phrase: str) -> float | None:
    """Share of `inside` posts using `phrase` / share of `outside` posts using it; None when no outside post does."""
    share_in = _uses(grams, inside, phrase) / len(inside)
    share_out = _uses(grams, outside, phrase) / len(outside) if outside else 0.0
    return round(share_in / share_out, 2) if share_out else None


def _function_words_only(phrase: str) -> bool:
    """Every word of an English phrase is a function word by an outside list (scikit-learn's English
    stopwords, not ours) or a contraction of one ("didn't", "he's")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # lazy: only this figure needs it

    listed = ENGLISH_STOP_WORDS | {"i"}  # its "i" is missing: "i'll", "i'd"

    def function_word(word: str) -> bool:
        if word in listed:
            return True
        stem = re.split(r"['’]", word)[0]
        return stem != word and (stem in listed or (stem.endswith("n") and stem[:-1] in listed))  # didn't: did

    return all(function_word(w) for w in phrase.split())


def summarise(rows: list[dict]) -> dict:
    """The stream's figures from `score_brand`'s rows."""
    labelled = [r for r in rows if not r["fallback"]]
    english = [p for r in labelled if r["lang"] == "en" for p in r["lift"]]
    function_only = [p for p in english if _function_words_only(p)]
    phrases = [v for r in labelled for v in r["lift"].values()]
    lifts = [v for v in phrases if v is not None]  # None: only the theme uses it, the strongest a phrase gets
    weak = [v for v in lifts if v < WEAK_LIFT]
    weak_labels = [r for r in labelled if any(v is not None and v < WEAK_LIFT for v in r["lift"].values())]
    fallbacks = [r for r in rows if r["fallback"]]
    fallback_words = [v for r in fallbacks for v in r["word_lift"].values()]
    shown = [(r, p) for r in rows for p in (r["word_lift"] if r["fallback"] else r["lift"])]
    stream = [p for r, p in shown if set(p.split()) & set(r.get("common_words", ()))]
    repeated = [p for _, p in shown if len(set(p.split())) < len(p.split())]
    markup = [p for _, p in shown if set(p.split()) & MARKUP_WORDS]
    no_own = [n for r in rows for n in (r.get("no_own_label") or {}).values()]
    return {
        "labels": len(rows),
        "fallback_labels": len(fallbacks),
        "fallback_mixed": sum(r["mixed"] for r in fallbacks),
        "fallback_words": len(fallback_words),
        "fallback_weak_words": sum(v is not None and v < WEAK_LIFT for v in fallback_words),
        "phrases": len(phrases),
        "weak_phrases": len(weak),
        "weak_phrase_share": round(len(weak) / len(phrases), 3) if phrases else None,
        "labels_with_a_weak_phrase": len(weak_labels),
        "median_lift": round(statistics.median(lifts), 2) if lifts else None,  # of the phrases others use too
        "median_coverage": round(statistics.median(r["coverage"] for r in labelled), 3) if labelled else None,
        "english_phrases": len(english),
        "function_word_phrases": len(function_only),
        "function_word_examples": sorted(set(function_only))[:EXAMPLES],
        "weak_examples": [f"{r['brand']}: {r['label']} {r['lift']}" for r in weak_labels[:EXAMPLES]],
        "stream_word_phrases": len(stream),
        "stream_word_examples": sorted(set(stream))[:EXAMPLES],
        "repeated_word_phrases": len(repeated),
        "repeated_word_examples": sorted(set(repeated))[:EXAMPLES],
        "markup_word_phrases": len(markup),
        "markup_word_examples": sorted(set(markup))[:EXAMPLES],
        "language_views_without_label": len(no_own),
        "language_views_without_label_posts": sum(no_own),
    }


def evaluate(stream: Path, limit: int | None = None) -> dict:
    """Collect the stream, mark it enriched with gold sentiment, theme it in full, and score the labels."""
    check_stream(stream, ("mentions.jsonl", "gold.jsonl", "groundswell.yaml"))
    gold = _gold_sentiment(stream)
    with collected_stream(stream, limit=limit, prefix="gs-theme-labels-") as (config, store):
        stored = list(store.iter_mentions(Filters(include_spam=True)))
        enriched = [m.model_copy(update={"sentiment": Sentiment(
            label=gold.get(m.id, "neutral"), probs={gold.get(m.id, "neutral"): 1.0}, model="gold")})
            for m in stored]
        failed = [r for r in store.upsert(enriched) if not r.ok]
        if failed:
            raise SystemExit(f"could not store the stream: {failed[0].error}")
        themes_pass(config, store, full=True)
        state = ThemeState(store)
        rows = []
        for brand in config.brands:
            saved = state.load(brand.name)
            if saved is None:
                continue
            mentions = list(store.iter_mentions(Filters(brand=brand.name)))
            rows += score_brand(config, brand.name, mentions, saved.centroids)
    by_brand = Counter(r["brand"] for r in rows)
    return {"stream": stream.name, "brands": dict(by_brand), **summarise(rows), "rows": rows}


def settings() -> dict:
    """The label settings the figures were made with (nlp/phrases.py, nlp/theme_labels.py)."""
    return {"min_z": nlp.phrases.MIN_Z, "min_post_share": nlp.phrases.MIN_POST_SHARE,
            "min_word_lift": nlp.theme_labels.MIN_WORD_LIFT, "weak_lift": WEAK_LIFT}


@click.command(help=__doc__.splitlines()[0])
@click.option("--stream", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl, gold.jsonl, groundswell.yaml)")
@click.option("--limit", type=int, help="Only the first N posts (a quick look; the figures are on all)")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the result here")
@click.option("--min-word-lift", type=click.FloatRange(min=0), default=None,
              help="Run the themes step with this floor instead of nlp.theme_labels.MIN_WORD_LIFT (0: none, as "
                   "before it existed), to compare")
def main(stream: Path, limit: int | None, json_path: Path | None, min_word_lift: float | None) -> None:
    if min_word_lift is not None:
        nlp.theme_labels.MIN_WORD_LIFT = min_word_lift  # read at call time by every label the step makes
    result = evaluate(stream, limit) | {"settings": settings()}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
