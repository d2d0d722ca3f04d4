"""Counts kept as responses arrive: every path that stores a response adds its counts, exactly once."""
from __future__ import annotations

import uuid
from collections import Counter

from conftest import create_municipality, create_survey
from cpplan.extensions import db
from cpplan.surveys import services, tally
from cpplan.surveys.models import Tally
from cpplan.municipalities.models import Area, Municipality

KINDS = {"gender": "single", "age_band": "single", "area": "area", "safe_day": "scale", "victimisation": "multiple",
         "issue_seriousness": "issue_rating", "safer": "text", "unsafe_point": "location"}


def stored(survey_id: int) -> dict:
    return {(t.gender, t.age_band, t.area, t.question_code, t.item, t.value): t.n
            for t in db.session.scalars(db.select(Tally).filter_by(survey_id=survey_id))}


def test_contributions_of_one_response_count_it_once_under_its_profile():
    from decimal import Decimal
    rows = [("gender", "female", None, None), ("age_band", "60_plus", None, None), ("area", "7", None, None),
            ("safe_day", None, Decimal(4), None), ("victimisation", "fraud", None, None),
            ("victimisation", "assault", None, None), ("issue_seriousness", "fraud", Decimal(5), None),
            ("safer", None, None, "lights"), ("unsafe_point", "lat", Decimal("42.1"), None)]
    found = tally.contributions(rows, KINDS)
    profile = ("female", "60_plus", "7")
    assert found[profile + ("*", "", 0)] == 1
    assert found[profile + ("victimisation", "*", 0)] == 1  # answered once, two ticks
    assert found[profile + ("victimisation", "fraud", 0)] == 1
    assert found[profile + ("safe_day", "", 4)] == 1
    assert found[profile + ("issue_seriousness", "fraud", 5)] == 1
    assert {key[:3] for key in found} == {profile}
    assert not any(key[3] in ("safer", "unsafe_point") for key in found)  # free text and points are never counted
    assert set(found.values()) == {1}


def test_no_answer_to_a_splitting_question_is_its_own_group():
    found = tally.contributions([("safe_day", None, 3, None)], KINDS)
    assert found[("", "", "", "safe_day", "", 3)] == 1
    assert found[("", "", "", "*", "", 0)] == 1


def _answers(rng, areas):
    answers = {"consent": "yes", "safe_day": rng.randint(1, 5), "victimisation": rng.sample(
        ["fraud", "assault", "domestic_violence"], rng.randint(1, 2)),
        "issue_seriousness": {"fraud": rng.randint(1, 5), "road_safety": rng.randint(1, 5)}}
    if rng.random() < 0.8:
        answers["gender"] = rng.choice(["female", "male"])
    if rng.random() < 0.8:
        answers["age_band"] = rng.choice(["18_29", "60_plus"])
    answers["area"] = rng.choice(areas)
    return answers


def test_stored_counts_equal_a_recount_after_web_resend_and_import(app):
    import random
    rng = random.Random(4)
    with app.app_context():
        create_municipality()
        m = db.session.scalar(db.select(Municipality))
        m.areas.append(Area(kind="village", name_ky="Тоо", name_ru="Гора", name_en="Hill"))
        db.session.commit()
        survey = create_survey(status="open")
        areas = [str(a.id) for a in m.areas]
        sent = []
        for _ in range(40):
            client_uuid, answers = str(uuid.uuid4()), _answers(rng, areas)
            services.submit(survey, client_uuid, answers, "web")
            sent.append((client_uuid, answers))
        for client_uuid, answers in sent[:5]:  # resent from a phone: stored and counted once
            assert services.submit(survey, client_uuid, answers, "offline") == (client_uuid, False)
        incremental = stored(survey.id)
        assert sum(n for key, n in incremental.items() if key[3:] == ("*", "", 0)) == 40
        tally.recount(survey.id)
        db.session.commit()
        assert stored(survey.id) == incremental


def test_a_rejected_response_adds_no_count(app):
    with app.app_context():
        create_municipality()
        survey = create_survey(status="open")
        try:
            services.submit(survey, str(uuid.uuid4()), {"consent": "yes", "safe_day": 9}, "web")
        except services.Invalid:
            pass
        assert stored(survey.id) == {}
