"""The demo dataset: the places of the source report as municipalities, demo users and a working group."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .accounts.models import User
from .extensions import db
from .municipalities.models import Area, Membership, Municipality, Organisation, WorkingGroupMember
from .surveys import services as surveys

# slug, (ky, ru, en), region, (district ky, ru, en), kind, population (demo), lat, lon
MUNICIPALITIES = [
    ("kyzyl-suu", ("Кызыл-Суу", "Кызыл-Суу", "Kyzyl-Suu"), "issyk_kul",
     ("Жети-Өгүз району", "Джети-Огузский район", "Jeti-Oguz district"), "aiyl_aimak", 24800, 42.34, 78.00),
    ("uch-korgon", ("Үч-Коргон", "Уч-Коргон", "Uch-Korgon"), "batken",
     ("Кадамжай району", "Кадамжайский район", "Kadamjay district"), "aiyl_aimak", 27300, 40.23, 71.71),
    ("kulundu", ("Кулунду", "Кулунду", "Kulundu"), "batken",
     ("Лейлек району", "Лейлекский район", "Leilek district"), "aiyl_aimak", 19600, 40.05, 69.68),
    ("nookat", ("Ноокат", "Ноокат", "Nookat"), "osh",
     ("Ноокат району", "Ноокатский район", "Nookat district"), "town", 31200, 40.27, 72.62),
    ("ala-buka", ("Ала-Бука", "Ала-Бука", "Ala-Buka"), "jalal_abad",
     ("Ала-Бука району", "Ала-Букинский район", "Ala-Buka district"), "aiyl_aimak", 23400, 41.40, 71.43),
    ("kerben", ("Кербен", "Кербен", "Kerben"), "jalal_abad",
     ("Аксы району", "Аксыйский район", "Aksy district"), "town", 28900, 41.50, 71.75),
    ("oktyabr", ("Октябрь", "Октябрьский", "Oktyabr"), "chui",
     ("Аламүдүн району", "Аламудунский район", "Alamüdün district"), "aiyl_aimak", 26100, 42.87, 74.59),
    ("osh", ("Ош", "Ош", "Osh"), "osh_city", ("", "", ""), "town", 29800, 40.53, 72.80),
    ("karakol", ("Каракол", "Каракол", "Karakol"), "issyk_kul", ("", "", ""), "town", 25700, 42.49, 78.39),
    ("batken", ("Баткен", "Баткен", "Batken"), "batken", ("", "", ""), "town", 22900, 40.06, 70.82),
    ("naryn", ("Нарын", "Нарын", "Naryn"), "naryn", ("", "", ""), "town", 24300, 41.43, 75.99),
    ("talas", ("Талас", "Талас", "Talas"), "talas", ("", "", ""), "town", 23600, 42.52, 72.24),
    ("tokmok", ("Токмок", "Токмок", "Tokmok"), "chui", ("", "", ""), "town", 26500, 42.84, 75.29),
    ("jalal-abad", ("Жалал-Абад", "Джалал-Абад", "Jalal-Abad"), "jalal_abad", ("", "", ""), "town", 25400, 40.93, 73.00),
]

# Invented areas: the centre plus an upper and a lower village or ward, a few km apart.
AREA_NAMES = [
    ("Борбор", "Центр", "Centre", 0.0, 0.0),
    ("Жогорку айыл", "Верхнее село", "Upper village", 0.03, 0.04),
    ("Төмөнкү айыл", "Нижнее село", "Lower village", -0.03, -0.04),
]
WARD_NAMES = [
    ("Борбордук участок", "Центральный участок", "Central ward", 0.0, 0.0),
    ("Түндүк участок", "Северный участок", "Northern ward", 0.02, 0.01),
    ("Түштүк участок", "Южный участок", "Southern ward", -0.02, -0.01),
]

ORGANISATIONS = [
    ("local_government", "Кызыл-Суу айыл өкмөтү", "Айыл окмоту Кызыл-Суу", "Kyzyl-Suu aiyl okmotu"),
    ("council", "Кызыл-Суу айылдык кеңеши", "Айылный кенеш Кызыл-Суу", "Kyzyl-Suu aiyl kenesh"),
    ("police", "Жети-Өгүз районунун ИИБ", "ОВД Джети-Огузского района", "Jeti-Oguz district police"),
    ("school", "№1 орто мектеп", "Средняя школа №1", "Secondary school No. 1"),
    ("womens_council", "Аялдар кеңеши", "Совет женщин", "Women's council"),
    ("youth_committee", "Жаштар комитети", "Молодёжный комитет", "Youth committee"),
    ("ngo", "«Коопсуз айыл» коомдук бирикмеси", "Общественное объединение «Безопасное село»", "Safe Village NGO"),
    ("health_centre", "Үй-бүлөлүк медицина борбору", "Центр семейной медицины", "Family medicine centre"),
]
# Invented people (demo): name, organisation index, position, gender, role in the group.
GROUP = [
    ("Айгүл Осмонова", 0, "Айыл өкмөтүнүн башчысынын орун басары", "female", "chair"),
    ("Бакыт Токтогулов", 2, "Участковый инспектор", "male", "member"),
    ("Гүлнара Асанова", 3, "Директордун тарбия иштери боюнча орун басары", "female", "secretary"),
    ("Жыпар Мамбетова", 4, "Аялдар кеңешинин төрайымы", "female", "member"),
    ("Эрлан Садыков", 5, "Жаштар лидери", "male", "member"),
    ("Нургүл Бекова", 6, "Фасилитатор", "female", "member"),
    ("Азамат Жумабаев", 1, "Айылдык кеңештин депутаты", "male", "member"),
]
# Where respondents can get help (ky, ru, en): the real national numbers, an invented local service.
REFERRAL = (
    "Милиция: 102\nТез жардам: 103\n(демо) Жергиликтүү кризистик борбор: акысыз жана купуя жардам",
    "Милиция: 102\nСкорая помощь: 103\n(демо) Местный кризисный центр: бесплатная и конфиденциальная помощь",
    "Police: 102\nAmbulance: 103\n(demo) Local crisis centre: free and confidential help",
)
# Demo accounts (ARCHITECTURE.md): e-mail, name, role in Kyzyl-Suu (None for the site admin).
USERS = [
    ("admin@example.org", "Demo Admin", None),
    ("coordinator@example.org", "Айгүл Осмонова", "coordinator"),
    ("facilitator@example.org", "Нургүл Бекова", "facilitator"),
    ("member@example.org", "Эрлан Садыков", "member"),
    ("police@example.org", "Бакыт Токтогулов", "police"),
]


def build(password: str) -> dict[str, int]:
    """Insert the demo dataset into an empty database; return what was created, counted."""
    municipalities = []
    for slug, names, region, districts, kind, population, lat, lon in MUNICIPALITIES:
        m = Municipality(slug=slug, name_ky=names[0], name_ru=names[1], name_en=names[2], region=region,
                         district_ky=districts[0], district_ru=districts[1], district_en=districts[2],
                         kind=kind, population=population, lat=lat, lon=lon, is_demo=True,
                         referral_ky=REFERRAL[0], referral_ru=REFERRAL[1], referral_en=REFERRAL[2])
        for ky, ru, en, dlat, dlon in (AREA_NAMES if kind == "aiyl_aimak" else WARD_NAMES):
            m.areas.append(Area(kind="village" if kind == "aiyl_aimak" else "ward",
                                name_ky=ky, name_ru=ru, name_en=en, lat=round(lat + dlat, 4), lon=round(lon + dlon, 4)))
        municipalities.append(m)
    db.session.add_all(municipalities)
    home = municipalities[0]
    orgs = [Organisation(kind=kind, name_ky=ky, name_ru=ru, name_en=en) for kind, ky, ru, en in ORGANISATIONS]
    home.organisations.extend(orgs)
    for name, org, position, gender, role in GROUP:
        home.group_members.append(WorkingGroupMember(name=name, organisation=orgs[org], position=position,
                                                     gender=gender, group_role=role))
    for email, name, role in USERS:
        user = User(email=email, display_name=name, locale="ky", is_admin=role is None)
        user.set_password(password)
        db.session.add(user)
        if role:
            db.session.add(Membership(user=user, municipality=home, role=role))
    db.session.flush()
    answered = build_survey_answers(municipalities)
    build_meeting(home)
    build_priority_ratings(home)
    plans = build_plans(municipalities)
    plans += build_history(municipalities)
    build_rates()
    db.session.commit()
    return {"municipalities": len(municipalities), "users": len(USERS),
            "population": sum(m.population for m in municipalities), "responses": answered, "plans": plans}


# Invented survey answers (demo): which issues worry residents most, per region (mean seriousness 1-5),
# after the source report: livestock theft in rural Issyk-Kul, school racketeering in Batken, youth in
# Jalal-Abad, GBV in Nookat/Osh. Every other issue is rated around 2.5.
CONCERNS = {
    "issyk_kul": {"livestock_theft": 4.5, "alcohol_drugs": 3.5, "road_safety": 3.0},
    "batken": {"school_racketeering": 4.3, "youth_delinquency": 3.8, "violent_extremism": 3.0},
    "jalal_abad": {"youth_delinquency": 4.2, "alcohol_drugs": 3.4, "school_racketeering": 3.2},
    "osh": {"domestic_violence": 4.0, "violent_extremism": 3.4, "fraud": 3.0},
    "osh_city": {"domestic_violence": 3.8, "theft_burglary": 3.6, "road_safety": 3.5},
    "chui": {"theft_burglary": 3.9, "road_safety": 3.8, "fraud": 3.3},
    "naryn": {"livestock_theft": 4.0, "alcohol_drugs": 3.8},
    "talas": {"livestock_theft": 3.8, "domestic_violence": 3.2},
}
# What happened in the last 12 months, by what residents fear: the chance per respondent.
VICTIM_OF = {"livestock_theft": "livestock_theft", "theft_burglary": "theft_burglary", "fraud": "fraud",
             "domestic_violence": "domestic_violence", "school_racketeering": "extortion",
             "road_safety": "road_accident", "youth_delinquency": "assault"}
SAFER = ["Көчөлөргө жарык орнотуу керек.", "Больше патрулей по вечерам.", "Мектептин жанына светофор.",
         "Жаштар үчүн спорт аянтчасы.", "Участковый должен чаще бывать в селе."]
SEED = 2016


def _answers(rng, region: str, areas: list[str], issues: list[str]) -> dict:
    """Return one invented respondent's answers."""
    concern = CONCERNS.get(region, {})
    ratings = {code: max(1, min(5, round(rng.gauss(concern.get(code, 2.5), 1.0)))) for code in issues
               if rng.random() < 0.9}
    happened = sorted({option for issue, option in VICTIM_OF.items()
                       if rng.random() < 0.04 + 0.05 * (concern.get(issue, 2.5) - 2.5)})
    answers = {"consent": "yes", "safe_day": rng.choice((3, 4, 4, 5, 5)), "safe_night": rng.choice((1, 2, 3, 3, 4)),
               "issue_seriousness": ratings, "victimisation": happened or ["none"],
               "trust_police": rng.choice((1, 2, 3, 3, 4, 5)), "trust_inspector": rng.choice((2, 3, 3, 4, 4, 5))}
    if rng.random() < 0.97:
        answers["gender"] = "female" if rng.random() < 0.53 else "male"
    if rng.random() < 0.95:
        answers["age_band"] = rng.choices(("14_17", "18_29", "30_44", "45_59", "60_plus"), (8, 27, 30, 22, 13))[0]
    answers["area"] = rng.choice(areas)
    if rng.random() < 0.5:
        answers["unsafe_area"] = rng.choice(areas)
    if rng.random() < 0.15:
        answers["safer"] = rng.choice(SAFER)
    return answers


