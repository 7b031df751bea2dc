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


@pytest.mark.parametrize("flags,want", [
    ("fpu avx2 avx512f avx512_bf16", "bf16"),  # Intel Cooper Lake and later, AMD Zen 4
    ("fpu avx2 amx_bf16 amx_tile", "bf16"),     # Intel Sapphire Rapids
    ("fpu avx2 fma", "fp32"),                    # e.g. AMD EPYC Zen 2/3: bf16 would be emulated, ~18x slower
    ("fpu avx2 avx512f", "fp32"),
])
def test_auto_precision_is_bf16_only_where_the_cpu_computes_it(tmp_path, flags, want):
    from tools.sentiment.finetune_e5 import resolve_precision

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    assert resolve_precision("auto", "cpu", cpuinfo) == want
    assert resolve_precision("auto", "cuda", cpuinfo) == "bf16"
    assert resolve_precision("fp32", "cuda", cpuinfo) == "fp32"  # an explicit choice is kept
    assert resolve_precision("bf16", "cpu", cpuinfo) == "bf16"


def test_auto_precision_without_cpu_flags_to_read_is_fp32(tmp_path):
    from tools.sentiment.finetune_e5 import resolve_precision

    assert resolve_precision("auto", "cpu", tmp_path / "absent") == "fp32"  # slow but never 18x slow


def test_a_runs_record_names_the_cpu_and_whether_it_computes_bf16(tmp_path):
    """Runs pooled across sessions come from different machines: finetune.json says which (`machine`)."""
    from tools.sentiment.finetune_e5 import cpu_name

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu amx_bf16\n")
    assert cpu_name(cpuinfo) == "Intel(R) Xeon(R) Processor (native bf16)"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu avx2\n")
    assert cpu_name(cpuinfo) == "AMD EPYC 7B13 (no native bf16)"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu\n")  # e.g. some ARM kernels have no "model name"
    assert cpu_name(cpuinfo) == "unknown CPU (no native bf16)"
    assert cpu_name(tmp_path / "absent") == "unknown CPU"
