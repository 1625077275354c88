"""Checks on rendered HTML pages: accessibility and safety rules every screen must follow.

``check_page(html)`` returns a list of human-readable violations (empty when the page is
clean); ``links(html, base)`` and ``get_forms(html, base)`` feed the crawler. Only the stdlib
``html.parser`` is used, so the checks run anywhere the tests run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Control:
    """A form control that needs an accessible name."""

    tag: str
    attrs: dict[str, str]
    in_label: bool
    line: int

    def describe(self) -> str:
        bits = [self.tag]
        for key in ("type", "name", "id"):
            if self.attrs.get(key):
                bits.append(f'{key}="{self.attrs[key]}"')
        return f"<{' '.join(bits)}> (line {self.line})"


@dataclass
class Form:
    """A <form> with what the crawler and the CSRF check need."""

    method: str
    action: str
    line: int
    has_csrf: bool = False
    fields: list[tuple[str, str]] = field(
        default_factory=list
    )  # (name, default value) for GET forms
    _select: str | None = None
    _select_value: str | None = None
    _select_first: str | None = None


class PageParser(HTMLParser):
    """Collect everything the checks look at in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: list[tuple[str, int]] = []
        self.labelledby: list[tuple[str, int]] = []
        self.controls: list[Control] = []
        self.images: list[tuple[dict[str, str], int]] = []
        self.svgs: list[tuple[dict[str, str], bool, int]] = []
        self.hrefs: list[tuple[str, int]] = []
        self.forms: list[Form] = []
        self.invalid: set[str] = (
            set()
        )  # names of controls marked invalid (is-invalid / aria-invalid)
        self._label_depth = 0
        self._form: Form | None = None
        self._svg: tuple[dict[str, str], int] | None = None
        self._svg_depth = 0
        self._svg_titled = False
        self._in_option: dict[str, str] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""
        self._hidden: list[str] = []  # open aria-hidden elements: their text names nothing
        self._naming: list[dict] = []  # open buttons and links, waiting for a name
        self.unnamed: list[str] = []

    # -- parsing -------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attr_list}
        line = self.getpos()[0]
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if attrs.get("aria-labelledby"):
            self.labelledby.extend((ident, line) for ident in attrs["aria-labelledby"].split())
        self._track_names(tag, attrs, line)
        if attrs.get("role") == "progressbar":
            named = attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby", "").strip()
            valued = (
                attrs.get("aria-valuenow", "").strip() or attrs.get("aria-valuetext", "").strip()
            )
            if not (named and valued):
                self.unnamed.append(f"progressbar without an ARIA name and value (line {line})")
        if self._svg is not None:
            if tag == "svg":
                self._svg_depth += 1
            elif tag == "title":
                self._svg_titled = True
            return
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.append((attrs["for"], line))
        elif tag in ("input", "select", "textarea"):
            self._control(tag, attrs, line)
        elif tag == "option" and self._form is not None and self._form._select is not None:
            self._in_option, self._option_text = attrs, ""
        elif tag == "img":
            self.images.append((attrs, line))
        elif tag == "svg":
            self._svg, self._svg_depth, self._svg_titled = (attrs, line), 1, False
        elif tag == "a" and "href" in attrs:
            self.hrefs.append((attrs["href"], line))
        elif tag == "form":
            self._form = Form(
                method=(attrs.get("method") or "get").lower(),
                action=attrs.get("action", ""),
                line=line,
            )
            self.forms.append(self._form)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("svg", "label", "form", "title"):
            self.handle_endtag(tag)

    def _track_names(self, tag: str, attrs: dict[str, str], line: int) -> None:
        """Follow buttons and links until their end: each needs visible text or an ARIA name."""
        hidden = bool(self._hidden) or attrs.get("aria-hidden") == "true"
        if attrs.get("aria-hidden") == "true" and tag not in VOID:
            self._hidden.append(tag)
        if tag == "button" or (tag == "a" and "href" in attrs):
            named = any(
                attrs.get(k, "").strip() for k in ("aria-label", "aria-labelledby", "title")
            )
            self._naming.append({"tag": tag, "line": line, "named": named})
        elif self._naming and not hidden:
            if (tag == "img" and attrs.get("alt", "").strip()) or attrs.get(
                "aria-label", ""
            ).strip():
                self._naming[-1]["named"] = True

    def handle_data(self, data: str) -> None:
        if self._naming and not self._hidden and data.strip():
            self._naming[-1]["named"] = True
        if self._in_option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()
        if self._naming and self._naming[-1]["tag"] == tag:
            element = self._naming.pop()
            if not element["named"]:
                self.unnamed.append(
                    f"<{tag}> without a text or an ARIA name (line {element['line']})"
                )
        if self._svg is not None:
            if tag == "svg":
                self._svg_depth -= 1
                if self._svg_depth == 0:
                    self.svgs.append((self._svg[0], self._svg_titled, self._svg[1]))
                    self._svg = None
            return
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        elif tag == "form":
            self._form = None
        elif tag == "option" and self._in_option is not None:
            self._option_end()
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                text = self._textarea_text
                self._form.fields.append(
                    (self._textarea, text[1:] if text.startswith("\n") else text)
                )
            self._textarea = None
        elif tag == "select" and self._form is not None and self._form._select is not None:
            if self._in_option is not None:
                self._option_end()
            value = (
                self._form._select_value
                if self._form._select_value is not None
                else self._form._select_first
            )
            if value is not None:
                self._form.fields.append((self._form._select, value))
            self._form._select = None

    def _option_end(self) -> None:
        form, option = self._form, self._in_option
        self._in_option = None
        if form is None or option is None:
            return
        value = option.get("value", self._option_text.strip())
        if form._select_first is None:
            form._select_first = value
        if "selected" in option:
            form._select_value = value

    def _control(self, tag: str, attrs: dict[str, str], line: int) -> None:
        kind = attrs.get("type", "text").lower() if tag == "input" else tag
        if "is-invalid" in attrs.get("class", "").split() or attrs.get("aria-invalid") == "true":
            self.invalid.add(attrs.get("name", ""))
        if self._form is not None:
            if attrs.get("name") == "csrf_token" and kind == "hidden":
                self._form.has_csrf = True
            name = attrs.get("name")
            if name and tag == "select":
                self._form._select, self._form._select_value, self._form._select_first = (
                    name,
                    None,
                    None,
                )
            elif name and tag == "textarea":
                self._textarea, self._textarea_text = name, ""
            elif (
                name
                and tag == "input"
                and kind not in ("submit", "button", "reset", "image", "file")
            ):
                if kind not in ("checkbox", "radio") or "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value", "")))
        if tag == "input" and kind in UNLABELLED_INPUT_TYPES:
            if kind == "image" and not attrs.get("alt"):
                self.controls.append(Control(tag, attrs, False, line))  # reported as unlabelled
            return
        self.controls.append(Control(tag, attrs, self._label_depth > 0, line))


