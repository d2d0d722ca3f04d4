"""Forms of the priority pages: scoring weights, the working group's assessment, the agreed priorities."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from ..municipalities.forms import TOO_LONG, InRange
from . import scoring
from .models import TOP_MAX

COMPONENT_LABELS = {
    "concern": _l("Community concern"),
    "prevalence": _l("Victimisation"),
    "severity": _l("Severity"),
    "trend": _l("Trend"),
    "capacity": _l("Capacity to act"),
    "impact": _l("Impact on vulnerable groups"),
    "support": _l("Meeting support"),
}
COMPONENT_HELP = {
    "concern": _l("Share of survey respondents who rate the issue serious (4 or 5 of 5)."),
    "prevalence": _l("Share of respondents to whom it happened in the last 12 months."),
    "severity": _l("The working group's rating of how much harm the issue does (1 to 5)."),
    "trend": _l("Police-recorded cases this year against last year; without them, the change between the "
                "survey rounds. Rising is higher."),
    "capacity": _l("The working group's rating of what can be done locally (1 to 5)."),
    "impact": _l("The working group's rating of the harm to women, youth and other vulnerable groups (1 to 5)."),
    "support": _l("Share of the dots and raised hands at the latest community meeting vote."),
}
WEIGHT_ERRORS = {
    "required": _l("Enter a weight from 0 to 10."),
    "not_integer": _l("Enter a whole number from 0 to 10."),
    "out_of_range": _l("Enter a whole number from 0 to 10."),
    "all_zero": _l("At least one weight must be above 0."),
}
WHOLE_NUMBER = _l("Enter a whole number, 0 or more.")
RATING_ERROR = _l("Choose a rating from 1 to 5, or leave it empty.")
RATINGS = ("severity", "capacity", "impact")
POLICE = ("police_previous", "police_current")
ASSESSMENT_LABELS = {
    "severity": _l("Severity (1 to 5)"),
    "capacity": _l("Capacity to act (1 to 5)"),
    "impact": _l("Impact on vulnerable groups (1 to 5)"),
    "police_previous": _l("Police-recorded cases last year"),
    "police_current": _l("Police-recorded cases this year"),
}
POLICE_MAX = 1_000_000


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" message is ours (translated) and not repeated by other checks."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        if not valuelist[0].strip():
            self.data = None
            self.raw_data = []  # spaces only are nothing typed: InputRequired must not take them for a number
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(WHOLE_NUMBER) from exc

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # the process error says it already


def _weight_field(name: str) -> WholeNumberField:
    return WholeNumberField(COMPONENT_LABELS[name], description=COMPONENT_HELP[name],
                            render_kw={"inputmode": "numeric", "min": 0, "max": 10})


class WeightsForm(FlaskForm):
    """The weight of each component, whole numbers 0..10, at least one above 0 (scoring.validate_weights)."""

    concern = _weight_field("concern")
    prevalence = _weight_field("prevalence")
    severity = _weight_field("severity")
    trend = _weight_field("trend")
    capacity = _weight_field("capacity")
    impact = _weight_field("impact")
    support = _weight_field("support")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        raw = {}
        for name in scoring.COMPONENTS:
            self[name].errors = []  # validate_weights gives each field its one message
            raw[name] = self[name].raw_data[0] if self[name].raw_data else None
        for name, code in scoring.validate_weights(raw):
            self[name].errors.append(WEIGHT_ERRORS[code])
            valid = False
        return valid

    def weights(self) -> dict[str, int]:
        """Return the valid weights as {component: int}."""
        return {name: int(self[name].data) for name in scoring.COMPONENTS}


def _check_rating(form, field) -> None:
    if field.data not in ("", *(str(n) for n in range(scoring.RATING_MIN, scoring.RATING_MAX + 1))):
        raise ValidationError(RATING_ERROR)


def _rating_field(name: str) -> SelectField:
    choices = [SelectChoice("", "—")] + [SelectChoice(str(n)) for n in range(1, 6)]
    return SelectField(ASSESSMENT_LABELS[name], choices=choices, validate_choice=False, validators=[_check_rating],
                       default="")


def _police_field(name: str) -> WholeNumberField:
    return WholeNumberField(ASSESSMENT_LABELS[name], validators=[
        Optional(), InRange(min=0, max=POLICE_MAX, message=WHOLE_NUMBER)],
        render_kw={"inputmode": "numeric", "min": 0})


class AssessmentForm(FlaskForm):
    """Ratings and police counts of every issue; fields are named "<issue code>-<what>"."""

    issue_codes: tuple[str, ...] = ()

    def rows(self) -> list[tuple[str, list]]:
        """Return (issue code, [its five fields]) in catalogue order."""
        return [(code, [self[f"{code}-{name}"] for name in (*RATINGS, *POLICE)]) for code in self.issue_codes]

    def values(self, code: str) -> dict[str, int | None]:
        """Return the valid values of one issue as {what: int or None}."""
        out: dict[str, int | None] = {}
        for name in RATINGS:
            data = self[f"{code}-{name}"].data
            out[name] = int(data) if data else None
        for name in POLICE:
            out[name] = self[f"{code}-{name}"].data
        return out


def assessment_form(issues, assessments: dict, **kw) -> AssessmentForm:
    """Return the assessment form of the issues, filled from {issue id: IssueAssessment}."""
    codes = tuple(issue.code for issue in issues)
    data = {}

    class Form(AssessmentForm):
        issue_codes = codes

    for issue in issues:
        current = assessments.get(issue.id)
        for name in RATINGS:
            setattr(Form, f"{issue.code}-{name}", _rating_field(name))
            value = getattr(current, name, None)
            data[f"{issue.code}-{name}"] = "" if value is None else str(value)
        for name in POLICE:
            setattr(Form, f"{issue.code}-{name}", _police_field(name))
            data[f"{issue.code}-{name}"] = getattr(current, name, None)
    return Form(data=data, **kw)


class IsoDateField(DateField):
    """A date field whose error message is ours (translated)."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and not "".join(valuelist).strip():
            self.data = None  # InputRequired says what is missing
            self.raw_data = []  # (spaces only are nothing typed: InputRequired must not take them for a date)
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter the date as year-month-day, e.g. 2025-03-14.")) from exc

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


