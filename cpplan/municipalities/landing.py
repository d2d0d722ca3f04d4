"""The landing page's list of municipalities, rendered once per language and kept briefly.

The landing page is the most visited page and its list changes only when an administrator edits a
municipality. Each worker keeps the rendered list per language; a change made through this worker
drops it at once, a change made through another worker shows within LIST_TTL seconds.
"""
from __future__ import annotations

from time import monotonic

from flask import current_app, has_app_context, render_template
from markupsafe import Markup
from sqlalchemy import event

from ..extensions import db
from ..i18n import current_language
from .models import Municipality

LIST_TTL = 60.0
_KEY = "cpplan.municipality_list"


def municipality_list() -> Markup:
    """Return the rendered list of municipalities for the current language."""
    cache = current_app.extensions[_KEY]
    lang = current_language()
    now = monotonic()
    kept = cache.get(lang)
    if kept is not None and now - kept[0] < LIST_TTL:
        return kept[1]
    rows = db.session.scalars(db.select(Municipality).order_by(Municipality.slug)).all()
    # Rendered by our own autoescaping template: names are escaped there, not here.
    html = Markup(render_template("municipalities/_list.html", municipalities=rows))
    cache[lang] = (now, html)
    return html


def _forget(_mapper, _connection, _target) -> None:
    if has_app_context() and _KEY in current_app.extensions:
        current_app.extensions[_KEY].clear()


def init_app(app) -> None:
    """Give the app its own empty list cache."""
    app.extensions[_KEY] = {}


for _event in ("after_insert", "after_update", "after_delete"):
    event.listen(Municipality, _event, _forget)
