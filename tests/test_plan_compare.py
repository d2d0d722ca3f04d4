"""What changed between two plan versions (cpplan.plans.compare): pure function, plain data, no Flask."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from cpplan.plans.compare import (ADDED, CHANGED, REMOVED, Change, IndicatorData, IssueData, MeasureData, PlanData,
                                  compare, match_measures)

LIVESTOCK, ROADS = 11, 12


def measure(title: str = "Ear tags for every cow", **kw) -> MeasureData:
    values = dict(issue_id=LIVESTOCK, title={"ky": "", "ru": "", "en": title}, library_code=None,
                  description={"en": "With the veterinary service."}, lead=1, partners=frozenset({2, 3}),
                  start="2026-04", end="2026-12", cost=D("15000.50"), funded=None, area=None, status="planned",
                  indicators=(IndicatorData("Registered animals", "%", "40", "90", "Veterinary service"),))
    values.update(kw)
    return MeasureData(**values)


def plan(*measures: MeasureData, **kw) -> PlanData:
    values = dict(title={"ky": "План", "ru": "План", "en": "Plan 2026–2028"}, first_year=2026, last_year=2028,
                  issues=(IssueData(LIVESTOCK, {"en": "43 % rate it serious."}, {"en": "Fewer thefts"}),
                          IssueData(ROADS, {"en": "Speeding near the school."}, {"en": ""})),
                  measures=measures)
    values.update(kw)
    return PlanData(**values)


BASE = plan(measure(), measure("Speed bumps", issue_id=ROADS, library_code="speed_bumps", cost=D("8000")))


def test_identical_plans_have_no_changes():
    assert compare(BASE, BASE) == []
    assert compare(plan(), plan()) == []


def test_a_cost_change():
    new = replace(BASE, measures=(replace(BASE.measures[0], cost=D("17500.00")), BASE.measures[1]))
    [change] = compare(BASE, new)
    assert (change.kind, change.field, change.issue_id, change.old, change.new) == (
        CHANGED, "cost", LIVESTOCK, D("15000.50"), D("17500.00"))
    assert change.measure is new.measures[0]


def test_money_is_compared_exactly():
    new = replace(BASE, measures=(replace(BASE.measures[0], cost=D("15000.5")), BASE.measures[1]))
    assert compare(BASE, new) == []
    new = replace(BASE, measures=(replace(BASE.measures[0], cost=None, funded=D("0.01")), BASE.measures[1]))
    assert [(c.field, c.old, c.new) for c in compare(BASE, new)] == [
        ("cost", D("15000.50"), None), ("funded", None, D("0.01"))]


def test_an_added_and_a_removed_measure():
    patrols = measure("Night patrols", issue_id=ROADS)
    new = plan(BASE.measures[0], patrols)
    changes = compare(BASE, new)
    assert [(c.kind, c.field, c.issue_id) for c in changes] == [
        (REMOVED, "measure", ROADS), (ADDED, "measure", ROADS)]
    assert changes[0].measure is BASE.measures[1] and changes[1].measure is patrols
    # The other way round, the same measures swap.
    assert [(c.kind, c.measure) for c in compare(new, BASE)] == [
        (REMOVED, patrols), (ADDED, BASE.measures[1])]


def test_an_indicator_target_changed():
    indicator = replace(BASE.measures[0].indicators[0], target="95")
    new = plan(replace(BASE.measures[0], indicators=(indicator,)), BASE.measures[1])
    [change] = compare(BASE, new)
    assert (change.kind, change.field, change.item, change.old, change.new) == (
        CHANGED, "indicator_target", "Registered animals", "90", "95")


def test_indicators_added_and_removed_by_name():
    renamed = replace(BASE.measures[0].indicators[0], name="Animals with ear tags")
    new = plan(replace(BASE.measures[0], indicators=(renamed,)), BASE.measures[1])
    assert [(c.kind, c.field, c.item) for c in compare(BASE, new)] == [
        (REMOVED, "indicator", "Registered animals"), (ADDED, "indicator", "Animals with ear tags")]


def test_partners_changed_regardless_of_order():
    reordered = plan(replace(BASE.measures[0], partners=[3, 2]), BASE.measures[1])
    assert compare(BASE, reordered) == []
    changed = plan(replace(BASE.measures[0], partners=[3, 4]), BASE.measures[1])
    [change] = compare(BASE, changed)
    assert (change.field, change.old, change.new) == ("partners", frozenset({2, 3}), frozenset({3, 4}))


def test_every_measure_field_is_reported_in_order():
    first = replace(BASE.measures[0], library_code="ear_tags")
    new_first = replace(first, title={"en": "Ear tags", "ru": "Бирки"}, description={"en": ""}, lead=None,
                        start="2026-01", status="in_progress", area=7)
    changes = compare(plan(first, BASE.measures[1]), plan(new_first, BASE.measures[1]))
    assert [(c.field, c.lang) for c in changes] == [
        ("title", "en"), ("title", "ru"), ("description", "en"), ("lead", None), ("timeline", None),
        ("area", None), ("status", None)]
    timeline = changes[4]
    assert (timeline.old, timeline.new) == (("2026-04", "2026-12"), ("2026-01", "2026-12"))


def test_plan_title_period_problem_and_objective():
    new = replace(BASE, title={**BASE.title, "en": "Safer Kyzyl-Suu"}, last_year=2029,
                  issues=(IssueData(LIVESTOCK, {"en": "51 % rate it serious."}, {"en": "Fewer thefts"}),
                          IssueData(ROADS, {"en": "Speeding near the school."}, {"en": "Slower traffic",
                                                                                 "ky": "Жай айдоо"})))
    changes = compare(BASE, new)
    assert [(c.field, c.issue_id, c.lang, c.old, c.new) for c in changes] == [
        ("title", None, "en", "Plan 2026–2028", "Safer Kyzyl-Suu"),
        ("period", None, None, (2026, 2028), (2026, 2029)),
        ("problem", LIVESTOCK, "en", "43 % rate it serious.", "51 % rate it serious."),
        ("objective", ROADS, "en", "", "Slower traffic"),
        ("objective", ROADS, "ky", "", "Жай айдоо"),
    ]


def test_issue_added_and_removed_with_their_measures():
    new = plan(BASE.measures[0], issues=BASE.issues[:1])
    assert [(c.kind, c.field, c.issue_id) for c in compare(BASE, new)] == [
        (REMOVED, "issue", ROADS), (REMOVED, "measure", ROADS)]
    assert [(c.kind, c.field, c.issue_id) for c in compare(new, BASE)] == [
        (ADDED, "issue", ROADS), (ADDED, "measure", ROADS)]


# --- matching -----------------------------------------------------------------------------------------

def test_library_measure_matches_by_code_whatever_its_title():
    new = plan(BASE.measures[0], replace(BASE.measures[1], title={"en": "Speed humps by the school"}))
    [change] = compare(BASE, new)
    assert (change.kind, change.field, change.new) == (CHANGED, "title", "Speed humps by the school")


def test_typed_measure_matches_by_a_title_kept_in_one_language():
    translated = replace(BASE.measures[0], title={"en": "Ear tags for every cow", "ru": "Бирки для каждой коровы"})
    new = plan(translated, BASE.measures[1])
    assert [(c.kind, c.field, c.lang) for c in compare(BASE, new)] == [(CHANGED, "title", "ru")]
    retyped = replace(BASE.measures[0], title={"en": "Ear tags"})
    assert [(c.kind, c.field) for c in compare(BASE, plan(retyped, BASE.measures[1]))] == [
        (REMOVED, "measure"), (ADDED, "measure")]


def test_measures_match_only_within_their_issue():
    moved = replace(BASE.measures[0], issue_id=ROADS)
    assert [(c.kind, c.issue_id) for c in compare(BASE, plan(moved, BASE.measures[1]))] == [
        (REMOVED, LIVESTOCK), (ADDED, ROADS)]


def test_exact_identity_is_paired_before_a_shared_title():
    """Two typed measures sharing an English title: each pairs with its exact twin, whatever the order."""
    both = replace(measure(issue_id=ROADS), title={"en": "Patrols", "ru": "Патрули"})
    only_en = measure(title="Patrols", issue_id=ROADS, cost=D("1"))
    pairs, removed, added = match_measures([both, only_en], [only_en, both])
    assert pairs == [(only_en, only_en), (both, both)] and removed == added == []


def test_duplicates_pair_in_order():
    a, b = measure(cost=D("1")), measure(cost=D("2"))
    assert [c.new for c in compare(plan(a, b), plan(a, replace(b, cost=D("3"))))] == [D("3")]


# --- properties ------------------------------------------------------------------------------------------

texts = st.fixed_dictionaries({"en": st.sampled_from(["", "Patrols", "Lights", "Ear tags"]),
                               "ru": st.sampled_from(["", "Патрули", "Фонари"])})
measures = st.builds(
    MeasureData, issue_id=st.sampled_from([LIVESTOCK, ROADS]), title=texts,
    library_code=st.sampled_from([None, None, "speed_bumps", "night_patrols"]),
    lead=st.sampled_from([None, 1, 2]), partners=st.frozensets(st.integers(1, 4), max_size=3),
    cost=st.sampled_from([None, D("0"), D("100.50"), D("15000")]),
    status=st.sampled_from(["planned", "done"]),
    indicators=st.lists(st.builds(IndicatorData, name=st.sampled_from(["Cases", "Lights"]),
                                  target=st.sampled_from(["1", "2"])), max_size=2).map(tuple))
plans = st.builds(plan, title=texts, last_year=st.sampled_from([2028, 2029])).flatmap(
    lambda p: st.lists(measures, max_size=5).map(lambda ms: replace(p, measures=tuple(ms))))


@given(plans)
def test_a_plan_has_no_changes_with_itself(p):
    assert compare(p, p) == []


@given(plans, plans)
def test_changes_run_both_ways(old, new):
    """What one direction adds the other removes, and the same fields change in both."""
    forth, back = compare(old, new), compare(new, old)

    def summary(changes: list[Change], flip: bool) -> list[tuple]:
        swap = {ADDED: REMOVED, REMOVED: ADDED, CHANGED: CHANGED}
        return sorted((swap[c.kind] if flip else c.kind, c.field, c.issue_id or 0, c.lang or "", c.item or "")
                      for c in changes)

    assert summary(forth, False) == summary(back, True)
    added = sum(c.kind == ADDED and c.field == "measure" for c in forth)
    removed = sum(c.kind == REMOVED and c.field == "measure" for c in forth)
    assert len(new.measures) - added == len(old.measures) - removed  # every other measure is paired
