"""The open-data API's plain data: municipalities, plans and budgets as JSON-ready dicts (openapi.py describes them).

Money is a string of som with two decimals ("61000.50"), never a float; dollars the same at each year's rate,
or None where a year has no rate. Percentages are numbers. Nothing here names a person, repeats an audit-log
note, a comment or a review note, or locates a measure by a point; a measure of a sensitive issue is not
located by its area either (the public plan page's rule, kept for every reader).
"""
from __future__ import annotations

from decimal import Decimal

from flask import url_for

from ..budget import rollup
from ..config import LANGUAGES
from ..municipalities.models import Municipality, Organisation
from ..plans import workflow
from ..plans.models import Measure, Plan
from ..surveys.models import Survey

HUNDRED = Decimal(100)


def names(obj, field: str) -> dict[str, str]:
    """Return obj.<field>_ky/_ru/_en as {"ky": ..., "ru": ..., "en": ...} ('' where not written)."""
    return {lang: getattr(obj, f"{field}_{lang}") or "" for lang in LANGUAGES}


def money(value: Decimal | None) -> str | None:
    """Return an amount as a decimal string rounded to the cent ("61000.50"), or None."""
    return None if value is None else f"{rollup.display(value):f}"


def percent(ratio: Decimal | None) -> float | None:
    """Return a ratio as a percentage with one decimal (a JSON number), or None."""
    return None if ratio is None else float(round(ratio * HUNDRED, 1))


def amount(value: rollup.Amount) -> dict:
    return {"kgs": money(value.kgs), "usd": money(value.usd)}


# --- municipalities -----------------------------------------------------------------------------------------

def plan_state(plan: Plan | None) -> dict | None:
    return None if plan is None else {"id": plan.id, "version": plan.version, "status": plan.status,
                                      "url": url_for("api.plan", plan_id=plan.id)}


def municipality(m: Municipality, adopted: Plan | None, latest: Plan | None, internal: bool) -> dict:
    """Return a municipality's public facts and its newest adopted plan; with internal (the reader has "view" in
    it) also its newest plan version whatever its state."""
    data = {
        "slug": m.slug, "name": names(m, "name"), "region": m.region, "district": names(m, "district"),
        "kind": m.kind, "population": m.population, "lat": m.lat, "lon": m.lon, "is_demo": m.is_demo,
        "adopted_plan": plan_state(adopted),
        "links": {"self": url_for("api.municipality", slug=m.slug),
                  "open_surveys": url_for("api.open_surveys", slug=m.slug),
                  "public_plan": url_for("plans.public", slug=m.slug) if adopted else None},
    }
    if internal:
        data["latest_plan"] = plan_state(latest)
    return data


def plan_summary(plan: Plan) -> dict:
    return {**plan_state(plan), "title": names(plan, "title"), "first_year": plan.first_year,
            "last_year": plan.last_year}


def survey_summary(survey: Survey, slug: str) -> dict:
    return {"id": survey.id, "round": survey.round, "status": survey.status, "title": names(survey, "title"),
            "results_url": url_for("api.survey_results", slug=slug, survey_id=survey.id)}


# --- a plan ---------------------------------------------------------------------------------------------------

def organisation(org: Organisation) -> dict:
    return {"kind": org.kind, "name": names(org, "name")}


def measure(ms: Measure, issue_codes: dict[int, str], sensitive: set[int], percent_complete: int | None) -> dict:
    """Return a measure as the public page shows it: no point, and no area under a sensitive issue."""
    located = ms.area is not None and ms.plan_issue_id not in sensitive
    return {
        "id": ms.id, "issue": issue_codes[ms.plan_issue_id], "title": names(ms, "title"),
        "description": names(ms, "description"), "lead": organisation(ms.lead) if ms.lead else None,
        "partners": [organisation(o) for o in ms.partners], "start": ms.start, "end": ms.end,
        "cost": money(ms.cost), "funded": money(ms.funded), "status": ms.status,
        "percent_complete": percent_complete, "area": names(ms.area, "name") if located else None,
        "indicators": [{"name": i.name, "unit": i.unit, "baseline": i.baseline, "target": i.target,
                        "source": i.source} for i in ms.indicators],
    }


def plan(p: Plan, total_cost: Decimal, percents: dict[int, int]) -> dict:
    """Return the plan with its priority issues and measures (percents: percent complete by measure id)."""
    issue_codes = {pi.id: pi.issue.code for pi in p.issues}
    sensitive = {pi.id for pi in p.issues if pi.issue.is_sensitive}
    decided = p.council_decision_number or p.council_decision_date
    return {
        **plan_summary(p), "municipality": p.municipality.slug,
        "council_decision": {"number": p.council_decision_number,
                             "date": p.council_decision_date.isoformat() if p.council_decision_date else None}
        if decided else None,
        "total_cost": money(total_cost),
        "issues": [{"code": pi.issue.code, "name": names(pi.issue, "name"), "sensitive": pi.issue.is_sensitive,
                    "problem": names(pi, "problem"), "objective": names(pi, "objective")} for pi in p.issues],
        "measures": [measure(ms, issue_codes, sensitive, percents.get(ms.id)) for ms in p.measures],
        "links": {"municipality": url_for("api.municipality", slug=p.municipality.slug),
                  "budget": url_for("api.plan_budget", plan_id=p.id),
                  "public_page": url_for("plans.public_version", slug=p.municipality.slug, version=p.version)
                  if p.status in workflow.ADOPTED_STATES else None},
    }


# --- a plan's budget --------------------------------------------------------------------------------------------

def figures(f: rollup.Figures) -> dict:
    return {"planned": amount(f.planned), "allocated": amount(f.allocated), "spent": amount(f.spent),
            "gap": amount(f.gap), "overspend_kgs": money(f.overspend), "execution_percent": percent(f.execution)}


def budget_line(header: list[str], row: list) -> dict:
    """Return an export row of budget.services.budget_lines as a dict keyed by its header, money as a string."""
    line = dict(zip(header, row))
    line["amount_kgs"] = money(line["amount_kgs"])
    for key in ("source", "date"):
        line[key] = line[key] or None  # an expenditure has no source; an allocation may have no date
    return line


def budget(p: Plan, summary: rollup.Rollup, header: list[str], rows: list[list]) -> dict:
    """Return the plan's budget roll-up and its lines (allocations, then expenditures)."""
    return {
        "plan": p.id, "municipality": p.municipality.slug, "status": p.status, "currency": "KGS",
        "total": {**figures(summary.total), "unestimated_measures": summary.unestimated,
                  "overspent_measures": summary.overspent},
        "by_source": [{"source": source, **amount(value)} for source, value in summary.by_source.items()],
        "by_issue": [{"issue": code, **figures(f)} for code, f in summary.by_issue.items()],
        "by_year": [{"year": y.year, "planned": amount(y.planned), "allocated": amount(y.allocated),
                     "spent": amount(y.spent), "kgs_per_usd": None if y.rate is None else f"{y.rate:f}"}
                    for y in summary.by_year.values()],
        "missing_rates": summary.missing_rates,
        "measures": [{"measure": measure_id, **figures(f)} for measure_id, f in summary.measures.items()],
        "lines": [budget_line(header, row) for row in rows],
        "links": {"plan": url_for("api.plan", plan_id=p.id)},
    }
