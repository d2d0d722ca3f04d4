"""The API answers as its OpenAPI document says: schemathesis generates requests for every operation.

The database holds what the document must describe: an adopted plan with money and progress, its draft
version, a closed survey with answers (published, with suppressed cells) and an open one. Besides requests
generated from the document alone (valid and invalid ones), as many again carry real path parameters and, for
the offline sync, plausible answers, so they reach those rows instead of answering 404. Each operation runs for
an anonymous client and for the municipality's coordinator, who also sees the draft. Checks: no 5xx, every body
matches its schema (closed objects: an undocumented field fails), the status code and the content type are
documented. Deterministic (derandomized, no example database) and about 40 requests per operation and reader.

The offline-sync POST is fuzzed too, under its real rate limit (120 a minute per address): a 429 is documented
and is JSON like every error; tests/test_survey_api.py checks the limit itself.

schemathesis' own pytest plugin (from_fixture) does not run on pytest 9.2 (it sets Node._nodeid), so the
strategies are used with Hypothesis' @given directly, as schemathesis documents for other test runners.
"""
from __future__ import annotations


import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from access_cases import logged_in_client
from cpplan.api.openapi import DOCUMENT
from cpplan.extensions import db
from cpplan.surveys.models import Survey
from test_open_api import plans  # noqa: F401  (the fixture: an adopted plan with money, its draft, two surveys)
from test_results import first_area, make_survey, mixed_people

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
SETTINGS = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
READERS = ("anonymous", "coordinator")
OPERATIONS = [(op.method.upper(), op.path) for op in
              (result.ok() for result in schemathesis.openapi.from_dict(DOCUMENT).get_all_operations())]


@pytest.fixture
def reader(request, app, world) -> dict[str, str]:
    """Return the cookies of a reader (READERS, by indirect parametrization): none for anonymous clients, the
    coordinator's session."""
    if request.param == "anonymous":
        return {}
    client = logged_in_client(app, world["users"]["coordinator"])
    return {"session": client.get_cookie("session").value}


@pytest.fixture
def real(app, world, plans) -> dict[str, list[dict]]:  # noqa: F811
    """Return the real path parameters of each operation (one more closed survey, with answers, is added)."""
    surveys_with_answers = make_survey(app, world["home"], mixed_people([first_area(app, world["home"])]))
    with app.app_context():
        tokens = dict(db.session.execute(db.select(Survey.id, Survey.token)).all())
    home, open_token = world["home"], tokens[plans["open_survey"]]
    return {
        "/api/v1/municipalities/{slug}": [{"slug": home}, {"slug": world["other"]}],
        "/api/v1/municipalities/{slug}/surveys": [{"slug": home}],
        "/api/v1/plans/{plan_id}": [{"plan_id": plans["adopted"]}, {"plan_id": plans["draft"]}],
        "/api/v1/plans/{plan_id}/budget": [{"plan_id": plans["adopted"]}, {"plan_id": plans["draft"]}],
        "/api/v1/surveys/{token}": [{"token": open_token}, {"token": tokens[plans["closed_survey"]]}],
        "/api/v1/surveys/{token}/responses": [{"token": open_token}],
        "/api/v1/municipalities/{slug}/surveys/{survey_id}/results": [
            {"slug": home, "survey_id": survey_id}
            for survey_id in (surveys_with_answers, plans["closed_survey"], plans["open_survey"])],
    }


def answers():
    """Return a strategy of plausible responses: a fresh uuid4, consent, and a few answers right or wrong."""
    return st.fixed_dictionaries(
        {"uuid": st.uuids(version=4).map(str), "answers": st.fixed_dictionaries(
            {"consent": st.sampled_from(["yes", "no"])},
            optional={"gender": st.sampled_from(["female", "male", "other", 3]),
                      "safe_day": st.integers(-1, 7), "victimisation": st.lists(st.sampled_from(["fraud", "none"]))})},
        optional={"channel": st.sampled_from(["web", "offline", "paper"])})


def requests_for(operation, known: list[dict]):
    """Return a strategy of requests: generated from the document (valid and invalid), and with real rows."""
    generated = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    if operation.method == "post":
        aimed = [answers().flatmap(lambda body, path=path: operation.as_strategy(path_parameters=path, body=body))
                 for path in known]
    else:
        aimed = [operation.as_strategy(path_parameters=path) for path in known]
    return st.one_of(*generated, *aimed)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_api_matches_its_openapi_document(app, real, reader, method, path):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @SETTINGS
    @given(case=requests_for(operation, real.get(path, [])))
    def check(case):
        case.call_and_validate(cookies=reader, checks=CHECKS)

    check()
