"""CSV import corpus (RELIABILITY T9) and export injection (T10) for the backlog."""

from __future__ import annotations

import csv
import io

import factories
import pytest
from helpers import count
from sqlmodel import select

from hypotheses.domain.backlog import csv_import as csv_io
from hypotheses.domain.backlog import csv_mapping
from hypotheses.domain.core import csvfiles as csv_read
from hypotheses.domain.core.errors import Conflict, ValidationFailed
from hypotheses.domain.notifications.preferences import set_choices
from hypotheses.domain.overview import csv_cells, csv_export
from hypotheses.models import DigestItem, Hypothesis, ImportBatch, OutboxMessage

HEADER = "Title,Stage,Lever,Subject,Impact,Confidence,Ease"
ROW = "Shorter form,lead,conversion,landing page,8,5,7"


def do_import(app, db, team, data: bytes, mapping=None, actor=None):
    with app.test_request_context():
        table = csv_read.read_table(data)
        mapping = mapping if mapping is not None else csv_mapping.guess_mapping(table.headers)
        return csv_io.import_backlog(
            db, team=team, actor=actor, data=data, mapping=mapping, file_name="t.csv"
        )


def file_error(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        csv_read.read_table(data)
    assert list(caught.value.errors) == ["file"]
    return caught.value.errors["file"][0]


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "data",
    [
        f"{HEADER}\n{ROW}\n".encode(),  # LF
        f"{HEADER}\r\n{ROW}\r\n".encode(),  # CRLF
        f"{HEADER}\r{ROW}\r".encode(),  # CR only (old Mac)
        ("\ufeff" + f"{HEADER}\r\n{ROW}\r\n").encode(),  # Excel's BOM
        f"{HEADER}\n{ROW}".encode(),  # no final newline
        f"{HEADER}\n\n{ROW}\n\n".encode(),  # blank lines
        f"{HEADER.replace(',', ';')}\n{ROW.replace(',', ';')}\n".encode(),  # semicolons
        ("\ufeff" + f"{HEADER.replace(',', ';')}\r\n{ROW.replace(',', ';')}\r\n").encode(),
    ],
)
def test_line_endings_bom_and_delimiters(data):
    table = csv_read.read_table(data)
    assert table.headers == HEADER.split(",")
    assert [cells for _n, cells in table.rows] == [ROW.split(",")]


def test_quoted_newlines_and_delimiters_stay_in_their_cell():
    data = b'Title,Rationale\n"Form, shorter","Line one\nline two; still ""one"" cell"\nNext,x\n'
    table = csv_read.read_table(data)
    assert table.rows[0] == (2, ["Form, shorter", 'Line one\nline two; still "one" cell'])
    # Spreadsheet row numbers count records, not physical lines.
    assert table.rows[1][0] == 3


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"  \r\n \n", "empty"),
        (HEADER.encode() + b"\n", "no data rows"),
        (HEADER.encode() + b"\n,,,\n\n", "no data rows"),
        (b"Title,,Stage\nx,y,lead\n", "column(s) 2"),
        (b",,\nx,y,z\n", "first row"),
        (b"Title,Stage,title\nx,lead,y\n", "Two columns"),
        ("Title\nCaf\xe9 cr\xe8me\n".encode("cp1252"), "not UTF-8"),
        (b"Title\nA\x00B\n", "NUL"),
        (b'Title,Stage\n"unclosed,lead\n', "quotes"),
        (",".join(f"c{i}" for i in range(51)).encode() + b"\n" + b"x," * 50 + b"x\n", "at most 50"),
    ],
)
def test_file_level_problems_are_explained(data, words):
    assert words in file_error(data)


def test_cp1252_message_names_the_line_and_the_fix():
    data = "Title\nOK\nCaf\xe9\n".encode("cp1252")
    message = file_error(data)
    assert "line 3" in message and "CSV UTF-8" in message


def test_too_many_rows_and_too_large():
    rows = b"Title\n" + b"x\n" * (csv_read.MAX_ROWS + 1)
    assert "more than" in file_error(rows)
    with pytest.raises(csv_read.TooLarge) as caught:
        csv_read.read_table(b"Title\n" + b"x" * csv_read.MAX_BYTES)
    assert caught.value.status == 413


def test_a_row_longer_than_the_header_is_a_row_problem():
    table = csv_read.read_table(b"Title,Stage\nok,lead\nbad,lead,extra\n")
    assert list(table.problems) == [3]


# ---------------------------------------------------------------- mapping


def test_guess_mapping_uses_names_labels_and_aliases():
    headers = ["Hypothesis", "Funnel stage", "LEVER", "subject", "I", "C", "E", "Owner", "Notes"]
    assert csv_mapping.guess_mapping(headers) == {
        "title": "Hypothesis",
        "stage": "Funnel stage",
        "lever": "LEVER",
        "subject": "subject",
        "impact": "I",
        "confidence": "C",
        "ease": "E",
        "owner_email": "Owner",
    }


