"""nlp.encoder.length_buckets: batches of similar length, smaller ones for long texts."""

from __future__ import annotations

from nlp.encoder import length_buckets


def test_batches_are_sorted_by_length_and_hold_every_index_once():
    texts = ["ccc", "a", "bb", "dddd", "a"]
    batches = length_buckets(texts, 2)
    assert batches == [[1, 4], [2, 0], [3]]


def test_a_cell_budget_makes_batches_of_long_texts_smaller():
    ids = [[0] * n for n in (10, 10, 10, 10, 100, 100, 100, 400)]
    batches = length_buckets(ids, 4, max_cells=4 * 64)
    assert sorted(i for b in batches for i in b) == list(range(8))
    for batch in batches:
        longest = max(len(ids[i]) for i in batch)
        assert len(batch) <= 4 and (len(batch) == 1 or len(batch) * longest <= 4 * 64)
    assert batches[0] == [0, 1, 2, 3]
    assert [len(b) for b in batches[1:]] == [2, 1, 1]  # 2 × 100 fits 256; a third would not; 400 alone
