"""What the plan's documents say, as plain data: the plan document and the one-page funding brief.

A Document is a title block and sections; a section is a list of blocks (Heading, Paragraph, Facts, Table,
Chart) whose texts are already in the document's language, so the renderers (templates/documents/ for HTML
and PDF, word.py for DOCX) only lay them out. Everything is built under force_locale(lang): labels, names
(i18n.localized with fallback), money, numbers and dates are all in that language.

Survey figures come only from results.queries and results.report, after disclosure control: a hidden count
prints as its marker ("<10", "hidden"), never as a number. What a reader may see is a Reader: the names on
the working-group roster only with the municipality's permission (others get organisations and counts), and
the first results of a survey that is still open only for the municipality's roles.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import format_day, format_money, format_number, format_share, localized
from ..municipalities.labels import GENDER_LABELS, GROUP_ROLE_LABELS, KIND_LABELS, REGION_LABELS, ROLE_LABELS
from ..municipalities.models import GROUP_ROLES, Municipality, WorkingGroupMember
from ..municipalities.services import group_counts
from ..plans import workflow
from ..plans.models import Measure, Plan, PlanIssue
from ..plans.services import problem_statement
from ..results import queries, report, stats
from ..surveys.labels import ROUND_LABELS, STATUS_LABELS
from ..surveys.models import Survey
from ..surveys.tally import ALL
from . import budget

NONE = "—"
FEELINGS = ("safe_day", "safe_night", "trust_police", "trust_inspector")  # scale questions: share answering 4-5
# The adoption record lists these steps of plans/workflow.py, with the role whose step it is.
ADOPTION_STEPS = {"approve": "police", "adopt": "coordinator"}


# --- the blocks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Heading:
    """A heading inside a section (a priority issue, a budget table)."""

    text: str
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; a note is an explanation printed smaller."""

    text: str
    note: bool = False
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Facts:
    """Label and value pairs."""

    rows: tuple[tuple[str, str], ...]
    kind: ClassVar[str] = "facts"


@dataclass(frozen=True)
class Table:
    """A table: a header row, body rows (a cell may hold several lines, split by newlines) and a totals row."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()  # columns of amounts and counts, aligned right
    total: tuple[str, ...] = ()
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its share (0..1; None when hidden or nobody answered) and the printed value."""

    label: str
    share: Decimal | None
    value: str


@dataclass(frozen=True)
class Chart:
    """Horizontal bars of shares, with a title and a description (the same figures are printed next to the bars)."""

    id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    kind: ClassVar[str] = "chart"


