"""Small-cell suppression of published counts (pure: plain numbers in, plain numbers out).

A cell below the threshold is hidden. When a row's total is published, a single hidden cell could be
recovered by subtracting the others from it, so the next smallest cells are hidden as well (secondary
suppression). Issue 4 brings the full disclosure control (results/stats.py); this covers one-way tables.
"""
from __future__ import annotations

from collections.abc import Mapping


def suppress(cells: Mapping[str, int], threshold: int) -> dict[str, int | None]:
    """Return the cells with every count below threshold, and what could reveal one, as None.

    With the row's total published, the hidden cells add up to a known number: while that is a single
    cell, or a sum still below the threshold (3 and 0 hidden next to a total tell 3), the next smallest
    visible cell is hidden as well. Hidden cells that are all zero reveal nobody and need no cover.
    """
    shown: dict[str, int | None] = {key: (None if count < threshold else count) for key, count in cells.items()}

    def hidden() -> list[str]:
        return [key for key, value in shown.items() if value is None]

    while hidden() and (len(hidden()) == 1 or 0 < sum(cells[key] for key in hidden()) < threshold):
        visible = [key for key, value in shown.items() if value is not None]
        if not visible:
            break
        shown[min(visible, key=lambda key: cells[key])] = None  # the first of equals, in the row's order
    return shown


def row_total(cells: Mapping[str, int], threshold: int) -> int | None:
    """Return the row's total when it may be published (None when it is itself below threshold)."""
    total = sum(cells.values())
    return total if total >= threshold else None
