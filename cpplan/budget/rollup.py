"""The plan's budget in figures (pure): planned, allocated, spent, unfunded gap, execution and overspending.

Plain rows in, exact Decimals out; no Flask, no database. Rules:

* Planned is the measures' cost (a measure without an estimate counts 0 and is counted in `unestimated`).
* The unfunded gap is max(cost - allocated, 0) per measure, summed: money allocated to one measure cannot
  close another's gap, so the totals never let an over-allocated measure hide a short one.
* Execution is spent / allocated (None when nothing is allocated); it may pass 1 when money was overspent.
* A measure is overspent when its spending passes its allocations; the totals' overspend is the sum of the
  measures' overspends, never total spent minus total allocated.
* By year: an allocation counts in its budget year, a payment in the calendar year of its date, the planned
  cost (and the gap) in the year the measure starts.
* US dollars: each amount is divided by the rate of its own year. A year without a rate gives None for that
  year (never a guessed rate), and a total in dollars exists only when every year it draws on has a rate.
  Overspending is given in som only.
* Everything stays exact (Decimal); quantizing to 0.01 is the display's business. Only the dollar figures
  and the execution ratio come from a division.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .validation import SOURCES

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MeasureRow:
    """A measure of the plan: its id, its priority issue (a code or any key), the year it starts, its cost."""

    id: int
    issue: Hashable
    year: int
    cost: Decimal | None


@dataclass(frozen=True)
class AllocationRow:
    """Money allocated to a measure from a source for a budget year."""

    measure_id: int
    source: str
    year: int
    amount: Decimal


@dataclass(frozen=True)
class ExpenditureRow:
    """Money spent on a measure on a day."""

    measure_id: int
    spent_on: date
    amount: Decimal


@dataclass(frozen=True)
class Amount:
    """An exact sum in som, and in US dollars when every year it draws on has a rate (else None)."""

    kgs: Decimal = ZERO
    usd: Decimal | None = Decimal(0)


@dataclass(frozen=True)
class Figures:
    """Planned, allocated, spent and the unfunded gap; the overspend in som; spent / allocated."""

    planned: Amount = field(default_factory=Amount)
    allocated: Amount = field(default_factory=Amount)
    spent: Amount = field(default_factory=Amount)
    gap: Amount = field(default_factory=Amount)
    overspend: Decimal = ZERO

    @property
    def execution(self) -> Decimal | None:
        """Return spent / allocated, or None when nothing is allocated."""
        return self.spent.kgs / self.allocated.kgs if self.allocated.kgs else None

    @property
    def is_overspent(self) -> bool:
        return self.overspend > 0


@dataclass(frozen=True)
class YearFigures:
    """One year: the cost of the measures starting in it, allocations for it, payments made in it, its rate."""

    year: int
    planned: Amount
    allocated: Amount
    spent: Amount
    rate: Decimal | None


@dataclass(frozen=True)
class Rollup:
    """The plan's budget: totals, per measure (input order), per issue (first met), per source, per year."""

    total: Figures
    measures: dict[int, Figures]
    by_issue: dict[Hashable, Figures]
    by_source: dict[str, Amount]
    by_year: dict[int, YearFigures]
    unestimated: int = 0

    @property
    def overspent(self) -> list[int]:
        """Return the ids of the measures whose spending passes their allocations."""
        return [measure_id for measure_id, figures in self.measures.items() if figures.is_overspent]

    @property
    def missing_rates(self) -> list[int]:
        """Return the years with money in them but no exchange rate."""
        return [y.year for y in self.by_year.values()
                if y.rate is None and any((y.planned.kgs, y.allocated.kgs, y.spent.kgs))]


Pot = dict[int, Decimal]  # som by year


def _add(pot: Pot, year: int, amount: Decimal) -> None:
    pot[year] = pot.get(year, ZERO) + amount


def _merge(into: Pot, other: Pot) -> None:
    for year, amount in other.items():
        _add(into, year, amount)


def amount(pot: Pot, rates: Mapping[int, Decimal]) -> Amount:
    """Return the sum of a pot in som, and in dollars when every year with money in it has a rate."""
    kgs = sum(pot.values(), ZERO)
    usd: Decimal | None = Decimal(0)
    for year in sorted(pot):
        if not pot[year]:
            continue
        if year not in rates:
            usd = None
            break
        usd += pot[year] / rates[year]
    return Amount(kgs, usd)


@dataclass
class _Tally:
    """Pots of som by year for each figure, and the overspend, while rows are added up."""

    planned: Pot = field(default_factory=dict)
    allocated: Pot = field(default_factory=dict)
    spent: Pot = field(default_factory=dict)
    gap: Pot = field(default_factory=dict)
    overspend: Decimal = ZERO

    def absorb(self, other: _Tally) -> None:
        for name in ("planned", "allocated", "spent", "gap"):
            _merge(getattr(self, name), getattr(other, name))
        self.overspend += other.overspend

    def figures(self, rates: Mapping[int, Decimal]) -> Figures:
        return Figures(amount(self.planned, rates), amount(self.allocated, rates), amount(self.spent, rates),
                       amount(self.gap, rates), self.overspend)