Block = Heading | Paragraph | Facts | Table | Chart


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A whole document in one language: the title block, then the sections in order."""

    kind: str  # "plan" or "brief"
    lang: str
    kicker: str  # the line above the title: what kind of document this is
    title: str
    facts: Facts
    sections: tuple[Section, ...]
    filename: str  # ASCII, without extension, e.g. "kyzyl-suu-plan-v1-ru"


@dataclass(frozen=True)
class Reader:
    """What the reader may see beyond the public: names on the roster, first results of a survey still open."""

    names: bool = False
    internal: bool = False


PUBLIC = Reader()


# --- what the survey says -----------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """The newest survey with answers and, when this reader may see them, its published results."""

    survey: Survey | None
    report: report.Report | None
    figures: dict[str, queries.IssueFigures]

    @property
    def withheld(self) -> bool:
        """Return True when the survey is still open and its first results are not for this reader."""
        return self.survey is not None and self.report is None


def evidence(municipality: Municipality, reader: Reader) -> Evidence:
    """Return the newest survey's published results, or withhold them from the public while it is still open.

    queries.issue_figures reads the same newest survey, so both are shown or withheld together.
    """
    survey = next(iter(queries.surveys_with_answers(municipality)), None)
    if survey is not None and survey.status != "closed" and not reader.internal:
        return Evidence(survey, None, {})
    built = queries.build(survey, ALL) if survey is not None else None
    return Evidence(survey, built, queries.issue_figures(municipality))


def count_text(mark: stats.Mark, threshold: int) -> str:
    """Return a published count as printed: the number, "<threshold" for a small one, "hidden" for a cover."""
    if mark == stats.SMALL:
        return _("<%(min)s", min=threshold)
    if mark == stats.COVER:
        return _("hidden")
    return format_number(mark)


def share_text(value: Decimal | None, hidden: bool = True) -> str:
    """Return a share as printed, or the marker saying why there is none."""
    if value is not None:
        return format_share(value)
    return _("hidden") if hidden else _("no answers")


# --- shared pieces --------------------------------------------------------------------------------

def _name(obj) -> str:
    return localized(obj, "name") if obj is not None else NONE


def _money(amount: Decimal | None) -> str:
    return format_money(amount) if amount is not None else _("Not estimated yet")


def _money_row(label: str, money: budget.Money) -> tuple[str, ...]:
    return label, format_money(money.cost), format_money(money.secured), format_money(money.gap)


def _money_header(first: str) -> tuple[str, ...]:
    return first, _("Cost"), _("Secured"), _("Funding gap")


def _money_table(first: str, rows, total: budget.Money) -> Table:
    """Return a table of cost, secured and gap per row (label, Money), with the total."""
    return Table(_money_header(first), tuple(_money_row(label, money) for label, money in rows),
                 numeric=frozenset({1, 2, 3}), total=_money_row(_("Total"), total))


def _measures(plan: Plan) -> list[Measure]:
    """Return the plan's measures in issue order, with lead, partners and indicators loaded in a few queries."""
    order = {pi.id: pi.position for pi in plan.issues}
    found = db.session.scalars(db.select(Measure).filter_by(plan_id=plan.id).options(
        selectinload(Measure.lead), selectinload(Measure.partners), selectinload(Measure.indicators),
        selectinload(Measure.plan_issue).selectinload(PlanIssue.issue)))
    return sorted(found, key=lambda m: (order.get(m.plan_issue_id, 0), m.position, m.id))


def _summary(measures: list[Measure]) -> budget.Summary:
    return budget.summary((m.plan_issue_id, budget.start_year(m.start), m.cost, m.funded) for m in measures)


def _issue_label(plan_issue: PlanIssue) -> str:
    return f"{plan_issue.position}. {localized(plan_issue.issue, 'name')}"


def _period(plan: Plan) -> str:
    return f"{plan.first_year}–{plan.last_year}"


def _filename(plan: Plan, kind: str, lang: str) -> str:
    slug = "".join(c for c in plan.municipality.slug.lower() if c.isascii() and (c.isalnum() or c == "-"))
    return f"{slug or 'municipality'}-{kind}-v{plan.version}-{lang}"


def _council(plan: Plan) -> str | None:
    if not plan.council_decision_number:
        return None
    return _("Council decision %(number)s of %(date)s", number=plan.council_decision_number,
             date=format_day(plan.council_decision_date))


def _title_facts(plan: Plan) -> Facts:
    rows = [(_("Municipality"), _name(plan.municipality)), (_("Period"), _period(plan)),
            (_("Version"), str(plan.version)), (_("Status"), str(workflow.STATE_LABELS.get(plan.status, plan.status)))]
    council = _council(plan)
    if council:
        rows.append((_("Adoption"), council))
    return Facts(tuple(rows))


# --- the plan's sections ------------------------------------------------------------------------------

def _profile(m: Municipality) -> Section:
    rows = [(_("Region"), str(REGION_LABELS.get(m.region, m.region))),
            (_("Type"), str(KIND_LABELS.get(m.kind, m.kind))),
            (_("Population"), format_number(m.population) if m.population else NONE)]
    if localized(m, "district"):
        rows.insert(1, (_("District"), localized(m, "district")))
    rows.append((_("Villages and wards"), ", ".join(localized(a, "name") for a in m.areas) or NONE))
    return Section("profile", _("Municipality profile"), (Facts(tuple(rows)),))


