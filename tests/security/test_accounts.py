"""Accounts: login, generic failures, throttling, sessions, idle timeout, next=, password policy."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from access_cases import Ctx, page_text, snapshot, token_for, translated
from conftest import PASSWORD, create_user, csrf_token
from cpplan import config
from cpplan.accounts import passwords, throttle
from cpplan.accounts.models import User, utcnow
from cpplan.accounts.routes import SESSION_SEEN, safe_next
from cpplan.extensions import db


WRONG = "The e-mail or password is wrong."
NEW_PASSWORD = "juniper-canyon-lantern-9"


def new_client(app, address: str = "127.0.0.1"):
    """Return an English-speaking client at the given address."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_login(client, email: str, password: str = PASSWORD, next_url: str | None = None, token: str | None = None):
    token = token or csrf_token(client, "/login")
    url = "/login" if next_url is None else f"/login?next={quote(next_url, safe='')}"
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def user(app, email: str) -> User:
    with app.app_context():
        item = db.session.scalar(db.select(User).filter_by(email=email))
        db.session.expunge(item)
        return item


def is_logged_in(client) -> bool:
    response = client.get("/my")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def too_many(app, lang: str, minutes: int) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return ngettext("Too many failed attempts. Try again in %(num)s minute.",
                        "Too many failed attempts. Try again in %(num)s minutes.", minutes)


# --- login ------------------------------------------------------------------------------------

