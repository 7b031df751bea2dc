"""tools.sentiment.finetune_e5 --device: asking for a GPU that is not there is one clear error, before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_asking_for_cuda_without_a_gpu_is_one_clear_error(tmp_path):
    import torch  # the training requirements are part of the test install

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: --device cuda would train")
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.finetune_e5", "--out", str(out), "--device", "cuda"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("Error: --device cuda, but torch sees no CUDA GPU "
                                   "(torch.cuda.is_available() is False)")
    assert not out.exists()
