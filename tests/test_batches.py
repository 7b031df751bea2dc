"""core.batches.batched: in order, the last batch shorter, lazy, and a size below 1 refused."""

from __future__ import annotations

import pytest

from core.batches import batched


def test_batches_keep_order_and_the_last_one_is_shorter():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    assert list(batched("ab", 5)) == [["a", "b"]]


def test_a_batch_is_read_only_when_asked_for():
    read = []

    def source():
        for i in range(10):
            read.append(i)
            yield i

    first = next(batched(source(), 4))
    assert first == [0, 1, 2, 3] and read == [0, 1, 2, 3]  # a failed write stops the reading too


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1, not 0"):
        list(batched([1], 0))