@dataclass
class Page:
    """The parse of one HTML page."""

    parser: PageParser

    @property
    def forms(self) -> list[Form]:
        return self.parser.forms


def parse(html: str) -> Page:
    """Parse *html* into the facts the checks use."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return Page(parser)


def check_page(html: str, *, page: Page | None = None) -> list[str]:
    """Return every rule the page breaks (labels, alt, svg, ids, javascript:, CSRF, h1, lang)."""
    p = (page or parse(html)).parser
    problems: list[str] = []
    if not (p.html_lang or "").strip():
        problems.append("<html> has no lang attribute")
    if p.h1 != 1:
        problems.append(f"expected exactly one <h1>, found {p.h1}")
    duplicates = sorted(ident for ident, n in Counter(p.ids).items() if n > 1)
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    ids = set(p.ids)
    for target, line in p.label_for:
        if target not in ids:
            problems.append(f'<label for="{target}"> points at no element (line {line})')
    for target, line in p.labelledby:
        if target not in ids:
            problems.append(f'aria-labelledby="{target}" points at no element (line {line})')
    labelled = {target for target, _line in p.label_for}
    for control in p.controls:
        a = control.attrs
        if (
            control.in_label
            or a.get("aria-label", "").strip()
            or a.get("aria-labelledby", "").strip()
        ):
            continue
        if a.get("id") and a["id"] in labelled:
            continue
        problems.append(f"form control without a label: {control.describe()}")
    for attrs, line in p.images:
        if "alt" not in attrs:
            problems.append(f'<img src="{attrs.get("src", "")}"> has no alt (line {line})')
    for attrs, titled, line in p.svgs:
        hidden = attrs.get("aria-hidden") == "true"
        named = attrs.get("role") == "img" and (
            attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby")
        )
        if not (hidden or named or titled):
            problems.append(
                f"inline <svg> without a title, role=img + aria-label, or aria-hidden (line {line})"
            )
    problems.extend(p.unnamed)
    for href, line in p.hrefs:
        if href.strip().lower().replace("\t", "").replace("\n", "").startswith("javascript:"):
            problems.append(f'javascript: link "{href[:60]}" (line {line})')
    for form in p.forms:
        if form.method == "post" and not form.has_csrf:
            problems.append(
                f'<form method="post" action="{form.action}"> has no csrf_token field '
                f"(line {form.line})"
            )
    return problems


def same_site_path(href: str, base: str) -> str | None:
    """Return the path?query of *href* when it stays on this site (fragment dropped), else None."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(base).netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links(page: Page, base: str) -> list[str]:
    """Return the same-site targets of the page's <a href> links, in page order."""
    out = []
    for href, _line in page.parser.hrefs:
        target = same_site_path(href, base)
        if target is not None:
            out.append(target)
    return out


def get_form_urls(page: Page, base: str) -> list[str]:
    """Return the URL each GET form would load when submitted with its default values."""
    out = []
    for form in page.forms:
        if form.method != "get":
            continue
        target = same_site_path(form.action or base, base)
        if target is None:
            continue
        path = target.split("?", 1)[0]
        query = urlencode([(k, v) for k, v in form.fields if v != ""])
        out.append(path + (f"?{query}" if query else ""))
    return out


def form_values(
    page: Page, action: str, page_url: str = "http://localhost/"
) -> list[tuple[str, str]]:
    """Return the (name, value) pairs a browser would send from the POST form to *action*."""
    for form in page.forms:
        target = urlsplit(urljoin(page_url, form.action or page_url)).path
        if form.method == "post" and target == action:
            return list(form.fields)
    raise AssertionError(f"no POST form with action {action} on the page")


def invalid_fields(page: Page) -> set[str]:
    """Return the names of the controls the page marks invalid (Bootstrap's is-invalid)."""
    return set(page.parser.invalid)
