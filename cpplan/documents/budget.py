"""The plan's money (pure): cost, secured funding and the gap, per measure, per priority issue, per year, in total.

Plain data in, exact Decimals out; no Flask, no database. Rules:

* A measure without a cost estimate counts 0 (and is counted in `unestimated`); nothing secured counts 0.
* Secured funding is capped at the measure's cost: money promised for one measure cannot close another
  measure's gap, so an over-funded measure shows a gap of 0, never a negative one, and the extra is not
  counted as secured. Hence, for every measure and every total, cost = secured + gap.
* Totals are sums of the measures' figures (never total cost minus total funding), so one over-funded
  measure cannot hide another's gap.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
Row = tuple[Hashable, int | None, Decimal | None, Decimal | None]  # (issue, year of start, cost, funded)


@dataclass(frozen=True)
class Money:
    """Cost, the part of it that is secured, and the gap still to find (cost = secured + gap)."""

    cost: Decimal = ZERO
    secured: Decimal = ZERO
    gap: Decimal = ZERO

    def __add__(self, other: Money) -> Money:
        return Money(self.cost + other.cost, self.secured + other.secured, self.gap + other.gap)


@dataclass(frozen=True)
class Summary:
    """The plan's money in total, per priority issue (in the order first met) and per year of start (sorted)."""

    total: Money = field(default_factory=Money)
    by_issue: dict[Hashable, Money] = field(default_factory=dict)
    by_year: dict[int | None, Money] = field(default_factory=dict)
    measures: int = 0
    unestimated: int = 0  # measures without a cost estimate


def line(cost: Decimal | None, funded: Decimal | None) -> Money:
    """Return one measure's cost, secured part (capped at the cost, never below 0) and gap (never below 0)."""
    cost = max(Decimal(cost), ZERO) if cost is not None else ZERO
    secured = min(max(Decimal(funded), ZERO), cost) if funded is not None else ZERO
    return Money(cost, secured, cost - secured)


def summary(rows: Iterable[Row]) -> Summary:
    """Return the totals of (issue, year, cost, funded) rows: overall, per issue and per year (None last)."""
    total, by_issue, by_year, count, unestimated = Money(), {}, {}, 0, 0
    for issue, year, cost, funded in rows:
        money = line(cost, funded)
        total += money
        by_issue[issue] = by_issue.get(issue, Money()) + money
        by_year[year] = by_year.get(year, Money()) + money
        count += 1
        unestimated += cost is None
    years = dict(sorted(by_year.items(), key=lambda item: (item[0] is None, item[0] or 0)))
    return Summary(total, by_issue, years, count, unestimated)


def start_year(start: str | None) -> int | None:
    """Return the year of a "YYYY-MM" start, or None when it is not one."""
    head = (start or "")[:4]
    return int(head) if len(head) == 4 and head.isdigit() else None
