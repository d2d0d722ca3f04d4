"""Changes to plans shared by the plan pages: start from the agreed priorities, record events, new versions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts.models import utcnow
from ..config import LANGUAGES
from ..extensions import db
from ..i18n import format_share, localized
from ..municipalities.models import Municipality
from ..municipalities.permissions import role_in
from ..priorities.models import PriorityDecision
from . import workflow
from .models import Indicator, Measure, Plan, PlanEvent, PlanIssue

TIME_ZONE = ZoneInfo("Asia/Bishkek")
PLAN_YEARS = 3  # this year and the two after


def today() -> date:
    """Return today's date in Kyrgyzstan."""
    return datetime.now(TIME_ZONE).date()


def this_year() -> int:
    """Return the current year in Kyrgyzstan."""
    return today().year


def workflow_role(user, municipality: Municipality) -> str | None:
    """Return the role plans/workflow.py decides by: "admin" for site admins, else the municipality role."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_admin:
        return "admin"
    return role_in(user, municipality)


def plans_of(municipality: Municipality) -> list[Plan]:
    """Return the municipality's plans, newest version first."""
    return list(db.session.scalars(db.select(Plan).filter_by(municipality_id=municipality.id)
                                   .order_by(Plan.version.desc(), Plan.id.desc())))


def latest_plan(municipality: Municipality) -> Plan | None:
    """Return the municipality's newest plan version, or None."""
    return db.session.scalar(db.select(Plan).filter_by(municipality_id=municipality.id)
                             .order_by(Plan.version.desc(), Plan.id.desc()).limit(1))


def plan_title(first_year: int, last_year: int, lang: str) -> str:
    """Return the default title of a plan in lang."""
    with force_locale(lang):
        return _("Local crime prevention plan %(first)s–%(last)s", first=first_year, last=last_year)


def problem_statement(issue, figures, lang: str) -> str:
    """Return the pre-filled problem statement of an issue in lang, with its published survey figures.

    `figures` is the issue's results.queries.IssueFigures, or None when there are no survey results.
    A hidden figure (None) is never printed: the text says it is not published.
    """
    with force_locale(lang):
        name = localized(issue, "name", lang)
        if figures is None:
            return _("%(issue)s: no survey figures yet.", issue=name)
        if figures.concern is not None:
            serious = _("%(share)s of respondents rate %(issue)s as serious (4 or 5 of 5).",
                        share=format_share(figures.concern, lang), issue=name)
        else:
            serious = _("The share of respondents rating %(issue)s as serious is not published, "
                        "to protect respondents.", issue=name)
        if figures.prevalence is not None:
            happened = _("%(share)s say it happened to them or their household in the last 12 months.",
                         share=format_share(figures.prevalence, lang))
        else:
            happened = _("The share to whom it happened is not published, to protect respondents.")
        return f"{serious} {happened}"


def start_plan(municipality: Municipality, decision: PriorityDecision, user, figures: dict) -> Plan:
    """Add a draft plan with one issue per agreed priority, in order, its problem statements pre-filled."""
    first = this_year()
    last = first + PLAN_YEARS - 1
    plan = Plan(municipality_id=municipality.id, first_year=first, last_year=last, status=workflow.INITIAL_STATE,
                version=1, decision_id=decision.id, created_by_id=user.id)
    for lang in LANGUAGES:
        setattr(plan, f"title_{lang}", plan_title(first, last, lang))
    for position, item in enumerate(sorted(decision.items, key=lambda i: i.position), start=1):
        plan_issue = PlanIssue(issue_id=item.issue_id, position=position)
        for lang in LANGUAGES:
            setattr(plan_issue, f"problem_{lang}", problem_statement(item.issue, figures.get(item.issue.code), lang))
        plan.issues.append(plan_issue)
    db.session.add(plan)
    record(plan, user, "start", "", plan.status)
    return plan


def record(plan: Plan, user, action: str, from_state: str, to_state: str, note: str | None = None, *,
           refused: bool = False, measure: Measure | None = None) -> PlanEvent:
    """Add an audit log entry of the plan (a change, or with refused=True an attempt that was refused)."""
    entry = (workflow.refusal_entry(user.id, action, from_state, None, note, utcnow()) if refused else
             workflow.audit_entry(user.id, action, from_state, to_state, note, utcnow()))
    event = PlanEvent(user_id=entry["actor_id"], action=action, from_state=entry["from_state"] or "",
                      to_state=entry["to_state"] or "", note=entry["note"] or "", refused=refused, at=entry["at"],
                      measure_id=measure.id if measure is not None else None)
    plan.events.append(event)
    return event


def total_cost(plan: Plan) -> Decimal:
    """Return the exact total cost of the plan's measures in som (measures without a cost count 0)."""
    # Summed as Decimals: SQLite keeps NUMERIC as floating point, so SUM() there is not exact.
    return sum((m.cost for m in plan.measures if m.cost is not None), Decimal("0.00"))


def newer_version(plan: Plan) -> Plan | None:
    """Return the version made from this plan, if any."""
    return db.session.scalar(db.select(Plan).filter_by(previous_id=plan.id).limit(1))


def new_version(plan: Plan, user) -> Plan:
    """Copy an adopted plan (issues, measures, partners, indicators) into the next version, in draft."""
    copy = Plan(municipality_id=plan.municipality_id, first_year=plan.first_year, last_year=plan.last_year,
                status=workflow.NEW_VERSION_STATE, version=plan.version + 1, previous_id=plan.id,
                decision_id=plan.decision_id, created_by_id=user.id,
                **{f"title_{lang}": getattr(plan, f"title_{lang}") for lang in LANGUAGES})
    issues = {}
    for old in plan.issues:
        issues[old.id] = PlanIssue(issue_id=old.issue_id, position=old.position,
                                   **{f"{name}_{lang}": getattr(old, f"{name}_{lang}")
                                      for name in ("problem", "objective") for lang in LANGUAGES})
        copy.issues.append(issues[old.id])
    for old in plan.measures:
        measure = Measure(plan_issue=issues[old.plan_issue_id], position=old.position,
                          library_code=old.library_code, lead_id=old.lead_id, start=old.start, end=old.end,
                          cost=old.cost, funded=old.funded, area_id=old.area_id, lat=old.lat, lon=old.lon,
                          status=old.status,
                          partners=list(old.partners),
                          indicators=[Indicator(position=i.position, name=i.name, unit=i.unit, baseline=i.baseline,
                                                target=i.target, source=i.source) for i in old.indicators],
                          **{f"{name}_{lang}": getattr(old, f"{name}_{lang}")
                             for name in ("title", "description") for lang in LANGUAGES})
        copy.measures.append(measure)
    db.session.add(copy)
    record(copy, user, "new_version", "", copy.status,
           _("Version %(version)s, made from the adopted version %(previous)s.",
             version=copy.version, previous=plan.version))
    return copy
