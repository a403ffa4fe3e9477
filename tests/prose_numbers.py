"""Numbers typed into prose: measured or derived values that go stale.

A helper module for the tests (not collected itself). A notebook invites the
student to change its parameters and run again; a number typed into a
Markdown cell ("about 400 events/s", "8 ms become 80 ms") does not follow.
:func:`typed_numbers` finds the numbers in static Markdown that carry a unit
or a rate, so that they can move into a computed cell:

- durations: ``8 ms``, ``0.5 s``, ``8.5–19 s``, ``twenty seconds``, ``a few seconds``;
- shares: ``25 %``, ``3 percent``;
- rates: ``400 events/s``, ``(125/s)``, ``50 requests per second``;
- factors and worked arithmetic: ``×10``, ``10×``, ``1.07–1.42×``, ``4 × 100 = 400``;
- counts of the simulation's things: ``4 partitions``, ``2,123 pairs``;
- numbers written with a thousands separator (``1,867``: a count someone read
  off a run) and coefficients of formulas (``7n/4``, ``3T``).

Left out, because they are not measurements or are code: fenced code blocks,
inline code that is Python (``vn.Traffic.poisson(rate=100)``; inline code
that is not, such as ``4 × 100 = 400``, is prose in code font and is read),
link targets, URLs and HTML tags, and the :data:`ALLOWED` definitions:
percentile names (p50, p95, p99), notebook numbers ("notebook 07",
"00–12"), exercise and section numbers ("Exercise 11.2", "§3"), years and
version numbers.
"""

from __future__ import annotations

import ast
import re

#: Definitions, not measurements: masked before numbers are looked for.
ALLOWED = [
    r"\bp\d+(?:\.\d+)?\b",                                        # percentile names: p50, p99.9
    r"\bnotebooks?\s+\d{2}(?:\s*(?:[–—-]|to|and|,)\s*\d{2})*\b",  # notebook 07, notebooks 04–06
    r"(?<![\d.,])\d{2}\s*[–—]\s*\d{2}(?![\d.,])(?!\s*(?:ms|s|%|×))",  # a range of notebooks: 00–12
    r"\b(?:[Ee]xercises?|[Ss]ections?|[Ss]teps?|[Pp]arts?|[Ee]xperiments?|[Cc]ells?)\s+\d+(?:\.\d+)*\b",
    r"§\s*\d+(?:\.\d+)*",                                        # §3.2
    r"\b(?:19|20)\d{2}\b(?!\s*(?:ms|s|%|/s|×))",                 # years
    r"\b[vV]\d+(?:\.\d+)+\b",                                    # v1.2
    r"\b\d+\.\d+\.\d+\b",                                        # 3.10.1
    r"\b(?:Python|SimPy|JupyterLab|Jupyter|pandas|numpy|matplotlib|ipywidgets)\s*[≥>=<≤]*\s*\d+(?:\.\d+)*",
]

#: Space between a number and its unit: within one line, or across one soft line break.
_S = r"[ \t\u00a0\u202f]*(?:\n[ \t]*)?"
_S1 = r"(?:[ \t\u00a0\u202f]+(?:\n[ \t]*)?|\n[ \t]*)"
_NUM = r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?"
_RANGE = rf"{_NUM}(?:{_S}(?:[–—-]|to){_S}{_NUM})?"
_THINGS = (r"(?:requests?|orders?|events?|messages?|calls?|writes?|reads?|retries|attempts?|partitions?|"
           r"(?:consumer\s+)?instances?|workers?|consumers?|keys?|duplicates?|rows?|pairs?|spans?|traces?|sagas?)")
_WORD_NUMBERS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
                 r"forty|fifty|sixty|ninety|a hundred|hundreds of|a few|few|several|a couple of)")
_TIME_UNITS = r"(?:ms|milliseconds?|µs|microseconds?|s|secs?|seconds?|min|minutes?|h|hours?)"

