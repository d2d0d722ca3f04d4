"""Budget entry checks (budget/validation.py): money, sources, donors, years, dates and exchange rates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpplan.budget import validation as v

TODAY = date(2027, 6, 15)
PERIOD = {"first_year": 2026, "last_year": 2028, "today": TODAY}


def allocation(**changes) -> dict:
    raw = {"source": "local_budget", "donor_name": "", "year": "2027", "amount": "150000.50", "decision_ref": "№ 12",
           "decided_on": "2027-02-01"}
    raw.update(changes)
    return raw


def expenditure(**changes) -> dict:
    raw = {"spent_on": "2027-05-20", "amount": "12000", "purpose": "Көчө жарыгы", "document_ref": "Акт № 7"}
    raw.update(changes)
    return raw


def test_a_good_allocation_passes_with_clean_values():
    check = v.check_allocation(allocation(amount=" 150 000,50 "), **PERIOD)
    assert check.ok, check.errors
    assert check.values == {"source": "local_budget", "donor_name": "", "year": 2027, "amount": Decimal("150000.50"),
                            "decision_ref": "№ 12", "decided_on": date(2027, 2, 1)}


def test_a_donor_keeps_its_name_and_other_sources_drop_it():
    check = v.check_allocation(allocation(source="donor", donor_name="  UNDP  "), **PERIOD)
    assert check.ok and check.values["donor_name"] == "UNDP"
    check = v.check_allocation(allocation(source="community", donor_name="UNDP"), **PERIOD)
    assert check.ok and check.values["donor_name"] == ""


def test_optional_decision_fields_may_stay_empty():
    check = v.check_allocation(allocation(decision_ref="", decided_on=""), **PERIOD)
    assert check.ok and check.values["decided_on"] is None and check.values["decision_ref"] == ""


@pytest.mark.parametrize("changes, field, code", [
    ({"amount": ""}, "amount", "required"),
    ({"amount": "ten"}, "amount", "not_a_number"),
    ({"amount": "1e5"}, "amount", "not_a_number"),
    ({"amount": "-5"}, "amount", "negative"),
    ({"amount": "0"}, "amount", "not_positive"),
    ({"amount": "0.00"}, "amount", "not_positive"),
    ({"amount": "10.005"}, "amount", "too_many_decimals"),
    ({"amount": "1000000000000"}, "amount", "too_large"),
    ({"source": ""}, "source", "required"),
    ({"source": "lottery"}, "source", "bad_source"),
    ({"source": "donor", "donor_name": "  "}, "donor_name", "donor_name_required"),
    ({"source": "donor", "donor_name": "x" * 201}, "donor_name", "too_long"),
    ({"year": ""}, "year", "required"),
    ({"year": "next"}, "year", "bad_year"),
    ({"year": "1999"}, "year", "bad_year"),
    ({"year": "2025"}, "year", "year_outside_plan"),
    ({"year": "2029"}, "year", "year_outside_plan"),
    ({"decision_ref": "x" * 121}, "decision_ref", "too_long"),
    ({"decided_on": "01.02.2027"}, "decided_on", "bad_date"),
    ({"decided_on": "2027-02-30"}, "decided_on", "bad_date"),
    ({"decided_on": "2027-06-16"}, "decided_on", "date_in_future"),
])
def test_allocation_errors(changes, field, code):
    check = v.check_allocation(allocation(**changes), **PERIOD)
    assert check.errors == {field: code}


def test_the_largest_amount_and_the_plan_years_pass():
    for year in ("2026", "2028"):
        assert v.check_allocation(allocation(year=year, amount="999999999999.99"), **PERIOD).ok


def test_a_good_expenditure_passes_with_clean_values():
    check = v.check_expenditure(expenditure(), first_year=2026, today=TODAY)
    assert check.ok, check.errors
    assert check.values == {"spent_on": date(2027, 5, 20), "amount": Decimal("12000"), "purpose": "Көчө жарыгы",
                            "document_ref": "Акт № 7"}


def test_an_expenditure_today_or_on_the_first_day_of_the_plan_passes():
    for day in ("2027-06-15", "2026-01-01"):
        assert v.check_expenditure(expenditure(spent_on=day), first_year=2026, today=TODAY).ok


def test_an_expenditure_after_the_plan_period_passes():
    """Bills for work done within the period are often paid late."""
    assert v.check_expenditure(expenditure(spent_on="2029-01-10"), first_year=2026, today=date(2029, 2, 1)).ok


@pytest.mark.parametrize("changes, field, code", [
    ({"spent_on": ""}, "spent_on", "required"),
    ({"spent_on": "20.05.2027"}, "spent_on", "bad_date"),
    ({"spent_on": "2027-06-16"}, "spent_on", "date_in_future"),
    ({"spent_on": "2025-12-31"}, "spent_on", "date_before_plan"),
    ({"amount": "0"}, "amount", "not_positive"),
    ({"amount": "-0.01"}, "amount", "negative"),
    ({"amount": "5.123"}, "amount", "too_many_decimals"),
    ({"purpose": " "}, "purpose", "required"),
    ({"purpose": "x" * 301}, "purpose", "too_long"),
    ({"document_ref": "x" * 121}, "document_ref", "too_long"),
])
def test_expenditure_errors(changes, field, code):
    check = v.check_expenditure(expenditure(**changes), first_year=2026, today=TODAY)
    assert check.errors == {field: code}


@pytest.mark.parametrize("text, expected", [("87.45", Decimal("87.45")), ("87,4512", Decimal("87.4512")),
                                            ("1", Decimal("1")), ("99999999.9999", Decimal("99999999.9999"))])
def test_good_rates(text, expected):
    check = v.check_rate({"year": "2026", "kgs_per_usd": text})
    assert check.ok and check.values == {"year": 2026, "kgs_per_usd": expected}


@pytest.mark.parametrize("raw, field, code", [
    ({"year": "2026", "kgs_per_usd": "0"}, "kgs_per_usd", "not_positive"),
    ({"year": "2026", "kgs_per_usd": "0.0000"}, "kgs_per_usd", "not_positive"),
    ({"year": "2026", "kgs_per_usd": "-87"}, "kgs_per_usd", "negative"),
    ({"year": "2026", "kgs_per_usd": "87.45123"}, "kgs_per_usd", "too_many_decimals"),
    ({"year": "2026", "kgs_per_usd": "100000000"}, "kgs_per_usd", "too_large"),
    ({"year": "2026", "kgs_per_usd": "NaN"}, "kgs_per_usd", "not_a_number"),
    ({"year": "2026", "kgs_per_usd": ""}, "kgs_per_usd", "required"),
    ({"year": "1999", "kgs_per_usd": "87"}, "year", "bad_year"),
    ({"year": "2101", "kgs_per_usd": "87"}, "year", "bad_year"),
    ({"year": "", "kgs_per_usd": "87"}, "year", "required"),
])
def test_rate_errors(raw, field, code):
    assert v.check_rate(raw).errors == {field: code}


@given(st.integers(1, 99_999_999_999_999))
def test_every_positive_amount_in_tyiyn_reads_back_exactly(tyiyn):
    text = f"{tyiyn // 100}.{tyiyn % 100:02d}"
    amount, error = v.parse_amount(text)
    assert error is None and amount == Decimal(tyiyn).scaleb(-2)


@given(st.text(max_size=12))
def test_any_text_gives_an_amount_or_an_error_code(text):
    amount, error = v.parse_amount(text)
    assert (amount is None) != (error is None)
    assert error is None or error in v.ERRORS
    assert amount is None or Decimal("0") < amount <= v.AMOUNT_MAX
