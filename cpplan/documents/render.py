"""Lay out a document (content.Document) as a printable HTML page and as an A4 PDF (WeasyPrint)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from .content import Document

TEMPLATE = "documents/document.html"
STYLESHEET = Path("css") / "document.css"  # under the static folder: linked by the page, given to WeasyPrint


def html(doc: Document, links: list[tuple[str, str, str | None]] | None = None) -> str:
    """Return the document as HTML; with links (label, address, language or None) it is the browser's page."""
    with force_locale(doc.lang):
        return render_template(TEMPLATE, doc=doc, links=links or [])


@cache
def _stylesheet(path: str):
    """Return the parsed stylesheet (parsed once per process)."""
    from weasyprint import CSS

    return CSS(filename=path)


def pdf(doc: Document) -> bytes:
    """Return the document as an A4 PDF with page numbers in the footer."""
    from weasyprint import HTML  # imported when first needed: it takes a while to load

    static = Path(current_app.static_folder)
    return HTML(string=html(doc), base_url=str(static)).write_pdf(
        stylesheets=[_stylesheet(str(static / STYLESHEET))])
