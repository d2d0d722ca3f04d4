"""The municipality's map of its plan's measures: where the money goes, by status, with the survey's hotspots.

Public for the newest adopted plan (like the plan's public page and budget); the municipality's roles see its
newest plan whatever its status. A measure is placed at its own point, else at its area's; a measure of a
sensitive issue (domestic violence...) is never placed, not even by its area, to keep victims safe. Every
measure is listed in the table beside the map, placed or not.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import maps
from ..extensions import db
from ..i18n import current_language, localized, money_formatter
from ..municipalities.models import Municipality
from ..municipalities.permissions import can
from ..municipalities.services import get_or_404
from ..plans import workflow
from ..plans.forms import MEASURE_STATUS_LABELS
from ..plans.models import Measure, Plan, PlanIssue
from ..results import queries as results
from . import rollup, services

bp = Blueprint("measure_map", __name__)

# A colour per measure status (plans.forms.MEASURE_STATUS_LABELS), distinct from the hotspots' blue.
STATUS_COLOURS = {"planned": "#674ea7", "in_progress": "#b45f06", "done": "#38761d", "cancelled": "#6b6b6b"}
NOWHERE = _l("No place on the map")


@dataclass(frozen=True)
class MeasureRow:
    """A measure as the map page shows it: its figures (and their text in som), where it is placed (None: not
    on the map), its link."""

    measure: Measure
    title: str
    status: str
    figures: rollup.Figures
    place: tuple[float, float] | None
    place_name: str
    url: str
    planned: str
    allocated: str
    spent: str


def shown_plan(municipality: Municipality) -> Plan | None:
    """Return the plan the current user sees on the map: the newest adopted one (as plans.review.adopted_plan)
    for the public, the newest of any status for the municipality's roles; None when there is none.

    Issues, measures and their areas come in three queries, and nothing else of the plan.
    """
    query = db.select(Plan).filter_by(municipality_id=municipality.id)
    if not can("view", municipality):
        query = query.filter(Plan.status.in_(workflow.ADOPTED_STATES))
    return db.session.scalar(
        query.order_by(Plan.version.desc(), Plan.id.desc()).limit(1)
        .options(selectinload(Plan.issues).joinedload(PlanIssue.issue),
                 selectinload(Plan.measures).joinedload(Measure.area)))


def place_of(measure: Measure, sensitive: bool) -> tuple[float, float] | None:
    """Return where the measure goes on the map: its point, else its area's; never for a sensitive issue."""
    if sensitive:
        return None
    if measure.lat is not None and measure.lon is not None:
        return float(measure.lat), float(measure.lon)
    area = measure.area
    if area is not None and area.lat is not None and area.lon is not None:
        return float(area.lat), float(area.lon)
    return None


def measure_rows(municipality: Municipality, plan: Plan, summary: rollup.Rollup) -> list[MeasureRow]:
    """Return every measure of the plan with its figures, place and link (its budget page once adopted).

    Texts are translated and amounts formatted once per page, not once per measure: a plan may have hundreds.
    """
    sensitive = {pi.id for pi in plan.issues if pi.issue.is_sensitive}
    adopted = plan.status in workflow.ADOPTED_STATES
    lang, money = current_language(), money_formatter()
    statuses = {key: str(label) for key, label in MEASURE_STATUS_LABELS.items()}
    nowhere, on_map = str(NOWHERE), _("On the map")
    plan_page = url_for("plans.detail", slug=municipality.slug, plan_id=plan.id)
    rows = []
    for measure in plan.measures:
        place = place_of(measure, measure.plan_issue_id in sensitive)
        if measure.plan_issue_id in sensitive or place is None:
            place_name = nowhere
        else:
            place_name = localized(measure.area, "name", lang) if measure.area is not None else on_map
        url = (url_for("budget.measure", slug=municipality.slug, plan_id=plan.id, measure_id=measure.id) if adopted
               else f"{plan_page}#measure-{measure.id}")
        figures = summary.measures[measure.id]
        rows.append(MeasureRow(measure, localized(measure, "title", lang), statuses.get(measure.status, measure.status),
                               figures, place, place_name, url, money(figures.planned.kgs),
                               money(figures.allocated.kgs), money(figures.spent.kgs)))
    return rows


def markers(rows: list[MeasureRow], link_text: str) -> list[maps.Marker]:
    """Return a marker per placed measure: sized by the money allocated, coloured by status, figures in som."""
    # Each line translated once (without its values), then filled in per measure.
    status, planned, allocated, spent = (_("Status: %(status)s"), _("Planned cost: %(amount)s"),
                                         _("Allocated: %(amount)s"), _("Spent: %(amount)s"))
    return [maps.Marker(row.place[0], row.place[1], row.figures.allocated.kgs,
                        row.measure.status if row.measure.status in STATUS_COLOURS else "planned", row.title,
                        (status % {"status": row.status}, planned % {"amount": row.planned},
                         allocated % {"amount": row.allocated}, spent % {"amount": row.spent}),
                        row.url, link_text, row.measure.id)
            for row in rows if row.place is not None]


def measure_map(municipality: Municipality, plan: Plan, rows: list[MeasureRow], hotspots: list[maps.Circle],
                assets: maps.Assets) -> maps.MapParts:
    """Return the map of the placed measures, with the hotspots as a second layer and the boundary if stored."""
    adopted = plan.status in workflow.ADOPTED_STATES
    colours = {key: (colour, str(MEASURE_STATUS_LABELS[key])) for key, colour in STATUS_COLOURS.items()}
    center = (municipality.lat, municipality.lon) if municipality.lat is not None and municipality.lon is not None \
        else None
    return maps.marker_map(
        markers(rows, _("Budget of this measure") if adopted else _("See the measure in the plan")),
        colours=colours, assets=assets, title=_("Legend"), markers_name=_("Measures"), circles=hotspots,
        circles_name=_("Where people feel unsafe"), boundary_geojson=municipality.boundary_geojson,
        tiles=maps.configured_tiles(), center=center, zoom=11,
        notes=(_("The bigger the circle, the more money is allocated to the measure."),
               _("A numbered circle groups measures close together: tap it to zoom in.")), key_option="measure")


@bp.route("/m/<slug>/map")
def page(slug: str):
    """Show the map of the plan's measures (size: money allocated, colour: status) and the same as a table."""
    municipality = get_or_404(slug)
    plan = shown_plan(municipality)
    if plan is None:
        return render_template("budget/map_none.html", m=municipality), 404
    summary = services.plan_rollup(plan)
    rows = measure_rows(municipality, plan, summary)
    survey = next(iter(results.visible_surveys(municipality)), None)
    table, hotspots = results.hotspots(municipality, survey) if survey is not None else (None, [])
    parts = measure_map(municipality, plan, rows, hotspots, maps.vendored_assets())
    return render_template("budget/map.html", m=municipality, plan=plan, rows=rows, parts=parts, survey=survey,
                           hotspot_table=table, adopted=plan.status in workflow.ADOPTED_STATES,
                           labels=workflow.STATE_LABELS, placed=sum(row.place is not None for row in rows))
