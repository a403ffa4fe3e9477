"""One trace as a tree of spans: what :mod:`~vetora_nb.patterns.tracing` walks.

A span's ``operation`` says what kind of work it was, by its start: the
entry's ``handle``, a synchronous ``call <service>``, a ``publish
<stream>`` and a consumer's ``consume <stream>``. Consumers of one event
run independently of each other, and that is what the critical path
(:meth:`SpanTree.critical`) has to know.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SpanTree", "HANDLE", "CALL", "PUBLISH", "CONSUME"]

HANDLE, CALL, PUBLISH, CONSUME = "handle", "call ", "publish ", "consume "


class SpanTree:
    """The spans of one trace, indexed for walking (plain Python, fast):
    each span's parent, children (in time order), depth, and the end of
    its whole subtree; a parent outside the trace counts as none."""

    def __init__(self, spans: pd.DataFrame):
        self.frame = spans
        ids = spans["span_id"].to_numpy(np.int64)
        parents = spans["parent_id"].to_numpy(dtype=object, na_value=None)
        self.ids = ids.tolist()
        self.start = dict(zip(self.ids, spans["start"].to_numpy(float).tolist()))
        end = spans["end"].to_numpy(float)
        # A span still open when the clock stopped lasts until then.
        end = np.where(np.isnan(end), np.nanmax(np.append(end, spans["start"].max())), end)
        self.end = dict(zip(self.ids, end.tolist()))
        self.status = dict(zip(self.ids, spans["status"].tolist()))
        self.service = dict(zip(self.ids, spans["service"].tolist()))
        self.operation = dict(zip(self.ids, spans["operation"].tolist()))
        known = set(self.ids)
        self.parent = {}
        self.children = {s: [] for s in self.ids}
        self.roots = []
        for s, p in zip(self.ids, parents):
            p = None if p is None or pd.isna(p) else int(p)
            if p is None or p not in known:   # a parent outside the trace counts as none
                self.parent[s] = None
                self.roots.append(s)
            else:
                self.parent[s] = p
                self.children[p].append(s)
        for kids in self.children.values():
            kids.sort(key=lambda c: (self.start[c], c))
        self.roots.sort(key=lambda c: (self.start[c], c))
        # depth and subtree end, in one depth-first pass per root
        self.depth, self.order, self.subtree_end = {}, [], {}
        for r in self.roots:
            stack = [(r, 0)]
            while stack:
                s, d = stack.pop()
                self.depth[s] = d
                self.order.append(s)
                stack.extend((c, d + 1) for c in reversed(self.children[s]))
        for s in reversed(self.order):
            e = self.end[s]
            for c in self.children[s]:
                e = max(e, self.subtree_end[c])
            self.subtree_end[s] = e

    def label(self, s) -> str:
        return f"{self.service[s]}: {self.operation[s]}"

    @property
    def root(self) -> int:
        return self.roots[0]

    def leaves(self) -> list[int]:
        return [s for s in self.order if not self.children[s]]

    def critical(self) -> list[int]:
        """The spans that decided when the trace ended, in time order.

        Walk back from the trace's end: inside a span, the child whose whole
        subtree ended last (before the point we are at) is what the span was
        waiting for; before that child started, the previous synchronous
        child; and so on. A subtree's end counts its asynchronous descendants
        too, so a ``publish`` span leads on to the consumer that finished
        last — and only to it: consumers do not wait for one another.
        """
        path: list[int] = []

        def visit(s, cursor):
            path.append(s)
            kids = [c for c in self.children[s]]
            while True:
                best = None
                for c in kids:
                    if self.subtree_end[c] <= cursor and self.start[c] < cursor + 1e-12:
                        if best is None or self.subtree_end[c] > self.subtree_end[best] or (
                                self.subtree_end[c] == self.subtree_end[best] and c > best):
                            best = c
                if best is None:
                    return
                kids.remove(best)
                visit(best, self.subtree_end[best])
                cursor = self.start[best]
                # Earlier siblings it may have waited for: synchronous work
                # only. Consumers of one event run independently of each other,
                # so one that finished before another started did not hold it up.
                kids = [c for c in kids if self.subtree_end[c] <= cursor
                        and not self.operation[c].startswith(CONSUME)]
                if self.operation[best].startswith(CONSUME):
                    return

        root = max(self.roots, key=lambda r: (self.subtree_end[r], -r))
        visit(root, self.subtree_end[root])
        return sorted(path, key=lambda s: (self.start[s], self.depth[s], s))
