"""The pure answer validation of surveys (cpplan/surveys/validation.py): no Flask, no database."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cpplan.surveys.validation import ERRORS, TEXT_MAX, QuestionSpec, Result, fingerprint, is_shown, rows, validate

AREAS = ("11", "12", "13")
ISSUES = ("livestock_theft", "fraud", "road_safety")

# One question of every kind, a consent question first and two show-if questions.
SPECS = [
    QuestionSpec("consent", "single", ("yes", "no")),
    QuestionSpec("gender", "single", ("female", "male")),
    QuestionSpec("pregnant_help", "single", ("yes", "no"), show_if_code="gender", show_if_option="female"),
    QuestionSpec("happened", "multiple", ("theft", "fraud", "assault", "none")),
    QuestionSpec("reported", "single", ("yes", "no"), show_if_code="happened", show_if_option="theft"),
    QuestionSpec("safe_day", "scale"),
    QuestionSpec("children", "number", min_value=0, max_value=20),
    QuestionSpec("safer", "text"),
    QuestionSpec("area", "area"),
    QuestionSpec("point", "location"),
    QuestionSpec("issues", "issue_rating"),
]
NO_CONSENT = [s for s in SPECS if s.code != "consent"]
KINDS = {s.code: s.kind for s in SPECS}


def check(answers, specs=SPECS) -> Result:
    return validate(specs, answers, AREAS, ISSUES)


def errors(answers, specs=SPECS) -> list[tuple[str, str]]:
    return check(answers, specs).errors


def one(code: str, value, specs=NO_CONSENT) -> Result:
    """Validate a single answer against the questionnaire without a consent question."""
    return check({code: value}, specs)


FULL = {
    "consent": "yes", "gender": "female", "pregnant_help": "no", "happened": ["fraud", "theft"],
    "reported": "yes", "safe_day": 4, "children": 2, "safer": "  More street lights  ", "area": "12",
    "point": {"lat": 42.123456789, "lon": 78.0}, "issues": {"road_safety": 2, "fraud": 5},
}
FULL_CLEAN = {
    "consent": "yes", "gender": "female", "pregnant_help": "no", "happened": ["theft", "fraud"],
    "reported": "yes", "safe_day": 4, "children": 2, "safer": "More street lights", "area": "12",
    "point": {"lat": 42.12346, "lon": 78.0}, "issues": {"fraud": 5, "road_safety": 2},
}


# --- every kind ---------------------------------------------------------------------------------

def test_a_full_valid_questionnaire_gives_the_clean_answers():
    result = check(FULL)
    assert result.ok, result.errors
    assert result.answers == FULL_CLEAN


def test_clean_answers_keep_the_questionnaire_order():
    assert list(check(dict(reversed(list(FULL.items())))).answers) == [s.code for s in SPECS]


@pytest.mark.parametrize("value, expected", [
    ("female", None), ("male", None), ("other", "not_an_option"), ("Female", "not_an_option"),
    (1, "wrong_type"), (True, "wrong_type"), (["female"], "wrong_type"), ({"female": 1}, "wrong_type"),
])
def test_single_choice(value, expected):
    result = one("gender", value)
    assert result.errors == ([] if expected is None else [("gender", expected)])
    assert result.answers == ({"gender": value} if expected is None else {})


@pytest.mark.parametrize("value, expected", [
    (["theft"], ["theft"]),
    (["none"], ["none"]),
    (["assault", "theft", "assault"], ["theft", "assault"]),   # de-duplicated, in the order offered
    (["fraud", "theft", "assault", "none"], ["theft", "fraud", "assault", "none"]),
])
def test_multiple_choice_is_deduplicated_and_in_option_order(value, expected):
    result = one("happened", value)
    assert result.ok
    assert result.answers == {"happened": expected}


@pytest.mark.parametrize("value, expected", [
    (["theft", "burglary"], "not_an_option"), (["THEFT"], "not_an_option"),
    ("theft", "wrong_type"), (["theft", 1], "wrong_type"), ([None], "wrong_type"), ([["theft"]], "wrong_type"),
    ({"theft": True}, "wrong_type"), (3, "wrong_type"), (True, "wrong_type"),
])
def test_multiple_choice_errors(value, expected):
    assert one("happened", value).errors == [("happened", expected)]


@pytest.mark.parametrize("value, expected", [
    (1, None), (3, None), (5, None), (0, "out_of_range"), (6, "out_of_range"), (-1, "out_of_range"),
    (10**30, "out_of_range"), (3.0, "wrong_type"), (2.5, "wrong_type"), (True, "wrong_type"),
    (False, "wrong_type"), ("3", "wrong_type"), ([3], "wrong_type"), (float("nan"), "wrong_type"),
])
def test_scale_is_an_integer_from_1_to_5(value, expected):
    result = one("safe_day", value)
    assert result.errors == ([] if expected is None else [("safe_day", expected)])
    if expected is None:
        assert result.answers == {"safe_day": value}
        assert type(result.answers["safe_day"]) is int


@pytest.mark.parametrize("value, expected", [
    (0, None), (20, None), (7, None), (-1, "out_of_range"), (21, "out_of_range"),
    (7.0, "wrong_type"), (True, "wrong_type"), ("7", "wrong_type"), (float("inf"), "wrong_type"),
])
def test_number_within_the_question_range(value, expected):
    assert one("children", value).errors == ([] if expected is None else [("children", expected)])


def test_number_without_bounds_takes_any_integer_that_can_be_stored():
    specs = [QuestionSpec("n", "number")]
    assert validate(specs, {"n": -5}).answers == {"n": -5}
    assert validate(specs, {"n": 999_999}).answers == {"n": 999_999}
    assert validate(specs, {"n": -999_999}).answers == {"n": -999_999}
    assert validate(specs, {"n": 1_000_000}).errors == [("n", "out_of_range")]
    # The answer column is NUMERIC(12, 6): a larger number would be refused by PostgreSQL at commit.
    assert validate(specs, {"n": 10**12}).errors == [("n", "out_of_range")]
    assert validate(specs, {"n": -(10**12)}).errors == [("n", "out_of_range")]


def test_number_with_one_bound():
    specs = [QuestionSpec("n", "number", min_value=18)]
    assert validate(specs, {"n": 17}).errors == [("n", "out_of_range")]
    assert validate(specs, {"n": 99}).ok
    specs = [QuestionSpec("n", "number", max_value=3)]
    assert validate(specs, {"n": -2}).ok
    assert validate(specs, {"n": 4}).errors == [("n", "out_of_range")]


def test_text_is_stripped_and_limited():
    assert one("safer", "  lights \n").answers == {"safer": "lights"}
    assert one("safer", "я" * TEXT_MAX).answers == {"safer": "я" * TEXT_MAX}
    assert one("safer", " " + "x" * TEXT_MAX + "  ").ok          # the limit counts after stripping
    assert one("safer", "x" * (TEXT_MAX + 1)).errors == [("safer", "too_long")]


def test_text_of_blanks_only_is_a_skip():
    result = one("safer", "   \t\n ")
    assert result.ok
    assert result.answers == {}


@pytest.mark.parametrize("value", [5, 1.5, True, ["lights"], {"text": "lights"}])
def test_text_wrong_type(value):
    assert one("safer", value).errors == [("safer", "wrong_type")]


@pytest.mark.parametrize("value", ["lights\x00", "a\ud800b", "\udfff"])
def test_text_that_cannot_be_stored_is_refused(value):
    """NUL cannot go into a PostgreSQL text column; a lone surrogate cannot be encoded at all."""
    assert one("safer", value).errors == [("safer", "wrong_type")]


@pytest.mark.parametrize("value, expected", [
    ("11", None), ("13", None), ("14", "not_an_option"), ("Centre", "not_an_option"),
    (11, "wrong_type"), (["11"], "wrong_type"), (True, "wrong_type"),
])
def test_area_is_one_of_the_municipality_areas(value, expected):
    assert one("area", value).errors == ([] if expected is None else [("area", expected)])


def test_area_with_no_areas_offered():
    assert validate([QuestionSpec("area", "area")], {"area": "1"}).errors == [("area", "not_an_option")]


@pytest.mark.parametrize("value, clean", [
    ({"lat": 42.5, "lon": 78.25}, {"lat": 42.5, "lon": 78.25}),
    ({"lat": 42, "lon": 78}, {"lat": 42.0, "lon": 78.0}),                         # ints are fine here
    ({"lon": 74.6123456, "lat": 42.8765432}, {"lat": 42.87654, "lon": 74.61235}),  # coarsened to ~1 m
    ({"lat": 39.0, "lon": 69.0}, {"lat": 39.0, "lon": 69.0}),                      # the corners are inside
    ({"lat": 43.5, "lon": 81.0}, {"lat": 43.5, "lon": 81.0}),
])
def test_location(value, clean):
    result = one("point", value)
    assert result.ok, result.errors
    assert result.answers == {"point": clean}


@pytest.mark.parametrize("value, expected", [
    ({"lat": 55.75, "lon": 37.62}, "out_of_range"),          # Moscow
    ({"lat": 42.5, "lon": 81.01}, "out_of_range"),
    ({"lat": -42.5, "lon": 78.0}, "out_of_range"),
    ({"lat": 10**400, "lon": 78}, "out_of_range"),           # too large for a float: no OverflowError
    ({"lat": 42.5, "lon": -(10**400)}, "out_of_range"),
    ({"lat": 42.5}, "wrong_type"),
    ({"lat": 42.5, "lon": 78.0, "alt": 1200}, "wrong_type"),
    ({"lat": "42.5", "lon": "78.0"}, "wrong_type"),
    ({"lat": True, "lon": 78.0}, "wrong_type"),
    ({"lat": float("nan"), "lon": 78.0}, "wrong_type"),
    ({"lat": float("inf"), "lon": 78.0}, "wrong_type"),
    ({"lat": None, "lon": 78.0}, "wrong_type"),
    ([42.5, 78.0], "wrong_type"),
    ("42.5,78.0", "wrong_type"),
])
def test_location_errors(value, expected):
    assert one("point", value).errors == [("point", expected)]


def test_issue_rating():
    result = one("issues", {"road_safety": 1, "livestock_theft": 5})
    assert result.ok
    assert result.answers == {"issues": {"livestock_theft": 5, "road_safety": 1}}   # sorted by issue


@pytest.mark.parametrize("value, expected", [
    ({"school_racketeering": 3}, "not_an_option"),
    ({"fraud": 3, "unknown": 2}, "not_an_option"),
    ({"fraud": 0}, "out_of_range"), ({"fraud": 6}, "out_of_range"),
    ({"fraud": 3.0}, "wrong_type"), ({"fraud": True}, "wrong_type"), ({"fraud": "3"}, "wrong_type"),
    ({"fraud": None}, "wrong_type"), ({"fraud": [3]}, "wrong_type"),
    ([3, 4], "wrong_type"), ("fraud", "wrong_type"), (3, "wrong_type"),
])
def test_issue_rating_errors(value, expected):
    assert one("issues", value).errors == [("issues", expected)]


def test_every_kind_is_covered_here():
    assert {s.kind for s in SPECS} == {"single", "multiple", "scale", "number", "text", "area", "location",
                                       "issue_rating"}


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        validate([QuestionSpec("q", "slider")], {"q": 3})


# --- skipping, unknown codes, the answers object --------------------------------------------

@pytest.mark.parametrize("skip", [None, "", [], {}])
def test_every_question_can_be_skipped(skip):
    answers = {spec.code: skip for spec in NO_CONSENT}
    result = check({**answers, "consent": "yes"})
    assert result.ok, result.errors
    assert result.answers == {"consent": "yes"}


def test_a_missing_answer_is_a_skip():
    assert check({"consent": "yes"}).answers == {"consent": "yes"}
    assert validate(NO_CONSENT, {}).ok


def test_zero_and_false_are_not_skips():
    assert one("children", 0).answers == {"children": 0}
    assert one("safe_day", 0).errors == [("safe_day", "out_of_range")]
    assert one("gender", False).errors == [("gender", "wrong_type")]


def test_unknown_codes_are_reported_each():
    result = check({"consent": "yes", "favourite_colour": "blue", "nickname": "Aibek", "7": 1})
    assert sorted(result.errors) == sorted([("favourite_colour", "unknown_question"),
                                            ("nickname", "unknown_question"), ("7", "unknown_question")])


def test_an_unknown_code_is_an_error_even_when_skipped():
    assert check({"consent": "yes", "nickname": None}).errors == [("nickname", "unknown_question")]


def test_several_errors_are_all_listed():
    result = check({"consent": "yes", "gender": "x", "safe_day": 9, "safer": 3, "area": "99"})
    assert sorted(result.errors) == sorted([("gender", "not_an_option"), ("safe_day", "out_of_range"),
                                            ("safer", "wrong_type"), ("area", "not_an_option")])
    assert not result.ok


@pytest.mark.parametrize("answers", [None, [], ["consent", "yes"], "consent=yes", 42, True, 1.5])
def test_answers_must_be_an_object(answers):
    result = check(answers)
    assert result.errors == [("answers", "wrong_type")]
    assert result.answers == {}


def test_every_error_code_is_one_of_the_known_ones():
    result = check({"consent": "no", "x": 1, "gender": "x", "safe_day": 9, "safer": "y" * 999, "children": 2.5,
                    "reported": "yes"})
    assert {code for _field, code in result.errors} <= set(ERRORS)
    assert {code for _field, code in result.errors} == {
        "no_consent", "unknown_question", "not_an_option", "out_of_range", "too_long", "wrong_type", "not_asked"}


# --- show-if ------------------------------------------------------------------------------------

def test_show_if_single_choice_met():
    result = check({"consent": "yes", "gender": "female", "pregnant_help": "yes"})
    assert result.ok
    assert result.answers["pregnant_help"] == "yes"


@pytest.mark.parametrize("gender", ["male", None, ""])
def test_show_if_single_choice_not_met_is_not_asked(gender):
    result = check({"consent": "yes", "gender": gender, "pregnant_help": "yes"})
    assert result.errors == [("pregnant_help", "not_asked")]


def test_show_if_not_met_but_skipped_is_fine():
    assert check({"consent": "yes", "gender": "male", "pregnant_help": None}).ok


def test_show_if_on_an_invalid_earlier_answer_is_not_asked():
    result = check({"consent": "yes", "gender": "robot", "pregnant_help": "yes"})
    assert sorted(result.errors) == [("gender", "not_an_option"), ("pregnant_help", "not_asked")]


@pytest.mark.parametrize("happened", [["theft"], ["fraud", "theft"], ["theft", "assault", "fraud"]])
def test_show_if_on_multiple_choice_is_met_when_the_answer_includes_the_option(happened):
    result = check({"consent": "yes", "happened": happened, "reported": "no"})
    assert result.ok, result.errors
    assert result.answers["reported"] == "no"


@pytest.mark.parametrize("happened", [["fraud"], ["none"], [], None])
def test_show_if_on_multiple_choice_not_met(happened):
    assert check({"consent": "yes", "happened": happened, "reported": "no"}).errors == [("reported", "not_asked")]


def test_is_shown():
    spec = QuestionSpec("q", "single", ("a",), show_if_code="p", show_if_option="x")
    assert is_shown(QuestionSpec("q", "text"), {})
    assert is_shown(spec, {"p": "x"})
    assert is_shown(spec, {"p": ["y", "x"]})
    assert not is_shown(spec, {"p": "y"})
    assert not is_shown(spec, {"p": ["y"]})
    assert not is_shown(spec, {"p": "xx"})      # a string is not a list of options
    assert not is_shown(spec, {})


def test_show_if_sees_only_earlier_answers():
    """A condition on a later question is never met: the later answer is not known yet."""
    specs = [QuestionSpec("q", "single", ("a",), show_if_code="p", show_if_option="x"),
             QuestionSpec("p", "single", ("x",))]
    assert validate(specs, {"p": "x", "q": "a"}).errors == [("q", "not_asked")]


# --- consent ----------------------------------------------------------------------------------

@pytest.mark.parametrize("consent, error", [
    ("yes", None), ("no", "no_consent"), (None, "no_consent"), ("", "no_consent"),
])
def test_consent_is_required_when_the_questionnaire_asks_for_it(consent, error):
    result = check({"consent": consent, "gender": "male"})
    assert result.errors == ([] if error is None else [("consent", error)])


def test_no_consent_even_with_no_other_answer():
    assert check({}).errors == [("consent", "no_consent")]


def test_consent_with_a_wrong_value():
    assert sorted(check({"consent": "maybe"}).errors) == [("consent", "no_consent"), ("consent", "not_an_option")]
    assert sorted(check({"consent": True}).errors) == [("consent", "no_consent"), ("consent", "wrong_type")]


def test_no_consent_question_no_consent_needed():
    assert validate(NO_CONSENT, {"gender": "male"}).ok


# --- fingerprint and rows ------------------------------------------------------------------------

def test_fingerprint_is_independent_of_key_order():
    shuffled = {k: FULL_CLEAN[k] for k in sorted(FULL_CLEAN, reverse=True)}
    shuffled["issues"] = dict(reversed(list(FULL_CLEAN["issues"].items())))
    shuffled["point"] = {"lon": 78.0, "lat": 42.12346}
    assert list(shuffled) != list(FULL_CLEAN)
    assert fingerprint(shuffled) == fingerprint(FULL_CLEAN)


def test_fingerprint_of_resent_raw_answers_in_another_order():
    raw = dict(reversed(list(FULL.items())))
    raw["happened"] = ["theft", "fraud", "theft"]
    assert fingerprint(check(raw).answers) == fingerprint(check(FULL).answers)


def test_fingerprint_is_a_sha256_hex_digest_and_differs_for_different_answers():
    one_ = fingerprint({"consent": "yes"})
    assert len(one_) == 64 and int(one_, 16) >= 0
    assert fingerprint({"consent": "yes", "safe_day": 4}) != fingerprint({"consent": "yes", "safe_day": 5})
    assert fingerprint({"safer": "Кыргызча"}) == fingerprint({"safer": "Кыргызча"})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})


def test_rows_give_one_row_per_countable_value():
    got = rows(FULL_CLEAN, KINDS)
    assert sorted(got, key=repr) == sorted([
        ("consent", "yes", None, None),
        ("gender", "female", None, None),
        ("pregnant_help", "no", None, None),
        ("happened", "theft", None, None),
        ("happened", "fraud", None, None),
        ("reported", "yes", None, None),
        ("safe_day", None, Decimal(4), None),
        ("children", None, Decimal(2), None),
        ("safer", None, None, "More street lights"),
        ("area", "12", None, None),
        ("point", "lat", Decimal("42.12346"), None),
        ("point", "lon", Decimal("78.0"), None),
        ("issues", "fraud", Decimal(5), None),
        ("issues", "road_safety", Decimal(2), None),
    ], key=repr)
    for _code, _item, number, _text in got:
        assert number is None or isinstance(number, Decimal)


def test_rows_of_no_answers():
    assert rows({}, KINDS) == []


# --- properties --------------------------------------------------------------------------------

# Text with everything a JSON string can carry, lone surrogates and NUL included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(["", " ", "\x00", "\ud800"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=12,
)
CODES = [s.code for s in SPECS]
OPTIONS = sorted({o for s in SPECS for o in s.options})
# Values that fit some question, so the clean path is reached often, not only the error paths.
PLAUSIBLE = st.one_of(
    st.sampled_from(OPTIONS + list(AREAS) + ["yes"] * 5),
    st.lists(st.sampled_from(OPTIONS), max_size=4),
    st.integers(min_value=-1, max_value=22),
    st.fixed_dictionaries({"lat": st.floats(38.5, 44), "lon": st.floats(68.5, 81.5)}),
    st.fixed_dictionaries({"lat": st.integers(38, 44), "lon": st.integers(68, 82)}),
    st.dictionaries(st.sampled_from(ISSUES), st.integers(0, 6), max_size=3),
    st.text(max_size=20),
)
ANSWERS = st.dictionaries(st.sampled_from(CODES) | ANY_TEXT, PLAUSIBLE | JSON, max_size=len(CODES))
LIKELY_VALID = st.fixed_dictionaries({"consent": st.just("yes")}, optional={
    "gender": st.sampled_from(["female", "male", None]),
    "pregnant_help": st.sampled_from(["yes", "no", ""]),
    "happened": st.lists(st.sampled_from(["theft", "fraud", "assault", "none"]), max_size=5),
    "reported": st.sampled_from(["yes", "no", None]),
    "safe_day": st.integers(1, 5),
    "children": st.integers(0, 20),
    "safer": st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40),
    "area": st.sampled_from(AREAS),
    "point": st.fixed_dictionaries({"lat": st.floats(39, 43.5), "lon": st.floats(69, 81)}),
    "issues": st.dictionaries(st.sampled_from(ISSUES), st.integers(1, 5), max_size=3),
})

# Numbers and strings at the edges: too large for a float, not a number, NUL, lone surrogates.
ODD_NUMBER = st.sampled_from([10**400, -(10**400), 2**64, 10**12, 1e308, -0.0, float("nan"), float("inf"), 42, 78])
ODD_STRING = st.sampled_from(["\x00", "\ud800", "a\udfffb", " \x00 ", "\t", "yes\x00"])
ODD = st.one_of(
    ODD_NUMBER, ODD_STRING,
    st.fixed_dictionaries({"lat": ODD_NUMBER | st.floats(), "lon": ODD_NUMBER | st.floats()}),
    st.dictionaries(st.sampled_from(ISSUES), ODD_NUMBER, max_size=2),
    st.lists(st.sampled_from(OPTIONS) | ODD_STRING, max_size=3),
    JSON, PLAUSIBLE,
)


def assert_storable(result: Result) -> None:
    """Clean answers can be fingerprinted, serialised and turned into rows."""
    fingerprint(result.answers)
    json.dumps(result.answers, ensure_ascii=False).encode("utf-8")
    rows(result.answers, KINDS)


@settings(max_examples=100, deadline=None)
@given(answers=ANSWERS | LIKELY_VALID | JSON, specs=st.sampled_from([SPECS, NO_CONSENT]))
def test_validate_never_raises_and_is_idempotent(answers, specs):
    result = validate(specs, answers, AREAS, ISSUES)
    assert isinstance(result, Result)
    assert all(isinstance(f, str) and code in ERRORS for f, code in result.errors)
    if result.errors:
        return
    assert_storable(result)
    again = validate(specs, result.answers, AREAS, ISSUES)
    assert again.errors == []
    assert again.answers == result.answers
    assert fingerprint(again.answers) == fingerprint(result.answers)


@settings(max_examples=60, deadline=None)
@given(answers=LIKELY_VALID)
def test_plausible_answers_are_mostly_accepted_and_stable(answers):
    result = check(answers)
    shown = {"pregnant_help": answers.get("gender") == "female",
             "reported": "theft" in (answers.get("happened") or [])}
    expected_not_asked = sorted(code for code, ok in shown.items() if not ok and answers.get(code) not in (None, ""))
    assert sorted(code for code, error in result.errors) == expected_not_asked
    if result.ok:
        assert_storable(result)
        assert check(result.answers).answers == result.answers


@pytest.mark.parametrize("code", CODES)
@settings(max_examples=40, deadline=None)
@given(value=ODD)
@example(value="\ud800")
@example(value="\x00")
@example(value={"lat": 10**400, "lon": 78})
@example(value={"fraud": 10**400})
@example(value=10**400)
def test_any_value_for_one_question_is_checked_or_cleaned_for_good(code, value):
    """One question at a time gets anything; the others are valid, so every field's checks get their turn."""
    answers = {"consent": "yes", "gender": "female", "happened": ["theft"], code: value}
    result = check(answers)
    assert all(code_ in ERRORS for _f, code_ in result.errors)
    if result.ok:
        assert_storable(result)
        assert check(result.answers).answers == result.answers
