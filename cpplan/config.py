"""Settings from CPPLAN_* environment variables, checked at start-up."""
from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ky", "ru", "en")
# Map tiles under the measure maps: a {z}/{x}/{y} URL template (absolute, or a same-origin path); "" for none.
TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
TILE_SUBDOMAINS = "abc"  # what {s} in a tile URL stands for (Leaflet's default)


# A session secret shorter than this can be guessed offline from one signed cookie.
MIN_SECRET_KEY_LENGTH = 32
SHARED_STORAGE_EXAMPLE = "redis://127.0.0.1:6379/0"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _int(env, name: str, default: int) -> int:
    value = env.get(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def from_environment(environ: dict[str, str] | None = None) -> dict:
    """Return the Flask settings read from CPPLAN_* variables (unset ones take defaults)."""
    env = os.environ if environ is None else environ
    idle_hours = env.get("CPPLAN_IDLE_TIMEOUT_HOURS", "8")
    try:
        idle = timedelta(hours=float(idle_hours))
    except ValueError as exc:
        raise ConfigError(f"CPPLAN_IDLE_TIMEOUT_HOURS must be a number of hours, not {idle_hours!r}") from exc
    https = _bool(env.get("CPPLAN_HTTPS"))
    settings = {
        "SECRET_KEY": env.get("CPPLAN_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("CPPLAN_DATABASE_URL"),
        "BABEL_DEFAULT_LOCALE": env.get("CPPLAN_DEFAULT_LOCALE", "ky"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bishkek",
        "RATELIMIT_STORAGE_URI": env.get("CPPLAN_RATELIMIT_STORAGE_URI", "memory://"),
        "CPPLAN_MIN_CELL": _int(env, "CPPLAN_MIN_CELL", 5),
        "CPPLAN_MIN_CELL_SENSITIVE": _int(env, "CPPLAN_MIN_CELL_SENSITIVE", 10),
        "CPPLAN_DEMO": _bool(env.get("CPPLAN_DEMO")),
        "CPPLAN_LOGIN_MAX_FAILURES": _int(env, "CPPLAN_LOGIN_MAX_FAILURES", 5),
        "CPPLAN_LOGIN_WINDOW_MINUTES": _int(env, "CPPLAN_LOGIN_WINDOW_MINUTES", 15),
        "PERMANENT_SESSION_LIFETIME": idle,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": _int(env, "CPPLAN_MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "CPPLAN_PROXIES": _int(env, "CPPLAN_PROXIES", 0),
        # Data files (Kobo exports) may be larger than any form: these endpoints take up to this much.
        "CPPLAN_MAX_IMPORT_BYTES": _int(env, "CPPLAN_MAX_IMPORT_BYTES", 32 * 1024 * 1024),
        "CPPLAN_TILES_URL": env.get("CPPLAN_TILES_URL", TILES_URL).strip(),
        "CPPLAN_TILES_ATTRIBUTION": env.get("CPPLAN_TILES_ATTRIBUTION", TILES_ATTRIBUTION),
    }
    if _bool(env.get("CPPLAN_DEBUG")):
        settings["DEBUG"] = True
    return {k: v for k, v in settings.items() if v is not None}


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    "LANGUAGES": LANGUAGES,
    "CPPLAN_IMPORT_ENDPOINTS": frozenset({"surveys.import_kobo"}),
    "RATELIMIT_HEADERS_ENABLED": False,
    "SEND_FILE_MAX_AGE_DEFAULT": 7 * 24 * 3600,
}


def tile_origins(url: str) -> tuple[str, ...]:
    """Return the origins the browser fetches tiles from (for the CSP's img-src); () for none or same-origin.

    {s} in the host stands for each of TILE_SUBDOMAINS. Raises ConfigError for a URL Leaflet cannot use.
    """
    if not url:
        return ()
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(f"CPPLAN_TILES_URL must contain {{z}}, {{x}} and {{y}}, e.g. {TILES_URL!r}; not {url!r}.")
    if url.startswith("/") and not url.startswith("//"):
        return ()  # served by this site: 'self' covers it
    found = re.fullmatch(r"(https?://)([^/?#]+)/.*", url)
    host = found.group(2) if found else ""
    if not found or not re.fullmatch(r"[A-Za-z0-9.-]*(\{s\}[A-Za-z0-9.-]*)?(:[0-9]+)?", host):
        raise ConfigError(f"CPPLAN_TILES_URL must be an http(s) URL or a path on this site, with only {{s}} "
                          f"in the host, e.g. {TILES_URL!r}; not {url!r}.")
    return tuple(dict.fromkeys(found.group(1) + host.replace("{s}", s) for s in TILE_SUBDOMAINS))


def _local_secret(instance: Path) -> str:
    """Return the debug/demo secret key kept in the instance folder, creating it once.

    Kept on disk so that every worker of a demo server signs sessions with the same key.
    """
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _check_secret_length(key: str) -> None:
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"CPPLAN_SECRET_KEY is {len(key)} characters long; it must have at least {MIN_SECRET_KEY_LENGTH} "
            "random characters, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )


def check_server(settings: dict, workers: int) -> None:
    """Refuse settings that must never serve users through gunicorn (gunicorn.conf.py calls this at start-up).

    Debug mode is for a developer's own machine; a production secret key must be long; and with several
    workers the rate limits and login throttling must be counted in one shared store, or each worker
    would allow its own share of password guesses. Demo mode (scripts/demo.sh) may share nothing.
    """
    if settings.get("DEBUG"):
        raise ConfigError("CPPLAN_DEBUG is on. Debug mode is for a developer's machine (`flask run`), never for "
                          "gunicorn serving users: unset CPPLAN_DEBUG.")
    if settings.get("CPPLAN_DEMO"):
        return
    if not settings.get("SECRET_KEY"):
        raise ConfigError("CPPLAN_SECRET_KEY is not set. Set it to a long random value, e.g. "
                          "`python -c 'import secrets; print(secrets.token_hex(32))'`.")
    _check_secret_length(settings["SECRET_KEY"])
    storage = settings.get("RATELIMIT_STORAGE_URI", "memory://")
    if workers > 1 and storage.startswith("memory://"):
        raise ConfigError(
            f"gunicorn runs {workers} workers but CPPLAN_RATELIMIT_STORAGE_URI is {storage!r}: each worker would "
            "count login failures and rate limits on its own. Set CPPLAN_RATELIMIT_STORAGE_URI to a shared "
            f"store, e.g. {SHARED_STORAGE_EXAMPLE!r} (Redis), or run one worker."
        )


def check(app) -> None:
    """Raise ConfigError with a clear message when the settings cannot run the app."""
    cfg = app.config
    relaxed = cfg.get("DEBUG") or cfg.get("TESTING") or cfg.get("CPPLAN_DEMO")
    if not cfg.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigError(
                "CPPLAN_SECRET_KEY is not set. Set it to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'` "
                "(only debug and demo modes run without one)."
            )
        cfg["SECRET_KEY"] = _local_secret(Path(app.instance_path))
    elif not relaxed:
        _check_secret_length(cfg["SECRET_KEY"])
    locale = cfg["BABEL_DEFAULT_LOCALE"]
    if locale not in LANGUAGES:
        raise ConfigError(f"CPPLAN_DEFAULT_LOCALE={locale!r} is not one of {', '.join(LANGUAGES)}.")
    for lang in LANGUAGES:
        mo = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo"
        if not mo.exists():
            raise ConfigError(
                f"The {lang!r} catalogue is not compiled ({mo} is missing). "
                "Run `pybabel compile -d translations`."
            )
    cfg["CPPLAN_TILE_ORIGINS"] = tile_origins(cfg.get("CPPLAN_TILES_URL", ""))
    minimums = (cfg["CPPLAN_MIN_CELL"], cfg["CPPLAN_MIN_CELL_SENSITIVE"])
    if min(minimums) < 1:
        raise ConfigError("CPPLAN_MIN_CELL and CPPLAN_MIN_CELL_SENSITIVE must be at least 1.")
