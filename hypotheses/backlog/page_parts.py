"""The backlog page's parts around the rows: the filter bar, the column headers, the list/board
switch, the pager and the health bar; each follows from a few values (language, filters,
numbers), so it is rendered once per distinct values and kept, a bounded number of them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from flask import current_app, get_template_attribute, request, url_for
from flask_babel import LazyString, get_locale, get_translations
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from hypotheses.backlog.forms import FilterForm


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
    chosen: bool  # a valid filter set to other than its default (the search and sort aside)


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
                chosen=select and name != "sort" and bool(field.data) and not field.errors,
            )
        )
    return out


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