def _roster(m: Municipality) -> list[WorkingGroupMember]:
    """Return the roster by organisation, then group role (chair, secretary, member), then name."""
    members = db.session.scalars(db.select(WorkingGroupMember).filter_by(municipality_id=m.id)
                                 .options(selectinload(WorkingGroupMember.organisation))).all()
    roles = {role: n for n, role in enumerate(GROUP_ROLES)}  # chair, secretary, member
    return sorted(members, key=lambda p: (p.organisation is None, _name(p.organisation),
                                          roles.get(p.group_role, len(roles)), p.name))


def _group(m: Municipality, reader: Reader) -> Section:
    counts = group_counts(m)
    total = sum(counts.values())
    if not total:
        return Section("group", _("Working group"), (Paragraph(_("The working group has no members yet.")),))
    women = counts.get("female", 0)
    balance = Facts(((_("Members"), format_number(total)), (_("Women"), format_number(women)),
                     (_("Men"), format_number(counts.get("male", 0))),
                     (str(GENDER_LABELS["unspecified"]), format_number(counts.get("unspecified", 0))),
                     (_("Share of women"), format_share(Decimal(women) / total))))
    roster = _roster(m)
    if reader.names:
        people = Table((_("Name"), _("Organisation"), _("Role in the group")), tuple(
            (p.name, _name(p.organisation), str(GROUP_ROLE_LABELS.get(p.group_role, p.group_role))) for p in roster))
        return Section("group", _("Working group"), (balance, people))
    per_org = Counter(_name(p.organisation) for p in roster)
    orgs = Table((_("Organisation"), _("Members")), tuple((org, format_number(n)) for org, n in per_org.items()),
                 numeric=frozenset({1}))
    return Section("group", _("Working group"), (
        balance, orgs, Paragraph(_("The members' names are shown only to the municipality's working group."),
                                 note=True)))


def _bars(items) -> tuple[Bar, ...]:
    """Return the bars of report's chart items (label, share, hidden)."""
    return tuple(Bar(label, share, share_text(share, hidden)) for label, share, hidden in items)


def _feelings(built: report.Report) -> list[tuple[str, Decimal | None, bool]]:
    """Return (question, share answering 4 or 5, hidden) for the feeling-safe and trust questions."""
    items = []
    for code in FEELINGS:
        table = built.table(code)
        if table is not None and table.serious:
            items.append((table.title, table.serious[0], table.totals[0] != 0))
    return items


def _survey(found: Evidence) -> Section:
    title = _("Survey results")
    if found.survey is None:
        return Section("survey", title, (Paragraph(_("No survey has answers yet.")),))
    survey = found.survey
    about = Paragraph(f"{localized(survey, 'title')} · {ROUND_LABELS.get(survey.round, survey.round)} · "
                      f"{STATUS_LABELS.get(survey.status, survey.status)}")
    if found.withheld:
        return Section("survey", title, (about, Paragraph(_("Results are published when the survey closes."))))
    built = found.report
    blocks: list[Block] = [about, Facts(((_("Respondents"), count_text(built.respondents, built.threshold)),))]
    if survey.status != "closed":
        blocks.append(Paragraph(_("The survey is still open: these are first results, seen only by the working "
                                  "group."), note=True))
    if built.issues:
        blocks.append(Chart("chart-issues", _("Issues ranked by residents"),
                            _("Share rating each issue serious (4 or 5 of 5), everyone, in rank order."),
                            _bars(built.chart())))
    feelings = _feelings(built)
    if feelings:
        caption = _("Share feeling safe or trusting the police (4 or 5 of 5)")
        blocks.append(Chart("chart-feelings", caption, caption, _bars(feelings)))
    blocks.append(Paragraph(_(
        "To protect respondents, a count below %(min)s (below %(sensitive)s for sensitive questions) is shown as "
        "“<%(min)s”, and a count that could reveal it is “hidden”; percentages made from them are not shown.",
        min=built.threshold, sensitive=built.threshold_sensitive), note=True))
    return Section("survey", title, tuple(blocks))


