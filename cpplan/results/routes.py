"""Results pages: a survey's published results, split on the page, as CSV, the hotspot map, rounds compared."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import maps
from ..municipalities import guide
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, owned_or_404
from ..surveys import export
from ..surveys.models import Survey
from . import queries, report, stats

bp = Blueprint("results", __name__)


def results_step(municipality: Municipality) -> guide.StepState:
    """Report the results step: nothing to show yet, first answers while the survey is open, final once closed."""
    latest = next(iter(queries.surveys_with_answers(municipality)), None)
    if latest is None:
        return guide.StepState("todo", _("Results appear here once the survey has answers."))
    url = url_for("results.survey", slug=municipality.slug, survey_id=latest.id)
    if latest.status == "open":
        if not can("view", municipality):
            return guide.StepState("in_progress", _("The survey is still collecting answers."))
        return guide.StepState("in_progress", _("The survey is still collecting answers; these are the first results."),
                               _("See the first results"), url)
    return guide.StepState("done", _("The results are final and can be shared."), _("See the results"), url)


def init_app(app) -> None:
    """Light up the results step of the planning guide; give templates the split names."""
    guide.register_step(app, "results", results_step)
    app.jinja_env.globals.update(result_splits=report.SPLIT_LABELS, is_hidden=stats.is_hidden)


def _survey(slug: str, survey_id: int) -> tuple[Municipality, Survey]:
    """Return the municipality and survey whose results the visitor may read.

    A closed survey's results are public (they are published with disclosure control); while a
    survey is open its first results are for the municipality's roles only; a draft has none.
    """
    municipality = get_or_404(slug)
    survey = owned_or_404(Survey, municipality, survey_id)
    if survey.status == "draft":
        abort(404)
    if survey.status != "closed":
        require("view", municipality)
    return municipality, survey


def _split() -> str:
    return queries.split_or_none(request.args.get("split"))


@bp.route("/m/<slug>/results")
def latest(slug: str):
    """Send the visitor to the latest survey's results (or say there are none yet)."""
    municipality = get_or_404(slug)
    visible = queries.visible_surveys(municipality)
    if not visible:
        return render_template("results/none.html", m=municipality), 404
    return redirect(url_for("results.survey", slug=slug, survey_id=visible[0].id))


@bp.route("/m/<slug>/results/<int:survey_id>")
def survey(slug: str, survey_id: int):
    """Show a survey's results: every count protected, split by gender, age band or village on request."""
    municipality, survey = _survey(slug, survey_id)
    split = _split()
    built = queries.build(survey, split)
    return render_template("results/survey.html", m=municipality, survey=survey, r=built, split=split,
                           others=[s for s in queries.surveys_with_answers(municipality) if s.id != survey.id
                                   and (s.status == "closed" or can("view", municipality))],
                           has_rounds=queries.has_rounds(municipality))


def csv_rows(built: report.Report):
    """Yield the published results as CSV rows: section, question, answer, group, count, percent."""
    columns = [("all", "")] + [(key or "no_answer", label) for key, label in built.groups]
    for _name, _title, tables in built.sections:
        for table in tables:
            for row in table.rows:
                for (group, _label), cell, share in zip(columns, row.cells, row.percents):
                    yield [table.code, row.key, built.split or "all", group, stats.published(cell, table.threshold),
                           "" if share is None else str(stats.percent(share))]
            for (group, _label), total in zip(columns, table.totals):
                yield [table.code, "*answered", built.split or "all", group, stats.published(total, table.threshold), ""]
    for issue in built.issues:
        for (group, _label), answered, concern, mean in zip(columns, issue.answered, issue.concern, issue.mean):
            yield [f"issue/{issue.code}", "*serious_4_5", built.split or "all", group, stats.published(answered, issue.threshold),
                   "" if concern is None else str(stats.percent(concern))]
            yield [f"issue/{issue.code}", "*mean", built.split or "all", group, "", "" if mean is None else str(mean)]


@bp.route("/m/<slug>/results/<int:survey_id>/results.csv")
def survey_csv(slug: str, survey_id: int):
    """Download the published results (never a respondent's row) as CSV for Excel."""
    municipality, survey = _survey(slug, survey_id)
    built = queries.build(survey, _split())
    header = ["question", "answer", "split", "group", "count", "percent"]
    response = make_response("".join(export.csv_text(header, csv_rows(built))).encode("utf-8"))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=survey-{survey.id}-results-{built.split or 'all'}.csv")
    return response


@bp.route("/m/<slug>/results/<int:survey_id>/map")
def hotspots(slug: str, survey_id: int):
    """Show where respondents feel unsafe, as one circle per village sized by its count; small counts hidden."""
    municipality, survey = _survey(slug, survey_id)
    table, circles = queries.hotspots(municipality, survey)
    center = (float(municipality.lat or 41.2), float(municipality.lon or 74.7))
    parts = maps.circle_map(circles, center=center, zoom=11, title=_("Where people feel unsafe"), assets=maps.Assets(
        url_for("static", filename="vendor/leaflet/leaflet.js"), url_for("static", filename="vendor/leaflet/leaflet.css"),
        url_for("static", filename="vendor/kyrgyzstan.geojson")))
    return render_template("results/map.html", m=municipality, survey=survey, table=table, parts=parts)


@bp.route("/m/<slug>/results/rounds")
def rounds(slug: str):
    """Compare the baseline and the follow-up survey: the change per issue, event and feeling."""
    municipality = get_or_404(slug)
    comparison = queries.comparison(municipality)
    if comparison is None:
        return render_template("results/none.html", m=municipality, rounds=True), 404
    for s in (comparison.baseline, comparison.follow_up):
        if s.status != "closed":
            require("view", municipality)
    return render_template("results/rounds.html", m=municipality, c=comparison)
