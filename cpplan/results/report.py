"""A survey's results as published: tables per question, issues ranked, victimisation, rounds compared.

Built from plain data (the questionnaire described in the page language and the kept counts); every
count goes through `stats` before it is placed in a table, and every percentage, mean and share is
derived from published counts only.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..i18n import localized
from ..surveys.tally import ANSWERED, RESPONDENTS, SPLITS
from . import stats
from .stats import Mark

EVERYONE = None  # the group key of counts over every respondent
Counts = Mapping[tuple, int]  # (group or EVERYONE, question code, item, value) -> n
NO_ANSWER = ""
# Questions shown as their own tables, in this order, and how each section is titled.
SECTIONS = (
    ("profile", _l("Who answered"), ("gender", "age_band", "area")),
    ("safety", _l("Feeling safe"), ("safe_day", "safe_night")),
    ("victimisation", _l("What happened to people"), ("victimisation",)),
    ("places", _l("Where people feel unsafe"), ("unsafe_area",)),
    ("police", _l("Trust in the police"), ("trust_police", "trust_inspector")),
)
SPLIT_LABELS = {"gender": _l("Gender"), "age_band": _l("Age"), "area": _l("Village or ward")}
ISSUES_CODE = "issue_seriousness"
VICTIMISATION_CODE = "victimisation"
# Which victimisation answer shows how common an issue is (prevalence in the scoring matrix).
VICTIMISATION_OF_ISSUE = {"livestock_theft": "livestock_theft", "theft_burglary": "theft_burglary",
                          "fraud": "fraud", "domestic_violence": "domestic_violence",
                          "school_racketeering": "extortion", "road_safety": "road_accident",
                          "youth_delinquency": "assault"}
SERIOUS = (4, 5)  # a rating of 4 or 5 of 5: the issue is serious; a feeling of 4 or 5: safe, trusting


@dataclass(frozen=True)
class QuestionInfo:
    code: str
    kind: str
    text: str
    sensitive: bool
    rows: list[tuple[str, str]]  # (item key, label): options, villages, or scale values


@dataclass(frozen=True)
class IssueInfo:
    code: str
    label: str
    sensitive: bool


@dataclass(frozen=True)
class Questionnaire:
    questions: dict[str, QuestionInfo]
    issues: list[IssueInfo]


def describe(survey, issues, areas) -> Questionnaire:
    """Return the survey's questions, villages and issues as plain data in the page language."""
    area_rows = [(str(a.id), localized(a, "name")) for a in areas]
    questions = {}
    for q in survey.current_questions():
        if q.kind in ("single", "multiple"):
            rows = [(o.code, localized(o, "label")) for o in q.options]
        elif q.kind == "area":
            rows = area_rows
        elif q.kind == "scale":
            rows = [(str(v), str(v)) for v in range(q.min_value or 1, (q.max_value or 5) + 1)]
        else:
            rows = []
        questions[q.code] = QuestionInfo(q.code, q.kind, localized(q, "text"), q.is_sensitive, rows)
    return Questionnaire(questions, [IssueInfo(i.code, localized(i, "name"), i.is_sensitive) for i in issues])


@dataclass
class Row:
    """One answer's published counts: everyone first, then each group, with the percentages of those answering."""

    key: str
    label: str
    cells: list[Mark]
    percents: list[Decimal | None]


@dataclass
class Table:
    """One question's published table: rows of answers, columns everyone + groups, with totals and summaries."""

    code: str
    title: str
    kind: str
    sensitive: bool
    threshold: int
    rows: list[Row]
    totals: list[Mark]  # respondents who answered, per column
    means: list[Decimal | None] = field(default_factory=list)   # scales: mean per column
    serious: list[Decimal | None] = field(default_factory=list)  # scales: share answering 4 or 5, per column

    def chart(self) -> list[tuple[str, Decimal | None, bool]]:
        """Return (answer, share of everyone answering, whether it is hidden) for a bar chart."""
        hidden = stats.is_hidden(self.totals[0])
        return [(row.label, row.percents[0], hidden or stats.is_hidden(row.cells[0])) for row in self.rows]


@dataclass
class IssueResult:
    """One issue's published ratings: share rating it serious and mean, per column (everyone, then groups)."""

    code: str
    label: str
    sensitive: bool
    threshold: int
    answered: list[Mark]
    concern: list[Decimal | None]
    mean: list[Decimal | None]


