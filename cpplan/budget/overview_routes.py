"""The national overview: every municipality's plan status, the inhabitants covered, the money allocated and
spent (som and US dollars) by year and source, the issues the adopted plans take on, and a map.

Public, like the adopted plans it sums up; site admins also see each municipality's exact plan status (a draft
or a plan in review is not the public's business) and which years lack an exchange rate.
"""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import maps
from ..i18n import format_money, format_number, localized
from ..municipalities.labels import REGION_LABELS
from ..municipalities.permissions import can
from ..plans import workflow
from . import overview
from .labels import SOURCE_LABELS
from .routes import bars

bp = Blueprint("overview", __name__)

STATUS_LABELS = {
    "adopted": _l("Plan adopted, being carried out"),
    "completed": _l("Plan completed"),
    "preparing": _l("Preparing a plan"),
    "none": _l("No plan yet"),
}


# A colour per public plan status: being carried out, completed, preparing, none.
STATUS_COLOURS = {"adopted": "#38761d", "completed": "#0b5394", "preparing": "#b45f06", "none": "#6b6b6b"}


def municipality_map(figures: overview.Overview) -> maps.MapParts:
    """Return the map of municipalities: size by money allocated, colour by plan status, a link to the budget."""
    markers = []
    for place in figures.places:
        mu = place.municipality
        if mu.lat is None or mu.lon is None:
            continue
        link = (url_for("budget.plan", slug=mu.slug, plan_id=place.adopted_plan_id) if place.adopted_plan_id
                else url_for("municipalities.overview", slug=mu.slug))
        markers.append(maps.Marker(
            mu.lat, mu.lon, place.allocated, place.status, localized(mu, "name"),
            (str(STATUS_LABELS[place.status]),
             _("Inhabitants: %(num)s", num=format_number(mu.population or 0)),
             _("Allocated: %(amount)s", amount=format_money(place.allocated)),
             _("Spent: %(amount)s", amount=format_money(place.spent))),
            link, _("Budget of the plan") if place.adopted_plan_id else _("Municipality page"), mu.slug))
    colours = {key: (colour, str(STATUS_LABELS[key])) for key, colour in STATUS_COLOURS.items()}
    return maps.marker_map(markers, colours=colours, assets=maps.vendored_assets(), title=_("Legend"),
                           markers_name=_("Municipalities"), tiles=maps.configured_tiles(), cluster=False,
                           notes=(_("The bigger the circle, the more money is allocated to the plans."),),
                           key_option="municipality")


@bp.route("/overview")
def national():
    """Show the overview of every municipality's plan and money."""
    figures = overview.build()
    money = figures.money
    charts = {
        "year": bars([item for y in money.by_year.values()
                      for item in ((_("%(year)s: allocated", year=y.year), y.allocated.kgs, "allocated"),
                                   (_("%(year)s: spent", year=y.year), y.spent.kgs, "spent"))]),
        "source": bars([(str(SOURCE_LABELS.get(s, s)), a.kgs, "allocated") for s, a in money.by_source.items()]),
        "issue": bars([(localized(issue, "name"), count, "planned") for issue, count in figures.issues], format_number),
    }
    exact_labels = {**workflow.STATE_LABELS, "none": STATUS_LABELS["none"]}
    return render_template("budget/overview.html", o=figures, money=money, charts=charts, statuses=STATUS_LABELS,
                           exact_labels=exact_labels, sources=SOURCE_LABELS, regions=REGION_LABELS,
                           admin=can("admin"), parts=municipality_map(figures))
