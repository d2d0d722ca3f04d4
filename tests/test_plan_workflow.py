"""Review and adoption of a plan, without Flask: the transition table, refusals, editing, audit entries."""
from __future__ import annotations

from collections import deque
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpplan.plans import workflow as wf
from cpplan.plans.workflow import (ACTIONS, REFUSAL_CODES, ROLES, STATES, TRANSITIONS, CouncilDecision, Refusal,
                                   actions_for, audit_entry, can_comment, can_edit, check, entry_for,
                                   needs_new_version, refusal_entry)

TODAY = date(2026, 5, 20)
AT = datetime(2026, 5, 20, 9, 30, tzinfo=timezone.utc)
DECISION = CouncilDecision("12/3", date(2026, 5, 14))
NOTE = "Add a measure for school routes."


def go(state, action, role, **kwargs):
    kwargs.setdefault("today", TODAY)
    return check(state, action, role, **kwargs)


def _graph(without: str | None = None) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {s: set() for s in STATES}
    for row in TRANSITIONS:
        if without not in (row.source, row.target):
            graph[row.source].add(row.target)
    return graph


def _reachable(graph, start="draft") -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in graph[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# --- the table ---------------------------------------------------------------------------------------

def test_the_table_uses_known_states_actions_and_roles_and_has_labels():
    for row in TRANSITIONS:
        assert row.source in STATES and row.target in STATES and row.source != row.target
        assert row.roles and row.roles <= set(ROLES)
    assert set(wf.STATE_LABELS) == set(wf.STATE_HELP) == set(STATES)
    assert set(wf.ACTION_LABELS) == set(wf.ACTION_WHO) == set(ACTIONS)
    # one row per (state, action): the answer never depends on the order of the table
    assert len({(r.source, r.action) for r in TRANSITIONS}) == len(TRANSITIONS)


def test_no_state_is_unreachable_and_only_completed_is_a_dead_end():
    assert _reachable(_graph()) == set(STATES)
    sources = {row.source for row in TRANSITIONS}
    assert set(STATES) - sources == {"completed"} == set(wf.FINAL_STATES)


@pytest.mark.parametrize("step", ["submitted", "in_review", "approved"])
def test_without_each_review_step_adopted_cannot_be_reached(step):
    """The exhaustive proof: take a review state out of the graph and `adopted` is out of reach."""
    assert "adopted" not in _reachable(_graph(without=step))


def test_the_happy_path():
    state = "draft"
    for action, role, kwargs in [("submit", "facilitator", {}), ("start_review", "police", {}),
                                 ("request_changes", "police", {"note": NOTE}), ("submit", "coordinator", {}),
                                 ("start_review", "police", {}), ("approve", "police", {}),
                                 ("adopt", "coordinator", {"decision": DECISION}),
                                 ("start_implementation", "coordinator", {}), ("complete", "coordinator", {})]:
        result = go(state, action, role, **kwargs)
        assert result.ok, (state, action, result.code)
        assert result.from_state == state and result.code is None and result.message is None
        state = result.to_state
    assert state == "completed"


@pytest.mark.parametrize("state, action, role, target", [
    ("draft", "submit", "coordinator", "submitted"),
    ("draft", "submit", "facilitator", "submitted"),
    ("changes_requested", "submit", "facilitator", "submitted"),
    ("submitted", "withdraw", "coordinator", "draft"),
    ("submitted", "start_review", "police", "in_review"),
    ("in_review", "approve", "police", "approved"),
    ("adopted", "start_implementation", "coordinator", "in_implementation"),
    ("in_implementation", "complete", "coordinator", "completed"),
    ("draft", "submit", "admin", "submitted"),
    ("submitted", "withdraw", "admin", "draft"),
    ("in_implementation", "complete", "admin", "completed"),
])
def test_allowed_transitions(state, action, role, target):
    assert go(state, action, role).to_state == target


# --- refusals ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_nothing_leaves_completed_and_nothing_is_offered_there(role):
    assert actions_for("completed", role) == []
    for action in ACTIONS:
        result = go("completed", action, role, note=NOTE, decision=DECISION)
        assert not result.ok and result.code in ("forbidden_role", "not_from_this_state")


@pytest.mark.parametrize("role", ["member", "viewer", None, "", "chair", "POLICE"])
def test_members_viewers_and_strangers_never_change_state(role):
    for state in STATES:
        assert actions_for(state, role) == []
        for action in ACTIONS:
            result = go(state, action, role, note=NOTE, decision=DECISION)
            assert not result.ok and result.to_state is None
            assert result.code in ("forbidden_role",)


def test_a_member_adopting_is_refused_with_a_clear_message():
    result = go("approved", "adopt", "member", decision=DECISION)
    assert result.code == "forbidden_role"
    assert str(result.message) == "Only the coordinator can record the council's adoption."


@pytest.mark.parametrize("state", STATES)
def test_police_never_adopt(state):
    assert go(state, "adopt", "police", decision=DECISION).code == "forbidden_role"


@pytest.mark.parametrize("action", ["start_review", "approve", "request_changes"])
@pytest.mark.parametrize("role", [r for r in ROLES if r != "police"])
def test_only_police_review_approve_or_request_changes_not_even_an_admin(action, role):
    source = {"start_review": "submitted"}.get(action, "in_review")
    assert go(source, action, role, note=NOTE).code == "forbidden_role"
    assert go(source, action, "police", note=NOTE).ok


@pytest.mark.parametrize("note", [None, "", "   \n", 42, ["x"]])
def test_request_changes_needs_a_note(note):
    result = go("in_review", "request_changes", "police", note=note)
    assert result.code == "note_required" and result.to_state is None
    assert str(result.message) == "Add a note saying what needs to change."


def test_the_council_returning_the_plan_needs_a_note_and_sends_it_back_for_changes():
    assert go("approved", "return_from_council", "coordinator").code == "note_required"
    assert go("approved", "return_from_council", "coordinator", note="Council: add costs").to_state \
        == "changes_requested"


@pytest.mark.parametrize("decision", [
    None, {}, {"number": "12/3"}, {"date": date(2026, 5, 1)}, {"number": "  ", "date": date(2026, 5, 1)},
    {"number": "12/3", "date": "not a date"}, {"number": "12/3", "date": None}, CouncilDecision("", TODAY),
    "12/3 of 2026-05-01", 17, ["12/3", date(2026, 5, 1)],
])
def test_adopt_needs_a_decision_number_and_date(decision):
    result = go("approved", "adopt", "coordinator", decision=decision)
    assert result.code == "decision_required" and result.to_state is None
    assert str(result.message) == "Enter the council decision number and date."


def test_adopt_refuses_a_decision_dated_after_today():
    result = go("approved", "adopt", "coordinator", decision=CouncilDecision("12/3", date(2026, 5, 21)))
    assert result.code == "decision_in_future"
    assert str(result.message) == "The council decision date cannot be in the future."


@pytest.mark.parametrize("decision", [
    CouncilDecision("12/3", TODAY),
    {"number": " 12/3 ", "date": "2026-05-20"},
    {"number": "12/3", "date": datetime(2026, 5, 20, 23, 59)},
    {"number": 123, "date": date(2019, 1, 1)},
])
def test_adopt_accepts_a_decision_dated_today_or_earlier(decision):
    result = go("approved", "adopt", "coordinator", decision=decision)
    assert result.to_state == "adopted"
    assert result.decision.number.strip() == result.decision.number and isinstance(result.decision.date, date)


def test_adopt_by_a_site_admin_is_allowed():
    assert go("approved", "adopt", "admin", decision=DECISION).to_state == "adopted"


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "changes_requested"])
def test_skipping_review_is_refused(state):
    result = go(state, "adopt", "coordinator", decision=DECISION)
    assert result.code == "not_from_this_state"
    assert str(result.message) == \
        f'The step "Record council adoption" is not possible while the plan is "{wf.STATE_LABELS[state]}".'