#: What a typed number looks like: each pattern, with what it catches.
PATTERNS = [
    rf"{_RANGE}{_S}{_TIME_UNITS}\b",                              # 8 ms, 0.5 s, 8.5–19 s
    rf"\b{_WORD_NUMBERS}{_S1}{_TIME_UNITS}\b",                    # twenty seconds, a few seconds
    rf"{_RANGE}{_S}(?:%|percent\b|per{_S1}cent\b)",               # 25 %
    rf"{_RANGE}{_S}(?:{_THINGS}{_S})?/{_S}s\b",                   # 125/s, 400 events/s
    rf"{_RANGE}{_S}(?:{_THINGS}{_S1})?(?:per|a|each){_S1}second\b",   # 50 requests per second
    rf"{_RANGE}{_S}(?:rps|qps)\b",
    rf"{_NUM}{_S}[×*·]{_S}{_NUM}(?:{_S}={_S}{_NUM})?",            # 4 × 100 = 400
    rf"{_RANGE}{_S}(?:×|x\b)",                                    # 10×, 10x, 1.07–1.42×
    rf"×{_S}{_NUM}",                                              # ×10
    rf"{_RANGE}{_S1}{_THINGS}\b",                                 # 4 partitions, 2,123 pairs
    r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])",          # 1,867
    rf"{_NUM}[a-zA-Z](?![\w])(?:{_S}/{_S}\d+)?",                  # 7n/4, 3T
]

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?^\1\2[ \t]*$", re.S | re.M)
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|\]\[[^\]]*\]|^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_HTML = re.compile(r"<[^>\n]+>")
_ALLOWED = re.compile("|".join(f"(?:{p})" for p in ALLOWED))
_PATTERNS = [re.compile(p) for p in PATTERNS]


def _blank(match: re.Match, filler: str = " ") -> str:
    """The match replaced by ``filler`` (newlines kept), so positions and lines stay put."""
    return re.sub(r"[^\n]", filler, match.group(0))


def _is_python(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def _masked(text: str, allow=()) -> str:
    """``text`` with everything that is not prose blanked out."""
    text = _FENCE.sub(_blank, text)
    # Code stands in the sentence as a word would: a number before it is not its unit's.
    text = _INLINE_CODE.sub(lambda m: _blank(m, "\x00") if _is_python(m.group(2).strip()) else
                            " " * len(m.group(1)) + m.group(2) + " " * len(m.group(1)), text)
    for pattern in (_LINK_TARGET, _URL, _HTML, _ALLOWED):
        text = pattern.sub(_blank, text)
    for exact in allow:
        text = text.replace(exact, " " * len(exact))
    return text


def typed_number_matches(markdown_text: str, allow=()) -> list[tuple[str, str]]:
    """``(number, line)`` for each typed number: the number with its unit as
    written, and the line of ``markdown_text`` it stands in. ``allow`` holds
    further exact strings to leave alone."""
    if not isinstance(markdown_text, str):
        raise TypeError(f"markdown_text must be a str, got {type(markdown_text).__name__}")
    masked = _masked(markdown_text, allow)
    spans = []
    for start, end in sorted(m.span() for pattern in _PATTERNS for m in pattern.finditer(masked)):
        while end > start and masked[end - 1].isspace():
            end -= 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    found = []
    for start, end in spans:
        line_start = markdown_text.rfind("\n", 0, start) + 1
        line_end = markdown_text.find("\n", end)
        line = markdown_text[line_start: None if line_end < 0 else line_end].strip()
        found.append((" ".join(markdown_text[start:end].replace("`", "").split()), line))
    return found


def typed_numbers(markdown_text: str, allow=()) -> list[str]:
    """The numbers with units or rates typed into ``markdown_text``, in order.

    >>> typed_numbers("Shipping is down for 15 s: about 400 events/s pile up, see notebook 07 and p99.")
    ['15 s', '400 events/s']
    """
    return [number for number, _ in typed_number_matches(markdown_text, allow)]