def _figure_rows(figures: queries.IssueFigures) -> tuple[tuple[str, str], ...]:
    return ((_("Respondents rating it serious (4 or 5 of 5)"), share_text(figures.concern)),
            (_("Respondents to whom it happened (last 12 months)"), share_text(figures.prevalence)))


def _issues(plan: Plan, figures: dict[str, queries.IssueFigures]) -> Section:
    blocks: list[Block] = []
    for pi in plan.issues:
        rows = ((_("Problem"), localized(pi, "problem") or _("Not written yet.")),
                (_("Objective"), localized(pi, "objective") or _("Not written yet.")))
        found = figures.get(pi.issue.code)
        blocks += [Heading(_issue_label(pi)), Facts(rows + (_figure_rows(found) if found else ()))]
        if found is None:
            blocks.append(Paragraph(_("%(issue)s: no survey figures yet.", issue=localized(pi.issue, "name")),
                                    note=True))
    return Section("issues", _("Priority issues"), tuple(blocks))


def _indicator_line(indicator) -> str:
    return _("%(name)s: from %(baseline)s to %(target)s %(unit)s", name=indicator.name,
             baseline=indicator.baseline or NONE, target=indicator.target, unit=indicator.unit)


def _measure_row(m: Measure) -> tuple[str, ...]:
    return (localized(m, "title"), _name(m.lead) if m.lead else _("Not chosen yet"),
            ", ".join(_name(o) for o in m.partners) or NONE, _("%(start)s to %(end)s", start=m.start, end=m.end),
            _money(m.cost), "\n".join(_indicator_line(i) for i in m.indicators) or NONE)


def measures_header() -> tuple[str, ...]:
    """Return the measures table's header in the current language."""
    return _("Measure"), _("Lead"), _("Partners"), _("Timeline"), _("Cost in som"), _("Indicators")


def _measures_section(measures: list[Measure]) -> Section:
    if not measures:
        return Section("measures", _("Measures"), (Paragraph(_("No measures yet.")),))
    return Section("measures", _("Measures"), (
        Table(measures_header(), tuple(_measure_row(m) for m in measures), numeric=frozenset({4})),))


def _unestimated(found: budget.Summary) -> list[Paragraph]:
    """Return the note on measures without a cost estimate (none when every measure has one)."""
    if not found.unestimated:
        return []
    return [Paragraph(ngettext("%(num)s measure has no cost estimate yet; it counts as 0.",
                               "%(num)s measures have no cost estimate yet; they count as 0.", found.unestimated),
                      note=True)]


def _budget(plan: Plan, measures: list[Measure]) -> Section:
    found = _summary(measures)
    labels = {pi.id: _issue_label(pi) for pi in plan.issues}
    blocks: list[Block] = [
        Facts(((_("Total cost"), format_money(found.total.cost)), (_("Secured"), format_money(found.total.secured)),
               (_("Funding gap"), format_money(found.total.gap)))),
        Paragraph(_("Secured funding is counted up to each measure's cost; the gap is the part of the cost that "
                    "is not secured yet."), note=True)]
    blocks += _unestimated(found)
    if measures:
        blocks += [Heading(_("By priority issue")),
                   _money_table(_("Priority issue"), ((labels.get(k, NONE), v) for k, v in found.by_issue.items()),
                                found.total),
                   Heading(_("By year of start")),
                   _money_table(_("Year"), ((str(k) if k else NONE, v) for k, v in found.by_year.items()),
                                found.total),
                   Heading(_("By measure")),
                   _money_table(_("Measure"), ((localized(m, "title"), budget.line(m.cost, m.funded))
                                               for m in measures), found.total)]
    return Section("budget", _("Budget"), tuple(blocks))


def _monitoring(measures: list[Measure]) -> Section:
    rows = tuple((i.name, localized(m, "title"), i.source or NONE, i.baseline or NONE, f"{i.target} {i.unit}")
                 for m in measures for i in m.indicators)
    table = (Table((_("Indicator"), _("Measure"), _("Data source"), _("Baseline"), _("Target")), rows)
             if rows else Paragraph(_("No indicators yet.")))
    return Section("monitoring", _("Monitoring"), (table, Paragraph(_(
        "The working group reviews the progress of every measure and its indicators each quarter, and reports "
        "to the local council once a year."))))


