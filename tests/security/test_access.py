"""Access control over every rule of the URL map, for every role (GET and POST), and no IDOR."""
from __future__ import annotations

import pytest

from access_cases import (EXPECTED, EXPECTED_POST, LOGIN, OK, POSTS, ROLES, URLS, Ctx,
                          logged_in_client, outcome, page_text, post_endpoints, snapshot, token_for, translated,
                          url_endpoints)
from cpplan.municipalities.models import Membership, Organisation, WorkingGroupMember
from cpplan.web import ERRORS


def test_every_rule_is_in_the_tables(app):
    endpoints = url_endpoints(app)
    assert set(EXPECTED) == endpoints, (
        f"add to EXPECTED in tests/access_cases.py: {sorted(endpoints - set(EXPECTED))}; "
        f"remove: {sorted(set(EXPECTED) - endpoints)}")
    assert set(URLS) == endpoints
    assert set(POSTS) == set(EXPECTED_POST) == post_endpoints(app), (
        f"add to POSTS/EXPECTED_POST: {sorted(post_endpoints(app) - set(POSTS))}")
    for endpoint, expected in {**EXPECTED, **EXPECTED_POST}.items():
        assert set(expected) == set(ROLES), endpoint


def test_tables_match_the_rules(app, ctx):
    """Each URL in the table reaches its own endpoint; POST-only rules answer GET with 405."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = URLS[rule.endpoint](ctx)
        method = "GET" if "GET" in rule.methods else "POST"
        assert adapter.match(url, method=method)[0] == rule.endpoint, url
        if "GET" not in rule.methods:
            assert set(EXPECTED[rule.endpoint].values()) == {405}, rule.endpoint


@pytest.mark.parametrize("role", ROLES)
def test_get_every_rule(app, world, ctx, role):
    email = None if role == "anonymous" else world["users"][role]
    client = logged_in_client(app, email)
    forbidden = translated(app, str(ERRORS[403][1]), "en")  # the translated 403 page's explanation
    wrong = []
    for endpoint, url_of in URLS.items():
        url = url_of(ctx)
        response = client.get(url)
        got, expected = outcome(response), EXPECTED[endpoint][role]
        if got != expected:
            wrong.append(f"GET {url} ({endpoint}) as {role}: expected {expected}, got {got}")
        if expected == LOGIN:
            assert "next=" in response.headers["Location"], url
        if expected == 403:
            assert forbidden in page_text(response), url
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED_POST))
def test_post_every_rule(app, ctx, clients, endpoint):
    """Denied roles change nothing (the whole database is compared); allowed roles get their change."""
    expected = EXPECTED_POST[endpoint]
    # Denied roles first, then the allowed ones (whose changes must not hide a denied write).
    order = sorted(ROLES, key=lambda role: expected[role] == OK)
    wrong = []
    for role in order:
        client = clients[role]
        request = POSTS[endpoint](ctx, role)
        token = token_for(client, role)
        before = snapshot(app)
        response = request.send(client, token)
        after = snapshot(app)
        if expected[role] == OK:
            if response.status_code != request.ok_status or not request.effect():
                wrong.append(f"POST {request.url} as {role}: expected the change, got {response.status_code} "
                             f"(effect {'seen' if request.effect() else 'missing'})")
        else:
            got = outcome(response)
            if got != expected[role]:
                wrong.append(f"POST {request.url} as {role}: expected {expected[role]}, got {got}")
            if after != before or request.effect():
                wrong.append(f"POST {request.url} as {role}: the database changed")
    assert not wrong, "\n".join(wrong)


# --- no insecure direct object references: ids of another municipality answer 404 -------------

def foreign_gets(c: Ctx) -> list[str]:
    """Addresses that name the home municipality with an object of the other one."""
    return [
        f"/m/{c.home}/group/{c.other_member}",
        f"/m/{c.home}/organisations/{c.other_org}",
        f"/admin/municipalities/{c.home}/areas/{c.other_area}",
    ]


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_foreign_object_ids_are_404_on_get(app, world, ctx, role):
    client = logged_in_client(app, world["users"][role])
    for url in foreign_gets(ctx):
        if url.startswith("/admin") and role != "admin":
            continue
        assert client.get(url).status_code == 404, url
    # Sanity: the same objects under their own municipality are reachable (for the admin).
    if role == "admin":
        assert client.get(f"/m/{ctx.other}/group/{ctx.other_member}").status_code == 200
        assert client.get(f"/admin/municipalities/{ctx.other}/areas/{ctx.other_area}").status_code == 200


def test_outsider_cannot_reach_home_objects_through_own_municipality(app, world, ctx):
    """The coordinator of uch-korgon may edit its roster, but not kyzyl-suu's people through its address."""
    client = logged_in_client(app, world["users"]["outsider"])
    assert client.get(f"/m/{ctx.other}/group/{ctx.other_member}").status_code == 200
    assert client.get(f"/m/{ctx.other}/group/{ctx.home_member}").status_code == 404
    assert client.get(f"/m/{ctx.other}/organisations/{ctx.home_org}").status_code == 404
    before = snapshot(app)
    token = token_for(client, "outsider")
    for url in (f"/m/{ctx.other}/group/{ctx.home_member}/delete",
                f"/m/{ctx.other}/organisations/{ctx.home_org}/delete",
                f"/m/{ctx.other}/members/{ctx.home_membership}/delete"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    response = client.post(f"/m/{ctx.other}/members/{ctx.home_membership}/role",
                           data={f"r{ctx.home_membership}-role": "coordinator",
                                 f"r{ctx.home_membership}-csrf_token": token})
    assert response.status_code == 404
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_foreign_object_ids_are_404_on_post(app, world, ctx, role):
    client = logged_in_client(app, world["users"][role])
    token = token_for(client, role)
    posts = [
        (f"/m/{ctx.home}/group/{ctx.other_member}", {"name": "Hijacked", "organisation_id": "0",
                                                     "gender": "male", "group_role": "chair"}),
        (f"/m/{ctx.home}/group/{ctx.other_member}/delete", {}),
        (f"/m/{ctx.home}/organisations/{ctx.other_org}", {"kind": "ngo", "name_en": "Hijacked"}),
        (f"/m/{ctx.home}/organisations/{ctx.other_org}/delete", {}),
        (f"/m/{ctx.home}/members/{ctx.other_membership}/delete", {}),
        (f"/m/{ctx.home}/members/{ctx.other_membership}/role",
         {f"r{ctx.other_membership}-role": "viewer", f"r{ctx.other_membership}-csrf_token": token}),
    ]
    if role == "admin":
        posts += [
            (f"/admin/municipalities/{ctx.home}/areas/{ctx.other_area}", {"kind": "ward", "name_en": "Hijacked"}),
            (f"/admin/municipalities/{ctx.home}/areas/{ctx.other_area}/delete", {}),
        ]
    before = snapshot(app)
    for url, data in posts:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404, url
    assert snapshot(app) == before
    assert ctx.get(WorkingGroupMember, ctx.other_member) is not None
    assert ctx.get(Organisation, ctx.other_org).name_en != "Hijacked"
    assert ctx.get(Membership, ctx.other_membership).role == "coordinator"


def test_roster_cannot_link_an_organisation_of_another_municipality(app, world, ctx):
    client = logged_in_client(app, world["users"]["coordinator"])
    before = snapshot(app)
    response = client.post(f"/m/{ctx.home}/group", data={
        "csrf_token": token_for(client, "coordinator"), "name": "Borrowed", "organisation_id": str(ctx.other_org),
        "gender": "female", "group_role": "member"})
    assert response.status_code == 400
    assert snapshot(app) == before


def test_unknown_municipality_and_ids_are_404(app, world, ctx):
    client = logged_in_client(app, world["users"]["admin"])
    for url in ("/m/no-such-place", "/m/no-such-place/group", f"/m/{ctx.home}/group/999999",
                f"/m/{ctx.home}/organisations/999999", "/admin/municipalities/no-such-place",
                "/admin/users/999999", f"/admin/municipalities/{ctx.home}/areas/999999"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("big", [2**31, 2**63, 10**30])
def test_ids_beyond_the_database_integer_are_404(app, world, ctx, big):
    """An id past 2**63 - 1 could not even be bound by SQLite (OverflowError, a 500): every <int:> ends at 2**31 - 1."""
    client = logged_in_client(app, world["users"]["admin"])
    token = token_for(client, "admin")
    before = snapshot(app)
    for url in (f"/m/{ctx.home}/group/{big}", f"/admin/users/{big}", f"/m/{ctx.home}/plans/{big}/edit",
                f"/admin/municipalities/{ctx.home}/areas/{big}"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"csrf_token": token, "name": "x"}).status_code == 404, url
    assert snapshot(app) == before
    assert client.get(f"/m/{ctx.home}/group/{2**31 - 1}").status_code == 404  # the largest id: no row, still 404


def test_coordinator_cannot_demote_or_remove_themselves(app, world, ctx):
    email = world["users"]["coordinator"]
    client = logged_in_client(app, email)
    mid = ctx.membership_id(email, ctx.home)
    token = token_for(client, "coordinator")
    before = snapshot(app)
    client.post(f"/m/{ctx.home}/members/{mid}/role", data={f"r{mid}-role": "viewer", f"r{mid}-csrf_token": token})
    client.post(f"/m/{ctx.home}/members/{mid}/delete", data={"csrf_token": token})
    assert snapshot(app) == before
    assert ctx.get(Membership, mid).role == "coordinator"


def test_admin_cannot_remove_own_admin_rights(app, world, ctx):
    email = world["users"]["admin"]
    client = logged_in_client(app, email)
    uid = ctx.user_id(email)
    before = snapshot(app)
    response = client.post(f"/admin/users/{uid}", data={
        "csrf_token": token_for(client, "admin"), "email": email, "display_name": "Admin", "locale": "en",
        "is_active": "y"})  # is_admin unticked
    assert response.status_code == 400
    assert snapshot(app) == before
