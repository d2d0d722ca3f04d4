"""Disclosure control of every published count, and the figures derived from counts (pure).

Plain numbers in, plain numbers or markers out; no database, no request. Rules:

* A count from 1 to threshold - 1 is hidden and shown as "<threshold" (SMALL). Zero reveals nobody
  and is published, except in a row or column whose total is itself below the threshold: there the
  zeros are hidden too. Otherwise "domestic violence: women <10, men 0, 60 and older <10, younger 0"
  would tell that the few who reported it are older women, and under a total below 5 four hidden
  counts would each be 1.
* Published totals make a table a set of linear equations: every row adds up to its row total, every
  column to its column total. A hidden count must not follow from them, so more counts are hidden
  (COVER, shown as "hidden": they are not small) until each small count can move in some table that
  fits every published number and every marker (a SMALL count lies in 1..threshold-1, a COVER count
  may be anything from 0: a zero is hidden too where that protects a small count). Where even "<5" tells too much (two counts under 5 adding up to a published 8), the small
  count is shown as "hidden" too. This is checked exactly: in a table with totals the counts that can move
  together form cycles of alternating +1/-1 (rows and columns as nodes, hidden counts as edges), and a
  small count is safe when such a cycle through it exists within the bounds.
* The margins of a crosstab are protected first, as one-way lines, exactly as the one-way view of the
  same numbers protects them, so combining views reveals nothing the views do not reveal one by one.
* A percentage, mean or share is published only when every count it is made from is published.
"""
from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SMALL, COVER = "small", "cover"
Mark = int | str  # a published count, or SMALL / COVER
FREE = ("free",)  # the node of counts bound by one equation only
_COVER_PENALTY = 1  # added to a count's cost, so one large cover is preferred to several small ones


def is_hidden(mark: Mark) -> bool:
    """Return True for SMALL and COVER."""
    return mark in (SMALL, COVER)


@dataclass(frozen=True)
class _Entry:
    value: int
    ends: tuple  # two nodes: line ids, or FREE
    coef: tuple  # its coefficient in each end's equation (+1 or -1)


