"""What changed between two versions of a plan (pure): plain data in, a list of changes out.

A version is given as `PlanData` (services.comparable() builds it from a Plan): the title per language,
the period, the priority issues (problem and objective per language) and the measures with their
indicators. Nothing here touches the database or the request; labels and formatting are the page's.

Matching, so that what is in both versions is reported as changed rather than as removed and added:

- Priority issues by the catalogue issue they are about (`issue_id`).
- Measures only within the same issue, in two passes, each pairing the newer version's measures in
  order with the first unpaired measure of the older one:
  1. the same identity: the same library code, or, for two measures typed in, the same titles in
     every language (ignoring case and surrounding spaces);
  2. what is left: the same library code, or, for two measures typed in, the same non-blank title in
     at least one language (a title retyped in one language but kept in another still matches).
  The versions keep no other link between their measures, so a typed-in measure whose every title was
  retyped shows as removed and added. Two measures with the same identity pair in order.
- Indicators of a paired measure by name (ignoring case), in order; a renamed indicator shows as removed
  and added.

Partners are compared as a set (their order never counts), money as exact Decimals (15000.5 == 15000.50).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Texts = Mapping[str, str]  # language code -> text ("" or missing when not written in that language)

CHANGED, ADDED, REMOVED = "changed", "added", "removed"
# What a change is about: the plan, a priority issue, a measure or one of their fields (the page labels them).
PLAN_FIELDS = ("title", "period")
ISSUE_FIELDS = ("problem", "objective")
MEASURE_FIELDS = ("title", "description", "lead", "partners", "timeline", "cost", "funded", "area", "status",
                  "indicator")
INDICATOR_FIELDS = ("unit", "baseline", "target", "source")  # reported as "indicator_<name>"


@dataclass(frozen=True)
class IndicatorData:
    """An indicator of a measure: name, unit, baseline, target, source."""

    name: str
    unit: str = ""
    baseline: str = ""
    target: str = ""
    source: str = ""


@dataclass(frozen=True)
class MeasureData:
    """A measure: its issue, library code, texts per language, organisation and area ids, timeline, money."""

    issue_id: int
    title: Texts = field(default_factory=dict)
    library_code: str | None = None
    description: Texts = field(default_factory=dict)
    lead: int | None = None
    partners: Iterable[int] = frozenset()
    start: str = ""
    end: str = ""
    cost: Decimal | None = None
    funded: Decimal | None = None
    area: int | None = None
    status: str = "planned"
    indicators: Sequence[IndicatorData] = ()


@dataclass(frozen=True)
class IssueData:
    """A priority issue of the plan: the catalogue issue, the problem and the objective per language."""

    issue_id: int
    problem: Texts = field(default_factory=dict)
    objective: Texts = field(default_factory=dict)


@dataclass(frozen=True)
class PlanData:
    """One version of a plan, as compared."""

    title: Texts = field(default_factory=dict)
    first_year: int = 0
    last_year: int = 0
    issues: Sequence[IssueData] = ()
    measures: Sequence[MeasureData] = ()


@dataclass(frozen=True)
class Change:
    """One difference from the older version to the newer one.

    kind: CHANGED, ADDED or REMOVED. field: a name of PLAN_FIELDS, ISSUE_FIELDS, MEASURE_FIELDS or
    "indicator_<INDICATOR_FIELDS>"; "issue" or "measure" for a whole issue or measure added or removed.
    issue_id: the issue concerned (None for the plan's own fields). measure: the measure concerned (the newer
    one when in both versions). lang: the language of a text kept per language. item: the indicator's name.
    old, new: the values (None for what is missing; for "timeline" and "period" a (start, end) pair).
    """

    kind: str
    field: str
    issue_id: int | None = None
    measure: MeasureData | None = None
    lang: str | None = None
    item: str | None = None
    old: Any = None
    new: Any = None


def _norm(text: str | None) -> str:
    return (text or "").strip().casefold()


def _texts(field_name: str, old: Texts, new: Texts, **where: Any) -> list[Change]:
    """Return a change per language whose text differs (a missing text counts as "")."""
    return [Change(CHANGED, field_name, lang=lang, old=old.get(lang) or "", new=new.get(lang) or "", **where)
            for lang in dict.fromkeys([*new, *old]) if (old.get(lang) or "") != (new.get(lang) or "")]


def _pair(old: Sequence[Any], new: Sequence[Any], passes: Sequence[Callable[[Any, Any], bool]]
          ) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Return (pairs in the newer order, unpaired old, unpaired new): each pass pairs what it finds alike."""
    partner: dict[int, int] = {}  # index in new -> index in old
    for alike in passes:
        for j, b in enumerate(new):
            if j in partner:
                continue
            taken = set(partner.values())
            i = next((i for i, a in enumerate(old) if i not in taken and alike(a, b)), None)
            if i is not None:
                partner[j] = i
    taken = set(partner.values())
    return ([(old[partner[j]], b) for j, b in enumerate(new) if j in partner],
            [a for i, a in enumerate(old) if i not in taken],
            [b for j, b in enumerate(new) if j not in partner])


