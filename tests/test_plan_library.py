"""The measures library: pure data checked against the issue catalogue and the organisation kinds."""
from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from cpplan.municipalities.models import ORGANISATION_KINDS
from cpplan.plans import library
from cpplan.plans.library import LIBRARY, LibraryIndicator, LibraryMeasure, for_issue, get
from cpplan.surveys.catalogue import CATALOGUE

ISSUE_CODES = {code for code, *_ in CATALOGUE}

# The good practices named for the library (issue 5), each under the issue it belongs to.
NAMED_PRACTICES = {
    "livestock_registration_drive": "livestock_theft",
    "shepherd_police_cooperation": "livestock_theft",
    "livestock_sales_oversight": "livestock_theft",
    "forum_theatre_schools": "school_racketeering",
    "school_safety_council": "school_racketeering",
    "youth_sports_facilities": "youth_delinquency",
    "gbv_awareness_campaign": "domestic_violence",
    "protection_order_information": "domestic_violence",
    "women_neighbourhood_inspectors": "domestic_violence",
    "police_station_refurbishment": "theft_burglary",
    "street_lighting": "unsafe_spaces",
    "road_safety_near_schools": "road_safety",
}

LATIN = re.compile(r"[A-Za-z]")
CYRILLIC = re.compile(r"[А-Яа-яЁёҢңӨөҮү]")


def _texts(measure: LibraryMeasure) -> list[tuple[str, ...]]:
    """Every trilingual text of a measure: title, description and its indicators' name, unit and source."""
    texts = [measure.title, measure.description]
    for indicator in measure.indicators:
        texts += [indicator.name, indicator.unit, indicator.source]
    return texts


def test_codes_unique_and_fit_the_measure_column():
    codes = [m.code for m in LIBRARY]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code) and len(code) <= 60  # Measure.library_code is String(60)


def test_every_issue_is_a_catalogue_code():
    assert {m.issue for m in LIBRARY} <= ISSUE_CODES


def test_lead_and_partners_are_known_organisation_kinds():
    for m in LIBRARY:
        assert m.lead in ORGANISATION_KINDS, m.code
        assert isinstance(m.partners, tuple) and m.partners, m.code
        assert set(m.partners) <= set(ORGANISATION_KINDS), m.code
        assert m.lead not in m.partners, m.code
        assert len(set(m.partners)) == len(m.partners), m.code


def test_named_practices_present_under_their_issue():
    for code, issue in NAMED_PRACTICES.items():
        measure = get(code)
        assert measure is not None, code
        assert measure.issue == issue, code
    # Practices drawn from the source report say where; the ones it does not describe say None.
    from_source = [c for c in NAMED_PRACTICES if c not in {"street_lighting", "road_safety_near_schools"}]
    assert all(get(c).source_note for c in from_source)
    assert get("street_lighting").source_note is None
    assert get("road_safety_near_schools").source_note is None


def test_texts_present_in_three_languages_within_limits():
    for m in LIBRARY:
        assert len(m.title) == 3 and len(m.description) == 3, m.code
        for ky, ru, en in _texts(m):
            for text in (ky, ru, en):
                assert isinstance(text, str) and text.strip() == text and text, m.code
        for text in m.title:
            assert len(text) <= 120, (m.code, text)
        for text in m.description:
            assert 40 <= len(text) <= 600, (m.code, len(text))
        for indicator in m.indicators:
            for text in indicator.name + indicator.source:
                assert len(text) <= 120, (m.code, text)


def test_scripts_are_not_mixed():
    """Kyrgyz and Russian texts are Cyrillic only (a Latin look-alike letter is a typo); English has no Cyrillic."""
    for m in LIBRARY:
        for ky, ru, en in _texts(m):
            assert not LATIN.search(ky), (m.code, ky)
            assert not LATIN.search(ru), (m.code, ru)
            assert not CYRILLIC.search(en), (m.code, en)
        assert m.source_note is None or not CYRILLIC.search(m.source_note)


def test_kyrgyz_uses_its_own_letters_and_russian_does_not():
    kyrgyz = " ".join(t[0] for m in LIBRARY for t in _texts(m))
    russian = " ".join(t[1] for m in LIBRARY for t in _texts(m))
    for letter in "ңөү":
        assert letter in kyrgyz
        assert letter not in russian.lower()
    # Every description in Kyrgyz has at least one Kyrgyz-only letter (a Russian text pasted in would not).
    for m in LIBRARY:
        assert re.search("[ңөүҢӨҮ]", m.description[0]), m.code


def test_catalogue_terms_are_used_consistently():
    kyrgyz = " ".join(m.description[0] for m in LIBRARY)
    russian = " ".join(m.description[1] for m in LIBRARY)
    assert "участкалык инспектор" in kyrgyz and "участковый инспектор" in russian.lower()
    assert "Аялдар кеңеши" in kyrgyz and "Совет женщин" in russian
    assert "Жаштар комитети" in kyrgyz and "Молодёжный комитет" in russian
    assert "Айыл өкмөтү" in kyrgyz and "Айыл окмоту" in russian


def test_indicators_durations_and_costs():
    for m in LIBRARY:
        assert 1 <= len(m.indicators) <= 2, m.code
        assert all(isinstance(i, LibraryIndicator) for i in m.indicators)
        assert isinstance(m.months, int) and 1 <= m.months <= 36, m.code
        if m.cost_hint_kgs is not None:
            assert isinstance(m.cost_hint_kgs, Decimal) and m.cost_hint_kgs > 0, m.code
    assert all(library.COST_HINT_LABEL)


def test_every_issue_but_violent_extremism_has_a_measure():
    covered = {m.issue for m in LIBRARY}
    for code in ISSUE_CODES:
        assert code in covered or code in library.NOT_COVERED, code
    assert set(library.NOT_COVERED) == {"violent_extremism"}
    assert for_issue("violent_extremism") == []


def test_for_issue():
    livestock = for_issue("livestock_theft")
    assert [m.code for m in livestock] == ["livestock_registration_drive", "shepherd_police_cooperation",
                                           "livestock_sales_oversight"]
    assert all(m.issue == "livestock_theft" for m in livestock)
    assert for_issue("no_such_issue") == []
    assert for_issue("local_my_own_issue") == []
    assert sum(len(for_issue(code)) for code in ISSUE_CODES) == len(LIBRARY)
    livestock.clear()  # a fresh list each time: the caller cannot change the library
    assert len(for_issue("livestock_theft")) == 3


def test_get():
    measure = get("forum_theatre_schools")
    assert measure is not None and measure.issue == "school_racketeering"
    assert measure.title[2] == "Forum theatre in schools"
    assert get("no_such_measure") is None
    assert get("") is None
    assert all(get(m.code) is m for m in LIBRARY)


def test_measures_are_frozen():
    with pytest.raises(FrozenInstanceError):
        LIBRARY[0].months = 1
    assert isinstance(LIBRARY, tuple)