def test_mapping_requires_the_title_and_known_columns():
    with pytest.raises(ValidationFailed) as caught:
        csv_mapping.check_mapping({"stage": "Stage", "lever": "Nope", "colour": "Stage"}, ["Stage"])
    assert set(caught.value.errors) == {"title", "lever", "colour"}
    with pytest.raises(ValidationFailed) as twice:
        csv_mapping.check_mapping({"title": "A", "change": "A"}, ["A"])
    assert "change" in twice.value.errors


# ---------------------------------------------------------------- importing


def test_valid_file_imports_every_row_with_labels_case_insensitive(app, db, team, users):
    data = (
        "Title,Stage,Lever,Subject,Impact,Confidence,Ease,Owner,Tags\n"
        "Короче форма,LEAD,Conversion,Landing page,8,5,7,"
        + users["lead"].email.upper()
        + ",form; mobile\n"
        "Offer test,sale,aov,offer,,,,,\n"
    ).encode()
    result = do_import(app, db, team, data, actor=users["marketer"])
    assert (result.created, result.in_backlog, result.ideas) == (2, 2, 0)
    rows = db.exec(select(Hypothesis).order_by(Hypothesis.id)).all()
    db.commit()
    assert (
        rows[0].title == "Короче форма"
        and rows[0].stage == "lead"
        and rows[0].subject == "landing page"
    )
    assert (rows[0].impact, rows[0].confidence, rows[0].ease) == (8, 5, 7)
    assert rows[0].owner_id == users["lead"].id and rows[0].tags == "form, mobile"
    assert (rows[1].impact, rows[1].confidence, rows[1].ease) == (5, 5, 5)  # empty: the default
    assert rows[1].created_by_id == users["marketer"].id


def test_one_bad_row_among_many_imports_nothing_and_names_the_row(app, db, team):
    lines = [HEADER] + [f"Idea {i},lead,conversion,offer,5,5,5" for i in range(300)]
    lines[57] = "Idea bad,lead,conversion,offer,11,5,5"  # spreadsheet row 58
    lines[120] = "Idea worse,moon,conversion,offer,5,5,5"  # row 121
    with pytest.raises(ValidationFailed) as caught:
        do_import(app, db, team, "\n".join(lines).encode())
    assert list(caught.value.errors) == ["row 58", "row 121"]
    assert "Impact" in caught.value.errors["row 58"][0]
    assert "attention, interest" in caught.value.errors["row 121"][0]
    assert "2 of 300 rows" in caught.value.message
    assert count(db, team=team) == 0


@pytest.mark.parametrize(
    "cells, words",
    [
        ("x,lead,conversion,offer,7.5,5,5", "whole number"),
        ('x,lead,conversion,offer,"7,5",5,5', "whole number"),
        (",lead,conversion,offer,5,5,5", "title is required"),
        ("x,lead,conversion,offer,0,5,5", "1 to 10"),
    ],
)
def test_row_values_are_checked_by_the_backlog_rules(app, db, team, cells, words):
    with pytest.raises(ValidationFailed) as caught:
        do_import(app, db, team, f"{HEADER}\n{cells}\n".encode())
    assert words in " ".join(caught.value.errors["row 2"])
    assert count(db, team=team) == 0


def test_unknown_owner_is_a_row_error(app, db, team):
    data = b"Title,Stage,Lever,Subject,Owner\nx,lead,conversion,offer,nobody@example.com\n"
    with pytest.raises(ValidationFailed) as caught:
        do_import(app, db, team, data)
    assert "nobody@example.com" in caught.value.errors["row 2"][0]


def test_same_file_twice_is_refused(app, db, team):
    data = f"{HEADER}\n{ROW}\n".encode()
    do_import(app, db, team, data)
    with pytest.raises(Conflict) as caught:
        do_import(app, db, team, data)
    assert caught.value.code == "already_imported" and "already imported" in caught.value.message
    assert count(db, team=team) == 1
    assert len(db.exec(select(ImportBatch)).all()) == 1
    db.commit()
    # Another team may import the same file.
    other = factories.make_team(db, name="Other")
    assert do_import(app, db, other, data).created == 1


def test_backlog_bounds_apply_rows_beyond_the_maximum_wait_as_ideas(app, db, team):
    team.backlog_min, team.backlog_max = 0, 3
    db.add(team)
    db.commit()
    factories.make_hypothesis(db, team=team)
    lines = [HEADER] + [f"Idea {i},lead,conversion,offer,5,5,5" for i in range(5)]
    result = do_import(app, db, team, "\n".join(lines).encode())
    assert (result.created, result.in_backlog, result.ideas) == (5, 2, 3)


def _ideas(n: int, first: int = 0) -> bytes:
    lines = [HEADER] + [f"Idea {i},lead,conversion,offer,5,5,5" for i in range(first, first + n)]
    return "\n".join(lines).encode()


