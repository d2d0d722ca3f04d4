"""The scoring matrix (pure): each issue's components on 0..1, weights 0..10, a score 0..100 and the ranking.

A component without data is left out of that issue's weighted mean instead of counting as zero, so an
issue whose small numbers are hidden by disclosure control (GBV, for one) is not pushed down the list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

COMPONENTS = ("concern", "prevalence", "severity", "trend", "capacity", "impact", "support")
DEFAULT_WEIGHTS: dict[str, int] = {"concern": 3, "prevalence": 2, "severity": 2, "trend": 1, "capacity": 1,
                                   "impact": 2, "support": 3}
WEIGHT_MIN, WEIGHT_MAX = 0, 10
RATING_MIN, RATING_MAX = 1, 5

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class IssueInput:
    """What is known of one issue: survey figures, the working group's ratings and police counts, meeting support."""

    code: str
    position: int = 0                          # its place in the catalogue (ties are broken by it)
    concern: Decimal | None = None             # share of respondents rating it 4-5 of 5 (0..1)
    prevalence: Decimal | None = None          # share reporting it happened to them (0..1)
    severity: int | None = None                # the working group's rating 1..5
    capacity: int | None = None                # local capacity to act 1..5
    impact: int | None = None                  # impact on women, youth and other vulnerable groups 1..5
    police_previous: int | None = None         # police-recorded cases, previous year
    police_current: int | None = None          # police-recorded cases, current year
    survey_change: Decimal | None = None       # concern follow-up minus baseline (-1..1)
    support: Decimal | None = None             # share of the meeting's dots (0..1)


@dataclass(frozen=True)
class RankedIssue:
    """One issue of the ranking: its place, score (None without any data), components and contributions."""

    code: str
    rank: int
    score: Decimal | None
    components: dict[str, Decimal | None] = field(default_factory=dict)
    contributions: dict[str, Decimal | None] = field(default_factory=dict)  # points of the score, per component

    @property
    def missing(self) -> tuple[str, ...]:
        """Return the components without data (left out of the score)."""
        return tuple(c for c in COMPONENTS if self.components.get(c) is None)


def _clip(value: Decimal, low: Decimal = ZERO, high: Decimal = ONE) -> Decimal:
    return max(low, min(high, value))


def share(value: Decimal | None) -> Decimal | None:
    """Return a 0..1 share as it is (clipped), or None."""
    return None if value is None else _clip(Decimal(value))


def rating(value: int | None) -> Decimal | None:
    """Return a 1..5 rating on 0..1 ((x - 1) / 4), or None."""
    if value is None:
        return None
    return _clip((Decimal(value) - RATING_MIN) / (RATING_MAX - RATING_MIN))


def change_to_unit(change: Decimal) -> Decimal:
    """Return a change clipped to -1..1 and mapped onto 0..1 (no change is 0.5; more crime is higher)."""
    return (_clip(Decimal(change), -ONE, ONE) + ONE) / 2


def trend(police_previous: int | None, police_current: int | None,
          survey_change: Decimal | None = None) -> Decimal | None:
    """Return the trend on 0..1: police counts' relative change first, else the change between survey rounds."""
    if police_previous is not None and police_current is not None:
        if police_previous == 0:
            change = ZERO if police_current == 0 else ONE
        else:
            change = (Decimal(police_current) - police_previous) / Decimal(police_previous)
        return change_to_unit(change)
    if survey_change is not None:
        return change_to_unit(survey_change)
    return None


def components(item: IssueInput) -> dict[str, Decimal | None]:
    """Return the issue's seven components on 0..1 (None where data lacks)."""
    return {
        "concern": share(item.concern),
        "prevalence": share(item.prevalence),
        "severity": rating(item.severity),
        "trend": trend(item.police_previous, item.police_current, item.survey_change),
        "capacity": rating(item.capacity),
        "impact": rating(item.impact),
        "support": share(item.support),
    }


def _points(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def score(values: dict[str, Decimal | None], weights: dict[str, int]) -> tuple[Decimal | None, dict]:
    """Return (score 0..100 with one decimal, contribution in points per component) of one issue.

    The score is the weighted mean of the components that have data; None when none with weight above 0 has.
    """
    present = {c: values[c] for c in COMPONENTS if values.get(c) is not None and weights.get(c, 0) > 0}
    total_weight = sum(weights[c] for c in present)
    if not total_weight:
        return None, {c: None for c in COMPONENTS}
    exact = {c: HUNDRED * weights[c] * present[c] / total_weight for c in present}
    contributions = {c: (_points(exact[c]) if c in exact else None) for c in COMPONENTS}
    return _points(sum(exact.values(), ZERO)), contributions


def _sort_key(item: tuple[IssueInput, Decimal | None, dict]):
    issue, value, parts = item
    concern = parts["concern"]
    return (value is None, -(value or ZERO), concern is None, -(concern or ZERO), issue.position, issue.code)


def rank(issues: list[IssueInput], weights: dict[str, int]) -> list[RankedIssue]:
    """Return the issues ranked: score descending, then concern, then catalogue position, then code.

    Issues without any scored data come last, in catalogue order.
    """
    scored = []
    for issue in issues:
        parts = components(issue)
        value, contributions = score(parts, weights)
        scored.append((issue, value, parts, contributions))
    scored.sort(key=lambda s: _sort_key(s[:3]))
    return [RankedIssue(code=issue.code, rank=i, score=value, components=parts, contributions=contributions)
            for i, (issue, value, parts, contributions) in enumerate(scored, start=1)]


def validate_weights(weights: dict) -> list[tuple[str, str]]:
    """Return what is wrong with the weights as (field, error code); [] when they can be used.

    Codes: "required", "not_integer", "out_of_range" per field; "all_zero" (on the first field) when no
    weight is above 0.
    """
    errors: list[tuple[str, str]] = []
    clean: dict[str, int] = {}
    for name in COMPONENTS:
        value = weights.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append((name, "required"))
            continue
        if isinstance(value, bool):
            errors.append((name, "not_integer"))
            continue
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, TypeError, ValueError):
            errors.append((name, "not_integer"))
            continue
        if not number.is_finite() or number != number.to_integral_value():
            errors.append((name, "not_integer"))
            continue
        if not WEIGHT_MIN <= number <= WEIGHT_MAX:
            errors.append((name, "out_of_range"))
            continue
        clean[name] = int(number)
    if not errors and not any(clean.values()):
        errors.append((COMPONENTS[0], "all_zero"))
    return errors
