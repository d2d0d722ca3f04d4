"""Municipalities: working-group roster, organisations, accounts and roles, administration, lists."""
from __future__ import annotations

import html
import json
import re

import pytest
from babel import Locale
from flask_babel import force_locale, gettext as babel_gettext

from cpplan.accounts.models import User
from cpplan.extensions import db
from cpplan.i18n import format_number
from cpplan.municipalities.models import Area, Membership, Municipality, Organisation, WorkingGroupMember
from conftest import PASSWORD, Auth, choose_language, create_municipality, create_user, csrf_token

NEW_PASSWORD = "juniper-yurt-meadow-77"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def translate(app, lang: str, msgid: str, **kw) -> str:
    with app.test_request_context(), force_locale(lang):
        return babel_gettext(msgid, **kw)


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', response.get_data(as_text=True), re.S)]


def field_error(response, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else None


def municipality(slug: str) -> Municipality:
    return db.session.scalar(db.select(Municipality).filter_by(slug=slug))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email))


def count(model, **filters) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**filters))


def set_locale(app, email: str, locale: str) -> None:
    with app.app_context():
        user_by_email(email).locale = locale
        db.session.commit()


def member_data(token, name="Aigul Osmonova", organisation_id=0, gender="female", group_role="member", position=""):
    return {"csrf_token": token, "name": name, "organisation_id": organisation_id, "position": position,
            "gender": gender, "group_role": group_role}


def add_organisation(app, slug: str, kind="police", name_en="District police") -> int:
    with app.app_context():
        org = Organisation(municipality=municipality(slug), kind=kind, name_en=name_en)
        db.session.add(org)
        db.session.commit()
        return org.id


@pytest.fixture
def coordinator(client, auth, world):
    auth.login(world["users"]["coordinator"])
    return world["home"]


@pytest.fixture
def admin(client, auth, world):
    auth.login(world["users"]["admin"])
    return world


# --- working group roster and organisations --------------------------------------------------

