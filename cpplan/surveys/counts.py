"""Small-cell suppression of published counts (pure: plain numbers in, plain numbers out).

A count from 1 to the threshold minus one is hidden. When a row's total is published, a single hidden
cell could be recovered by subtracting the others from it, so the next smallest cells are hidden as well
(secondary suppression), and shown as hidden rather than as small, which they are not. Issue 4 brings the full disclosure control (results/stats.py); this covers one-way tables.
"""
from __future__ import annotations

from collections.abc import Mapping


SMALL, COVER = "small", "cover"


def suppress(cells: Mapping[str, int], threshold: int) -> dict[str, int | str]:
    """Return the cells with every count from 1 to threshold - 1 as SMALL, and what could reveal one as COVER.

    Zero reveals nobody and is published. With the row's total published, the hidden cells add up to a
    known number: while that is a single cell, or a sum still below the threshold (3 and 0 hidden next to
    a total tell 3), the next smallest non-zero visible cell is hidden as well (secondary suppression).
    """
    shown: dict[str, int | str] = {key: (SMALL if 0 < count < threshold else count) for key, count in cells.items()}

    def hidden() -> list[str]:
        return [key for key, value in shown.items() if value in (SMALL, COVER)]

    while hidden() and (len(hidden()) == 1 or sum(cells[key] for key in hidden()) < threshold):
        visible = [key for key, value in shown.items() if value not in (SMALL, COVER) and cells[key] > 0]
        if not visible:
            break
        shown[min(visible, key=lambda key: cells[key])] = COVER  # the first of equals, in the row's order
    return shown


def row_total(cells: Mapping[str, int], threshold: int) -> int | None:
    """Return the row's total when it may be published (None when it is itself below threshold)."""
    total = sum(cells.values())
    return total if total >= threshold else None
