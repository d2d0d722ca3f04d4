"""Build a plan straight in the database for tests and benchmarks: issues, measures from the library, indicators.

Texts come from cpplan.plans.library (ky, ru, en, with Kyrgyz ң ө ү), so documents and pages can be checked
in every language. Call inside an app context; returns the plan's id.
"""
from __future__ import annotations

from datetime import date

from cpplan.config import LANGUAGES
from cpplan.demo import build_plan
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality, Organisation, WorkingGroupMember

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

    The demo's builder (cpplan.demo.build_plan): every second measure has half of its cost secured, every
    measure has the library's indicators, lead and partners.
    """
    municipality = db.session.get(Municipality, municipality_id)
    plan = build_plan(municipality, organisations(municipality), codes, measures, status=status,
                      first_year=first_year, council=council)
    db.session.commit()
    return plan.id