def _identity(m: MeasureData) -> tuple:
    if m.library_code:
        return (m.issue_id, "library", m.library_code)
    return (m.issue_id, "typed", tuple(sorted((lang, _norm(t)) for lang, t in m.title.items() if _norm(t))))


def _same_measure(a: MeasureData, b: MeasureData) -> bool:
    return _identity(a) == _identity(b)


def _alike_measure(a: MeasureData, b: MeasureData) -> bool:
    if a.issue_id != b.issue_id:
        return False
    if a.library_code or b.library_code:
        return a.library_code == b.library_code
    return any(_norm(t) and _norm(t) == _norm(b.title.get(lang)) for lang, t in a.title.items())


def match_measures(old: Sequence[MeasureData], new: Sequence[MeasureData]
                   ) -> tuple[list[tuple[MeasureData, MeasureData]], list[MeasureData], list[MeasureData]]:
    """Return (pairs of the same measure in both versions, removed measures, added measures); see the module."""
    return _pair(old, new, (_same_measure, _alike_measure))


def _indicator_changes(old: MeasureData, new: MeasureData) -> list[Change]:
    pairs, removed, added = _pair(old.indicators, new.indicators, (lambda a, b: _norm(a.name) == _norm(b.name),))
    where = {"issue_id": new.issue_id, "measure": new}
    changes = [Change(REMOVED, "indicator", item=i.name, old=i, **where) for i in removed]
    changes += [Change(ADDED, "indicator", item=i.name, new=i, **where) for i in added]
    for a, b in pairs:
        changes += [Change(CHANGED, f"indicator_{name}", item=b.name, old=getattr(a, name), new=getattr(b, name),
                           **where)
                    for name in INDICATOR_FIELDS if getattr(a, name) != getattr(b, name)]
    return changes


def _measure_changes(old: MeasureData, new: MeasureData) -> list[Change]:
    """Return the changes of one measure present in both versions, in MEASURE_FIELDS order."""
    where = {"issue_id": new.issue_id, "measure": new}
    changes = _texts("title", old.title, new.title, **where) + _texts("description", old.description,
                                                                      new.description, **where)
    values = {"lead": (old.lead, new.lead),
              "partners": (frozenset(old.partners), frozenset(new.partners)),
              "timeline": ((old.start, old.end), (new.start, new.end)),
              "cost": (old.cost, new.cost), "funded": (old.funded, new.funded),
              "area": (old.area, new.area), "status": (old.status, new.status)}
    changes += [Change(CHANGED, name, old=before, new=after, **where)
                for name, (before, after) in values.items() if before != after]
    return changes + _indicator_changes(old, new)


def compare(old: PlanData, new: PlanData) -> list[Change]:
    """Return what changed from `old` to `new`: the plan's fields, then issue by issue (newer order first).

    Within an issue: the issue added or removed, its problem and objective, then the measures removed, added,
    and changed field by field.
    """
    changes = _texts("title", old.title, new.title)
    if (old.first_year, old.last_year) != (new.first_year, new.last_year):
        changes.append(Change(CHANGED, "period", old=(old.first_year, old.last_year),
                              new=(new.first_year, new.last_year)))
    old_issues = {i.issue_id: i for i in old.issues}
    new_issues = {i.issue_id: i for i in new.issues}
    pairs, removed, added = match_measures(old.measures, new.measures)
    order = dict.fromkeys([*new_issues, *old_issues, *(m.issue_id for m in (*new.measures, *old.measures))])
    for issue_id in order:
        before, after = old_issues.get(issue_id), new_issues.get(issue_id)
        if before is None and after is not None:
            changes.append(Change(ADDED, "issue", issue_id=issue_id, new=after))
        elif after is None and before is not None:
            changes.append(Change(REMOVED, "issue", issue_id=issue_id, old=before))
        elif before is not None and after is not None:
            for name in ISSUE_FIELDS:
                changes += _texts(name, getattr(before, name), getattr(after, name), issue_id=issue_id)
        changes += [Change(REMOVED, "measure", issue_id=issue_id, measure=m, old=m)
                    for m in removed if m.issue_id == issue_id]
        changes += [Change(ADDED, "measure", issue_id=issue_id, measure=m, new=m)
                    for m in added if m.issue_id == issue_id]
        for a, b in pairs:
            if b.issue_id == issue_id:
                changes += _measure_changes(a, b)
    return changes
