"""Viral alerts of a real stream's backtest, beside the scheduled replay's: does the backtest raise what the
channel got?

`python -m tools.alerts.stream_viral --stream ../shared/data/streams/gop-debate-2015 [--labels gold|model]
[--json FILE]`

The stream's posts are attributed to its example config's brands (`groundswell.brands.attribute`, as the
collector does; a post no brand's query matches is left out, as collection never stores it), tagged with the
human gold labels (`gold.jsonl`) or the shipped model's (on the text the pipeline's model reads,
`Config.model_text()`: each post's own brands' names masked), and replayed through `alerts.backtest.run_backtest`,
which rebuilds the shares (`alerts.backtest_shares`) and runs the production detectors, the viral one included.
The result lists its viral alerts and, from `docs/scheduled-replay-<stream>.json`
(`tools.alerts.scheduled_replay`), the viral posts the scheduled runs sent, matched by brand, post, hour and
reposts; and `bursts`: every text of the stream retweeted at least `min_reposts` times in one UTC hour (a story by
collection's rule, `core.stories`: a retweet X cut short tells its original's), with why it raised a viral alert
or did not (its original not in the stream, or posted after that hour's retweets; no brand's query matches it; its
label).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click

from alerts.backtest import run_backtest
from alerts.kinds import detector_for
from alerts.series import floor_time
from core import stories
from core.mention import RT_PREFIX, Mention, Sentiment, is_repost, load_mention
from core.time import as_utc
from groundswell.brands import attribute
from groundswell.config import Config, load_config
from tools.stream_store import check_stream

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _gold(stream: Path) -> list[str]:
    labels = [json.loads(line)["sentiment"] for line in (stream / "gold.jsonl").open(encoding="utf-8")]
    return [label if label in ("negative", "neutral", "positive") else "neutral" for label in labels]


def tagged(stream: Path, config: Config, labels: str) -> list[Mention]:
    """The stream's branded posts, each with the `labels` sentiment ("gold" or "model")."""
    posts = [attribute(load_mention(line), config.brands) for line in (stream / "mentions.jsonl").open(encoding="utf-8")
             if line.strip()]
    if labels == "gold":
        gold = _gold(stream)
        if len(gold) != len(posts):
            raise click.ClickException(f"{stream}: {len(posts)} posts but {len(gold)} gold labels")
        return [p.model_copy(update={"sentiment": Sentiment(label=g, probs={g: 1.0}, model="gold")})
                for p, g in zip(posts, gold, strict=True) if p.brands]
    from nlp.sentiment import load_sentiment_model  # lazy: the model's runtime loads only for --labels model

    posts = [p for p in posts if p.brands]
    model = load_sentiment_model("default")
    preds = model.predict(model_texts(posts, config), [p.lang for p in posts])
    return [p.model_copy(update={"sentiment": Sentiment(label=r.label, probs=r.probs, model=model.identity)})
            for p, r in zip(posts, preds, strict=True)]


def model_texts(posts: list[Mention], config: Config) -> list[str]:
    """What the model reads of each attributed post: the pipeline's own text (`Config.model_text()`, keyed by
    brand name, each post's own brands masked, capped), so the backtest's labels are the pipeline's."""
    text = config.model_text()
    return [text(p) for p in posts]


