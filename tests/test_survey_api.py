"""The survey JSON API: open surveys, the questionnaire and the idempotent offline-sync endpoint."""
from __future__ import annotations

import io
import itertools
import json
import re
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_cases import logged_in_client, snapshot
from cpplan.extensions import db
from cpplan.municipalities.models import Area, Municipality
from cpplan.surveys import catalogue, services, template
from cpplan.surveys.models import Answer, Issue, Response, Survey
from cpplan.surveys.validation import fingerprint

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
EN = {"Accept-Language": "en"}


# --- fixtures and helpers ------------------------------------------------------------------------

def make_survey(slug: str, status: str = "open") -> dict:
    """Add a standard survey in the given status to the municipality; return its id, token and first area."""
    m = db.session.scalar(db.select(Municipality).filter_by(slug=slug))
    survey = services.create_standard(m)
    if status in ("open", "closed"):
        services.open_survey(survey)
    if status == "closed":
        services.close_survey(survey)
    db.session.commit()
    return {"id": survey.id, "token": survey.token, "area": str(m.areas[0].id),
            "url": f"/api/v1/surveys/{survey.token}/responses"}


@pytest.fixture
def survey(app, world) -> dict:
    with app.app_context():
        return make_survey(world["home"])


def full_answers(area: str) -> dict:
    return {
        "consent": "yes", "gender": "female", "age_band": "30_44", "area": area,
        "safe_day": 4, "safe_night": 2,
        "issue_seriousness": {"livestock_theft": 5, "fraud": 2},
        "victimisation": ["fraud", "livestock_theft"],
        "unsafe_area": area, "unsafe_point": {"lat": 42.3412345, "lon": 78.01},
        "trust_police": 3, "trust_inspector": 4, "safer": "More street lights",
    }


FULL_ROWS = 16  # answer rows of full_answers: 2 issue ratings, 2 options, lat and lon, 10 single values


def counts(app) -> tuple[int, int]:
    """Return (responses, answer rows) in the database."""
    with app.app_context():
        db.session.remove()
        return (db.session.scalar(db.select(db.func.count()).select_from(Response)),
                db.session.scalar(db.select(db.func.count()).select_from(Answer)))


def post(client, survey: dict, body, **kw):
    return client.post(survey["url"], json=body, **kw)


def new_uuid() -> str:
    return str(uuid.uuid4())


# --- the questionnaire and the list of open surveys -------------------------------------------

