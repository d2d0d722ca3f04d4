"""Changes to plans shared by the plan pages: start from the agreed priorities, record events, new versions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, func
from sqlalchemy.orm import selectinload

from ..accounts.models import User, utcnow
from ..config import LANGUAGES
from ..extensions import db
from ..i18n import format_share, localized
from ..municipalities.models import Membership, Municipality
from ..municipalities.permissions import role_in
from ..priorities.models import PriorityDecision
from . import compare, workflow
from .models import Indicator, Measure, Plan, PlanComment, PlanEvent, PlanIssue

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
                          status=old.status, previous_id=old.id,
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


# --- comments, the audit log across versions, comparing versions (plans/review_routes.py) ----------------------

COMMENT_MAX = 2000   # characters of one comment
LOG_PAGE_SIZE = 100  # rows of the audit log page


@dataclass(frozen=True)
class CommentView:
    """A comment as the plan page shows it: the author's name and role ("admin" for a site admin), when, what."""

    id: int
    measure_id: int | None
    body: str
    created_dt: datetime
    author: str | None
    role: str | None


def add_comment(plan: Plan, user, body: str, measure: Measure | None = None) -> PlanComment:
    """Add a comment on the plan, or on one of its measures (the caller checked both and commits)."""
    comment = PlanComment(plan_id=plan.id, measure_id=None if measure is None else measure.id, user_id=user.id,
                          body=body)
    db.session.add(comment)
    return comment


def comments_of(plan: Plan) -> dict[int | None, list[CommentView]]:
    """Return the plan's comments by measure id (None: on the plan itself), oldest first, in one query."""
    rows = db.session.execute(
        db.select(PlanComment, User.display_name, User.is_admin, Membership.role)
        .outerjoin(User, User.id == PlanComment.user_id)
        .outerjoin(Membership, (Membership.user_id == PlanComment.user_id)
                   & (Membership.municipality_id == plan.municipality_id))
        .filter(PlanComment.plan_id == plan.id)
        .order_by(PlanComment.created_dt, PlanComment.id))
    grouped: dict[int | None, list[CommentView]] = {}
    for comment, name, is_admin, role in rows:
        grouped.setdefault(comment.measure_id, []).append(CommentView(
            comment.id, comment.measure_id, comment.body, comment.created_dt, name,
            role or ("admin" if is_admin else None)))
    return grouped


def versions_back(plan: Plan) -> list[Plan]:
    """Return the plan and the versions it was made from (following previous_id), newest first."""
    chain, seen = [plan], {plan.id}
    while chain[-1].previous_id is not None and chain[-1].previous_id not in seen:
        previous = db.session.get(Plan, chain[-1].previous_id)
        if previous is None or previous.municipality_id != plan.municipality_id:
            break
        chain.append(previous)
        seen.add(previous.id)
    return chain


@dataclass(frozen=True)
class LogRow:
    """An audit log entry with the version it belongs to and the measure it names (None if none or deleted)."""

    event: PlanEvent
    version: int
    measure: Measure | None


@dataclass(frozen=True)
class LogPage:
    """One page of the audit log: its rows, newest first, and the paging (total: rows matching the filter)."""

    rows: list[LogRow]
    number: int
    pages: int
    total: int


def log_counts(plan_ids: list[int]) -> tuple[int, int]:
    """Return (entries, refused attempts) in the audit log of these plan versions, counted by the database."""
    total, refused = db.session.execute(
        db.select(func.count(PlanEvent.id), func.coalesce(func.sum(case((PlanEvent.refused, 1), else_=0)), 0))
        .filter(PlanEvent.plan_id.in_(plan_ids))).one()
    return int(total), int(refused)


def log_page(plan_ids: list[int], number: int, *, refused_only: bool = False) -> LogPage:
    """Return page `number` (1-based, clamped) of the audit log of these plan versions, newest first."""
    where = [PlanEvent.plan_id.in_(plan_ids)]
    if refused_only:
        where.append(PlanEvent.refused)
    total = db.session.scalar(db.select(func.count(PlanEvent.id)).filter(*where))
    pages = max(1, -(-total // LOG_PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = db.session.execute(
        db.select(PlanEvent, Plan.version, Measure)
        .join(Plan, Plan.id == PlanEvent.plan_id)
        .outerjoin(Measure, Measure.id == PlanEvent.measure_id)
        .filter(*where)
        .order_by(PlanEvent.at.desc(), PlanEvent.id.desc())
        .limit(LOG_PAGE_SIZE).offset((number - 1) * LOG_PAGE_SIZE)).all()
    return LogPage([LogRow(event, version, measure) for event, version, measure in rows], number, pages, total)


def _texts(obj, name: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{name}_{lang}") or "" for lang in LANGUAGES}


def comparable(plan: Plan) -> compare.PlanData:
    """Return a plan version as compare.PlanData: its issues, measures, partners and indicators in a few queries."""
    plan = db.session.scalar(
        db.select(Plan).filter_by(id=plan.id)
        .options(selectinload(Plan.issues),
                 selectinload(Plan.measures).options(selectinload(Measure.partners),
                                                     selectinload(Measure.indicators))))
    issue_of = {pi.id: pi.issue_id for pi in plan.issues}
    return compare.PlanData(
        title=_texts(plan, "title"), first_year=plan.first_year, last_year=plan.last_year,
        issues=tuple(compare.IssueData(pi.issue_id, _texts(pi, "problem"), _texts(pi, "objective"))
                     for pi in plan.issues),
        measures=tuple(compare.MeasureData(
            issue_id=issue_of[m.plan_issue_id], title=_texts(m, "title"), library_code=m.library_code,
            description=_texts(m, "description"), lead=m.lead_id, partners=frozenset(o.id for o in m.partners),
            start=m.start, end=m.end, cost=m.cost, funded=m.funded, area=m.area_id, status=m.status,
            indicators=tuple(compare.IndicatorData(i.name, i.unit, i.baseline, i.target, i.source)
                             for i in m.indicators)) for m in plan.measures))


def change_request(plan: Plan) -> PlanEvent | None:
    """Return the step that asked for changes (police review or council), while the plan waits for them."""
    if plan.status != "changes_requested":
        return None
    return db.session.scalar(db.select(PlanEvent).filter_by(plan_id=plan.id, refused=False, to_state=plan.status)
                             .order_by(PlanEvent.id.desc()).limit(1))