@dataclass
class Report:
    split: str
    groups: list[tuple[str, str]]  # (group key, label) in column order after "everyone"
    respondents: Mark
    sections: list[tuple[str, str, list[Table]]]
    issues: list[IssueResult]  # ranked
    threshold: int
    threshold_sensitive: int

    def chart(self) -> list[tuple[str, Decimal | None, bool]]:
        """Return (issue, share of everyone rating it serious, whether it is hidden) in rank order, for a bar chart."""
        return [(issue.label, issue.concern[0], issue.concern[0] is None and issue.answered[0] != 0)
                for issue in self.issues]

    def table(self, code: str) -> Table | None:
        """Return the table of one question."""
        return next((t for _k, _title, tables in self.sections for t in tables if t.code == code), None)

    def prevalence(self) -> dict[str, Decimal | None]:
        """Return issue code -> share of respondents reporting it happened to them (published shares only)."""
        table = self.table(VICTIMISATION_CODE)
        if table is None:
            return {}
        shares = {row.key: stats.share(row.cells[0], table.totals[0]) for row in table.rows}
        return {issue: shares.get(option) for issue, option in VICTIMISATION_OF_ISSUE.items()}


def _groups(questionnaire: Questionnaire, split: str, data: Counts) -> list[tuple[str, str]]:
    """Return the split's groups in questionnaire order, those with respondents, then "no answer"."""
    if not split:
        return []
    present = {g for (g, code, _i, _v) in data if g is not EVERYONE and code == RESPONDENTS}
    question = questionnaire.questions.get(split)
    known = [(key, label) for key, label in (question.rows if question else []) if key in present]
    extra = sorted(present - {k for k, _l in known} - {NO_ANSWER})
    groups = known + [(key, key) for key in extra]
    if NO_ANSWER in present:
        groups.append((NO_ANSWER, str(_l("No answer"))))
    return groups


def _columns(crosstab: stats.Crosstab, row: int) -> list[Mark]:
    return [crosstab.row_totals[row]] + list(crosstab.cells[row])


def _crosstab(data: Counts, code: str, rows: list[tuple[str, int]], groups: list[str], threshold: int) -> stats.Crosstab:
    """Protect rows (item, value) x groups of one question; without groups, one column of everyone."""
    columns = groups or [EVERYONE]
    cells = [[data.get((g, code, item, value), 0) for g in columns] for item, value in rows]
    return stats.crosstab(cells, threshold)


def _choice_table(q: QuestionInfo, data: Counts, groups: list[str], threshold: int) -> Table:
    """Return a single-choice, village or scale question's table: one crosstab, answers x groups."""
    keys = list(q.rows)
    seen = {item for (g, code, item, _v) in data if g is EVERYONE and code == q.code and item != ANSWERED}
    if q.kind != "scale":
        keys += [(item, item) for item in sorted(seen - {k for k, _l in keys})]  # an option of an older version
    slots = [("", int(k)) if q.kind == "scale" else (k, 0) for k, _label in keys]
    crosstab = _crosstab(data, q.code, slots, groups, threshold)
    totals = [crosstab.total] + list(crosstab.col_totals) if groups else [crosstab.total]
    rows = []
    for n, (key, label) in enumerate(keys):
        cells = _columns(crosstab, n) if groups else [crosstab.row_totals[n]]
        rows.append(Row(key, label, cells, [stats.share(c, t) for c, t in zip(cells, totals)]))
    table = Table(q.code, q.text, q.kind, q.sensitive, threshold, rows, totals)
    if q.kind == "scale":
        for column, total in enumerate(totals):
            by_value = {int(row.key): row.cells[column] for row in rows}
            table.means.append(stats.mean(by_value) if not stats.is_hidden(total) else None)
            table.serious.append(stats.share_of(by_value, SERIOUS, total))
    return table


def _multiple_table(q: QuestionInfo, data: Counts, groups: list[str], threshold: int) -> Table:
    """Return a multiple-choice table: each option protected as ticked / not ticked x groups."""
    columns = groups or [EVERYONE]
    answered = [data.get((g, q.code, ANSWERED, 0), 0) for g in columns]
    keys = list(q.rows)
    seen = {item for (g, code, item, _v) in data if g is EVERYONE and code == q.code and item != ANSWERED}
    keys += [(item, item) for item in sorted(seen - {k for k, _l in keys})]
    rows, totals = [], None
    for key, label in keys:
        ticked = [data.get((g, q.code, key, 0), 0) for g in columns]
        crosstab = stats.crosstab([ticked, [a - t for a, t in zip(answered, ticked)]], threshold)
        totals = [crosstab.total] + list(crosstab.col_totals) if groups else [crosstab.total]
        cells = _columns(crosstab, 0) if groups else [crosstab.row_totals[0]]
        rows.append(Row(key, label, cells, [stats.share(c, t) for c, t in zip(cells, totals)]))
    if totals is None:
        line = stats.line(answered, threshold) if groups else None
        totals = [line.total] + list(line.cells) if line else [stats.line(answered, threshold).total]
    return Table(q.code, q.text, q.kind, q.sensitive, threshold, rows, totals)