class _Problem:
    """Counts tied by equations (each count in one or two), with markers; finds and adds the covers needed."""

    def __init__(self, entries: dict, threshold: int, marks: dict, candidates: set, may_be_zero: set = frozenset()):
        self.entries = entries
        self.t = threshold
        self.marks = marks
        self.candidates = candidates
        self.may_be_zero = may_be_zero  # SMALL counts that may be 0 (zeros hidden in a line with a small total)
        self.adjacent: dict = {}
        for key, entry in entries.items():
            for end in entry.ends:
                self.adjacent.setdefault(end, []).append(key)

    def _can_move(self, key, step: int, mark: Mark | None = None) -> bool:
        mark = self.marks.get(key) if mark is None else mark
        value = self.entries[key].value + step
        if mark == SMALL:
            return (0 if key in self.may_be_zero else 1) <= value <= self.t - 1
        return value >= 0  # "hidden" says nothing more (a zero may be hidden to protect another count)

    def _coef(self, key, node) -> int:
        entry = self.entries[key]
        return entry.coef[0] if entry.ends[0] == node else entry.coef[1]

    def _other(self, key, node):
        entry = self.entries[key]
        return entry.ends[1] if entry.ends[0] == node else entry.ends[0]

    def _cycle(self, start, sign: int, allow_new: bool):
        """Return {key: step} of the cheapest feasible cycle moving `start` by sign, or None."""
        entry = self.entries[start]
        begin, end = entry.ends[1], entry.ends[0]
        # State: (node, flow) with flow = coefficient * step of the count we arrived by (0 at FREE: any).
        first = 0 if begin == FREE else self._coef(start, begin) * sign
        need = None if end == FREE else -self._coef(start, end) * sign
        queue = [(0, 0, begin, first)]
        best = {(begin, first): 0}
        parent: dict = {}
        counter = 0
        while queue:
            cost, _n, node, flow = heapq.heappop(queue)
            if cost > best.get((node, flow), cost):
                continue
            if node == end and (need is None or flow == need) and (node, flow) != (begin, first):
                return self._steps(start, sign, parent, (node, flow), (begin, first))
            if node == end and begin == end:  # both ends FREE cannot happen; a count has a line
                pass
            for key in self.adjacent.get(node, ()):
                if key == start:
                    continue
                hidden = is_hidden(self.marks.get(key))
                if not hidden and not (allow_new and key in self.candidates):
                    continue
                steps = (1, -1) if node == FREE else (-flow * self._coef(key, node),)
                for step in steps:
                    if not self._can_move(key, step, None if hidden else COVER):
                        continue
                    nxt = self._other(key, node)
                    nflow = 0 if nxt == FREE else self._coef(key, nxt) * step
                    ncost = cost + (0 if hidden else self.entries[key].value + _COVER_PENALTY)
                    if ncost < best.get((nxt, nflow), ncost + 1):
                        best[(nxt, nflow)] = ncost
                        parent[(nxt, nflow)] = ((node, flow), key, step)
                        counter += 1
                        heapq.heappush(queue, (ncost, counter, nxt, nflow))
        return None

    def _steps(self, start, sign, parent, state, origin):
        steps = {start: sign}
        while state != origin:
            state, key, step = parent[state]
            steps[key] = steps.get(key, 0) + step
        if not self._fits(steps):
            return None
        return steps

    def _fits(self, steps: dict) -> bool:
        """Return True when moving the counts by steps keeps every equation and every marker's bounds."""
        if not steps.get(next(iter(steps))):
            return False
        balance: dict = {}
        for key, step in steps.items():
            entry = self.entries[key]
            for node, coef in zip(entry.ends, entry.coef):
                if node != FREE:
                    balance[node] = balance.get(node, 0) + coef * step
            if not self._can_move(key, step, self.marks.get(key) or COVER):
                return False
        return all(v == 0 for v in balance.values())

    def is_safe(self, key) -> bool:
        return any(self._cycle(key, sign, allow_new=False) for sign in (1, -1))

    def solve(self) -> dict:
        """Add covers until every small count can move; return the markers."""
        # Hiding more never makes a safe count unsafe again, so each small count is settled once.
        pending = [key for key, mark in self.marks.items() if mark == SMALL]
        while pending:
            key = pending[0]
            if self.marks.get(key) != SMALL or self.is_safe(key):
                pending.pop(0)
                continue
            options = [c for c in (self._cycle(key, s, allow_new=True) for s in (1, -1)) if c]
            new = set()
            if options:
                cheapest = min(options, key=lambda steps: sum(self.entries[k].value for k in steps
                                                              if not is_hidden(self.marks.get(k))))
                new = {k for k in cheapest if not is_hidden(self.marks.get(k))}
            if not new:  # no cycle at all: hide every count that may still be hidden
                new = {k for k in self.candidates if not is_hidden(self.marks.get(k))}
            if not new:  # even "<5" would tell too much (two counts under 5 making 8): say only "hidden"
                new = {key}
            for k in new:
                self.marks[k] = COVER
        return self.marks


def _primary(value: int, threshold: int) -> Mark:
    return SMALL if 0 < value < threshold else value


@dataclass(frozen=True)
class Line:
    """A one-way table: its counts and total, published or hidden."""

    cells: list[Mark]
    total: Mark


def line(values: Sequence[int], threshold: int, total: Mark | None = None) -> Line:
    """Protect counts published with their total (their sum); `total` fixes the total's marker when given."""
    values = list(values)
    sum_ = sum(values)
    if 0 < sum_ < threshold:  # a small total: every count is hidden, zeros too (see `whole_table_hidden`)
        return Line([SMALL] * len(values), SMALL)
    entries = {i: _Entry(v, ("line", FREE), (1, 1)) for i, v in enumerate(values)}
    entries["total"] = _Entry(sum_, ("line", FREE), (-1, 1))
    marks = {i: SMALL for i, v in enumerate(values) if 0 < v < threshold}
    fixed_total = total is not None
    total_mark = total if fixed_total else _primary(sum_, threshold)
    if is_hidden(total_mark):
        marks["total"] = total_mark
    candidates = set(range(len(values)))
    problem = _Problem(entries, threshold, marks, candidates)
    problem.solve()
    if not fixed_total and any(problem.marks.get(i) == SMALL and not problem.is_safe(i) for i in range(len(values))):
        candidates.add("total")  # only the total can still cover (a single non-zero count)
        problem.solve()
    cells = [problem.marks.get(i, v) for i, v in enumerate(values)]
    return Line(cells, problem.marks.get("total", sum_))


