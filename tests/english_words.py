"""Find English words in a page a Russian user sees (issue 11's "no English word" proof).

``page_texts(html)`` returns what a reader meets on a server-rendered page: text nodes (no
<script>/<style>), and the placeholder, title, aria-label and alt attributes, and the value of
buttons. ``english_words(texts)`` returns the Latin words outside the allow-list, each with its
context. The crawl (tests/web/test_crawl_ru.py) and the browser test
(tests/browser/test_russian_browser.py, on ``document.body.innerText``) share both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from hypotheses.demo import content_ru
from hypotheses.domain.reviews.metrics import default_catalog

# A word: a run of two or more Latin letters.
WORD = re.compile(r"[A-Za-z]{2,}")
# Text that is data, not interface: e-mail addresses, URLs and paths, ISO weeks, file names.
DATA = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|\b(?:https?://|www\.)\S+"  # URL
    r"|\bhttps?(?:\(s\))?(?=\W)"  # a URL scheme named in a hint: http(s)
    r"|(?<![\w/])/[\w/.\-?=&%]*"  # a path the page shows (the API's endpoints)
    r"|\b\d{4}-W\d{2}\b"  # ISO week
    r"|\b[\w-]+\.(?:csv|parquet|md|json)\b",  # a file name
    re.IGNORECASE,
)
# Latin words a Russian interface keeps as they are.
ALLOWED = frozenset(
    {
        "Hypotheses",  # the product's name
        "ICE",
        "RICE",
        "CSV",
        "API",
        "SRM",
        "KPI",
        "MDE",
        "URL",
        "URLs",
        "UTC",
        "English",  # the language switch names each language in itself
        # names of formats, programs and keys, written in Latin letters in Russian too
        "Excel",
        "UTF",  # UTF-8
        "BOM",
        "Windows",  # the encoding Windows-1251
        "JSON",
        "OpenAPI",
        "Markdown",
        "PDF",
        "Ctrl",
        # database engines and SQL (issue 16's data sources)
        "SQL",
        "PostgreSQL",
        "ClickHouse",
        "DuckDB",
        "chDB",
        "Parquet",
        "SQLAlchemy",
        # chat services a team's webhooks post to (issue 15)
        "Telegram",
        "Slack",
        "BotFather",
    }
)
ROLES = ("admin", "lead", "marketer", "viewer")


def _strings(value) -> list[str]:
    """Every string in the demo content (values, not dict keys; not the role names)."""
    if isinstance(value, str):
        return [] if value in ROLES else [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


# The Russian demo team's own data: its texts and the metric catalog hold the brands and
# acronyms a Russian team writes in Latin letters (Telegram, CRM, CAC, NPS...).
DEMO_WORDS = sorted(
    {
        word
        for text in (
            *_strings([getattr(content_ru, name) for name in dir(content_ru) if name.isupper()]),
            *(name for name, *_rest in default_catalog("ru")),
        )
        for word in WORD.findall(text)
    }
)
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
SKIPPED = {"script", "style", "template"}
# Literal text (code, keys, what the user types into a file) is not translated: <code>, <kbd>,
# <samp>, <pre>, and any element marked translate="no" (HTML's own "do not translate" flag).
LITERAL = {"code", "kbd", "samp", "pre"}
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
CONTEXT = 40


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open: list[str] = []  # the skipped elements still open (innermost last)

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {key: value or "" for key, value in attr_list}
        if self._open:
            if tag == self._open[0]:
                self._open.append(tag)  # the same element nested: count its end tags
            return
        if tag in SKIPPED or tag in LITERAL or attrs.get("translate") == "no":
            if tag not in VOID:
                self._open.append(tag)
            return
        texts = [attrs.get(key, "") for key in ATTRIBUTES]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
            texts.append(attrs.get("value", ""))  # the button's caption
        self.texts.extend(text for text in texts if text.strip())

    def handle_startendtag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        opened = len(self._open)
        self.handle_starttag(tag, attr_list)
        del self._open[opened:]  # <x/> opens nothing

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._open and data.strip():
            self.texts.append(data)


def page_texts(html: str) -> list[str]:
    """Every piece of text a reader meets on *html*, in page order."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.texts


def english_words(texts: Iterable[str], *, user_data: Iterable[str] = ()) -> list[str]:
    """Return "word in «context»" for each English word in *texts* outside the allow-list.

    *user_data*: what the test itself typed or the data holds in Latin letters (names of
    tokens, metrics, variants); each such string is removed before the words are looked for.
    """
    user_data = [s for s in user_data if s]
    words = {s for s in user_data if WORD.fullmatch(s)}  # a single word: allowed as a word
    data = sorted((s for s in user_data if s not in words), key=len, reverse=True)
    found: list[str] = []
    for text in texts:
        text = " ".join(text.split())
        cleaned = text
        for item in data:
            cleaned = cleaned.replace(item, " ")
        cleaned = DATA.sub(" ", cleaned)
        for match in WORD.finditer(cleaned):
            word = match.group()
            if word in ALLOWED or word in words:
                continue
            start = max(0, match.start() - CONTEXT)
            context = cleaned[start : match.end() + CONTEXT].strip()
            found.append(f"{word} in «{context}»")
    return found
