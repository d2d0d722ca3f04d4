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


@cache
def _fonts():
    """Return the font configuration (made once per process).

    WeasyPrint makes a new one for every PDF unless given one: each loads Fontconfig's fonts into a new Pango
    font map that is not all given back, so a gunicorn worker grew by about 0.2 MiB a PDF
    (benchmarks/memory.py). Kept, the worker's memory stays flat. Sync workers make one PDF at a time.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf(doc: Document) -> bytes:
    """Return the document as an A4 PDF with page numbers in the footer."""
    from weasyprint import HTML  # imported when first needed: it takes a while to load

    static = Path(current_app.static_folder)
    return HTML(string=html(doc), base_url=str(static)).write_pdf(
        stylesheets=[_stylesheet(str(static / STYLESHEET))], font_config=_fonts())