def build_survey_answers(municipalities: list[Municipality]) -> int:
    """Give every municipality a baseline survey with 150-350 invented responses; return how many.

    Kyzyl-Suu's survey stays open (for trying the public form); the others are closed.
    """
    import random
    import uuid
    from collections import Counter
    from datetime import timedelta

    from sqlalchemy import insert

    from .accounts.models import utcnow
    from .surveys import catalogue, tally
    from .surveys.models import Answer, Response
    from .surveys.validation import fingerprint, rows

    rng = random.Random(SEED)
    issues = [i.code for i in catalogue.issues_for(municipalities[0].id)]
    now, total = utcnow(), 0
    for index, m in enumerate(municipalities):
        survey = surveys.create_standard(m)
        surveys.open_survey(survey)
        db.session.flush()
        kinds = {q.code: q.kind for q in survey.current_questions()}
        areas = [str(a.id) for a in m.areas]
        batch = []
        for _ in range(rng.randint(150, 350)):
            answers = _answers(rng, m.region, areas, issues)
            assert surveys.check(survey, answers).ok, answers  # the demo follows the questionnaire's rules
            batch.append((answers, {"survey_id": survey.id, "version": survey.version,
                                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                    "payload_sha256": fingerprint(answers),
                                    "channel": rng.choices(("web", "offline", "paper"), (55, 30, 15))[0],
                                    "received_dt": now - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 1440))}))
        ids = db.session.scalars(insert(Response).returning(Response.id, sort_by_parameter_order=True),
                                 [response for _answers, response in batch]).all()
        db.session.execute(insert(Answer), [
            {"response_id": rid, "survey_id": survey.id, "question_code": code, "item": item, "number": number,
             "text": text}
            for rid, (answers, _response) in zip(ids, batch) for code, item, number, text in rows(answers, kinds)])
        tally.add(survey.id, sum((tally.contributions(rows(answers, kinds), kinds) for answers, _r in batch), Counter()))
        if index:
            surveys.close_survey(survey)
        total += len(batch)
    return total


