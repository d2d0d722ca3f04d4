"""The national issue catalogue (code, names and one-line descriptions in ky/ru/en, sensitive flag)."""
from __future__ import annotations

from ..extensions import db
from .models import Issue

# code, sensitive, (name ky, ru, en), (description ky, ru, en)
CATALOGUE = [
    ("livestock_theft", False, ("Мал уурдоо", "Кража скота", "Livestock theft"),
     ("Уй, кой жана жылкы уурдоо, мал сатуудагы алдамчылык.",
      "Кража коров, овец и лошадей, мошенничество при продаже скота.",
      "Theft of cattle, sheep and horses; fraud in livestock sales.")),
    ("school_racketeering", False, ("Мектептеги рэкет", "Школьный рэкет", "School racketeering"),
     ("Окуучулардан акча же буюм талап кылуу жана коркутуу.",
      "Вымогательство денег и вещей у школьников, запугивание.",
      "Pupils forced to hand over money or belongings, and intimidation.")),
    ("domestic_violence", True, ("Үй-бүлөлүк жана гендердик зомбулук", "Домашнее и гендерное насилие",
                                 "Domestic and gender-based violence"),
     ("Үй-бүлөдөгү же жубайлар ортосундагы физикалык, психологиялык, экономикалык же сексуалдык зомбулук; кыз ала качуу.",
      "Физическое, психологическое, экономическое или сексуальное насилие в семье или паре; похищение невест.",
      "Physical, psychological, economic or sexual violence in the family or by a partner; bride kidnapping.")),
    ("road_safety", False, ("Жол коопсуздугу", "Безопасность дорожного движения", "Road safety"),
     ("Жол кырсыктары, ылдам айдоо, мектептердин жанындагы коопсуз эмес өтмөктөр.",
      "ДТП, превышение скорости, опасные переходы у школ.",
      "Road accidents, speeding, unsafe crossings near schools.")),
    ("youth_delinquency", False, ("Жаштардын укук бузуулары", "Подростковая преступность", "Youth delinquency"),
     ("Өспүрүмдөрдүн мушташы, бейбаштыгы жана майда укук бузуулары.",
      "Драки, хулиганство и мелкие правонарушения подростков.",
      "Fights, hooliganism and petty offences by young people.")),
    ("alcohol_drugs", False, ("Ичкилик жана баңгизат", "Алкоголь и наркотики", "Alcohol and drug abuse"),
     ("Ашыкча ичкилик ичүү, баңгизат колдонуу жана сатуу.",
      "Злоупотребление алкоголем, употребление и сбыт наркотиков.",
      "Heavy drinking, drug use and drug dealing.")),
    ("violent_extremism", True, ("Зордук-зомбулук экстремизми жана радикалдашуу",
                                 "Насильственный экстремизм и радикализация",
                                 "Violent extremism and radicalisation"),
     ("Адамдарды зордук-зомбулукка үндөгөн топторго тартуу.",
      "Вовлечение людей в группы, призывающие к насилию.",
      "Drawing people into groups that call for violence.")),
    ("theft_burglary", False, ("Уурулук жана үйгө кирип уурдоо", "Кражи, в том числе из домов", "Theft and burglary"),
     ("Үйлөрдөн, дүкөндөрдөн жана көчөдөн мүлк уурдоо.",
      "Кражи из домов, магазинов и на улице.",
      "Property stolen from homes, shops and in the street.")),
    ("fraud", False, ("Алдамчылык", "Мошенничество", "Fraud"),
     ("Телефон, интернет же насыя аркылуу алдоо.",
      "Обман по телефону, в интернете или с кредитами.",
      "Deception by phone, online or with loans.")),
    ("unsafe_spaces", False, ("Коопсуз эмес коомдук жайлар", "Небезопасные общественные места", "Unsafe public spaces"),
     ("Жарыгы жок көчөлөр, ташталган имараттар жана адамдар качкан жерлер.",
      "Неосвещённые улицы, заброшенные здания и места, которых люди избегают.",
      "Unlit streets, abandoned buildings and other places people avoid.")),
]


def seed() -> int:
    """Insert the national catalogue's missing issues; return how many were added."""
    have = set(db.session.scalars(db.select(Issue.code).where(Issue.municipality_id.is_(None))))
    added = 0
    for position, (code, sensitive, names, descriptions) in enumerate(CATALOGUE):
        if code in have:
            continue
        db.session.add(Issue(code=code, is_sensitive=sensitive, position=position,
                             name_ky=names[0], name_ru=names[1], name_en=names[2],
                             description_ky=descriptions[0], description_ru=descriptions[1],
                             description_en=descriptions[2]))
        added += 1
    return added


def issues_for(municipality_id: int) -> list[Issue]:
    """Return the national issues and the municipality's own, in catalogue order."""
    return db.session.scalars(
        db.select(Issue).where((Issue.municipality_id.is_(None)) | (Issue.municipality_id == municipality_id))
        .order_by(Issue.municipality_id.is_not(None), Issue.position, Issue.id)
    ).all()


OWN_PREFIX = "local_"
CODE_MAX = 40  # Issue.code's length; also a question name in the XLSForm, so [a-z0-9_] only
# Cyrillic letters of Kyrgyz and Russian in Latin letters (Kyrgyz ң, ө, ү included).
_LATIN = dict(zip("абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "ng", "o", "o",
                   "p", "r", "s", "t", "u", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu",
                   "ya"]))


def _slug(name: str) -> str:
    """Return name in lower-case Latin letters, digits and single underscores ('' when nothing is left)."""
    latin = "".join(_LATIN.get(ch, ch) for ch in name.strip().lower())
    words, word = [], []
    for ch in latin:
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return "_".join(words)


def own_code(municipality_id: int, names: tuple[str, str, str]) -> str:
    """Return a new stable code for a municipality's own issue: local_ + its English (or transliterated) name.

    names is (ky, ru, en); the code is unique among the municipality's issues and never changes afterwards.
    """
    ky, ru, en = names
    base = next((s for s in (_slug(en), _slug(ru), _slug(ky)) if s), "issue")
    base = (OWN_PREFIX + base)[:CODE_MAX].rstrip("_")
    taken = set(db.session.scalars(db.select(Issue.code).where(
        (Issue.municipality_id == municipality_id) | Issue.municipality_id.is_(None))))
    code, n = base, 2
    while code in taken:
        suffix = f"_{n}"
        code, n = base[:CODE_MAX - len(suffix)].rstrip("_") + suffix, n + 1
    return code


def add_own(municipality_id: int, names: tuple[str, str, str], descriptions: tuple[str, str, str],
            sensitive: bool) -> Issue:
    """Add an issue of the municipality's own after the others (the caller commits) and return it."""
    last = db.session.scalar(db.select(db.func.max(Issue.position)).where(Issue.municipality_id == municipality_id))
    issue = Issue(municipality_id=municipality_id, code=own_code(municipality_id, names), is_sensitive=sensitive,
                  position=(last if last is not None else len(CATALOGUE) - 1) + 1,
                  name_ky=names[0], name_ru=names[1], name_en=names[2],
                  description_ky=descriptions[0], description_ru=descriptions[1], description_en=descriptions[2])
    db.session.add(issue)
    return issue
