"""A panel's run cache: a recipe made once is reused, and the least recently used go first.

Results enter the cache two ways — made here (``get``) or made in a worker
process and handed in (``put``) — and both must keep the same promise: at
most ``size`` results, the one used longest ago dropped first, a dropped
recipe made again when asked for.
"""

from __future__ import annotations

import pytest

from vetora_nb.runs import Job, RunCache

MADE: list = []


def _make(n):
    MADE.append(n)
    return f"result {n}"


def _job(n) -> Job:
    return Job(_make, {"n": n})


@pytest.fixture(autouse=True)
def _fresh():
    MADE.clear()


def test_a_recipe_is_made_once_and_then_reused():
    cache = RunCache(size=2)
    assert cache.get(_job(1))[0] == "result 1"
    result, seconds = cache.get(_job(1))
    assert (result, seconds) == ("result 1", None)
    assert MADE == [1]


@pytest.mark.parametrize("enter", ["get", "put"])
def test_the_least_recently_used_result_goes_first(enter):
    cache = RunCache(size=2)

    def add(n):
        if enter == "get":
            cache.get(_job(n))
        else:
            cache.put(_job(n), f"result {n}")

    add(1)
    add(2)
    cache.get(_job(1))          # 1 is used again: 2 is now the oldest
    add(3)
    assert len(cache) == 2
    made = list(MADE)
    assert cache.get(_job(1))[1] is None, "a result used recently was dropped"
    assert cache.get(_job(3))[1] is None
    assert MADE == made, "a kept result was made again"
    cache.get(_job(2))
    assert MADE == made + [2], "the oldest result was kept instead of dropped"


def test_a_cache_refuses_a_size_below_one():
    with pytest.raises(ValueError, match="size"):
        RunCache(size=0)
