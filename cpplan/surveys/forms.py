"""Forms of the facilitator's survey pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from ..municipalities.forms import TOO_LONG, NamesMixin, names, text


class ImportForm(FlaskForm):
    file = FileField(_l("KoboToolbox or ODK export (CSV or XLSX)"), validators=[
        FileRequired(message=_l("Choose the export file.")),
        FileAllowed(["csv", "xlsx"], message=_l("Choose a .csv or .xlsx file.")),
    ])
    dry_run = BooleanField(_l("Only check the file, import nothing yet"), default=True)


class IssueForm(NamesMixin, FlaskForm):
    """A municipality's own issue for residents to rate, besides the national catalogue."""

    name_ky, name_ru, name_en = names()
    description_ky = text(_l("One-line description in Kyrgyz"), 300)
    description_ru = text(_l("One-line description in Russian"), 300)
    description_en = text(_l("One-line description in English"), 300)
    is_sensitive = BooleanField(_l("Sensitive issue"), description=_l(
        "Sensitive issues are only ever shown in aggregate, and with a higher minimum number of answers "
        "per figure."))


LANGS = ("ky", "ru", "en")
QUESTION_MAX = 500  # as survey_questions.text_* and help_*
OPTION_MAX = 200    # as survey_options.label_*
LANGUAGE_NAMES = {"ky": _l("Kyrgyz"), "ru": _l("Russian"), "en": _l("English")}


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _wording(label, max_len: int, rows: int) -> TextAreaField:
    """Return an optional text of at most max_len characters (spaces at either end dropped)."""
    return TextAreaField(label, validators=[Optional(), Length(max=max_len, message=TOO_LONG)], filters=[_stripped],
                         render_kw={"maxlength": max_len, "rows": rows})


class QuestionForm(FlaskForm):
    """The wording of one question in three languages; code, kind, sensitivity and show-if are not editable."""

    # The version the page was shown for: a change saved in between must not be overwritten unseen.
    version = HiddenField()
    text_ky = _wording(_l("Question in Kyrgyz"), QUESTION_MAX, 2)
    text_ru = _wording(_l("Question in Russian"), QUESTION_MAX, 2)
    text_en = _wording(_l("Question in English"), QUESTION_MAX, 2)
    help_ky = _wording(_l("Help text in Kyrgyz"), QUESTION_MAX, 2)
    help_ru = _wording(_l("Help text in Russian"), QUESTION_MAX, 2)
    help_en = _wording(_l("Help text in English"), QUESTION_MAX, 2)

    option_codes: tuple[str, ...] = ()

    def option_fields(self) -> list[tuple[str, list]]:
        """Return (option code, [its label fields ky, ru, en]) in order."""
        return [(code, [self[f"option_{i}_{lang}"] for lang in LANGS]) for i, code in enumerate(self.option_codes)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(self[f"text_{lang}"].data for lang in LANGS):
            self.text_ky.errors.append(_l("Enter the question in at least one language."))
            valid = False
        for _code, fields in self.option_fields():
            if not any(f.data for f in fields):
                fields[0].errors.append(_l("Enter the label in at least one language."))
                valid = False
        return valid

    def apply(self, question) -> None:
        """Write the wording into the question and its options (codes stay as they are)."""
        for name in ("text", "help"):
            for lang in LANGS:
                setattr(question, f"{name}_{lang}", self[f"{name}_{lang}"].data or "")
        by_code = {o.code: o for o in question.options}
        for code, fields in self.option_fields():
            for lang, f in zip(LANGS, fields):
                setattr(by_code[code], f"label_{lang}", f.data or "")


def question_form(question, version: int, **kw) -> QuestionForm:
    """Return the editing form of a question: its texts, plus label fields for each option of a choice question."""
    codes = tuple(o.code for o in question.options) if question.kind in ("single", "multiple") else ()
    data = {"version": str(version)}
    data.update({f"{name}_{lang}": getattr(question, f"{name}_{lang}") or "" for name in ("text", "help")
                 for lang in LANGS})

    class Form(QuestionForm):
        option_codes = codes

    for i, option in enumerate(question.options if codes else ()):
        for lang in LANGS:
            setattr(Form, f"option_{i}_{lang}", _wording(LANGUAGE_NAMES[lang], OPTION_MAX, 1))
            data[f"option_{i}_{lang}"] = getattr(option, f"label_{lang}") or ""
    return Form(data=data, **kw)