def test_leads_hear_of_an_imported_file_once_not_once_per_row(app, db, team, users):
    team.backlog_min, team.backlog_max = 0, 12
    lead, other_lead = users["lead"], factories.make_user(db, team=team, role="lead")
    other_lead.language = "ru"
    db.commit()
    # 14 rows: 12 enter the backlog (its maximum), 2 wait as ideas and need no approval.
    result = do_import(app, db, team, _ideas(14), actor=users["marketer"])
    assert (result.in_backlog, result.ideas) == (12, 2)
    rows = db.exec(select(OutboxMessage)).all()
    mail = {m.recipient: m for m in rows}
    assert len(rows) == 2 and sorted(mail) == sorted([lead.email, other_lead.email])
    english = mail[lead.email]
    assert english.subject == "Approval requested: 12 imported hypotheses"
    assert f"{users['marketer'].name} imported a CSV file: 12 hypotheses entered" in (
        english.body_text
    )
    titles = [line for line in english.body_text.splitlines() if "Idea " in line]
    assert len(titles) == 10 and "Idea 0" in titles[0] and "Idea 9" in titles[-1]
    assert "…and 2 more" in english.body_text and "Idea 10" not in english.body_text
    assert "/backlog/?status=backlog" in english.body_html
    russian = mail[other_lead.email]
    assert russian.subject == "Нужно одобрение: 12 загруженных гипотез"
    assert "12 гипотез попали в бэклог и ждут одобрения" in russian.body_text
    assert "…и ещё 2" in russian.body_text


def test_an_imported_file_of_one_row_asks_as_a_hypothesis_does(app, db, team, users):
    lead = users["lead"]
    with app.app_context():
        set_choices(db, user=lead, choices={"approval_requested": "digest"})
    db.commit()
    do_import(app, db, team, _ideas(1), actor=users["marketer"])
    assert count(db, OutboxMessage) == 0
    item = db.exec(select(DigestItem)).one()
    created = db.exec(select(Hypothesis)).one()
    assert item.user_id == lead.id and item.subject == "Approval requested: Idea 0"
    assert item.link.endswith(f"/backlog/{created.id}")


def test_explicit_mapping_of_other_headers(app, db, team):
    data = b"Name;Funnel;What;Kind;Extra\nA;trust;traffic;creative;ignored\n"
    mapping = {"title": "Name", "stage": "Funnel", "lever": "What", "subject": "Kind"}
    assert do_import(app, db, team, data, mapping=mapping).created == 1


# ---------------------------------------------------------------- exporting


TRIGGER_TEXTS = [
    "=1+1",
    "+33 1 23",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "\nLF",
    'Plain "quoted", with; separators',
    '=HYPERLINK("http://x")',
]


def test_export_neutralises_formulas_and_keeps_numbers(app, db, team):
    for text in TRIGGER_TEXTS:
        factories.make_hypothesis(db, team=team, title=text[:200], rationale=text, tags=text)
    with app.test_request_context():
        out = csv_export.export(db, team=team, kind="backlog")
    db.commit()
    parsed = list(csv.reader(io.StringIO(out, newline="")))
    header, rows = parsed[0], parsed[1:]
    assert len(rows) == len(TRIGGER_TEXTS)
    assert all(len(row) == len(header) for row in rows)
    col = {name: i for i, name in enumerate(header)}
    for row in rows:
        for name in ("title", "rationale"):
            cell = row[col[name]]
            if cell.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
                assert cell.startswith("'"), cell
        float(row[col["score"]])  # numeric cells are plain numbers
        assert not row[col["score"]].startswith("'")
    titles = {row[col["title"]] for row in rows}
    assert "'=1+1" in titles and "'-2" in titles and 'Plain "quoted", with; separators' in titles


def test_safe_cell_rules():
    assert csv_cells.safe_cell(-0.25) == -0.25
    assert csv_cells.safe_cell(3) == 3
    assert csv_cells.safe_cell(True) == "true"
    assert csv_cells.safe_cell(None) == ""
    assert csv_cells.safe_cell(float("nan")) == ""
    assert csv_cells.safe_cell("-0.25") == "'-0.25"  # text that looks numeric is still text
    assert csv_cells.safe_cell("a=b") == "a=b"


def test_exported_backlog_reimports_into_another_team(app, db, team, users):
    factories.make_hypothesis(db, team=team, title="=cmd()", impact=9)
    factories.make_hypothesis(db, team=team, title="Second", stage="sale")
    with app.test_request_context():
        out = csv_export.export(db, team=team, kind="backlog")
    db.commit()
    other = factories.make_team(db, name="Copy")
    result = do_import(app, db, other, out.encode())
    assert result.created == 2
    titles = sorted(
        h.title for h in db.exec(select(Hypothesis).where(Hypothesis.team_id == other.id))
    )
    db.commit()
    assert titles == ["=cmd()", "Second"]  # our own apostrophe guard is undone on import
