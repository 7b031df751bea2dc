"""Would a manager see the same crisis alerts with the model's sentiment as with the human labels?

A real stream's mentions are attributed to its example config's brands (`groundswell.brands`, as
the collector does) and replayed through the alert backtest (`alerts.backtest`, production's
detectors on an in-memory store) twice: tagged with the human gold labels, then with the model's.
The gold-label run's crisis alerts stand in for the crises; the model-label run is scored against
them with the backtest's own scoring (`alerts.scoring.score`): recall is the share of gold-label
alert episodes the model's labels also raise (while the episode runs, or one bucket later),
precision the share of the model's episode-opening alerts that overlap one.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from alerts.backtest import run_backtest
from alerts.config import rules_for
from alerts.kinds import kind_info
from alerts.scoring import Fired, Incident, score
from alerts.series import STEP
from core.alert import Detection
from core.mention import Mention, Sentiment, mention_record
from groundswell.brands import attribute
from groundswell.config import Config


def tagged(mentions: list[Mention], labels: list[str], probs: list[dict[str, float]], model: str,
           config: Config) -> list[Mention]:
    """The mentions with their brands attributed by the config's queries and the given sentiment."""
    out = []
    for mention, label, p in zip(mentions, labels, probs, strict=True):
        m = attribute(mention, config.brands)
        out.append(m.model_copy(update={"sentiment": Sentiment(label=label, probs=p, model=model)}))
    return out


def crisis_alerts(mentions: list[Mention], config: Config) -> tuple[list[Detection], float]:
    """The crisis detections the backtest fires on these tagged mentions, and the brand-weeks it covered."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tagged.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for m in mentions:
                handle.write(json.dumps(mention_record(m), ensure_ascii=False) + "\n")
        # Scored against no incidents, only to learn the brand-weeks the run covered.
        result = run_backtest(path, config.alerts, config.brands, incidents=[])
    weeks = result.score.brand_weeks if result.score else 0.0
    return [d for d in result.detections if kind_info(d.alert.kind).crisis], weeks


def _episode(d: Detection) -> dict:
    return {"brand": d.alert.brand, "start": d.alert.window_start.isoformat(),
            "decided_at": d.decided_at.isoformat(), "severity": d.alert.severity}


def agreement(gold: list[Detection], model: list[Detection], step, brand_weeks: float,
              brand_steps: dict | None = None) -> dict:
    """The model-label alerts scored against the gold-label alert episodes (see the module doc); `brand_steps`: the
    bucket of a brand whose own rules (`brands[].alerts`) set another one."""
    episodes = [Incident(d.alert.brand, "sudden", d.alert.window_start, d.alert.window_end)
                for d in gold if not d.alert.subject]
    fired = [Fired(d.alert.brand, d.alert.window_start, d.alert.window_end, d.decided_at, opens=not d.alert.subject)
             for d in model]
    s = score(fired, episodes, step, brand_weeks, brand_steps=brand_steps).as_dict()
    return {"gold_label_alerts": len(episodes), "model_label_alerts": sum(f.opens for f in fired),
            "recall": s["recall"], "precision": s["precision"],
            "mean_delay_buckets": s["mean_time_to_detect_buckets_from_start"],
            # The same in hours: one unit when a brand counts in its own bucket (`brands[].alerts.spike.bucket`).
            "mean_delay_hours": s["mean_time_to_detect_hours_from_start"],
            "gold_label_episodes": [_episode(d) for d in gold if not d.alert.subject],
            "model_label_episodes": [_episode(d) for d in model if not d.alert.subject]}


def compare(mentions: list[Mention], gold: list[str], labels: list[str], probs: list[dict[str, float]],
            model: str, config: Config) -> dict:
    """Crisis alerts with the gold labels against those with the model's labels, on one stream."""
    gold_alerts, weeks = crisis_alerts(tagged(mentions, gold, [{g: 1.0} for g in gold], "gold", config), config)
    model_alerts, _ = crisis_alerts(tagged(mentions, labels, probs, model, config), config)
    steps = {b.name: STEP[rules_for(config.alerts, b).spike.bucket] for b in config.brands}
    return agreement(gold_alerts, model_alerts, STEP[config.alerts.spike.bucket], weeks, steps)
