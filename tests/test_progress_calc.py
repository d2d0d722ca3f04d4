"""The progress arithmetic and checks (pure): numbers typed as text, the share of the way, the chart, bad input."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cpplan.budget import progress_calc as calc
from cpplan.budget.progress_calc import Reading

TODAY = date(2026, 11, 28)
numbers = st.decimals(min_value=D("-1000000"), max_value=D("1000000"), places=4, allow_nan=False,
                      allow_infinity=False)
days = st.dates(min_value=date(2026, 1, 1), max_value=TODAY)
readings = st.lists(st.builds(Reading, days, numbers, st.integers(0, 1000)), max_size=12)


# --- numbers typed as text --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("12", D("12")), (" 12,5 ", D("12.5")), ("-3.25", D("-3.25")), ("+7", D("7")), ("1 200", D("1200")),
    ("1\u00a0200,75", D("1200.75")), ("0", D("0")),
])
def test_plain_numbers_are_read_exactly(text, expected):
    assert calc.parse_number(text) == expected


@pytest.mark.parametrize("text", ["", None, "fewer than before", "12 %", "1e3", "NaN", "Infinity", "12.", ",5",
                                  "1.200,5", "12 3", "--1", "0x10"])
def test_anything_else_is_no_number(text):
    assert calc.parse_number(text) is None


@given(numbers)
def test_a_number_printed_either_way_reads_back(value):
    assert calc.parse_number(str(value)) == value
    assert calc.parse_number(str(value).replace(".", ",")) == value


# --- the share of the way from the baseline to the target ---------------------------------------------------------

def test_share_of_way_up_and_down():
    assert calc.share_of_way(D(40), D(60), D(50)) == D("0.5")
    assert calc.share_of_way(D(40), D(20), D(30)) == D("0.5")  # fewer thefts: going down is progress
    assert calc.share_of_way(D(40), D(60), D(30)) == 0          # worse than the baseline
    assert calc.share_of_way(D(40), D(60), D(75)) == 1          # beyond the target
    assert calc.share_of_way(D(40), D(40), D(50)) is None       # no way to go
    assert calc.share_of_way(None, D(60), D(50)) is None
    assert calc.share_of_way(D(40), D(60), None) is None


@given(numbers, numbers, numbers)
def test_share_is_between_0_and_1(baseline, target, value):
    share = calc.share_of_way(baseline, target, value)
    if baseline == target:
        assert share is None
    else:
        assert 0 <= share <= 1


@given(numbers, numbers)
def test_share_is_0_at_the_baseline_and_1_at_the_target(baseline, target):
    assume(baseline != target)
    assert calc.share_of_way(baseline, target, baseline) == 0
    assert calc.share_of_way(baseline, target, target) == 1


@given(numbers, numbers, numbers, numbers)
def test_moving_towards_the_target_never_lowers_the_share(baseline, target, a, b):
    assume(baseline != target)
    nearer, farther = (max(a, b), min(a, b)) if target > baseline else (min(a, b), max(a, b))
    assert calc.share_of_way(baseline, target, nearer) >= calc.share_of_way(baseline, target, farther)


def test_indicator_progress_from_free_text():
    values = [Reading(date(2026, 3, 1), D(45), 1), Reading(date(2026, 9, 1), D(52), 2),
              Reading(date(2026, 6, 1), D(70), 3)]
    result = calc.indicator_progress("40", "60", values)
    assert result.latest == values[1]  # the newest measurement, not the newest entry
    assert result.change == D(12)
    assert result.share == D("0.6")
    words = calc.indicator_progress("about a third", "60", values)
    assert words.baseline is None and words.change is None and words.share is None
    assert words.latest.value == D(52)
    nothing = calc.indicator_progress("40", "60", [])
    assert nothing.latest is None and nothing.change is None and nothing.share is None


def test_later_entry_wins_on_the_same_day():
    same_day = [Reading(date(2026, 5, 1), D(1), 7), Reading(date(2026, 5, 1), D(2), 9)]
    assert calc.latest(same_day).value == D(2)
    assert [r.order for r in calc.newest_first(same_day)] == [9, 7]


@given(readings)
def test_newest_first_is_ordered_and_keeps_every_reading(values):
    ordered = calc.newest_first(values)
    assert sorted(ordered, key=id) == sorted(values, key=id)
    assert all((a.measured_on, a.order) >= (b.measured_on, b.order) for a, b in zip(ordered, ordered[1:]))
    assert calc.latest(values) == (ordered[0] if ordered else None)


def test_measure_summary():
    going = calc.indicator_progress("40", "60", [Reading(date(2026, 5, 1), D(45))])
    summary = calc.measure_summary("in_progress", 40, [("Feeling safe", going),
                                                       ("Meetings", calc.indicator_progress("", "12", []))])
    assert summary.status == "in_progress" and summary.percent_complete == 40
    assert summary.complete == D("0.4")
    assert summary.indicators == (("Feeling safe", D("0.25")), ("Meetings", None))
    assert calc.measure_summary("planned", None, []).complete is None


# --- the chart ----------------------------------------------------------------------------------------------------

@given(readings, st.one_of(st.none(), numbers), st.one_of(st.none(), numbers))
def test_chart_points_stay_in_the_box_in_date_order(values, baseline, target):
    drawn = calc.chart(values, baseline, target)
    if not values:
        assert drawn is None
        return
    assert len(drawn.points) == len(values)
    for p in drawn.points:
        assert 0 <= p.x <= drawn.width and 0 <= p.y <= drawn.height
    assert [p.reading for p in drawn.points] == calc.newest_first(values)[::-1]
    assert all(a.x <= b.x for a, b in zip(drawn.points, drawn.points[1:]))
    for a in drawn.points:
        for b in drawn.points:
            if a.reading.value > b.reading.value:
                assert a.y <= b.y  # higher values are drawn higher up
    for level, y in ((baseline, drawn.baseline_y), (target, drawn.target_y)):
        assert (y is None) == (level is None)


def test_chart_of_one_value_sits_in_the_middle():
    drawn = calc.chart([Reading(date(2026, 5, 1), D(7))], width=300, height=120)
    assert (drawn.points[0].x, drawn.points[0].y) == (D(150), D(60))
    assert drawn.polyline == "150.0,60.0"


# --- checks of what is entered -----------------------------------------------------------------------------------

def value_errors(**raw) -> dict[str, str]:
    return calc.check_value({"measured_on": "2026-05-01", "value": "12", "note": "", **raw}, first_year=2026,
                            today=TODAY).errors


def test_a_good_value_is_clean():
    check = calc.check_value({"measured_on": "2026-05-01", "value": " 12,5 ", "note": " by the inspector "},
                             first_year=2026, today=TODAY)
    assert check.ok
    assert check.values == {"measured_on": date(2026, 5, 1), "value": D("12.5"), "note": "by the inspector"}


@pytest.mark.parametrize("raw, field, code", [
    ({"value": ""}, "value", "required"),
    ({"value": "twelve"}, "value", "not_a_number"),
    ({"value": "12 %"}, "value", "not_a_number"),
    ({"value": "1e3"}, "value", "not_a_number"),
    ({"value": "1.23456"}, "value", "too_many_decimals"),
    ({"value": "10000000000"}, "value", "too_large"),
    ({"value": "-10000000000"}, "value", "too_large"),
    ({"measured_on": ""}, "measured_on", "required"),
    ({"measured_on": "01.05.2026"}, "measured_on", "bad_date"),
    ({"measured_on": "2026-02-30"}, "measured_on", "bad_date"),
    ({"measured_on": (TODAY + timedelta(days=1)).isoformat()}, "measured_on", "future"),
    ({"measured_on": "2025-12-31"}, "measured_on", "before_plan"),
    ({"note": "x" * 301}, "note", "too_long"),
])
def test_bad_values_are_named(raw, field, code):
    assert value_errors(**raw) == {field: code}


def test_value_limits_are_accepted():
    assert value_errors(value="9999999999.9999", measured_on=TODAY.isoformat(), note="x" * 300) == {}
    assert value_errors(value="-0,0001", measured_on="2026-01-01") == {}


@pytest.mark.parametrize("status, percent, errors", [
    ("in_progress", "40", {}),
    ("done", "100", {}),
    ("planned", "0", {}),
    ("finished", "40", {"status": "bad_status"}),
    ("done", "", {"percent_complete": "required"}),
    ("done", "40.5", {"percent_complete": "not_integer"}),
    ("done", "forty", {"percent_complete": "not_integer"}),
    ("done", "101", {"percent_complete": "out_of_range"}),
    ("done", "-1", {"percent_complete": "out_of_range"}),
    ("in_progress", "0" * 20 + "40", {}),
    # int() refuses 4,300 digits or more: this raised ValueError (a 500).
    pytest.param("done", "9" * 5000, {"percent_complete": "out_of_range"}, id="done-5000-digits"),
    pytest.param("done", "-" + "9" * 5000, {"percent_complete": "out_of_range"}, id="done-minus-5000-digits"),
])
def test_status_checks(status, percent, errors):
    check = calc.check_status({"status": status, "percent_complete": percent})
    assert check.errors == errors
    if not errors:
        assert check.values == {"status": status, "percent_complete": int(percent)}


@given(st.text(max_size=12))
def test_checks_never_raise(text):
    calc.check_value({"measured_on": text, "value": text, "note": text}, first_year=2026, today=TODAY)
    calc.check_status({"status": text, "percent_complete": text})
    calc.parse_number(text)


@pytest.mark.parametrize("unit, source, expected", [
    ("%", "Safety survey", True),
    ("% (женщины и мужчины отдельно)", "Опрос о безопасности", True),
    ("%", "Коопсуздук боюнча сурамжылоо", True),
    ("%", "Police records", False),
    ("cases per year", "Safety survey", False),
])
def test_survey_shares_are_recognised(unit, source, expected):
    assert calc.is_survey_share(unit, source) is expected
