"""The labelled intent data: our seed set (tools/intents/seed/, trains the shipped model) and the
public research sets in ../shared/data/intents (evaluation only: see docs/model-card.md, "Intent tags").

Every public set labels one or two intents, and `null` there is NOT `other` (shared README): each is
read as a binary task "intent X vs rows that cannot be X", and only that intent's F1 is measured on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

INTENTS: tuple[str, ...] = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")
SEED_DIR = Path(__file__).parent / "seed"
# One seed template in five is held out for evaluation, never trained on: the same positions within each
# intent in every language file. The files are written as loose translations of one another in the same
# order, so a held-out sentence frame is (mostly) held out in every language, not trained on in translation.
HELD_OUT_EVERY = 5
HELD_OUT_AT = 2


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    intent: str  # for a binary public task: the intent when positive, "" when it cannot be that intent


def _rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# -- the seed set ----------------------------------------------------------------------------------
def held_out(position: int) -> bool:
    """Whether the seed template at `position` within its intent (0-based, per language) is held out."""
    return position % HELD_OUT_EVERY == HELD_OUT_AT


def seed_examples(part: str = "train", folder: Path = SEED_DIR) -> list[Example]:
    """Seed sentences of `part` ("train", "test" or "all"), slots filled (`fill`).

    Each file `<lang>.jsonl` holds {"intent", "text"} templates; `{b}` is a brand, `{p}` a product. A
    template and all its fillings land on the same side of the split, so the test part never shares a
    sentence frame with training."""
    out: list[Example] = []
    for path in sorted(folder.glob("*.jsonl")):
        lang = path.stem
        slots = json.loads((folder / "slots.json").read_text(encoding="utf-8"))[lang]
        positions: dict[str, int] = {}
        for row in _rows(path):
            if row["intent"] not in INTENTS:
                raise ValueError(f"{path.name}: unknown intent {row['intent']!r} (use one of {', '.join(INTENTS)})")
            position = positions[row["intent"]] = positions.get(row["intent"], -1) + 1
            if part != "all" and held_out(position) != (part == "test"):
                continue
            out.extend(Example(text, lang, row["intent"]) for text in fill(row["text"], slots))
    return out


def fill(template: str, slots: dict[str, list[str]], copies: int = 2) -> list[str]:
    """`copies` fillings of a template's {b}/{p} slots, picked by the template's hash (deterministic)."""
    if "{b}" not in template and "{p}" not in template:
        return [template]
    h = int(hashlib.sha256(template.encode("utf-8")).hexdigest(), 16)
    brands, products = slots["brands"], slots["products"]
    out = []
    for i in range(copies):
        b = brands[(h + i * 7) % len(brands)]
        p = products[(h // 11 + i * 5) % len(products)]
        out.append(template.replace("{b}", b).replace("{p}", p))
    return list(dict.fromkeys(out))


# -- the public sets (evaluation) ------------------------------------------------------------------
@dataclass(frozen=True)
class BinaryTask:
    """One public set read as "is it `intent`?": examples with intent = `intent` or "" (cannot be it)."""

    name: str
    intent: str
    examples: list[Example]


def public_tasks(root: Path, ko_sample: int = 600, split: str = "test") -> list[BinaryTask]:
    """Binary evaluation tasks from one split ("test"; "dev" to decide things without touching test) of
    the public sets under `root` (../shared/data/intents); `ko_sample` 0 leaves 3i4k out."""
    tasks: list[BinaryTask] = []
    rows = list(_rows(root / "complaints_twitter_en" / f"{split}.jsonl"))
    tasks.append(_task("complaints_twitter_en", "complaint", rows, _is("complaint")))
    brand = [r for r in rows if not r["domain"].startswith("random_")]
    tasks.append(_task("complaints_twitter_en (brand-directed)", "complaint", brand, _is("complaint")))
    rows = list(_rows(root / "semeval2019_task9_suggestions_en" / f"{split}.jsonl"))
    tasks.append(_task("semeval2019_task9_suggestions_en", "suggestion", rows, _is("suggestion")))
    rows = list(_rows(root / "ijcnlp2017_customer_feedback" / f"{split}.jsonl"))
    for lang in ("en", "es", "fr", "ja"):
        # A sentence without a complaint/bug tag cannot be a complaint; "undetermined" could be anything.
        mine = [r for r in rows if r["lang"] == lang and r["label"] != "undetermined"]
        tasks.append(_task(f"ijcnlp2017_customer_feedback {lang}", "complaint", mine, _is("complaint")))
    if ko_sample:
        tasks.append(_korean_questions(root, ko_sample, split))
    return tasks


# IJCNLP labels that allow more than one intent (shared README): the intents each is compatible with.
COMPATIBLE = {"request": ("question", "suggestion"), "comment": ("praise", "other")}


def compatible_rows(root: Path, split: str = "test") -> dict[str, list[tuple[Example, tuple[str, ...]]]]:
    """IJCNLP test rows with exactly one partial label (`request` or `comment`), per language: what a
    prediction must fall in to be compatible. The only multilingual signal here for praise and
    question-or-suggestion."""
    out: dict[str, list[tuple[Example, tuple[str, ...]]]] = {}
    for r in _rows(root / "ijcnlp2017_customer_feedback" / f"{split}.jsonl"):
        if r["label"] in COMPATIBLE:
            example = Example(r["text"], r["lang"], "")
            out.setdefault(f"{r['label']} {r['lang']}", []).append((example, COMPATIBLE[r["label"]]))
    return dict(sorted(out.items()))


def _is(intent: str) -> Callable[[dict], bool]:
    return lambda row: row["intent"] == intent


def _task(name: str, intent: str, rows: list[dict], positive: Callable[[dict], bool]) -> BinaryTask:
    return BinaryTask(name, intent, [Example(r["text"], r["lang"], intent if positive(r) else "") for r in rows])


def _korean_questions(root: Path, n: int, split: str = "test") -> BinaryTask:
    """3i4k test: `question` vs statements, fragments and rhetorical commands (commands may be support
    requests and intonation-dependent lines need prosody: both left out). `n` of each, by hash."""
    pos, neg = [], []
    for r in _rows(root / "korean_3i4k_intention" / "data.jsonl"):
        if r["split"] != split:
            continue
        if r["label"] == "question":
            pos.append(r)
        elif r["label"] in ("statement", "fragment", "rhetorical_command"):
            neg.append(r)

    def pick(rs: list[dict]) -> list[dict]:
        return sorted(rs, key=lambda r: hashlib.sha256(r["source_id"].encode()).hexdigest())[:n]

    rows = pick(pos) + pick(neg)
    return _task(f"korean_3i4k_intention ({split}, {n}+{n})", "question", rows, lambda r: r["label"] == "question")
