"""The typed-number finder (tests/prose_numbers.py): what it catches and what it leaves alone.

The positive examples are the ones the collection was found to have typed
into its Markdown; the collection itself is held to the finder by
``test_prose_numbers.py``.
"""

from __future__ import annotations

import pytest

from prose_numbers import typed_number_matches, typed_numbers

CAUGHT = [
    ("Shipping catches up at about 400 events/s.", ["400 events/s"]),
    ("8 ms become 80 ms, about 50 requests per second", ["8 ms", "80 ms", "50 requests per second"]),
    ("capacity drops from 500/s to 100/s", ["500/s", "100/s"]),
    ("one instance (125/s) for 600 orders/s", ["125/s", "600 orders/s"]),
    ("its 4 workers can do about 114 orders/s", ["4 workers", "114 orders/s"]),
    ("after 5 it opens … for 1 s", ["1 s"]),
    ("a 0.5 s timeout; 1 ms, 2 ms and 5 ms", ["0.5 s", "1 ms", "2 ms", "5 ms"]),
    ("`4 × 100 = 400` events/s", ["4 × 100 = 400 events/s"]),
    ("can do 125 (8 ms each)", ["8 ms"]),
    ("The broker hop costs 7 ms, a network leg 1 ms.", ["7 ms", "1 ms"]),
    ("With no failures it is `7n/4`.", ["7n/4"]),
    ("spike ×10, slowed 10× or 3x", ["×10", "10×", "3x"]),
    ("drains of 1.07–1.42× the prediction", ["1.07–1.42×"]),
    ("a few seconds (8.5–19 s measured), about twenty seconds", ["a few seconds", "8.5–19 s", "twenty seconds"]),
    ("about 25 % fail, 3% more", ["25 %", "3%"]),
    ("RR has fewer out-of-order pairs (1,867) than ED (2,123 pairs)", ["1,867", "2,123 pairs"]),
    ("with 4 partitions and 8 consumer instances", ["4 partitions", "8 consumer instances"]),
    ("about 100\n   events per second", ["100 events per second"]),
]

LEFT_ALONE = [
    "the p50, p95 and p99 of the caller's latency, and p99.9",
    "as in notebook 07; notebooks 04–06; the series 00–12",
    "Exercise 11.2, exercise 3, section 2.1, §3, step 4, experiment 2",
    "published in 2024 for Python ≥ 3.10, version v1.2.3 or 4.1.0",
    "call `vn.Traffic.poisson(rate=100)` or `vn.Outage('shipping', start=20, end=35)` or `capacity(4 * 100)`",
    "```python\nres = vn.simulate(arch, traffic, duration=60)   # 60 s, 8 ms\n```",
    "```\n$ make bench      # 8 ms per run, 400 events/s\n```",
    "replay from offset 0 `RATE` orders per second",
    "as notebook 04 partitions showed; in Exercise 2 requests are counted",
    "see [the docs](https://simpy.readthedocs.io/en/4.1/topical_guides/time_and_scheduling.html?x=10%)",
    '<img src="fig.png" width="600"> crc32(key) and p99 of 3 styles',
    "1. Set the rate. 2. Run it.\n\nTwo styles, seven dimensions.",
    "From `FAULT_START` to `FAULT_END` shipping is `SLOWDOWN` times slower.",
    "## Experiment 1 · replay from offset 0\n\n`RATE` orders per second for `DURATION` seconds",
]


@pytest.mark.parametrize("text, expected", CAUGHT, ids=[t[:40] for t, _ in CAUGHT])
def test_numbers_with_units_or_rates_are_found(text, expected):
    assert typed_numbers(text) == expected


@pytest.mark.parametrize("text", LEFT_ALONE, ids=[t[:40] for t in LEFT_ALONE])
def test_definitions_code_and_links_are_left_alone(text):
    assert typed_numbers(text) == []


def test_each_number_comes_with_the_line_it_stands_in():
    text = "# Title\n\nShipping is down.\nAbout 400 events/s pile up meanwhile.\n"
    assert typed_number_matches(text) == [("400 events/s", "About 400 events/s pile up meanwhile.")]


def test_an_allow_list_of_exact_strings_leaves_those_alone():
    text = "Set the slider to 5 s, then 10 s."
    assert typed_numbers(text, allow=["5 s"]) == ["10 s"]


def test_a_non_string_is_refused_by_name():
    with pytest.raises(TypeError, match="markdown_text"):
        typed_numbers(["8 ms"])