def test_coordinator_adds_edits_and_removes_organisations_and_members(app, client, coordinator):
    slug = coordinator
    group = f"/m/{slug}/group"
    token = csrf_token(client, group)

    response = client.post(f"/m/{slug}/organisations", data={
        "csrf_token": token, "kind": "police", "name_ky": "", "name_ru": "ОВД района", "name_en": "District police"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{group}#organisations")
    with app.app_context():
        org = db.session.scalar(db.select(Organisation).filter_by(name_en="District police"))
        assert (org.kind, org.name_ru, org.municipality.slug) == ("police", "ОВД района", slug)
        org_id = org.id
    assert "District police" in text_of(client.get(group))

    response = client.post(group, data=member_data(token, "Aigul Osmonova", org_id, "female", "chair", "Deputy head"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(group)
    page = client.get(group)
    assert "Aigul Osmonova" in text_of(page)
    assert any("Aigul Osmonova" in f for f in flashes(page))
    with app.app_context():
        person = db.session.scalar(db.select(WorkingGroupMember).filter_by(name="Aigul Osmonova"))
        assert (person.organisation_id, person.gender, person.group_role, person.position) == (
            org_id, "female", "chair", "Deputy head")
        person_id = person.id

    assert client.get(f"{group}/{person_id}").status_code == 200
    response = client.post(f"{group}/{person_id}", data=member_data(
        token, "  Aigul Osmonova-Asanova ", 0, "female", "secretary", "Head"))
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(WorkingGroupMember, person_id)
        assert (person.name, person.organisation_id, person.group_role, person.position) == (
            "Aigul Osmonova-Asanova", None, "secretary", "Head")

    assert client.get(f"/m/{slug}/organisations/{org_id}").status_code == 200
    response = client.post(f"/m/{slug}/organisations/{org_id}", data={
        "csrf_token": token, "kind": "police", "name_ky": "Жети-Өгүз ИИБ", "name_ru": "", "name_en": "Jeti-Oguz police"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert (org.name_ky, org.name_ru, org.name_en) == ("Жети-Өгүз ИИБ", "", "Jeti-Oguz police")

    response = client.post(f"{group}/{person_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    response = client.post(f"/m/{slug}/organisations/{org_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(WorkingGroupMember, person_id) is None
        assert db.session.get(Organisation, org_id) is None


def test_gender_balance_is_shown(app, client, coordinator):
    group = f"/m/{coordinator}/group"
    assert translate(app, "en", "Nobody is on the roster yet.") in text_of(client.get(group))
    token = csrf_token(client, group)
    for name, gender in (("A", "female"), ("B", "female"), ("C", "male")):
        assert client.post(group, data=member_data(token, name, gender=gender)).status_code == 302
    page = text_of(client.get(group))
    assert "Woman: 2 (67%)" in page
    assert "Man: 1 (33%)" in page
    assert "Women 67%, men 33%, not stated 0%" in page
    widths = [int(w) for w in re.findall(r'<rect class="bar-\w+" x="\d+" y="0" width="(\d+)"', page)]
    assert widths == [67, 33]


def test_over_long_name_is_refused_with_a_translated_message(app, client, coordinator):
    group = f"/m/{coordinator}/group"
    choose_language(client, "ru", group)                 # the coordinator now works in Russian
    token = csrf_token(client, group)
    response = client.post(group, data=member_data(token, "Ж" * 200))
    assert response.status_code == 400
    message = translate(app, "ru", "At most %(max)d characters.", max=120)
    assert message != "At most 120 characters."
    assert field_error(response, "name") == message
    with app.app_context():
        assert count(WorkingGroupMember) == 0


def test_over_long_input_changes_nothing(app, client, coordinator):
    slug = coordinator
    token = csrf_token(client, f"/m/{slug}/group")
    response = client.post(f"/m/{slug}/organisations", data={"csrf_token": token, "kind": "ngo", "name_en": "N" * 161})
    assert response.status_code == 400
    assert field_error(response, "name_en") == translate(app, "en", "At most %(max)d characters.", max=160)
    assert client.post(f"/m/{slug}/group", data=member_data(token, "Aigul")).status_code == 302
    with app.app_context():
        person_id = db.session.scalar(db.select(WorkingGroupMember.id))
    response = client.post(f"/m/{slug}/group/{person_id}", data=member_data(token, "Aigul", position="P" * 121))
    assert response.status_code == 400
    assert field_error(response, "position")
    with app.app_context():
        assert count(Organisation) == 0
        assert db.session.get(WorkingGroupMember, person_id).position == ""


@pytest.mark.parametrize("field, value", [
    ("gender", "robot"), ("group_role", "boss"), ("name", "   "), ("organisation_id", "abc"),
])
def test_bad_member_input_is_a_validation_error(app, client, coordinator, field, value):
    group = f"/m/{coordinator}/group"
    data = member_data(csrf_token(client, group))
    data[field] = value
    response = client.post(group, data=data)
    assert response.status_code == 400
    assert field_error(response, field)
    with app.app_context():
        assert count(WorkingGroupMember) == 0


def test_organisation_needs_a_name_in_some_language(app, client, coordinator):
    token = csrf_token(client, f"/m/{coordinator}/group")
    response = client.post(f"/m/{coordinator}/organisations", data={
        "csrf_token": token, "kind": "ngo", "name_ky": " ", "name_ru": "", "name_en": ""})
    assert response.status_code == 400
    assert field_error(response, "name_ky") == translate(app, "en", "Enter the name in at least one language.")
    with app.app_context():
        assert count(Organisation) == 0
    response = client.post(f"/m/{coordinator}/organisations", data={
        "csrf_token": token, "kind": "ngo", "name_ky": "", "name_ru": "", "name_en": "Safe Village"})
    assert response.status_code == 302


def test_organisation_of_another_municipality_is_a_validation_error(app, client, coordinator, world):
    foreign = add_organisation(app, world["other"], name_en="Uch-Korgon police")
    group = f"/m/{coordinator}/group"
    token = csrf_token(client, group)
    response = client.post(group, data=member_data(token, organisation_id=foreign))
    assert response.status_code == 400
    assert field_error(response, "organisation_id")
    assert "Uch-Korgon police" not in text_of(response)
    with app.app_context():
        assert count(WorkingGroupMember) == 0
    # editing someone to point at it is refused too
    assert client.post(group, data=member_data(token, "Aigul")).status_code == 302
    with app.app_context():
        person_id = db.session.scalar(db.select(WorkingGroupMember.id))
    response = client.post(f"{group}/{person_id}", data=member_data(token, "Aigul", organisation_id=foreign))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(WorkingGroupMember, person_id).organisation_id is None


def test_organisation_of_another_municipality_cannot_be_edited_or_removed(app, client, coordinator, world):
    foreign = add_organisation(app, world["other"], name_en="Uch-Korgon police")
    token = csrf_token(client, f"/m/{coordinator}/group")
    assert client.get(f"/m/{coordinator}/organisations/{foreign}").status_code == 404
    assert client.post(f"/m/{coordinator}/organisations/{foreign}/delete", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Organisation, foreign) is not None


def test_removing_an_organisation_keeps_its_people(app, client, coordinator):
    slug = coordinator
    org_id = add_organisation(app, slug)
    token = csrf_token(client, f"/m/{slug}/group")
    for name in ("Bakyt", "Nurlan"):
        assert client.post(f"/m/{slug}/group", data=member_data(token, name, org_id, "male")).status_code == 302
    assert client.post(f"/m/{slug}/organisations/{org_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        people = db.session.scalars(db.select(WorkingGroupMember).order_by(WorkingGroupMember.name)).all()
        assert [(p.name, p.organisation_id) for p in people] == [("Bakyt", None), ("Nurlan", None)]
        assert count(Organisation) == 0
    page = client.get(f"/m/{slug}/group")
    assert page.status_code == 200
    roster = re.search(r'<section aria-labelledby="roster">(.*?)</section>', text_of(page), re.S).group(1)
    assert "Bakyt" in roster and "Nurlan" in roster and "District police" not in roster


def test_delete_without_token_changes_nothing(app, client, coordinator):
    org_id = add_organisation(app, coordinator)
    response = client.post(f"/m/{coordinator}/organisations/{org_id}/delete", data={})
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.get(Organisation, org_id) is not None


# --- accounts and roles of a municipality ----------------------------------------------------

def membership_id(email: str, slug: str) -> int | None:
    return db.session.scalar(db.select(Membership.id).join(User).join(Municipality).filter(
        User.email == email, Municipality.slug == slug))


def test_coordinator_gives_a_role_to_an_existing_user(app, client, coordinator, world):
    members = f"/m/{coordinator}/members"
    token = csrf_token(client, members)
    with app.app_context():
        users_before = count(User)
    response = client.post(members, data={"csrf_token": token, "email": "Outsider@Example.ORG",
                                          "display_name": "", "role": "viewer"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(members)
    page = client.get(members)
    assert not any("one-time password" in f for f in flashes(page))
    assert "outsider@example.org" in text_of(page)
    with app.app_context():
        assert count(User) == users_before
        ms = db.session.get(Membership, membership_id("outsider@example.org", coordinator))
        assert ms.role == "viewer"
        assert membership_id("outsider@example.org", world["other"])   # the other role stays


def test_coordinator_gives_a_role_to_a_new_email(app, client, coordinator):
    members = f"/m/{coordinator}/members"
    token = csrf_token(client, members)
    response = client.post(members, data={"csrf_token": token, "email": "New.Person@example.org",
                                          "display_name": "Жаңы адам", "role": "member"}, follow_redirects=True)
    assert response.status_code == 200
    password = next((re.search(r"in private: (\S+)$", f) for f in flashes(response) if "in private" in f), None)
    assert password, flashes(response)
    password = password.group(1)
    with app.app_context():
        user = user_by_email("new.person@example.org")
        assert user.display_name == "Жаңы адам"
        assert user.locale == "en"                 # the language the coordinator works in
        assert db.session.get(Membership, membership_id(user.email, coordinator)).role == "member"
    # the one-time password works, once flashed it is not shown again
    assert not any(password in f for f in flashes(client.get(members)))
    other = app.test_client()
    assert Auth(other).login("new.person@example.org", password).status_code == 302
    assert other.get("/my").status_code == 200


def test_bad_membership_input_is_refused(app, client, coordinator):
    members = f"/m/{coordinator}/members"
    token = csrf_token(client, members)
    with app.app_context():
        before = count(Membership), count(User)
    for data in ({"email": "not-an-email", "role": "member"}, {"email": "x@example.org", "role": "admin"},
                 {"email": "x@example.org", "role": "member", "display_name": "N" * 121}):
        response = client.post(members, data={"csrf_token": token, **data})
        assert response.status_code == 400, data
    with app.app_context():
        assert (count(Membership), count(User)) == before


def role_data(client, slug, ms_id, role):
    return {f"r{ms_id}-csrf_token": csrf_token(client, f"/m/{slug}/members"), f"r{ms_id}-role": role}


def test_coordinator_changes_roles(app, client, coordinator, world):
    with app.app_context():
        ms_id = membership_id(world["users"]["member"], coordinator)
    response = client.post(f"/m/{coordinator}/members/{ms_id}/role", data=role_data(client, coordinator, ms_id, "facilitator"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, ms_id).role == "facilitator"
    # an unknown role is refused
    response = client.post(f"/m/{coordinator}/members/{ms_id}/role", data=role_data(client, coordinator, ms_id, "admin"),
                           follow_redirects=True)
    assert translate(app, "en", "Choose a role from the list.") in flashes(response)
    with app.app_context():
        assert db.session.get(Membership, ms_id).role == "facilitator"


def test_coordinator_cannot_drop_their_own_coordinator_role(app, client, coordinator, world):
    with app.app_context():
        ms_id = membership_id(world["users"]["coordinator"], coordinator)
    response = client.post(f"/m/{coordinator}/members/{ms_id}/role", data=role_data(client, coordinator, ms_id, "member"),
                           follow_redirects=True)
    assert translate(app, "en", "You cannot take away your own coordinator role.") in flashes(response)
    with app.app_context():
        assert db.session.get(Membership, ms_id).role == "coordinator"


def test_coordinator_cannot_remove_themselves_but_can_remove_others(app, client, coordinator, world):
    token = csrf_token(client, f"/m/{coordinator}/members")
    with app.app_context():
        own = membership_id(world["users"]["coordinator"], coordinator)
        viewer = membership_id(world["users"]["viewer"], coordinator)
    response = client.post(f"/m/{coordinator}/members/{own}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert translate(app, "en", "You cannot remove yourself.") in flashes(response)
    response = client.post(f"/m/{coordinator}/members/{viewer}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, own) is not None
        assert db.session.get(Membership, viewer) is None
        assert user_by_email(world["users"]["viewer"]) is not None     # the account stays


def test_membership_of_another_municipality_is_not_found(app, client, coordinator, world):
    with app.app_context():
        foreign = membership_id(world["users"]["outsider"], world["other"])
    token = csrf_token(client, f"/m/{coordinator}/members")
    assert client.post(f"/m/{coordinator}/members/{foreign}/delete", data={"csrf_token": token}).status_code == 404
    response = client.post(f"/m/{coordinator}/members/{foreign}/role", data=role_data(client, coordinator, foreign, "viewer"))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Membership, foreign).role == "coordinator"


# --- administration: municipalities and areas ------------------------------------------------

def municipality_data(token, **kw):
    data = {"csrf_token": token, "slug": "new-town", "name_ky": "Жаңы шаар", "name_ru": "Новый город",
            "name_en": "New Town", "kind": "town", "region": "naryn", "district_ky": "", "district_ru": "",
            "district_en": "", "population": "12345", "lat": "41.43", "lon": "75.99", "boundary_geojson": ""}
    data.update(kw)
    return data


POLYGON = json.dumps({"type": "Polygon", "coordinates": [[[75.9, 41.4], [76.0, 41.4], [76.0, 41.5], [75.9, 41.4]]]})


def test_admin_creates_a_municipality(app, client, admin):
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(
        token, slug="  New-Town ", boundary_geojson=POLYGON))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/municipalities/new-town")
    with app.app_context():
        m = municipality("new-town")
        assert (m.name_en, m.kind, m.region, m.population, m.lat, m.lon) == ("New Town", "town", "naryn", 12345, 41.43, 75.99)
        assert json.loads(m.boundary_geojson)["type"] == "Polygon"
    assert client.get("/admin/municipalities/new-town").status_code == 200
    assert client.get("/m/new-town").status_code == 200


@pytest.mark.parametrize("slug", ["new town", "new_town", "-town", "town-", "new--town", "жаңы", "town/1", ""])
def test_municipality_slug_is_validated(app, client, admin, slug):
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, slug=slug))
    assert response.status_code == 400
    assert field_error(response, "slug")
    with app.app_context():
        assert count(Municipality) == 2


@pytest.mark.parametrize("lang", ["en", "ru", "ky"])
def test_duplicate_slug_is_a_translated_error(app, client, admin, lang):
    choose_language(client, lang, "/admin/municipalities/new")
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, slug="Uch-Korgon"))
    assert response.status_code == 400
    message = translate(app, lang, "Another municipality already uses this short name.")
    if lang != "en":
        assert message != "Another municipality already uses this short name."
    assert field_error(response, "slug") == message
    with app.app_context():
        assert count(Municipality) == 2


def test_municipality_needs_a_name_in_some_language(app, client, admin):
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, name_ky="", name_ru="", name_en=""))
    assert response.status_code == 400
    assert field_error(response, "name_ky")
    with app.app_context():
        assert municipality("new-town") is None


@pytest.mark.parametrize("boundary", [
    "{not json", "[1, 2]", '"Polygon"', json.dumps({"type": "Point", "coordinates": [75.9, 41.4]}), "null",
    pytest.param("[" * 20_000, id="nested-too-deep-to-decode"),  # json.loads raised RecursionError: a 500
])
def test_invalid_geojson_is_refused(app, client, admin, boundary):
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, boundary_geojson=boundary))
    assert response.status_code == 400
    assert field_error(response, "boundary_geojson")
    with app.app_context():
        assert municipality("new-town") is None


@pytest.mark.parametrize("population", ["-1", "5000001", "9" * 400, "-" + "9" * 400])
def test_population_out_of_range_is_refused_with_its_message(app, client, admin, population):
    """A number too large for a float made WTForms' range check overflow (a 500); now it gets the range message."""
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, population=population))
    assert response.status_code == 400
    assert field_error(response, "population") == "Enter a number from 0 to 5000000."
    with app.app_context():
        assert municipality("new-town") is None


@pytest.mark.parametrize("lat, lon, bad", [
    ("50", "75", "lat"), ("38.9", "75", "lat"), ("-42", "75", "lat"),
    ("41", "100", "lon"), ("41", "68.9", "lon"), ("41", "north", "lon"),
])
def test_coordinates_outside_kyrgyzstan_are_refused(app, client, admin, lat, lon, bad):
    token = csrf_token(client, "/admin/municipalities/new")
    response = client.post("/admin/municipalities/new", data=municipality_data(token, lat=lat, lon=lon))
    assert response.status_code == 400
    assert field_error(response, bad)
    with app.app_context():
        assert municipality("new-town") is None


def test_admin_edits_a_municipality(app, client, admin):
    slug = admin["home"]
    token = csrf_token(client, f"/admin/municipalities/{slug}")
    data = municipality_data(token, slug=slug, name_en="Kyzyl-Suu village", kind="aiyl_aimak", region="issyk_kul",
                             population="30000", lat="42.35", lon="78.01", district_en="Jeti-Oguz district")
    response = client.post(f"/admin/municipalities/{slug}", data=data)
    assert response.status_code == 302
    with app.app_context():
        m = municipality(slug)
        assert (m.name_en, m.population, m.lat, m.district_en) == ("Kyzyl-Suu village", 30000, 42.35, "Jeti-Oguz district")
    # taking another municipality's slug is refused, renaming to a free one works
    response = client.post(f"/admin/municipalities/{slug}", data={**data, "slug": admin["other"]})
    assert response.status_code == 400
    assert field_error(response, "slug") == translate(app, "en", "Another municipality already uses this short name.")
    response = client.post(f"/admin/municipalities/{slug}", data={**data, "slug": "kyzyl-suu-2"})
    assert response.status_code == 302
    with app.app_context():
        assert municipality(slug) is None
        assert municipality("kyzyl-suu-2").name_en == "Kyzyl-Suu village"
        assert municipality(admin["other"]).name_en == "Uch-Korgon"


def test_admin_adds_edits_and_deletes_areas(app, client, admin):
    slug = admin["home"]
    token = csrf_token(client, f"/admin/municipalities/{slug}")
    response = client.post(f"/admin/municipalities/{slug}/areas", data={
        "csrf_token": token, "kind": "village", "name_ky": "Жогорку айыл", "name_ru": "", "name_en": "Upper village",
        "lat": "42.37", "lon": "78.04"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/municipalities/{slug}#areas")
    with app.app_context():
        area = db.session.scalar(db.select(Area).filter_by(name_en="Upper village"))
        assert (area.name_ky, area.lat, area.municipality.slug) == ("Жогорку айыл", 42.37, slug)
        area_id = area.id
    assert "Upper village" in text_of(client.get(f"/admin/municipalities/{slug}"))

    assert client.get(f"/admin/municipalities/{slug}/areas/{area_id}").status_code == 200
    response = client.post(f"/admin/municipalities/{slug}/areas/{area_id}", data={
        "csrf_token": token, "kind": "ward", "name_ky": "", "name_ru": "", "name_en": "Upper ward", "lat": "", "lon": ""})
    assert response.status_code == 302
    with app.app_context():
        area = db.session.get(Area, area_id)
        assert (area.kind, area.name_en, area.lat) == ("ward", "Upper ward", None)

    # an area is only reachable through its own municipality
    assert client.get(f"/admin/municipalities/{admin['other']}/areas/{area_id}").status_code == 404
    response = client.post(f"/admin/municipalities/{slug}/areas/{area_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Area, area_id) is None


@pytest.mark.parametrize("data, bad", [
    ({"name_en": "", "name_ru": "", "name_ky": ""}, "name_ky"),
    ({"lat": "45"}, "lat"),
    ({"kind": "city"}, "kind"),
    ({"name_en": "A" * 161}, "name_en"),
])
def test_bad_area_input_is_refused(app, client, admin, data, bad):
    slug = admin["home"]
    token = csrf_token(client, f"/admin/municipalities/{slug}")
    form = {"csrf_token": token, "kind": "village", "name_en": "Upper village", "lat": "42.37", "lon": "78.04", **data}
    response = client.post(f"/admin/municipalities/{slug}/areas", data=form)
    assert response.status_code == 400
    assert field_error(response, bad)
    with app.app_context():
        assert count(Area) == 2                       # the one area of each municipality


# --- administration: users and memberships ---------------------------------------------------

def user_data(token, **kw):
    data = {"csrf_token": token, "email": "new.user@example.org", "display_name": "New User", "locale": "ru",
            "is_active": "y", "new_password": NEW_PASSWORD}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_creates_a_user_who_can_log_in(app, client, admin):
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data=user_data(token, email="New.User@Example.ORG"))
    assert response.status_code == 302
    with app.app_context():
        user = user_by_email("new.user@example.org")
        assert (user.display_name, user.locale, user.is_admin, user.is_active) == ("New User", "ru", False, True)
        assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    other = app.test_client()
    assert Auth(other).login("new.user@example.org", NEW_PASSWORD).status_code == 302


def test_new_user_needs_a_good_password(app, client, admin):
    token = csrf_token(client, "/admin/users/new")
    for password in ("", "short", "password123"):
        response = client.post("/admin/users/new", data=user_data(token, new_password=password))
        assert response.status_code == 400, password
        assert field_error(response, "new_password")
    with app.app_context():
        assert user_by_email("new.user@example.org") is None


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_duplicate_email_differing_in_case_is_a_translated_error(app, client, admin, lang):
    choose_language(client, lang, "/admin/users/new")
    token = csrf_token(client, "/admin/users/new")
    with app.app_context():
        before = count(User)
    response = client.post("/admin/users/new", data=user_data(token, email="Member@Example.ORG"))
    assert response.status_code == 400
    message = translate(app, lang, "Another account already uses this e-mail.")
    if lang != "en":
        assert message != "Another account already uses this e-mail."
    assert field_error(response, "email") == message
    with app.app_context():
        assert count(User) == before
        assert user_by_email("member@example.org").display_name == "member"


def test_admin_edits_a_user(app, client, admin):
    with app.app_context():
        user_id = user_by_email(admin["users"]["member"]).id
    page = f"/admin/users/{user_id}"
    token = csrf_token(client, page)
    response = client.post(page, data=user_data(token, email="MEMBER@example.org", display_name="Erlan", locale="ky",
                                                 new_password=""))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.email, user.display_name, user.locale, user.is_active) == ("member@example.org", "Erlan", "ky", True)
    # the password is kept when the field is left empty
    assert Auth(app.test_client()).login("member@example.org", PASSWORD).status_code == 302
    # another user's e-mail, in another case, is refused
    response = client.post(page, data=user_data(token, email="Viewer@Example.org", display_name="Erlan", new_password=""))
    assert response.status_code == 400
    assert field_error(response, "email") == translate(app, "en", "Another account already uses this e-mail.")
    with app.app_context():
        assert db.session.get(User, user_id).email == "member@example.org"
    # deactivating ends the account's access
    response = client.post(page, data=user_data(token, email="member@example.org", display_name="Erlan",
                                                new_password="", is_active=None))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).is_active is False
    assert Auth(app.test_client()).login("member@example.org", PASSWORD).status_code != 302


def test_admin_cannot_take_away_their_own_admin_rights(app, client, admin):
    with app.app_context():
        user_id = user_by_email(admin["users"]["admin"]).id
    page = f"/admin/users/{user_id}"
    token = csrf_token(client, page)
    response = client.post(page, data=user_data(token, email="admin@example.org", display_name="Admin", new_password=""))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user_id).is_admin is True


def test_admin_adds_and_removes_memberships(app, client, admin):
    with app.app_context():
        user_id = user_by_email(admin["users"]["police"]).id
    page = f"/admin/users/{user_id}"
    token = csrf_token(client, page)
    response = client.post(f"{page}/memberships", data={"csrf_token": token, "email": admin["users"]["police"],
                                                        "municipality": admin["other"], "role": "police"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page}#memberships")
    with app.app_context():
        ms_id = membership_id(admin["users"]["police"], admin["other"])
        assert db.session.get(Membership, ms_id).role == "police"
    assert "Uch-Korgon" in text_of(client.get(page))

    # an unknown municipality or role adds nothing
    response = client.post(f"{page}/memberships", data={"csrf_token": token, "email": admin["users"]["police"],
                                                        "municipality": "atlantis", "role": "police"},
                           follow_redirects=True)
    assert translate(app, "en", "Choose a municipality from the list.") in flashes(response)
    response = client.post(f"{page}/memberships", data={"csrf_token": token, "email": admin["users"]["police"],
                                                        "municipality": admin["other"], "role": "king"},
                           follow_redirects=True)
    assert translate(app, "en", "Choose a role from the list.") in flashes(response)
    with app.app_context():
        assert count(Membership, user_id=user_id) == 2
        assert db.session.get(Membership, ms_id).role == "police"

    response = client.post(f"/admin/memberships/{ms_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, ms_id) is None
        assert count(Membership, user_id=user_id) == 1


def test_admin_lists(client, admin):
    page = text_of(client.get("/admin/municipalities"))
    assert "Kyzyl-Suu" in page and "Uch-Korgon" in page
    page = text_of(client.get("/admin/users"))
    assert all(email in page for email in admin["users"].values())


# --- 404, my municipalities, landing page ----------------------------------------------------

@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_missing_municipality_is_a_translated_404(app, client, lang):
    response = client.get(f"/m/atlantis?lang={lang}")
    assert response.status_code == 404
    title = translate(app, lang, "Page not found")
    if lang != "en":
        assert title != "Page not found"
    assert re.search(r"<h1>(.*?)</h1>", text_of(response)).group(1) == title


def test_missing_municipality_pages_are_404(client, admin):
    for path in ("/m/atlantis/group", "/m/atlantis/members", "/admin/municipalities/atlantis"):
        assert client.get(path).status_code == 404, path


def my_links(client) -> list[str]:
    response = client.get("/my")
    assert response.status_code == 200
    block = re.search(r"<h1>.*?</h1>(.*?)</main>", response.get_data(as_text=True), re.S).group(1)
    return re.findall(r'href="/m/([^"/]+)"', block)


@pytest.mark.parametrize("who, expected", [
    ("coordinator", ["kyzyl-suu"]), ("viewer", ["kyzyl-suu"]), ("outsider", ["uch-korgon"]),
    ("admin", ["kyzyl-suu", "uch-korgon"]),
])
def test_my_municipalities_lists_only_my_own(client, auth, world, who, expected):
    auth.login(world["users"][who])
    assert my_links(client) == expected


def test_my_municipalities_with_several_roles_and_none(app, client, auth, world):
    with app.app_context():
        create_user("nobody@example.org")
        db.session.add(Membership(user=user_by_email(world["users"]["police"]),
                                  municipality=municipality(world["other"]), role="viewer"))
        db.session.commit()
    auth.login(world["users"]["police"])
    page = text_of(client.get("/my"))
    assert my_links(client) == ["kyzyl-suu", "uch-korgon"]
    assert "Police" in page and "Viewer" in page
    auth.logout()
    auth.login("nobody@example.org")
    assert my_links(client) == []
    assert translate(app, "en", "You are not a member of any municipality yet. Ask your municipality’s coordinator "
                                "to add you.") in text_of(client.get("/my"))


def test_my_municipalities_needs_a_login(client):
    response = client.get("/my")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_landing_page_lists_municipalities_with_population_for_the_locale(app, client, lang):
    with app.app_context():
        create_municipality("kyzyl-suu", population=1234567)
        create_municipality("uch-korgon", name_en="Uch-Korgon", population=None)
    response = client.get(f"/?lang={lang}")
    page = response.get_data(as_text=True)
    items = dict(re.findall(r'<li><a href="/m/([^"]+)">.*?</a>(.*?)</li>', page, re.S))
    assert set(items) == {"kyzyl-suu", "uch-korgon"}
    sep = "," if lang == "en" else Locale.parse(lang).number_symbols["latn"]["group"]
    assert f"1{sep}234{sep}567" in items["kyzyl-suu"]
    assert format_number(1234567, lang) in items["kyzyl-suu"]
    assert not re.search(r"\d", items["uch-korgon"])     # no population, no number


def test_landing_page_without_municipalities(app, client):
    assert translate(app, "en", "No municipality has been added yet.") in text_of(client.get("/?lang=en"))


# --- the landing page's kept list ----------------------------------------------------------------

def test_landing_list_shows_an_edit_made_here_at_once(app, client, world):
    assert "Kyzyl-Suu" in client.get("/?lang=en").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(db.select(Municipality).filter_by(slug=world["home"])).name_en = "Kyzyl-Suu Renamed"
        db.session.commit()
    assert "Kyzyl-Suu Renamed" in client.get("/?lang=en").get_data(as_text=True)


def test_landing_list_shows_another_workers_edit_within_a_minute(app, client, world, monkeypatch):
    from cpplan.municipalities import landing

    assert "Kyzyl-Suu" in client.get("/?lang=en").get_data(as_text=True)
    with app.app_context():   # as another worker would: no ORM event reaches this process
        db.session.execute(db.text("UPDATE municipalities SET name_en = 'Elsewhere' WHERE slug = :s"),
                           {"s": world["home"]})
        db.session.commit()
    assert "Elsewhere" not in client.get("/?lang=en").get_data(as_text=True)
    now = landing.monotonic()
    monkeypatch.setattr(landing, "monotonic", lambda: now + landing.LIST_TTL + 1)
    assert "Elsewhere" in client.get("/?lang=en").get_data(as_text=True)


def test_landing_list_is_kept_per_language(client, world):
    assert "Issyk-Kul region" in client.get("/?lang=en").get_data(as_text=True)
    assert "Иссык-Кульская область" in client.get("/?lang=ru").get_data(as_text=True)
    assert "Issyk-Kul region" in client.get("/?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_users_list_shows_the_last_login_as_a_local_date(app, client, admin, lang):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    choose_language(client, lang, "/admin/users")
    text = html.unescape(client.get("/admin/users").get_data(as_text=True))
    today_in_bishkek = datetime.now(ZoneInfo("Asia/Bishkek")).date()
    expected = translate(app, lang, "Last login: %(date)s", date=format_date(today_in_bishkek, "medium", locale=lang))
    assert expected in text


def test_landing_list_escapes_names(app, client):
    with app.app_context():
        create_municipality("xss", name_en="</a><script>alert(1)</script>", name_ky="", name_ru="")
    text = client.get("/?lang=en").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
