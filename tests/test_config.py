"""Settings: create_app() checks them at start-up and says clearly what is wrong."""
from __future__ import annotations

import os
import stat
import types
from pathlib import Path

import pytest

from cpplan import config, create_app
from cpplan.extensions import db

SECRET = "test-secret-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Start every test from an environment without CPPLAN_* settings (the test database URL stays)."""
    for name in list(os.environ):
        if name.startswith("CPPLAN_") and name != "CPPLAN_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def make_app():
    """Call create_app and dispose of the engines it opened afterwards."""
    made = []

    def make(settings: dict | None = None):
        app = create_app(settings)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_not_in_testing_mode_by_default(make_app, database_url):
    app = make_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.testing is False
    assert app.debug is False
    assert app.config["SECRET_KEY"] == SECRET


def test_settings_come_from_the_environment(make_app, database_url, monkeypatch):
    monkeypatch.setenv("CPPLAN_SECRET_KEY", SECRET)
    monkeypatch.setenv("CPPLAN_DATABASE_URL", database_url)
    monkeypatch.setenv("CPPLAN_DEFAULT_LOCALE", "ru")
    app = make_app()
    assert app.config["SECRET_KEY"] == SECRET
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ru"
    assert app.testing is False


def test_missing_secret_key_is_a_config_error(monkeypatch):
    with pytest.raises(config.ConfigError, match="CPPLAN_SECRET_KEY") as info:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})
    assert "secrets.token_hex" in str(info.value)  # it says how to make one
    monkeypatch.setenv("CPPLAN_SECRET_KEY", "")
    with pytest.raises(config.ConfigError, match="CPPLAN_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})


@pytest.mark.parametrize("mode", ["CPPLAN_DEBUG", "CPPLAN_DEMO"])
def test_debug_and_demo_run_without_a_secret_key(tmp_path, mode):
    settings = {**config.DEFAULTS, **config.from_environment({mode: "1"})}
    assert not settings.get("SECRET_KEY")
    fake_app = types.SimpleNamespace(config=dict(settings), instance_path=str(tmp_path / "instance"))
    config.check(fake_app)
    key = fake_app.config["SECRET_KEY"]
    assert len(key) >= 32
    # The same key for every worker, readable by the owner only.
    again = types.SimpleNamespace(config=dict(settings), instance_path=str(tmp_path / "instance"))
    config.check(again)
    assert again.config["SECRET_KEY"] == key
    mode_bits = stat.S_IMODE((tmp_path / "instance" / "secret_key").stat().st_mode)
    assert mode_bits & 0o077 == 0


def test_unreachable_database_is_a_config_error():
    with pytest.raises(config.ConfigError, match="Cannot reach the database") as info:
        create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "postgresql://postgres:s3cret@127.0.0.1:1/none"})
    message = str(info.value)
    assert "127.0.0.1:1" in message and "CPPLAN_DATABASE_URL" in message
    assert "s3cret" not in message  # the password is not printed


def test_unreachable_database_from_the_environment(monkeypatch):
    monkeypatch.setenv("CPPLAN_SECRET_KEY", SECRET)
    monkeypatch.setenv("CPPLAN_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    with pytest.raises(config.ConfigError, match="CPPLAN_DATABASE_URL"):
        create_app()


@pytest.mark.parametrize("locale", ["de", "kg", "", "ru_RU"])
def test_unknown_default_locale_is_a_config_error(monkeypatch, locale):
    monkeypatch.setenv("CPPLAN_DEFAULT_LOCALE", locale)
    with pytest.raises(config.ConfigError, match="CPPLAN_DEFAULT_LOCALE"):
        create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})


def translations_tree(root: Path, compiled: tuple[str, ...]) -> None:
    for lang in config.LANGUAGES:
        folder = root / "translations" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
        if lang in compiled:
            (folder / "messages.mo").write_bytes(b"")


def test_missing_compiled_catalogue_is_a_config_error(monkeypatch, tmp_path):
    translations_tree(tmp_path, compiled=("ky", "ru"))
    monkeypatch.setattr(config, "ROOT", tmp_path)
    with pytest.raises(config.ConfigError, match="'en' catalogue is not compiled") as info:
        create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})
    assert "pybabel compile" in str(info.value)
    assert str(tmp_path / "translations" / "en" / "LC_MESSAGES" / "messages.mo") in str(info.value)


def test_complete_catalogues_pass_the_check(monkeypatch, tmp_path):
    translations_tree(tmp_path, compiled=config.LANGUAGES)
    monkeypatch.setattr(config, "ROOT", tmp_path)
    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ky"


def test_the_real_catalogues_are_compiled():
    for lang in config.LANGUAGES:
        assert (config.ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo").exists(), lang


@pytest.mark.parametrize("name, value", [("CPPLAN_MIN_CELL", "0"), ("CPPLAN_MIN_CELL_SENSITIVE", "0")])
def test_disclosure_minimums_must_be_positive(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match="at least 1"):
        create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})


def test_default_database_is_sqlite_in_the_instance_folder():
    app = create_app({"SECRET_KEY": SECRET, "CPPLAN_SKIP_DB_CHECK": True})
    expected = f"sqlite:///{Path(app.instance_path) / 'cpplan.sqlite'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    assert Path(app.instance_path).is_dir()


def test_postgres_urls_use_psycopg_3():
    for url in ("postgres://u@h/db", "postgresql://u@h/db"):
        app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "CPPLAN_SKIP_DB_CHECK": True})
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
        with app.app_context():
            db.engine.dispose()


def test_sqlite_uses_wal_and_a_busy_timeout(make_app, tmp_path):
    app = make_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wal.sqlite'}"})
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert db.session.execute(db.text("PRAGMA busy_timeout")).scalar() >= 1000
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        # Every new connection gets them, not just the first one.
        db.session.remove()
        db.engine.dispose()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"


def test_https_setting(monkeypatch):
    assert config.from_environment({})["SESSION_COOKIE_SECURE"] is False
    settings = config.from_environment({"CPPLAN_HTTPS": "true"})
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["PREFERRED_URL_SCHEME"] == "https"


@pytest.mark.parametrize("name", ["CPPLAN_MIN_CELL", "CPPLAN_MIN_CELL_SENSITIVE", "CPPLAN_LOGIN_MAX_FAILURES",
                                  "CPPLAN_LOGIN_WINDOW_MINUTES", "CPPLAN_MAX_CONTENT_LENGTH"])
def test_numbers_that_are_not_numbers_are_a_config_error(monkeypatch, name):
    monkeypatch.setenv(name, "five")
    with pytest.raises(config.ConfigError, match=f"{name} must be a whole number"):
        create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    """With CPPLAN_PROXIES=1 login throttling counts the real client, not nginx's address."""
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
                      "CPPLAN_PROXIES": 1})
    seen = {}

    @app.get("/_addr")
    def addr():
        from flask import request
        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}


def test_without_proxies_x_forwarded_for_is_ignored(tmp_path):
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    seen = {}

    @app.get("/_addr")
    def addr():
        from flask import request
        seen["addr"] = request.remote_addr
        return "ok"

    app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"addr": "127.0.0.1"}