def _issues(questionnaire: Questionnaire, data: Counts, groups: list[str], t: int, t_sensitive: int) -> list[IssueResult]:
    """Return the issues ranked by the share rating them serious, then by mean rating (hidden figures last)."""
    results = []
    for issue in questionnaire.issues:
        threshold = t_sensitive if issue.sensitive else t
        crosstab = _crosstab(data, ISSUES_CODE, [(issue.code, v) for v in range(1, 6)], groups, threshold)
        totals = [crosstab.total] + list(crosstab.col_totals) if groups else [crosstab.total]
        concern, mean = [], []
        for column, total in enumerate(totals):
            by_value = {v: (_columns(crosstab, v - 1) if groups else [crosstab.row_totals[v - 1]])[column]
                        for v in range(1, 6)}
            concern.append(stats.share_of(by_value, SERIOUS, total))
            mean.append(stats.mean(by_value) if not stats.is_hidden(total) else None)
        results.append(IssueResult(issue.code, issue.label, issue.sensitive, threshold, totals, concern, mean))
    order = {issue.code: n for n, issue in enumerate(questionnaire.issues)}
    return sorted(results, key=lambda r: (r.concern[0] is None, -(r.concern[0] or 0), r.mean[0] is None,
                                          -(r.mean[0] or 0), order[r.code]))


def build(questionnaire: Questionnaire, data: Counts, split: str, threshold: int, threshold_sensitive: int) -> Report:
    """Return the published results of one survey, split by one question (or '' for none)."""
    split = split if split in SPLITS and split in questionnaire.questions else ""
    groups = _groups(questionnaire, split, data)
    keys = [key for key, _label in groups]
    respondents = stats.line([data.get((EVERYONE, RESPONDENTS, "", 0), 0)], threshold).total
    sections = []
    for name, title, codes in SECTIONS:
        tables = []
        for code in codes:
            q = questionnaire.questions.get(code)
            if q is None or (split and code == split):
                continue
            t = threshold_sensitive if q.sensitive else threshold
            if q.kind == "multiple":
                tables.append(_multiple_table(q, data, keys, t))
            elif q.kind in ("single", "area", "scale"):
                tables.append(_choice_table(q, data, keys, t))
        if tables:
            sections.append((name, str(title), tables))
    issues = _issues(questionnaire, data, keys, threshold, threshold_sensitive) if ISSUES_CODE in questionnaire.questions else []
    return Report(split, groups, respondents, sections, issues, threshold, threshold_sensitive)


# --- rounds -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    code: str
    label: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        """Return after - before (shares, -1..1), or None when either is hidden."""
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Comparison:
    baseline: object
    follow_up: object
    issues: list[Change]        # share rating each issue serious
    victimisation: list[Change]  # share reporting each event
    feelings: list[Change]       # share feeling safe (day, night) and trusting the police (4-5 of 5)


def compare(before: Report, after: Report, baseline=None, follow_up=None) -> Comparison:
    """Return the change per issue, per victimisation answer and per feeling between two unsplit reports."""
    after_issues = {i.code: i for i in after.issues}
    issues = [Change(i.code, i.label, i.concern[0], after_issues[i.code].concern[0] if i.code in after_issues else None)
              for i in before.issues]
    issues.sort(key=lambda c: (c.change is None, -(c.change or 0), c.code))
    victimisation, feelings = [], []
    for code in (VICTIMISATION_CODE,):
        a, b = before.table(code), after.table(code)
        if a and b:
            later = {r.key: stats.share(r.cells[0], b.totals[0]) for r in b.rows}
            victimisation = [Change(r.key, r.label, stats.share(r.cells[0], a.totals[0]), later.get(r.key))
                             for r in a.rows]
    for code in ("safe_day", "safe_night", "trust_police", "trust_inspector"):
        a, b = before.table(code), after.table(code)
        if a and b:
            feelings.append(Change(code, a.title, a.serious[0] if a.serious else None,
                                   b.serious[0] if b.serious else None))
    return Comparison(baseline, follow_up, issues, victimisation, feelings)
