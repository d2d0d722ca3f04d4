"""The OpenAPI 3.1 document of /api/v1, as plain data (served at /api/v1/openapi.json, checked by schemathesis).

Enumerations come from the models and validators, so a new state or source shows up here by itself. Every
object lists its required properties and forbids others: a property the document does not describe is a
schema failure in tests/test_api_schema.py, so nothing new reaches clients unnoticed.
"""
from __future__ import annotations

from ..budget.validation import SOURCES
from ..config import LANGUAGES
from ..municipalities.models import KINDS, ORGANISATION_KINDS, REGIONS
from ..plans.validation import STATUSES as MEASURE_STATUSES
from ..plans.workflow import STATES as PLAN_STATES
from ..surveys.models import KINDS as QUESTION_KINDS
from ..surveys.models import ROUNDS, STATUSES as SURVEY_STATUSES
from ..surveys.tally import SPLITS
from ..web import MAX_ID  # the largest id in an address (the routes' converter ends there too)

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # municipalities/forms.py MunicipalityForm.validate_slug


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """Return the schema that also allows null."""
    if isinstance(schema.get("type"), str) and "$ref" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """Return a closed object schema: every property required except the optional ones, no other property."""
    return {"type": "object", "required": [k for k in properties if k not in optional], "properties": properties,
            "additionalProperties": False}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}
YEAR = {"type": "integer", "minimum": 1900, "maximum": 2200}
URL = {"type": "string", "format": "uri-reference"}
DATE = {"type": "string", "format": "date"}
SLUG = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 64}
PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}

PLAN_STATE = {"id": ID, "version": {"type": "integer", "minimum": 1}, "status": enum(PLAN_STATES), "url": URL}
PLAN_SUMMARY = {**PLAN_STATE, "title": ref("Names"), "first_year": YEAR, "last_year": YEAR}
MUNICIPALITY = {
    "slug": SLUG, "name": ref("Names"), "region": enum(REGIONS), "district": ref("Names"), "kind": enum(KINDS),
    "population": nullable(COUNT), "lat": nullable({"type": "number"}), "lon": nullable({"type": "number"}),
    "is_demo": BOOLEAN,
    "adopted_plan": nullable(ref("PlanState")),
    "latest_plan": nullable(ref("PlanState")),
    "links": obj({"self": URL, "open_surveys": URL, "public_plan": nullable(URL)}),
}
FIGURES = {"planned": ref("Amount"), "allocated": ref("Amount"), "spent": ref("Amount"), "gap": ref("Amount"),
           "overspend_kgs": ref("Money"),
           "execution_percent": nullable({"type": "number", "minimum": 0,
                                          "description": "Spent / allocated × 100, one decimal; over 100 when "
                                                         "more was spent than allocated; null when nothing is "
                                                         "allocated."})}
PERCENTS = array(nullable(PERCENT))
# A published count: the number, "<threshold" when small, or "hidden" (secondary suppression).
PUBLISHED_COUNT = {"oneOf": [COUNT, {"type": "string", "pattern": r"^(<[0-9]+|hidden)$"}]}
MEANS = array(nullable({"type": "number", "minimum": 1, "maximum": 5}))

