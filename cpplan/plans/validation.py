"""Checks of a measure as the working group enters it (pure: plain values in, clean values or error codes out).

Timeline: a month ("2027-03") or a quarter ("2027-Q2"); a quarter starts on its first month and ends
on its last. Cost: Kyrgyz som, exact decimal, at most two decimals, not negative. Funding already
secured: the same money rules, at most the cost, and only with a cost (without one there is no gap to
speak of, and the funding brief would show secured money for a measure of unknown price). Point:
latitude and longitude together or neither, decimal degrees in Kyrgyzstan, kept to 6 decimals (about
0.1 m, the database column's precision). Indicators: name, unit and target are required; baseline and
data source are optional.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
INDICATOR_TEXT_MAX = 200
COST_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
YEARS = range(2000, 2101)
STATUSES = ("planned", "in_progress", "done", "cancelled")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
# A point picked on the map must lie in Kyrgyzstan (its bounding box, with a margin).
LAT_RANGE, LON_RANGE = (39.0, 43.5), (69.0, 80.5)
COORDINATE_STEP = Decimal("0.000001")  # Numeric(9, 6)

# Error codes (messages are translated by the form layer).
ERRORS = ("required", "too_long", "bad_period", "end_before_start", "negative", "too_many_decimals", "not_a_number",
          "too_large", "unit_required", "target_required", "name_required", "bad_status", "bad_point",
          "bad_coordinate", "point_incomplete", "funded_over_cost", "funded_without_cost")


@dataclass(frozen=True)
class Month:
    """A month of the plan's timeline, comparable and printable as YYYY-MM."""

    year: int
    month: int

    def __lt__(self, other: "Month") -> bool:
        return (self.year, self.month) < (other.year, other.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_period(text: str | None, *, end: bool = False) -> Month | None:
    """Return the month a "YYYY-MM" or "YYYY-Qn" starts (or, with end, finishes) on; None when it is neither."""
    value = (text or "").strip()
    found = _MONTH.match(value)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
        return Month(year, month) if year in YEARS and 1 <= month <= 12 else None
    found = _QUARTER.match(value)
    if found:
        year, quarter = int(found.group(1)), int(found.group(2))
        return Month(year, quarter * 3 if end else quarter * 3 - 2) if year in YEARS else None
    return None


def parse_decimal(text: str | None, places: int, maximum: Decimal) -> tuple[Decimal | None, str | None]:
    """Return (exact number, None) or (None, error code) for a typed amount; empty is (None, None).

    Spaces group thousands, "," or "." marks decimals; at most `places` decimals, no sign, at most `maximum`.
    """
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None, None
    if not _NUMBER.match(value):
        return None, "not_a_number"
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None, "not_a_number"
    if amount < 0:
        return None, "negative"
    if amount.as_tuple().exponent < -places:
        return None, "too_many_decimals"
    if amount > maximum:
        return None, "too_large"
    return amount, None


def parse_cost(text: str | None) -> tuple[Decimal | None, str | None]:
    """Return (amount in som, None) or (None, error code); an empty cost is (None, None): not yet estimated."""
    return parse_decimal(text, 2, COST_MAX)


@dataclass
class Indicator:
    name: str
    unit: str
    baseline: str
    target: str
    source: str


@dataclass
class Check:
    """Checked input: clean values by field, and an error code for each field that is wrong.

    A measure's indicators are fields named "indicators-<n>-<field>". The budget's checks use this class too.
    """

    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(check: Check, name: str, raw: str | None, limit: int, required: bool) -> str:
    value = (raw or "").strip()
    if required and not value:
        check.errors[name] = "required"
    elif len(value) > limit:
        check.errors[name] = "too_long"
    return value


def parse_coordinate(text: str | None, bounds: tuple[float, float]) -> tuple[Decimal | None, str | None]:
    """Return (degrees rounded to 6 decimals, None) or (None, error code) for one typed coordinate.

    Accepts a decimal point or comma ("42,4931"); "bad_coordinate" when it is not a plain decimal number
    (no exponent, NaN or infinity), "bad_point" when it lies outside `bounds` (Kyrgyzstan's range).
    """
    value = (text or "").strip().replace(",", ".")
    if not _NUMBER.match(value):
        return None, "bad_coordinate"
    degrees = Decimal(value)
    if not bounds[0] <= degrees <= bounds[1]:
        return None, "bad_point"
    return degrees.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP), None


def _point(check: Check, raw_lat: str | None, raw_lon: str | None) -> tuple[Decimal, Decimal] | None:
    """Return the (lat, lon) point, or None when neither is given; record errors on "lat" and "lon"."""
    texts = {"lat": (raw_lat or "").strip(), "lon": (raw_lon or "").strip()}
    if not any(texts.values()):
        return None
    if not all(texts.values()):
        missing = "lat" if not texts["lat"] else "lon"
        check.errors[missing] = "point_incomplete"
        return None
    point = []
    for name, bounds in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        degrees, error = parse_coordinate(texts[name], bounds)
        if error:
            check.errors[name] = error
        point.append(degrees)
    return None if None in point else (point[0], point[1])


def check_measure(raw: dict) -> Check:
    """Check a measure's fields as sent by a form (strings) and return clean values or error codes."""
    check = Check()
    check.values["title"] = _text(check, "title", raw.get("title"), TITLE_MAX, True)
    check.values["description"] = _text(check, "description", raw.get("description"), DESCRIPTION_MAX, False)
    start = parse_period(raw.get("start"))
    finish = parse_period(raw.get("end"), end=True)
    for name, value, month in (("start", raw.get("start"), start), ("end", raw.get("end"), finish)):
        if not (value or "").strip():
            check.errors[name] = "required"
        elif month is None:
            check.errors[name] = "bad_period"
    if start and finish and finish < start:
        check.errors["end"] = "end_before_start"
    check.values["start"], check.values["end"] = start, finish
    cost, error = parse_cost(raw.get("cost"))
    if error:
        check.errors["cost"] = error
    check.values["cost"] = cost
    funded, error = parse_cost(raw.get("funded"))
    if error:
        check.errors["funded"] = error
    elif funded is not None and cost is None and "cost" not in check.errors:
        check.errors["funded"] = "funded_without_cost"
    elif funded is not None and cost is not None and funded > cost:
        check.errors["funded"] = "funded_over_cost"
    check.values["funded"] = funded
    check.values["point"] = _point(check, raw.get("lat"), raw.get("lon"))
    status = (raw.get("status") or "planned").strip()
    if status not in STATUSES:
        check.errors["status"] = "bad_status"
    check.values["status"] = status
    indicators = []
    for n, given in enumerate(raw.get("indicators") or []):
        texts = {k: (given.get(k) or "").strip() for k in ("name", "unit", "baseline", "target", "source")}
        if not any(texts.values()):
            continue  # an empty row of the form
        for key, value in texts.items():
            if len(value) > INDICATOR_TEXT_MAX:
                check.errors[f"indicators-{n}-{key}"] = "too_long"
        for key, code in (("name", "name_required"), ("unit", "unit_required"), ("target", "target_required")):
            if not texts[key]:
                check.errors[f"indicators-{n}-{key}"] = code
        indicators.append(Indicator(**texts))
    check.values["indicators"] = indicators
    return check
