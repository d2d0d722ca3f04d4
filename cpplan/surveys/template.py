"""The standard community safety survey: its questions as data, and a builder for a new draft."""
from __future__ import annotations

import secrets

from ..municipalities.models import Municipality
from .models import Option, Question, Survey

TITLE = ("Коомчулуктун коопсуздугу боюнча сурамжылоо", "Опрос о безопасности в сообществе",
         "Community safety survey")

SCALE_HELP = ("1 — такыр эмес, 5 — толугу менен", "1 — совсем нет, 5 — полностью", "1 — not at all, 5 — completely")

# page, code, kind, (text ky, ru, en), (help ky, ru, en) or None, sensitive, options [(code, (ky, ru, en))],
# show-if (code, option) or None
QUESTIONS = [
    (1, "consent", "single",
     ("Коопсуздук боюнча бир нече суроого жооп бересизби?", "Согласны ли вы ответить на несколько вопросов о безопасности?",
      "Will you answer a few questions about safety?"),
     ("Жоопторуңуз жашыруун: аты-жөнүңүз жазылбайт. Каалаган суроону өткөрүп жибере аласыз.",
      "Ответы анонимны: имя не записывается. Любой вопрос можно пропустить.",
      "Your answers are anonymous: no name is recorded. You may skip any question."),
     False, [("yes", ("Ооба, макулмун", "Да, согласен(на)", "Yes, I agree")), ("no", ("Жок", "Нет", "No"))], None),
    (2, "gender", "single", ("Жынысыңыз", "Ваш пол", "Your gender"), None, False,
     [("female", ("Аял", "Женщина", "Woman")), ("male", ("Эркек", "Мужчина", "Man"))], None),
    (2, "age_band", "single", ("Жашыңыз", "Ваш возраст", "Your age"), None, False,
     [("14_17", ("14–17", "14–17", "14–17")), ("18_29", ("18–29", "18–29", "18–29")),
      ("30_44", ("30–44", "30–44", "30–44")), ("45_59", ("45–59", "45–59", "45–59")),
      ("60_plus", ("60 жана андан улуу", "60 и старше", "60 or older"))], None),
    (2, "area", "area", ("Кайсы айылда же кичи райондо жашайсыз?", "В каком селе или микрорайоне вы живёте?",
                         "Which village or ward do you live in?"), None, False, [], None),
    (3, "safe_day", "scale", ("Күндүз өз айылыңызда канчалык коопсуз сезесиз?",
                              "Насколько безопасно вы чувствуете себя днём там, где живёте?",
                              "How safe do you feel where you live during the day?"), SCALE_HELP, False, [], None),
    (3, "safe_night", "scale", ("Түнкүсүн өз айылыңызда канчалык коопсуз сезесиз?",
                                "Насколько безопасно вы чувствуете себя ночью там, где живёте?",
                                "How safe do you feel where you live at night?"), SCALE_HELP, False, [], None),
    (4, "issue_seriousness", "issue_rating",
     ("Бул көйгөйлөр сиз жашаган жерде канчалык олуттуу?", "Насколько серьёзны эти проблемы там, где вы живёте?",
      "How serious are these problems where you live?"),
     ("1 — такыр олуттуу эмес, 5 — абдан олуттуу", "1 — совсем не серьёзна, 5 — очень серьёзна",
      "1 — not serious at all, 5 — very serious"), False, [], None),
    (5, "victimisation", "multiple",
     ("Акыркы 12 айда сизге же үй-бүлөңүзгө булардын бири болдубу?",
      "Случалось ли что-то из этого с вами или вашей семьёй за последние 12 месяцев?",
      "In the last 12 months, did any of these happen to you or your household?"),
     ("Бул жооптор эч качан өзүнчө көрсөтүлбөйт, жалпы сандар гана жарыяланат.",
      "Эти ответы никогда не показываются по отдельности, публикуются только общие числа.",
      "These answers are never shown one by one; only totals are published."), True,
     [("livestock_theft", ("Мал уурдалды", "Украли скот", "Livestock stolen")),
      ("theft_burglary", ("Мүлк уурдалды", "Украли имущество", "Property stolen")),
      ("fraud", ("Алданып калдык", "Стали жертвой мошенников", "Cheated by fraud")),
      ("assault", ("Кол салуу же коркутуу", "Нападение или угрозы", "Assault or threats")),
      ("domestic_violence", ("Үй-бүлөдөгү зомбулук", "Насилие в семье", "Violence in the family")),
      ("extortion", ("Акча опузалап алуу (рэкет)", "Вымогательство (рэкет)", "Extortion (racketeering)")),
      ("road_accident", ("Жол кырсыгы", "ДТП", "Road accident")),
      ("none", ("Булардын бири да болгон жок", "Ничего из этого", "None of these"))], None),
    (6, "unsafe_area", "area", ("Кайсы жерде өзүңүздү коопсуз эмес сезесиз?", "Где вы чувствуете себя в опасности?",
                                "Where do you feel unsafe?"), None, False, [], None),
    (6, "unsafe_point", "location",
     ("Ал жерди картадан белгилей аласыз (милдеттүү эмес)", "Можете отметить это место на карте (необязательно)",
      "You may mark the place on the map (optional)"),
     ("Чекит эч качан жарыяланбайт: жыйынтыктарда айыл гана көрсөтүлөт.",
      "Точка никогда не публикуется: в результатах указывается только село.",
      "The point is never published: results show only the village."), False, [], None),
    (7, "trust_police", "scale", ("Милицияга канчалык ишенесиз?", "Насколько вы доверяете милиции?",
                                  "How much do you trust the police?"), SCALE_HELP, False, [], None),
    (7, "trust_inspector", "scale", ("Участкалык инспекторуңузга канчалык ишенесиз?",
                                     "Насколько вы доверяете своему участковому инспектору?",
                                     "How much do you trust your neighbourhood police inspector?"),
     SCALE_HELP, False, [], None),
    (8, "safer", "text", ("Өзүңүздү коопсуз сезишиңиз үчүн эмне жардам берет?",
                          "Что помогло бы вам чувствовать себя в безопасности?",
                          "What would make you feel safer?"),
     ("Аты-жөндөрдү жана телефон номерлерин жазбаңыз.", "Не пишите имена и номера телефонов.",
      "Please do not write names or phone numbers."), False, [], None),
]


def new_token() -> str:
    """Return a short, unguessable token for the survey's public link."""
    return secrets.token_urlsafe(6)


def build(municipality: Municipality, round_: str = "baseline") -> Survey:
    """Return a new draft survey of the municipality with the standard questions (not yet added)."""
    survey = Survey(municipality=municipality, round=round_, status="draft", version=1, token=new_token(),
                    title_ky=TITLE[0], title_ru=TITLE[1], title_en=TITLE[2])
    for position, (page, code, kind, text, help_, sensitive, options, show_if) in enumerate(QUESTIONS):
        help_ = help_ or ("", "", "")
        question = Question(version=1, position=position, page=page, code=code, kind=kind, is_sensitive=sensitive,
                            text_ky=text[0], text_ru=text[1], text_en=text[2],
                            help_ky=help_[0], help_ru=help_[1], help_en=help_[2],
                            show_if_code=show_if[0] if show_if else None,
                            show_if_option=show_if[1] if show_if else None)
        question.options = [Option(position=i, code=c, label_ky=labels[0], label_ru=labels[1], label_en=labels[2])
                            for i, (c, labels) in enumerate(options)]
        survey.questions.append(question)
    return survey
