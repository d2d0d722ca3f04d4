"""Security headers on every response, session cookie flags, caching and the request size limit."""
from __future__ import annotations

import re

import pytest

from access_cases import (URLS, Ctx, logged_in_client, page_text, snapshot,
                          token_for, translated)
from conftest import PASSWORD, csrf_token
from cpplan import config, create_app
from cpplan.extensions import db
from cpplan.web import ERRORS



def csp(response) -> dict[str, list[str]]:
    """Return the Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response, what: str) -> list[str]:
    """Return what is wrong with the response's security headers (empty when all is well)."""
    found = []
    policy = csp(response)
    if "script-src" not in policy:
        found.append("CSP has no script-src")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(policy["script-src"]):
        found.append(f"CSP script-src too loose: {policy['script-src']}")
    if policy.get("frame-ancestors") != ["'none'"]:
        found.append(f"CSP frame-ancestors is {policy.get('frame-ancestors')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") != "same-origin":
        found.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')}")
    if response.mimetype == "text/html":
        if "no-store" not in response.headers.get("Cache-Control", ""):
            found.append(f"HTML cacheable: Cache-Control {response.headers.get('Cache-Control')!r}")
        if "cookie" not in response.headers.get("Vary", "").lower():
            found.append("HTML without Vary: Cookie")
        found += inline_code_problems(response, policy)
    return [f"{what}: {problem}" for problem in found]


def inline_code_problems(response, policy) -> list[str]:
    """Inline scripts must carry this response's nonce; event-handler attributes would be blocked by the CSP."""
    body = response.get_data(as_text=True)
    found = []
    nonces = {s[len("'nonce-"):-1] for s in policy.get("script-src", []) if s.startswith("'nonce-")}
    for tag in re.findall(r"<script\b[^>]*>", body, flags=re.I):
        if "src=" in tag:
            continue
        nonce = re.search(r'nonce="([^"]+)"', tag)
        if not nonce or nonce.group(1) not in nonces:
            found.append(f"inline script without the CSP nonce: {tag}")
    for tag in re.findall(r"<[a-z][^>]*\son[a-z]+\s*=[^>]*>", body, flags=re.I):
        found.append(f"inline event handler: {tag[:80]}")
    if re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", body, flags=re.I):
        found.append("javascript: URL")
    return found


@pytest.mark.parametrize("role", ["anonymous", "viewer", "coordinator", "admin"])
def test_security_headers_on_every_response(app, world, role):
    ctx = Ctx(app, world)
    client = logged_in_client(app, None if role == "anonymous" else world["users"][role])
    problems = []
    for endpoint, url_of in URLS.items():
        url = url_of(ctx)
        problems += header_problems(client.get(url), f"GET {url}")
    # Error pages, static files and refused forms have them too.
    problems += header_problems(client.get("/no/such/page"), "404")
    problems += header_problems(client.get("/static/css/app.css"), "static")
    problems += header_problems(client.post("/account", data={}), "POST without CSRF token")
    problems += header_problems(client.get("/admin/"), "/admin/")
    assert not problems, "\n".join(problems)


def test_nonce_changes_per_response(client):
    nonces = set()
    for _ in range(3):
        script = csp(client.get("/login"))["script-src"]
        nonces.update(s for s in script if s.startswith("'nonce-"))
    assert len(nonces) in (0, 3)  # no nonce at all, or a fresh one each time


def session_cookie(response, app) -> str:
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def attributes(cookie: str) -> dict[str, str]:
    pairs = [part.strip().split("=", 1) for part in cookie.split(";")[1:]]
    return {p[0].lower(): (p[1] if len(p) > 1 else "") for p in pairs}


def test_session_cookie_flags(app, world, client):
    anonymous = attributes(session_cookie(client.get("/login"), app))
    token = csrf_token(client)
    response = client.post("/login", data={"email": world["users"]["viewer"], "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    logged_in = attributes(session_cookie(response, app))
    for flags in (anonymous, logged_in):
        assert "httponly" in flags
        assert flags.get("samesite", "").lower() == "lax"
        assert "secure" not in flags  # plain HTTP unless CPPLAN_HTTPS is set
    assert "Strict-Transport-Security" not in response.headers
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_cpplan_https_makes_cookies_secure(app, world, monkeypatch):
    monkeypatch.setenv("CPPLAN_HTTPS", "1")
    assert config.from_environment()["SESSION_COOKIE_SECURE"] is True
    https_app = create_app({"SECRET_KEY": "test-secret-key-0123456789abcdef",
                            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        assert https_app.config["SESSION_COOKIE_SECURE"] is True
        assert https_app.config["REMEMBER_COOKIE_SECURE"] is True
        client = https_app.test_client()
        base = "https://localhost"
        response = client.get("/login", base_url=base)
        flags = attributes(session_cookie(response, https_app))
        assert "secure" in flags and "httponly" in flags and flags.get("samesite", "").lower() == "lax"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
        response = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"},
                               data={"email": world["users"]["viewer"], "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        assert "secure" in attributes(session_cookie(response, https_app))
        assert client.get("/my", base_url=base).status_code == 200
    finally:
        with https_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_html_is_not_cached_but_static_files_are(client):
    page = client.get("/")
    assert page.mimetype == "text/html"
    assert "no-store" in page.headers["Cache-Control"]
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def oversized(app) -> str:
    return "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)


def test_max_content_length_default():
    assert config.from_environment({})["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert config.from_environment({"CPPLAN_MAX_CONTENT_LENGTH": "1000"})["MAX_CONTENT_LENGTH"] == 1000


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_oversized_post_gets_the_translated_413_page(app, world, client, lang):
    message = translated(app, str(ERRORS[413][1]), lang)
    if lang == "ru":
        assert message != translated(app, str(ERRORS[413][1]), "en")
    token = csrf_token(client)
    before = snapshot(app)
    response = client.post(f"/login?lang={lang}", data={"email": world["users"]["viewer"], "password": PASSWORD,
                                                        "csrf_token": token, "padding": oversized(app)})
    assert response.status_code == 413
    assert message in page_text(response)
    assert not header_problems(response, "413")
    assert snapshot(app) == before
    assert client.get("/my").status_code == 302  # not logged in


def test_oversized_post_by_a_user_writes_nothing(app, world):
    client = logged_in_client(app, world["users"]["viewer"])
    token = token_for(client, "viewer")
    before = snapshot(app)
    response = client.post("/account", data={"csrf_token": token, "display_name": oversized(app), "locale": "en"})
    assert response.status_code == 413
    assert translated(app, str(ERRORS[413][1]), "en") in page_text(response)
    assert snapshot(app) == before


def test_favicon_ico_is_the_svg_icon(client):
    """Browsers ask for /favicon.ico beside a JSON or PDF document; a 404 there is a console error on phones."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<svg") or b"<svg" in response.data[:200]
