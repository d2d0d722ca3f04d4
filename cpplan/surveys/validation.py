"""Checking submitted answers against a questionnaire (pure: plain data in, plain data out)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

TEXT_MAX = 500
SCALE = (1, 5)
# The answer column is NUMERIC(12, 6): whole numbers beyond this cannot be stored.
NUMBER_LIMIT = 999_999
# Kyrgyzstan with a margin: a point outside is a typing or GPS error.
LAT_RANGE, LON_RANGE = (39.0, 43.5), (69.0, 81.0)
CONSENT_CODE, CONSENT_YES = "consent", "yes"

ERRORS = ("unknown_question", "not_an_option", "out_of_range", "wrong_type", "too_long", "not_asked", "no_consent")


@dataclass(frozen=True)
class QuestionSpec:
    """What validation needs to know of a question."""

    code: str
    kind: str
    options: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    show_if_code: str | None = None
    show_if_option: str | None = None


@dataclass
class Result:
    """Clean answers (skipped ones left out) and per-field errors [(code, error)]."""

    answers: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and value == value and abs(value) != float("inf")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _skipped(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _clean(spec: QuestionSpec, value, areas: tuple[str, ...], issues: tuple[str, ...]):
    """Return (clean value, None) or (None, error code) for one answer."""
    kind = spec.kind
    if kind in ("single", "area"):
        if not isinstance(value, str):
            return None, "wrong_type"
        return (value, None) if value in (spec.options if kind == "single" else areas) else (None, "not_an_option")
    if kind == "multiple":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "wrong_type"
        if any(v not in spec.options for v in value):
            return None, "not_an_option"
        return sorted(set(value), key=spec.options.index), None
    if kind in ("scale", "number"):
        if not _is_int(value):
            return None, "wrong_type"
        low, high = SCALE if kind == "scale" else (spec.min_value, spec.max_value)
        if (low is not None and value < low) or (high is not None and value > high) or abs(value) > NUMBER_LIMIT:
            return None, "out_of_range"
        return value, None
    if kind == "text":
        # NUL cannot be stored in PostgreSQL text, a lone surrogate cannot be encoded at all.
        if not isinstance(value, str) or "\x00" in value or not _encodable(value):
            return None, "wrong_type"
        value = value.strip()
        return (value, None) if len(value) <= TEXT_MAX else (None, "too_long")
    if kind == "location":
        if not isinstance(value, dict) or set(value) != {"lat", "lon"} or not all(map(_is_number, value.values())):
            return None, "wrong_type"
        lat, lon = value["lat"], value["lon"]  # compared before float(): a huge int would overflow
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            return None, "out_of_range"
        return {"lat": round(float(lat), 5), "lon": round(float(lon), 5)}, None
    if kind == "issue_rating":
        if not isinstance(value, dict) or not all(isinstance(k, str) and _is_int(v) for k, v in value.items()):
            return None, "wrong_type"
        if any(k not in issues for k in value):
            return None, "not_an_option"
        if any(not SCALE[0] <= v <= SCALE[1] for v in value.values()):
            return None, "out_of_range"
        return dict(sorted(value.items())), None
    raise ValueError(f"unknown question kind {kind!r}")


def is_shown(spec: QuestionSpec, answers: dict) -> bool:
    """Return True when the question's show-if condition holds for the (clean) answers so far."""
    if not spec.show_if_code:
        return True
    given = answers.get(spec.show_if_code)
    return given == spec.show_if_option or (isinstance(given, list) and spec.show_if_option in given)


def validate(specs: list[QuestionSpec], answers, areas: tuple[str, ...] = (),
             issues: tuple[str, ...] = ()) -> Result:
    """Check answers {code: value} against the questionnaire; every question may be skipped."""
    result = Result()
    if not isinstance(answers, dict):
        result.errors.append(("answers", "wrong_type"))
        return result
    known = {spec.code for spec in specs}
    result.errors.extend((str(code), "unknown_question") for code in answers if code not in known)
    for spec in specs:  # in questionnaire order, so show-if sees the earlier answers
        value = answers.get(spec.code)
        if _skipped(value):
            continue
        if not is_shown(spec, result.answers):
            result.errors.append((spec.code, "not_asked"))
            continue
        clean, error = _clean(spec, value, areas, issues)
        if error:
            result.errors.append((spec.code, error))
        elif not _skipped(clean):
            result.answers[spec.code] = clean
    if CONSENT_CODE in known and result.answers.get(CONSENT_CODE) != CONSENT_YES:
        result.errors.append((CONSENT_CODE, "no_consent"))
    return result


def fingerprint(answers: dict) -> str:
    """Return a stable hash of clean answers: the same answers resent give the same fingerprint."""
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rows(answers: dict, kinds: dict[str, str]) -> list[tuple[str, str | None, Decimal | None, str | None]]:
    """Return the clean answers as (question code, item, number, text) rows for counting in the database."""
    out = []
    for code, value in answers.items():
        kind = kinds[code]
        if kind in ("single", "area"):
            out.append((code, value, None, None))
        elif kind == "multiple":
            out.extend((code, item, None, None) for item in value)
        elif kind in ("scale", "number"):
            out.append((code, None, Decimal(value), None))
        elif kind == "text":
            out.append((code, None, None, value))
        elif kind == "location":
            out.extend((code, axis, Decimal(str(value[axis])), None) for axis in ("lat", "lon"))
        elif kind == "issue_rating":
            out.extend((code, issue, Decimal(rating), None) for issue, rating in value.items())
    return out
