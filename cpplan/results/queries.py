"""What the results pages and the scoring matrix read: counts kept as responses arrive, never rows."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import func

from .. import maps
from ..extensions import db
from ..municipalities.models import Municipality
from ..municipalities.permissions import can
from ..surveys import catalogue
from ..surveys.models import Survey, Tally
from ..surveys.tally import ALL, SPLITS
from . import report, stats


@dataclass(frozen=True)
class IssueFigures:
    """One issue's survey figures for the scoring matrix; None wherever disclosure control hides it or data lacks."""

    code: str
    concern: Decimal | None      # share of respondents rating the issue 4 or 5 of 5 (0..1)
    mean: Decimal | None         # mean seriousness (1..5)
    prevalence: Decimal | None   # share reporting it happened to them or their household (0..1)
    change: Decimal | None       # concern in the latest follow-up round minus the baseline round (-1..1)


def thresholds() -> tuple[int, int]:
    """Return the small-cell thresholds: ordinary and sensitive questions."""
    return current_app.config["CPPLAN_MIN_CELL"], current_app.config["CPPLAN_MIN_CELL_SENSITIVE"]


def counts(survey_id: int, split: str = ALL) -> report.Counts:
    """Return the survey's kept counts for everyone and, with a split, per group: sums over a few thousand rows."""
    found: report.Counts = {}
    keys = (Tally.question_code, Tally.item, Tally.value)
    for code, item, value, n in db.session.execute(
            db.select(*keys, func.sum(Tally.n)).where(Tally.survey_id == survey_id).group_by(*keys)):
        found[(report.EVERYONE, code, item, value)] = int(n)
    if split in SPLITS:
        column = getattr(Tally, split)
        for group, code, item, value, n in db.session.execute(
                db.select(column, *keys, func.sum(Tally.n)).where(Tally.survey_id == survey_id)
                .group_by(column, *keys)):
            found[(group, code, item, value)] = int(n)
    return found


def overall(survey_id: int) -> report.Counts:
    """Return the kept counts of everyone (no split)."""
    return counts(survey_id, ALL)


def split_or_none(value: str | None) -> str:
    """Return a known split from a query argument, or ALL."""
    return value if value in SPLITS else ALL


def surveys_with_answers(municipality: Municipality) -> list[Survey]:
    """Return the municipality's opened surveys, newest first."""
    return db.session.scalars(db.select(Survey).where(Survey.municipality_id == municipality.id,
                                                      Survey.status != "draft").order_by(Survey.id.desc())).all()


def visible_surveys(municipality: Municipality) -> list[Survey]:
    """Return the opened surveys whose results the current user may read, newest first: closed ones for
    everyone, open ones (first results) for the municipality's roles only."""
    return [s for s in surveys_with_answers(municipality) if s.status == "closed" or can("view", municipality)]


def questionnaire(survey: Survey) -> report.Questionnaire:
    """Return the plain description of the survey's questions, options, villages and issues."""
    return report.describe(survey, catalogue.issues_for(survey.municipality_id), survey.municipality.areas)


def build(survey: Survey, split: str) -> report.Report:
    """Return the survey's protected results, split by gender, age band or area (or not at all)."""
    return report.build(questionnaire(survey), counts(survey.id, split), split, *thresholds())


def hotspots(municipality: Municipality, survey: Survey) -> tuple[report.Table | None, list[maps.Circle]]:
    """Return the survey's "where do you feel unsafe" table and one circle per village or ward sized by its count.

    Aggregated and protected: a village whose count is hidden (below the small-cell threshold), zero, or
    without coordinates gets no circle; never a respondent's own point.
    """
    table = build(survey, ALL).table("unsafe_area")
    areas = {str(a.id): a for a in municipality.areas}
    circles = []
    for row in table.rows if table is not None else ():
        area, count = areas.get(row.key), row.cells[0]
        if area is None or area.lat is None or area.lon is None or stats.is_hidden(count) or not count:
            continue
        circles.append(maps.Circle(float(area.lat), float(area.lon), count,
                                   ngettext("%(name)s: %(num)s person", "%(name)s: %(num)s people", count,
                                            name=row.label)))
    return table, circles


def _rounds(municipality: Municipality) -> tuple[Survey | None, Survey | None]:
    """Return the latest baseline and the latest follow-up survey that have answers."""
    found = surveys_with_answers(municipality)
    baseline = next((s for s in found if s.round == "baseline"), None)
    follow_up = next((s for s in found if s.round == "follow_up" and (baseline is None or s.id > baseline.id)), None)
    return baseline, follow_up


def has_rounds(municipality: Municipality) -> bool:
    """Return True when a baseline and a later follow-up survey both have answers to compare."""
    return None not in _rounds(municipality)


def comparison(municipality: Municipality) -> report.Comparison | None:
    """Return the change per issue between the baseline and the follow-up round, or None without both."""
    baseline, follow_up = _rounds(municipality)
    if baseline is None or follow_up is None:
        return None
    return report.compare(build(baseline, ALL), build(follow_up, ALL), baseline, follow_up)


def issue_figures(municipality: Municipality) -> dict[str, IssueFigures]:
    """Return each issue's concern, mean, prevalence and change between rounds, as published (hidden -> None)."""
    baseline, follow_up = _rounds(municipality)
    latest = follow_up or baseline
    if latest is None:
        return {}
    current = build(latest, ALL)
    change = {}
    if baseline is not None and follow_up is not None:
        change = {c.code: c.change for c in report.compare(build(baseline, ALL), current, baseline, follow_up).issues}
    prevalence = current.prevalence()
    return {issue.code: IssueFigures(issue.code, issue.concern[0], issue.mean[0], prevalence.get(issue.code),
                                     change.get(issue.code))
            for issue in current.issues}
