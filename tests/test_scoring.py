"""The scoring matrix, without Flask: components, scores, ranking, weights."""
from __future__ import annotations

import random
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpplan.priorities import scoring
from cpplan.priorities.scoring import COMPONENTS, DEFAULT_WEIGHTS, IssueInput, rank, score, validate_weights

ALL_ONE = {c: 1 for c in COMPONENTS}


@pytest.mark.parametrize("value, expected", [(1, D(0)), (2, D("0.25")), (3, D("0.5")), (5, D(1)), (None, None)])
def test_rating_maps_1_to_5_onto_0_to_1(value, expected):
    assert scoring.rating(value) == expected


@pytest.mark.parametrize("previous, current, change, expected", [
    (10, 10, None, D("0.5")),        # no change
    (10, 15, None, D("0.75")),       # +50 %
    (10, 5, None, D("0.25")),        # -50 %
    (10, 40, None, D(1)),            # +300 % clipped to +100 %
    (0, 0, None, D("0.5")),
    (0, 3, None, D(1)),              # from none to some: the most rising
    (10, 0, None, D(0)),
    (10, 15, D("-0.8"), D("0.75")),  # police figures come first
    (None, 15, D("0.2"), D("0.6")),  # one year missing: the survey's change instead
    (None, None, D("-0.4"), D("0.3")),
    (None, None, D("-3"), D(0)),     # clipped
    (None, None, None, None),
])
def test_trend(previous, current, change, expected):
    assert scoring.trend(previous, current, change) == expected


def test_score_is_the_weighted_mean_of_the_components_with_data():
    values = {"concern": D("0.8"), "prevalence": D("0.2"), "severity": None, "trend": None,
              "capacity": None, "impact": None, "support": D("0.5")}
    value, parts = score(values, DEFAULT_WEIGHTS)
    # (3 * 0.8 + 2 * 0.2 + 3 * 0.5) / 8 = 0.5375
    assert value == D("53.8")
    assert parts["concern"] == D("30.0") and parts["prevalence"] == D("5.0") and parts["support"] == D("18.8")
    assert parts["severity"] is None


def test_missing_component_is_left_out_not_counted_as_zero():
    """An issue whose survey figures are hidden (small numbers) keeps the score its ratings give it."""
    hidden = IssueInput("domestic_violence", 2, concern=None, prevalence=None, severity=5, impact=5)
    shown = IssueInput("road_safety", 3, concern=D("0.2"), prevalence=D("0.1"), severity=5, impact=5)
    ranked = rank([shown, hidden], DEFAULT_WEIGHTS)
    assert [r.code for r in ranked] == ["domestic_violence", "road_safety"]
    assert ranked[0].score == D("100.0")
    assert ranked[0].missing == ("concern", "prevalence", "trend", "capacity", "support")


def test_half_up_rounding():
    # 1/8 = 12.5 % exactly; 3/8 * 100 = 37.5
    value, _parts = score({"concern": D("0.125"), **{c: None for c in COMPONENTS[1:]}}, ALL_ONE)
    assert value == D("12.5")
    value, _parts = score({"concern": D("0.12345"), **{c: None for c in COMPONENTS[1:]}}, ALL_ONE)
    assert value == D("12.3")
    value, _parts = score({"concern": D("0.12350"), **{c: None for c in COMPONENTS[1:]}}, ALL_ONE)
    assert value == D("12.4")


def test_no_data_means_no_score_and_last_place():
    ranked = rank([IssueInput("a", 0), IssueInput("b", 1, concern=D(0))], DEFAULT_WEIGHTS)
    assert [(r.code, r.score) for r in ranked] == [("b", D("0.0")), ("a", None)]
    assert [r.rank for r in ranked] == [1, 2]


def test_zero_weight_component_does_not_count():
    weights = {**DEFAULT_WEIGHTS, "support": 0}
    value, parts = score({"concern": D("0.5"), "support": D(1)}, weights)
    assert value == D("50.0") and parts["support"] is None


def test_ties_are_broken_by_concern_then_position_then_code():
    same = dict(severity=3)
    items = [IssueInput("c", 2, concern=D("0.5"), **same), IssueInput("b", 1, concern=D("0.5"), **same),
             IssueInput("z", 0, concern=D("0.5"), **same), IssueInput("x", 0, concern=D("0.5"), **same)]
    weights = {c: (1 if c == "severity" else 0) for c in COMPONENTS}
    # Concern weighs 0: every score is 50; concern is equal; then catalogue position, then code.
    assert [r.code for r in rank(items, weights)] == ["x", "z", "b", "c"]
    items.append(IssueInput("y", 9, concern=D("0.9"), **same))
    assert rank(items, weights)[0].code == "y"


