"""Security headers, the CSP nonce, error pages, the language switcher and the health check."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, make_response, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .extensions import db

bp = Blueprint("web", __name__)

# The largest id in an address: a larger number is no row (404), never a database error (PostgreSQL's integer
# ends at 2**31 - 1, SQLite cannot even bind a number past 2**63 - 1).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """<int:...> in every route: a whole number up to MAX_ID (the larger ones match no rule, so 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


ERRORS = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("No access"), _l("Your account does not have permission for this page. Ask your municipality's coordinator if you need access.")),
    404: (_l("Page not found"), _l("There is no page at this address. Check the link, or start again from the home page.")),
    405: (_l("Not possible here"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large. Send a smaller file or shorter text.")),
    429: (_l("Too many requests"), _l("You sent too many requests in a short time. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The server had a problem and nothing was saved. Try again in a moment.")),
    503: (_l("Temporarily unavailable"), _l("The service is busy or under maintenance. Try again in a few minutes.")),
}


def csp_nonce() -> str:
    """Return this request's nonce for the one inline script a page may need."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def current_url() -> str:
    """Return the current page's path and query without ?lang= (where the language switcher returns)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return f"{request.path}?{urlencode(args)}" if args else request.path


def allow_data_files() -> None:
    """Let the import endpoints take files up to CPPLAN_MAX_IMPORT_BYTES for logged-in users (forms, and
    anyone not logged in, keep MAX_CONTENT_LENGTH: a stranger cannot make the app read 32 MB)."""
    if request.endpoint in current_app.config["CPPLAN_IMPORT_ENDPOINTS"] and current_user.is_authenticated:
        request.max_content_length = current_app.config["CPPLAN_MAX_IMPORT_BYTES"]


def set_security_headers(response):
    """Add CSP and the other security headers to every response."""
    nonce = g.get("csp_nonce")
    script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    images = " ".join(("'self'", "data:", *current_app.config.get("CPPLAN_TILE_ORIGINS", ())))  # + map tiles
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {script}; style-src 'self'; img-src {images}; "
        "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self), payment=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
    return response


def render_error(code: int, message: str | None = None):
    """Return the translated error page for an HTTP status."""
    title, default = ERRORS.get(code, ERRORS[500])
    return render_template("error.html", code=code, title=title, message=message or default), code


def api_error(code: int):
    """Return the JSON error of the API for an HTTP status: {"error": "<status>", "message": translated text}."""
    _title, message = ERRORS.get(code, ERRORS[500])
    response = jsonify({"error": str(code), "message": str(message)})
    response.status_code = code
    return response


def handle_http_error(error: HTTPException):
    """Render any HTTP error as a translated page, or as JSON under /api/ (a ready response passes)."""
    if error.response is not None:
        return error.response
    db.session.rollback()
    if request.path.startswith("/api/"):
        response = api_error(error.code or 500)
        allow = dict(error.get_headers()).get("Allow")  # a 405 keeps the list of methods the address takes
        if allow:
            response.headers["Allow"] = allow
        return response
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    """Explain a missing or stale form token in the user's language."""
    db.session.rollback()
    return render_error(400, _("The form had expired or was sent from another page, so nothing was saved. "
                               "Go back, reload the page and send it again."))


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_characters():
    """Answer 400 to a form with a NUL character in a field or its name: no person types one, and PostgreSQL
    cannot store it (it would fail as a 500 deep in the view)."""
    if request.method != "POST" or request.mimetype not in FORM_TYPES:
        return None
    # A multipart part whose name the parser cannot read has the name None.
    if any("\x00" in (text or "") for key, values in request.form.lists() for text in (key, *values)):
        return render_error(400, _("The form contained an invisible control character (NUL) that cannot be saved, "
                                   "so nothing was saved. Remove it and send the form again."))
    return None


RETRY_AFTER_S = 10  # what a 503 asks clients (the offline survey page, load balancers) to wait


def handle_database_unavailable(error: OperationalError):
    """Answer 503 with Retry-After while the database cannot be reached or stays locked; nothing is kept."""
    try:
        db.session.rollback()
    except OperationalError:
        pass  # the connection is gone: nothing was written through it
    current_app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                               getattr(error, "orig", error))
    response = api_error(503) if request.path.startswith("/api/") else make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def handle_unexpected(error: Exception):
    """Log the error and show the translated 500 page; nothing half-written is kept."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return api_error(500) if request.path.startswith("/api/") else render_error(500)


def init_app(app) -> None:
    """Register the id converter (before any route), headers, error handlers and template helpers."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)  # after CSRFProtect's check (registered earlier)
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
    app.jinja_env.globals.update(csp_nonce=csp_nonce, current_url=current_url)


@bp.route("/favicon.ico")
def favicon():
    """Serve the icon where browsers look for it beside documents that name none (JSON, PDF): the SVG one."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")


@bp.route("/healthz")
def healthz():
    """Return 200 when the database answers."""
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
