"""Sentences that follow the numbers: prose that varies with a run, without chains of ``if``.

A notebook's "What you saw" is written from the runs above it, so when a
student changes a parameter the words change with the numbers. These
helpers make that a table rather than a branch:

>>> comparative(12.0, 40.0)
'lower'
>>> comparative(39.0, 40.0)            # within 5%: no difference worth a word
'about the same'
>>> winner({"request-response": 0.012, "event-driven": 0.040})
'request-response'
>>> winner({"request-response": 0.039, "event-driven": 0.040}) is None
True
>>> first_true([(3 > 5, "never"), (3 > 1, "sometimes")], default="always")
'sometimes'
>>> pick(0.0, {0: "no request failed", 1: "one request failed"}, default="{n} requests failed")
'no request failed'
>>> pick(7, {0: "no request failed", 1: "one request failed"}, default="{n} requests failed")
'7 requests failed'
>>> join(["payment", "inventory", "shipping"]), join(["payment"]), join([], empty="none")
('payment, inventory and shipping', 'payment', 'none')
"""

from __future__ import annotations

import math

__all__ = ["comparative", "winner", "first_true", "pick", "join"]


def _close(a: float, b: float, tolerance: float) -> bool:
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=0.0) or a == b


def comparative(a: float, b: float, *, more: str = "higher", less: str = "lower", same: str = "about the same",
                tolerance: float = 0.05) -> str:
    """How ``a`` stands to ``b`` in a word: ``more``, ``less`` or (within a
    relative ``tolerance``) ``same``."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        raise ValueError(f"a/b: cannot compare {a!r} with {b!r}")
    if _close(a, b, tolerance):
        return same
    return more if a > b else less


def winner(values: dict, *, better: str = "lower", tolerance: float = 0.05):
    """The name whose value is best (``better`` is ``'lower'`` or ``'higher'``),
    or ``None`` when the best is within ``tolerance`` of the runner-up."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
    if len(values) < 2:
        raise ValueError(f"values: need at least two to pick a winner, got {len(values)}")
    ranked = sorted(values.items(), key=lambda kv: float(kv[1]), reverse=better == "higher")
    (best, v1), (_, v2) = ranked[0], ranked[1]
    return None if _close(float(v1), float(v2), tolerance) else best


def first_true(cases, default: str) -> str:
    """The text of the first ``(condition, text)`` whose condition holds, else ``default``."""
    for condition, text in cases:
        if condition:
            return text
    return default


def pick(n, texts: dict, default: str) -> str:
    """``texts[n]`` for a count ``n`` (0, 1 ...), else ``default`` formatted with ``n``."""
    key = int(n) if float(n).is_integer() else n
    return texts[key] if key in texts else default.format(n=n)


def join(items, *, last: str = " and ", empty: str = "") -> str:
    """``items`` as a list in a sentence: 'a, b and c' (``empty`` when there are none)."""
    items = [str(i) for i in items]
    if not items:
        return empty
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + last + items[-1]
