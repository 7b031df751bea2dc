"""Texts longer than the 128 tokens the model reads: cut, last window, both windows, or whole?

    python -m tools.sentiment.long_texts --out docs/long-texts.json

Only the held-out train rows over the cut change (about 200 of 8,742: ChnSentiCorp's hotel reviews,
some smp2020 posts). Each way of reading them is scored as compare_runs scores a run (the stacker by
calibrate_e5's 5-fold CV on all held-out rows, n-grams fitted on the other train rows), paired with
the shipped cut row for row, over all sets and over ChnSentiCorp alone; dev is not read. The ways:

- `cut`: the first 128 tokens (what ships; training read the same);
- `tail`: the last 128 ([CLS] "query: " and the text's last tokens, [SEP]): a review's verdict at its end;
- `head+tail`: the mean of the two windows' logits, each window the length training read;
- `whole`: up to e5's 512 positions (longer than anything the fine-tuned layers saw).

Reported beside it: the e5 head's accuracy on the long rows each way, and on ChnSentiCorp's long and short rows.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_encoder import E5_CONTEXT, MAX_TOKENS, QUERY_PREFIX
from nlp.e5_sentiment import E5_MODEL_DIR, E5SentimentModel
from nlp.e5_stacker import ngram_log_probs
from nlp.e5_weights import ensure_checkpoint
from tools.result_file import write_result
from tools.sentiment.calibrate_e5 import held_out_rows, label_accuracy, mean_macro_f1, ngram_model
from tools.sentiment.compare_runs import SHIPPED_L2, paired_bootstrap, scored
from tools.sentiment.finetune_e5 import SEED as TRAIN_SEED
from tools.sentiment.finetune_e5 import load_rows

WAYS = ("cut", "tail", "head+tail", "whole")
CHN = "chnsenticorp_htl/zh"


def windows(ids: list[int], prefix: int, size: int = MAX_TOKENS) -> dict[str, list[int]]:
    """Token ids of one text read each way but `head+tail` (which averages `cut` and `tail`).

    `ids`: the whole text as e5 reads it ([CLS], the `prefix` tokens of "query: ", the text, [SEP]).
    Every window keeps [CLS], the prefix and [SEP]; a text that fits in `size` is the same every way."""
    if len(ids) <= size:
        return {"cut": ids, "tail": ids, "whole": ids[:E5_CONTEXT]}
    keep = size - 2 - prefix  # text tokens a window holds
    return {"cut": ids[: size - 1] + ids[-1:],
            "tail": ids[: 1 + prefix] + ids[-1 - keep:],
            "whole": ids if len(ids) <= E5_CONTEXT else ids[: E5_CONTEXT - 1] + ids[-1:]}


def head_logits(model: E5SentimentModel, ids: list[list[int]]) -> np.ndarray:
    """The shipped head's logits for ready token ids (no cut: the caller chose the window)."""
    _, features = model.encoder(embeddings=False).encode_ids(ids)
    return (features @ model.weight.T + model.bias).astype(np.float64)


@click.command()
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=E5_MODEL_DIR,
              show_default=True, help="The model whose held-out rows are read (its run held them out)")
@click.option("--resamples", default=1000, show_default=True)
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(model_dir: Path, resamples: int, out_path: Path | None) -> None:
    """Score each way of reading the long held-out rows against the shipped cut, with the stacker's CV."""
    from tokenizers import Tokenizer

    start = time.monotonic()
    rows = load_rows(np.random.default_rng(TRAIN_SEED))
    h = held_out_rows(model_dir, rows, logits_only=True)  # the cut logits, as the model runs
    tok = Tokenizer.from_file(str(ensure_checkpoint() / "tokenizer.json"))
    tok.no_truncation()
    prefix = len(tok.encode(QUERY_PREFIX, add_special_tokens=False).ids)
    full = [e.ids for e in tok.encode_batch([QUERY_PREFIX + (t or " ") for t in h.texts])]
    long = np.array([i for i, ids in enumerate(full) if len(ids) > MAX_TOKENS], dtype=int)
    model = E5SentimentModel(model_dir)
    read = {way: head_logits(model, [windows(full[i], prefix)[way] for i in long]) for way in ("tail", "whole")}
    read["cut"] = h.logits[long]
    read["head+tail"] = (read["cut"] + read["tail"]) / 2
    click.echo(f"[{time.monotonic() - start:.0f}s] {len(long)} held-out rows over {MAX_TOKENS} tokens read 4 ways",
               err=True)
    ng = ngram_log_probs(h.texts, *ngram_model(rows.texts, rows.y, np.flatnonzero(~rows.holdout)))
    chn = rows.names.index(CHN)
    on_chn = np.flatnonzero(h.dataset == chn)
    is_long = np.zeros(len(h.y), dtype=bool)
    is_long[long] = True
    probs, ways = {}, {}
    for way in WAYS:
        logits = h.logits.copy()
        logits[long] = read[way]
        probs[way] = scored(dataclasses.replace(h, logits=logits), ng, "stacker", SHIPPED_L2)
        mean, per = mean_macro_f1(rows, h.index, probs[way])
        ways[way] = {"cv_mean_macro_f1": mean, "cv_chnsenticorp": per[CHN],
                     "head_accuracy_long": label_accuracy(read[way], h.y[long], h.binary[long])}
        if way != "cut":
            ways[way]["minus_cut"] = paired_bootstrap(rows, h.index, probs["cut"], probs[way], resamples)
            ways[way]["minus_cut_chnsenticorp"] = paired_bootstrap(rows, h.index[on_chn], probs["cut"][on_chn],
                                                                   probs[way][on_chn], resamples)
        click.echo(f"  {way:10s} CV mean {mean}, ChnSentiCorp {per[CHN]}, head right on the long rows "
                   f"{ways[way]['head_accuracy_long']}%", err=True)
    lengths = {}
    for name, sel in (("long", is_long), ("short", ~is_long)):
        mine = (h.dataset == chn) & sel
        lengths[name] = {"rows": int(mine.sum()),
                         "head_accuracy": label_accuracy(h.logits[mine], h.y[mine], h.binary[mine]),
                         "stacker_accuracy": label_accuracy(probs["cut"][mine], h.y[mine], h.binary[mine])}
    result = {"model": str(model_dir),
              "method": "held-out train rows over the cut read each way; stacker scored by calibrate_e5's CV "
                        f"(l2 = {SHIPPED_L2:g}), paired bootstrap against the cut; dev not read",
              "cut_at": MAX_TOKENS, "long_rows": int(len(long)),
              "long_by_dataset": {rows.names[d]: int((h.dataset[long] == d).sum()) for d in np.unique(h.dataset[long])},
              "ways": ways, "chnsenticorp_cut_by_length": lengths}
    click.echo(f"ChnSentiCorp, as shipped: {json.dumps(lengths)}", err=True)
    write_result(out_path, result)


if __name__ == "__main__":
    main()
