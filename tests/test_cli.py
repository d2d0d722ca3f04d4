"""Flask commands: demo, users create, backup; and the migration against the models."""
from __future__ import annotations

import logging
import logging.config
import re
import sqlite3

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from cpplan.accounts.models import User
from cpplan.config import ROOT
from cpplan.extensions import db
from cpplan.municipalities.models import Area, Membership, Municipality, WorkingGroupMember
from conftest import PASSWORD, Auth

REAL_FILE_CONFIG = logging.config.fileConfig
DEMO_PASSWORD = "walnut-orchard-kumys-19"
# ARCHITECTURE.md, "Contracts other people rely on": the demo accounts.
DEMO_ACCOUNTS = {"admin@example.org", "coordinator@example.org", "facilitator@example.org",
                 "member@example.org", "police@example.org"}


@pytest.fixture
def empty_db(app, monkeypatch):
    """Empty the database completely (no tables, no alembic_version), as before a first `flask db upgrade`.

    migrations/env.py configures logging from alembic.ini; that is skipped here so the test session's
    logging stays as it is (test_migration_keeps_existing_loggers runs it for real).
    """
    def clear():
        with app.app_context():
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    clear()
    yield app
    clear()


def count(model, **filters) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**filters))


def run(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


# --- flask demo ------------------------------------------------------------------------------

def test_demo_builds_the_demo_database(app, runner, empty_db):
    result = run(runner, "demo", "--password", DEMO_PASSWORD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        municipalities = db.session.scalars(db.select(Municipality)).all()
        assert len(municipalities) == 14
        assert sum(m.population for m in municipalities) > 350_000
        assert all(m.is_demo for m in municipalities)
        assert all(m.name_ky and m.name_ru and m.name_en for m in municipalities)
        assert all(39.0 <= m.lat <= 43.5 and 69.0 <= m.lon <= 81.0 for m in municipalities)
        assert count(Area) >= 14
        assert count(WorkingGroupMember) > 0
        users = db.session.scalars(db.select(User)).all()
        assert {u.email for u in users} == DEMO_ACCOUNTS
        assert [u.email for u in users if u.is_admin] == ["admin@example.org"]
        roles = dict(db.session.execute(db.select(User.email, Membership.role).join(Membership.user)).all())
        assert roles == {"coordinator@example.org": "coordinator", "facilitator@example.org": "facilitator",
                         "member@example.org": "member", "police@example.org": "police"}
    assert "14" in result.output
    assert DEMO_PASSWORD in result.output
    for email in DEMO_ACCOUNTS:
        client = app.test_client()
        response = Auth(client).login(email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert client.get("/my").status_code == 200
    assert Auth(app.test_client()).login("admin@example.org", PASSWORD).status_code != 302


def test_demo_gives_every_municipality_a_survey_with_plausible_answers(app, runner, empty_db):
    from cpplan.surveys.models import Answer, Response, Survey

    assert run(runner, "demo", "--password", DEMO_PASSWORD).exit_code == 0
    with app.app_context():
        surveys = db.session.execute(db.select(Municipality.slug, Survey.status, db.func.count(Response.id))
                                     .join(Survey, Survey.municipality_id == Municipality.id)
                                     .outerjoin(Response, Response.survey_id == Survey.id)
                                     .group_by(Municipality.slug, Survey.status)).all()
        assert len(surveys) == 14
        assert all(150 <= n <= 350 for _slug, _status, n in surveys)
        assert {slug for slug, status, _n in surveys if status == "open"} == {"kyzyl-suu"}
        assert {channel for (channel,) in db.session.execute(db.select(Response.channel).distinct())} == {
            "web", "offline", "paper"}

        def mean_rating(issue: str, region: str, inside: bool) -> float:
            where = Municipality.region == region if inside else Municipality.region != region
            return float(db.session.scalar(
                db.select(db.func.avg(Answer.number)).join(Survey, Survey.id == Answer.survey_id)
                .join(Municipality, Municipality.id == Survey.municipality_id)
                .where(Answer.question_code == "issue_seriousness", Answer.item == issue, where)))

        assert mean_rating("livestock_theft", "issyk_kul", True) > mean_rating("livestock_theft", "issyk_kul", False) + 1
        assert mean_rating("school_racketeering", "batken", True) > mean_rating("school_racketeering", "batken", False) + 1
        fingerprints = sorted(db.session.scalars(db.select(Response.payload_sha256)))
    assert run(runner, "demo", "--reset", "--password", DEMO_PASSWORD).exit_code == 0
    with app.app_context():  # a fixed seed: the same answers every time
        assert sorted(db.session.scalars(db.select(Response.payload_sha256))) == fingerprints


def test_demo_refuses_to_run_twice_without_reset(app, runner, empty_db):
    assert run(runner, "demo", "--password", DEMO_PASSWORD).exit_code == 0
    result = run(runner, "demo", "--password", "another-strong-passphrase-7")
    assert result.exit_code != 0
    assert "--reset" in result.output
    with app.app_context():
        assert count(Municipality) == 14
        assert count(User) == 5
    assert Auth(app.test_client()).login("coordinator@example.org", DEMO_PASSWORD).status_code == 302


def test_demo_reset_replaces_the_data(app, runner, empty_db):
    assert run(runner, "demo", "--password", DEMO_PASSWORD).exit_code == 0
    with app.app_context():
        db.session.add(Municipality(slug="extra", name_en="Extra", region="talas"))
        db.session.commit()
    new_password = "another-strong-passphrase-7"
    result = run(runner, "demo", "--reset", "--password", new_password)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Municipality) == 14
        assert count(Municipality, slug="extra") == 0
        assert count(User) == 5
    assert Auth(app.test_client()).login("coordinator@example.org", new_password).status_code == 302
    assert Auth(app.test_client()).login("coordinator@example.org", DEMO_PASSWORD).status_code != 302


def test_demo_prints_a_random_password_by_default(app, runner, empty_db):
    result = run(runner, "demo")
    assert result.exit_code == 0, result.output
    password = re.search(r"^Password: (\S+)$", result.output, re.M).group(1)
    assert len(password) >= 12
    assert Auth(app.test_client()).login("police@example.org", password).status_code == 302


@pytest.mark.parametrize("weak", ["short", "password123", "1234567890"])
def test_demo_refuses_a_weak_password(app, runner, empty_db, weak):
    result = run(runner, "demo", "--password", weak)
    assert result.exit_code == 2
    assert "--password" in result.output
    with app.app_context():
        assert not sa.inspect(db.engine).has_table("municipalities")


# --- flask users create ----------------------------------------------------------------------

NEW_PASSWORD = "juniper-yurt-meadow-77"


def test_users_create_admin(app, runner, world):
    result = run(runner, "users", "create", "Root@Example.org", "--role", "admin", "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="root@example.org"))
        assert user.is_admin
        assert (user.display_name, user.locale) == ("root", "ky")
        assert count(Membership, user_id=user.id) == 0
    client = app.test_client()
    assert Auth(client).login("root@example.org", NEW_PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "member", "police", "viewer"])
def test_users_create_with_a_municipality_role(app, runner, world, role):
    result = run(runner, "users", "create", "aigul@example.org", "--role", role, "--municipality", world["other"],
                 "--name", "Айгүл", "--locale", "ru", "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="aigul@example.org"))
        assert not user.is_admin
        assert (user.display_name, user.locale) == ("Айгүл", "ru")
        memberships = db.session.scalars(db.select(Membership).filter_by(user_id=user.id)).all()
        assert [(m.municipality.slug, m.role) for m in memberships] == [(world["other"], role)]
    assert Auth(app.test_client()).login("aigul@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("args, fragment", [
    (["--role", "coordinator"], "--municipality"),                              # required for municipality roles
    (["--role", "viewer", "--municipality", "atlantis"], "atlantis"),           # unknown municipality
    (["--role", "mayor", "--municipality", "kyzyl-suu"], "--role"),             # unknown role
    (["--role", "admin", "--locale", "de"], "--locale"),
])
def test_users_create_refuses_bad_options(app, runner, world, args, fragment):
    result = run(runner, "users", "create", "aigul@example.org", *args, "--password", NEW_PASSWORD)
    assert result.exit_code == 2
    assert fragment in result.output
    with app.app_context():
        assert count(User, email="aigul@example.org") == 0


def test_users_create_refuses_a_weak_password(app, runner, world):
    result = run(runner, "users", "create", "aigul@example.org", "--role", "admin", "--password", "aigul")
    assert result.exit_code == 2
    with app.app_context():
        assert count(User, email="aigul@example.org") == 0


def test_users_create_refuses_a_duplicate(app, runner, world):
    with app.app_context():
        before = count(User), count(Membership)
    result = run(runner, "users", "create", "Member@Example.ORG", "--role", "viewer", "--municipality",
                 world["other"], "--password", NEW_PASSWORD)
    assert result.exit_code == 1
    assert "member@example.org" in result.output
    with app.app_context():
        assert (count(User), count(Membership)) == before
    # the existing account keeps its password
    assert Auth(app.test_client()).login("member@example.org", PASSWORD).status_code == 302


# --- flask backup ----------------------------------------------------------------------------

def test_backup(app, runner, world, tmp_path):
    target = tmp_path / "backup.sqlite"
    with app.app_context():
        backend = db.engine.url.get_backend_name()
    result = run(runner, "backup", str(target))
    if backend != "sqlite":
        assert result.exit_code == 1
        assert "pg_dump" in result.output
        assert not target.exists()
        return
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        emails = {row[0] for row in copy.execute("SELECT email FROM users")}
        slugs = {row[0] for row in copy.execute("SELECT slug FROM municipalities")}
        roles = copy.execute("SELECT count(*) FROM memberships").fetchone()[0]
    finally:
        copy.close()
    assert emails == set(world["users"].values())
    assert slugs == {world["home"], world["other"]}
    assert roles == 6


def test_backup_refuses_an_existing_file(app, runner, world, tmp_path):
    target = tmp_path / "existing.sqlite"
    target.write_bytes(b"keep me")
    result = run(runner, "backup", str(target))
    assert result.exit_code != 0
    with app.app_context():
        sqlite = db.engine.url.get_backend_name() == "sqlite"
    assert ("exists" if sqlite else "pg_dump") in result.output
    assert target.read_bytes() == b"keep me"


# --- the migration ---------------------------------------------------------------------------

def test_migration_creates_the_tables_and_columns_of_the_models(app, empty_db):
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        inspector = sa.inspect(db.engine)
        assert "alembic_version" in inspector.get_table_names()
        migrated = set(inspector.get_table_names()) - {"alembic_version"}
        assert migrated == set(db.metadata.tables)
        for name, table in db.metadata.tables.items():
            columns = {c["name"]: c for c in inspector.get_columns(name)}
            assert set(columns) == {c.name for c in table.columns}, name
            for column in table.columns:
                assert columns[column.name]["nullable"] == column.nullable, f"{name}.{column.name} nullable"
                length = getattr(column.type, "length", None)
                if length is not None:
                    assert getattr(columns[column.name]["type"], "length", None) == length, f"{name}.{column.name}"
            model_fks = {(tuple(fk.parent.name for fk in c.elements), c.referred_table.name, c.ondelete)
                         for c in table.foreign_key_constraints}
            migrated_fks = {(tuple(fk["constrained_columns"]), fk["referred_table"], fk["options"].get("ondelete"))
                            for fk in inspector.get_foreign_keys(name)}
            assert migrated_fks == model_fks, name
            model_indexes = {(tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes}
            migrated_indexes = {(tuple(ix["column_names"]), bool(ix["unique"])) for ix in inspector.get_indexes(name)}
            assert model_indexes <= migrated_indexes, name


def test_migration_matches_the_models_exactly(app, empty_db):
    """Alembic's autogenerate finds nothing to add: a model change without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migration_keeps_existing_loggers(app, empty_db, monkeypatch):
    """`flask demo` migrates inside the app's process: alembic.ini's logging must not silence the app's loggers."""
    monkeypatch.setattr(logging.config, "fileConfig", REAL_FILE_CONFIG)
    probe = logging.getLogger("cpplan.probe")
    assert not app.logger.disabled
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {name: (logger.disabled, logger.level) for name, logger in logging.Logger.manager.loggerDict.items()
             if isinstance(logger, logging.Logger)}
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        assert not app.logger.disabled
        assert not probe.disabled
    finally:
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for name, logger in logging.Logger.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.disabled, logger.level = saved.get(name, (False, logging.NOTSET))