# The Kyzyl-Suu working group's (invented) view of its issues: severity, capacity to act, impact on
# vulnerable groups (1-5), and police-recorded cases last year and this year (None: not available).
PRIORITY_RATINGS = {
    "livestock_theft": (4, 4, 3, 38, 46),
    "alcohol_drugs": (3, 3, 4, 21, 19),
    "road_safety": (4, 3, 3, 12, 15),
    "domestic_violence": (4, 2, 4, 9, 10),
    "school_racketeering": (3, 4, 4, None, None),
    "youth_delinquency": (2, 4, 3, 17, 16),
}
PRIORITY_WEIGHTS = {"concern": 3, "prevalence": 2, "severity": 2, "trend": 2, "capacity": 1, "impact": 2,
                    "support": 3}


def build_priority_ratings(home: Municipality) -> None:
    """Give Kyzyl-Suu scoring weights and the working group's ratings; no decision yet (the guide asks for it)."""
    from .priorities.models import IssueAssessment, ScoringWeights
    from .surveys import catalogue

    db.session.add(ScoringWeights(municipality_id=home.id, **PRIORITY_WEIGHTS))
    by_code = {issue.code: issue for issue in catalogue.issues_for(home.id)}
    for code, (severity, capacity, impact, previous, current) in PRIORITY_RATINGS.items():
        db.session.add(IssueAssessment(municipality_id=home.id, issue_id=by_code[code].id, severity=severity,
                                       capacity=capacity, impact=impact, police_previous=previous,
                                       police_current=current))


