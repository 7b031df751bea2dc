"""`groundswell demo`: the synthetic corpus (`groundswell.demo_corpus`) and a config over it in one folder."""

from __future__ import annotations

from pathlib import Path

from core.file_write import write_file
from groundswell.demo_corpus import write_corpus

DEMO_CONFIG = """\
# Groundswell demo configuration (written by `groundswell demo`). Edit freely.
brands:
  - name: Lumora
    query: 'Lumora OR #lumora OR @lumora'
    crisis_terms:
      # One crisis in five languages: one series, one alert (docs/configuration.md, "Crisis terms"). Snowball
      # stems the Russian noun (перегрев) and verb (перегревается) apart, so both are listed.
      - name: overheating
        any: [overheating, 过热, 과열, {text: перегрев, inflect: ru}, {text: перегреваться, inflect: ru},
              {text: surriscaldamento, inflect: it}]
      - recall
      - burned
    # The care account's replies give response times and the "needs reply" queue (README, "Our own replies").
    own_accounts: {x: ["@demo_LumoraCare"]}
  - name: Sonique
    query: 'Sonique OR #sonique'
    competitor: true
sources:
  - type: import
    name: demo-corpus
    options:
      path: corpus.jsonl
store:
  type: sqlite
  path: groundswell.db
alerts:
  keyword:
    # Crisis terms are an explicit signal: count every mention of them, not only those the
    # sentiment model calls negative (it misses some complaints; see docs/model-card.md).
    negative_only: false
  spike:
    preset: balanced
    bucket: hour
channels:
  - type: console
  - type: jsonl
    path: alerts.jsonl
report:
  path: report.html
"""


def prepare(root: Path, seed: int = 7) -> tuple[Path, int]:
    """Write `corpus.jsonl` (always) and `groundswell.yaml` (unless edited already) under `root`.

    Returns the config file and the number of corpus lines."""
    root.mkdir(parents=True, exist_ok=True)
    lines = write_corpus(root / "corpus.jsonl", seed=seed)
    config_file = root / "groundswell.yaml"
    if not config_file.exists():
        write_file(config_file, DEMO_CONFIG)  # core.file_write: never through a link planted at the name
    return config_file, lines