def _measure_tallies(measures: Sequence[MeasureRow], allocations: Iterable[AllocationRow],
                     expenditures: Iterable[ExpenditureRow]) -> dict[int, _Tally]:
    """Return each measure's tally, its gap and overspend worked out from its own money only."""
    tallies = {m.id: _Tally() for m in measures}
    for row in allocations:
        _add(_tally_of(tallies, row.measure_id).allocated, row.year, row.amount)
    for row in expenditures:
        _add(_tally_of(tallies, row.measure_id).spent, row.spent_on.year, row.amount)
    for m in measures:
        tally = tallies[m.id]
        cost = m.cost if m.cost is not None else ZERO
        _add(tally.planned, m.year, cost)
        allocated, spent = sum(tally.allocated.values(), ZERO), sum(tally.spent.values(), ZERO)
        _add(tally.gap, m.year, max(cost - allocated, ZERO))
        tally.overspend = max(spent - allocated, ZERO)
    return tallies


def _tally_of(tallies: dict[int, _Tally], measure_id: int) -> _Tally:
    if measure_id not in tallies:
        raise ValueError(f"money for an unknown measure {measure_id!r}")
    return tallies[measure_id]


def _source_order(source: str) -> tuple[int, str]:
    return (SOURCES.index(source) if source in SOURCES else len(SOURCES), source)


def summarize(measures: Iterable[MeasureRow], allocations: Iterable[AllocationRow] = (),
              expenditures: Iterable[ExpenditureRow] = (), rates: Mapping[int, Decimal] | None = None) -> Rollup:
    """Return the budget of these measures from their allocations and expenditures, at these rates (year: som/$).

    Raises ValueError for money of a measure that is not among `measures`.
    """
    measures, allocations, rates = list(measures), list(allocations), dict(rates or {})
    tallies = _measure_tallies(measures, allocations, expenditures)
    total, by_issue = _Tally(), {}
    for m in measures:
        total.absorb(tallies[m.id])
        by_issue.setdefault(m.issue, _Tally()).absorb(tallies[m.id])
    sources: dict[str, Pot] = {}
    for row in allocations:
        _add(sources.setdefault(row.source, {}), row.year, row.amount)
    years = sorted(set(total.planned) | set(total.allocated) | set(total.spent))
    by_year = {year: YearFigures(year, *(amount({year: pot.get(year, ZERO)}, rates)
                                         for pot in (total.planned, total.allocated, total.spent)), rates.get(year))
               for year in years}
    return Rollup(total=total.figures(rates),
                  measures={m.id: tallies[m.id].figures(rates) for m in measures},
                  by_issue={issue: tally.figures(rates) for issue, tally in by_issue.items()},
                  by_source={s: amount(sources[s], rates) for s in sorted(sources, key=_source_order)},
                  by_year=by_year,
                  unestimated=sum(m.cost is None for m in measures))


def shares(values: Sequence[Decimal]) -> list[Decimal]:
    """Return each value as a share (0..1) of the largest, for drawing bars; all 0 when the largest is not > 0."""
    top = max(values, default=ZERO)
    return [max(v, ZERO) / top if top > 0 else Decimal(0) for v in values]


def display(value: Decimal | None) -> Decimal | None:
    """Return an amount rounded to the cent for display (None stays None)."""
    return None if value is None else value.quantize(CENT)


# --- the national overview ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NationalYear:
    """One year across every plan: allocated (in total and by source), spent, and the year's rate."""

    year: int
    allocated: Amount
    spent: Amount
    by_source: dict[str, Amount]
    rate: Decimal | None


@dataclass(frozen=True)
class National:
    """Money across every plan: totals, by year (oldest first) and by source (in SOURCES order)."""

    allocated: Amount
    spent: Amount
    by_year: dict[int, NationalYear]
    by_source: dict[str, Amount]

    @property
    def missing_rates(self) -> list[int]:
        """Return the years with money in them but no exchange rate."""
        return [y.year for y in self.by_year.values() if y.rate is None and (y.allocated.kgs or y.spent.kgs)]


def national(allocated: Iterable[tuple[int, str, Decimal]], spent: Iterable[tuple[int, Decimal]],
             rates: Mapping[int, Decimal] | None = None) -> National:
    """Return the overview's money from sums already grouped: (year, source, som) allocated, (year, som) spent.

    Rows may repeat a key (they are added). Dollars at each year's own rate, as in `summarize`.
    """
    rates = dict(rates or {})
    sources: dict[str, Pot] = {}
    cells: dict[tuple[int, str], Decimal] = {}
    allocated_pot: Pot = {}
    spent_pot: Pot = {}
    for year, source, kgs in allocated:
        _add(sources.setdefault(source, {}), year, kgs)
        _add(allocated_pot, year, kgs)
        cells[year, source] = cells.get((year, source), ZERO) + kgs
    for year, kgs in spent:
        _add(spent_pot, year, kgs)
    order = sorted(sources, key=_source_order)
    by_year = {year: NationalYear(year, amount({year: allocated_pot.get(year, ZERO)}, rates),
                                  amount({year: spent_pot.get(year, ZERO)}, rates),
                                  {s: amount({year: cells[year, s]}, rates) for s in order if (year, s) in cells},
                                  rates.get(year))
               for year in sorted(set(allocated_pot) | set(spent_pot))}
    return National(amount(allocated_pot, rates), amount(spent_pot, rates), by_year,
                    {s: amount(sources[s], rates) for s in order})
