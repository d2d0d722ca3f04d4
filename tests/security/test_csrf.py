"""CSRF: every rule accepting POST refuses a missing, forged or stale token with the translated page."""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from access_cases import (CSRF_EXEMPT, CSRF_MESSAGE, EXPECTED_POST, POSTS, allowed_role,
                          has_cyrillic, logged_in_client, page_text, post_endpoints, snapshot, token_for, translated)
from conftest import PASSWORD, csrf_token
from cpplan.extensions import csrf

# The account's own rules last: logging out and changing the password end the admin's session.
LAST = ("accounts.login", "accounts.set_language", "accounts.account", "accounts.logout", "accounts.change_password")
# Every POST rule but the named exemptions.
ENDPOINTS = sorted(set(EXPECTED_POST) - CSRF_EXEMPT, key=lambda e: (LAST.index(e) if e in LAST else -1, e))


def test_default_fixture_checks_csrf(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


def test_every_post_rule_is_covered(app):
    assert set(POSTS) == post_endpoints(app)
    assert set(ENDPOINTS) == post_endpoints(app) - CSRF_EXEMPT
    assert CSRF_EXEMPT <= post_endpoints(app)


def exempt_endpoints(app) -> set[str]:
    """Return the endpoints Flask-WTF lets through without a token (it keeps "module.function" names)."""
    return {endpoint for endpoint, view in app.view_functions.items()
            if f"{view.__module__}.{view.__name__}" in csrf._exempt_views}


def test_csrf_exemptions_are_exactly_the_named_ones(app):
    """No route slips out of CSRF protection unnoticed: the app exempts exactly CSRF_EXEMPT."""
    assert exempt_endpoints(app) == CSRF_EXEMPT
    assert not csrf._exempt_blueprints
    # Every exempt name is a view of this app (none left over from a renamed or removed view).
    views = {f"{view.__module__}.{view.__name__}" for view in app.view_functions.values()}
    assert set(csrf._exempt_views) <= views


def test_exempt_endpoint_needs_no_token_and_gives_a_session_no_power(app, world, ctx):
    """Logged in or not, the API takes the JSON without a form token and stores one anonymous response."""
    for role in ("anonymous", "coordinator", "admin"):
        client = logged_in_client(app, None if role == "anonymous" else world["users"][role])
        request = POSTS["api.submit_response"](ctx, role)
        response = request.send(client, None)
        assert response.status_code == 201 and request.effect(), role


def expired_token(app, client, role: str) -> tuple[str, str]:
    """Return (a token for the client's session signed 9 hours ago, the same signed now); the limit is 8 h."""
    token_for(client, role)  # make sure the session holds a raw token
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]

    class NineHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 9 * 3600

    assert app.config["WTF_CSRF_TIME_LIMIT"] < 9 * 3600
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    old = URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=NineHoursAgo).dumps(raw)
    fresh = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
    return old, fresh


def bad_token(app, client, role: str, variant: str) -> str | None:
    if variant == "missing":
        return None
    if variant == "garbage":
        return "IjRmZjFkZTYzZTA1Y2M0YzYzZmM5In0.Zz9xYw.forged-signature-000000000"
    if variant == "other_session":
        return csrf_token(app.test_client(), "/login")  # valid, but for somebody else's session
    if variant == "expired":
        return expired_token(app, client, role)[0]
    raise AssertionError(variant)


@pytest.mark.parametrize("variant", ["missing", "garbage", "other_session", "expired"])
def test_post_without_a_valid_token_is_refused(app, world, ctx, variant):
    """400 with the CSRF page and nothing written; the same request with a valid token then works."""
    clients = {}
    wrong = []
    for endpoint in ENDPOINTS:
        role = allowed_role(endpoint)
        if role not in clients:
            clients[role] = logged_in_client(app, None if role == "anonymous" else world["users"][role])
        client = clients[role]
        request = POSTS[endpoint](ctx, role)
        data = dict(request.data)
        token = bad_token(app, client, role, variant)
        if token is not None:
            data[request.csrf_field] = token
        before = snapshot(app)
        # ?lang=en: the admin's own language may have been switched by the set_language control.
        response = client.post(f"{request.url}?lang=en", data=data)
        if response.status_code != 400 or CSRF_MESSAGE not in page_text(response):
            wrong.append(f"{variant} token, POST {request.url}: {response.status_code}")
        if snapshot(app) != before or request.effect():
            wrong.append(f"{variant} token, POST {request.url}: the database changed")
        # Control: the very same request with the session's token is accepted.
        response = client.post(request.url, data={**request.data, request.csrf_field: token_for(client, role)})
        if response.status_code != 302 or not request.effect():
            wrong.append(f"valid token, POST {request.url}: {response.status_code}, no change")
        if endpoint in ("accounts.logout", "accounts.change_password", "accounts.login"):
            clients.pop(role)  # that client's session has changed; log in again for the next one
    assert not wrong, "\n".join(wrong)


def test_expired_token_control(app, world):
    """The forged-expired token differs from a valid one only in its age."""
    client = logged_in_client(app, world["users"]["admin"])
    old, fresh = expired_token(app, client, "admin")
    before = snapshot(app)
    data = {"display_name": "Renamed", "locale": "en"}
    assert client.post("/account", data={**data, "csrf_token": old}).status_code == 400
    assert snapshot(app) == before
    assert client.post("/account", data={**data, "csrf_token": fresh}).status_code == 302
    assert snapshot(app) != before


def test_token_from_before_login_is_stale(app, world):
    """Logging in renews the session, so a token issued before it is refused."""
    client = app.test_client()
    old = csrf_token(client, "/login")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": world["users"]["admin"], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    before = snapshot(app)
    response = client.post("/account", data={"display_name": "Renamed", "locale": "en", "csrf_token": old})
    assert response.status_code == 400  # the admin's language is English
    assert CSRF_MESSAGE in page_text(response)
    assert snapshot(app) == before


def test_csrf_message_in_english_matches_the_catalogue(app):
    assert translated(app, CSRF_MESSAGE, "en") == CSRF_MESSAGE


@pytest.mark.parametrize("how", ["query", "accept-language"])
def test_csrf_message_in_russian(app, world, ctx, how):
    russian = translated(app, CSRF_MESSAGE, "ru")
    assert russian != CSRF_MESSAGE, "the Russian catalogue has no translation of the CSRF message"
    assert has_cyrillic(russian)
    wrong = []
    clients = {}
    for endpoint in ENDPOINTS:
        role = allowed_role(endpoint)
        if how == "accept-language":
            role = "anonymous"  # a logged-in user's own language wins over the browser's
        if role not in clients:
            clients[role] = logged_in_client(app, None if role == "anonymous" else world["users"][role])
        request = POSTS[endpoint](ctx, role)
        before = snapshot(app)
        if how == "query":
            response = clients[role].post(f"{request.url}?lang=ru", data=request.data)
        else:
            response = clients[role].post(request.url, data=request.data,
                                          headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
        text = page_text(response)
        if response.status_code != 400 or russian not in text or CSRF_MESSAGE in text:
            wrong.append(f"POST {request.url}: {response.status_code}, Russian message missing")
        if snapshot(app) != before:
            wrong.append(f"POST {request.url}: the database changed")
    assert not wrong, "\n".join(wrong)
