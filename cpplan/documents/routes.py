"""The plan's documents: the printable page, PDF and DOCX of the plan and of its funding brief, in ky, ru or en.

An adopted plan (adopted, in implementation, completed) is public: anyone may read its documents, which then
name organisations but no working-group members. An earlier version needs the municipality's "view"
permission, like the plan page. Names on the roster appear only for those who may read the roster.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..config import LANGUAGES
from ..extensions import db
from ..i18n import LANGUAGE_NAMES, current_language
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404
from ..plans import workflow
from ..plans.models import Plan
from . import content, render, word

bp = Blueprint("documents", __name__)
PLAN = "/m/<slug>/plans/<int:plan_id>"
BUILDERS = {"plan": content.plan_document, "brief": content.funding_brief}
PDF, DOCX = "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _language(value: str | None) -> str:
    """Return a known language code, or abort with 404."""
    if value not in LANGUAGES:
        abort(404)
    return value


def _readable(slug: str, plan_id: int) -> tuple[Municipality, Plan, content.Reader]:
    """Return the plan and what the current user may read in its documents.

    A plan that is missing or not adopted asks for "view" first (login for anonymous users, 403 for others),
    as the plan page does, so its documents tell outsiders nothing about which plans exist.
    """
    municipality = get_or_404(slug)
    plan = db.session.scalar(db.select(Plan).filter_by(id=plan_id, municipality_id=municipality.id))
    if plan is None or plan.status not in workflow.ADOPTED_STATES:
        require("view", municipality)
    if plan is None:
        abort(404)
    return municipality, plan, content.Reader(names=can("view_group", municipality),
                                              internal=can("view", municipality))


def _document(kind: str, slug: str, plan_id: int, lang: str | None) -> tuple[Municipality, Plan, content.Document]:
    lang = _language(lang)
    municipality, plan, reader = _readable(slug, plan_id)
    return municipality, plan, BUILDERS[kind](plan, lang, reader)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    """Return a file to save; never kept by a shared cache (it may name working-group members)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


def _links(municipality: Municipality, plan: Plan, doc: content.Document) -> list[tuple[str, str, str | None]]:
    """Return the printable page's links: back, the files in this language, the page in the other languages."""
    ids = {"slug": municipality.slug, "plan_id": plan.id}
    with force_locale(doc.lang):
        back = ((_("Back to the plan"), url_for("plans.detail", **ids)) if can("view", municipality)
                else (_("Back to the municipality"), url_for("municipalities.overview", slug=municipality.slug)))
        files = {"plan": ((_("Plan (PDF)"), "plan_pdf"), (_("Plan (Word)"), "plan_docx")),
                 "brief": ((_("Funding brief (PDF)"), "brief_pdf"), (_("Funding brief (Word)"), "brief_docx"))}
    page = f"documents.{doc.kind}_page"
    downloads = [(label, url_for(f"documents.{endpoint}", lang=doc.lang, **ids), None)
                 for label, endpoint in files[doc.kind]]
    others = [(LANGUAGE_NAMES[code], url_for(page, lang=code, **ids), code) for code in LANGUAGES if code != doc.lang]
    return [(*back, None), *downloads, *others]


def _page(kind: str, slug: str, plan_id: int) -> str:
    municipality, plan, doc = _document(kind, slug, plan_id, request.args.get("lang", current_language()))
    return render.html(doc, _links(municipality, plan, doc))


@bp.route(f"{PLAN}/document")
def plan_page(slug: str, plan_id: int):
    """Show the plan as a printable page, in ?lang= (default: the page's language)."""
    return _page("plan", slug, plan_id)


@bp.route(f"{PLAN}/plan-<lang>.pdf")
def plan_pdf(slug: str, plan_id: int, lang: str):
    """Download the plan as an A4 PDF in lang."""
    _m, _p, doc = _document("plan", slug, plan_id, lang)
    return _download(render.pdf(doc), PDF, f"{doc.filename}.pdf")


@bp.route(f"{PLAN}/plan-<lang>.docx")
def plan_docx(slug: str, plan_id: int, lang: str):
    """Download the plan as a Word file (DOCX) in lang."""
    _m, _p, doc = _document("plan", slug, plan_id, lang)
    return _download(word.docx_bytes(doc), DOCX, f"{doc.filename}.docx")


@bp.route(f"{PLAN}/brief")
def brief_page(slug: str, plan_id: int):
    """Show the funding brief as a printable page, in ?lang= (default: the page's language)."""
    return _page("brief", slug, plan_id)


@bp.route(f"{PLAN}/brief-<lang>.pdf")
def brief_pdf(slug: str, plan_id: int, lang: str):
    """Download the one-page funding brief as a PDF in lang."""
    _m, _p, doc = _document("brief", slug, plan_id, lang)
    return _download(render.pdf(doc), PDF, f"{doc.filename}.pdf")


@bp.route(f"{PLAN}/brief-<lang>.docx")
def brief_docx(slug: str, plan_id: int, lang: str):
    """Download the funding brief as a Word file (DOCX) in lang."""
    _m, _p, doc = _document("brief", slug, plan_id, lang)
    return _download(word.docx_bytes(doc), DOCX, f"{doc.filename}.docx")
