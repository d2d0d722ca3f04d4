"""The public page of an adopted plan (no login, nothing sensitive) and the police's review view."""
from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import event

from access_cases import logged_in_client, page_text, translated
from conftest import choose_language, create_user
from cpplan.accounts.models import User
from cpplan.extensions import db
from cpplan.i18n import format_day, format_money
from cpplan.municipalities.models import Area, Membership, Municipality, WorkingGroupMember
from cpplan.plans import services
from cpplan.plans.models import Measure, Plan, PlanComment, PlanEvent
from plan_factory import make_plan, organisations

ROOT = Path(__file__).resolve().parent.parent
COUNCIL = ("12-3", date(2026, 5, 1))
SECRET_USER = "Zarina Userova-Unseen"
SECRET_MEMBER = "Aibek Memberov-Hidden"
SECRET_NOTE = "note-only-for-the-audit-log"
SECRET_COMMENT = "comment-only-for-the-working-group"
SHELTER_AREA = "Shelter-Village-Sensitive"
OPEN_AREA = "Market-Ward-Ordinary"
NOT_ADOPTED = ("draft", "submitted", "in_review", "changes_requested", "approved")


def count_queries(app, client, url: str) -> int:
    """Return how many SQL statements a GET of url runs (asserting it answers 200)."""
    seen = []

    def listener(*_args) -> None:
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def public_url(world, tail: str = "") -> str:
    return f"/plan/{world['home']}{tail}"


def adopted(app, world, **kw) -> int:
    """Add an adopted plan of home (council decision 12-3 of 1 May 2026); return its id."""
    with app.app_context():
        return make_plan(world["home_id"], status="adopted", council=COUNCIL, **kw)


def measures_of(plan_id: int) -> list[Measure]:
    return list(db.session.scalars(db.select(Measure).filter_by(plan_id=plan_id).order_by(Measure.position)))


def with_people_and_places(app, world, plan_id: int) -> None:
    """Give the plan everything the public must not see: a named author, roster, audit note, comment, map points.

    The domestic-violence measure (sensitive) is placed in SHELTER_AREA; another measure in OPEN_AREA.
    """
    with app.app_context():
        m = db.session.get(Municipality, world["home_id"])
        user = create_user("unseen@example.org", role="coordinator", municipality=m)
        user.display_name = SECRET_USER
        plan = db.session.get(Plan, plan_id)
        plan.created_by_id = user.id
        db.session.add(WorkingGroupMember(municipality=m, name=SECRET_MEMBER, organisation=organisations(m)["police"],
                                          gender="female", group_role="chair"))
        plan.events.append(PlanEvent(user_id=user.id, action="adopt", from_state="approved", to_state="adopted",
                                     note=SECRET_NOTE))
        db.session.add(PlanComment(plan_id=plan_id, user_id=user.id, body=SECRET_COMMENT))
        shelter = Area(municipality=m, kind="village", name_ky=SHELTER_AREA, name_ru=SHELTER_AREA, name_en=SHELTER_AREA)
        market = Area(municipality=m, kind="ward", name_ky=OPEN_AREA, name_ru=OPEN_AREA, name_en=OPEN_AREA)
        db.session.add_all((shelter, market))
        for measure in measures_of(plan_id):
            measure.lat, measure.lon = D("42.493117"), D("78.395571")
            sensitive = measure.plan_issue.issue.is_sensitive
            measure.area = shelter if sensitive else market
        db.session.commit()
        assert any(ms.plan_issue.issue.is_sensitive for ms in measures_of(plan_id))


# --- the public page -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang, title", [("ky", "Кылмыштуулуктун алдын алуу"), ("ru", "Местный план профилактики"),
                                         ("en", "Local crime prevention plan")])