class ConfirmPrioritiesForm(FlaskForm):
    """The agreed priority issues in order (TOP_MAX places), with a reason wherever the ranking is departed from.

    Set `issue_choices` ([(code, name)]), `ranks` ({code: place in the computed ranking}) and
    `meeting_choices` ([(id, label)]) on the instance before validating.
    """

    decided_on = IsoDateField(_l("Date of the decision"), validators=[InputRequired(message=_l("Enter the date."))])
    meeting = SelectField(_l("Community meeting (optional)"), choices=[SelectChoice("", "—")], validate_choice=False,
                          default="")

    ranks: dict[str, int] = {}

    def places(self) -> list[tuple[int, object, object]]:
        """Return (place, issue field, reason field) for places 1..TOP_MAX."""
        return [(n, self[f"issue_{n}"], self[f"reason_{n}"]) for n in range(1, TOP_MAX + 1)]

    def set_choices(self, issue_choices: list[tuple[str, str]], ranks: dict[str, int],
                    meeting_choices: list[tuple[str, str]]) -> None:
        """Offer these issues and meetings; ranks is the computed ranking the reasons are checked against."""
        self.ranks = ranks
        for _n, issue, _reason in self.places():
            issue.choices = [SelectChoice("", "—")] + [SelectChoice(v, label) for v, label in issue_choices]
        self.meeting.choices = [SelectChoice("", "—")] + [SelectChoice(v, label) for v, label in meeting_choices]

    def chosen(self) -> list[tuple[int, str, str]]:
        """Return the filled places as (position, issue code, reason)."""
        return [(n, issue.data, (reason.data or "").strip()) for n, issue, reason in self.places() if issue.data]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        offered = {choice.value for choice in self.issue_1.choices if choice.value}
        if self.meeting.data and self.meeting.data not in {choice.value for choice in self.meeting.choices}:
            self.meeting.errors.append(_l("Choose a meeting from the list."))
            valid = False
        seen: set[str] = set()
        gap = False
        for n, issue, reason in self.places():
            if not issue.data:
                gap = True
                continue
            if issue.data not in offered:
                issue.errors.append(_l("Choose an issue from the list."))
                valid = False
                continue
            if gap:
                issue.errors.append(_l("Fill the places in order, without leaving one empty."))
                valid = False
            if issue.data in seen:
                issue.errors.append(_l("Each issue can be chosen only once."))
                valid = False
            seen.add(issue.data)
            rank = self.ranks.get(issue.data)
            if rank != n and not (reason.data or "").strip():
                reason.errors.append(_l(
                    "Say why this issue is at place %(place)s when the ranking puts it at place %(rank)s.",
                    place=n, rank=rank))
                valid = False
        if not seen:
            self.issue_1.errors.append(_l("Choose at least one priority issue."))
            valid = False
        return valid


for _n in range(1, TOP_MAX + 1):
    setattr(ConfirmPrioritiesForm, f"issue_{_n}", SelectField(
        _l("Priority %(n)s", n=_n), choices=[SelectChoice("", "—")], validate_choice=False, default=""))
    setattr(ConfirmPrioritiesForm, f"reason_{_n}", TextAreaField(
        _l("Why at this place (required when it differs from the ranking)"),
        validators=[Optional(), Length(max=1000, message=TOO_LONG)], render_kw={"rows": 2, "maxlength": 1000}))
del _n