# Kyzyl-Suu's community meeting (invented, demo): who came, by gender and age band, and how the
# participants spread their 3 dots; the issues they favour follow the demo survey's concerns.
MEETING_ATTENDANCE = {"female": (4, 9, 12, 8, 5), "male": (3, 7, 10, 6, 6)}
MEETING_MINUTES = (
    "(Демо) Коомдук жыйын сурамжылоонун жыйынтыктарын талкуулады. Катышуучулар мал уурдоону жана жол "
    "коопсуздугун эң орчундуу маселелер деп белгилешти.\n"
    "(Демо) Собрание обсудило результаты опроса. Участники назвали кражу скота и безопасность на дорогах "
    "главными проблемами."
)
MEETING_FAVOURITES = {"livestock_theft": 6, "road_safety": 4, "alcohol_drugs": 3, "domestic_violence": 2,
                      "school_racketeering": 2, "youth_delinquency": 1}
MEETING_BALLOTS = 31
MEETING_HANDS = {"livestock_theft": 12, "road_safety": 7, "alcohol_drugs": 5, "domestic_violence": 4,
                 "school_racketeering": 3}


def build_meeting(home: Municipality) -> None:
    """Give Kyzyl-Suu a past community meeting with a closed dot-vote (ballots and show of hands)."""
    import random
    from datetime import datetime, time, timedelta

    from .accounts.models import utcnow
    from .priorities import voting
    from .priorities.meetings import AGE_BANDS, Attendance, Meeting
    from .surveys import catalogue

    rng = random.Random(SEED + 4)
    held_on = utcnow().date() - timedelta(days=10)
    meeting = Meeting(municipality_id=home.id, held_on=held_on, place="(демо) Кызыл-Суу айылдык клубу",
                      facilitator="Нургүл Бекова", minutes=MEETING_MINUTES)
    meeting.attendance = [Attendance(gender=gender, age_band=band, count=n)
                          for gender, counts in MEETING_ATTENDANCE.items() for band, n in zip(AGE_BANDS, counts)]
    db.session.add(meeting)
    issues = catalogue.issues_for(home.id)
    vote = voting.open_vote(meeting, 3, issues)
    codes = [issue.code for issue in issues]
    weights = [MEETING_FAVOURITES.get(code, 0.5) for code in codes]
    for _ in range(MEETING_BALLOTS):
        dots: dict[str, int] = {}
        for code in rng.choices(codes, weights, k=3):
            dots[code] = dots.get(code, 0) + 1
        voting.cast_ballot(vote, voting.new_token(), dots)
    voting.record_hands(vote, MEETING_HANDS)
    voting.close_vote(vote)
    vote.opened_dt = datetime.combine(held_on, time(11, 30))
    vote.closed_dt = datetime.combine(held_on, time(12, 15))