def test_anonymous_visitors_read_the_adopted_plan_in_their_language(app, world, client, lang, title):
    pid = adopted(app, world)
    response = client.get(public_url(world, f"?lang={lang}"))
    assert response.status_code == 200
    text = page_text(response)
    assert f'<html lang="{lang}">' in text
    assert title in text
    with app.app_context():
        plan = db.session.get(Plan, pid)
        orgs = {o for ms in plan.measures for o in [ms.lead, *ms.partners] if o is not None}
        total = services.total_cost(plan)
        with app.test_request_context(f"/?lang={lang}"):
            money = format_money(total)
            decision = translated(app, "Adopted by the council: decision %(number)s of %(date)s.", lang,
                                  number="12-3", date=format_day(COUNCIL[1]))
        for org in orgs:
            assert getattr(org, f"name_{lang}") in text
        for ms in plan.measures:
            assert getattr(ms, f"title_{lang}") in text
            assert ms.indicators[0].name in text
        for pi in plan.issues:
            assert getattr(pi.issue, f"name_{lang}") in text
            assert getattr(pi, f"problem_{lang}") in text
            assert getattr(pi, f"objective_{lang}") in text
    assert decision in text
    assert money in text
    assert "2026-03" in text  # the timeline


def test_language_switch_keeps_the_visitor_on_the_plan(app, world, client):
    adopted(app, world)
    response = choose_language(client, "ru", page=public_url(world))
    assert response.status_code == 302 and response.headers["Location"].endswith(public_url(world))
    text = page_text(client.get(public_url(world)))
    assert '<html lang="ru">' in text and "Местный план профилактики" in text


@pytest.mark.parametrize("status", NOT_ADOPTED)
def test_a_plan_not_adopted_is_not_public(app, world, client, status):
    with app.app_context():
        make_plan(world["home_id"], status=status)
    assert client.get(public_url(world)).status_code == 404
    assert client.get(public_url(world, "/v1")).status_code == 404


def test_unknown_municipality_and_version_are_404(app, world, client):
    adopted(app, world)
    assert client.get("/plan/no-such-place").status_code == 404
    assert client.get(public_url(world, "/v7")).status_code == 404
    assert client.get(f"/plan/{world['other']}").status_code == 404


def test_versions_newest_adopted_by_default_never_a_draft(app, world, client):
    first = adopted(app, world)
    with app.app_context():
        plan = db.session.get(Plan, first)
        admin = db.session.scalar(db.select(User).filter_by(is_admin=True))
        second = services.new_version(plan, admin)
        second.status = "adopted"
        second.council_decision_number, second.council_decision_date = "20-1", date(2027, 2, 1)
        third = services.new_version(second, admin)
        db.session.commit()
        assert (second.version, third.version, third.status) == (2, 3, "draft")
    newest = page_text(client.get(public_url(world, "?lang=en")))
    assert "Version 2" in newest and "20-1" in newest
    assert f'href="/plan/{world["home"]}/v1"' in newest
    older = client.get(public_url(world, "/v1"))
    assert older.status_code == 200
    text = page_text(older)
    assert "Version 1" in text and "12-3" in text
    assert "See the newer version 2" in text and f'href="/plan/{world["home"]}"' in text
    assert client.get(public_url(world, "/v2")).status_code == 200
    assert client.get(public_url(world, "/v3")).status_code == 404  # the draft


def test_no_people_no_audit_log_no_comments(app, world, client):
    pid = adopted(app, world)
    with_people_and_places(app, world, pid)
    text = page_text(client.get(public_url(world, "?lang=en")))
    for secret in (SECRET_USER, SECRET_MEMBER, SECRET_NOTE, SECRET_COMMENT, "unseen@example.org"):
        assert secret not in text
    assert "Jeti-Oguz district police" in text  # organisations are shown


