"""Checks of budget entries as the coordinator types them (pure: plain values in, clean values or error codes out).

Money: Kyrgyz som, exact decimal (a point or a comma), at most two decimals (tyiyn), more than 0 (an
allocation or a payment of nothing is a mistake, not a record) and at most 999 999 999 999.99, the
columns' Numeric(14, 2). The same number rules as a measure's cost (plans/validation.parse_cost).

Allocation: a source from SOURCES; a donor needs the donor's name (other sources keep none); the budget
year lies in the plan's period; the decision reference and date are optional, and a decision cannot be
dated in the future.

Expenditure: the payment date is required, not in the future (money not yet spent is not spent) and not
before 1 January of the plan's first year (earlier money belongs to no measure of this plan). A date after
the plan's last year is accepted: bills for work done within the period are often paid late. The purpose
is required; the document reference (invoice, act, payment order) is optional.

Exchange rate: a year from 2000 to 2100 and som per US dollar, more than 0, at most four decimals and
within the column's Numeric(12, 4).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from ..plans.validation import YEARS, Check, parse_cost, parse_decimal

# Where the money comes from ("community": the community's money or work and goods given in kind).
SOURCES = ("local_budget", "republican_budget", "donor", "community", "private")
DONOR = "donor"
AMOUNT_MAX = Decimal("999999999999.99")   # Numeric(14, 2)
RATE_MAX = Decimal("99999999.9999")       # Numeric(12, 4)
DONOR_NAME_MAX = 200
REFERENCE_MAX = 120
PURPOSE_MAX = 300
_WHOLE = re.compile(r"^\d{1,4}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Error codes (messages are translated by the form layer).
ERRORS = ("required", "not_a_number", "negative", "not_positive", "too_many_decimals", "too_large", "bad_source",
          "donor_name_required", "too_long", "bad_year", "year_outside_plan", "bad_date", "date_in_future",
          "date_before_plan")


def parse_amount(text: str | None) -> tuple[Decimal | None, str | None]:
    """Return (som, None) or (None, error code) for a required amount that must be more than 0."""
    amount, error = parse_cost(text)
    if error:
        return None, error
    if amount is None:
        return None, "required"
    if amount == 0:
        return None, "not_positive"
    return amount, None


def parse_year(text: str | None) -> tuple[int | None, str | None]:
    """Return (year, None) or (None, error code): "required", or "bad_year" outside 2000..2100."""
    value = (text or "").strip()
    if not value:
        return None, "required"
    if not _WHOLE.match(value) or int(value) not in YEARS:
        return None, "bad_year"
    return int(value), None


def parse_day(text: str | None, *, required: bool) -> tuple[date | None, str | None]:
    """Return (date, None) for a YYYY-MM-DD date, (None, None) for an optional empty one, else (None, code)."""
    value = (text or "").strip()
    if not value:
        return None, "required" if required else None
    if not _DAY.match(value):
        return None, "bad_date"
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return None, "bad_date"


def parse_rate(text: str | None) -> tuple[Decimal | None, str | None]:
    """Return (som per US dollar, None) or (None, error code)."""
    rate, error = parse_decimal(text, 4, RATE_MAX)
    if error is not None:
        return None, error
    if rate is None:
        return None, "required"
    if rate == 0:
        return None, "not_positive"
    return rate, None


def _text(check: Check, name: str, raw: str | None, limit: int, *, required: bool = False) -> str:
    value = (raw or "").strip()
    if required and not value:
        check.errors[name] = "required"
    elif len(value) > limit:
        check.errors[name] = "too_long"
    return value


def _put(check: Check, name: str, parsed: tuple) -> None:
    """Keep a parser's value under name, or its error code."""
    value, error = parsed
    check.values[name] = value
    if error:
        check.errors[name] = error


def check_allocation(raw: dict, *, first_year: int, last_year: int, today: date) -> Check:
    """Check an allocation (source, donor_name, year, amount, decision_ref, decided_on) of a plan's measure."""
    check = Check()
    source = (raw.get("source") or "").strip()
    check.values["source"] = source
    if source not in SOURCES:
        check.errors["source"] = "required" if not source else "bad_source"
    donor_name = _text(check, "donor_name", raw.get("donor_name"), DONOR_NAME_MAX, required=source == DONOR)
    if check.errors.get("donor_name") == "required":
        check.errors["donor_name"] = "donor_name_required"
    check.values["donor_name"] = donor_name if source == DONOR else ""
    _put(check, "year", parse_year(raw.get("year")))
    if check.values["year"] is not None and not first_year <= check.values["year"] <= last_year:
        check.errors["year"] = "year_outside_plan"
    _put(check, "amount", parse_amount(raw.get("amount")))
    check.values["decision_ref"] = _text(check, "decision_ref", raw.get("decision_ref"), REFERENCE_MAX)
    _put(check, "decided_on", parse_day(raw.get("decided_on"), required=False))
    if check.values["decided_on"] is not None and check.values["decided_on"] > today:
        check.errors["decided_on"] = "date_in_future"
    return check


def check_expenditure(raw: dict, *, first_year: int, today: date) -> Check:
    """Check an expenditure (spent_on, amount, purpose, document_ref) of a plan's measure."""
    check = Check()
    _put(check, "spent_on", parse_day(raw.get("spent_on"), required=True))
    spent_on = check.values["spent_on"]
    if spent_on is not None and spent_on > today:
        check.errors["spent_on"] = "date_in_future"
    elif spent_on is not None and spent_on.year < first_year:
        check.errors["spent_on"] = "date_before_plan"
    _put(check, "amount", parse_amount(raw.get("amount")))
    check.values["purpose"] = _text(check, "purpose", raw.get("purpose"), PURPOSE_MAX, required=True)
    check.values["document_ref"] = _text(check, "document_ref", raw.get("document_ref"), REFERENCE_MAX)
    return check


def check_rate(raw: dict) -> Check:
    """Check an exchange rate: the year (2000..2100) and som per US dollar."""
    check = Check()
    _put(check, "year", parse_year(raw.get("year")))
    _put(check, "kgs_per_usd", parse_rate(raw.get("kgs_per_usd")))
    return check
