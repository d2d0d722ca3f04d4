"""Build a plan straight in the database for tests and benchmarks: issues, measures from the library, indicators.

Texts come from cpplan.plans.library (ky, ru, en, with Kyrgyz ң ө ү), so documents and pages can be checked
in every language. Call inside an app context; returns the plan's id.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from cpplan.config import LANGUAGES
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality, Organisation, WorkingGroupMember
from cpplan.plans import library
from cpplan.plans.models import Indicator, Measure, Plan, PlanIssue
from cpplan.priorities.models import DecisionItem, PriorityDecision
from cpplan.surveys.models import Issue

ISSUES = ("livestock_theft", "school_racketeering", "domestic_violence", "road_safety")
ORGANISATION_NAMES = {  # kind: (ky, ru, en)
    "local_government": ("Кызыл-Суу айыл өкмөтү", "Айыл окмоту Кызыл-Суу", "Kyzyl-Suu aiyl okmotu"),
    "police": ("Жети-Өгүз райондук милиция бөлүмү", "Джети-Огузский РОВД", "Jeti-Oguz district police"),
    "school": ("№1 орто мектеп", "Средняя школа №1", "Secondary school No. 1"),
    "womens_council": ("Аялдар кеңеши", "Женсовет", "Women's council"),
    "youth_committee": ("Жаштар комитети", "Молодёжный комитет", "Youth committee"),
    "ngo": ("«Коопсуз айыл» коомдук бирикмеси", "ОО «Безопасное село»", "NGO Safe Village"),
}


def organisations(municipality: Municipality) -> dict[str, Organisation]:
    """Return the municipality's organisations by kind, adding the usual ones that are missing."""
    found = {o.kind: o for o in db.session.scalars(db.select(Organisation).filter_by(municipality_id=municipality.id))}
    for kind, names in ORGANISATION_NAMES.items():
        if kind not in found:
            found[kind] = Organisation(municipality=municipality, kind=kind,
                                       **{f"name_{lang}": name for lang, name in zip(LANGUAGES, names)})
            db.session.add(found[kind])
    db.session.flush()
    return found


def working_group(municipality: Municipality) -> None:
    """Add a working group of seven (three women, police included)."""
    orgs = organisations(municipality)
    for name, kind, gender, role in (("Айгүл Токтосунова", "local_government", "female", "chair"),
                                     ("Бакыт Осмонов", "police", "male", "member"),
                                     ("Гүлнара Асанова", "womens_council", "female", "member"),
                                     ("Нурлан Жумабеков", "school", "male", "member"),
                                     ("Эрмек Сатыбалдиев", "youth_committee", "male", "member"),
                                     ("Жылдыз Касымова", "ngo", "female", "secretary"),
                                     ("Төлөн Абдыкеримов", "local_government", "male", "member")):
        db.session.add(WorkingGroupMember(municipality=municipality, name=name, organisation=orgs[kind],
                                          gender=gender, group_role=role))


def make_plan(municipality_id: int, *, measures: int = 4, status: str = "draft", codes=ISSUES,
              first_year: int = 2026, council: tuple[str, date] | None = None) -> int:
    """Add agreed priorities and a plan with `measures` library measures spread over the issues; return its id.

    Every second measure has part of its cost funded; every measure has the library's indicators, a lead and
    partners; the first measure of each issue has no funding at all.
    """
    municipality = db.session.get(Municipality, municipality_id)
    orgs = organisations(municipality)
    decision = PriorityDecision(municipality_id=municipality.id, decided_on=date(first_year, 3, 1))
    plan = Plan(municipality_id=municipality.id, first_year=first_year, last_year=first_year + 2, status=status,
                version=1,
                title_ky=f"Кылмыштуулуктун алдын алуу боюнча жергиликтүү план {first_year}–{first_year + 2}",
                title_ru=f"Местный план профилактики правонарушений {first_year}–{first_year + 2}",
                title_en=f"Local crime prevention plan {first_year}–{first_year + 2}")
    if council is not None:
        plan.council_decision_number, plan.council_decision_date = council
    plan_issues = []
    for position, code in enumerate(codes, start=1):
        issue = db.session.scalar(db.select(Issue).filter_by(code=code, municipality_id=None))
        decision.items.append(DecisionItem(issue_id=issue.id, position=position, ranked_position=position))
        plan_issue = PlanIssue(issue_id=issue.id, position=position, problem_ky="Малчылардын 43 % тынчсызданат.",
                               problem_ru="43 % жителей считают проблему серьёзной.",
                               problem_en="43 % of residents rate it serious.",
                               objective_ky="Уурулукту азайтуу", objective_ru="Снизить число краж",
                               objective_en="Fewer thefts")
        plan.issues.append(plan_issue)
        plan_issues.append((code, plan_issue))
    db.session.add(decision)
    db.session.add(plan)
    db.session.flush()
    plan.decision_id = decision.id
    for n in range(measures):
        code, plan_issue = plan_issues[n % len(plan_issues)]
        entries = library.for_issue(code) or library.LIBRARY
        entry = entries[(n // len(plan_issues)) % len(entries)]
        year = first_year + (n % 3)
        cost = Decimal(10_000 + 1_250 * n) + Decimal("0.50")
        measure = Measure(plan_issue=plan_issue, position=n, library_code=entry.code, start=f"{year}-03",
                          end=f"{year}-11", cost=cost,
                          funded=(cost / 2).quantize(Decimal("0.01")) if n % 2 else None,
                          lead=orgs.get(entry.lead, orgs["local_government"]),
                          partners=[orgs[k] for k in entry.partners if k in orgs],
                          indicators=[Indicator(position=i, name=ind.name[2], unit=ind.unit[2], baseline="0",
                                                target="80", source=ind.source[2])
                                      for i, ind in enumerate(entry.indicators)],
                          **{f"{name}_{lang}": getattr(entry, name)[k] for name in ("title", "description")
                             for k, lang in enumerate(LANGUAGES)})
        plan.measures.append(measure)
    db.session.commit()
    return plan.id
