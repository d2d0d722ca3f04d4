"""Forms of the meeting pages: the meeting with its attendance, opening a vote, show-of-hands counts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n import localized
from ..municipalities.forms import TOO_LONG
from .meetings import AGE_BANDS, DOTS_DEFAULT, DOTS_MAX, DOTS_MIN, GENDERS, Vote

HEAD_COUNT_MAX = 10_000  # more people than any meeting hall holds
GENDER_LABELS = {"female": _l("Women"), "male": _l("Men")}
AGE_LABELS = {"14_17": "14–17", "18_29": "18–29", "30_44": "30–44", "45_59": "45–59", "60_plus": _l("60 or older")}


class CountField(IntegerField):
    """A whole number from low to high (empty counts as `empty`, or is refused when that is None).

    Anything else (negative, a fraction, words) is refused with one clear, translated message.
    """

    def __init__(self, label=None, low: int = 0, high: int = HEAD_COUNT_MAX, *, empty: int | None = 0, **kw):
        kw.setdefault("render_kw", {})
        kw["render_kw"].update({"inputmode": "numeric", "min": low, "max": high, "step": 1})
        super().__init__(label, **kw)
        self.low, self.high, self.empty = low, high, empty

    def message(self):
        return _l("Enter a whole number from %(min)s to %(max)s.", min=self.low, max=self.high)

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if raw == "" and self.empty is not None:
            self.data = self.empty
            return
        # More digits than the highest count has is too many (and int() refuses 4,300 digits or more).
        if (not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > len(str(self.high))
                or not self.low <= int(raw) <= self.high):
            self.data = None
            raise ValueError(self.message())
        self.data = int(raw)


class DayField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD), refused with a translated message otherwise."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter the date as YYYY-MM-DD, for example 2026-03-15.")) from None


class MeetingForm(FlaskForm):
    """A community meeting: when, where, who facilitated, who came (by gender and age band), the minutes."""

    held_on = DayField(_l("Date of the meeting"), validators=[InputRequired(message=_l("Enter the date of the meeting."))])
    place = StringField(_l("Place"), validators=[DataRequired(message=_l("This field is required.")),
                                                 Length(max=200, message=TOO_LONG)])
    facilitator = StringField(_l("Facilitator"), validators=[Optional(), Length(max=120, message=TOO_LONG)],
                              description=_l("The name of the person who led the meeting."))
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=20_000, message=TOO_LONG)],
                            description=_l("What was discussed and agreed."), render_kw={"rows": 6})

    def count_fields(self, gender: str) -> list:
        """Return the head-count fields of one gender, in age-band order."""
        return [self[count_name(gender, band)] for band in AGE_BANDS]

    def counts(self) -> dict[tuple[str, str], int]:
        """Return {(gender, age band): count} from the checked form."""
        return {(g, b): self[count_name(g, b)].data or 0 for g in GENDERS for b in AGE_BANDS}


def count_name(gender: str, band: str) -> str:
    """Return the form field name of one attendance cell."""
    return f"n_{gender}_{band}"


for _gender in GENDERS:
    for _band in AGE_BANDS:
        setattr(MeetingForm, count_name(_gender, _band), CountField(AGE_LABELS[_band], 0, HEAD_COUNT_MAX, default=0))


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Choose from the issues listed."))


class VoteForm(FlaskForm):
    """Open a dot-vote: how many dots each participant has and which issues are offered."""

    dots = CountField(_l("Dots per participant"), DOTS_MIN, DOTS_MAX, empty=None, default=DOTS_DEFAULT)
    issues = MultiCheckboxField(_l("Issues to vote on"), validate_choice=True)

    def __init__(self, issues, *args, **kw):
        super().__init__(*args, **kw)
        self.issues.choices = [(issue.code, localized(issue, "name")) for issue in issues]
        if not self.is_submitted():
            self.issues.data = [issue.code for issue in issues]
        self.dots.flags.required = True

    def validate_issues(self, field) -> None:
        if len(field.data or []) < 2:
            raise ValidationError(_l("Choose at least two issues."))


def hands_form(vote: Vote, formdata=None) -> FlaskForm:
    """Return a form with a show-of-hands count per issue of the vote (field h_<issue code>)."""

    class HandsForm(FlaskForm):
        pass

    for option in vote.options:
        setattr(HandsForm, f"h_{option.issue.code}",
                CountField(localized(option.issue, "name"), 0, HEAD_COUNT_MAX, default=option.hands))
    return HandsForm(formdata=formdata) if formdata is not None else HandsForm()


def hands_counts(form: FlaskForm) -> dict[str, int]:
    """Return {issue code: hands} from a checked hands form."""
    return {name[2:]: field.data or 0 for name, field in form._fields.items() if name.startswith("h_")}
