"""The Russian catalog: complete, reviewed, compilable, placeholders intact, .mo fresh.

The .mo is committed (so `make run` and `pip install` need no build step); the last test fails
when it was not rebuilt after the .po changed: run ``scripts/i18n.sh compile``. When a marked
string changed in the code, ``scripts/i18n.sh update`` brings the catalog up to date.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "hypotheses/translations/ru/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
GNU_RU_PLURAL = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrs])")
LAZY_LITERAL = re.compile(r"\b(?:_l|lazy_gettext)\(\s*\"((?:[^\"\\\n]|\\.)*)\"\s*[,)]")


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="ru")


def _messages(catalog):
    return [message for message in catalog if message.id]


def _forms(message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, (list, tuple)) else (string,)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _placeholders(text: str) -> set[tuple[str, str]]:
    return {(name, "d" if kind in "di" else kind) for name, kind in PLACEHOLDER.findall(text)}


def _formatted_at_runtime(message) -> bool:
    """Python formats only strings given variables; Jinja's newstyle gettext formats them all."""
    html = any(path.endswith(".html") for path, _line in message.locations)
    return html or any("%(" in text for text in _ids(message))


def test_header_has_russian_plural_forms(catalog):
    assert catalog.locale.language == "ru"
    assert catalog.num_plurals == 3
    assert catalog.plural_expr.replace(" ", "") == GNU_RU_PLURAL.replace(" ", "")


def test_every_message_has_a_reviewed_translation(catalog):
    untranslated = [m.id for m in _messages(catalog) if not all(_forms(m))]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} without Russian, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy (unreviewed) entries: {fuzzy[:5]}"


def test_plural_entries_have_three_russian_forms(catalog):
    wrong = [m.id for m in _messages(catalog) if m.pluralizable and len(m.string) != 3]
    assert not wrong


def test_placeholders_match_the_english(catalog):
    problems = []
    for message in _messages(catalog):
        wanted = set().union(*(_placeholders(text) for text in _ids(message)))
        for form in _forms(message):
            if form and _placeholders(form) != wanted:
                problems.append((message.id, form))
    assert not problems, problems[:5]


def test_translations_format_like_the_english(catalog):
    """A stray % (or a lost %%) would break formatting at runtime."""
    problems = []
    for message in _messages(catalog):
        if not _formatted_at_runtime(message):
            continue
        values = {name: 1 for text in _ids(message) for name, _kind in PLACEHOLDER.findall(text)}
        for form in _forms(message):
            try:
                form % values
            except (ValueError, TypeError, KeyError) as error:
                problems.append((message.id, form, str(error)))
    assert not problems, problems[:5]


def test_unformatted_strings_have_no_doubled_percent(catalog):
    """Python leaves a string without variables as it is: a "%%" in it would show as "%%"."""
    doubled = [
        message.id
        for message in _messages(catalog)
        if not _formatted_at_runtime(message) and any("%%" in text for text in _ids(message))
    ]
    assert not doubled, doubled[:5]


def test_catalog_compiles_without_errors(catalog):
    errors = [(message.id, errs) for message, errs in catalog.check()]
    assert not errors, errors[:5]
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue()


def test_compiled_mo_is_fresh(catalog):
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # what scripts/i18n.sh compile writes now
    buffer.seek(0)
    with MO.open("rb") as handle:
        committed = read_mo(handle)
    expected = {_ids(m): _forms(m) for m in read_mo(buffer) if m.id}
    actual = {_ids(m): _forms(m) for m in committed if m.id}
    assert actual == expected, "messages.mo is stale: run scripts/i18n.sh compile"


def test_catalog_holds_every_marked_string_of_the_code(catalog, tmp_path):
    """The documented extraction (all keywords, _l included) finds nothing the catalog lacks."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        ["bash", str(ROOT / "scripts/i18n.sh"), "extract"],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "I18N_POT": str(pot)},
        cwd=ROOT,
    )
    with pot.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _messages(catalog)}
    missing = sorted(extracted - known)
    assert not missing, f"run scripts/i18n.sh update; not in the catalog: {missing[:5]}"
    lazy = {
        text
        for path in (ROOT / "hypotheses").rglob("*.py")
        for text in LAZY_LITERAL.findall(path.read_text(encoding="utf-8"))
        if "\\" not in text
    }
    assert lazy, "no lazy strings found: the check itself is broken"
    assert lazy <= extracted, sorted(lazy - extracted)[:5]
    with pot.open("rb") as handle:
        scanned = {path for m in read_po(handle) for path, _line in m.locations}
    marked = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"\b_\(\s*['\"]", path.read_text(encoding="utf-8"))
    }
    assert marked <= scanned, f"templates never extracted: {sorted(marked - scanned)[:5]}"
