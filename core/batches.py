"""`batched`: consecutive lists of at most `size` items, for steps that read a store and write it back a batch
at a time (itertools.batched is Python 3.12+; this project runs on 3.11)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items in order, the last one shorter; nothing for no items. Lazy: a batch is read
    only when the one before it has been handled, so a write failure stops the reading too."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
