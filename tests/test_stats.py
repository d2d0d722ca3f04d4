"""Disclosure control (results/stats.py): no published count below the threshold, no hidden count recoverable.

The oracle is independent of the module: linear programming (scipy) finds the smallest and largest value
every small hidden count can take in a table that fits every published number and every marker (a
"<5" count is 1..4, a "hidden" count at least 5). A count is recoverable when the two are equal.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cpplan.results import stats
from cpplan.results.stats import COVER, SMALL

counts = st.one_of(st.integers(0, 12), st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 10, 11]), st.integers(0, 60))


def _ranges(values: dict, marks: dict, equations: list[list[tuple]], threshold: int) -> dict:
    """Return {key: (min, max)} of every SMALL key over all tables that fit what is published."""
    hidden = [k for k, m in marks.items() if m in (SMALL, COVER)]
    if not hidden:
        return {}
    index = {k: n for n, k in enumerate(hidden)}
    big = sum(v for v in values.values()) * 2 + threshold * 4
    a_eq, b_eq = [], []
    for equation in equations:  # [(key, coefficient)], sum of coefficient * value == 0
        row, rhs = np.zeros(len(hidden)), 0.0
        for key, coef in equation:
            if key in index:
                row[index[key]] += coef
            else:
                rhs -= coef * values[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
        else:
            assert abs(rhs) < 1e-9
    # In a row or column whose total is "<5", zeros are hidden too: there "<5" means 0..4.
    def low(key):
        if isinstance(key, tuple):
            lines = [(key[0], "T"), ("T", key[1])]
        else:
            lines = ["total"]
        return 0 if any(marks.get(line) == SMALL for line in lines if line != key) else 1
    bounds = [(low(k), threshold - 1) if marks[k] == SMALL else (0, big) for k in hidden]
    found = {}
    for key in hidden:
        if values[key] >= threshold or (values[key] == 0 and marks[key] != SMALL):
            continue  # a cover: its value may be worked out within bounds, it is neither small nor a hidden zero
        c = np.zeros(len(hidden))
        c[index[key]] = 1
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0 and high.status == 0, "the true table must fit what is published"
        found[key] = (round(low.fun), round(-high.fun))
    return found


def _check_published(marks: dict, threshold: int):
    for key, mark in marks.items():
        assert mark in (SMALL, COVER) or mark == 0 or mark >= threshold, (key, mark)


def _line_problem(values, result):
    keyed = {i: v for i, v in enumerate(values)}
    keyed["total"] = sum(values)
    marks = {i: m for i, m in enumerate(result.cells)}
    marks["total"] = result.total
    equation = [(i, 1) for i in range(len(values))] + [("total", -1)]
    return keyed, marks, [equation]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(counts, min_size=1, max_size=7), threshold=st.sampled_from([5, 10]))
@example(values=[1, 5, 100], threshold=5)   # a cover exactly at the threshold cannot move down
@example(values=[3, 0, 0], threshold=5)
@example(values=[4, 5], threshold=5)
def test_line_publishes_no_small_count_and_hides_none_recoverably(values, threshold):
    result = stats.line(values, threshold)
    keyed, marks, equations = _line_problem(values, result)
    _check_published(marks, threshold)
    for key, mark in marks.items():
        if mark not in (SMALL, COVER):
            assert mark == keyed[key]
        if 0 < keyed[key] < threshold:
            assert mark in (SMALL, COVER)
        if keyed[key] == 0 and mark == SMALL:
            assert marks["total"] == SMALL
    for key, (low, high) in _ranges(keyed, marks, equations, threshold).items():
        assert low < high, f"{key} is recoverable: {values} -> {result}"


def _cross_problem(cells, result):
    rows, cols = len(cells), len(cells[0])
    values, marks, equations = {}, {}, []
    for i in range(rows):
        for j in range(cols):
            values[(i, j)] = cells[i][j]
            marks[(i, j)] = result.cells[i][j]
        values[(i, "T")] = sum(cells[i])
        marks[(i, "T")] = result.row_totals[i]
        equations.append([((i, j), 1) for j in range(cols)] + [((i, "T"), -1)])
    for j in range(cols):
        values[("T", j)] = sum(cells[i][j] for i in range(rows))
        marks[("T", j)] = result.col_totals[j]
        equations.append([((i, j), 1) for i in range(rows)] + [(("T", j), -1)])
    values[("T", "T")] = sum(map(sum, cells))
    marks[("T", "T")] = result.total
    equations.append([((i, "T"), 1) for i in range(rows)] + [(("T", "T"), -1)])
    equations.append([(("T", j), 1) for j in range(cols)] + [(("T", "T"), -1)])
    return values, marks, equations


@st.composite
def tables(draw):
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return [[draw(counts) for _ in range(cols)] for _ in range(rows)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables(), threshold=st.sampled_from([5, 10]))
@example(cells=[[1, 30], [30, 30]], threshold=5)
@example(cells=[[1, 0], [0, 40]], threshold=5)
@example(cells=[[3, 0, 0], [0, 0, 0]], threshold=10)
def test_crosstab_publishes_no_small_count_and_hides_none_recoverably(cells, threshold):
    result = stats.crosstab(cells, threshold)
    values, marks, equations = _cross_problem(cells, result)
    _check_published(marks, threshold)
    for key, mark in marks.items():
        if mark not in (SMALL, COVER):
            assert mark == values[key], key
        if 0 < values[key] < threshold:
            assert mark in (SMALL, COVER), key
        if values[key] == 0 and mark == SMALL:  # zeros are hidden only in a line with a small total
            assert marks[(key[0], "T")] == SMALL or marks[("T", key[1])] == SMALL or marks[("T", "T")] == SMALL
    for key, (low, high) in _ranges(values, marks, equations, threshold).items():
        assert low < high, f"{key} is recoverable: {cells} -> {result}"


@settings(max_examples=100, deadline=None)
@given(cells=tables(), threshold=st.sampled_from([5, 10]))
def test_crosstab_margins_match_the_one_way_views(cells, threshold):
    """The unsplit view (one-way line of the row totals) hides exactly what the crosstab's margins hide."""
    result = stats.crosstab(cells, threshold)
    alone = stats.line([sum(r) for r in cells], threshold)
    assert result.row_totals == alone.cells and result.total == alone.total


def test_derived_figures_are_hidden_with_their_counts():
    assert stats.share(3, 10) == Decimal("0.3")
    assert stats.share(SMALL, 10) is None and stats.share(3, COVER) is None and stats.share(0, 0) is None
    assert stats.percent(Decimal("0.125")) == 13
    assert stats.mean({1: 2, 5: 2}) == Decimal("3.0")
    assert stats.mean({1: SMALL, 5: 20}) is None
    assert stats.share_of({4: 6, 5: 6, 1: SMALL}, (4, 5), 40) == Decimal("0.3")
    assert stats.share_of({4: COVER, 5: 6}, (4, 5), 40) is None


def test_zeros_next_to_a_few_are_hidden_too():
    """One report by an older woman: the other groups' zeros would point at her."""
    result = stats.crosstab([[1, 0, 0], [40, 35, 12]], 10)  # reported / not, by women, men, no answer
    assert result.row_totals[0] == SMALL
    assert result.cells[0] == [SMALL, SMALL, SMALL]


def test_a_cover_is_shown_as_hidden_never_as_small():
    result = stats.line([2, 40, 50], 5)
    assert result.cells == [SMALL, COVER, 50] and result.total == 92
