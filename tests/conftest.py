"""Fixtures: a fresh app and database per test (SQLite, or PostgreSQL with CPPLAN_TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import re

import pytest
from argon2 import PasswordHasher

from cpplan import create_app
from cpplan.accounts import passwords
from cpplan.accounts.models import User
from cpplan.extensions import db
from cpplan.municipalities.models import Area, Membership, Municipality
from cpplan.surveys import catalogue

PASSWORD = "steppe-walnut-apricot-42"
ROLES = ("coordinator", "facilitator", "member", "police", "viewer")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Hash at argon2's lowest cost: most tests are not about hashing, and every user costs a hash."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def pg_url():
    """Return CPPLAN_TEST_DATABASE_URL pointed at a schema of this run's own (None without it).

    A schema per run lets several test runs share one PostgreSQL database without colliding.
    """
    url = os.environ.get("CPPLAN_TEST_DATABASE_URL")
    if not url:
        yield None
        return
    import sqlalchemy as sa

    schema = f"cpplan_test_{os.getpid()}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


@pytest.fixture
def database_url(tmp_path, pg_url) -> str:
    """Return the test database: PostgreSQL when CPPLAN_TEST_DATABASE_URL is set, else a temporary SQLite file."""
    return pg_url or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url):
    """Return an app on an empty schema, dropped again after the test."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        catalogue.seed()  # the migration inserts it; create_all does not
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create_municipality(slug: str = "kyzyl-suu", **kw) -> Municipality:
    """Insert a municipality with one area and return it."""
    values = dict(slug=slug, name_ky="Кызыл-Суу", name_ru="Кызыл-Суу", name_en="Kyzyl-Suu",
                  region="issyk_kul", kind="aiyl_aimak", population=24800, lat=42.34, lon=78.0)
    values.update(kw)
    m = Municipality(**values)
    m.areas.append(Area(kind="village", name_ky="Борбор", name_ru="Центр", name_en="Centre", lat=42.34, lon=78.0))
    db.session.add(m)
    db.session.commit()
    return m


def create_user(email: str, *, role: str | None = None, municipality: Municipality | None = None,
                is_admin: bool = False, locale: str = "en", password: str = PASSWORD) -> User:
    """Insert a user, with a role in the municipality when given, and return it."""
    user = User(email=email, display_name=email.split("@")[0], locale=locale, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    if role:
        db.session.add(Membership(user=user, municipality=municipality, role=role))
    db.session.commit()
    return user


@pytest.fixture
def world(app):
    """Return a dict of two municipalities and one user per role in the first (plus an admin and an outsider)."""
    with app.app_context():
        home = create_municipality()
        other = create_municipality("uch-korgon", name_ky="Үч-Коргон", name_ru="Уч-Коргон", name_en="Uch-Korgon",
                                    region="batken")
        users = {role: create_user(f"{role}@example.org", role=role, municipality=home) for role in ROLES}
        users["admin"] = create_user("admin@example.org", is_admin=True)
        users["outsider"] = create_user("outsider@example.org", role="coordinator", municipality=other)
        return {"home": home.slug, "other": other.slug,
                "home_id": home.id, "other_id": other.id,
                "users": {k: u.email for k, u in users.items()}}


def csrf_token(client, path: str = "/login") -> str:
    """Return a CSRF token from a form page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def choose_language(client, lang: str, page: str = "/login"):
    """Press the language switcher's button for lang on page, as a user does; return the response."""
    token = csrf_token(client, page)
    return client.post("/language", data={"lang": lang, "next": page, "csrf_token": token})


def create_survey(slug: str = "kyzyl-suu", status: str = "draft"):
    """Insert the municipality's standard survey in the given status (draft, open, closed) and return it."""
    from cpplan.surveys import services

    survey = services.create_standard(db.session.scalar(db.select(Municipality).filter_by(slug=slug)))
    if status in ("open", "closed"):
        services.open_survey(survey)
    if status == "closed":
        services.close_survey(survey)
    db.session.commit()
    return survey


class Auth:
    """Log a test client in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        token = csrf_token(self.client)
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                                follow_redirects=follow)

    def logout(self):
        token = csrf_token(self.client, "/account")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def as_role(app, world):
    """Return login(role): a client logged in as the world's user of that role, one per role ("anonymous": none)."""
    from access_cases import logged_in_client  # access_cases imports this module

    clients = {}

    def login(role: str):
        if role not in clients:
            clients[role] = logged_in_client(app, None if role == "anonymous" else world["users"][role])
        return clients[role]
    return login


@pytest.fixture
def auth(client):
    return Auth(client)
