"""CSV for spreadsheets (pure): cells neutralised against formula injection, UTF-8 with a BOM for Excel."""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR: OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# Control characters XML 1.0 cannot hold: openpyxl refuses a cell with one (tab and line breaks are fine).
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_number(value) -> bool:
    """Return True for a finite int, float or Decimal (not a bool): a spreadsheet reads it as a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return isinstance(value, int) or (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value))


def looks_like_formula(text: str) -> bool:
    """Return True when a spreadsheet may read the text as a formula: it starts with one of FORMULA_STARTS,
    also after leading spaces or line breaks (Google Sheets and LibreOffice may trim them first)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def neutralise(value) -> str:
    """Return the value as CSV cell text: a number as it is (-5 stays a number), a text with a leading ' when a
    spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if not is_number(value) and looks_like_formula(text) else text


def xml_text(text: str) -> str:
    """Return the text without the control characters an .xlsx cannot hold (else the download fails)."""
    return NOT_IN_XML.sub("", text)


def csv_text(header: list[str], rows: Iterable[list], bom: bool = True) -> Iterable[str]:
    """Yield the CSV (header first, every cell neutralised) in chunks of text, starting with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if bom:
        out.write(BOM)
    writer.writerow([neutralise(cell) for cell in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list]) -> bytes:
    """Return one worksheet as .xlsx: numbers stay numbers, every text cell neutralised (openpyxl would store a
    text starting with "=" as a formula)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([_xlsx_cell(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    """Return a number as it is, anything else as neutralised text an .xlsx can hold."""
    return value if is_number(value) else neutralise(xml_text("" if value is None else str(value)))
