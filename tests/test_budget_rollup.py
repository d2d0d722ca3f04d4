"""The plan's budget in figures (budget/rollup.py): a fixture worked out by hand, then properties."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpplan.budget import rollup
from cpplan.budget.rollup import AllocationRow, ExpenditureRow, MeasureRow
from cpplan.budget.validation import SOURCES

LIVESTOCK, ROADS = "livestock_theft", "road_safety"
MEASURES = [
    MeasureRow(1, LIVESTOCK, 2026, D("100000.00")),  # allocated more than it costs: gap 0
    MeasureRow(2, LIVESTOCK, 2027, D("50000.50")),   # spent exactly what was allocated: not overspent
    MeasureRow(3, ROADS, 2026, D("30000.00")),       # overspent by 999.95
    MeasureRow(4, ROADS, 2028, D("20000.00")),       # nothing allocated
    MeasureRow(5, ROADS, 2027, None),                # not estimated
]
ALLOCATIONS = [
    AllocationRow(1, "local_budget", 2026, D("60000.00")),
    AllocationRow(1, "donor", 2027, D("50000.00")),
    AllocationRow(2, "republican_budget", 2027, D("20000.25")),
    AllocationRow(3, "community", 2026, D("10000.00")),
    AllocationRow(3, "local_budget", 2028, D("5000.10")),
]
EXPENDITURES = [
    ExpenditureRow(1, date(2026, 5, 10), D("40000.00")),
    ExpenditureRow(1, date(2027, 2, 1), D("30000.00")),
    ExpenditureRow(3, date(2026, 7, 1), D("12000.00")),
    ExpenditureRow(3, date(2027, 3, 15), D("4000.05")),
    ExpenditureRow(2, date(2027, 12, 31), D("20000.25")),
]
RATES = {2026: D("87.5000"), 2027: D("88.0000")}  # 2028 has none


@pytest.fixture
def summary() -> rollup.Rollup:
    return rollup.summarize(MEASURES, ALLOCATIONS, EXPENDITURES, RATES)


def cents(value):
    return rollup.display(value)


def test_totals_by_hand(summary):
    total = summary.total
    assert total.planned.kgs == D("200000.50")     # 100000.00 + 50000.50 + 30000.00 + 20000.00 (+ 0)
    assert total.allocated.kgs == D("145000.35")   # 110000.00 + 20000.25 + 15000.10
    assert total.spent.kgs == D("106000.30")       # 70000.00 + 20000.25 + 16000.05
    # Per measure: 0 (over-allocated) + 30000.25 + 14999.90 + 20000.00 + 0, not planned - allocated (55000.15).
    assert total.gap.kgs == D("65000.15")
    assert total.overspend == D("999.95")          # measure 3 only, although the plan spent less than allocated
    assert total.execution.quantize(D("0.0001")) == D("0.7310")  # 106000.30 / 145000.35
    assert summary.unestimated == 1
    assert summary.overspent == [3]
    assert summary.missing_rates == [2028]


def test_totals_in_dollars_only_when_every_year_has_a_rate(summary):
    total = summary.total
    assert total.planned.usd is None     # measure 4 starts in 2028
    assert total.allocated.usd is None   # 5000.10 allocated for 2028
    assert total.gap.usd is None         # measure 4's gap is in 2028
    assert cents(total.spent.usd) == D("1207.93")  # 52000.00 / 87.5 + 54000.30 / 88 = 594.2857 + 613.6398


def test_measures_by_hand(summary):
    m1, m2, m3, m4, m5 = (summary.measures[i] for i in range(1, 6))
    assert (m1.planned.kgs, m1.allocated.kgs, m1.spent.kgs, m1.gap.kgs, m1.overspend) == (
        D("100000.00"), D("110000.00"), D("70000.00"), D("0.00"), D("0.00"))
    assert m1.execution.quantize(D("0.0001")) == D("0.6364")
    assert cents(m1.allocated.usd) == D("1253.90")  # 60000 / 87.5 + 50000 / 88
    assert (m2.gap.kgs, m2.overspend, m2.execution, m2.is_overspent) == (D("30000.25"), D("0.00"), D("1"), False)
    assert m2.planned.usd == D("568.1875")  # 50000.50 / 88, exactly
    assert (m3.allocated.kgs, m3.spent.kgs, m3.gap.kgs, m3.overspend) == (
        D("15000.10"), D("16000.05"), D("14999.90"), D("999.95"))
    assert m3.is_overspent and m3.execution > 1
    assert m3.allocated.usd is None and cents(m3.gap.usd) == D("171.43")  # 14999.90 / 87.5 (starts in 2026)
    assert (m4.allocated.kgs, m4.gap.kgs, m4.execution, m4.planned.usd) == (D("0.00"), D("20000.00"), None, None)
    assert m4.allocated.usd == 0  # nothing is nothing in any currency
    assert (m5.planned.kgs, m5.gap.kgs, m5.execution) == (D("0.00"), D("0.00"), None)


def test_by_source_by_hand(summary):
    assert list(summary.by_source) == ["local_budget", "republican_budget", "donor", "community"]  # SOURCES order
    assert {s: a.kgs for s, a in summary.by_source.items()} == {
        "local_budget": D("65000.10"), "republican_budget": D("20000.25"), "donor": D("50000.00"),
        "community": D("10000.00")}
    assert summary.by_source["local_budget"].usd is None  # 5000.10 of it is for 2028
    assert cents(summary.by_source["republican_budget"].usd) == D("227.28")
    assert cents(summary.by_source["donor"].usd) == D("568.18")
    assert cents(summary.by_source["community"].usd) == D("114.29")


def test_by_issue_by_hand(summary):
    livestock, roads = summary.by_issue[LIVESTOCK], summary.by_issue[ROADS]
    assert list(summary.by_issue) == [LIVESTOCK, ROADS]
    assert (livestock.planned.kgs, livestock.allocated.kgs, livestock.spent.kgs, livestock.gap.kgs,
            livestock.overspend) == (D("150000.50"), D("130000.25"), D("90000.25"), D("30000.25"), D("0.00"))
    assert (roads.planned.kgs, roads.allocated.kgs, roads.spent.kgs, roads.gap.kgs, roads.overspend) == (
        D("50000.00"), D("15000.10"), D("16000.05"), D("34999.90"), D("999.95"))
    assert cents(livestock.gap.usd) == D("340.91")  # measure 2's 30000.25 / 88 (it starts in 2027)


def test_by_year_by_hand(summary):
    years = summary.by_year
    assert list(years) == [2026, 2027, 2028]
    assert (years[2026].planned.kgs, years[2026].allocated.kgs, years[2026].spent.kgs) == (
        D("130000.00"), D("70000.00"), D("52000.00"))
    assert (years[2027].planned.kgs, years[2027].allocated.kgs, years[2027].spent.kgs) == (
        D("50000.50"), D("70000.25"), D("54000.30"))
    assert (years[2028].planned.kgs, years[2028].allocated.kgs, years[2028].spent.kgs) == (
        D("20000.00"), D("5000.10"), D("0.00"))
    assert years[2026].rate == D("87.5000") and years[2028].rate is None
    assert years[2026].allocated.usd == D("800")  # 70000 / 87.5
    assert cents(years[2026].planned.usd) == D("1485.71")
    assert cents(years[2027].allocated.usd) == D("795.46")
    assert years[2028].allocated.usd is None and years[2028].planned.usd is None
    assert years[2028].spent.usd == 0


def test_no_rates_at_all_gives_som_only():
    summary = rollup.summarize(MEASURES, ALLOCATIONS, EXPENDITURES)
    assert summary.total.allocated.kgs == D("145000.35") and summary.total.allocated.usd is None
    assert summary.missing_rates == [2026, 2027, 2028]


def test_a_plan_without_money():
    summary = rollup.summarize([MeasureRow(7, ROADS, 2026, D("500.00"))])
    assert summary.total.allocated.kgs == 0 and summary.total.gap.kgs == D("500.00")
    assert summary.total.execution is None and summary.by_source == {} and summary.overspent == []


def test_money_of_an_unknown_measure_is_refused():
    with pytest.raises(ValueError):
        rollup.summarize(MEASURES, [AllocationRow(99, "donor", 2026, D("1.00"))])


def test_shares_for_bars():
    assert rollup.shares([D("50"), D("200"), D("0")]) == [D("0.25"), D("1"), D("0")]
    assert rollup.shares([D("0"), D("0")]) == [D("0"), D("0")]
    assert rollup.shares([]) == []


# --- properties -------------------------------------------------------------------------------------

YEARS = st.integers(2025, 2028)
MONEY = st.integers(1, 10**12).map(lambda c: D(c).scaleb(-2))  # exact amounts in tyiyn


@st.composite
def budgets(draw):
    """Measures with money: ids 1..n, a few issues and years, costs or none, allocations, expenditures, rates."""
    n = draw(st.integers(0, 6))
    measures = [MeasureRow(i, draw(st.sampled_from(("a", "b", "c"))), draw(YEARS), draw(st.none() | MONEY))
                for i in range(1, n + 1)]
    ids = st.sampled_from(range(1, n + 1)) if n else st.nothing()
    allocations = draw(st.lists(st.builds(AllocationRow, ids, st.sampled_from(SOURCES), YEARS, MONEY), max_size=10)
                       if n else st.just([]))
    expenditures = draw(st.lists(st.builds(ExpenditureRow, ids, st.dates(date(2025, 1, 1), date(2028, 12, 31)),
                                           MONEY), max_size=10) if n else st.just([]))
    rates = draw(st.dictionaries(YEARS, st.integers(1, 10**8).map(lambda r: D(r).scaleb(-4))))
    return measures, allocations, expenditures, rates


def total(values) -> D:
    return sum(values, D("0.00"))


@given(budgets())
def test_sums_add_up(data):
    measures, allocations, expenditures, rates = data
    summary = rollup.summarize(measures, allocations, expenditures, rates)
    t = summary.total
    assert t.planned.kgs == total(m.cost or 0 for m in measures)
    assert t.allocated.kgs == total(a.amount for a in allocations)
    assert t.spent.kgs == total(e.amount for e in expenditures)
    assert total(a.kgs for a in summary.by_source.values()) == t.allocated.kgs
    for name in ("planned", "allocated", "spent"):
        assert total(getattr(y, name).kgs for y in summary.by_year.values()) == getattr(t, name).kgs
    for name in ("planned", "allocated", "spent", "gap"):
        assert total(getattr(f, name).kgs for f in summary.by_issue.values()) == getattr(t, name).kgs
        assert total(getattr(f, name).kgs for f in summary.measures.values()) == getattr(t, name).kgs
    assert total(f.overspend for f in summary.by_issue.values()) == t.overspend
    for figure in (t.planned.kgs, t.allocated.kgs, t.spent.kgs, t.gap.kgs, t.overspend):
        assert figure.as_tuple().exponent >= -2  # exact tyiyn, nothing rounded


@given(budgets())
def test_gap_and_overspend_bounds(data):
    summary = rollup.summarize(*data)
    t = summary.total
    for f in [t, *summary.measures.values(), *summary.by_issue.values()]:
        assert D(0) <= f.gap.kgs <= f.planned.kgs
        assert f.gap.kgs >= f.planned.kgs - f.allocated.kgs   # a sum of max(., 0) is at least the max of the sum
        assert f.overspend >= max(f.spent.kgs - f.allocated.kgs, D(0))
        assert (f.execution is None) == (f.allocated.kgs == 0)
    assert summary.overspent == [i for i, f in summary.measures.items() if f.spent.kgs > f.allocated.kgs]


@given(budgets())
def test_dollars_only_with_every_rate(data):
    measures, allocations, expenditures, rates = data
    summary = rollup.summarize(measures, allocations, expenditures, rates)
    years_with_money = {a.year for a in allocations}
    assert (summary.total.allocated.usd is None) == bool(years_with_money - set(rates))
    for year in summary.by_year.values():
        assert year.rate == rates.get(year.year)
        if year.allocated.kgs and year.rate is None:
            assert year.allocated.usd is None
    if summary.total.allocated.usd is not None:
        by_year = total(y.allocated.usd for y in summary.by_year.values())
        assert abs(by_year - summary.total.allocated.usd) < D("1e-12")


# --- the national overview's money (rollup.national) ---------------------------------------------------------

def test_national_adds_grouped_sums_by_year_and_source_with_each_years_rate():
    money = rollup.national(
        [(2017, "donor", D("10.00")), (2016, "local_budget", D("699.10")), (2016, "local_budget", D("0.90")),
         (2016, "community", D("70.00")), (2017, "local_budget", D("5.55"))],
        [(2016, D("350.00")), (2018, D("1.00"))],
        {2016: D("70.0000"), 2017: D("68.0000")})
    assert list(money.by_year) == [2016, 2017, 2018]
    assert list(money.by_source) == ["local_budget", "donor", "community"]  # the sources' order, not the rows'
    assert money.by_year[2016].allocated == rollup.Amount(D("770.00"), D("11"))
    assert money.by_year[2016].by_source["local_budget"] == rollup.Amount(D("700.00"), D("10"))
    assert money.by_year[2017].allocated == rollup.Amount(D("15.55"), D("15.55") / D("68"))
    assert money.by_year[2018].spent == rollup.Amount(D("1.00"), None)  # no 2018 rate: no dollars, no guess
    assert money.by_year[2018].allocated == rollup.Amount(D("0.00"), D(0))
    assert money.allocated == rollup.Amount(D("785.55"), D("11") + D("15.55") / D("68"))
    assert money.spent == rollup.Amount(D("351.00"), None)
    assert money.missing_rates == [2018]


def test_national_of_nothing_is_zero():
    money = rollup.national([], [])
    assert money.allocated == rollup.Amount() and money.by_year == {} and money.by_source == {}
