"""How many stored mentions repeat a story already stored: does the store count a retweeted story once?

`python -m tools.brands.stories --stream ../shared/data/streams/gop-debate-2015 [--limit N] [--json PATH]`

Collects the stream through the real pipeline (`tools.stream_store.collected_stream`: one import pass per brand of
the stream's `groundswell.yaml`, a throwaway SQLite store), then groups what is stored by story with a rule of its
own, deliberately independent of the collector's fingerprints (`groundswell/copies.py`), so it checks them rather
than repeating them: a retweet `RT @author: text` tells the story (author, the first 50 characters of its text,
lower-cased, X's trailing ellipsis removed); any other post tells (its author, its first 50 characters). Each
stored mention beyond the first of its story is a repeat. Per brand: stored mentions, stories, and their ratio
(how much volume and share of voice a repeat inflates).

Beside it, what the viral detector reads (`alerts.shares`): the reposts recorded as shares, how many of them are
shares of a stored retweet standing for an original that was never stored, and the hours in which one stored post
got at least `min_reposts` (`alerts.viral.ViralRule`'s default) shares: the bursts it can alert on, whatever the
labels say.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import click

from alerts.shares import Shares
from alerts.viral import ViralRule
from core.mention import Mention, is_repost
from indexing.base import Filters
from tools.result_file import show_result
from tools.stream_store import collected_stream

_RT = re.compile(r"RT @(\w+):\s*(.*)", re.S)
HEAD = 50  # characters of a story's text that name it


def story(mention: Mention) -> tuple[str, str]:
    """(author, start of the text) of the story a stored post tells."""
    retweet = _RT.match(mention.text)
    if retweet:
        return retweet.group(1).lower(), retweet.group(2).rstrip("…").strip()[:HEAD].lower()
    handle = (mention.author.handle if mention.author else "") or ""
    return handle.lower(), mention.text.strip()[:HEAD].lower()


def count_stories(mentions: list[Mention]) -> dict[str, Any]:
    """Stored mentions, stories and repeats, overall and per brand; the stories told most often."""
    stories = Counter(story(m) for m in mentions)
    per_brand: Counter[str] = Counter(b for m in mentions for b in m.brands)
    brand_stories: Counter[str] = Counter(b for b, _ in {(b, story(m)) for m in mentions for b in m.brands})
    return {
        "stored": len(mentions),
        "stories": len(stories),
        "repeats": len(mentions) - len(stories),
        "repeat_share": round((len(mentions) - len(stories)) / len(mentions), 4) if mentions else None,
        "most_repeated": [{"author": a, "text": t, "stored": n} for (a, t), n in stories.most_common(5) if n > 1],
        "per_brand": {
            b: {"stored": n, "stories": brand_stories[b], "inflation": round(n / brand_stories[b], 2)}
            for b, n in per_brand.most_common()
        },
    }


def count_shares(mentions: list[Mention], store_shares: list[Any]) -> dict[str, Any]:
    """Shares recorded, those of a stored retweet (its original never stored), and the viral-sized bursts."""
    reposts = {m.id for m in mentions if is_repost(m)}
    hours = Counter((s.original, s.at.strftime("%Y-%m-%dT%H")) for s in store_shares)
    least = ViralRule().min_reposts
    bursts = [(post, hour, n) for (post, hour), n in hours.most_common() if n >= least]
    return {
        "shares": len(store_shares),
        "shares_of_stored_retweets": sum(1 for s in store_shares if s.original in reposts),
        "min_reposts": least,
        "bursts": len(bursts),
        "bursts_of_stored_retweets": sum(1 for post, _, _ in bursts if post in reposts),
        "largest_bursts": [{"post": p, "hour": h, "shares": n, "retweet": p in reposts} for p, h, n in bursts[:5]],
    }


def evaluate(stream: Path, limit: int | None = None) -> dict[str, Any]:
    """Collect the stream (or its first `limit` lines) and count the stored mentions that repeat a story."""
    with collected_stream(Path(stream), limit=limit, prefix="gs-stories-") as (_, store):
        mentions = list(store.iter_mentions(Filters(include_spam=True)))
        shares = Shares(store).between(None, None)
    return {"stream": Path(stream).name, **count_stories(mentions), "viral": count_shares(mentions, shares)}


def render(result: dict[str, Any]) -> str:
    """The result as a line and a Markdown table per brand."""
    share = result["repeat_share"]
    lines = [
        f"{result['stream']}: {result['stored']} stored, {result['stories']} stories, {result['repeats']} stored "
        f"mentions repeat a story already stored ({100 * (share or 0):.1f}%)",
        "",
        "| brand | stored | stories | stored / stories |",
        "| --- | ---: | ---: | ---: |",
    ]
    for brand, row in result["per_brand"].items():
        lines.append(f"| {brand} | {row['stored']} | {row['stories']} | {row['inflation']:.2f}x |")
    lines += ["", *(f"stored {s['stored']}x: @{s['author']}: {s['text']}" for s in result["most_repeated"])]
    viral = result["viral"]
    lines += [
        "",
        f"shares recorded: {viral['shares']} ({viral['shares_of_stored_retweets']} of a stored retweet whose original "
        f"is not stored); hours with >= {viral['min_reposts']} shares of one post: {viral['bursts']} "
        f"({viral['bursts_of_stored_retweets']} of a stored retweet)",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--stream", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--limit", type=int, help="Only the first N lines of the stream")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the result here")
def main(stream: Path, limit: int | None, json_path: Path | None) -> None:
    """Stored mentions that repeat a story (see the module docstring)."""
    show_result(evaluate(stream, limit), render, json_path)


if __name__ == "__main__":
    main()
