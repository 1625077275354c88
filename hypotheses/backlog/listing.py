"""The backlog list as the page shows it: every row's texts and links, prepared in one pass.

The list is the busiest page. Its cost used to be per cell (a translation lookup, a Babel
number format, a ``url_for``, a macro call each); here each distinct text is translated and
formatted once per page and the rows only fill patterns in, so the template does no lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask import current_app, get_template_attribute, request, url_for
from flask_babel import LazyString, get_locale, get_translations
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from hypotheses.backlog.forms import FilterForm
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


def _text(label, translations) -> str:
    """Translate a label through the catalog at hand (a lazy string looks its context up again
    each time it is printed: several times per option of every select)."""
    if isinstance(label, LazyString) and label._func is babel_gettext and not label._kwargs:
        return translations.ugettext(*label._args)
    return str(label)


@dataclass(frozen=True)
class FilterField:
    """One control of the filter bar, every text ready to print."""

    id: str
    name: str
    label: str
    select: bool
    options: tuple[tuple[str, str, bool], ...]  # (value, label, selected) of a select
    value: str  # of a text input
    errors: tuple[str, ...]


def filter_fields(form) -> list[FilterField]:
    """Return the filter bar's fields (search, status, stage, lever, subject, owner, sort)."""
    t = get_translations()
    out = []
    for name in ("q", "status", "stage", "lever", "subject", "owner_id", "sort"):
        field = form[name]
        select = field.type == "SelectField"
        out.append(
            FilterField(
                id=field.id,
                name=field.name,
                label=_text(field.label.text, t),
                select=select,
                options=tuple(
                    (value, _text(label, t), selected)
                    for value, label, selected, _attrs in field.iter_choices()
                )
                if select
                else (),
                value="" if select else field._value(),
                errors=tuple(_text(e, t) for e in field.errors),
            )
        )
    return out


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


@dataclass(frozen=True)
class Header:
    """One column header of the backlog table: a link that sorts by it, when it sorts."""

    label: str
    href: str | None  # None: the column does not sort
    aria_sort: str | None  # "ascending" | "descending" when the list is sorted by it
    arrow: str  # shown beside the label of the sorted column (aria-hidden)


# column -> (its first order, its reverse, the first order's direction)
SORTABLE = {
    "score": ("score", "score-asc", "descending"),
    "rice": ("rice", "rice-asc", "descending"),
    "title": ("title", "title-desc", "ascending"),
    "owner": ("owner", "owner-desc", "ascending"),
    "status": ("status", "status-desc", "ascending"),
    "age": ("newest", "oldest", "ascending"),  # youngest first: age ascending
}
COLUMNS = (
    ("score", _l("Score")),
    ("rice", _l("RICE")),
    ("title", _l("Title")),
    ("stage", _l("Stage")),
    ("lever", _l("Lever")),
    ("subject", _l("Subject")),
    ("owner", _l("Owner")),
    ("status", _l("Status")),
    ("ice", _l("Impact · Confidence · Ease")),
    ("age", _l("Age")),
)


def headers(sort: str, args: dict[str, str], *, rice: bool) -> list[Header]:
    """Return the table's headers; a sortable one links to its order (filters kept), and to
    the reverse order when the list is already sorted by it."""
    key = ("headers", _locale(), request.script_root, sort, tuple(args.items()), rice)
    return _memo(key, lambda: _headers(sort, args, rice=rice))


def _headers(sort: str, args: dict[str, str], *, rice: bool) -> list[Header]:
    t = get_translations()
    base = url_for("backlog.index")
    kept = {k: v for k, v in args.items() if k not in ("sort", "page")}
    out = []
    for name, label in COLUMNS:
        if name == "rice" and not rice:
            continue
        if name not in SORTABLE:
            out.append(Header(_text(label, t), None, None, ""))
            continue
        first, reverse, direction = SORTABLE[name]
        current = sort if sort in (first, reverse) else None
        if current == first:
            aria = direction
        elif current == reverse:
            aria = "ascending" if direction == "descending" else "descending"
        else:
            aria = None
        target = reverse if current == first else first
        out.append(
            Header(
                _text(label, t),
                f"{base}?{urlencode({**kept, 'sort': target})}",
                aria,
                {"ascending": "▲", "descending": "▼", None: ""}[aria],
            )
        )
    return out


