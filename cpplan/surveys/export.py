"""CSV for spreadsheets (pure): cells neutralised against formula injection, UTF-8 with a BOM for Excel."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR: OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value) -> str:
    """Return the value as CSV cell text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


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
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([cell if isinstance(cell, (int, Decimal)) and not isinstance(cell, bool) else neutralise(cell)
                      for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
