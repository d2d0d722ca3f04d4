"""Review and adoption of a plan (pure): states, who may move a plan between them, and audit entries.

    draft -> submitted -> in_review -> changes_requested | approved -> adopted -> in_implementation -> completed

The working group (coordinator, facilitators) writes the plan and submits it; the police review it and
either approve it or request changes (with a note); the coordinator records the council's adoption
(decision number and date), the start of implementation and its completion.

Rules kept here, with no Flask, no database and no request:

- `check()` answers whether an action may be taken: the target state, or a refusal with a machine code
  and a translated message. It never raises, whatever it is given.
- Content (issues, measures) is edited only in `draft` and `changes_requested`, by the coordinator and
  facilitators; the police comment but never edit. An adopted plan is never edited in place: the caller
  copies it into a new version, which starts again in `draft` and must pass review again.
- There is no path from `draft` to `adopted` that misses `submitted`, `in_review` or `approved`.
- Every transition and edit is recorded (`audit_entry`), and so is every refused attempt
  (`refusal_entry`): a refusal changes nothing else.

Roles are those of a municipality membership plus the site `admin`. An admin may do everything a
coordinator may (submit, withdraw, record adoption, ...) but NOT the police's steps (start the review,
request changes, approve): the police review is an outside check, and nobody inside the site can stand in
for it. Any other role (or None) may change nothing.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

STATES = ("draft", "submitted", "in_review", "changes_requested", "approved", "adopted",
          "in_implementation", "completed")
INITIAL_STATE = "draft"
FINAL_STATES = ("completed",)
NEW_VERSION_STATE = "draft"  # a new version of an adopted plan starts here and is reviewed again

EDITABLE_STATES = ("draft", "changes_requested")
REVIEW_STATES = ("submitted", "in_review", "approved")
ADOPTED_STATES = ("adopted", "in_implementation", "completed")  # editing makes a new version

ROLES = ("admin", "coordinator", "facilitator", "member", "police", "viewer")
EDITORS = frozenset({"admin", "coordinator", "facilitator"})
COMMENTERS = frozenset({"admin", "coordinator", "facilitator", "member", "police"})

_WRITERS = frozenset({"admin", "coordinator", "facilitator"})
_COORDINATION = frozenset({"admin", "coordinator"})
_POLICE = frozenset({"police"})

STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In police review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved by police"),
    "adopted": _l("Adopted by council"),
    "in_implementation": _l("In implementation"),
    "completed": _l("Completed"),
}
STATE_HELP = {
    "draft": _l("The working group is writing the plan; the coordinator and facilitators edit it."),
    "submitted": _l("Sent to the police for review; the content is locked. "
                    "The coordinator can withdraw it until the review starts."),
    "in_review": _l("The police are reviewing the plan; they approve it or request changes."),
    "changes_requested": _l("The police asked for changes (see their note); edit the plan and submit it again."),
    "approved": _l("The police approved the plan; it now goes to the local council for adoption."),
    "adopted": _l("The local council adopted the plan. Any change now makes a new version, "
                  "which is reviewed again."),
    "in_implementation": _l("The measures are being carried out and monitored."),
    "completed": _l("Implementation is finished; the plan is closed and kept for the record."),
}


@dataclass(frozen=True)
class Transition:
    """One row of the table: `action` moves a plan from `source` to `target`, by one of `roles`."""

    source: str
    action: str
    target: str
    roles: frozenset[str]
    note_required: bool = False
    decision_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("draft", "submit", "submitted", _WRITERS),
    Transition("changes_requested", "submit", "submitted", _WRITERS),
    Transition("submitted", "withdraw", "draft", _COORDINATION),
    Transition("submitted", "start_review", "in_review", _POLICE),
    Transition("in_review", "request_changes", "changes_requested", _POLICE, note_required=True),
    Transition("in_review", "approve", "approved", _POLICE),
    Transition("approved", "return_from_council", "changes_requested", _COORDINATION, note_required=True),
    Transition("approved", "adopt", "adopted", _COORDINATION, decision_required=True),
    Transition("adopted", "start_implementation", "in_implementation", _COORDINATION),
    Transition("in_implementation", "complete", "completed", _COORDINATION),
)
ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

ACTION_LABELS = {
    "submit": _l("Submit for review"),
    "withdraw": _l("Withdraw from review"),
    "start_review": _l("Start review"),
    "request_changes": _l("Request changes"),
    "approve": _l("Approve"),
    "return_from_council": _l("Council returned the plan"),
    "adopt": _l("Record council adoption"),
    "start_implementation": _l("Start implementation"),
    "complete": _l("Mark as completed"),
}
# Who may take each step: the help under the button, and the message when someone else tries.
ACTION_WHO = {
    "submit": _l("Only the coordinator or a facilitator can submit the plan for review."),
    "withdraw": _l("Only the coordinator can withdraw a submitted plan."),
    "start_review": _l("Only the police can review the plan."),
    "request_changes": _l("Only the police can request changes to the plan."),
    "approve": _l("Only the police can approve the plan."),
    "return_from_council": _l("Only the coordinator can record that the council returned the plan."),
    "adopt": _l("Only the coordinator can record the council's adoption."),
    "start_implementation": _l("Only the coordinator can start implementation."),
    "complete": _l("Only the coordinator can mark the plan as completed."),
}

REFUSAL_CODES = ("unknown_action", "unknown_state", "not_from_this_state", "forbidden_role", "note_required",
                 "decision_required", "decision_in_future", "police_cannot_edit", "under_review",
                 "new_version_needed")


@dataclass(frozen=True)
class Refusal:
    """Why something is not allowed: a machine code (REFUSAL_CODES) and a translated message."""

    code: str
    message: Any  # a lazy string: str() it inside a request for the user's language


@dataclass(frozen=True)
class CouncilDecision:
    """The local council's adoption decision: its number and date."""

    number: str
    date: date


