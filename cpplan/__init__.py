"""cpplan: community crime-prevention planning for municipalities in Kyrgyzstan."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import i18n, web
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Return a configured cpplan app; raise settings.ConfigError when the settings cannot work."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    app.config.setdefault("CPPLAN_HOME_ENDPOINT", "municipalities.mine")
    app.config.setdefault("CPPLAN_START_ENDPOINT", "municipalities.index")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'cpplan.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(app.config["SQLALCHEMY_DATABASE_URI"])
    settings.check(app)
    if app.config.get("CPPLAN_PROXIES"):
        # Behind nginx: trust that many proxies for the client address (login throttling) and scheme.
        proxies = app.config["CPPLAN_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    app.before_request(web.allow_data_files)  # before CSRFProtect reads the body
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    web.init_app(app)

    from . import cli
    from .accounts.routes import bp as accounts_bp
    from .api.routes import bp as api_bp
    from .budget import map_routes, overview_routes, progress_routes
    from .budget import routes as budget_routes
    from .documents.routes import bp as documents_bp
    from .municipalities import admin, routes
    from .plans import routes as plan_routes
    from .priorities import meeting_routes
    from .priorities import routes as priority_routes
    from .results import routes as result_routes
    from .surveys import public as survey_form
    from .surveys import routes as survey_routes

    app.register_blueprint(web.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(routes.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(survey_routes.bp)
    app.register_blueprint(survey_form.bp)
    app.register_blueprint(result_routes.bp)
    app.register_blueprint(priority_routes.bp)
    app.register_blueprint(meeting_routes.bp)
    app.register_blueprint(plan_routes.bp)
    app.register_blueprint(progress_routes.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(budget_routes.bp)
    app.register_blueprint(overview_routes.bp)
    app.register_blueprint(map_routes.bp)
    routes.init_app(app)
    survey_routes.init_app(app)
    result_routes.init_app(app)
    priority_routes.init_app(app)
    meeting_routes.init_app(app)
    plan_routes.init_app(app)
    budget_routes.init_app(app)
    cli.init_app(app)

    if not app.config.get("CPPLAN_SKIP_DB_CHECK"):
        _check_database(app)
    return app


def _driver_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver for plain postgres:// addresses."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _check_database(app: Flask) -> None:
    """Raise ConfigError with a clear message when the database cannot be reached."""
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            raise settings.ConfigError(
                f"Cannot reach the database {db.engine.url.render_as_string(hide_password=True)}: "
                f"{exc.orig}. Check CPPLAN_DATABASE_URL and that the server is running."
            ) from exc


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Use WAL, a busy timeout and foreign keys on every SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