def test_unknown_action_and_state():
    assert go("draft", "publish", "coordinator").code == "unknown_action"
    assert go("draft", None, "coordinator").code == "unknown_action"
    assert go("archived", "submit", "coordinator").code == "unknown_state"
    assert go(["draft"], "submit", "coordinator").code == "unknown_state"


def test_the_role_is_checked_against_this_state_s_row():
    # a facilitator may submit, but not withdraw
    assert go("submitted", "withdraw", "facilitator").code == "forbidden_role"
    # a coordinator may start implementation, but not from draft
    assert go("draft", "start_implementation", "coordinator").code == "not_from_this_state"


junk = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats(allow_nan=True), st.booleans(),
                 st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
                 st.dates(), st.datetimes(), st.sampled_from(STATES + ACTIONS + ROLES))


@settings(max_examples=300, deadline=None)
@given(state=junk, action=junk, role=junk, note=junk, decision=st.one_of(junk, st.fixed_dictionaries(
    {"number": junk, "date": junk})), today=junk)
def test_check_never_raises(state, action, role, note, decision, today):
    result = check(state, action, role, note=note, decision=decision, today=today)
    assert result.ok == (result.to_state in STATES)
    assert result.ok or result.code in REFUSAL_CODES
    if not result.ok:
        str(result.message)
    actions_for(state, role)
    can_edit(state, role)
    can_comment(state, role)
    needs_new_version(state)
    entry_for(result, 1, note, AT)


# --- the property: no way round the review ----------------------------------------------------------

step = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES + ("stranger",)),
                 st.sampled_from([None, "", NOTE]),
                 st.sampled_from([None, DECISION, CouncilDecision("9", date(2030, 1, 1)), {"number": "1"}]))