# Adopted plans of three other municipalities (invented, demo), so that public plan pages, documents and the
# funding brief can be tried: slug, agreed issues in order, measures (no library measure twice), council decision
# (number, days ago).
DEMO_PLANS = [
    ("uch-korgon", ("school_racketeering", "youth_delinquency", "domestic_violence"), 6, ("14/3", 60)),
    ("karakol", ("livestock_theft", "road_safety", "unsafe_spaces"), 4, ("27/5", 120)),
    ("nookat", ("domestic_violence", "youth_delinquency", "school_racketeering"), 6, ("8/2", 30)),
]
# Organisations every demo plan names (ky, ru, en), {0} being the municipality's name in that language.
PLAN_ORGANISATIONS = {
    "local_government": ("{0} айыл өкмөтү", "Айыл окмоту {0}", "{0} aiyl okmotu"),
    "police": ("{0} милиция бөлүмү", "Отделение милиции {0}", "{0} police department"),
    "school": ("{0} №1 орто мектеби", "Средняя школа №1 {0}", "{0} secondary school No. 1"),
    "womens_council": ("{0} аялдар кеңеши", "Совет женщин {0}", "{0} women's council"),
    "youth_committee": ("{0} жаштар комитети", "Молодёжный комитет {0}", "{0} youth committee"),
    "ngo": ("«Коопсуз коом» коомдук бирикмеси", "ОО «Безопасное общество»", "Safe Community NGO"),
    "health_centre": ("{0} үй-бүлөлүк медицина борбору", "ЦСМ {0}", "{0} family medicine centre"),
}