def test_login_success_redirects_home(app, world):
    client = new_client(app)
    response = post_login(client, world["users"]["viewer"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/my"
    assert is_logged_in(client)
    assert user(app, world["users"]["viewer"]).last_login_dt is not None


def test_unknown_email_and_wrong_password_get_the_same_answer(app, world):
    def answer(email, password):
        client = new_client(app)
        response = post_login(client, email, password)
        assert not is_logged_in(client)
        body = page_text(response)
        # The only differences allowed: the CSRF token and the e-mail typed in.
        body = re.sub(r'value="[^"]*"', 'value=""', body)
        return response.status_code, body

    unknown = answer("nobody@example.org", PASSWORD)
    wrong = answer(world["users"]["viewer"], "not-the-password-at-all")
    assert WRONG in unknown[1]
    assert unknown == wrong


def test_email_is_case_insensitive_at_login(app, world):
    client = new_client(app)
    response = post_login(client, "VIEWER@Example.ORG")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_emails_are_unique_regardless_of_case(app, world):
    """The admin form refuses a duplicate differing only in case with a translated error (no 500)."""
    client = new_client(app)
    post_login(client, world["users"]["admin"])
    token = token_for(client, "admin")
    before = snapshot(app)
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "Viewer@EXAMPLE.org", "display_name": "Copy", "locale": "en",
        "is_active": "y", "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert translated(app, "Another account already uses this e-mail.", "en") in page_text(response)
    assert snapshot(app) == before
    # Renaming another account to a taken address is refused the same way, in Russian too.
    ctx = Ctx(app, world)
    response = client.post(f"/admin/users/{ctx.user_id(world['users']['member'])}?lang=ru", data={
        "csrf_token": token, "email": "VIEWER@example.org", "display_name": "Member", "locale": "en",
        "is_active": "y"})
    assert response.status_code == 400
    russian = translated(app, "Another account already uses this e-mail.", "ru")
    assert russian != "Another account already uses this e-mail."
    assert russian in page_text(response)
    assert user(app, world["users"]["member"]).email == "member@example.org"
    # A new address is stored lower-cased.
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "New.Person@Example.ORG", "display_name": "New", "locale": "en",
        "is_active": "y", "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert user(app, "new.person@example.org").display_name == "New"


def test_database_refuses_a_duplicate_email(app, world):
    with app.app_context():
        db.session.add(User(email=world["users"]["viewer"], display_name="Copy", password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_coordinator_adding_an_existing_email_in_other_case_reuses_the_account(app, world):
    client = new_client(app)
    post_login(client, world["users"]["coordinator"])
    count = len(snapshot(app)["users"])
    response = client.post(f"/m/{world['home']}/members", data={
        "csrf_token": token_for(client, "coordinator"), "email": "OUTSIDER@Example.org", "role": "viewer"})
    assert response.status_code == 302
    assert len(snapshot(app)["users"]) == count
    assert Ctx(app, world).membership_id("outsider@example.org", world["home"]) is not None


# --- throttling -------------------------------------------------------------------------------

def test_five_failures_lock_the_account(app, world):
    email = world["users"]["viewer"]
    limit = app.config["CPPLAN_LOGIN_MAX_FAILURES"]
    minutes = app.config["CPPLAN_LOGIN_WINDOW_MINUTES"]
    assert (limit, minutes) == (5, 15)
    client = new_client(app)
    token = csrf_token(client)
    for _ in range(limit):
        response = post_login(client, email, "wrong-password-123", token=token)
        assert response.status_code == 200 and WRONG in page_text(response)
    response = post_login(client, email, PASSWORD, token=token)  # the right password, too late
    assert response.status_code == 429
    assert too_many(app, "en", minutes) in page_text(response)
    assert not is_logged_in(client)
    # The lock is on the account: another client cannot log in to it either ...
    elsewhere = new_client(app, "10.1.1.1")
    response = post_login(elsewhere, email.upper())
    assert response.status_code == 429
    assert not is_logged_in(elsewhere)
    # ... and the message is translated.
    response = elsewhere.post("/login?lang=ru", data={"email": email, "password": PASSWORD,
                                                      "csrf_token": csrf_token(elsewhere)})
    assert response.status_code == 429
    russian = too_many(app, "ru", minutes)
    assert russian != too_many(app, "en", minutes)
    assert russian in page_text(response)
    # Other accounts from the first client are not affected.
    response = post_login(client, world["users"]["member"], token=token)
    assert response.status_code == 302


def test_failures_over_many_accounts_block_the_client(app, world):
    with app.app_context():
        emails = [create_user(f"user{i}@example.org").email for i in range(10)]
    per_client = app.config["CPPLAN_LOGIN_MAX_FAILURES"] * throttle.CLIENT_FACTOR
    assert per_client == 20
    client = new_client(app, "10.9.9.9")
    token = csrf_token(client)
    for i in range(per_client):  # two failures per account: no account reaches its own limit
        response = post_login(client, emails[i % len(emails)], "wrong-password-123", token=token)
        assert response.status_code == 200, i
    response = post_login(client, world["users"]["viewer"], PASSWORD, token=token)
    assert response.status_code == 429
    assert too_many(app, "en", app.config["CPPLAN_LOGIN_WINDOW_MINUTES"]) in page_text(response)
    assert not is_logged_in(client)
    # The same account from another client is fine.
    other = new_client(app, "10.8.8.8")
    assert post_login(other, world["users"]["viewer"]).status_code == 302


def test_success_clears_the_account_counter(app, world):
    email = world["users"]["viewer"]
    limit = app.config["CPPLAN_LOGIN_MAX_FAILURES"]
    client = new_client(app)
    for _round in range(2):
        token = csrf_token(client)
        for _ in range(limit - 1):
            assert post_login(client, email, "wrong-password-123", token=token).status_code == 200
        assert post_login(client, email, token=token).status_code == 302
        client.post("/logout", data={"csrf_token": token_for(client, "viewer")})
        assert not is_logged_in(client)


def test_failures_are_not_stored_under_the_email(app, world):
    with app.test_request_context():
        account_key, client_key = throttle._keys("viewer@example.org", "10.0.0.1")
    assert "viewer" not in account_key and "example" not in account_key
    assert client_key.endswith("10.0.0.1")


# --- sessions ---------------------------------------------------------------------------------

def test_login_renews_the_session_keeping_only_the_language(app, world):
    client = new_client(app)
    token = csrf_token(client)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["lang"] = "ru"
        sess["_user_id"] = "999:1"
    assert post_login(client, world["users"]["viewer"], token=token).status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "ru"
        assert sess["_user_id"] != "999:1"
        assert "csrf_token" not in sess  # the pre-login form token went with the old session
    assert is_logged_in(client)


def test_logout_ends_the_users_other_sessions(app, world):
    email = world["users"]["facilitator"]
    laptop, phone = new_client(app, "10.0.0.1"), new_client(app, "10.0.0.2")
    assert post_login(laptop, email).status_code == 302
    assert post_login(phone, email).status_code == 302
    assert is_logged_in(laptop) and is_logged_in(phone)
    other_user = new_client(app, "10.0.0.3")
    assert post_login(other_user, world["users"]["member"]).status_code == 302
    response = laptop.post("/logout", data={"csrf_token": token_for(laptop, "facilitator")})
    assert response.status_code == 302
    assert not is_logged_in(laptop)
    response = phone.get("/my")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert is_logged_in(other_user)  # other people stay logged in
    # Logging in again works.
    assert post_login(phone, email).status_code == 302
    assert is_logged_in(phone)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, world):
    email = world["users"]["police"]
    laptop, phone = new_client(app, "10.0.0.1"), new_client(app, "10.0.0.2")
    assert post_login(laptop, email).status_code == 302
    assert post_login(phone, email).status_code == 302
    response = laptop.post("/account/password", data={
        "csrf_token": token_for(laptop, "police"), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert laptop.get("/account").status_code == 200
    assert not is_logged_in(phone)
    assert post_login(phone, email, PASSWORD).status_code == 200  # the old password is gone
    assert post_login(phone, email, NEW_PASSWORD).status_code == 302


def test_wrong_current_password_changes_nothing(app, world):
    client = new_client(app)
    post_login(client, world["users"]["viewer"])
    before = snapshot(app)
    response = client.post("/account/password", data={
        "csrf_token": token_for(client, "viewer"), "current_password": "not-my-password",
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert translated(app, "The current password is wrong.", "en") in page_text(response)
    assert snapshot(app) == before


def test_admin_password_reset_or_deactivation_ends_the_users_sessions(app, world):
    ctx = Ctx(app, world)
    admin = new_client(app, "10.0.0.1")
    post_login(admin, world["users"]["admin"])
    token = token_for(admin, "admin")
    for role, extra in (("member", {"is_active": "y", "new_password": NEW_PASSWORD}), ("viewer", {})):
        victim = new_client(app, "10.0.0.2")
        assert post_login(victim, world["users"][role]).status_code == 302
        response = admin.post(f"/admin/users/{ctx.user_id(world['users'][role])}", data={
            "csrf_token": token, "email": world["users"][role], "display_name": role, "locale": "en", **extra})
        assert response.status_code == 302
        assert not is_logged_in(victim), role
    assert not user(app, world["users"]["viewer"]).is_active_account


def test_deactivated_user_cannot_log_in(app, world):
    email = world["users"]["viewer"]
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=email)).is_active_account = False
        db.session.commit()
    client = new_client(app)
    response = post_login(client, email)
    assert response.status_code == 200
    assert WRONG in page_text(response)  # the same answer as a wrong password: no account probing
    assert not is_logged_in(client)


def test_deactivation_ends_a_running_session(app, world):
    email = world["users"]["viewer"]
    client = new_client(app)
    assert post_login(client, email).status_code == 302
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=email)).is_active_account = False
        db.session.commit()
    assert not is_logged_in(client)


# --- idle timeout -----------------------------------------------------------------------------

def set_seen(client, seconds_ago: float) -> float:
    seen = utcnow().timestamp() - seconds_ago
    with client.session_transaction() as sess:
        sess[SESSION_SEEN] = seen
    return seen


def test_idle_timeout_defaults_to_eight_hours(app):
    assert config.from_environment({})["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert config.from_environment({"CPPLAN_IDLE_TIMEOUT_HOURS": "0.5"})["PERMANENT_SESSION_LIFETIME"] == \
        timedelta(minutes=30)
    with pytest.raises(config.ConfigError, match="CPPLAN_IDLE_TIMEOUT_HOURS"):
        config.from_environment({"CPPLAN_IDLE_TIMEOUT_HOURS": "eight"})
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_idle_session_is_logged_out(app, world):
    client = new_client(app)
    assert post_login(client, world["users"]["viewer"]).status_code == 302
    limit = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    # Active a little less than the limit ago: still logged in, and the clock restarts.
    old = set_seen(client, limit - 120)
    assert is_logged_in(client)
    with client.session_transaction() as sess:
        assert sess[SESSION_SEEN] > old + 60
    # Idle a little more than the limit: logged out, with a translated explanation.
    set_seen(client, limit + 120)
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = page_text(client.get(response.headers["Location"]))
    assert translated(app, "You were logged out after a period of inactivity. Please log in again.", "en") in page
    assert not is_logged_in(client)


def test_idle_timeout_follows_the_setting(app, world):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    client = new_client(app)
    assert post_login(client, world["users"]["viewer"]).status_code == 302
    set_seen(client, 29 * 60)
    assert is_logged_in(client)
    set_seen(client, 31 * 60)
    assert not is_logged_in(client)


def test_session_without_a_timestamp_is_not_trusted(app, world):
    client = new_client(app)
    assert post_login(client, world["users"]["viewer"]).status_code == 302
    with client.session_transaction() as sess:
        del sess[SESSION_SEEN]
    assert not is_logged_in(client)


# --- next= ------------------------------------------------------------------------------------

BAD_NEXT = ["//evil.example", "https://evil.example", "http://evil.example/my", "/\\evil.example",
            "\\\\evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "evil.example", "///evil.example",
            "/\t/evil.example", "https:/evil.example", "  //evil.example"]


def test_next_refuses_other_sites(app, world):
    client = new_client(app)
    for target in BAD_NEXT:
        response = post_login(client, world["users"]["viewer"], next_url=target)
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/my", target
        # Already logged in, the login page redirects the same way.
        response = client.get(f"/login?next={quote(target, safe='')}")
        assert response.headers["Location"] == "/my", target
        client.post("/logout", data={"csrf_token": token_for(client, "viewer")})


def test_next_accepts_relative_urls(app, world):
    client = new_client(app)
    for target in ("/my", "/m/kyzyl-suu/group?tab=roster", "/account"):
        response = post_login(client, world["users"]["coordinator"], next_url=target)
        assert response.status_code == 302
        assert response.headers["Location"] == target
        assert client.get(f"/login?next={quote(target, safe='')}").headers["Location"] == target
        client.post("/logout", data={"csrf_token": token_for(client, "coordinator")})


def test_login_required_round_trip(app, world):
    client = new_client(app)
    response = client.get("/account")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    token = csrf_token(client, login_url)
    response = client.post(login_url, data={"email": world["users"]["viewer"], "password": PASSWORD,
                                            "csrf_token": token})
    assert response.headers["Location"] == "/account"


def test_safe_next():
    for target in BAD_NEXT + ["", None, "my", "/ok\nLocation: x", "/ok\r\n"]:
        assert safe_next(target) is None, target
    for target in ("/", "/my", "/m/kyzyl-suu?lang=ru", "/a/b#c"):
        assert safe_next(target) == target


# --- password policy --------------------------------------------------------------------------

def test_password_policy():
    assert passwords.problems("a" * 3 + "bcdefghij") == []            # 12 characters
    assert passwords.problems("correct-horse-battery") == []
    assert passwords.problems(("walnut-orchard-" * 5)[:64]) == []          # 64 characters
    assert passwords.problems(("walnut-orchard-" * 9)[:128]) == []         # the maximum
    assert passwords.problems("abcdefgh9")                                 # 9 characters
    assert passwords.problems(("walnut-orchard-" * 9)[:129])
    for common in ("qwertyuiop", "1234567890", "password123", "QWERTYUIOP", "Password123"):
        assert passwords.problems(common), common
    assert passwords.problems("aaaaaaaaaaaa")                              # too few different characters
    assert passwords.problems("aida.bekova", "aida.bekova@example.org")    # the e-mail's name


CHANGE_CASES = [
    ("abcdefgh9", "Use at least %(n)s characters.", {"n": 10}),
    (("walnut-orchard-" * 9)[:129], "Use at most %(n)s characters.", {"n": 128}),
    ("qwertyuiop", "This password is too common or easy to guess; choose another.", {}),
    ("1234567890", "This password is too common or easy to guess; choose another.", {}),
    ("password123", "This password is too common or easy to guess; choose another.", {}),
]


@pytest.mark.parametrize("new, message, args", CHANGE_CASES)
def test_password_change_refuses_weak_passwords(app, world, new, message, args):
    client = new_client(app)
    post_login(client, world["users"]["viewer"])
    before = snapshot(app)
    response = client.post("/account/password", data={
        "csrf_token": token_for(client, "viewer"), "current_password": PASSWORD,
        "new_password": new, "confirm_password": new})
    assert response.status_code == 400
    assert translated(app, message, "en", **args) in page_text(response)
    assert snapshot(app) == before


def test_password_change_accepts_64_characters(app, world):
    new = ("walnut-orchard-" * 5)[:64]
    client = new_client(app)
    post_login(client, world["users"]["viewer"])
    response = client.post("/account/password", data={
        "csrf_token": token_for(client, "viewer"), "current_password": PASSWORD,
        "new_password": new, "confirm_password": new})
    assert response.status_code == 302
    other = new_client(app, "10.0.0.5")
    assert post_login(other, world["users"]["viewer"], new).status_code == 302


def test_password_confirmation_must_match(app, world):
    client = new_client(app)
    post_login(client, world["users"]["viewer"])
    before = snapshot(app)
    response = client.post("/account/password", data={
        "csrf_token": token_for(client, "viewer"), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"})
    assert response.status_code == 400
    assert snapshot(app) == before


# --- input limits -----------------------------------------------------------------------------

def test_overlong_email_gets_a_validation_message(app, world):
    long_email = "a" * 288 + "@example.org"
    assert len(long_email) == 300
    message = translated(app, "At most %(max)d characters.", "en") % {"max": 254}
    client = new_client(app)
    response = post_login(client, long_email)
    assert response.status_code == 400
    assert message in page_text(response)
    # The same through the admin's and the coordinator's forms.
    admin = new_client(app, "10.0.0.7")
    post_login(admin, world["users"]["admin"])
    token = token_for(admin, "admin")
    before = snapshot(app)
    response = admin.post("/admin/users/new", data={"csrf_token": token, "email": long_email, "display_name": "X",
                                                     "locale": "en", "is_active": "y", "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and message in page_text(response)
    response = admin.post(f"/m/{world['home']}/members", data={"csrf_token": token, "email": long_email,
                                                                 "role": "viewer"})
    assert response.status_code == 400 and message in page_text(response)
    assert snapshot(app) == before


def test_overlong_password_at_login_is_refused_without_hashing(app, world, monkeypatch):
    calls = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda *a: calls.append(1) or real(*a))
    client = new_client(app)
    response = post_login(client, world["users"]["viewer"], "x" * 10_000)
    assert response.status_code == 400
    assert not calls
    assert not is_logged_in(client)