def bursts(stream: Path, config: Config, tagged_posts: list[Mention], alerted: set[str]) -> list[dict]:
    """Each (story, UTC hour) of the stream with at least `min_reposts` reposts, most first, and its verdict. A
    story is what collection's rule (`core.stories`) reads a repost as telling: its original anywhere in the stream
    (a retweet cut short by X included), else the first repost of it, which stands in for it."""
    posts = sorted((attribute(load_mention(line), config.brands)
                    for line in (stream / "mentions.jsonl").open(encoding="utf-8") if line.strip()),
                   key=lambda m: as_utc(m.created_at))
    by_id = {m.id: m for m in posts}
    labels = {m.id: m.sentiment.label for m in tagged_posts if m.sentiment}
    # Keys without brands: a burst is one story whichever brands its reposts name (or none).
    unbranded = {m.id: m.model_copy(update={"brands": []}) for m in posts}
    originals: dict[str, str] = {}  # every story key of a post that is no repost -> the first such post
    for post in unbranded.values():
        for key in [] if is_repost(post) else stories.owned_keys(post) + stories.takeover_keys(post):
            originals.setdefault(key, post.id)
    standing: dict[str, str] = {}  # the story keys of reposts of no post in the stream -> the first of them
    counts: Counter[tuple[str, object]] = Counter()
    named: dict[str, str] = {}
    brands: dict[str, set[str]] = {}
    for post in posts:
        if not is_repost(post):
            continue
        bare = unbranded[post.id]
        story = (stories.original_of(bare, originals.get, unbranded.get)
                 or stories.original_of(bare, standing.get, unbranded.get))
        if story is None:
            story = post.id
            for key in stories.owned_keys(bare):
                standing.setdefault(key, post.id)
        counts[(story, floor_time(as_utc(post.created_at), "hour"))] += 1
        prefix = RT_PREFIX.match(post.text)
        named.setdefault(story, prefix.group(0).strip() if prefix else "(marked as a repost)")
        brands.setdefault(story, set()).update(post.brands)
    min_reposts = detector_for("viral").rule(config.alerts).min_reposts
    out = []
    for (story, hour), n in counts.most_common():
        if n < min_reposts:
            break
        original = None if is_repost(by_id[story]) else by_id[story]  # else: a stand-in, its original not here
        # No original in the stream: the first repost of the story stands in for it, with its own label.
        label = labels.get(original.id if original else story)
        if original is None:
            why = ("viral alert on the repost standing in for it (original not in the stream)" if story in alerted
                   else "original not in the stream; no brand's query matches its reposts" if not by_id[story].brands
                   else f"original not in the stream; the repost standing in for it labelled {label}")
        elif as_utc(original.created_at) >= hour + timedelta(hours=1):
            why = "original posted after this hour"
        elif not original.brands:
            why = "no brand's query matches the original"
        elif original.id in alerted:
            why = "viral alert"
        elif label != "negative":
            why = f"original labelled {label}"
        else:
            why = "no alert (see the backtest)"
        out.append({"retweets_of": named[story], "hour": hour.isoformat(), "retweets": n,
                    "brands": sorted(brands[story]), "original": original.id if original else None,
                    "original_at": as_utc(original.created_at).isoformat() if original else None,
                    "stand_in": None if original else story, "label": label, "verdict": why})
    return out


def _lines(mentions: list[Mention]) -> Iterator[str]:
    yield from (m.model_dump_json() for m in mentions)


def compare(stream: Path, labels: str) -> dict:
    """The backtest's viral alerts on `stream` with `labels`, and the scheduled replay's (module docstring)."""
    check_stream(stream)
    config = load_config(stream / "groundswell.yaml")
    mentions = tagged(stream, config, labels)
    lines = [_Line(n, text) for n, text in enumerate(_lines(mentions), 1)]
    result = run_backtest(lines, config.alerts, config.brands)
    backtest = [{"brand": d.alert.brand, "post": d.alert.subject, "window_start": d.alert.window_start.isoformat(),
                 "reposts": d.alert.observed, "usual_per_hour": d.alert.expected, "severity": d.alert.severity,
                 "decided_at": d.decided_at.isoformat(), "author": d.alert.top_posts[0].author,
                 "stands_in": d.alert.top_posts[0].stands_in, "message": detector_for("viral").describe(d.alert),
                 "sentiment": labels}
                for d in result.detections if d.alert.kind == "viral"]
    replay_file = DOCS / f"scheduled-replay-{stream.name}.json"
    replay = json.loads(replay_file.read_text(encoding="utf-8"))["viral_posts"] if replay_file.exists() else None

    def key(row: dict) -> tuple:
        return row["brand"], row["post"], row["window_start"][:13], float(row["reposts"])

    ours = {key(r) for r in backtest}
    theirs = {key(r) for r in replay or []}
    return {"tool": "stream_viral", "stream": stream.name, "labels": labels, "loaded": result.load.loaded,
            "shares": result.load.shares, "backtest_viral": backtest,
            "scheduled_replay_viral": replay, "only_backtest": sorted(map(list, ours - theirs)),
            "only_scheduled_replay": sorted(map(list, theirs - ours)) if replay is not None else None,
            "bursts": bursts(stream, config, mentions, {r["post"] for r in backtest})}


class _Line:
    """A decoded input line for `run_backtest` (`alerts.backtest.NumberedLine`)."""

    def __init__(self, number: int, text: str):
        self.number, self.text, self.problem = number, text, None


@click.command()
@click.option("--stream", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl, gold.jsonl, groundswell.yaml)")
@click.option("--labels", type=click.Choice(["gold", "model"]), default="gold", show_default=True,
              help="The human gold labels, or the shipped model's")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the result here")
def main(stream: Path, labels: str, json_out: Path | None) -> None:
    """Backtest a real stream and list its viral alerts beside the scheduled replay's."""
    text = json.dumps(compare(stream, labels), indent=2, ensure_ascii=False)
    click.echo(text)
    if json_out:
        json_out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