def test_questionnaire_shape(app, client, survey):
    response = client.get(f"/api/v1/surveys/{survey['token']}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["token"] == survey["token"]
    assert data["status"] == "open"
    assert data["version"] == 1
    assert set(data["title"]) == {"ky", "ru", "en"} and all(data["title"].values())
    questions = data["questions"]
    assert isinstance(questions, list)
    assert [q["code"] for q in questions] == [q[1] for q in template.QUESTIONS]
    assert questions[0]["code"] == "consent"
    for q in questions:
        assert set(q) >= {"code", "kind", "text", "options"}
        assert q["kind"] in ("single", "multiple", "scale", "number", "text", "area", "location", "issue_rating")
        assert set(q["text"]) == {"ky", "ru", "en"}
        assert all(isinstance(t, str) and t for t in q["text"].values()), q["code"]
        assert isinstance(q["options"], list)
        for option in q["options"]:
            assert isinstance(option["code"], str) and option["code"]
            assert set(option["label"]) == {"ky", "ru", "en"}
            assert any(option["label"].values())
        if q["kind"] == "scale":
            assert (q["min"], q["max"]) == (1, 5)
        if q["kind"] in ("single", "multiple"):
            assert q["options"], q["code"]
    by_code = {q["code"]: q for q in questions}
    assert [o["code"] for o in by_code["consent"]["options"]] == ["yes", "no"]
    assert by_code["victimisation"]["sensitive"] is True
    assert by_code["consent"]["sensitive"] is False
    json.dumps(data)  # plain JSON all the way down


def test_area_options_are_the_municipality_areas(app, client, world, survey):
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        home.areas.append(Area(kind="village", name_ky="Тоо", name_ru="Горное", name_en="Mountain"))
        db.session.commit()
        expected = {str(a.id): a.name_en for a in home.areas}
        other_areas = {str(a.id) for a in db.session.get(Municipality, world["other_id"]).areas}
    questions = {q["code"]: q for q in client.get(f"/api/v1/surveys/{survey['token']}").get_json()["questions"]}
    for code in ("area", "unsafe_area"):
        options = questions[code]["options"]
        assert {o["code"]: o["label"]["en"] for o in options} == expected
        assert not other_areas & {o["code"] for o in options}


def test_issue_rating_options_are_the_catalogue_issues(app, client, world, survey):
    with app.app_context():
        db.session.add(Issue(municipality_id=world["home_id"], code="dog_attacks", name_en="Stray dogs",
                             position=99))
        db.session.add(Issue(municipality_id=world["other_id"], code="mudflows", name_en="Mudflows"))
        db.session.commit()
    questions = {q["code"]: q for q in client.get(f"/api/v1/surveys/{survey['token']}").get_json()["questions"]}
    options = questions["issue_seriousness"]["options"]
    codes = [o["code"] for o in options]
    assert codes == [c[0] for c in catalogue.CATALOGUE] + ["dog_attacks"]
    sensitive = {o["code"] for o in options if o["sensitive"]}
    assert sensitive == {"domestic_violence", "violent_extremism"}
    assert all(o["label"]["en"] for o in options)
    # The municipality's own issue can be rated; another municipality's cannot.
    answers = {"consent": "yes", "issue_seriousness": {"dog_attacks": 4}}
    assert post(client, survey, {"uuid": new_uuid(), "answers": answers}).status_code == 201
    answers = {"consent": "yes", "issue_seriousness": {"mudflows": 4}}
    response = post(client, survey, {"uuid": new_uuid(), "answers": answers})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "issue_seriousness"


def test_open_surveys_lists_only_open_ones_with_their_tokens(app, client, world):
    with app.app_context():
        draft = make_survey(world["home"], "draft")
        first = make_survey(world["home"], "open")
        closed = make_survey(world["home"], "closed")
        second = make_survey(world["home"], "open")
        elsewhere = make_survey(world["other"], "open")
    response = client.get(f"/api/v1/municipalities/{world['home']}/surveys")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["municipality"] == world["home"]
    tokens = [s["token"] for s in data["surveys"]]
    assert tokens == [first["token"], second["token"]]
    assert draft["token"] not in tokens and closed["token"] not in tokens and elsewhere["token"] not in tokens
    for s in data["surveys"]:
        assert set(s["title"]) == {"ky", "ru", "en"}
        assert s["round"] == "baseline" and s["version"] == 1
        assert client.get(f"/api/v1/surveys/{s['token']}").status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "viewer", "coordinator", "outsider", "admin"])
def test_every_role_reads_the_same_json(app, world, survey, role):
    client = logged_in_client(app, None if role == "anonymous" else world["users"][role])
    for url in (f"/api/v1/municipalities/{world['home']}/surveys", f"/api/v1/surveys/{survey['token']}"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json", url
        assert response.get_json() == app.test_client().get(url).get_json(), url


def test_open_surveys_of_a_municipality_without_any(client, world):
    data = client.get(f"/api/v1/municipalities/{world['other']}/surveys").get_json()
    assert data == {"municipality": world["other"], "surveys": []}


def test_unknown_municipality_is_a_json_404(client, world):
    response = client.get("/api/v1/municipalities/no-such-place/surveys")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "404"


@pytest.mark.parametrize("status, code", [("draft", 404), ("closed", 410)])
def test_questionnaire_of_a_draft_or_closed_survey(app, client, world, status, code):
    with app.app_context():
        s = make_survey(world["home"], status)
    response = client.get(f"/api/v1/surveys/{s['token']}")
    assert response.status_code == code
    assert response.get_json()["error"] == ("not_found" if code == 404 else "closed")
    assert client.get("/api/v1/surveys/no-such-token").status_code == 404


# --- storing a response, once per uuid ---------------------------------------------------------

def test_a_valid_response_is_stored_with_its_answer_rows(app, client, survey):
    u = new_uuid()
    response = post(client, survey, {"uuid": u, "answers": full_answers(survey["area"])})
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"uuid": u, "status": "stored"}
    assert counts(app) == (1, FULL_ROWS)
    with app.app_context():
        stored = db.session.scalar(db.select(Response).filter_by(uuid=u))
        assert stored.survey_id == survey["id"] and stored.version == 1 and stored.channel == "offline"
        assert stored.received_dt is not None
        rows = {(a.question_code, a.item): a for a in stored.answers}
        assert rows[("victimisation", "fraud")].number is None
        assert float(rows[("unsafe_point", "lat")].number) == 42.34123   # coarsened to 5 decimals
        assert rows[("safer", None)].text == "More street lights"
        assert float(rows[("issue_seriousness", "livestock_theft")].number) == 5
        assert all(a.survey_id == survey["id"] for a in stored.answers)


