"""The demo dataset: the places of the source report as municipalities, demo users and a working group."""
from __future__ import annotations

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
    # An open survey, so that the public form can be tried (and walked by the browser tests).
    surveys.open_survey(surveys.create_standard(home))
    db.session.commit()
    return {"municipalities": len(municipalities), "users": len(USERS),
            "population": sum(m.population for m in municipalities)}