def test_contributions_add_up_to_the_score():
    item = IssueInput("a", 0, concern=D("0.4"), prevalence=D("0.3"), severity=4, capacity=2, impact=3,
                      police_previous=5, police_current=6, support=D("0.25"))
    ranked = rank([item], DEFAULT_WEIGHTS)[0]
    total = sum(v for v in ranked.contributions.values() if v is not None)
    assert abs(total - ranked.score) <= D("0.1") * len(COMPONENTS)
    assert set(ranked.components) == set(COMPONENTS) and not ranked.missing


@pytest.mark.parametrize("weights, errors", [
    (DEFAULT_WEIGHTS, []),
    ({**DEFAULT_WEIGHTS, "concern": 11}, [("concern", "out_of_range")]),
    ({**DEFAULT_WEIGHTS, "trend": -1}, [("trend", "out_of_range")]),
    ({**DEFAULT_WEIGHTS, "trend": "abc"}, [("trend", "not_integer")]),
    ({**DEFAULT_WEIGHTS, "trend": "2.5"}, [("trend", "not_integer")]),
    ({**DEFAULT_WEIGHTS, "trend": "NaN"}, [("trend", "not_integer")]),
    ({**DEFAULT_WEIGHTS, "trend": True}, [("trend", "not_integer")]),
    ({**DEFAULT_WEIGHTS, "trend": " 4 "}, []),
    ({**DEFAULT_WEIGHTS, "trend": "10"}, []),
    ({**DEFAULT_WEIGHTS, "trend": ""}, [("trend", "required")]),
    ({k: v for k, v in DEFAULT_WEIGHTS.items() if k != "impact"}, [("impact", "required")]),
    ({c: 0 for c in COMPONENTS}, [("concern", "all_zero")]),
    ({c: "0" for c in COMPONENTS}, [("concern", "all_zero")]),
    ({**{c: 0 for c in COMPONENTS}, "support": 1}, []),
])
def test_validate_weights(weights, errors):
    assert validate_weights(weights) == errors


# --- properties ---------------------------------------------------------------------------------

shares = st.none() | st.decimals(min_value=0, max_value=1, places=3)
ratings = st.none() | st.integers(1, 5)
counts = st.none() | st.integers(0, 500)
changes = st.none() | st.decimals(min_value=-1, max_value=1, places=3)
weights_st = st.fixed_dictionaries({c: st.integers(0, 10) for c in COMPONENTS}).filter(lambda w: any(w.values()))


@st.composite
def issue_lists(draw):
    n = draw(st.integers(0, 12))
    codes = draw(st.lists(st.from_regex(r"[a-z]{1,6}", fullmatch=True), min_size=n, max_size=n, unique=True))
    return [IssueInput(code, draw(st.integers(0, 5)), concern=draw(shares), prevalence=draw(shares),
                       severity=draw(ratings), capacity=draw(ratings), impact=draw(ratings),
                       police_previous=draw(counts), police_current=draw(counts), survey_change=draw(changes),
                       support=draw(shares)) for code in codes]


@settings(max_examples=200, deadline=None)
@given(issue_lists(), weights_st)
def test_ranking_is_a_permutation_with_scores_in_range(issues, weights):
    ranked = rank(issues, weights)
    assert sorted(r.code for r in ranked) == sorted(i.code for i in issues)
    assert [r.rank for r in ranked] == list(range(1, len(issues) + 1))
    for r in ranked:
        assert r.score is None or D(0) <= r.score <= D(100)
        assert all(v is None or D(0) <= v <= D(1) for v in r.components.values())
    scores = [r.score for r in ranked if r.score is not None]
    assert scores == sorted(scores, reverse=True)
    assert all(r.score is None for r in ranked[len(scores):])  # unscored last


@settings(max_examples=200, deadline=None)
@given(issue_lists(), weights_st, st.randoms(use_true_random=False))
def test_ranking_is_deterministic_under_shuffling(issues, weights, rnd):
    shuffled = list(issues)
    rnd.shuffle(shuffled)
    assert rank(shuffled, weights) == rank(issues, weights)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({c: shares for c in COMPONENTS}), weights_st, st.sampled_from(COMPONENTS),
       st.decimals(min_value=0, max_value=1, places=3))
def test_raising_a_component_never_lowers_the_score(values, weights, component, bump):
    before = values[component]
    raised = dict(values, **{component: min(D(1), (before or D(0)) + bump)})
    if before is None:
        values = dict(values, **{component: D(0)})
    old, _ = score(values, weights)
    new, _ = score(raised, weights)
    assert old is None and new is None or old is not None and new is not None and new >= old


def test_shuffle_example_is_stable():
    issues = [IssueInput(f"i{n}", n % 3, concern=D(n % 4) / 4, severity=(n % 5) + 1) for n in range(20)]
    expected = [r.code for r in rank(issues, DEFAULT_WEIGHTS)]
    for seed in range(5):
        copy = list(issues)
        random.Random(seed).shuffle(copy)
        assert [r.code for r in rank(copy, DEFAULT_WEIGHTS)] == expected
