"""Progress of an adopted plan's measures: indicator values over time, and each measure's percent complete.

The measure's status itself stays on plans.Measure (the plan pages show it); this floor adds what is
recorded once the plan is carried out. A value is typed in by the working group ("entry") or taken from
a closed follow-up survey's published figure ("survey", with the survey kept in survey_id).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from ..accounts.models import User, utcnow
from ..extensions import db
from ..municipalities.models import Municipality
from ..plans.models import Indicator, Measure
from ..plans.services import TIME_ZONE, today
from ..results import queries
from ..results.stats import percent
from ..surveys.models import Survey
from ..surveys.tally import ALL
from . import progress_calc
from .progress_calc import Reading


class IndicatorValue(db.Model):
    """One measured value of an indicator: on which day, what, a note, and where it comes from."""

    __tablename__ = "indicator_values"
    __table_args__ = (CheckConstraint("source IN ('entry', 'survey')", name="ck_indicator_values_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("plan_indicators.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    note: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(10), default="entry")
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    survey: Mapped[Survey | None] = relationship()


class MeasureProgress(db.Model):
    """How far a measure has got, as the working group judges it: percent complete, 0..100."""

    __tablename__ = "measure_progress"
    __table_args__ = (CheckConstraint("percent_complete BETWEEN 0 AND 100", name="ck_measure_progress_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"), unique=True)
    percent_complete: Mapped[int] = mapped_column(Integer, default=0)
    updated_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# --- reads ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueRow:
    """A stored value with the name of who entered it (None when the account is gone)."""

    value: IndicatorValue
    entered_by: str | None


@dataclass(frozen=True)
class IndicatorView:
    """An indicator on the progress page: its values newest first, where it stands, and its chart."""

    indicator: Indicator
    rows: list[ValueRow]
    progress: progress_calc.IndicatorProgress
    chart: progress_calc.Chart | None
    survey_share: bool  # measured by the safety survey: its published figure may be taken


@dataclass(frozen=True)
class MeasureView:
    """A measure's progress page: the stored percent complete (None: never reported), who updated it, the
    summary and the indicators."""

    progress: MeasureProgress | None
    updated_by: str | None
    summary: progress_calc.MeasureSummary
    indicators: list[IndicatorView]


def _reading(value: IndicatorValue) -> Reading:
    return Reading(value.measured_on, value.value, value.id)


def values_of(indicator_ids: list[int]) -> dict[int, list[ValueRow]]:
    """Return each indicator's values with who entered them, newest first, in one query."""
    found: dict[int, list[ValueRow]] = {i: [] for i in indicator_ids}
    if not indicator_ids:
        return found
    rows = db.session.execute(
        db.select(IndicatorValue, User.display_name)
        .outerjoin(User, User.id == IndicatorValue.created_by_id)
        .filter(IndicatorValue.indicator_id.in_(indicator_ids))
        .options(selectinload(IndicatorValue.survey))
        .order_by(IndicatorValue.measured_on.desc(), IndicatorValue.id.desc()))
    for value, name in rows:
        found[value.indicator_id].append(ValueRow(value, name))
    return found


def percents_complete(measure_ids: list[int]) -> dict[int, int]:
    """Return the reported percent complete of those measures that have one, by measure id, in one query."""
    if not measure_ids:
        return {}
    return dict(db.session.execute(db.select(MeasureProgress.measure_id, MeasureProgress.percent_complete)
                                   .filter(MeasureProgress.measure_id.in_(measure_ids))).all())


def measure_view(measure: Measure) -> MeasureView:
    """Return what the progress page shows of a measure."""
    row = db.session.execute(
        db.select(MeasureProgress, User.display_name).outerjoin(User, User.id == MeasureProgress.updated_by_id)
        .filter(MeasureProgress.measure_id == measure.id)).first()
    stored, updated_by = row if row is not None else (None, None)
    values = values_of([i.id for i in measure.indicators])
    views = []
    for indicator in measure.indicators:
        readings = [_reading(r.value) for r in values[indicator.id]]
        standing = progress_calc.indicator_progress(indicator.baseline, indicator.target, readings)
        views.append(IndicatorView(indicator, values[indicator.id], standing,
                                   progress_calc.chart(readings, standing.baseline, standing.target),
                                   progress_calc.is_survey_share(indicator.unit, indicator.source)))
    summary = progress_calc.measure_summary(measure.status, stored.percent_complete if stored else None,
                                            [(v.indicator.name, v.progress) for v in views])
    return MeasureView(stored, updated_by, summary, views)


def follow_up_surveys(municipality: Municipality) -> list[Survey]:
    """Return the municipality's closed follow-up surveys, newest first: their published figures may be taken."""
    return list(db.session.scalars(db.select(Survey).filter_by(municipality_id=municipality.id, status="closed",
                                                               round="follow_up").order_by(Survey.id.desc())))


def published_concern(survey: Survey, issue_code: str) -> tuple[Decimal | None, str | None]:
    """Return (the published % of respondents rating the issue serious, None) or (None, "not_published" or
    "no_figure"): the whole-number percentage the results page shows, never a figure it hides."""
    found = next((i for i in queries.build(survey, ALL).issues if i.code == issue_code), None)
    if found is None or not found.answered[0]:
        return None, "no_figure"
    if found.concern[0] is None:
        return None, "not_published"
    return percent(found.concern[0]), None


def survey_day(survey: Survey) -> date:
    """Return the day the survey closed, in Kyrgyzstan (SQLite gives the stored UTC time without its zone)."""
    if survey.closed_dt is None:
        return today()
    closed = survey.closed_dt if survey.closed_dt.tzinfo else survey.closed_dt.replace(tzinfo=UTC)
    return closed.astimezone(TIME_ZONE).date()


def survey_reading(survey: Survey, issue_code: str, indicator: Indicator, first_year: int,
                   on: date) -> tuple[date | None, Decimal | None, tuple[str, str] | None]:
    """Return (the day the survey closed, its published % rating the issue serious, None) for the indicator, or
    (None, None, (field, error code)) when it cannot be taken: the indicator is not a survey share, the figure
    is hidden or missing, or the survey closed before the plan's first year (or after `on`, today)."""
    if not progress_calc.is_survey_share(indicator.unit, indicator.source):
        return None, None, ("survey", "not_survey_indicator")
    value, error = published_concern(survey, issue_code)
    if error is not None:
        return None, None, ("issue", error)
    day = survey_day(survey)
    late = progress_calc.day_error(day, first_year, on)
    if late is not None:
        return None, None, ("survey", late)
    return day, value, None


# --- writes (the caller records the change in the plan's audit log and commits) ---------------------------------

def set_progress(measure: Measure, status: str, percent_complete: int, user) -> MeasureProgress:
    """Set the measure's status and percent complete."""
    measure.status = status
    stored = db.session.scalar(db.select(MeasureProgress).filter_by(measure_id=measure.id))
    if stored is None:
        stored = MeasureProgress(measure_id=measure.id)
        db.session.add(stored)
    stored.percent_complete, stored.updated_by_id, stored.updated_dt = percent_complete, user.id, utcnow()
    return stored


def add_value(indicator: Indicator, measured_on: date, value: Decimal, note: str, user, *,
              survey: Survey | None = None) -> IndicatorValue:
    """Add a value of the indicator, typed in, or with survey taken from that survey's published figure."""
    stored = IndicatorValue(indicator_id=indicator.id, measured_on=measured_on, value=value, note=note,
                            source="entry" if survey is None else "survey",
                            survey_id=None if survey is None else survey.id, created_by_id=user.id)
    db.session.add(stored)
    return stored
