"""Backlog CSV import's column mapping: which column of a file feeds which field, and the
words a file may use for stage, lever and subject.

Columns are recognised by their names in English or Russian (our field names, their labels in
either language, the headers of our own export, common synonyms); stage, lever and subject
accept our values, their labels in either language and common synonyms.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hypotheses.domain.backlog.fields import FIELD_LABELS
from hypotheses.domain.backlog.rules import CHOICES
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.overview.csv_columns import COLUMN_NAMES
from hypotheses.languages import LANGUAGES

# Our fields, in form order, with their labels: the form's, shorter for the change and the
# rationale, and the owner by e-mail. "title" is the one required mapping.
_LABELS = {
    **FIELD_LABELS,
    "change": _l("Change"),
    "rationale": _l("Rationale"),
    "owner_email": _l("Owner (e-mail)"),
}
FIELDS: dict[str, Any] = {
    name: _LABELS[name]
    for name in (
        "title change audience expected_effect rationale stage lever subject channel owner_email"
        " tags links impact confidence ease reach effort"
    ).split()
}
REQUIRED = ("title",)
ALIASES = {
    "title": ("name", "hypothesis", "idea"),
    "expected_effect": ("effect", "expected"),
    "rationale": ("reason", "why", "because"),
    "stage": ("funnel", "funnel stage"),
    "audience": ("segment", "audience"),
    "owner_email": ("owner", "email", "owner email"),
    "impact": ("i",),
    "confidence": ("c",),
    "ease": ("e",),
}
# Russian column names people write (besides our labels and export headers in Russian).
RU_ALIASES = {
    "title": ("название", "гипотеза", "идея", "заголовок"),
    "change": ("изменение", "что меняем"),
    "audience": ("аудитория", "сегмент"),
    "expected_effect": ("ожидаемый эффект", "эффект"),
    "rationale": ("обоснование", "почему"),
    "stage": ("этап воронки", "этап", "воронка"),
    "lever": ("рычаг",),
    "subject": ("предмет", "что тестируем"),
    "channel": ("канал",),
    "owner_email": ("ответственный", "владелец", "email ответственного", "почта"),
    "tags": ("теги", "метки"),
    "links": ("ссылки",),
    "impact": ("влияние",),
    "confidence": ("уверенность",),
    "ease": ("лёгкость",),
    "reach": ("охват",),
    "effort": ("трудозатраты", "усилия", "затраты"),
}
# Other words for the values of stage, lever and subject (our values and labels also count).
VALUE_SYNONYMS = {
    "stage": {
        "lead": ("лиды", "заявка", "заявки", "leads"),
        "sale": ("продажи", "sales"),
    },
    "lever": {
        "traffic": ("трафик", "лиды", "leads"),
        "aov": ("aov", "средний чек", "чек"),
        "repeat": ("повторные покупки", "повторные", "repeat"),
    },
    "subject": {
        "creative": ("креативы",),
        "offer": ("предложение",),
        "landing page": ("лендинг", "посадочная", "landing"),
        "message": ("месседж",),
        "lead handling": ("обработка заявок",),
        "pricing": ("цена", "ценообразование", "price"),
        "other": ("прочее",),
    },
}

# ---------------------------------------------------------------- mapping


def _norm(text: str) -> str:
    text = text.strip().lower().replace("ё", "е")
    return re.sub(r"[\s_\-/()*]+", " ", text).strip()


def _in_each_language(text: Any) -> list[str]:
    """A lazy string as each supported language writes it."""
    out = []
    for language in LANGUAGES:
        with force_locale(language):
            out.append(str(text))
    return out


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Propose {our field: their column} from names, labels (English or Russian), our export's
    headers and common aliases."""
    by_norm: dict[str, str] = {}
    for header in headers:
        by_norm.setdefault(_norm(header), header)
    mapping: dict[str, str] = {}
    for name, label in FIELDS.items():
        candidates = (
            name,
            *_in_each_language(label),
            *_in_each_language(COLUMN_NAMES[name]),
            name.replace("_", " "),
            *ALIASES.get(name, ()),
            *RU_ALIASES.get(name, ()),
        )
        for candidate in candidates:
            header = by_norm.get(_norm(candidate))
            if header and header not in mapping.values():
                mapping[name] = header
                break
    return mapping


def check_mapping(mapping: dict[str, str | None], headers: list[str]) -> dict[str, str]:
    """Return the mapping without blanks; refuse unknown fields or columns and double use."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, header in mapping.items():
        if name not in FIELDS:
            errors[name] = [_("Unknown field.")]
        elif header:
            if header not in headers:
                errors[name] = [_("The file has no column “%(name)s”.", name=header)]
            elif header in clean.values():
                errors[name] = [_("Column “%(name)s” already feeds another field.", name=header)]
            else:
                clean[name] = header
    for name in REQUIRED:
        if name not in clean and name not in errors:
            errors[name] = [
                _("Choose the column that holds the %(field)s.", field=str(FIELDS[name]).lower())
            ]
    if errors:
        raise ValidationFailed(errors, _("Check the column mapping."))
    return clean


def choice_words() -> dict[str, dict[str, str]]:
    """{field: {normalised word: our value}} for stage, lever and subject: our values, their
    labels in every language and VALUE_SYNONYMS."""
    words: dict[str, dict[str, str]] = {}
    for name, enum in CHOICES.items():
        known = words[name] = {}
        for member in enum:
            known.setdefault(_norm(member.value), member.value)
            for text in _in_each_language(member.label):
                known.setdefault(_norm(text), member.value)
        for value, synonyms in VALUE_SYNONYMS.get(name, {}).items():
            for text in synonyms:
                known.setdefault(_norm(text), value)
    return words


def choice(name: str, raw: str, words: dict[str, dict[str, str]] | None = None) -> str | None:
    """Return our value of field *name* that the cell *raw* stands for (None: none)."""
    return (words or choice_words())[name].get(_norm(raw))
