"""Lay out a document (content.Document) as a Word file (DOCX, A4) with python-docx.

Charts are tables: a row per bar, the label, then BAR_CELLS narrow cells of which the first share × BAR_CELLS
are shaded (no images), then the printed value. The body font is Arial, which Word and LibreOffice have
(or substitute) everywhere and which covers Kyrgyz ң ө ү; the reader's machine draws a DOCX, not ours.
"""
from __future__ import annotations

import io

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from .content import Chart, Document, Facts, Heading, Paragraph, Table

FONT = "Arial"
LANGUAGE_TAGS = {"ky": "ky-KG", "ru": "ru-RU", "en": "en-GB"}  # for Word's spelling and hyphenation
BAR_CELLS = 20  # a bar is drawn in steps of 5 %
BAR_COLOUR, TRACK_COLOUR, HEAD_COLOUR = "0B5394", "E6EAEF", "EEF2F6"
LABEL_WIDTH, BAR_CELL_WIDTH, VALUE_WIDTH = Cm(6.5), Cm(0.4), Cm(2.5)


def _set_font(style, size: Pt | None = None) -> None:
    """Give a style the body font, dropping the template's theme fonts (they would win over it)."""
    style.font.name = FONT
    if size is not None:
        style.font.size = size
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:cs"), FONT)


def _set_language(style, lang: str) -> None:
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE_TAGS.get(lang, lang))
    style.element.get_or_add_rPr().append(language)


def _field(paragraph, instruction: str) -> None:
    """Append a field Word computes when it lays out the page (PAGE, NUMPAGES)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _setup(document, doc: Document) -> None:
    """A4 with margins, fonts and language, and a footer with the title and "page / pages"."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(16), Mm(18)
    styles = document.styles
    _set_font(styles["Normal"], Pt(10))
    _set_language(styles["Normal"], doc.lang)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _set_font(styles[name])
    _set_font(styles["Table Grid"], Pt(8.5))
    footer = section.footer.paragraphs[0]
    footer.text = f"{doc.title} · "
    footer.style.font.size = Pt(7.5)
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")
    document.core_properties.title = doc.title
    document.core_properties.language = LANGUAGE_TAGS.get(doc.lang, doc.lang)


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _write(cell, text: str, *, bold: bool = False, right: bool = False) -> None:
    """Put text in a cell, one paragraph per line."""
    for n, line in enumerate(text.split("\n")):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold or None
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _repeat_header(row) -> None:
    """Repeat the row at the top of every page the table runs onto."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _facts(document, block: Facts) -> None:
    for label, value in block.rows:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)


def _table(document, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.header), style="Table Grid")
    header = table.rows[0]
    _repeat_header(header)
    for n, (cell, text) in enumerate(zip(header.cells, block.header)):
        _write(cell, text, bold=True, right=n in block.numeric)
        _shade(cell, HEAD_COLOUR)
    for values in block.rows + ((block.total,) if block.total else ()):
        bold = values is block.total
        for n, (cell, text) in enumerate(zip(table.add_row().cells, values)):
            _write(cell, text, bold=bold, right=n in block.numeric)


def _chart(document, block: Chart) -> None:
    document.add_paragraph().add_run(block.title).bold = True
    table = document.add_table(rows=0, cols=BAR_CELLS + 2)
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    widths = [LABEL_WIDTH] + [BAR_CELL_WIDTH] * BAR_CELLS + [VALUE_WIDTH]
    for column, width in zip(table.columns, widths):
        column.width = width
    for bar in block.bars:
        filled = 0 if bar.share is None else round(bar.share * BAR_CELLS)
        cells = table.add_row().cells
        for n, (cell, width) in enumerate(zip(cells, widths)):
            cell.width = width
            if 0 < n <= BAR_CELLS:
                _shade(cell, BAR_COLOUR if n <= filled else TRACK_COLOUR)
        _write(cells[0], bar.label)
        _write(cells[-1], bar.value)
    document.add_paragraph(block.description).runs[0].italic = True


def _heading(document, block: Heading) -> None:
    document.add_heading(block.text, level=3)


def _paragraph(document, block: Paragraph) -> None:
    paragraph = document.add_paragraph(block.text)
    if block.note:
        for run in paragraph.runs:
            run.italic = True


WRITERS = {"heading": _heading, "paragraph": _paragraph, "facts": _facts, "table": _table, "chart": _chart}


def docx_bytes(doc: Document) -> bytes:
    """Return the document as a DOCX file."""
    document = docx.Document()
    _setup(document, doc)
    document.add_paragraph(doc.kicker.upper())
    document.add_heading(doc.title, level=0)
    _facts(document, doc.facts)
    for section in doc.sections:
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            WRITERS[block.kind](document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
