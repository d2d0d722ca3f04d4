"""Progress of a plan's measures (pure: plain values in, plain values or error codes out; no Flask, no database).

Numbers: an indicator's baseline and target are free text ("12", "12,5", "1 200", "fewer than before"); a
plain number is read as an exact Decimal (a comma is the decimal sign, spaces may group thousands), anything
else as None. Values: exact decimals with at most four places, within the database column (Numeric(14, 4)).

The share of the way is how far the latest value has moved from the baseline towards the target, 0..1:
(latest - baseline) / (target - baseline), clamped, so it works for goals that go down (fewer thefts) as well
as up (more residents feeling safe). It is None when the baseline or target is not a number, when they are
equal (no way to go), or when there is no value yet.

Checks of what the working group enters return error codes; the form layer translates them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..plans.validation import STATUSES, Check

VALUE_PLACES = 4
VALUE_MAX = Decimal("9999999999.9999")  # Numeric(14, 4)
NOTE_MAX = 300
PERCENT_RANGE = range(0, 101)
SOURCES = ("entry", "survey")
# An indicator measured by the community safety survey names it as its source (the library's "Safety survey"
# in ky, ru or en, or a source typed in with one of these words) and counts a share of residents.
SURVEY_WORDS = ("survey", "опрос", "сурамжылоо")
_NUMBER = re.compile(r"^[-+]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:[.,]\d+)?$")
_GROUPING = str.maketrans("", "", " \u00a0\u202f")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"^[-+]?\d+$")
ONE, ZERO = Decimal(1), Decimal(0)
COORDINATE = Decimal("0.1")

# Error codes (messages are translated by cpplan/budget/progress_forms.py).
ERRORS = ("required", "not_a_number", "too_many_decimals", "too_large", "bad_date", "future", "before_plan",
          "not_integer", "out_of_range", "bad_status", "too_long")


def parse_number(text: str | None) -> Decimal | None:
    """Return the exact number a plain numeric text says ("12", "-3,5", "1 200.25"), else None."""
    value = (text or "").strip()
    if not _NUMBER.match(value):
        return None
    return Decimal(value.translate(_GROUPING).replace(",", "."))


def is_survey_share(unit: str, source: str) -> bool:
    """Return True when an indicator is a share (unit "%") taken from the community safety survey."""
    found = source.casefold()
    return "%" in unit and any(word in found for word in SURVEY_WORDS)


# --- checks of what is entered ------------------------------------------------------------------------------

def check_amount(text: str | None) -> tuple[Decimal | None, str | None]:
    """Return (value, None) or (None, error code) for a typed indicator value."""
    if not (text or "").strip():
        return None, "required"
    value = parse_number(text)
    if value is None:
        return None, "not_a_number"
    if value.as_tuple().exponent < -VALUE_PLACES:
        return None, "too_many_decimals"
    if abs(value) > VALUE_MAX:
        return None, "too_large"
    return value, None


def day_error(day: date, first_year: int, today: date) -> str | None:
    """Return why a measurement date cannot be taken (in the future, before the plan's first year), or None."""
    if day > today:
        return "future"
    if day.year < first_year:
        return "before_plan"
    return None


def check_day(text: str | None, first_year: int, today: date) -> tuple[date | None, str | None]:
    """Return (date, None) or (None, error code) for a date typed as YYYY-MM-DD."""
    value = (text or "").strip()
    if not value:
        return None, "required"
    if not _DAY.match(value):
        return None, "bad_date"
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None, "bad_date"
    error = day_error(day, first_year, today)
    return (None, error) if error else (day, None)


def check_value(raw: Mapping[str, str | None], *, first_year: int, today: date) -> Check:
    """Check an indicator value as sent by the form: measured_on, value and note."""
    check = Check()
    for name, (clean, error) in (("measured_on", check_day(raw.get("measured_on"), first_year, today)),
                                 ("value", check_amount(raw.get("value")))):
        check.values[name] = clean
        if error:
            check.errors[name] = error
    note = (raw.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        check.errors["note"] = "too_long"
    check.values["note"] = note
    return check


def check_status(raw: Mapping[str, str | None]) -> Check:
    """Check a measure's status and percent complete (a whole number 0..100) as sent by the form."""
    check = Check()
    status = (raw.get("status") or "").strip()
    if status not in STATUSES:
        check.errors["status"] = "bad_status"
    check.values["status"] = status
    text = (raw.get("percent_complete") or "").strip()
    whole = _WHOLE.match(text) is not None
    # More than 3 digits is out of range (and int() refuses 4,300 digits or more).
    percent = int(text) if whole and len(text.lstrip("+-").lstrip("0")) <= 3 else None
    if not text:
        check.errors["percent_complete"] = "required"
    elif not whole:
        check.errors["percent_complete"] = "not_integer"
    elif percent not in PERCENT_RANGE:
        check.errors["percent_complete"] = "out_of_range"
    check.values["percent_complete"] = percent
    return check


# --- indicator values over time -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """One value of an indicator: the day it was measured and the value; `order` breaks ties (later entry wins)."""

    measured_on: date
    value: Decimal
    order: int = 0


@dataclass(frozen=True)
class IndicatorProgress:
    """Where an indicator stands: its numeric baseline and target (None if not numbers), the latest value,
    the change from the baseline and the share of the way to the target (0..1)."""

    baseline: Decimal | None
    target: Decimal | None
    latest: Reading | None
    change: Decimal | None
    share: Decimal | None


def newest_first(readings: Iterable[Reading]) -> list[Reading]:
    """Return the readings, newest measurement first (the later entry first on the same day)."""
    return sorted(readings, key=lambda r: (r.measured_on, r.order), reverse=True)


def latest(readings: Iterable[Reading]) -> Reading | None:
    """Return the newest reading, or None when there is none."""
    return max(readings, key=lambda r: (r.measured_on, r.order), default=None)


def share_of_way(baseline: Decimal | None, target: Decimal | None, value: Decimal | None) -> Decimal | None:
    """Return how far value has gone from baseline to target, clamped to 0..1; None when it cannot be said."""
    if baseline is None or target is None or value is None or baseline == target:
        return None
    return min(max((value - baseline) / (target - baseline), ZERO), ONE)


def indicator_progress(baseline: str, target: str, readings: Iterable[Reading]) -> IndicatorProgress:
    """Return the progress of an indicator from its free-text baseline and target and its readings."""
    start, goal, last = parse_number(baseline), parse_number(target), latest(readings)
    value = last.value if last is not None else None
    change = value - start if value is not None and start is not None else None
    return IndicatorProgress(start, goal, last, change, share_of_way(start, goal, value))


@dataclass(frozen=True)
class MeasureSummary:
    """A measure's progress at a glance: status, percent complete (None: not reported) and, per indicator,
    its name and the latest share of the way to the target."""

    status: str
    percent_complete: int | None
    indicators: tuple[tuple[str, Decimal | None], ...]

    @property
    def complete(self) -> Decimal | None:
        """Return percent complete as a share (0..1) for formatting, or None."""
        return None if self.percent_complete is None else Decimal(self.percent_complete) / 100


def measure_summary(status: str, percent_complete: int | None,
                    indicators: Iterable[tuple[str, IndicatorProgress]]) -> MeasureSummary:
    """Return the summary of a measure from its status, percent complete and indicators' progress."""
    return MeasureSummary(status, percent_complete, tuple((name, p.share) for name, p in indicators))


# --- a small line chart of the values ------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartPoint:
    """A reading placed in the chart: x grows with the date, y grows downwards (SVG), 0.1 apart at most."""

    x: Decimal
    y: Decimal
    reading: Reading


@dataclass(frozen=True)
class Chart:
    """The values of one indicator as points of a width x height box, oldest first, with the baseline and the
    target as levels (None when they are not numbers) and the lowest and highest value drawn."""

    width: int
    height: int
    points: tuple[ChartPoint, ...]
    baseline_y: Decimal | None
    target_y: Decimal | None
    low: Decimal
    high: Decimal

    @property
    def polyline(self) -> str:
        """Return the points as an SVG polyline's "x,y x,y ..." attribute."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def _scale(value: Decimal, low: Decimal, high: Decimal, size: int, margin: int) -> Decimal:
    """Return value's place between margin and size - margin (the middle when low == high), to 0.1."""
    span = Decimal(size - 2 * margin)
    place = span / 2 if high == low else (value - low) / (high - low) * span
    return (margin + place).quantize(COORDINATE, rounding=ROUND_HALF_UP)


def chart(readings: Iterable[Reading], baseline: Decimal | None = None, target: Decimal | None = None, *,
          width: int = 300, height: int = 120, margin: int = 8) -> Chart | None:
    """Return the chart of the readings (oldest first) with baseline and target levels, or None without readings."""
    ordered = newest_first(readings)[::-1]
    if not ordered:
        return None
    levels = [r.value for r in ordered] + [v for v in (baseline, target) if v is not None]
    low, high = min(levels), max(levels)
    first, last = ordered[0].measured_on.toordinal(), ordered[-1].measured_on.toordinal()

    def y(value: Decimal | None) -> Decimal | None:
        return None if value is None else height - _scale(value, low, high, height, margin)

    points = tuple(ChartPoint(_scale(Decimal(r.measured_on.toordinal()), Decimal(first), Decimal(last), width,
                                     margin), y(r.value), r) for r in ordered)
    return Chart(width, height, points, y(baseline), y(target), low, high)