# The working group of each demo plan (invented people): name, organisation kind, gender, role in the group.
PLAN_GROUP = [
    ("Чолпон Абдыраева", "local_government", "female", "chair"),
    ("Улан Маматов", "police", "male", "member"),
    ("Динара Юсупова", "school", "female", "secretary"),
    ("Мээрим Токтосунова", "womens_council", "female", "member"),
    ("Бектур Асылбеков", "youth_committee", "male", "member"),
    ("Таалай Курманов", "ngo", "male", "member"),
]


def plan_organisations(m: Municipality) -> dict:
    """Return the municipality's organisations by kind, adding those of PLAN_ORGANISATIONS it lacks."""
    found = {o.kind: o for o in m.organisations}
    for kind, names in PLAN_ORGANISATIONS.items():
        if kind not in found:
            found[kind] = Organisation(kind=kind, **{f"name_{lang}": name.format(getattr(m, f"name_{lang}"))
                                                     for lang, name in zip(("ky", "ru", "en"), names)})
            m.organisations.append(found[kind])
    return found


def build_plan(m: Municipality, orgs: dict, codes, measures: int, *, status: str = "draft", first_year: int,
               council=None):
    """Add agreed priorities and a plan with `measures` library measures spread over the issues; return the plan.

    Each measure takes the library's texts in ky/ru/en, lead, partners and indicators (target 80); every second
    one has half of its cost secured; council is (number, date) or None.
    """
    from .plans import library
    from .plans.models import Indicator, Measure, Plan, PlanIssue
    from .priorities.models import DecisionItem, PriorityDecision
    from .surveys import catalogue

    by_code = {issue.code: issue for issue in catalogue.issues_for(m.id)}
    decision = PriorityDecision(municipality_id=m.id, decided_on=date(first_year, 3, 1))
    plan = Plan(municipality_id=m.id, first_year=first_year, last_year=first_year + 2, status=status, version=1,
                title_ky=f"Кылмыштуулуктун алдын алуу боюнча жергиликтүү план {first_year}–{first_year + 2}",
                title_ru=f"Местный план профилактики правонарушений {first_year}–{first_year + 2}",
                title_en=f"Local crime prevention plan {first_year}–{first_year + 2}")
    if council is not None:
        plan.council_decision_number, plan.council_decision_date = council
    for position, code in enumerate(codes, start=1):
        decision.items.append(DecisionItem(issue_id=by_code[code].id, position=position, ranked_position=position))
        plan.issues.append(PlanIssue(
            issue_id=by_code[code].id, position=position,
            problem_ky="(Демо) Тургундардын 43 % бул көйгөйдү олуттуу деп эсептешет.",
            problem_ru="(Демо) 43 % жителей считают проблему серьёзной.",
            problem_en="(Demo) 43 % of residents rate it serious.",
            objective_ky="(Демо) Окуяларды үч жылда эки эсе азайтуу.",
            objective_ru="(Демо) Вдвое сократить число случаев за три года.",
            objective_en="(Demo) Halve the number of cases in three years."))
    db.session.add_all((decision, plan))
    db.session.flush()
    plan.decision_id = decision.id
    for n in range(measures):
        plan_issue = plan.issues[n % len(plan.issues)]
        entries = library.for_issue(codes[n % len(codes)]) or library.LIBRARY
        entry = entries[(n // len(codes)) % len(entries)]
        year, cost = first_year + n % 3, Decimal(10_000 + 1_250 * n) + Decimal("0.50")
        plan.measures.append(Measure(
            plan_issue=plan_issue, position=n, library_code=entry.code, start=f"{year}-03", end=f"{year}-11",
            cost=cost, funded=(cost / 2).quantize(Decimal("0.01")) if n % 2 else None,
            lead=orgs.get(entry.lead, orgs["local_government"]),
            partners=[orgs[k] for k in entry.partners if k in orgs],
            indicators=[Indicator(position=i, name=ind.name[0], unit=ind.unit[0], baseline="0", target="80",
                                  source=ind.source[0]) for i, ind in enumerate(entry.indicators)],
            **{f"{name}_{lang}": getattr(entry, name)[k] for name in ("title", "description")
               for k, lang in enumerate(("ky", "ru", "en"))}))
    return plan


def _place(plan, m: Municipality) -> None:
    """Put each measure of a non-sensitive issue in one of the municipality's villages or wards, in turn."""
    for n, measure in enumerate(plan.measures):
        if not measure.plan_issue.issue.is_sensitive and m.areas:
            measure.area = m.areas[n % len(m.areas)]


def build_plans(municipalities: list[Municipality]) -> int:
    """Give the DEMO_PLANS municipalities an adopted plan, with its review and adoption in the audit log."""
    from datetime import timedelta

    from .accounts.models import utcnow

    by_slug = {m.slug: m for m in municipalities}
    today = utcnow()
    for slug, codes, measures, (number, days) in DEMO_PLANS:
        m = by_slug[slug]
        adopted = today - timedelta(days=days)
        orgs = plan_organisations(m)
        m.group_members.extend(WorkingGroupMember(name=name, organisation=orgs[kind], gender=gender, group_role=role)
                               for name, kind, gender, role in PLAN_GROUP)
        plan = build_plan(m, orgs, codes, measures, status="adopted", first_year=adopted.year,
                          council=(number, adopted.date()))
        db.session.flush()
        _place(plan, m)
        build_budget(plan, number, adopted.date(), today.date())
        _adoption_events(plan, adopted)
    return len(DEMO_PLANS)


def _adoption_events(plan, adopted, later=()) -> None:
    """Write the plan's way to adoption into its audit log (days before `adopted`), then the `later` steps."""
    from datetime import timedelta

    from .plans.models import PlanEvent

    steps = (("start", "", "draft", 50), ("submit", "draft", "submitted", 20),
             ("start_review", "submitted", "in_review", 15), ("approve", "in_review", "approved", 10),
             ("adopt", "approved", "adopted", 0))
    for action, before, after, back in steps:
        plan.events.append(PlanEvent(action=action, from_state=before, to_state=after,
                                     at=adopted - timedelta(days=back)))
    for action, before, after, at in later:
        plan.events.append(PlanEvent(action=action, from_state=before, to_state=after, at=at))


# The first planning round of the source report (UNODC, 2016), invented in its details: the municipalities without
# a current demo plan (but Kyzyl-Suu, whose cycle the demo walks through, and Talas, kept without a plan for
# tests and benchmarks that add one) carried out a 2016–2018 plan, now completed. Their councils allocated money from the local
# budget in 2016 ("over 165,000 USD" in the source): measure costs are som per inhabitant, the first and third
# measures fully funded locally, the second 60 % locally and 40 % by a donor, the fourth left unfunded. Domestic
# violence (GBV) is a priority in two of these plans and in two current ones: four municipalities, as reported.
HISTORY_YEAR = 2016
HISTORY_PLANS = [
    ("kulundu", ("youth_delinquency", "road_safety", "livestock_theft")),
    ("ala-buka", ("youth_delinquency", "domestic_violence", "livestock_theft")),
    ("kerben", ("youth_delinquency", "school_racketeering", "domestic_violence")),
    ("oktyabr", ("theft_burglary", "youth_delinquency", "road_safety")),
    ("osh", ("school_racketeering", "alcohol_drugs", "road_safety")),
    ("batken", ("school_racketeering", "youth_delinquency", "violent_extremism")),
    ("naryn", ("livestock_theft", "alcohol_drugs", "road_safety")),
    ("tokmok", ("theft_burglary", "road_safety", "youth_delinquency")),
    ("jalal-abad", ("road_safety", "school_racketeering", "unsafe_spaces")),
]
HISTORY_COST_PER_INHABITANT = (26, 20, 18, 10)  # som, measures 1–4
HISTORY_LOCAL_SHARE = (Decimal(1), Decimal("0.6"), Decimal(1), Decimal(0))
HISTORY_RATE = Decimal("69.9100")  # som per US dollar in 2016 (demo, near the year's average)
HISTORY_DONOR = "(демо) OSCE"


def build_history(municipalities: list[Municipality]) -> int:
    """Give the HISTORY_PLANS municipalities a completed 2016–2018 plan with its 2016 money; return how many."""
    from datetime import datetime, timezone

    from .budget.models import Allocation, Expenditure

    by_slug = {m.slug: m for m in municipalities}
    year = HISTORY_YEAR
    adopted = datetime(year, 3, 25, 10, 0, tzinfo=timezone.utc)
    for number, (slug, codes) in enumerate(HISTORY_PLANS, start=1):
        m = by_slug[slug]
        plan = build_plan(m, plan_organisations(m), codes, len(HISTORY_COST_PER_INHABITANT), status="completed",
                          first_year=year, council=(f"{number}/1", adopted.date()))
        db.session.flush()
        _place(plan, m)
        for n, measure in enumerate(plan.measures):
            measure.start, measure.end, measure.funded = f"{year}-04", f"{year}-12", None
            measure.cost = Decimal(m.population * HISTORY_COST_PER_INHABITANT[n]) + Decimal("0.00")
            local = (measure.cost * HISTORY_LOCAL_SHARE[n]).quantize(CENT)
            if not local:
                continue
            measure.status = "done"
            db.session.add(Allocation(measure_id=measure.id, source="local_budget", year=year, amount=local,
                                      decision_ref=f"(демо) {number}/1", decided_on=adopted.date()))
            if local < measure.cost:
                db.session.add(Allocation(measure_id=measure.id, source="donor", donor_name=HISTORY_DONOR, year=year,
                                          amount=measure.cost - local))
            db.session.add(Expenditure(measure_id=measure.id, spent_on=date(year, 10, 20),
                                       amount=(measure.cost * Decimal("0.95")).quantize(CENT),
                                       purpose="(демо) Иш-чаралар жана жабдуулар / мероприятия и оборудование",
                                       document_ref=f"(демо) {number}-{n + 1}"))
        end = datetime(year + 2, 12, 20, tzinfo=timezone.utc)
        _adoption_events(plan, adopted, (("start_implementation", "adopted", "in_implementation", adopted),
                                         ("complete", "in_implementation", "completed", end)))
    return len(HISTORY_PLANS)


# Invented money for the demo plans: som per US dollar by year, a donor, and what the lines are for.
DEMO_RATES = {2025: Decimal("87.3500"), 2026: Decimal("87.4500"), 2027: Decimal("87.6000"), 2028: Decimal("88.0000")}
DEMO_DONOR = "(демо) UNODC"
CENT = Decimal("0.01")


def build_budget(plan, decision: str, adopted_on, today) -> None:
    """Give an adopted demo plan's measures money: 60 % from the local budget, a donor's 30 % on every second
    measure, every third measure nothing (a gap to fund); half of the local money spent where the year began."""
    from .budget.models import Allocation, Expenditure

    for n, measure in enumerate(plan.measures):
        if n % 3 == 2 or measure.cost is None:
            continue
        year = int(measure.start[:4])
        local = (measure.cost * Decimal("0.6")).quantize(CENT)
        db.session.add(Allocation(measure_id=measure.id, source="local_budget", year=year, amount=local,
                                  decision_ref=f"(демо) {decision}", decided_on=adopted_on))
        if n % 2:
            db.session.add(Allocation(measure_id=measure.id, source="donor", donor_name=DEMO_DONOR, year=year,
                                      amount=(measure.cost * Decimal("0.3")).quantize(CENT)))
        spent_on = date(year, 4, 15)
        if spent_on <= today:
            db.session.add(Expenditure(measure_id=measure.id, spent_on=spent_on, amount=(local / 2).quantize(CENT),
                                       purpose="(демо) Материалдар жана иш-чаранын чыгымдары / материалы и расходы",
                                       document_ref=f"(демо) №{n + 1}"))


def build_rates() -> None:
    """Set the demo's exchange rates (som per US dollar) for the plans' years."""
    from .budget.models import ExchangeRate

    db.session.add_all(ExchangeRate(year=year, kgs_per_usd=rate)
                       for year, rate in {HISTORY_YEAR: HISTORY_RATE, **DEMO_RATES}.items())
