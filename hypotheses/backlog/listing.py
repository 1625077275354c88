"""The backlog list as the page shows it: every row's texts and links, prepared in one pass.

The list is the busiest page. Its cost used to be per cell (a translation lookup, a Babel
number format, a ``url_for``, a macro call each); here each distinct text is translated and
formatted once per page and the rows only fill patterns in, so the template does no lookups.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from babel.numbers import format_decimal
from flask import get_template_attribute, url_for
from flask_babel import get_locale, get_translations
from markupsafe import Markup, escape

from hypotheses.domain.backlog.queries import Line
from hypotheses.enums import Lever, Stage, Status, Subject, Vocabulary

# An id no row has: url_for builds a link once with it, rows swap in their own id.
PLACEHOLDER = "2147483647"


@lru_cache(maxsize=4096)
def _number(value: float, pattern: str, locale: str) -> str:
    return format_decimal(value, format=pattern, locale=locale)


@lru_cache(maxsize=1024)
def _label(vocabulary: type[Vocabulary], value: str, locale: str) -> str:
    """Return the label of a stored value in *locale*, escaped (labels are fixed per
    language)."""
    return escape(str(vocabulary.label_of(value)))


def _link_pattern(endpoint: str, **values) -> str:
    """Return the link of *endpoint* for the placeholder id (rows replace it with theirs)."""
    return url_for(endpoint, hypothesis_id=int(PLACEHOLDER), **values)


MARK = "\x01"  # around a value's name in a row's pattern (never in markup or escaped text)
SCORES = (("impact", "I", "Impact"), ("confidence", "C", "Confidence"), ("ease", "E", "Ease"))


def _slot(name: str) -> str:
    return f"{MARK}{name}{MARK}"


def _row_object(values: dict, names, *, editable: bool) -> SimpleNamespace:
    """The row as the macro reads it: *values* by name (placeholders, or the row's own)."""
    ident = values["id"]
    fields = tuple(
        (name, f"ice-{name}-{ident}", short, label, values[f"{name}_described"], values[name])
        for name, short, label in names
    )
    return SimpleNamespace(
        **{**values, "score_url": values["score_url"] if editable else None}, fields=fields
    )


VALUE_NAMES = (
    "id",
    "score",
    "rice",
    "title",
    "detail_url",
    "parent",
    "stage",
    "lever",
    "subject",
    "owner",
    "status",
    "badge",
    "score_url",
    "form_label",
    "version",
    "impact",
    "confidence",
    "ease",
    "impact_described",
    "confidence_described",
    "ease_described",
    "save_label",
    "age",
)


@lru_cache(maxsize=64)
def _pattern(locale: str, names: tuple, rice: bool, editable: bool) -> tuple[str, ...]:
    """Return a row's markup split at its placeholders: literal text at even places, value
    names at odd ones (the same for every row of a kind, in one language; the CSRF token is
    a value too, so a pattern serves every page)."""
    macro = get_template_attribute("backlog/_row.html", "backlog_row")
    placeholders = {name: _slot(name) for name in VALUE_NAMES}
    row = _row_object(placeholders, names, editable=editable)
    return tuple(str(macro(row, rice, _slot("token"))).split(MARK))


def rows(
    items: list[Line],
    *,
    formula: str,
    may_score: bool,
    editable: frozenset[str] | set[str] | tuple[str, ...],
    args: dict[str, str],
    now: datetime,
    rice: bool,
    token: str | None,
    score_forms: dict | None = None,
) -> Markup:
    """Render one page of the list as table rows, in the user's language.

    The row macro (templates/backlog/_row.html) is rendered once per kind of row (scores
    editable or not) with placeholders; each row then fills its escaped values in. A row
    whose score form came back refused (*score_forms*) is rendered through the macro itself.
    """
    locale = str(get_locale() or "en")
    t = get_translations()  # the catalog itself: no per-string context lookups below
    score_pattern = "#,##0" if formula == "product" else "0.0"
    detail = _link_pattern("backlog.detail")
    score = str(escape(_link_pattern("backlog.score", **args))) if may_score else ""
    # Translated and escaped once; each row fills in its escaped title (escaping is per
    # character, so escaping the pattern and the title apart gives the escaped whole).
    form_label = str(escape(t.ugettext("ICE scores of #%(id)s “%(title)s”")))  # titles repeat
    field_label = str(escape(t.ugettext("%(score)s of “%(title)s”")))
    names = [(name, t.ugettext(short), t.ugettext(label)) for name, short, label in SCORES]
    described = [
        (name, field_label.replace("%(score)s", escape(label))) for name, _s, label in names
    ]
    save_label = str(escape(t.ugettext("scores of “%(title)s”")))
    follow_up = t.ugettext("Follow-up of #%(id)d")
    today = t.ugettext("today")
    patterns = {
        editable_row: _pattern(locale, tuple(names), rice, editable_row)
        for editable_row in ((True, False) if may_score else (False,))
    }
    owners: dict[str | None, str] = {}
    ages: dict[int, str] = {}
    out = []
    for line in items:
        ident = str(line.id)
        days = (now - line.created_at).days
        title = {"title": str(escape(line.title))}
        owner = owners.get(line.owner_name)
        if owner is None:
            owner = owners[line.owner_name] = str(escape(line.owner_name or "—"))
        age = ages.get(days)
        if age is None:
            words = t.ungettext("%(num)d day", "%(num)d days", days) % {"num": days}
            age = ages[days] = str(escape(today if days < 1 else words))
        values = {
            "id": ident,
            "score": _number(line.score, score_pattern, locale),
            "rice": "–" if line.rice is None else _number(line.rice, "#,##0", locale),
            "title": title["title"],
            "detail_url": detail.replace(PLACEHOLDER, ident, 1),
            "parent": Markup('<div class="small text-muted">%s</div>')
            % (follow_up % {"id": line.parent_id})
            if line.parent_id
            else "",
            "stage": _label(Stage, line.stage, locale),
            "lever": _label(Lever, line.lever, locale),
            "subject": _label(Subject, line.subject, locale),
            "owner": owner,
            "status": _label(Status, line.status, locale),
            "badge": Status.badge_of(line.status),
            "score_url": score.replace(PLACEHOLDER, ident, 1),
            "form_label": form_label % {"id": ident, **title},
            "version": str(line.version),
            "impact": str(line.impact),
            "confidence": str(line.confidence),
            "ease": str(line.ease),
            "save_label": save_label % title,
            "age": age,
        }
        for name, pattern in described:
            values[f"{name}_described"] = pattern % title
        editable_row = may_score and line.status in editable
        refused = (score_forms or {}).get(line.id)
        if refused is not None and editable_row:
            row = _row_object({k: Markup(v) for k, v in values.items()}, names, editable=True)
            macro = get_template_attribute("backlog/_row.html", "backlog_row")
            out.append(str(macro(row, rice, token, refused)))
            continue
        values["token"] = token or ""
        parts = list(patterns[editable_row])
        parts[1::2] = [values[name] for name in parts[1::2]]
        out.append("".join(parts))
    return Markup("\n".join(out))