@dataclass(frozen=True)
class Decision:
    """The answer of `check()`: the target state, or a refusal (the plan stays where it is)."""

    action: Any
    from_state: Any
    to_state: str | None = None
    refusal: Refusal | None = None
    decision: CouncilDecision | None = None  # the council decision, cleaned, for `adopt`

    @property
    def ok(self) -> bool:
        """Return True when the action is allowed."""
        return self.refusal is None

    @property
    def code(self) -> str | None:
        """Return the refusal's code, or None when allowed."""
        return None if self.refusal is None else self.refusal.code

    @property
    def message(self) -> Any:
        """Return the refusal's message, or None when allowed."""
        return None if self.refusal is None else self.refusal.message


def _is(value: Any, names: Any) -> bool:
    return isinstance(value, str) and value in names


def _refuse(code: str, message: Any) -> Refusal:
    return Refusal(code, message)


def _clean_note(note: Any) -> str | None:
    """Return the note stripped, or None when it is missing, blank or not text."""
    if not isinstance(note, str):
        return None
    note = note.strip()
    return note or None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def clean_decision(decision: Any) -> CouncilDecision | None:
    """Return the council decision with a non-blank number and a real date, or None.

    Accepts a CouncilDecision, or a mapping with "number" and "date" (a date, datetime or ISO string).
    """
    if isinstance(decision, CouncilDecision):
        number, when = decision.number, decision.date
    elif isinstance(decision, Mapping):
        number, when = decision.get("number"), decision.get("date")
    else:
        return None
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if not isinstance(number, str) or not number.strip():
        return None
    when = _as_date(when)
    if when is None:
        return None
    return CouncilDecision(number.strip(), when)


def transition(state: Any, action: Any) -> Transition | None:
    """Return the table's row for this action from this state, or None."""
    for row in TRANSITIONS:
        if _is(state, (row.source,)) and _is(action, (row.action,)):
            return row
    return None