def _adoption(plan: Plan) -> Section:
    steps = tuple((format_day(e.at), str(workflow.STATE_LABELS.get(e.to_state, e.to_state)),
                   str(ROLE_LABELS[ADOPTION_STEPS[e.action]]))
                  for e in plan.events if e.action in ADOPTION_STEPS and not e.refused)
    blocks: list[Block] = []
    council = _council(plan)
    if council:
        blocks.append(Paragraph(council))
    if steps:
        blocks.append(Table((_("Date"), _("Step"), _("Step taken by")), steps))
    if not blocks:
        blocks.append(Paragraph(_("The plan has not been approved by the police or adopted by the council yet.")))
    return Section("adoption", _("Adoption"), tuple(blocks))


def plan_document(plan: Plan, lang: str, reader: Reader = PUBLIC) -> Document:
    """Return the plan document in lang.

    Title block, municipality profile, working group, survey results, priority issues, measures, budget,
    monitoring and adoption, in this order.
    """
    with force_locale(lang):
        found = evidence(plan.municipality, reader)
        measures = _measures(plan)
        sections = (_profile(plan.municipality), _group(plan.municipality, reader), _survey(found),
                    _issues(plan, found.figures), _measures_section(measures), _budget(plan, measures),
                    _monitoring(measures), _adoption(plan))
        return Document("plan", lang, _("Crime prevention plan"), localized(plan, "title"), _title_facts(plan),
                        sections, _filename(plan, "plan", lang))


# --- the funding brief --------------------------------------------------------------------------------

def _gap_row(m: Measure) -> tuple[str, ...]:
    money = budget.line(m.cost, m.funded)
    return (localized(m, "title"), localized(m.plan_issue.issue, "name"), format_money(money.cost),
            format_money(money.secured), format_money(money.gap), _name(m.lead) if m.lead else NONE)


def _needs(measures: list[Measure], needy: list[Measure]) -> Block:
    """Return the table of the measures with a funding gap, or why there is none."""
    if not measures:
        return Paragraph(_("No measures yet."))
    if not needy:
        return Paragraph(_("Every measure with a cost estimate is fully funded."))
    gap = budget.summary((None, None, m.cost, m.funded) for m in needy).total
    return Table((_("Measure"), _("Priority issue"), _("Cost"), _("Secured"), _("Funding gap"), _("Lead organisation")),
                 tuple(_gap_row(m) for m in needy), numeric=frozenset({2, 3, 4}),
                 total=(_("Total"), "", *_money_row("", gap)[1:], ""))


def funding_brief(plan: Plan, lang: str, reader: Reader = PUBLIC) -> Document:
    """Return the one-page funding brief in lang.

    The plan's cost, what is secured and the gap; the measures with a gap; why their priority issues matter
    (the published survey figures). It names organisations, never people.
    """
    with force_locale(lang):
        measures = _measures(plan)
        found = _summary(measures)
        needy = [m for m in measures if budget.line(m.cost, m.funded).gap > 0]
        facts = _title_facts(plan).rows + ((_("Total cost"), format_money(found.total.cost)),
                                           (_("Secured"), format_money(found.total.secured)),
                                           (_("Funding gap"), format_money(found.total.gap)))
        figures = evidence(plan.municipality, reader).figures
        issues = [pi for pi in plan.issues if any(m.plan_issue_id == pi.id for m in needy)]
        why = tuple(Paragraph(problem_statement(pi.issue, figures.get(pi.issue.code), lang)) for pi in issues)
        sections = (Section("needs", _("Measures that need funding"), (_needs(measures, needy), *_unestimated(found))),)
        if why:
            sections += (Section("why", _("Why it matters"), why),)
        return Document("brief", lang, _("Funding brief"), localized(plan, "title"), Facts(facts), sections,
                        _filename(plan, "funding-brief", lang))