@pytest.mark.parametrize("channel", ["web", "offline"])
def test_channel_is_kept(app, client, survey, channel):
    u = new_uuid()
    assert post(client, survey, {"uuid": u, "answers": {"consent": "yes"}, "channel": channel}).status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(Response.channel).filter_by(uuid=u)) == channel


def test_same_uuid_and_answers_is_acknowledged_again_and_stored_once(app, client, survey):
    body = {"uuid": new_uuid(), "answers": full_answers(survey["area"])}
    first = post(client, survey, body)
    assert first.status_code == 201 and first.get_json()["status"] == "stored"
    for _ in range(3):
        again = post(client, survey, body)
        assert again.status_code == 200
        assert again.get_json() == {"uuid": body["uuid"], "status": "duplicate"}
    assert counts(app) == (1, FULL_ROWS)


def test_resending_with_reordered_keys_and_another_uuid_spelling_is_a_duplicate(app, client, survey):
    u = uuid.uuid4()
    answers = full_answers(survey["area"])
    assert post(client, survey, {"uuid": str(u), "answers": answers}).status_code == 201
    reordered = dict(reversed(list(answers.items())))
    reordered["victimisation"] = ["livestock_theft", "fraud"]
    reordered["issue_seriousness"] = {"fraud": 2, "livestock_theft": 5}
    response = post(client, survey, {"answers": reordered, "uuid": str(u).upper()})
    assert response.status_code == 200
    assert response.get_json() == {"uuid": str(u), "status": "duplicate"}
    assert counts(app) == (1, FULL_ROWS)


def test_same_uuid_with_other_answers_is_a_conflict_and_changes_nothing(app, client, survey):
    u = new_uuid()
    assert post(client, survey, {"uuid": u, "answers": full_answers(survey["area"])}).status_code == 201
    before = snapshot(app)
    changed = dict(full_answers(survey["area"]), safe_night=5)
    response = post(client, survey, {"uuid": u, "answers": changed})
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    assert snapshot(app) == before