SCHEMAS = {
    "Names": {**obj({lang: STRING for lang in LANGUAGES}), "description": "A text in Kyrgyz, Russian and English "
                                                                          "('' where it was not written)."},
    "Money": {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$",
              "description": "An exact amount as a decimal string with two decimals, e.g. \"61000.50\"."},
    "Amount": {**obj({"kgs": ref("Money"), "usd": nullable(ref("Money"))}),
               "description": "Som, and US dollars at each year's rate (null when a year it draws on has no rate)."},
    "Error": obj({"error": {**STRING, "description": "A code: not_found, closed, conflict, ... or the HTTP status "
                                                      "(\"404\", \"405\", \"413\", \"429\") for general errors."},
                  "message": {**STRING, "description": "What went wrong, in the request's language."}}),
    "Invalid": obj({"error": enum(["invalid"]), "message": STRING,
                    "errors": array(obj({"field": STRING, "error": STRING, "message": STRING}))}),
    "PlanState": obj(PLAN_STATE),
    "PlanSummary": obj(PLAN_SUMMARY),
    "SurveySummary": obj({"id": ID, "round": enum(ROUNDS), "status": enum(SURVEY_STATUSES), "title": ref("Names"),
                          "results_url": URL}),
    "Municipality": obj(MUNICIPALITY, optional=("latest_plan",)),
    "MunicipalityDetail": obj({**MUNICIPALITY, "plans": array(ref("PlanSummary")),
                               "surveys": array(ref("SurveySummary"))}, optional=("latest_plan",)),
    "Organisation": obj({"kind": enum(ORGANISATION_KINDS), "name": ref("Names")}),
    "Measure": obj({
        "id": ID, "issue": STRING, "title": ref("Names"), "description": ref("Names"),
        "lead": nullable(ref("Organisation")), "partners": array(ref("Organisation")),
        "start": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"},
        "end": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"},
        "cost": nullable(ref("Money")), "funded": nullable(ref("Money")), "status": enum(MEASURE_STATUSES),
        "percent_complete": nullable(PERCENT),
        "area": {**nullable(ref("Names")), "description": "The village or ward; always null under a sensitive "
                                                          "issue. A measure's map point is never published."},
        "indicators": array(obj({"name": STRING, "unit": STRING, "baseline": STRING, "target": STRING,
                                 "source": STRING})),
    }),
    "Plan": obj({
        **PLAN_SUMMARY, "municipality": SLUG,
        "council_decision": nullable(obj({"number": STRING, "date": nullable(DATE)})),
        "total_cost": ref("Money"),
        "issues": array(obj({"code": STRING, "name": ref("Names"), "sensitive": BOOLEAN, "problem": ref("Names"),
                             "objective": ref("Names")})),
        "measures": array(ref("Measure")),
        "links": obj({"municipality": URL, "budget": URL, "public_page": nullable(URL)}),
    }),
    "Figures": obj(FIGURES),
    "BudgetLine": obj({
        "kind": enum(["allocation", "expenditure"]), "measure_id": ID,
        "measure": {**STRING, "description": "The measure's title in the request's language."},
        "priority_issue": {**STRING, "description": "The issue's name in the request's language."},
        "source": nullable(enum(SOURCES)), "donor": STRING, "year": YEAR, "date": nullable(DATE),
        "amount_kgs": ref("Money"), "reference": STRING, "purpose": STRING,
    }),
    "Budget": obj({
        "plan": ID, "municipality": SLUG, "status": enum(PLAN_STATES), "currency": enum(["KGS"]),
        "total": obj({**FIGURES, "unestimated_measures": COUNT, "overspent_measures": array(ID)}),
        "by_source": array(obj({"source": enum(SOURCES), "kgs": ref("Money"), "usd": nullable(ref("Money"))})),
        "by_issue": array(obj({"issue": STRING, **FIGURES})),
        "by_year": array(obj({"year": YEAR, "planned": ref("Amount"), "allocated": ref("Amount"),
                              "spent": ref("Amount"),
                              "kgs_per_usd": nullable({"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"})})),
        "missing_rates": array(YEAR),
        "measures": array(obj({"measure": ID, **FIGURES})),
        "lines": array(ref("BudgetLine")),
        "links": obj({"plan": URL}),
    }),
    "OpenSurveys": obj({"municipality": SLUG, "surveys": array(obj({
        "token": STRING, "title": ref("Names"), "round": enum(ROUNDS), "version": ID}))}),
    "Question": obj({
        "code": STRING, "kind": enum(QUESTION_KINDS), "page": {"type": "integer"}, "sensitive": BOOLEAN,
        "text": ref("Names"), "help": ref("Names"), "min": nullable({"type": "integer"}),
        "max": nullable({"type": "integer"}), "show_if": nullable(obj({"code": STRING, "option": STRING})),
        "options": array(obj({"code": STRING, "label": ref("Names"), "sensitive": BOOLEAN},
                             optional=("sensitive",))),
    }),
    "Questionnaire": obj({"token": STRING, "municipality": SLUG, "status": enum(["open"]), "round": enum(ROUNDS),
                          "version": ID, "title": ref("Names"), "referral": ref("Names"),
                          "questions": array(ref("Question"))}),
    "ResponseSubmission": {**obj({"uuid": {"type": "string", "format": "uuid"},
                                  "answers": {"type": "object", "description": "Question code: answer."},
                                  "channel": enum(["web", "offline"])}, optional=("channel",)),
                           "additionalProperties": True},
    "ResponseStored": obj({"uuid": {"type": "string", "format": "uuid"}, "status": enum(["stored", "duplicate"])}),
    "SurveyResults": obj({
        "survey": ID, "municipality": SLUG, "status": enum(["open", "closed"]), "round": enum(ROUNDS),
        "split": nullable(enum(SPLITS)),
        "columns": array(obj({"key": STRING, "label": STRING})),
        "thresholds": obj({"ordinary": COUNT, "sensitive": COUNT}),
        "respondents": PUBLISHED_COUNT,
        "issues": array(obj({"code": STRING, "label": STRING, "sensitive": BOOLEAN,
                             "answered": array(PUBLISHED_COUNT), "serious_percent": PERCENTS, "mean": MEANS})),
        "questions": array(obj({
            "code": STRING, "title": STRING, "sensitive": BOOLEAN, "answered": array(PUBLISHED_COUNT),
            "rows": array(obj({"key": STRING, "label": STRING, "counts": array(PUBLISHED_COUNT),
                               "percents": PERCENTS})),
            "mean": nullable(MEANS), "percent_4_or_5": nullable(PERCENTS)})),
    }),
}