@settings(max_examples=1500, deadline=None)
@given(st.lists(step, max_size=40))
def test_random_sequences_never_skip_review_or_break_a_rule(steps):
    state, history, entries = "draft", ["draft"], []
    for action, role, note, decision in steps:
        result = go(state, action, role, note=note, decision=decision)
        entries.append(entry_for(result, 7, note, AT))
        if not result.ok:
            assert result.to_state is None and result.code in REFUSAL_CODES
            assert entries[-1]["from_state"] == entries[-1]["to_state"] == state
            continue
        assert action in actions_for(state, role)
        assert role not in ("member", "viewer", "stranger")
        assert not (action == "adopt" and role == "police")
        if action in ("approve", "request_changes", "start_review"):
            assert role == "police"
        if action == "request_changes":
            assert note
        if result.to_state == "adopted":
            assert state == "approved" and result.decision is not None and result.decision.date <= TODAY
        assert state != "completed"
        state = result.to_state
        history.append(state)
    # every entry into a later step comes straight from the step before it
    before = {"adopted": "approved", "approved": "in_review", "in_review": "submitted"}
    for previous, current in zip(history, history[1:]):
        if current in before:
            assert previous == before[current]
    # and the plan went through submitted, in_review and approved, in that order, before any adoption
    if "adopted" in history:
        cut = history.index("adopted")
        last_draft = max(i for i in range(cut) if history[i] in ("draft", "changes_requested"))
        assert history[last_draft + 1:cut] == ["submitted", "in_review", "approved"]
    assert len(entries) == len(steps)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STATES), st.sampled_from(ROLES))
def test_actions_for_agrees_with_check(state, role):
    offered = actions_for(state, role)
    for action in ACTIONS:
        allowed = go(state, action, role, note=NOTE, decision=DECISION).ok
        assert allowed == (action in offered)


# --- editing and comments ----------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["draft", "changes_requested"])
@pytest.mark.parametrize("role", ["coordinator", "facilitator", "admin"])
def test_writers_edit_a_draft_or_a_plan_sent_back(state, role):
    assert can_edit(state, role) is None


@pytest.mark.parametrize("state", STATES)
def test_police_never_edit_measures(state):
    refusal = can_edit(state, "police")
    assert isinstance(refusal, Refusal) and refusal.code == "police_cannot_edit"
    assert "add a comment instead" in str(refusal.message)


@pytest.mark.parametrize("role", ["member", "viewer", None, "stranger"])
def test_members_and_viewers_do_not_edit(role):
    assert can_edit("draft", role).code == "forbidden_role"


@pytest.mark.parametrize("state", ["submitted", "in_review", "approved"])
def test_a_plan_under_review_is_locked(state):
    assert can_edit(state, "coordinator").code == "under_review"
    assert not needs_new_version(state)


@pytest.mark.parametrize("state", ["adopted", "in_implementation", "completed"])
def test_an_adopted_plan_is_not_edited_in_place(state):
    assert can_edit(state, "coordinator").code == "new_version_needed"
    assert can_edit(state, "admin").code == "new_version_needed"
    assert needs_new_version(state)
    assert wf.NEW_VERSION_STATE == "draft"  # the new version goes through review again


def test_editable_states_are_exactly_those_without_a_refusal():
    assert [s for s in STATES if can_edit(s, "coordinator") is None] == list(wf.EDITABLE_STATES)
    assert [s for s in STATES if needs_new_version(s)] == list(wf.ADOPTED_STATES)
    assert not needs_new_version("nonsense") and not needs_new_version(None)
    assert can_edit("archived", "coordinator").code == "unknown_state"


@pytest.mark.parametrize("state", STATES)
def test_everyone_but_viewers_comments_in_every_state(state):
    for role in ("coordinator", "facilitator", "member", "police", "admin"):
        assert can_comment(state, role) is None
    assert can_comment(state, "viewer").code == "forbidden_role"


# --- audit -------------------------------------------------------------------------------------------

def test_audit_entry_of_a_transition():
    result = go("approved", "adopt", "coordinator", decision={"number": "12/3", "date": "2026-05-14"})
    entry = entry_for(result, 5, "  Council session 14 May  ", AT)
    assert entry == {"actor_id": 5, "action": "adopt", "from_state": "approved", "to_state": "adopted",
                     "note": "Council session 14 May", "at": AT, "outcome": "done", "code": None,
                     "decision": {"number": "12/3", "date": "2026-05-14"}}
    assert entry == audit_entry(5, "adopt", "approved", "adopted", "Council session 14 May", AT, decision=DECISION)


def test_audit_entry_of_an_edit_keeps_the_state():
    entry = audit_entry(3, "edit", "draft", "draft", "", AT)
    assert entry["from_state"] == entry["to_state"] == "draft"
    assert entry["note"] is None and entry["outcome"] == "done" and entry["decision"] is None


def test_a_refused_attempt_is_recorded_and_changes_nothing():
    result = go("approved", "adopt", "member", note="let me", decision=DECISION)
    entry = entry_for(result, 9, "let me", AT)
    assert entry == {"actor_id": 9, "action": "adopt", "from_state": "approved", "to_state": "approved",
                     "note": "let me", "at": AT, "outcome": "refused", "code": "forbidden_role", "decision": None}
    assert refusal_entry(9, "adopt", "approved", result.refusal, "let me", AT) == entry
    assert refusal_entry(9, "edit", "adopted", "new_version_needed", None, AT)["code"] == "new_version_needed"


def test_entries_are_plain_data():
    entry = entry_for(go("draft", "submit", "facilitator"), 2, None, AT)
    assert all(isinstance(v, (str, int, type(None), datetime, dict)) for v in entry.values())