def test_same_uuid_in_another_survey_is_a_conflict(app, client, world, survey):
    with app.app_context():
        other = make_survey(world["home"])
    body = {"uuid": new_uuid(), "answers": {"consent": "yes"}}
    assert post(client, survey, body).status_code == 201
    assert post(client, other, body).status_code == 409
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("value", [
    None, "", "not-a-uuid", 12345, True, ["8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3f"],
    {"uuid": "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3f"},
    "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3",            # one digit short
    "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3fa",          # one digit too many
    "8c1a6f2e-2f7b-1f7e-9d0b-5a7c2b1e4d3f",           # version 1
    "8c1a6f2e-2f7b-3f7e-9d0b-5a7c2b1e4d3f",           # version 3
    "00000000-0000-0000-0000-000000000000",           # the nil uuid
    "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3g",           # not hex
    "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3f" + " " * 10,
    "x" * 10_000,
])
def test_missing_or_malformed_uuid_is_400(app, client, survey, value):
    body = {"answers": {"consent": "yes"}}
    if value is not None:
        body["uuid"] = value
    response = post(client, survey, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_uuid"
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("answers, errors", [
    ({"consent": "yes", "nickname": "Aibek"}, [("nickname", "unknown_question")]),
    ({"consent": "yes", "gender": "other"}, [("gender", "not_an_option")]),
    ({"consent": "yes", "safe_day": 7}, [("safe_day", "out_of_range")]),
    ({"consent": "yes", "safe_day": "4"}, [("safe_day", "wrong_type")]),
    ({"consent": "yes", "safe_day": 4.0}, [("safe_day", "wrong_type")]),
    ({"consent": "yes", "safe_day": True}, [("safe_day", "wrong_type")]),
    ({"consent": "yes", "safer": "x" * 501}, [("safer", "too_long")]),
    ({"consent": "yes", "safer": "lights\x00"}, [("safer", "wrong_type")]),
    ({"consent": "yes", "unsafe_point": {"lat": 55.75, "lon": 37.62}}, [("unsafe_point", "out_of_range")]),
    ({"consent": "yes", "area": "999999"}, [("area", "not_an_option")]),
    ({"consent": "yes", "victimisation": ["fraud", "kidnapping"]}, [("victimisation", "not_an_option")]),
    ({"consent": "no", "gender": "female"}, [("consent", "no_consent")]),
    ({"gender": "female"}, [("consent", "no_consent")]),
    (["consent", "yes"], [("answers", "wrong_type")]),
    (None, [("answers", "wrong_type")]),
])
def test_invalid_answers_are_422_with_a_per_field_list_and_nothing_is_stored(app, client, survey, answers, errors):
    body = {"uuid": new_uuid()}
    if answers is not None:
        body["answers"] = answers
    response = post(client, survey, body, headers=EN)
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "invalid"
    assert data["message"]
    assert [(e["field"], e["error"]) for e in data["errors"]] == errors
    assert all(e["message"] for e in data["errors"])
    assert counts(app) == (0, 0)


def test_several_invalid_answers_are_all_listed_and_the_valid_ones_not_stored(app, client, survey):
    answers = dict(full_answers(survey["area"]), gender="x", safe_night=0, trust_police="3", extra=1)
    response = post(client, survey, {"uuid": new_uuid(), "answers": answers})
    assert response.status_code == 422
    assert sorted((e["field"], e["error"]) for e in response.get_json()["errors"]) == [
        ("extra", "unknown_question"), ("gender", "not_an_option"), ("safe_night", "out_of_range"),
        ("trust_police", "wrong_type")]
    assert counts(app) == (0, 0)


def test_an_invalid_resend_of_a_stored_uuid_is_422_not_a_duplicate(app, client, survey):
    u = new_uuid()
    assert post(client, survey, {"uuid": u, "answers": {"consent": "yes"}}).status_code == 201
    assert post(client, survey, {"uuid": u, "answers": {"consent": "yes", "safe_day": 9}}).status_code == 422
    assert counts(app) == (1, 1)


def test_closed_survey_is_410_and_nothing_is_stored(app, client, world):
    with app.app_context():
        s = make_survey(world["home"], "closed")
    response = post(client, s, {"uuid": new_uuid(), "answers": {"consent": "yes"}})
    assert response.status_code == 410
    assert response.get_json()["error"] == "closed"
    assert counts(app) == (0, 0)


def test_survey_closed_after_a_response_acknowledges_nothing_new(app, client, world, survey):
    body = {"uuid": new_uuid(), "answers": {"consent": "yes"}}
    assert post(client, survey, body).status_code == 201
    with app.app_context():
        services.close_survey(db.session.get(Survey, survey["id"]))
        db.session.commit()
    assert post(client, survey, body).status_code == 410
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("which", ["draft", "unknown"])
def test_draft_or_unknown_token_is_404(app, client, world, which):
    with app.app_context():
        s = make_survey(world["home"], "draft") if which == "draft" else {"url": "/api/v1/surveys/nope/responses"}
    response = post(client, s, {"uuid": new_uuid(), "answers": {"consent": "yes"}})
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "not_found"
    assert counts(app) == (0, 0)


def test_body_over_64_kib_is_413_json(app, client, survey):
    body = {"uuid": new_uuid(), "answers": {"consent": "yes", "safer": "x" * (64 * 1024)}}
    response = post(client, survey, body)
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "413"
    assert response.get_json()["message"]
    assert counts(app) == (0, 0)


def test_body_of_exactly_64_kib_is_read(app, client, survey):
    body = json.dumps({"uuid": new_uuid(), "answers": {"consent": "yes"}})
    padded = body + " " * (64 * 1024 - len(body))
    assert len(padded.encode()) == 64 * 1024
    response = client.post(survey["url"], data=padded, content_type="application/json")
    assert response.status_code == 201
    too_big = client.post(survey["url"], data=padded + " ", content_type="application/json")
    assert too_big.status_code == 413


def chunked(client, survey, data: bytes):
    """POST a body without Content-Length, the way gunicorn hands over a chunked upload."""
    return client.post(survey["url"], input_stream=io.BytesIO(data), content_type="application/json",
                       headers={"Transfer-Encoding": "chunked"}, environ_base={"wsgi.input_terminated": True})


def test_body_over_64_kib_without_a_content_length_is_refused(app, client, survey):
    """A chunked upload has no Content-Length; the limit holds all the same."""
    body = json.dumps({"uuid": new_uuid(), "answers": {"consent": "yes"}}).encode()
    for size in (64 * 1024 + 1, 200 * 1024, 3 * 1024 * 1024):
        response = chunked(client, survey, body + b" " * (size - len(body)))
        assert response.status_code == 413, size
        assert response.mimetype == "application/json"
    assert counts(app) == (0, 0)
    assert chunked(client, survey, body + b" " * (64 * 1024 - len(body))).status_code == 201
    assert counts(app) == (1, 1)


U = "8c1a6f2e-2f7b-4f7e-9d0b-5a7c2b1e4d3f"


@pytest.mark.parametrize("data, content_type, status", [
    ("uuid=1&consent=yes", "application/x-www-form-urlencoded", 400),
    ("not json at all", "application/json", 400),
    ('{"uuid": "%s", "answers": {' % U, "application/json", 400),
    ('["%s", {"consent": "yes"}]' % U, "application/json", 400),
    ('"just a string"', "application/json", 400),
    ("null", "application/json", 400),
    ("", "application/json", 400),
    ('{"uuid": "%s", "answers": {"consent": "yes"}}' % U, "text/plain", 400),
    (b'{"uuid": "' + U.encode() + b'", "answers": {"safer": "\xff\xfe"}}', "application/json", 400),  # not UTF-8
    ('{"uuid": "%s", "answers": {"safe_day": 1%s}}' % (U, "0" * 5000), "application/json", 400),  # int too long
    ('{"uuid": "%s", "answers": {"consent": "yes", "safe_day": NaN}}' % U, "application/json", 422),
    ('{"uuid": "%s", "answers": {"consent": "yes", "safe_day": Infinity}}' % U, "application/json", 422),
])
def test_non_json_body_is_400(app, client, survey, data, content_type, status):
    response = client.post(survey["url"], data=data, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == ("bad_request" if status == 400 else "invalid")
    assert counts(app) == (0, 0)


def test_json_nested_too_deep_to_decode_is_400_not_a_500(app, client, survey):
    """json.loads raises RecursionError, which get_json(silent=True) does not catch (it was a 500)."""
    deep_answers = '{"uuid": "%s", "answers": %s}' % (U, '{"a": ' * 5_000 + "1" + "}" * 5_000)
    for raw in ("[" * 50_000, deep_answers):
        response = client.post(survey["url"], data=raw, content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["error"] == "bad_request"
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("channel", ["paper", "import", "sms", "", None, 1, ["web"]])
def test_wrong_channel_is_400(app, client, survey, channel):
    response = post(client, survey, {"uuid": new_uuid(), "answers": {"consent": "yes"}, "channel": channel})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_channel"
    assert counts(app) == (0, 0)


def test_a_lone_surrogate_in_a_text_answer_is_refused_not_a_500(app, client, survey):
    raw = '{"uuid": "%s", "answers": {"consent": "yes", "safer": "a\\ud800b"}}' % new_uuid()
    response = client.post(survey["url"], data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "safer", "error": "wrong_type", "message": response.get_json()["errors"][0]["message"]}]
    assert counts(app) == (0, 0)


def test_location_too_large_for_a_float_is_refused_not_a_500(app, client, survey):
    raw = '{"uuid": "%s", "answers": {"consent": "yes", "unsafe_point": {"lat": 1%s, "lon": 78}}}' % (
        new_uuid(), "0" * 400)
    response = client.post(survey["url"], data=raw, content_type="application/json")
    assert response.status_code == 422
    assert [e["error"] for e in response.get_json()["errors"]] == ["out_of_range"]


def test_no_csrf_token_needed_and_no_cookie_set(app, client, survey):
    response = post(client, survey, {"uuid": new_uuid(), "answers": {"consent": "yes"}})
    assert response.status_code == 201
    assert not response.headers.getlist("Set-Cookie")


def test_rate_limited_per_client_with_a_json_429(app, survey):
    client = app.test_client()
    statuses = []
    for _ in range(125):
        response = client.post(survey["url"], json={"uuid": "bad"}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
        statuses.append(response.status_code)
    assert statuses[:120] == [400] * 120
    assert statuses[120:] == [429] * 5
    assert response.mimetype == "application/json"
    # Another phone is not held back.
    other = client.post(survey["url"], json={"uuid": "bad"}, environ_base={"REMOTE_ADDR": "198.51.100.10"})
    assert other.status_code == 400


# --- translated messages ------------------------------------------------------------------------

def messages(client, survey, closed, headers) -> dict[str, str]:
    """Return the message of every kind of refusal, for the language asked by headers."""
    out = {}
    out["not_found"] = client.post("/api/v1/surveys/nope/responses", json={}, headers=headers).get_json()["message"]
    out["closed"] = post(client, closed, {}, headers=headers).get_json()["message"]
    out["bad_request"] = client.post(survey["url"], data="x", content_type="application/json",
                                     headers=headers).get_json()["message"]
    out["bad_uuid"] = post(client, survey, {"uuid": "1"}, headers=headers).get_json()["message"]
    out["bad_channel"] = post(client, survey, {"uuid": new_uuid(), "channel": "fax"}, headers=headers).get_json()["message"]
    invalid = post(client, survey, {"uuid": new_uuid(), "answers": {
        "consent": "no", "x": 1, "gender": "x", "safe_day": 9, "safer": "y" * 999, "trust_police": 2.5,
    }}, headers=headers).get_json()
    out["invalid"] = invalid["message"]
    for error in invalid["errors"]:
        out[error["error"]] = error["message"]
    u = new_uuid()
    post(client, survey, {"uuid": u, "answers": {"consent": "yes"}})
    out["conflict"] = post(client, survey, {"uuid": u, "answers": {"consent": "yes", "safe_day": 1}},
                           headers=headers).get_json()["message"]
    out["413"] = post(client, survey, {"pad": "x" * 70_000}, headers=headers).get_json()["message"]
    return out


def test_error_messages_are_translated_into_russian(app, client, world, survey):
    with app.app_context():
        closed = make_survey(world["home"], "closed")
    english = messages(client, survey, closed, EN)
    russian = messages(client, survey, closed, RU)
    assert set(english) == set(russian) == {
        "not_found", "closed", "bad_request", "bad_uuid", "bad_channel", "invalid", "conflict", "413",
        "no_consent", "unknown_question", "not_an_option", "out_of_range", "too_long", "wrong_type"}
    untranslated = sorted(k for k in english if russian[k] == english[k] or not CYRILLIC.search(russian[k]))
    assert not untranslated, f"not translated into Russian: {untranslated}"
    assert all(not CYRILLIC.search(m) for m in english.values())


# --- privacy: nothing about the client device is stored --------------------------------------

def test_no_ip_address_user_agent_or_cookie_is_stored(app, client, world, survey):
    address, agent = "203.0.113.77", "Mozilla/5.0 (Linux; Android 10; TECNO KE5) CpplanTestPhone/1.0"
    client.set_cookie("tracking_id", "cookie-value-4711")
    response = post(client, survey, {"uuid": new_uuid(), "answers": full_answers(survey["area"])},
                    environ_base={"REMOTE_ADDR": address},
                    headers={"User-Agent": agent, "X-Forwarded-For": "198.51.100.23"})
    assert response.status_code == 201
    for table in (Response.__table__, Answer.__table__):
        for column in table.columns:
            name = column.name.lower()
            words = set(re.split(r"[^a-z0-9]+", name))
            assert not words & {"ip", "addr", "address", "host", "ua"}, column
            assert not any(part in name for part in ("agent", "cookie", "session", "device", "remote")), column
    values = {value for rows in snapshot(app).values() for row in rows for value in row}
    for secret in (address, agent, "198.51.100.23", "cookie-value-4711"):
        assert not any(secret in value for value in values), secret


# --- concurrency: one uuid sent 20 times at once ------------------------------------------------

def post_at_once(app, url: str, bodies: list[dict]) -> list[int]:
    """POST each body from its own thread and client, all released together; return the statuses."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int | None] = [None] * len(bodies)
    failures: list[BaseException] = []

    def send(i: int, body: dict) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            statuses[i] = client.post(url, json=body, environ_base={"REMOTE_ADDR": f"10.9.0.{i + 1}"}).status_code
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(i, body)) for i, body in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert all(not t.is_alive() for t in threads)
    return statuses


@pytest.mark.parametrize("attempt", range(3))
def test_twenty_concurrent_posts_with_one_uuid_store_exactly_one_response(app, survey, database_url, attempt):
    body = {"uuid": new_uuid(), "answers": full_answers(survey["area"])}
    statuses = post_at_once(app, survey["url"], [body] * 20)
    assert sorted(set(statuses)) in ([200, 201], [201]), statuses
    assert statuses.count(201) == 1, statuses
    assert counts(app) == (1, FULL_ROWS)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)
                                 .filter_by(uuid=body["uuid"])) == 1
        assert db.engine.dialect.name == ("postgresql" if database_url.startswith("postgresql") else "sqlite")


def test_posts_that_all_pass_the_duplicate_check_still_store_one(app, survey, monkeypatch):
    """Hold every request just before its insert, so each one has seen no stored response: the unique uuid
    then decides, and the losers acknowledge the winner's response (the IntegrityError path, every time)."""
    parties = 12  # fewer than the connection pool holds (5 + 10 overflow): each waiting request keeps one
    barrier = threading.Barrier(parties, timeout=30)
    add = services._new_response

    def held(*args, **kwargs):
        barrier.wait()
        return add(*args, **kwargs)

    monkeypatch.setattr(services, "_new_response", held)
    body = {"uuid": new_uuid(), "answers": full_answers(survey["area"])}
    statuses = post_at_once(app, survey["url"], [body] * parties)
    assert sorted(statuses) == [200] * (parties - 1) + [201], statuses
    assert counts(app) == (1, FULL_ROWS)


def test_concurrent_posts_with_one_uuid_and_two_payloads(app, survey):
    """The first one stored wins: the same answers are acknowledged, the other answers are a conflict."""
    u = new_uuid()
    a = {"uuid": u, "answers": {"consent": "yes", "safe_day": 1}}
    b = {"uuid": u, "answers": {"consent": "yes", "safe_day": 5}}
    statuses = post_at_once(app, survey["url"], [a, b] * 10)
    assert statuses.count(201) == 1, statuses
    with app.app_context():
        stored = db.session.scalar(db.select(Response).filter_by(uuid=u))
        winner = a if fingerprint(a["answers"]) == stored.payload_sha256 else b
    for body, status in zip([a, b] * 10, statuses):
        assert status in ((200, 201) if body is winner else (409,)), (body, status)
    assert counts(app) == (1, 2)


# --- fuzzing the endpoint ----------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
CODES = [q[1] for q in template.QUESTIONS]
ANSWER_VALUES = st.one_of(
    JSON,
    st.sampled_from(["yes", "no", "female", "male", "30_44", "fraud", "none", "", "\x00", "\ud800"]),
    st.integers(-2, 8),
    st.lists(st.sampled_from(["fraud", "none", "assault", "robbery"]), max_size=3),
    st.dictionaries(st.sampled_from(["fraud", "road_safety", "mudflows"]), st.integers(-1, 7) | JSON, max_size=2),
    st.fixed_dictionaries({"lat": st.floats() | st.integers(), "lon": st.floats() | st.integers()}),
)
FUZZ_ANSWERS = st.one_of(
    JSON,
    st.dictionaries(st.sampled_from(CODES) | st.text(max_size=8), ANSWER_VALUES, max_size=8),
    st.fixed_dictionaries({"consent": st.just("yes")},
                          optional={code: ANSWER_VALUES for code in CODES if code != "consent"}),
)
ADDRESSES = (f"10.{a}.{b}.1" for a, b in itertools.product(range(256), repeat=2))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=FUZZ_ANSWERS, extra=st.dictionaries(st.sampled_from(["channel", "uuid", "meta"]), JSON, max_size=1))
def test_fuzzed_answers_never_give_a_500_and_refusals_store_nothing(app, survey, answers, extra):
    client = app.test_client()
    body = {"uuid": new_uuid(), "answers": answers, **extra}
    before = counts(app)
    response = client.post(survey["url"], json=body, environ_base={"REMOTE_ADDR": next(ADDRESSES)})
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    after = counts(app)
    if response.status_code == 201:
        assert after[0] == before[0] + 1
        # Sent again, it is acknowledged and not stored twice.
        again = client.post(survey["url"], json=body, environ_base={"REMOTE_ADDR": next(ADDRESSES)})
        assert again.status_code == 200
        assert counts(app) == after
    else:
        assert response.status_code in (400, 409, 413, 422), response.status_code
        assert after == before


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_fuzzed_bodies_never_give_a_500(app, survey, body):
    before = counts(app)
    response = app.test_client().post(survey["url"], json=body, environ_base={"REMOTE_ADDR": next(ADDRESSES)})
    assert response.status_code in (400, 422), response.status_code
    assert counts(app) == before