SHARED_FILTERS = ("stage", "lever", "subject", "owner_id", "q")  # the list's and the board's


@lru_cache(maxsize=512)
def _filter_bar(locale: str, fields: tuple[FilterField, ...], action: str) -> Markup:
    """Render the filter bar (the same fields, language and address give the same markup)."""
    macro = get_template_attribute("backlog/_filters.html", "filter_bar")
    return Markup(macro(list(fields), action, action))


def page_parts(
    view: str, fields: list[FilterField], args: dict[str, str], page=None
) -> dict[str, Markup]:
    """Return the filter bar, the list/board switch and (the list's) pager, rendered."""
    where = (page.page, page.pages) if page is not None else None
    key = ("parts", _locale(), request.script_root, view, tuple(args.items()), tuple(fields), where)
    return _memo(key, lambda: _page_parts(view, fields, args, page))


def _page_parts(view: str, fields: list[FilterField], args: dict[str, str], page) -> dict:
    kept = {k: v for k, v in args.items() if k in SHARED_FILTERS}
    endpoint = "backlog.index" if view == "list" else "backlog.board"
    switch = get_template_attribute("backlog/_filters.html", "view_switch")
    parts = {
        "filter_bar": _filter_bar(str(get_locale() or "en"), tuple(fields), url_for(endpoint)),
        "view_switch": Markup(
            switch(
                view,
                url_for("backlog.index", view="list", **kept),
                url_for("backlog.board", **kept),
            )
        ),
        "pagination": Markup(""),
    }
    if page is not None:
        pager = get_template_attribute("macros/pagination.html", "pagination")
        parts["pagination"] = Markup(pager(page, endpoint, args))
    return parts


HEALTH = "_partials/backlog_health.html"


def health_html(health) -> Markup:
    """Render the backlog health bar (_partials/backlog_health.html), once per language and
    state: the same numbers and message give the same markup."""
    if health.extra:  # findings of other areas: rendered as they come
        return Markup(current_app.jinja_env.get_template(HEALTH).render(health=health))
    key = (
        "health",
        str(get_locale() or "en"),
        request.script_root,
        health.size,
        health.min,
        health.max,
        health.state,
        health.ideas,
        health.message,
    )
    return _memo(
        key, lambda: Markup(current_app.jinja_env.get_template(HEALTH).render(health=health))
    )


# Parts of the page that follow from a few values (language, filters, numbers) are rendered
# once per distinct values and kept, a bounded number of them, for the next pages.
_MEMO: dict[tuple, object] = {}
MEMO_SIZE = 2048


def _memo(key: tuple, build):
    try:
        return _MEMO[key]
    except KeyError:
        pass
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    value = _MEMO[key] = build()
    return value


def _locale() -> str:
    return str(get_locale() or "en")


FILTER_NAMES = ("q", "status", "stage", "lever", "subject", "owner_id", "sort")


def read_filters(members: list, *, rice: bool, formdata) -> tuple[dict, list[FilterField]]:
    """Check the filters of *formdata* with FilterForm; return (its criteria, the bar's fields).

    The same members, arguments and language give the same answer: kept (see ``_memo``).
    """
    given = tuple((k, v) for k, v in formdata.items(multi=True) if k in FILTER_NAMES)
    people = tuple((u.id, u.name) for u in members)
    key = ("filters", _locale(), rice, people, given)

    def build():
        form = FilterForm(formdata=formdata)
        form.setup(members, rice=rice)
        form.validate()
        return form.criteria(), filter_fields(form)

    criteria, fields = _memo(key, build)
    return dict(criteria), list(fields)