def check(state: Any, action: Any, role: Any, *, note: Any = None, decision: Any = None,
          today: Any = None) -> Decision:
    """Return whether `role` may take `action` on a plan in `state`: the target state or a refusal.

    Checked in this order: the action exists; the state exists; the role may ever take the action
    (else "forbidden_role"); the action leaves this state (else "not_from_this_state"); the role may
    take it from here; a note where one is required; for `adopt`, a council decision number and a date
    not after `today` (default: the current date). Never raises.
    """
    if not _is(action, ACTIONS):
        return Decision(action, state, refusal=_refuse("unknown_action", _l("This action does not exist.")))
    if not _is(state, STATES):
        return Decision(action, state, refusal=_refuse("unknown_state", _l("The plan is in an unknown state.")))
    forbidden = _refuse("forbidden_role", ACTION_WHO[action])
    if not any(_is(role, row.roles) for row in TRANSITIONS if row.action == action):
        return Decision(action, state, refusal=forbidden)
    row = transition(state, action)
    if row is None:
        return Decision(action, state, refusal=_refuse("not_from_this_state", _l(
            'The step "%(action)s" is not possible while the plan is "%(state)s".',
            action=ACTION_LABELS[action], state=STATE_LABELS[state])))
    if not _is(role, row.roles):
        return Decision(action, state, refusal=forbidden)
    if row.note_required and _clean_note(note) is None:
        return Decision(action, state, refusal=_refuse("note_required", _l(
            "Add a note saying what needs to change.")))
    council = None
    if row.decision_required:
        council = clean_decision(decision)
        if council is None:
            return Decision(action, state, refusal=_refuse("decision_required", _l(
                "Enter the council decision number and date.")))
        today = _as_date(today) or date.today()
        if council.date > today:
            return Decision(action, state, refusal=_refuse("decision_in_future", _l(
                "The council decision date cannot be in the future.")))
    return Decision(action, state, to_state=row.target, decision=council)


def actions_for(state: Any, role: Any) -> list[str]:
    """Return the actions `role` may take from `state` (the buttons to show), in table order."""
    return [row.action for row in TRANSITIONS if _is(state, (row.source,)) and _is(role, row.roles)]


def needs_new_version(state: Any) -> bool:
    """Return True when the plan was adopted: a change makes a new version instead of editing it."""
    return _is(state, ADOPTED_STATES)


def can_edit(state: Any, role: Any) -> Refusal | None:
    """Return None when `role` may edit the plan's content (issues, measures) in `state`, else a refusal."""
    if not _is(state, STATES):
        return _refuse("unknown_state", _l("The plan is in an unknown state."))
    if _is(role, ("police",)):
        return _refuse("police_cannot_edit", _l(
            "The police review the plan but do not edit its measures; add a comment instead."))
    if not _is(role, EDITORS):
        return _refuse("forbidden_role", _l("Only the coordinator or a facilitator can edit the plan."))
    if needs_new_version(state):
        return _refuse("new_version_needed", _l(
            "The plan has been adopted: changes are made in a new version, which is reviewed again."))
    if not _is(state, EDITABLE_STATES):
        return _refuse("under_review", _l(
            "The plan is locked during review and adoption; it can be edited again if changes are requested."))
    return None


def can_comment(state: Any, role: Any) -> Refusal | None:
    """Return None when `role` may comment on the plan or one of its measures (any state), else a refusal."""
    if not _is(state, STATES):
        return _refuse("unknown_state", _l("The plan is in an unknown state."))
    if not _is(role, COMMENTERS):
        return _refuse("forbidden_role", _l("Viewers can read the plan but cannot comment."))
    return None


def _decision_data(decision: Any) -> dict[str, str] | None:
    council = clean_decision(decision)
    return None if council is None else {"number": council.number, "date": council.date.isoformat()}


def audit_entry(actor_id: Any, action: Any, from_state: Any, to_state: Any, note: Any, at: Any, *,
                decision: Any = None) -> dict[str, Any]:
    """Return the record of a transition or an edit (for an edit, `to_state` is `from_state`).

    Plain data for the caller to store: who, what, when, from, to, the note and, for `adopt`, the
    council decision ({"number", "date" as ISO}).
    """
    return {"actor_id": actor_id, "action": action, "from_state": from_state, "to_state": to_state,
            "note": _clean_note(note), "at": at, "outcome": "done", "code": None,
            "decision": _decision_data(decision)}


def refusal_entry(actor_id: Any, action: Any, state: Any, refusal: Refusal | str | None, note: Any,
                  at: Any) -> dict[str, Any]:
    """Return the record of a refused attempt: the plan stayed in `state`; `code` says why."""
    code = refusal.code if isinstance(refusal, Refusal) else refusal if isinstance(refusal, str) else None
    return {"actor_id": actor_id, "action": action, "from_state": state, "to_state": state,
            "note": _clean_note(note), "at": at, "outcome": "refused", "code": code, "decision": None}


def entry_for(result: Decision, actor_id: Any, note: Any, at: Any) -> dict[str, Any]:
    """Return the audit entry for the answer of `check()`: the transition, or the refused attempt."""
    if result.ok:
        return audit_entry(actor_id, result.action, result.from_state, result.to_state, note, at,
                           decision=result.decision)
    return refusal_entry(actor_id, result.action, result.from_state, result.refusal, note, at)
