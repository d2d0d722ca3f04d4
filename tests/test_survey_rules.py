"""The rules of a frozen questionnaire are kept per worker for a minute; a draft's are read every time."""
from __future__ import annotations

from conftest import create_municipality
from cpplan.extensions import db
from cpplan.municipalities.models import Area
from cpplan.surveys import services


def add_area(municipality_id: int) -> str:
    area = Area(municipality_id=municipality_id, kind="village", name_en="New village")
    db.session.add(area)
    db.session.commit()
    return str(area.id)


def test_a_drafts_rules_are_read_every_time(app):
    with app.app_context():
        survey = services.create_standard(create_municipality())
        db.session.commit()
        before = services.rules(survey)
        new_area = add_area(survey.municipality_id)
        assert new_area not in before.areas
        assert new_area in services.rules(survey).areas


def test_an_open_surveys_rules_are_kept_for_a_minute(app, monkeypatch):
    with app.app_context():
        survey = services.create_standard(create_municipality())
        services.open_survey(survey)
        db.session.commit()
        kept = services.rules(survey)
        new_area = add_area(survey.municipality_id)
        assert services.rules(survey) is kept
        assert services.check(survey, {"consent": "yes", "area": new_area}).errors == [("area", "not_an_option")]
        now = services.monotonic()
        monkeypatch.setattr(services, "monotonic", lambda: now + services.RULES_TTL + 1)
        assert new_area in services.rules(survey).areas
        assert services.check(survey, {"consent": "yes", "area": new_area}).ok


def test_each_app_keeps_its_own_rules(app):
    with app.app_context():
        survey = services.create_standard(create_municipality())
        services.open_survey(survey)
        db.session.commit()
        services.rules(survey)
        assert (survey.id, survey.version) in app.extensions[services._RULES]