def document_text(response) -> str:
    """Return the text of a served document: PDF (pypdf), DOCX (python-docx, tables included) or HTML."""
    import io

    import docx
    from pypdf import PdfReader

    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if response.mimetype.endswith("wordprocessingml.document"):
        document = docx.Document(io.BytesIO(response.data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return page_text(response)


def test_documents_linked_from_the_public_page_expose_nothing_either(app, world, client):
    pid = adopted(app, world)
    with_people_and_places(app, world, pid)
    page = page_text(client.get(public_url(world, "?lang=en")))
    section = page[page.index('id="documents"'):]
    links = sorted(set(re.findall(r'href="(/m/[^"]+/plans/\d+/(?:plan-\w\w\.(?:pdf|docx)|brief-\w\w\.pdf|document'
                                  r'\?lang=\w\w))"', section)))
    assert len(links) == 12  # plan PDF, plan DOCX, printable plan, funding brief PDF, in three languages
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        text = document_text(response)
        assert "Kyzyl-Suu" in text or "Кызыл-Суу" in text, link  # the municipality's document, in some language
        # (The profile lists every village, SHELTER_AREA too; a document never says where a measure takes place.)
        for secret in (SECRET_USER, SECRET_MEMBER, SECRET_NOTE, SECRET_COMMENT, "unseen@example.org",
                       "42.493117", "42,493117", "78.395571", "78,395571"):
            assert secret not in text, (link, secret)


def test_no_map_point_and_no_area_for_a_sensitive_issue(app, world, client):
    pid = adopted(app, world)
    with_people_and_places(app, world, pid)
    for lang in ("ky", "ru", "en"):
        text = page_text(client.get(public_url(world, f"?lang={lang}")))
        assert not re.search(r"42[.,]49|78[.,]39", text)
        assert SHELTER_AREA not in text
        assert OPEN_AREA in text  # an ordinary measure's area is fine


def test_share_block_works_without_javascript(app, world, client):
    adopted(app, world)
    text = client.get(public_url(world, "?lang=en")).get_data(as_text=True)
    field = re.search(r'<input id="share-url"[^>]*>', text).group(0)
    assert 'value="http://localhost/plan/kyzyl-suu"' in field and "readonly" in field
    assert re.search(r'<label for="share-url">', text)
    assert '<script src="/static/js/share.js" defer></script>' in text
    assert "<script>" not in text and "onclick" not in text
    assert re.search(r"data-share-buttons hidden", text)  # the buttons wait for share.js
    assert client.get("/static/js/share.js").status_code == 200
    versioned = client.get(public_url(world, "/v1")).get_data(as_text=True)
    assert 'value="http://localhost/plan/kyzyl-suu/v1"' in versioned


def test_headings_in_order_and_light(app, world, client):
    adopted(app, world, measures=8)
    body = client.get(public_url(world, "?lang=ky")).get_data()
    levels = [int(n) for n in re.findall(rb"<h([1-6])", body)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    css = (ROOT / "static/css/app.css").read_bytes()
    script = (ROOT / "static/js/share.js").read_bytes()
    assert len(gzip.compress(body)) + len(gzip.compress(css)) + len(gzip.compress(script)) < 30 * 1024


def test_public_page_queries_do_not_grow_with_measures(app, world, client):
    adopted(app, world, measures=2)
    few = count_queries(app, client, public_url(world))
    with app.app_context():
        db.session.execute(db.delete(Plan))
        db.session.commit()
    adopted(app, world, measures=12)
    assert count_queries(app, client, public_url(world)) == few


def test_plan_page_queries_do_not_grow_with_measures(app, world):
    """The working group's plan page loads partners and indicators with the measures (it ran two per measure)."""
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    few = count_queries(app, coordinator, f"/m/{world['home']}/plans/{adopted(app, world, measures=2)}")
    with app.app_context():
        db.session.execute(db.delete(Plan))
        db.session.commit()
    many = adopted(app, world, measures=12)
    assert count_queries(app, coordinator, f"/m/{world['home']}/plans/{many}") == few


def test_detail_and_overview_link_to_the_public_page(app, world):
    pid = adopted(app, world)
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    assert f'href="/plan/{world["home"]}/v1"' in coordinator.get(f"/m/{world['home']}/plans/{pid}").get_data(True)
    overview = app.test_client().get(f"/m/{world['home']}").get_data(as_text=True)
    assert f'href="/plan/{world["home"]}"' in overview


def test_no_public_link_for_a_draft(app, world):
    with app.app_context():
        pid = make_plan(world["home_id"])
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    assert "/plan/" not in coordinator.get(f"/m/{world['home']}/plans/{pid}").get_data(as_text=True)
    assert "/plan/" not in app.test_client().get(f"/m/{world['home']}").get_data(as_text=True)


# --- the police view ---------------------------------------------------------------------------------

SUBMITTED_AT = datetime(2026, 4, 2, 9, 30, tzinfo=timezone.utc)


def police_setup(app, world) -> dict:
    """A submitted plan of home (police lead one measure, partner in another, absent from a third), and a
    submitted plan of uch-korgon, where the police user is only a viewer."""
    with app.app_context():
        pid = make_plan(world["home_id"], status="submitted")
        other_pid = make_plan(world["other_id"], status="in_review")
        home = db.session.get(Municipality, world["home_id"])
        other = db.session.get(Municipality, world["other_id"])
        orgs = organisations(home)
        plan, other_plan = db.session.get(Plan, pid), db.session.get(Plan, other_pid)
        plan.events.append(PlanEvent(action="submit", from_state="draft", to_state="submitted", at=SUBMITTED_AT))
        other_plan.title_en = "Uch-Korgon plan"
        led, helped, unrelated = measures_of(pid)[:3]
        led.title_en, led.lead, led.partners = "Police-led patrols", orgs["police"], [orgs["school"]]
        helped.title_en, helped.lead, helped.partners = "Youth club with police", orgs["school"], [orgs["police"]]
        unrelated.title_en, unrelated.lead, unrelated.partners = "Street lights", orgs["local_government"], []
        other_measure = measures_of(other_pid)[0]
        other_measure.title_en, other_measure.lead = "Uch-Korgon patrols", organisations(other)["police"]
        police = db.session.scalar(db.select(User).filter_by(email=world["users"]["police"]))
        db.session.add(Membership(user=police, municipality=other, role="viewer"))
        db.session.commit()
        return {"plan": pid, "other_plan": other_pid, "led": led.id, "helped": helped.id}


def test_police_see_plans_to_review_and_their_measures(app, world):
    ids = police_setup(app, world)
    response = logged_in_client(app, world["users"]["police"]).get("/review")
    assert response.status_code == 200
    text = page_text(response)
    assert f'href="/m/{world["home"]}/plans/{ids["plan"]}#workflow"' in text
    assert "Submitted" in text and "Version 1" in text and "Kyzyl-Suu" in text
    with app.test_request_context("/?lang=en"):
        assert f"Submitted on {format_day(SUBMITTED_AT)}" in text
    assert "Police-led patrols" in text and "Police lead" in text
    assert "Youth club with police" in text and "Police are a partner" in text
    assert f'#measure-{ids["led"]}"' in text and f'#measure-{ids["helped"]}"' in text
    assert "Street lights" not in text
    assert "Uch-Korgon plan" not in text and "Uch-Korgon patrols" not in text  # not police there
    assert "2026-03" in text  # timeline


def test_admin_sees_every_municipality(app, world):
    police_setup(app, world)
    text = page_text(logged_in_client(app, world["users"]["admin"]).get("/review"))
    assert "Uch-Korgon plan" in text and "Uch-Korgon patrols" in text
    assert "Police-led patrols" in text


def test_only_the_latest_version_of_a_plan_counts(app, world):
    ids = police_setup(app, world)
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        plan.status = "adopted"
        copy = services.new_version(plan, db.session.scalar(db.select(User).filter_by(is_admin=True)))
        db.session.commit()
        copy_id = copy.id
    text = page_text(logged_in_client(app, world["users"]["police"]).get("/review"))
    assert text.count("Police-led patrols") == 1
    assert f'/plans/{copy_id}#measure-' in text and f'/plans/{ids["plan"]}#measure-' not in text
    assert "No plan is waiting for police review." in text


@pytest.mark.parametrize("role", ["coordinator", "member", "facilitator", "viewer", "outsider"])
def test_others_get_403(app, world, role):
    assert logged_in_client(app, world["users"][role]).get("/review").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/review")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_home_page_links_police_to_the_review_with_a_count(app, world):
    police_setup(app, world)
    text = page_text(logged_in_client(app, world["users"]["police"]).get("/my"))
    assert 'href="/review"' in text and "1 plan awaits police review." in text
    admin = page_text(logged_in_client(app, world["users"]["admin"]).get("/my"))
    assert "2 plans await police review." in admin
    assert 'href="/review"' not in page_text(logged_in_client(app, world["users"]["member"]).get("/my"))


def test_police_view_queries_do_not_grow_with_rows(app, world):
    """The page asks the same number of queries for one plan as for many measures and municipalities."""
    police_setup(app, world)
    client = logged_in_client(app, world["users"]["admin"])
    few = count_queries(app, client, "/review")
    with app.app_context():
        for _ in range(3):
            pid = make_plan(world["other_id"], status="submitted", measures=8)
            police_org = organisations(db.session.get(Municipality, world["other_id"]))["police"]
            for measure in measures_of(pid):
                measure.lead = police_org
        db.session.commit()
    assert count_queries(app, client, "/review") == few