@dataclass(frozen=True)
class Crosstab:
    """A two-way table (rows x columns) with its row totals, column totals and grand total, protected."""

    cells: list[list[Mark]]
    row_totals: list[Mark]
    col_totals: list[Mark]
    total: Mark


def crosstab(cells: Sequence[Sequence[int]], threshold: int) -> Crosstab:
    """Protect a two-way table published with its row, column and grand totals.

    The row totals are protected as the one-way line of the same counts is (the unsplit view), the
    column totals likewise with the grand total's marker from the rows; then covers inside the table.
    """
    cells = [list(row) for row in cells]
    rows, cols = len(cells), len(cells[0]) if cells else 0
    row_sums = [sum(r) for r in cells]
    col_sums = [sum(cells[i][j] for i in range(rows)) for j in range(cols)]
    if 0 < sum(row_sums) < threshold:
        return Crosstab([[SMALL] * cols for _ in range(rows)], [SMALL] * rows, [SMALL] * cols, SMALL)
    by_rows = line(row_sums, threshold)
    by_cols = line(col_sums, threshold, total=by_rows.total)
    entries, marks = {}, {}
    for i in range(rows):
        for j in range(cols):
            entries[(i, j)] = _Entry(cells[i][j], (("r", i), ("c", j)), (1, 1))
            if 0 < cells[i][j] < threshold:
                marks[(i, j)] = SMALL
        entries[(i, "T")] = _Entry(row_sums[i], (("r", i), ("c", "T")), (-1, -1))
    for j in range(cols):
        entries[("T", j)] = _Entry(col_sums[j], (("r", "T"), ("c", j)), (-1, -1))
    entries[("T", "T")] = _Entry(sum(row_sums), (("r", "T"), ("c", "T")), (1, 1))
    may_be_zero = set()
    for i, mark in enumerate(by_rows.cells):
        if is_hidden(mark):
            marks[(i, "T")] = mark
        if mark == SMALL:  # a few people in this row: where they are not would tell where they are
            may_be_zero.update((i, j) for j in range(cols) if cells[i][j] == 0)
    for j, mark in enumerate(by_cols.cells):
        if is_hidden(mark):
            marks[("T", j)] = mark
        if mark == SMALL:
            may_be_zero.update((i, j) for i in range(rows) if cells[i][j] == 0)
    if is_hidden(by_rows.total):
        marks[("T", "T")] = by_rows.total
    marks.update({key: SMALL for key in may_be_zero})
    problem = _Problem(entries, threshold, marks, {(i, j) for i in range(rows) for j in range(cols)}, may_be_zero)
    problem.solve()
    return Crosstab([[problem.marks.get((i, j), cells[i][j]) for j in range(cols)] for i in range(rows)],
                    by_rows.cells, by_cols.cells, by_rows.total)


def published(mark: Mark, threshold: int) -> int | str:
    """Return a count as files and the API publish it: the number, "<threshold", or "hidden"."""
    if mark == SMALL:
        return f"<{threshold}"
    return "hidden" if mark == COVER else mark


# --- figures derived from published counts -------------------------------------------------------------

HUNDRED = Decimal(100)


def share(count: Mark, total: Mark) -> Decimal | None:
    """Return count / total (0..1), or None when either is hidden or the total is zero."""
    if is_hidden(count) or is_hidden(total) or not total:
        return None
    return Decimal(count) / Decimal(total)


def percent(value: Decimal | None) -> Decimal | None:
    """Return a share as a whole-number percentage (half up), or None."""
    if value is None:
        return None
    return (value * HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def mean(counts: dict[int, Mark]) -> Decimal | None:
    """Return the mean of values weighted by their counts (one decimal), or None if a count is hidden or none given."""
    if any(is_hidden(n) for n in counts.values()):
        return None
    total = sum(counts.values())
    if not total:
        return None
    return (Decimal(sum(v * n for v, n in counts.items())) / Decimal(total)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)


def share_of(counts: dict[int, Mark], values: Sequence[int], total: Mark) -> Decimal | None:
    """Return the share of the total whose value is among values (e.g. 4 and 5 of 5), or None if hidden."""
    picked = [counts.get(v, 0) for v in values]
    if any(is_hidden(n) for n in picked):
        return None
    return share(sum(picked), total)
