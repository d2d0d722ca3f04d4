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
