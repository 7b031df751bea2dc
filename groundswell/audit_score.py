"""Score a sentiment audit: the person's answers in the spreadsheet against what the model said (the key).

`read_answers` reads the spreadsheet as people leave it: any column order, extra columns, rows deleted or
re-sorted, labels in any case and a few short spellings (`neg`, `-`, `0`, `+`), rows left blank (not yet
labelled) and rows marked `unclear`/`skip`/`?` (the post cannot be judged: not counted as right or wrong,
but counted, since a high share says the posts are hard to read). A row whose id the key lacks, a label it
cannot read or an id twice is named with its line number and left out; the rest is scored.

`score_audit` turns the answers into population figures: accuracy, macro-F1, each class's share as people
read it beside the model's, accuracy of the confident and the uncertain rows, and each language's accuracy,
each with a 95% interval (`groundswell.audit_estimates`).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.mention import SENTIMENT_LABELS
from groundswell.audit_estimates import (
    StratumCount,
    bootstrap_interval,
    proportion,
    stratified_proportion,
)
from groundswell.sentiment_audit import ANSWER_COLUMNS, AuditKey, SampledRow, audit_id

SPELLINGS = {
    "negative": "negative", "neg": "negative", "-": "negative", "-1": "negative",
    "neutral": "neutral", "neu": "neutral", "0": "neutral",
    "positive": "positive", "pos": "positive", "+": "positive", "1": "positive", "+1": "positive",
}  # fmt: skip
UNCLEAR = frozenset({"unclear", "skip", "?", "n/a", "na", "mixed", "irrelevant", "not relevant", "not_relevant"})
PROBLEMS_SHOWN = 20
BOOTSTRAP_ROUNDS = 1000


@dataclass
class Answers:
    """What the spreadsheet says, by mention id."""

    labels: dict[str, str] = field(default_factory=dict)  # id -> the person's label
    unclear: set[str] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)  # rows of the key whose label is a problem, not unanswered
    problems: list[str] = field(default_factory=list)  # "line 7: ...", the first PROBLEMS_SHOWN
    problem_count: int = 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_SHOWN:
            self.problems.append(text)


def read_gold(value: str) -> str | None:
    """The label a cell means ("" for blank, "unclear" for an unjudgeable post); None when it means nothing."""
    text = value.strip().lstrip("'").strip().lower()
    if not text:
        return ""
    if text in UNCLEAR:
        return "unclear"
    return SPELLINGS.get(text)


def read_answers(path: Path, key: AuditKey) -> Answers:
    """The answers in the spreadsheet at `path`. Raises ValueError when it cannot be read or lacks a column
    the scorer needs; a bad row is reported in `Answers.problems` and left out."""
    drawn = {row.id for row in key.rows}
    answers = Answers()
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ANSWER_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ValueError(f"{path}: no {', '.join(repr(c) for c in missing)} column (the audit spreadsheet "
                                 f"has {', '.join(ANSWER_COLUMNS)}; keep their header names)")
            for record in reader:
                line = reader.line_num
                mention_id = audit_id(record.get("id") or "", drawn)
                gold = read_gold(record.get("gold") or "")
                if not mention_id:
                    if gold:
                        answers.problem(f"line {line}: a label with no id")
                    continue
                if mention_id not in drawn:
                    answers.problem(f"line {line}: {mention_id} is not in this audit's key (a row of another audit?)")
                    continue
                if mention_id in seen:
                    answers.problem(f"line {line}: {mention_id} appears again; the first row counts")
                    continue
                seen.add(mention_id)
                if gold is None:
                    answers.unreadable.add(mention_id)
                    answers.problem(f"line {line}: gold {record.get('gold')!r} is not negative, neutral, positive "
                                    "or unclear")
                elif gold == "unclear":
                    answers.unclear.add(mention_id)
                elif gold:
                    answers.labels[mention_id] = gold
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    return answers


@dataclass(frozen=True)
class Labelled:
    """One answered row: its stratum, the model's label and the person's."""

    stratum: str
    model: str
    gold: str
    uncertain: bool


def _weights(key: AuditKey, rows: dict[str, list[Labelled]]) -> dict[str, float]:
    """Each labelled row of a stratum stands for population / labelled mentions of it."""
    return {name: key.strata[name].population / len(group) for name, group in rows.items() if group}


def _confusion(rows: dict[str, list[Labelled]], weights: dict[str, float]) -> dict[tuple[str, str], float]:
    counts: dict[tuple[str, str], float] = Counter()
    for name, group in rows.items():
        for row in group:
            counts[row.gold, row.model] += weights[name]
    return counts


def per_class(confusion: dict[tuple[str, str], float]) -> dict[str, dict[str, float | None]]:
    """Precision, recall and F1 of each label from a (people's label, model's label) -> weight confusion.

    F1 is 2·hits / (predicted + actual): 0 for a label people used that the model never gave (or the other
    way round), None only for a label neither used."""
    out: dict[str, dict[str, float | None]] = {}
    for label in SENTIMENT_LABELS:
        hit = confusion.get((label, label), 0.0)
        predicted = sum(v for (_, model), v in confusion.items() if model == label)
        actual = sum(v for (gold, _), v in confusion.items() if gold == label)
        out[label] = {"precision": hit / predicted if predicted else None, "recall": hit / actual if actual else None,
                      "f1": 2 * hit / (predicted + actual) if predicted + actual else None}
    return out


def macro_f1(confusion: dict[tuple[str, str], float]) -> float | None:
    """The mean F1 over the labels people or the model used (as scikit-learn's macro average)."""
    f1s = [c["f1"] for c in per_class(confusion).values() if c["f1"] is not None]
    return sum(f1s) / len(f1s) if f1s else None


def _accuracy_where(rows: dict[str, list[Labelled]], weights: dict[str, float], uncertain: bool) -> float | None:
    total = hit = 0.0
    for name, group in rows.items():
        for row in group:
            if row.uncertain is uncertain:
                total += weights[name]
                hit += weights[name] * (row.gold == row.model)
    return hit / total if total else None


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _interval(estimate: float | None, bounds: tuple[float, float] | None, n: int) -> dict[str, Any]:
    low, high = bounds if bounds is not None else (None, None)
    return {"value": _pct(estimate), "low": _pct(low), "high": _pct(high), "n": n}


def score_audit(key: AuditKey, answers: Answers, *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> dict[str, Any]:
    """The audit's figures (percentages, 95% intervals); see the module docstring."""
    by_id: dict[str, SampledRow] = {row.id: row for row in key.rows}
    rows: dict[str, list[Labelled]] = {name: [] for name in key.strata}
    for mention_id, gold in answers.labels.items():
        drawn = by_id[mention_id]
        rows[drawn.stratum].append(Labelled(drawn.stratum, drawn.label, gold, drawn.uncertain))
    labelled = sum(len(group) for group in rows.values())
    covered = [name for name, group in rows.items() if group]
    population = sum(s.population for s in key.strata.values())
    covered_population = sum(key.strata[name].population for name in covered)
    unclear_by: Counter[str] = Counter(by_id[i].stratum for i in answers.unclear)

    def counts(test: Any) -> list[StratumCount]:
        return [StratumCount(sum(1 for r in rows[name] if test(r)), len(rows[name]), key.strata[name].population)
                for name in key.strata]

    weights = _weights(key, rows)
    confusion = _confusion(rows, weights)
    result: dict[str, Any] = {
        "audit": {"created_at": key.created_at, "store": key.store, "filters": key.filters, "seed": key.seed,
                  "rows": len(key.rows), "models": dict(Counter(row.model for row in key.rows))},
        "answers": {"labelled": labelled, "unclear": len(answers.unclear),
                    # blank (or deleted) rows only: a row with an unreadable label is counted once, as a problem
                    "unanswered": len(key.rows) - labelled - len(answers.unclear) - len(answers.unreadable),
                    "problems": answers.problem_count, "problem_lines": answers.problems},
        "population": population,
        "covered_population": covered_population,  # in the languages with at least one labelled row
        "accuracy": stratified_proportion(counts(lambda r: r.gold == r.model)).as_percent(),
    }
    if not labelled:
        result["accuracy"] = None
        return result

    def macro(resample: dict[str, list[object]]) -> float | None:
        typed: dict[str, list[Labelled]] = resample  # type: ignore[assignment]
        return macro_f1(_confusion(typed, weights))

    def accuracy_of(uncertain: bool):  # noqa: ANN202 - a bootstrap statistic
        def statistic(resample: dict[str, list[object]]) -> float | None:
            typed: dict[str, list[Labelled]] = resample  # type: ignore[assignment]
            return _accuracy_where(typed, weights, uncertain)
        return statistic

    boot = {name: list(group) for name, group in rows.items() if group}
    result["macro_f1"] = _interval(macro_f1(confusion), bootstrap_interval(boot, macro, rounds=rounds, seed=seed),
                                   labelled)
    result["per_class"] = {label: {k: _pct(v) for k, v in c.items()} for label, c in per_class(confusion).items()}
    result["shares"] = {}
    for label in SENTIMENT_LABELS:
        model_share = sum(key.strata[name].predicted.get(label, 0) for name in covered) / covered_population
        people = stratified_proportion(counts(lambda r, label=label: r.gold == label))
        result["shares"][label] = {"model": _pct(model_share), "people": people.as_percent()}
    result["confidence"] = {}
    for name, uncertain in (("confident", False), ("uncertain", True)):
        n = sum(1 for group in rows.values() for r in group if r.uncertain is uncertain)
        statistic = accuracy_of(uncertain)
        bounds = bootstrap_interval(boot, statistic, rounds=rounds, seed=seed) if n else None
        result["confidence"][name] = _interval(_accuracy_where(rows, weights, uncertain), bounds, n)
    result["languages"] = {
        name: {"population": key.strata[name].population, "sampled": key.sampled(name),
               "labelled": len(rows[name]), "unclear": unclear_by.get(name, 0),
               "accuracy": proportion(sum(r.gold == r.model for r in rows[name]), len(rows[name]),
                                      key.strata[name].population).as_percent() if rows[name] else None}
        for name in sorted(key.strata, key=lambda k: -key.strata[k].population)
    }
    result["confusion"] = {"labels": list(SENTIMENT_LABELS), "rows": "people", "columns": "model",
                           "counts": [[sum(1 for g in rows.values() for r in g if r.gold == gold and r.model == m)
                                       for m in SENTIMENT_LABELS] for gold in SENTIMENT_LABELS]}
    return result


def agreement(first: Answers, second: Answers) -> dict[str, Any]:
    """How often two people gave the same label to the rows both labelled (unclear rows left out), and
    Cohen's kappa (agreement beyond what their label shares give by chance). Over the sample's rows as
    drawn, not re-weighted by language: it says how hard these posts are to read, the ceiling for any model."""
    both = [(first.labels[i], second.labels[i]) for i in first.labels if i in second.labels]
    n = len(both)
    if not n:
        return {"rows": 0, "agreement": None, "kappa": None}
    same = sum(a == b for a, b in both)
    chance = sum((sum(a == c for a, _ in both) / n) * (sum(b == c for _, b in both) / n) for c in SENTIMENT_LABELS)
    kappa = (same / n - chance) / (1 - chance) if chance < 1 else None
    return {"rows": n, "agreement": proportion(same, n).as_percent(),
            "kappa": None if kappa is None else round(kappa, 3)}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The audit's figures as a person reads them in a terminal."""
    answers = result["answers"]
    lines = [f"{answers['labelled']} labelled row(s) of {result['audit']['rows']} "
             f"({answers['unclear']} unclear, {answers['unanswered']} unanswered, {answers['problems']} with problems)"]
    lines += [f"  {p}" for p in answers["problem_lines"]]
    if result.get("accuracy") is None:
        return [*lines, "nothing labelled yet: fill the gold column (negative, neutral, positive or unclear)"]

    def show(e: dict[str, Any]) -> str:
        if e["value"] is None:
            return "n/a"
        return f"{e['value']:.1f}% ({e['low']:.1f}-{e['high']:.1f})" if e["low"] is not None else f"{e['value']:.1f}%"

    share = f"{result['covered_population']:,} of {result['population']:,}"
    lines += [f"accuracy    {show(result['accuracy'])}  over {share} mentions (95% interval)",
              f"macro-F1    {show(result['macro_f1'])}"]
    for label, s in result["shares"].items():
        lines.append(f"{label:<11} people {show(s['people'])}, model {s['model']:.1f}%")
    for name, c in result["confidence"].items():
        lines.append(f"{name:<11} {show(c)} accurate, {c['n']} row(s)")
    if "agreement" in result:
        both = result["agreement"]
        if both["agreement"] is None:
            lines.append("people agree  n/a: no row both people labelled")
        else:
            lines.append(f"people agree  {show(both['agreement'])} of {both['rows']} row(s) both labelled "
                         f"(Cohen's kappa {both['kappa']})")
    lines.append("by language (population, labelled, accuracy):")
    for name, lang in result["languages"].items():
        accuracy = show(lang["accuracy"]) if lang["accuracy"] else "not labelled"
        lines.append(f"  {name:<8} {lang['population']:>9,} {lang['labelled']:>5}  {accuracy}")
    return lines
