"""Quick draws from a seeded `random.Random`, for the demo generator's hot loops.

`random.choice` and `random.choices` are several times slower than indexing with one
`random()` call, and a demo city makes millions of draws.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(rand: Callable[[], float], items: Sequence[T]) -> T:
    """One item, uniformly."""
    return items[int(rand() * len(items))]


def pick_weighted(rand: Callable[[], float], items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One item, with probability in proportion to its weight (given as running totals)."""
    return items[bisect(cum_weights, rand() * cum_weights[-1])]


def between(rand: Callable[[], float], low: int, high: int) -> int:
    """An integer from `low` up to but not including `high`."""
    return low + int(rand() * (high - low))


def sample(rand: Callable[[], float], items: Sequence[T], k: int) -> list[T]:
    """`k` different items, in random order."""
    pool = list(items)
    n = len(pool)
    for i in range(k):
        j = i + int(rand() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]
