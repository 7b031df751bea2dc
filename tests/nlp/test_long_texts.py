"""The ways of reading a text longer than the cut (tools/sentiment/long_texts.py) and the committed report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.e5_encoder import E5_CONTEXT, MAX_TOKENS
from tools.sentiment.long_texts import WAYS, windows

ROOT = Path(__file__).resolve().parents[2]
PREFIX = 4  # "query: " is 4 tokens in e5's vocabulary (checked with the real tokenizer below)


def text_ids(n: int) -> list[int]:
    """[CLS]=0, the prefix 11..14, `n` text tokens 100.., [SEP]=2."""
    return [0, 11, 12, 13, 14] + list(range(100, 100 + n)) + [2]


def test_each_window_keeps_cls_prefix_and_sep_and_the_right_text():
    ids = text_ids(300)
    w = windows(ids, PREFIX)
    assert len(w["cut"]) == len(w["tail"]) == MAX_TOKENS
    assert w["cut"][:5] == w["tail"][:5] == ids[:5] and w["cut"][-1] == w["tail"][-1] == 2
    assert w["cut"][5:-1] == list(range(100, 100 + MAX_TOKENS - 2 - PREFIX))  # the first text tokens
    assert w["tail"][5:-1] == list(range(400 - (MAX_TOKENS - 2 - PREFIX), 400))  # the last ones
    assert w["whole"] == ids


def test_a_short_text_is_the_same_every_way_and_whole_stops_at_e5s_context():
    short = text_ids(50)
    assert all(v == short for v in windows(short, PREFIX).values())
    huge = windows(text_ids(2000), PREFIX)["whole"]
    assert len(huge) == E5_CONTEXT and huge[-1] == 2 and huge[:5] == [0, 11, 12, 13, 14]


@pytest.mark.model
def test_the_real_tokenizer_gives_the_prefix_length_the_windows_assume():
    from tokenizers import Tokenizer

    from nlp.e5_encoder import QUERY_PREFIX
    from nlp.e5_weights import ensure_checkpoint

    tok = Tokenizer.from_file(str(ensure_checkpoint() / "tokenizer.json"))
    tok.no_truncation()
    assert len(tok.encode(QUERY_PREFIX, add_special_tokens=False).ids) == PREFIX
    review = "房间很大，早餐一般。" * 30 + "总之不会再来了。"
    ids = tok.encode(QUERY_PREFIX + review).ids
    tail = windows(ids, PREFIX)["tail"]
    assert tok.decode(tail, skip_special_tokens=True).replace(" ", "").endswith("总之不会再来了。")


def test_the_committed_report_has_every_way_scored_against_the_cut():
    report = json.loads((ROOT / "docs" / "long-texts.json").read_text(encoding="utf-8"))
    assert set(report["ways"]) == set(WAYS) and report["cut_at"] == MAX_TOKENS
    assert report["long_rows"] == sum(report["long_by_dataset"].values())
    for way in set(WAYS) - {"cut"}:
        assert set(report["ways"][way]["minus_cut"]) >= {"mean_difference", "interval_90"}
