"""The default runtime never imports torch or transformers: `groundswell run` on the demo, with both blocked.

The run happens in a subprocess whose import system refuses torch, transformers and
sentence_transformers (a meta-path finder that raises ImportError) and writes down every attempt,
so a caller that catches the ImportError and carries on is caught too. The ONNX graph cache starts
empty, so the encoder's graph is also built without torch (nlp/bert_onnx.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from groundswell.demo import prepare

pytestmark = [pytest.mark.model, pytest.mark.slow]

BLOCKED = ("torch", "transformers", "sentence_transformers")
CORPUS_LINES = 600  # a slice of the demo corpus: every step runs, in well under a minute

# Runs first in the child: the blocker, then the CLI.
CHILD = f"""
import os, sys

class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            with open(os.environ["BLOCKED_LOG"], "a") as fh:
                fh.write(name + "\\n")
            raise ImportError(f"{{name}} is blocked: the default runtime must not import it")
        return None

sys.meta_path.insert(0, BlockTorch())
from groundswell.cli import main
sys.argv = ["groundswell", *sys.argv[1:]]
main()
"""


def test_demo_pipeline_runs_with_torch_and_transformers_unimportable(tmp_path):
    root = tmp_path / "demo"
    config, _ = prepare(root)
    corpus = root / "corpus.jsonl"
    corpus.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(True)[:CORPUS_LINES]), encoding="utf-8")
    log = tmp_path / "blocked.log"
    log.touch()
    env = {
        **os.environ,
        "BLOCKED_LOG": str(log),
        "GROUNDSWELL_ONNX_CACHE": str(tmp_path / "onnx-cache"),  # empty: the graph is built in the child
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "run", "--config", str(config), "--no-progress", "--history"],
        cwd=root, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert log.read_text() == "", f"tried to import: {sorted(set(log.read_text().split()))}"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"negative", "neutral", "positive"} <= set(summary["by_sentiment"])
    assert list((tmp_path / "onnx-cache").glob("e5-fp32-*.onnx"))
    with sqlite3.connect(root / "groundswell.db") as db:
        # every stored mention got a sentiment from the default model (on ONNX Runtime)
        assert db.execute("select count(*) from mentions where sentiment is null").fetchone()[0] == 0
