"""The planning guide: the cycle's steps, their status and the next action (pure logic).

Each pipeline package registers a provider for its step with `register_step()`; a step with no
provider is shown as not yet available, so every later capability lights up its own step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask_babel import lazy_gettext as _l

STEPS = ("working_group", "survey", "results", "priorities", "plan", "adoption", "budget", "follow_up")
STATUSES = ("done", "in_progress", "todo", "unavailable")

TITLES = {
    "working_group": _l("Working group"),
    "survey": _l("Safety survey"),
    "results": _l("Survey results"),
    "priorities": _l("Priority issues"),
    "plan": _l("Crime prevention plan"),
    "adoption": _l("Police review and council adoption"),
    "budget": _l("Budget and monitoring"),
    "follow_up": _l("Follow-up survey"),
}
HELP = {
    "working_group": (
        _l("Bring together local government, the neighbourhood police inspector, schools, the women's council, youth and NGOs."),
        _l("A balanced group of women and men speaks for the whole community."),
    ),
    "survey": (
        _l("Ask residents what they fear, what happened to them and where they feel unsafe."),
        _l("Answers are anonymous; every question can be skipped."),
    ),
    "results": (
        _l("Look at the answers by gender, age and village."),
        _l("Small numbers are hidden so that no respondent can be recognised."),
    ),
    "priorities": (
        _l("At a community meeting, agree which issues matter most."),
        _l("The meeting's votes and the survey results are both taken into account."),
    ),
    "plan": (
        _l("For each priority, write measures with a lead, partners, timeline, cost and indicators."),
        _l("Start from good practices other municipalities have tried."),
    ),
    "adoption": (
        _l("The police review the plan, then the local council adopts it."),
        _l("An adopted plan is the municipality's commitment and its fundraising document."),
    ),
    "budget": (
        _l("Record the money allocated and spent on each measure."),
        _l("Residents and donors see where the money goes, on maps and in tables."),
    ),
    "follow_up": (
        _l("Ask residents again to see what changed."),
        _l("Comparing the two rounds shows whether the measures worked."),
    ),
}
STATUS_LABELS = {
    "done": _l("Done"),
    "in_progress": _l("In progress"),
    "todo": _l("To do"),
    "unavailable": _l("Coming in a later version of cpplan"),
}


@dataclass(frozen=True)
class StepState:
    """What a step's provider reports: its status, a short detail and the next action."""

    status: str
    detail: str = ""
    action_label: str | None = None
    action_url: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass(frozen=True)
class Step:
    """One step of the guide as shown: number, key, state and whether it is the current one."""

    number: int
    key: str
    state: StepState
    is_current: bool = False
    title: str = field(default="", compare=False)
    help: tuple = field(default=(), compare=False)


Provider = Callable[[object], StepState]


def register_step(app, key: str, provider: Provider) -> None:
    """Make `provider(municipality) -> StepState` report the status of step `key`."""
    if key not in STEPS:
        raise KeyError(f"unknown guide step {key!r}")
    app.extensions.setdefault("cpplan.guide", {})[key] = provider


def build(states: dict[str, StepState]) -> list[Step]:
    """Return the steps in cycle order; the first available step not done is the current one."""
    current = next((k for k in STEPS if k in states and states[k].status not in ("done", "unavailable")), None)
    return [
        Step(number=i, key=key, state=states.get(key, StepState("unavailable")),
             is_current=key == current, title=TITLES[key], help=HELP[key])
        for i, key in enumerate(STEPS, start=1)
    ]


def collect(app, municipality) -> dict[str, StepState]:
    """Ask every registered provider for its step's state."""
    providers = app.extensions.get("cpplan.guide", {})
    return {key: providers[key](municipality) for key in STEPS if key in providers}


def working_group_status(members: int, women: int, has_police: bool) -> str:
    """Return the working group step's status from its roster.

    Done when it has at least five members, women among them and the police taking part.
    """
    if members == 0:
        return "todo"
    if members >= 5 and women > 0 and has_police:
        return "done"
    return "in_progress"


def gender_balance(counts: dict[str, int]) -> dict[str, int]:
    """Return whole percentages per gender that add up to 100 (largest remainder), or {} if empty."""
    total = sum(counts.values())
    if total == 0:
        return {}
    exact = {k: v * 100 / total for k, v in counts.items()}
    shares = {k: int(v) for k, v in exact.items()}
    leftover = 100 - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:leftover]:
        shares[key] += 1
    return shares