# --- parameters and responses ---------------------------------------------------------------------------------

PARAMETERS = {
    "slug": {"name": "slug", "in": "path", "required": True, "description": "The municipality's short name.",
             "schema": SLUG},
    "plan_id": {"name": "plan_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    "survey_id": {"name": "survey_id", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    "token": {"name": "token", "in": "path", "required": True, "description": "The survey's public token.",
              "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,16}$"}},
    "lang": {"name": "lang", "in": "query", "required": False,
             "description": "The language of messages and of texts given in one language only.",
             "schema": enum(LANGUAGES)},
    "split": {"name": "split", "in": "query", "required": False,
              "description": "Columns per group of respondents (every group below the threshold is protected).",
              "schema": enum(SPLITS)},
}
ERROR_MEANING = {
    400: "The request body is not a JSON object with a version 4 uuid, or the channel is unknown.",
    403: "The results of an open survey are for the municipality's roles only.",
    404: "Nothing (published) at this address: unknown, or not public and not the reader's.",
    409: "This uuid was already used for different answers.",
    410: "The survey is closed and takes no more answers.",
    413: "The body is larger than 64 KiB.",
    429: "Too many responses from this address (120 a minute); wait and send again.",
}


def param(*names: str) -> list[dict]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict:
    return {str(code): json_response(ERROR_MEANING[code], ref("Error")) for code in codes}


def get(operation_id: str, summary: str, schema: str, parameters: list[dict], *error_codes: int,
        description: str = "", tag: str = "open data") -> dict:
    """Return a GET path item answering the schema (200) or the errors."""
    operation = {"operationId": operation_id, "summary": summary, "tags": [tag],
                 "parameters": parameters + param("lang"),
                 "responses": {"200": json_response(summary, ref(schema)), **errors(*error_codes)}}
    if description:
        operation["description"] = description
    return {"get": operation}


VISIBILITY = ("Anonymous clients see adopted plans only (adopted, in implementation, completed); any other plan "
              "answers 404 exactly like one that does not exist. Logged-in members of the municipality (any role) "
              "and site admins also see the other versions.")

