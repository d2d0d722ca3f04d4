"""The measures library: good-practice measures per catalogue issue, in ky/ru/en, that pre-fill a plan's measure.

Pure data and two look-ups (no Flask, no database). Issue codes are those of cpplan.surveys.catalogue.CATALOGUE;
lead and partners are organisation kinds of cpplan.municipalities.models.ORGANISATION_KINDS. Most entries are
seeded from the good practices of the source report (UNODC Central Asia annual report 2016, "Bottom-up approaches
to crime prevention bear fruit", "Mainstreaming gender", "Community policing"); source_note says where, and is
None for measures added here that the source does not describe.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

Text3 = tuple[str, str, str]  # (ky, ru, en)

# Shown next to cost_hint_kgs wherever it is displayed: an order of magnitude, not an estimate or a quote.
COST_HINT_LABEL: Text3 = (
    "Болжолдуу сумма (сом): смета эмес, жергиликтүү баалар боюнча тактаңыз",
    "Ориентировочная сумма (сом): не смета, уточните по местным ценам",
    "Indicative figure (KGS): an order of magnitude, not an estimate; check local prices",
)

# Catalogue issues that deliberately have no library measure, with the reason (en).
NOT_COVERED: dict[str, str] = {
    "violent_extremism": (
        "The source names radicalisation as a priority issue but describes no local good practice; prevention of "
        "violent extremism needs specialised partners and careful design (a poorly chosen measure can stigmatise "
        "a community or a faith), so the working group writes its own measures with them."
    ),
}


@dataclass(frozen=True)
class LibraryIndicator:
    """An indicator suggested with a library measure: what is counted, in what unit, from which source."""

    name: Text3
    unit: Text3
    source: Text3


@dataclass(frozen=True)
class LibraryMeasure:
    """A good-practice measure for one catalogue issue; picking it pre-fills a plan measure."""

    code: str
    issue: str
    title: Text3
    description: Text3
    lead: str
    partners: tuple[str, ...]
    months: int
    cost_hint_kgs: Decimal | None  # indicative order of magnitude (see COST_HINT_LABEL), or None
    indicators: tuple[LibraryIndicator, ...]
    source_note: str | None  # en: where in the source report the practice comes from; None if not from it


# Indicator parts used by several measures.
_PCT: Text3 = ("%", "%", "%")
_PCT_BY_SEX: Text3 = ("% (аялдар жана эркектер өзүнчө)", "% (женщины и мужчины отдельно)",
                      "% (women and men separately)")
_PERSONS_BY_SEX: Text3 = ("адам (аялдар жана эркектер өзүнчө)", "человек (женщины и мужчины отдельно)",
                          "persons (women and men separately)")
_CASES_PER_YEAR: Text3 = ("жылына учур", "случаев в год", "cases per year")
_POLICE_RECORDS: Text3 = ("Милициянын маалыматы", "Данные милиции", "Police records")
_SURVEY: Text3 = ("Коопсуздук боюнча сурамжылоо", "Опрос о безопасности", "Safety survey")
_ATTENDANCE: Text3 = ("Катышуучулардын тизмеси", "Списки участников", "Attendance lists")
_AO_RECORDS: Text3 = ("Айыл өкмөтүнүн маалыматы", "Данные айыл окмоту", "Aiyl okmotu records")


LIBRARY: tuple[LibraryMeasure, ...] = (
    # --- livestock_theft: Jeti-Oguz district -------------------------------------------------------------------
    LibraryMeasure(
        code="livestock_registration_drive",
        issue="livestock_theft",
        title=("Малды каттоо жана бирка менен белгилөө кампаниясы",
               "Кампания по регистрации и маркировке скота",
               "Livestock registration drive"),
        description=(
            "Айыл өкмөтү ветеринардык кызматкерлер жана айыл башчылары менен бирге ар бир үй чарбасынын уйларын, "
            "жылкыларын жана койлорун каттап, бирка тагат жана реестрди жаңыртып турат. Участкалык инспектор "
            "реестр аркылуу уурдалган жана табылган малдын ээсин аныктайт.",
            "Айыл окмоту вместе с ветеринарами и старостами сёл регистрирует коров, лошадей и овец каждого двора, "
            "маркирует их бирками и обновляет реестр. Участковый инспектор по реестру устанавливает владельцев "
            "украденного и найденного скота.",
            "The aiyl okmotu, with veterinary staff and village heads, registers and ear-tags every household's "
            "cattle, horses and sheep and keeps the register up to date. The neighbourhood inspector uses the "
            "register to trace the owners of stolen and found animals.",
        ),
        lead="local_government",
        partners=("police", "council", "other"),
        months=6,
        cost_hint_kgs=Decimal("150000"),
        indicators=(
            LibraryIndicator(("Катталган малдын үлүшү", "Доля зарегистрированного скота",
                              "Share of livestock registered"), _PCT,
                             ("Айыл өкмөтүнүн мал реестри жана чарба китептери",
                              "Реестр скота айыл окмоту и похозяйственные книги",
                              "Aiyl okmotu livestock register and household books")),
            LibraryIndicator(("Катталган мал уурдоо учурлары", "Зарегистрированные кражи скота",
                              "Reported livestock thefts"), _CASES_PER_YEAR, _POLICE_RECORDS),
        ),
        source_note="Jeti-Oguz district (Issyk-Kul region): cattle registration drive; reported cattle theft fell "
                    "significantly",
    ),
    LibraryMeasure(
        code="shepherd_police_cooperation",
        issue="livestock_theft",
        title=("Малчылар менен милициянын кызматташтыгы", "Сотрудничество чабанов и милиции",
               "Shepherd–police cooperation"),
        description=(
            "Участкалык инспектор жайлоо мезгилинин алдында жана учурунда малчылар менен жолугуп, мал жоголгондо "
            "тез кабарлоо тартибин макулдашат жана малчылардын телефондорун, жайыттарын тизмеге алат. Малчылар "
            "бөтөн адамдар жана малды шектүү ташуу тууралуу дароо кабарлашат.",
            "Участковый инспектор встречается с чабанами перед пастбищным сезоном и во время него, договаривается "
            "о быстром сообщении о пропаже скота и ведёт список телефонов чабанов и их пастбищ. Чабаны сразу "
            "сообщают о посторонних и о подозрительной перевозке скота.",
            "The neighbourhood inspector meets shepherds before and during the pasture season, agrees how losses "
            "are reported quickly, and keeps a list of shepherds' phone numbers and pastures. Shepherds report "
            "strangers and suspicious transport of animals at once.",
        ),
        lead="police",
        partners=("local_government", "other"),
        months=12,
        cost_hint_kgs=Decimal("30000"),
        indicators=(
            LibraryIndicator(("Малчылар менен өткөрүлгөн жолугушуулар", "Встречи с чабанами",
                              "Meetings held with shepherds"), ("жолугушуу", "встреч", "meetings"),
                             ("Участкалык инспектордун жолугушуу журналы", "Журнал встреч участкового инспектора",
                              "Neighbourhood inspector's meeting log")),
            LibraryIndicator(("Ачылган мал уурдоо иштеринин үлүшү", "Доля раскрытых краж скота",
                              "Share of livestock thefts solved"), _PCT, _POLICE_RECORDS),
        ),
        source_note="Jeti-Oguz district (Issyk-Kul region): better cooperation between shepherds and police",
    ),
    LibraryMeasure(
        code="livestock_sales_oversight",
        issue="livestock_theft",
        title=("Мал сатууну көзөмөлдөө", "Контроль за продажей скота", "Oversight of livestock sales"),
        description=(
            "Мал базарында жана жеке сатууда айыл өкмөтү менен милиция сатуучунун ээлик кылганын тастыктаган "
            "документтерин жана бирканын номерине дал келген ветеринардык күбөлүгүн текшерет. Документсиз сатып "
            "алуулар катталып, участкалык инспекторго кабарланат.",
            "На скотном рынке и при частных продажах айыл окмоту и милиция проверяют у продавца документы о праве "
            "собственности и ветеринарную справку, совпадающую с номером бирки. Покупки без документов "
            "фиксируются, о них сообщают участковому инспектору.",
            "At the livestock market and in private sales, the aiyl okmotu and police check that the seller has "
            "ownership papers and a veterinary certificate matching the animal's tag. Purchases without papers are "
            "recorded and reported to the neighbourhood inspector.",
        ),
        lead="local_government",
        partners=("police", "other"),
        months=12,
        cost_hint_kgs=Decimal("50000"),
        indicators=(
            LibraryIndicator(("Документтери текшерилген мал сатуулардын үлүшү",
                              "Доля продаж скота с проверенными документами",
                              "Share of livestock sales with papers checked"), _PCT,
                             ("Мал базарынын каттоо журналы", "Журнал учёта скотного рынка", "Livestock market log")),
        ),
        source_note="Jeti-Oguz district (Issyk-Kul region): more oversight of cattle sales",
    ),
    # --- school_racketeering: Uch-Korgon ----------------------------------------------------------------------
    LibraryMeasure(
        code="forum_theatre_schools",
        issue="school_racketeering",
        title=("Мектептерде форум-театр", "Форум-театр в школах", "Forum theatre in schools"),
        description=(
            "Өкмөттүк эмес уюм окуучуларды жана мугалимдерди акча талап кылуу, коркутуу жана кордоо тууралуу кыска "
            "форум-театр коюуга үйрөтөт; көрүүчүлөр сахнага чыгып, окуянын аягын өзгөртүшөт. Ар бир көрсөтүүдөн "
            "кийин участкалык инспектор менен талкуу өтөт, окуучулар өз демилгелерин көтөрүшөт.",
            "НКО обучает школьников и учителей ставить короткие сцены форум-театра о вымогательстве, запугивании и "
            "травле; зрители выходят на сцену и меняют развязку. После спектакля проходит обсуждение с участковым "
            "инспектором, а ученики выдвигают собственные инициативы.",
            "An NGO trains pupils and teachers to stage short forum-theatre plays about extortion, intimidation and "
            "bullying, in which the audience steps in to change the ending. Each performance is followed by a "
            "discussion with the neighbourhood inspector, and pupils start initiatives of their own.",
        ),
        lead="school",
        partners=("ngo", "youth_committee", "police"),
        months=6,
        cost_hint_kgs=Decimal("60000"),
        indicators=(
            LibraryIndicator(("Катышкан окуучулар", "Охвачено учеников", "Pupils reached"),
                             ("адам (кыздар жана уул балдар өзүнчө)", "человек (девочки и мальчики отдельно)",
                              "persons (girls and boys separately)"), _ATTENDANCE),
            LibraryIndicator(("Акча талап кылууга туш болгон окуучулардын үлүшү",
                              "Доля учеников, столкнувшихся с вымогательством",
                              "Share of pupils who faced extortion"), _PCT, _SURVEY),
        ),
        source_note="Uch-Korgon (Batken region): forum theatre broke the taboo on school racketeering",
    ),
    LibraryMeasure(
        code="school_safety_council",
        issue="school_racketeering",
        title=("Мектептин коопсуздук кеңеши", "Школьный совет безопасности", "School safety council"),
        description=(
            "Мектепте окуучулардан, мугалимдерден, ата-энелерден жана участкалык инспектордон турган кеңеш түзүлүп, "
            "ай сайын чогулат. Кеңеш окуучуларга акча талап кылуу тууралуу коопсуз кабарлоо жолун берет жана ар "
            "бир учурду аягына чейин көзөмөлдөйт; окуучу мүчөлөр алдын алуу иш-чараларын өздөрү жетектешет.",
            "В школе создаётся совет из учеников, учителей, родителей и участкового инспектора, который собирается "
            "ежемесячно. Совет даёт ученикам безопасный способ сообщить о вымогательстве и доводит каждый случай "
            "до конца; ученики — члены совета сами ведут профилактические мероприятия.",
            "The school sets up a council of pupils, teachers, parents and the neighbourhood inspector that meets "
            "monthly. It gives pupils a safe way to report extortion and follows every case through; pupil members "
            "lead prevention activities themselves.",
        ),
        lead="school",
        partners=("police", "youth_committee", "womens_council"),
        months=9,
        cost_hint_kgs=Decimal("20000"),
        indicators=(
            LibraryIndicator(("Кеңештин өткөн жыйындары", "Проведённые заседания совета", "Council meetings held"),
                             ("жыйын", "заседаний", "meetings"),
                             ("Кеңештин протоколдору", "Протоколы совета", "Council minutes")),
            LibraryIndicator(("Кабарланган жана чечилген учурлар", "Сообщённые и урегулированные случаи",
                              "Cases reported and resolved"), ("учур", "случаев", "cases"),
                             ("Кеңештин каттоо журналы", "Журнал учёта совета", "Council case log")),
        ),
        source_note="Adapted from Uch-Korgon (Batken region): youth-led initiatives in local schools followed "
                    "the forum theatre",
    ),
    # --- youth_delinquency: Ala-Buka and Kerben ---------------------------------------------------------------
    LibraryMeasure(
        code="youth_sports_facilities",
        issue="youth_delinquency",
        title=("Жаштар үчүн спорт аянтчалары", "Спортивные площадки для молодёжи", "Youth sports facilities"),
        description=(
            "Айыл өкмөтү мектептин же айылдын борборунун жанында футбол талаасын же спорт аянтчасын курат же "
            "оңдойт, жарык орнотуп, кечкисин акысыз пайдаланууга ачат. Жаштар комитети тургундар менен иштөө "
            "убактысын жана жооптуу адамды макулдашат.",
            "Айыл окмоту строит или ремонтирует футбольное поле или спортивную площадку у школы или в центре села, "
            "проводит освещение и открывает бесплатный доступ по вечерам. Молодёжный комитет согласует с жителями "
            "часы работы и ответственного.",
            "The aiyl okmotu builds or repairs a football pitch or sports ground near a school or the village "
            "centre, with lighting and free use in the evenings. The youth committee agrees opening hours and a "
            "caretaker with residents.",
        ),
        lead="local_government",
        partners=("youth_committee", "school", "council"),
        months=12,
        cost_hint_kgs=Decimal("1500000"),
        indicators=(
            LibraryIndicator(("Аянтчаны үзгүлтүксүз пайдаланган жаштар",
                              "Молодёжь, регулярно занимающаяся на площадке",
                              "Young people using the facility regularly"),
                             ("адам (кыздар жана жигиттер өзүнчө)", "человек (девушки и юноши отдельно)",
                              "persons (young women and men separately)"),
                             ("Жаштар комитетинин эсеби", "Учёт молодёжного комитета", "Youth committee records")),
            LibraryIndicator(("Жашы жете электердин укук бузуулары", "Правонарушения несовершеннолетних",
                              "Offences by minors"), _CASES_PER_YEAR, _POLICE_RECORDS),
        ),
        source_note="Ala-Buka and Kerben districts (Jalal-Abad region): new football pitches and other sports "
                    "facilities",
    ),
    LibraryMeasure(
        code="youth_sports_league",
        issue="youth_delinquency",
        title=("Жаштардын спорттук лигасы", "Молодёжная спортивная лига", "Youth sports league"),
        description=(
            "Жаштар комитети айылдар же көчөлөр ортосунда футбол, волейбол жана башка спорт түрлөрү боюнча "
            "мелдештердин сезонун уюштурат; кыздардын жана жигиттердин командалары түзүлөт. Машыктыруучулар жана "
            "участкалык инспектор оюндарда мушташ, ичкилик жана мыйзам тууралуу сүйлөшүшөт.",
            "Молодёжный комитет проводит сезон турниров по футболу, волейболу и другим видам спорта между сёлами "
            "или улицами, с командами девушек и юношей. Тренеры и участковый инспектор используют матчи, чтобы "
            "поговорить о драках, алкоголе и законе.",
            "The youth committee runs a season of football, volleyball and other tournaments between villages or "
            "streets, with teams of young women and men. Coaches and the neighbourhood inspector use the matches "
            "to talk about fights, alcohol and the law.",
        ),
        lead="youth_committee",
        partners=("school", "police", "local_government"),
        months=9,
        cost_hint_kgs=Decimal("80000"),
        indicators=(
            LibraryIndicator(("Лигага катышкан оюнчулар", "Игроки, участвующие в лиге", "Players in the league"),
                             ("адам (кыздар жана жигиттер өзүнчө)", "человек (девушки и юноши отдельно)",
                              "persons (young women and men separately)"), _ATTENDANCE),
        ),
        source_note="Adapted from Ala-Buka and Kerben districts (Jalal-Abad region): youth crime prevention "
                    "through sport",
    ),
    # --- domestic_violence: Nookat; gender mainstreaming ------------------------------------------------------
    LibraryMeasure(
        code="gbv_awareness_campaign",
        issue="domestic_violence",
        title=("Гендердик зомбулук боюнча маалымдуулук кампаниясы: журналисттердин сынагы жана телеролик",
               "Информационная кампания против гендерного насилия: конкурс журналистов и телеролик",
               "GBV awareness campaign with a journalists' competition and TV spot"),
        description=(
            "Аялдар кеңеши жергиликтүү ЖМК менен бирге үй-бүлөлүк зомбулук кылмыш экенин жана жардамды кайдан алууга "
            "болорун түшүндүргөн кампания өткөрөт. Журналисттер бул темадагы эң мыкты материал үчүн сынакка "
            "катышат, ал эми жардам телефондору көрсөтүлгөн кыска телеролик аймактык каналдардан берилет.",
            "Совет женщин вместе с местными СМИ проводит кампанию о том, что домашнее насилие — преступление, и о "
            "том, где получить помощь. Журналисты участвуют в конкурсе на лучший материал по теме, а короткий "
            "телеролик с телефонами помощи транслируется на региональных каналах.",
            "The women's council and local media run a campaign explaining that domestic violence is a crime and "
            "where to get help. Journalists compete for the best story on the subject, and a short TV spot with "
            "the helpline numbers is broadcast on regional channels.",
        ),
        lead="womens_council",
        partners=("media", "police", "ngo", "local_government"),
        months=6,
        cost_hint_kgs=Decimal("200000"),
        indicators=(
            LibraryIndicator(("Жардамды кайдан алууну билген тургундардын үлүшү",
                              "Доля жителей, знающих, куда обратиться за помощью",
                              "Share of residents who know where to get help"), _PCT_BY_SEX, _SURVEY),
            LibraryIndicator(("Жарыяланган материалдар жана роликтин көрсөтүлүшү",
                              "Опубликованные материалы и показы ролика",
                              "Stories published and spot broadcasts"), ("саны", "единиц", "count"),
                             ("ЖМКнын маалыматы", "Данные СМИ", "Media reports")),
        ),
        source_note="Nookat: a journalists' competition and a broadcast TV spot raised awareness of GBV",
    ),
    LibraryMeasure(
        code="protection_order_information",
        issue="domestic_violence",
        title=("Коргоо ордерлери тууралуу маалымат берүү", "Информирование об охранных ордерах",
               "Information on protection orders"),
        description=(
            "Участкалык инспекторлор аялдар кеңеши жана медицина кызматкерлери менен бирге айылдарда жолугушуу "
            "өткөрүп, коргоо ордери жана коргоонун башка механизмдери тууралуу баракчаларды таратышат: кантип "
            "кайрылуу керек, ордер эмнеге тыюу салат, баш калкалоочу жайды жана психологиялык жардамды ким берет. "
            "Керек болсо аялдар үчүн өзүнчө жолугушуу өткөрүлөт.",
            "Участковые инспекторы вместе с советом женщин и медработниками проводят встречи в сёлах и раздают "
            "листовки об охранных ордерах и других механизмах защиты: как обратиться, что запрещает ордер, кто "
            "предоставляет убежище и психологическую помощь. При необходимости для женщин проводятся отдельные "
            "встречи.",
            "Neighbourhood inspectors, with the women's council and health workers, hold village meetings and hand "
            "out leaflets on protection orders and other protection mechanisms: how to apply, what an order "
            "forbids, and who provides shelter and counselling. Separate meetings for women are held where needed.",
        ),
        lead="police",
        partners=("womens_council", "health_centre", "ngo", "local_government"),
        months=6,
        cost_hint_kgs=Decimal("40000"),
        indicators=(
            LibraryIndicator(("Маалыматтык жолугушуулардын катышуучулары", "Участники информационных встреч",
                              "People attending information meetings"), _PERSONS_BY_SEX, _ATTENDANCE),
            LibraryIndicator(("Берилген коргоо ордерлери", "Выданные охранные ордера", "Protection orders issued"),
                             ("жылына саны", "в год", "per year"), _POLICE_RECORDS),
        ),
        source_note="Nookat: police informed residents about protection mechanisms against GBV",
    ),
    LibraryMeasure(
        code="women_neighbourhood_inspectors",
        issue="domestic_violence",
        title=("Аялдарды участкалык инспектор кызматына дайындоо", "Женщины — участковые инспекторы",
               "Women as neighbourhood inspectors"),
        description=(
            "Райондук милиция аялдарды участкалык инспектор кызматына дайындоого милдеттенме алат, тажрыйбалуу "
            "кызматкерлер аларга насаатчы болушат; айыл өкмөтү аялдар купуя сүйлөшө ала турган бөлмө берет. Аял "
            "инспекторлор жумушчу топтун жыйындарына катышып, үй-бүлөлүк зомбулук боюнча арыздарды кабыл алышат.",
            "Районная милиция берёт обязательство назначать женщин участковыми инспекторами, опытные сотрудники "
            "становятся их наставниками; айыл окмоту выделяет кабинет, где женщины могут поговорить "
            "конфиденциально. Женщины-инспекторы участвуют в заседаниях рабочей группы и принимают заявления о "
            "семейном насилии.",
            "The district police commit to appointing women as neighbourhood inspectors, mentored by experienced "
            "officers; the aiyl okmotu provides a room where women can talk in confidence. Female inspectors take "
            "part in working-group meetings and take reports of family violence.",
        ),
        lead="police",
        partners=("local_government", "womens_council"),
        months=12,
        cost_hint_kgs=None,
        indicators=(
            LibraryIndicator(("Аял участкалык инспекторлордун саны", "Число женщин — участковых инспекторов",
                              "Female neighbourhood inspectors"), ("адам", "человек", "persons"),
                             ("Райондук милициянын кадрдык маалыматы", "Кадровые данные районной милиции",
                              "District police staffing records")),
            LibraryIndicator(("Милицияга ишенген аялдардын үлүшү", "Доля женщин, доверяющих милиции",
                              "Share of women who trust the police"), _PCT, _SURVEY),
        ),
        source_note="Mainstreaming gender: in 2 districts the police committed to hiring women as neighbourhood "
                    "inspectors; mentoring of female police officers",
    ),
    # --- theft_burglary: community policing -------------------------------------------------------------------
    LibraryMeasure(
        code="police_station_refurbishment",
        issue="theft_burglary",
        title=("Милициянын участкалык пунктун оңдоо", "Ремонт участкового пункта милиции",
               "Police station refurbishment"),
        description=(
            "Айыл өкмөтү айылдагы милициянын участкалык пунктун оңдойт же жаңысын курат: жылуулук, телефон жана "
            "купуя сүйлөшүү үчүн бөлмө менен камсыз кылат, участкалык инспектор ошол жерде иштейт. Кабыл алуу "
            "убактысы илинет, коомдук кеңеш тургундардын милициянын иши боюнча пикирлерин угат.",
            "Айыл окмоту ремонтирует или строит в селе участковый пункт милиции с отоплением, телефоном и комнатой "
            "для конфиденциальных бесед, чтобы участковый инспектор работал на месте. Часы приёма вывешиваются, а "
            "общественный совет выслушивает отзывы жителей о работе милиции.",
            "The aiyl okmotu repairs or builds a local police station in the village, with heating, a phone and a "
            "room for private interviews, so that the neighbourhood inspector works on site. Opening hours are "
            "posted, and a public council hears residents' feedback on police work.",
        ),
        lead="local_government",
        partners=("police", "council"),
        months=6,
        cost_hint_kgs=Decimal("1000000"),
        indicators=(
            LibraryIndicator(("Милициянын ишине оң баа берген тургундардын үлүшү",
                              "Доля жителей, положительно оценивающих работу милиции",
                              "Share of residents rating the police positively"), _PCT_BY_SEX, _SURVEY),
            LibraryIndicator(("Катталган уурулук учурлары", "Зарегистрированные кражи",
                              "Reported thefts and burglaries"), _CASES_PER_YEAR, _POLICE_RECORDS),
        ),
        source_note="Community policing: new police stations in Oktyabr (near Bishkek), Kulundu and Uch-Korgon "
                    "(Batken region)",
    ),
    # --- unsafe_spaces (not described in the source) ----------------------------------------------------------
    LibraryMeasure(
        code="street_lighting",
        issue="unsafe_spaces",
        title=("Көчөлөрдү жарыктандыруу", "Уличное освещение", "Street lighting"),
        description=(
            "Жумушчу топ коопсуздук боюнча сурамжылоонун жыйынтыгы боюнча караңгы көчөлөрдү, аялдамаларды жана "
            "мектепке баруучу жолдорду картага түшүрөт, айыл өкмөтү адегенде ошол жерлерге энергияны үнөмдөөчү "
            "көчө чырактарын орнотот. Ар бир көчөдөн бир тургун күйбөй калган чырактарды кабарлап турат.",
            "Рабочая группа по итогам опроса о безопасности наносит на карту тёмные улицы, остановки и дороги к "
            "школам, и айыл окмоту в первую очередь устанавливает там энергосберегающие фонари. Житель каждой улицы "
            "сообщает о неработающих фонарях.",
            "The working group maps dark streets, bus stops and routes to school from the safety survey, and the "
            "aiyl okmotu installs energy-saving street lights there first. One resident on each street reports "
            "broken lamps.",
        ),
        lead="local_government",
        partners=("council", "police", "other"),
        months=6,
        cost_hint_kgs=Decimal("500000"),
        indicators=(
            LibraryIndicator(("Жарыктандырылган көчөлөрдүн узундугу", "Протяжённость освещённых улиц",
                              "Length of lit streets"), ("км", "км", "km"), _AO_RECORDS),
            LibraryIndicator(("Караңгыда өзүн коопсуз сезген тургундардын үлүшү",
                              "Доля жителей, чувствующих себя в безопасности в тёмное время",
                              "Share of residents feeling safe after dark"), _PCT_BY_SEX, _SURVEY),
        ),
        source_note=None,
    ),
    # --- road_safety (the issue is named in the source; this measure is not described there) -----------------
    LibraryMeasure(
        code="road_safety_near_schools",
        issue="road_safety",
        title=("Мектептердин жанындагы жол коопсуздугу", "Безопасность дорожного движения у школ",
               "Road safety near schools"),
        description=(
            "Айыл өкмөтү милиция менен бирге мектептердин жанында жөө жүргүнчүлөр өтүүчү жолдорду белгилеп, жол "
            "белгилерин жана ылдамдыкты басаңдатуучу бөгөттөрдү орнотот; сабак башталганда жана бүткөндө ата-энелер "
            "же улуу класстын окуучулары балдарды жолдон өткөрүшөт. Окуу жылынын башында мугалимдер жол эрежелери "
            "боюнча сабак өтүшөт.",
            "Айыл окмоту вместе с милицией размечает пешеходные переходы у школ, устанавливает дорожные знаки и "
            "искусственные неровности, а родители или старшеклассники переводят детей через дорогу в начале и в "
            "конце уроков. В начале учебного года учителя проводят уроки по правилам дорожного движения.",
            "With the police, the aiyl okmotu marks pedestrian crossings near schools and puts up road signs and "
            "speed bumps, and parents or senior pupils see children across the road before and after lessons. "
            "Teachers give road-safety lessons at the start of the school year.",
        ),
        lead="local_government",
        partners=("police", "school", "council"),
        months=6,
        cost_hint_kgs=Decimal("300000"),
        indicators=(
            LibraryIndicator(("Мектептердин жанындагы жол кырсыктары", "ДТП возле школ",
                              "Road accidents near schools"), _CASES_PER_YEAR, _POLICE_RECORDS),
            LibraryIndicator(("Коопсуз өтмөгү бар мектептер", "Школы с безопасным переходом",
                              "Schools with a safe crossing"), ("мектеп", "школ", "schools"), _AO_RECORDS),
        ),
        source_note=None,
    ),
    # --- alcohol_drugs and fraud (not described in the source) ------------------------------------------------
    LibraryMeasure(
        code="alcohol_sales_control",
        issue="alcohol_drugs",
        title=("Ичкилик сатууну көзөмөлдөө", "Контроль за продажей алкоголя", "Control of alcohol sales"),
        description=(
            "Жергиликтүү кеңеш өз ыйгарым укуктарынын чегинде мектептердин жанында жана түнкүсүн ичкилик сатуунун "
            "эрежелерин кабыл алат, дүкөн ээлери жашы жете электерге ичкилик сатпоого милдеттенме беришет. "
            "Участкалык инспектор дүкөндөрдү үзгүлтүксүз текшерип, кайталанган бузууларды чара көрө турган "
            "органдарга кабарлайт.",
            "Местный кенеш в пределах своих полномочий принимает правила продажи алкоголя возле школ и в ночное "
            "время, а владельцы магазинов подписывают обязательство не продавать алкоголь несовершеннолетним. "
            "Участковый инспектор регулярно проверяет магазины и сообщает о повторных нарушениях в органы, которые "
            "могут принять меры.",
            "Within its powers, the local council adopts rules on selling alcohol near schools and at night, and "
            "shop owners sign a pledge not to sell alcohol to minors. The neighbourhood inspector checks shops "
            "regularly and reports repeated breaches to the authorities that can act on them.",
        ),
        lead="council",
        partners=("police", "local_government", "youth_committee"),
        months=12,
        cost_hint_kgs=Decimal("20000"),
        indicators=(
            LibraryIndicator(("Милдеттенмеге кол койгон дүкөндөрдүн үлүшү",
                              "Доля магазинов, подписавших обязательство",
                              "Share of shops that signed the pledge"), _PCT, _AO_RECORDS),
            LibraryIndicator(("Мас абалында жасалган укук бузуулар", "Правонарушения в состоянии опьянения",
                              "Offences committed under the influence"), _CASES_PER_YEAR, _POLICE_RECORDS),
        ),
        source_note=None,
    ),
    LibraryMeasure(
        code="fraud_awareness_sessions",
        issue="fraud",
        title=("Алдамчылыктан сактануу боюнча маалыматтык жолугушуулар",
               "Информационные встречи о защите от мошенничества", "Fraud awareness sessions"),
        description=(
            "Участкалык инспектор банктын же микрокредиттик уюмдун кеңешчиси менен бирге улгайган адамдар, аялдар "
            "топтору жана окуучулар үчүн телефон, интернет жана насыя аркылуу алдоонун кеңири тараган түрлөрү "
            "жана алданып калганда эмне кылуу керектиги тууралуу кыска жолугушууларды өткөрөт. Ар бир үйгө "
            "милициянын телефону жазылган баракча калтырылат.",
            "Участковый инспектор вместе с консультантом банка или микрокредитной организации проводит короткие "
            "встречи для пожилых людей, женских групп и школьников о распространённых видах мошенничества по "
            "телефону, в интернете и с кредитами и о том, что делать, если обманули. В каждом доме оставляют "
            "листовку с телефоном милиции.",
            "The neighbourhood inspector and an adviser from a bank or microcredit organisation hold short meetings "
            "for older people, women's groups and pupils on common phone, online and loan scams, and on what to do "
            "after being deceived. A leaflet with the police number is left in every household.",
        ),
        lead="police",
        partners=("womens_council", "school", "media", "other"),
        months=6,
        cost_hint_kgs=Decimal("25000"),
        indicators=(
            LibraryIndicator(("Жолугушуулардын катышуучулары", "Участники встреч", "People attending meetings"),
                             _PERSONS_BY_SEX, _ATTENDANCE),
            LibraryIndicator(("Катталган алдамчылык учурлары", "Зарегистрированные случаи мошенничества",
                              "Reported fraud cases"), _CASES_PER_YEAR, _POLICE_RECORDS),
        ),
        source_note=None,
    ),
)

_BY_CODE: dict[str, LibraryMeasure] = {m.code: m for m in LIBRARY}


def for_issue(code: str) -> list[LibraryMeasure]:
    """Return the library's measures for a catalogue issue code, in library order ([] for none or unknown)."""
    return [m for m in LIBRARY if m.issue == code]


def get(code: str) -> LibraryMeasure | None:
    """Return the library measure with this code, or None."""
    return _BY_CODE.get(code)
