"""Login, logout, the user's own account and password change."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..config import LANGUAGES
from ..extensions import db, limiter, login_manager
from . import passwords, throttle
from .forms import AccountForm, LoginForm, PasswordChangeForm
from .models import User, utcnow

bp = Blueprint("accounts", __name__)

SESSION_SEEN = "_seen"


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Return the user of a session identity "id:version", or None when the version is stale."""
    user_id, _sep, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Return target when it is a relative path on this site, else None (no open redirects)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def clear_session() -> str | None:
    """Empty the session but for the language chosen on this device; return that language."""
    lang = session.get("lang")
    session.clear()
    if lang in LANGUAGES:
        session["lang"] = lang
        return lang
    return None


def start_session(user: User) -> None:
    """Log the user in on a fresh session; a language chosen before becomes their preference.

    The caller commits.
    """
    lang = clear_session()
    if lang:
        user.locale = lang
    session.permanent = True
    login_user(user)
    session[SESSION_SEEN] = utcnow().timestamp()


@bp.before_app_request
def enforce_idle_timeout() -> None:
    """End sessions idle longer than the limit."""
    if not current_user.is_authenticated:
        return
    now = utcnow().timestamp()
    idle: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    seen = session.get(SESSION_SEEN, 0)
    if now - seen > idle.total_seconds():
        logout_user()
        session.pop(SESSION_SEEN, None)
        flash(_("You were logged out after a period of inactivity. Please log in again."), "info")
        return
    if now - seen > 60:  # a fresh cookie at most once a minute
        session[SESSION_SEEN] = now


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (the user's preference when logged in) and go back to the page."""
    lang = request.form.get("lang")
    if lang not in LANGUAGES:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for(current_app.config["CPPLAN_START_ENDPOINT"]))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])  # each attempt costs an argon2 hash: cap the CPU one client can take
def login():
    """Show the login form; log in, throttling repeated failures."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for(current_app.config["CPPLAN_HOME_ENDPOINT"]))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        client = request.remote_addr or "unknown"
        wait = throttle.wait_seconds(email, client)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            form.form_errors.append(ngettext("Too many failed attempts. Try again in %(num)s minute.",
                                             "Too many failed attempts. Try again in %(num)s minutes.", minutes))
            status = 429
        else:
            user = db.session.scalar(db.select(User).filter_by(email=email))
            if user is None:
                passwords.burn_time(form.password.data)
            if user is not None and user.check_password(form.password.data) and user.is_active:
                throttle.clear_account(email, client)
                user.last_login_dt = utcnow()
                start_session(user)
                db.session.commit()
                return redirect(safe_next(request.args.get("next")) or url_for(current_app.config["CPPLAN_HOME_ENDPOINT"]))
            throttle.record_failure(email, client)
            form.form_errors.append(_("The e-mail or password is wrong."))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out here and end the user's sessions on other devices."""
    current_user.end_other_sessions()
    db.session.commit()
    logout_user()
    clear_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for(current_app.config["CPPLAN_START_ENDPOINT"]))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Let users change their name and language."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.locale = form.locale.data
        session["lang"] = form.locale.data
        db.session.commit()
        flash(_("Your account is saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password and end every other session of the user."""
    form = PasswordChangeForm()
    form._email = current_user.email
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            current_user.set_password(form.new_password.data)
            current_user.end_other_sessions()
            # The real object: logging in the current_user proxy makes it point at itself.
            start_session(current_user._get_current_object())
            db.session.commit()
            flash(_("Your password is changed. You were logged out on your other devices."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form), 400 if request.method == "POST" else 200