PATHS = {
    "/api/v1/municipalities": get(
        "listMunicipalities", "Every municipality with its newest adopted plan", "MunicipalityList", [],
        description="latest_plan (the newest version in any state) is present only for the municipalities where "
                    "the logged-in reader has a role."),
    "/api/v1/municipalities/{slug}": get(
        "getMunicipality", "A municipality with its plan versions and its surveys with results", "MunicipalityDetail",
        param("slug"), 404, description=VISIBILITY + " Surveys: closed ones (public results); open ones too for "
                                                     "the municipality's roles."),
    "/api/v1/plans/{plan_id}": get(
        "getPlan", "A plan: priority issues and measures", "Plan", param("plan_id"), 404,
        description=VISIBILITY + " No person is named; a measure's map point is never given, nor the area of a "
                                 "measure under a sensitive issue."),
    "/api/v1/plans/{plan_id}/budget": get(
        "getPlanBudget", "A plan's budget: planned, allocated, spent, gap, and the budget lines", "Budget",
        param("plan_id"), 404,
        description=VISIBILITY + " Money is a decimal string in som (Money); US dollars at each year's rate or "
                                 "null; execution_percent is a number with one decimal."),
    "/api/v1/municipalities/{slug}/surveys": get(
        "listOpenSurveys", "The municipality's open surveys and their tokens", "OpenSurveys", param("slug"), 404,
        tag="surveys"),
    "/api/v1/surveys/{token}": get(
        "getQuestionnaire", "An open survey's questionnaire (for the offline form)", "Questionnaire", param("token"),
        404, 410, tag="surveys"),
    "/api/v1/surveys/{token}/responses": {"post": {
        "operationId": "submitResponse", "tags": ["surveys"],
        "summary": "Send one anonymous response (offline sync); the same uuid with the same answers is "
                   "acknowledged again",
        "description": "No login and no CSRF token: the survey token is the only credential. Limited to 120 "
                       "requests a minute per client address.",
        "parameters": param("token", "lang"),
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": ref("ResponseSubmission")}}},
        "responses": {"201": json_response("Stored.", ref("ResponseStored")),
                      "200": json_response("Already stored with the same answers.", ref("ResponseStored")),
                      "422": json_response("Some answers do not fit the questionnaire; nothing was stored.",
                                           ref("Invalid")),
                      **errors(400, 404, 409, 410, 413, 429)},
    }},
    "/api/v1/municipalities/{slug}/surveys/{survey_id}/results": get(
        "getSurveyResults", "A survey's published results, every small count protected", "SurveyResults",
        param("slug", "survey_id", "split"), 403, 404,
        description="Counts below the threshold (5, or 10 for sensitive questions) are published as \"<5\" or "
                    "\"<10\", and cells that would reveal them by subtraction as \"hidden\". Closed surveys are "
                    "public; open ones answer 403 but to the municipality's roles; drafts 404.", tag="surveys"),
    "/api/v1/openapi.json": {"get": {
        "operationId": "getOpenApi", "summary": "This document", "tags": ["meta"],
        "responses": {"200": json_response("The OpenAPI document.", {"type": "object"})}}},
}
SCHEMAS["MunicipalityList"] = obj({"municipalities": array(ref("Municipality"))})

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "cpplan open data and survey API",
        "version": "1.0.0",
        "description": (
            "Read-only open data of community crime-prevention planning in Kyrgyz municipalities: municipalities, "
            "their adopted plans and budgets, and published survey results; plus the offline survey's sync. "
            "Texts come in Kyrgyz, Russian and English (Names). Money is exact: a decimal string in som with two "
            "decimals (Money), never a floating-point number. Percentages are JSON numbers. No response names a "
            "person. Errors are JSON {error, message} with the message in the request's language (?lang=, "
            "Accept-Language)."),
        "license": {"name": "MIT", "identifier": "MIT"},
    },
    "servers": [{"url": "/"}],
    "tags": [{"name": "open data"}, {"name": "surveys"}, {"name": "meta"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "parameters": PARAMETERS},
}
