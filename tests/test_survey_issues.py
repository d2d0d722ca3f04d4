"""A municipality's own issues: listed on the surveys page, added by coordinators and facilitators, rated in surveys."""
from __future__ import annotations

import uuid

import pytest
from access_cases import logged_in_client, page_text, snapshot, token_for, translated

from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.surveys import catalogue, services
from cpplan.surveys.models import Issue


def own_issues(app, municipality_id: int) -> list[Issue]:
    with app.app_context():
        db.session.remove()
        issues = db.session.scalars(db.select(Issue).filter_by(municipality_id=municipality_id)
                                    .order_by(Issue.id)).all()
        for issue in issues:
            db.session.expunge(issue)
        return issues


def add(client, role: str, slug: str, **data):
    return client.post(f"/m/{slug}/surveys/issues", data={"csrf_token": token_for(client, role), **data})


def open_survey(app, slug: str) -> str:
    with app.app_context():
        survey = services.create_standard(db.session.scalar(db.select(Municipality).filter_by(slug=slug)))
        services.open_survey(survey)
        db.session.commit()
        return survey.token


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "admin"])
def test_add_an_own_issue(app, world, role):
    client = logged_in_client(app, world["users"][role])
    response = add(client, role, world["home"], name_ky="Ээси жок иттер", name_ru="Бродячие собаки",
                   name_en="Stray dogs", description_en="Packs of dogs near schools and the bazaar.",
                   description_ru="Стаи собак у школ и базара.", is_sensitive="y")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/m/{world['home']}/surveys#issues")
    (issue,) = own_issues(app, world["home_id"])
    assert issue.code == "local_stray_dogs"
    assert (issue.name_ky, issue.name_ru, issue.name_en) == ("Ээси жок иттер", "Бродячие собаки", "Stray dogs")
    assert issue.description_en == "Packs of dogs near schools and the bazaar." and issue.description_ky == ""
    assert issue.is_sensitive
    with app.app_context():
        assert issue.position > max(i.position for i in catalogue.issues_for(world["other_id"]))
    page = page_text(client.get(response.headers["Location"]))
    assert "Stray dogs" in page and "Packs of dogs near schools and the bazaar." in page


def test_codes_are_stable_unique_and_transliterated(app, world):
    client = logged_in_client(app, world["users"]["coordinator"])
    for data in ({"name_en": "Stray dogs"}, {"name_en": "Stray  dogs!"}, {"name_ru": "Бродячие собаки"},
                 {"name_ky": "Көчөдөгү жарык"}, {"name_en": "Fraud"}, {"name_ky": "!!!"}):
        assert add(client, "coordinator", world["home"], **data).status_code == 302, data
    codes = [i.code for i in own_issues(app, world["home_id"])]
    assert codes == ["local_stray_dogs", "local_stray_dogs_2", "local_brodyachie_sobaki", "local_kochodogu_zharyk",
                     "local_fraud", "local_issue"]
    # Renaming later does not change a code; a long name still gives a code that fits the column.
    assert add(client, "coordinator", world["home"], name_en="A very long name " * 9).status_code == 302
    assert len(own_issues(app, world["home_id"])[-1].code) <= 40
    # Another municipality may use the same code for its own issue.
    other = logged_in_client(app, world["users"]["outsider"])
    assert add(other, "outsider", world["other"], name_en="Stray dogs").status_code == 302
    assert [i.code for i in own_issues(app, world["other_id"])] == ["local_stray_dogs"]


