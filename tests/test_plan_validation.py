"""Measure checks (plans/validation.py): timeline, cost and secured funding in som, indicators, text limits,
map point."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpplan.plans import validation as v


def good(**changes) -> dict:
    raw = {"title": "Мал каттоо", "description": "", "start": "2027-01", "end": "2027-Q2", "cost": "150000.50",
           "status": "planned", "indicators": [{"name": "Катталган мал", "unit": "баш", "baseline": "0",
                                                "target": "5000", "source": "Айыл өкмөтү"}]}
    raw.update(changes)
    return raw


def test_a_good_measure_passes_with_clean_values():
    check = v.check_measure(good())
    assert check.ok, check.errors
    assert check.values["start"] == v.Month(2027, 1) and check.values["end"] == v.Month(2027, 6)
    assert check.values["cost"] == Decimal("150000.50")
    assert check.values["indicators"][0].unit == "баш"


@pytest.mark.parametrize("changes, field, code", [
    ({"start": "2027-05", "end": "2027-04"}, "end", "end_before_start"),
    ({"start": "2027-Q3", "end": "2027-Q2"}, "end", "end_before_start"),
    ({"start": "2027-13"}, "start", "bad_period"),
    ({"end": "next year"}, "end", "bad_period"),
    ({"start": ""}, "start", "required"),
    ({"cost": "-1"}, "cost", "negative"),
    ({"cost": "10.005"}, "cost", "too_many_decimals"),
    ({"cost": "1e5"}, "cost", "not_a_number"),
    ({"cost": "ten"}, "cost", "not_a_number"),
    ({"cost": "9999999999999"}, "cost", "too_large"),
    ({"title": ""}, "title", "required"),
    ({"title": "x" * 201}, "title", "too_long"),
    ({"description": "x" * 2001}, "description", "too_long"),
    ({"status": "finished"}, "status", "bad_status"),
    ({"indicators": [{"name": "Cases", "unit": "", "target": "10"}]}, "indicators-0-unit", "unit_required"),
    ({"indicators": [{"name": "Cases", "unit": "cases", "target": ""}]}, "indicators-0-target", "target_required"),
    ({"indicators": [{"name": "", "unit": "cases", "target": "5"}]}, "indicators-0-name", "name_required"),
    ({"indicators": [{"name": "x" * 201, "unit": "u", "target": "5"}]}, "indicators-0-name", "too_long"),
    ({"lat": "55.75", "lon": "37.61"}, "lat", "bad_point"),  # Moscow is not in Kyrgyzstan
    ({"lat": "55.75", "lon": "37.61"}, "lon", "bad_point"),
    ({"lat": "42.3", "lon": "81.2"}, "lon", "bad_point"),  # in China, east of the border
    ({"lat": "42.3", "lon": ""}, "lon", "point_incomplete"),
    ({"lat": " ", "lon": "78.4"}, "lat", "point_incomplete"),
    ({"lat": "NaN", "lon": "78.4"}, "lat", "bad_coordinate"),
    ({"lat": "42.3", "lon": "7.8e1"}, "lon", "bad_coordinate"),
    ({"lat": "42°30'", "lon": "78.4"}, "lat", "bad_coordinate"),
    ({"funded": "-5"}, "funded", "negative"),
    ({"funded": "10.005"}, "funded", "too_many_decimals"),
    ({"funded": "half"}, "funded", "not_a_number"),
    ({"funded": "150000.51"}, "funded", "funded_over_cost"),  # one tyiyn more than the cost
    ({"cost": "", "funded": "5000"}, "funded", "funded_without_cost"),
    ({"cost": "", "funded": "0"}, "funded", "funded_without_cost"),
])
def test_bad_input_gets_an_error_code_on_its_field(changes, field, code):
    check = v.check_measure(good(**changes))
    assert not check.ok
    assert check.errors[field] == code, check.errors


def test_a_point_is_both_coordinates_rounded_to_six_decimals():
    check = v.check_measure(good(lat=" 42,49312345 ", lon="78.3955"))
    assert check.ok, check.errors
    assert check.values["point"] == (Decimal("42.493123"), Decimal("78.395500"))
    assert v.check_measure(good(lat="", lon="")).values["point"] is None
    assert v.check_measure(good(lat="42.3")).values["point"] is None  # one alone is an error, never half a point


def test_a_point_on_the_border_box_passes_and_just_outside_fails():
    assert v.check_measure(good(lat=str(v.LAT_RANGE[0]), lon=str(v.LON_RANGE[1]))).ok
    assert v.check_measure(good(lat="43.5000001", lon="75")).errors == {"lat": "bad_point"}


def test_secured_funding_up_to_the_cost_is_kept_exactly():
    check = v.check_measure(good(cost="150000.50", funded="150000.50"))
    assert check.ok and check.values["funded"] == Decimal("150000.50")
    check = v.check_measure(good(funded="12 345,67"))
    assert check.ok and check.values["funded"] == Decimal("12345.67")
    check = v.check_measure(good(funded=""))
    assert check.ok and check.values["funded"] is None


def test_a_bad_cost_is_reported_once_not_again_on_the_funding():
    check = v.check_measure(good(cost="ten", funded="5000"))
    assert check.errors == {"cost": "not_a_number"}


def test_every_error_code_is_declared():
    raw = good(title="", start="2027-13", end="", cost="-1", funded="x", lat="1", lon="", status="?",
               indicators=[{"name": "", "unit": "", "target": "", "source": "x" * 201}])
    assert set(v.check_measure(raw).errors.values()) <= set(v.ERRORS)


def test_an_empty_indicator_row_and_an_empty_cost_are_fine():
    check = v.check_measure(good(cost="", indicators=[{"name": "", "unit": "", "target": ""}]))
    assert check.ok and check.values["cost"] is None and check.values["indicators"] == []


def test_cost_accepts_the_ways_people_type_it():
    assert v.parse_cost("150 000") == (Decimal("150000"), None)
    assert v.parse_cost("150\u00a0000,5") == (Decimal("150000.5"), None)
    assert v.parse_cost("0") == (Decimal("0"), None)


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False, allow_infinity=False))
def test_any_two_decimal_amount_round_trips_exactly(amount):
    assert v.parse_cost(str(amount)) == (amount, None)


@given(st.integers(2000, 2100), st.integers(1, 4))
def test_a_quarter_spans_its_three_months(year, quarter):
    start, end = v.parse_period(f"{year}-Q{quarter}"), v.parse_period(f"{year}-Q{quarter}", end=True)
    assert (end.month - start.month, start.year, end.year) == (2, year, year)