def test_the_page_lists_the_catalogue_in_the_page_language_with_sensitive_marked(app, world):
    with app.app_context():
        db.session.add(Issue(municipality_id=world["home_id"], code="local_dogs", name_ru="Бродячие собаки",
                             name_en="Stray dogs", position=99))
        db.session.add(Issue(municipality_id=world["other_id"], code="local_mudflows", name_en="Mudflows"))
        db.session.commit()
    client = logged_in_client(app, world["users"]["viewer"])
    page = page_text(client.get(f"/m/{world['home']}/surveys?lang=ru"))
    section = page[page.index('id="issues"'):]
    for code, _sensitive, names, _descriptions in catalogue.CATALOGUE:
        assert names[1] in section, code
    assert "Бродячие собаки" in section and "Mudflows" not in section
    sensitive = translated(app, "Sensitive", "ru")
    assert section.count(f'<span class="badge">{sensitive}</span>') == 2
    assert section.index("Кража скота") < section.index("Бродячие собаки")
    # A viewer sees the list but not the form.
    assert 'id="issue-form"' not in page
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    assert 'id="issue-form"' in coordinator.get(f"/m/{world['home']}/surveys").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({}, "name_ky", "Enter the name in at least one language."),
    ({"name_en": "   ", "name_ru": " "}, "name_ky", "Enter the name in at least one language."),
    ({"name_en": "x" * 161}, "name_en", "At most %(max)d characters."),
    ({"name_en": "Dogs", "description_ky": "ы" * 301}, "description_ky", "At most %(max)d characters."),
])
@pytest.mark.parametrize("lang", ["en", "ru", "ky"])
def test_bad_input_is_refused_with_a_translated_message(app, world, data, field, message, lang):
    client = logged_in_client(app, world["users"]["coordinator"])
    before = snapshot(app)
    response = client.post(f"/m/{world['home']}/surveys/issues?lang={lang}",
                           data={"csrf_token": token_for(client, "coordinator"), **data})
    assert response.status_code == 400
    max_len = 300 if field.startswith("description") else 160
    expected = translated(app, message, lang, max=max_len) if "%(max)d" in message else translated(app, message, lang)
    text = page_text(response)
    assert expected in text
    assert f'id="{field}-error"' in text and 'aria-invalid="true"' in text
    assert snapshot(app) == before


@pytest.mark.parametrize("role, status", [("viewer", 403), ("member", 403), ("police", 403), ("outsider", 403)])
def test_other_roles_cannot_add(app, world, role, status):
    client = logged_in_client(app, world["users"][role])
    before = snapshot(app)
    assert add(client, role, world["home"], name_en="Stray dogs").status_code == status
    assert snapshot(app) == before
    anonymous = app.test_client()
    token = token_for(anonymous, "anonymous")
    response = anonymous.post(f"/m/{world['home']}/surveys/issues", data={"csrf_token": token, "name_en": "Dogs"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert snapshot(app) == before


def test_an_open_survey_offers_and_accepts_the_new_issue(app, world):
    token = open_survey(app, world["home"])
    other_token = open_survey(app, world["other"])
    client = logged_in_client(app, world["users"]["facilitator"])
    assert add(client, "facilitator", world["home"], name_en="Stray dogs", name_ky="Ээси жок иттер",
               is_sensitive="y").status_code == 302
    public = app.test_client()
    questions = {q["code"]: q for q in public.get(f"/api/v1/surveys/{token}").get_json()["questions"]}
    options = questions["issue_seriousness"]["options"]
    assert [o["code"] for o in options] == [c[0] for c in catalogue.CATALOGUE] + ["local_stray_dogs"]
    assert options[-1] == {"code": "local_stray_dogs", "sensitive": True,
                           "label": {"ky": "Ээси жок иттер", "ru": "", "en": "Stray dogs"}}
    answers = {"consent": "yes", "issue_seriousness": {"local_stray_dogs": 4, "fraud": 2}}
    response = public.post(f"/api/v1/surveys/{token}/responses", json={"uuid": str(uuid.uuid4()), "answers": answers})
    assert response.status_code == 201, response.get_json()
    # Another municipality's survey neither offers nor accepts it.
    questions = {q["code"]: q for q in public.get(f"/api/v1/surveys/{other_token}").get_json()["questions"]}
    assert "local_stray_dogs" not in {o["code"] for o in questions["issue_seriousness"]["options"]}
    response = public.post(f"/api/v1/surveys/{other_token}/responses",
                           json={"uuid": str(uuid.uuid4()), "answers": answers})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "issue_seriousness"
    other_page = page_text(logged_in_client(app, world["users"]["outsider"]).get(f"/m/{world['other']}/surveys"))
    assert "Stray dogs" not in other_page


def test_a_running_survey_picks_up_the_new_issue_after_the_rules_cache(app, world, monkeypatch):
    """The per-worker rules of an open survey are kept for RULES_TTL seconds; then the new issue is rated."""
    token = open_survey(app, world["home"])
    public = app.test_client()
    url = f"/api/v1/surveys/{token}/responses"
    assert public.post(url, json={"uuid": str(uuid.uuid4()), "answers": {"consent": "yes"}}).status_code == 201
    client = logged_in_client(app, world["users"]["coordinator"])
    assert add(client, "coordinator", world["home"], name_en="Stray dogs").status_code == 302
    now = services.monotonic()
    monkeypatch.setattr(services, "monotonic", lambda: now + services.RULES_TTL + 1)
    answers = {"consent": "yes", "issue_seriousness": {"local_stray_dogs": 5}}
    assert public.post(url, json={"uuid": str(uuid.uuid4()), "answers": answers}).status_code == 201
