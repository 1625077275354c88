"""Russian Excel round trip: the export dialect per user, Russian files in (``;``, BOM, decimal
commas, Russian headers and values, Windows-1251), export → import gives the same backlog."""

from __future__ import annotations

import csv
import io

import experiment_factories as ef
import factories
import pytest
from flask_babel import force_locale
from helpers import text
from sqlmodel import select
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from werkzeug.test import encode_multipart

from hypotheses.domain.backlog import csv_import as csv_io
from hypotheses.domain.backlog import csv_mapping
from hypotheses.domain.backlog.rules import clean_fields
from hypotheses.domain.core import csvdialects
from hypotheses.domain.core import csvfiles as csv_read
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.overview import csv_export
from hypotheses.models import Experiment, Hypothesis, Membership, ResultSet, User

RU = {"Accept-Language": "ru"}
NBSP = "\u00a0"


def russian_file(owner_email: str) -> str:
    return (
        "Название;Изменение;Аудитория;Ожидаемый эффект;Обоснование;Этап воронки;Рычаг;"
        "Предмет;Канал;Ответственный;Теги;Ссылки;Влияние;Уверенность;Легкость;Охват;"
        "Трудозатраты\r\n"
        "Короткая форма;Убрать три поля;Мобильные;+10 % заявок;Меньше трения;Лид;Конверсия;"
        f"Посадочная страница;Директ;{owner_email};форма, мобильные;"
        "https://example.ru/a https://example.ru/b;8;6;7;16 000;2,5\r\n"
        "Якорная цена;Показать старую цену;Все;+5 % к чеку;Эффект якоря;продажа;средний чек;"
        "Цены;Сайт;;цены;;6;5;9;1200;0,5\r\n"
        '"=Формула; с кавычками";Изменение;Все;Эффект;Причина;Доверие;Трафик / лиды;'
        "оффер;;;;;5;5;5;;\r\n"
    )


def do_import(app, db, team, data: bytes, language: str = "en"):
    with app.test_request_context(), force_locale(language):
        table = csv_read.read_table(data)
        mapping = csv_mapping.guess_mapping(table.headers)
        return csv_io.import_backlog(db, team=team, actor=None, data=data, mapping=mapping)


def backlog_of(db, team) -> list[tuple]:
    """What an import carries over, per hypothesis, in title order."""
    rows = db.exec(select(Hypothesis).where(Hypothesis.team_id == team.id)).all()
    out = sorted(
        (
            h.title,
            h.change,
            h.audience,
            h.expected_effect,
            h.rationale,
            h.stage,
            h.lever,
            h.subject,
            h.channel,
            h.owner_id,
            h.tags,
            h.links,
            h.impact,
            h.confidence,
            h.ease,
            h.reach,
            h.effort,
        )
        for h in rows
    )
    db.commit()
    return out


def test_a_russian_excel_backlog_file_imports(app, db, users):
    team = factories.make_team(db, name="Рост", rice_enabled=True)
    owner = users["marketer"]
    db.add(Membership(user_id=owner.id, team_id=team.id, role="marketer"))
    db.commit()
    data = ("\ufeff" + russian_file(owner.email)).encode("utf-8")
    with app.test_request_context():
        table = csv_read.read_table(data)
        mapping = csv_mapping.guess_mapping(table.headers)
    assert table.delimiter == ";" and table.encoding == "UTF-8"
    assert mapping == dict(zip(csv_mapping.FIELDS, table.headers, strict=True))
    assert do_import(app, db, team, data).created == 3
    by_title = {row[0]: row for row in backlog_of(db, team)}
    short = by_title["Короткая форма"]
    assert short[5:10] == ("lead", "conversion", "landing page", "Директ", owner.id)
    assert short[10] == "форма, мобильные" and short[11].split() == [
        "https://example.ru/a",
        "https://example.ru/b",
    ]
    assert short[12:] == (8, 6, 7, 16000, 2.5)
    assert by_title["Якорная цена"][5:8] == ("sale", "aov", "pricing")
    assert by_title["Якорная цена"][16] == 0.5
    assert by_title["=Формула; с кавычками"][5:8] == ("trust", "traffic", "offer")


def test_russian_values_are_checked_with_russian_words(app, db, team):
    data = "Название;Этап воронки\r\nА;Луна\r\n".encode()
    with pytest.raises(ValidationFailed) as caught:
        do_import(app, db, team, data, language="ru")
    message = caught.value.errors["строка 2"][0]
    assert "«Луна»" in message or "“Луна”" in message
    assert "Внимание, Интерес, Доверие, Лид, Продажа, Удержание" in message


@pytest.mark.parametrize(
    "language, dialect, import_language",
    [
        ("ru", "excel-ru", "en"),
        ("en", "standard", "ru"),
        ("ru", "standard", "ru"),
        ("en", "excel-ru", "en"),
    ],
)
def test_export_then_import_into_an_empty_team_gives_the_same_backlog(
    app, db, users, language, dialect, import_language
):
    team = factories.make_team(db, name="Source", rice_enabled=True)
    copy = factories.make_team(db, name="Copy", rice_enabled=True)
    owner = users["marketer"]
    for each in (team, copy):
        db.add(Membership(user_id=owner.id, team_id=each.id, role="marketer"))
    db.commit()
    factories.make_hypothesis(
        db,
        team=team,
        author=owner,
        title="=cmd(); «кавычки», запятые",
        change="-2 поля\nвторая строка",
        stage="retention",
        lever="repeat",
        subject="lead handling",
        channel="E-mail",
        tags="crm, повтор",
        links="https://example.ru/x\nhttps://example.ru/y",
        impact=9,
        confidence=3,
        ease=1,
        reach=16000,
        effort=2.75,
    )
    factories.make_hypothesis(
        db, team=team, title="Second", stage="sale", subject="other", reach=None, effort=None
    )
    factories.make_hypothesis(
        db, team=team, title="Идея", status="idea", lever="aov", effort=0.5, reach=0
    )
    chosen = csvdialects.DIALECTS[dialect]
    with app.test_request_context(), force_locale(language):
        out = csv_export.export(db, team=team, kind="backlog", dialect=chosen)
    db.commit()
    first = next(csv.reader(io.StringIO(out, newline=""), delimiter=chosen.delimiter))
    assert first[1] == ("Название" if language == "ru" else "title")
    if dialect == "excel-ru":
        assert "2,75" in out
    data = (("\ufeff" if chosen.bom else "") + out).encode("utf-8")
    assert do_import(app, db, copy, data, language=import_language).created == 3
    assert backlog_of(db, copy) == backlog_of(db, team)


def test_windows_1251_file_imports_and_the_preview_names_the_encoding(client, auth, db, team):
    auth.login("marketer")
    data = (
        "Название;Этап воронки;Рычаг;Предмет;Влияние\r\nЁлка на лендинге;Интерес;Конверсия;"
        "Креатив;7\r\n«Цена» — №1;Лид;Трафик;Цены;4\r\n"
    )
    content = data.encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    response = client.post(
        "/data/import",
        data={"file": (io.BytesIO(content), "old.csv")},
        content_type="multipart/form-data",
        headers=RU,
    )
    assert response.status_code == 302, text(response)[:2000]
    page = client.get(response.headers["Location"], headers=RU)
    assert "кодировка: Windows-1251" in text(page)
    assert "2 строки готовы" in text(page) or "Все 2 строки" in text(page)
    utf8 = client.post(
        "/data/import",
        data={"file": (io.BytesIO(data.replace("Ёлка", "Ель").encode()), "new.csv")},
        content_type="multipart/form-data",
    )
    assert "encoding: UTF-8" in text(client.get(utf8.headers["Location"]))
    fields = {
        f"map_{name}": value
        for name, value in {
            "title": "Название",
            "stage": "Этап воронки",
            "lever": "Рычаг",
            "subject": "Предмет",
            "impact": "Влияние",
        }.items()
    }
    done = client.post(
        response.headers["Location"],
        data={**fields, "action": "import"},
    )
    assert done.status_code == 302, text(done)[:3000]
    titles = sorted(h.title for h in db.exec(select(Hypothesis)).all())
    assert titles == ["«Цена» — №1", "Ёлка на лендинге"]


def test_windows_1252_text_is_still_refused_as_not_utf8():
    with pytest.raises(ValidationFailed) as caught:
        csv_read.read_table("Title\nCaf\xe9 cr\xe8me\n".encode("cp1252"))
    assert "not UTF-8" in caught.value.errors["file"][0]


# ---------------------------------------------------------------- the dialect of exports


def _export(client, **headers):
    response = client.get("/data/export/backlog.csv", headers=headers)
    assert response.status_code == 200
    return response.get_data()


def test_dialect_defaults_by_language_and_is_remembered(client, auth, db, team, users):
    factories.make_hypothesis(db, team=team, title="Форма", effort=2.5)
    auth.login("lead")
    english = _export(client)
    assert not english.startswith(b"\xef\xbb\xbf") and english.startswith(b"id,title,status")
    russian = _export(client, **RU)
    assert russian.startswith("\ufeffID;Название;Статус".encode())
    assert ";Лид;" in russian.decode("utf-8-sig")
    page = text(client.get("/data/", headers=RU))
    assert "Excel (Россия)" in page
    saved = client.post("/data/dialect", data={"dialect": "excel-ru"})
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(User, users["lead"].id).csv_dialect == "excel-ru"
    db.commit()
    remembered = _export(client).decode("utf-8-sig")  # English interface, Excel (Russia) files
    assert remembered.startswith("id;title;status") and "2,5" in remembered
    bad = client.post("/data/dialect", data={"dialect": "tsv"})
    assert bad.status_code == 422
    db.expire_all()
    assert db.get(User, users["lead"].id).csv_dialect == "excel-ru"
    db.commit()


def test_numbers_keep_their_cells_and_text_stays_guarded_in_excel_ru(app, db, team):
    factories.make_hypothesis(db, team=team, title="-2", effort=0.25, reach=5)
    with app.test_request_context(), force_locale("ru"):
        out = csv_export.export(db, team=team, kind="backlog", dialect=csvdialects.EXCEL_RU)
    db.commit()
    header, row = list(csv.reader(io.StringIO(out, newline=""), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["Название"] == "'-2" and cells["Трудозатраты"] == "0,25"
    assert cells["Охват"] == "5" and cells["Создана"][:4].isdigit() and "T" in cells["Создана"]


# ---------------------------------------------------------------- results files


def _results_upload(client, exp_id, content: bytes, **fields):
    path = "per-user" if fields else "csv"
    file = FileStorage(io.BytesIO(content), filename="итоги.csv", content_type="text/csv")
    boundary, body = encode_multipart(
        CombinedMultiDict([MultiDict(fields), MultiDict({"file": file})])
    )
    return client.post(
        f"/experiments/{exp_id}/results/{path}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _running(db, team, users, kind="conversion"):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind=kind)
    exp_id = db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
    db.commit()
    return exp_id


def _latest(db):
    row = db.exec(select(ResultSet).order_by(ResultSet.id.desc())).first()
    db.commit()
    return row.data


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1251"])
def test_a_russian_excel_results_file_is_accepted(client, auth, db, team, users, encoding):
    exp_id = _running(db, team, users)
    auth.login("marketer")
    content = "Вариант;Посетители;Конверсии\r\nControl;16 000;310\r\nB;16 000;452\r\n"
    response = _results_upload(client, exp_id, content.encode(encoding))
    assert response.status_code == 302, text(response)[:2000]
    assert _latest(db) == [
        {"name": "Control", "visitors": 16000, "conversions": 310},
        {"name": "B", "visitors": 16000, "conversions": 452},
    ]


def test_russian_continuous_results_and_per_user_decimal_commas(client, auth, db, team, users):
    exp_id = _running(db, team, users, kind="continuous")
    auth.login("marketer")
    content = (
        "\ufeffвариант;n;Среднее;Ст. отклонение\r\nControl;400;81,25;40,5\r\nB;410;84,9;42\r\n"
    )
    assert _results_upload(client, exp_id, content.encode()).status_code == 302
    assert _latest(db)[0] == {"name": "Control", "n": 400, "mean": 81.25, "sd": 40.5}
    # per-user: the engine reads ";" files with decimal commas (stats.reduce_per_user_csv)
    lines = ["вариант;выручка"] + [f"Control;{v}" for v in ("1,5", "2,5")]
    lines += [f"B;{v}" for v in ("3,25", "0,75", "2")]
    response = _results_upload(
        client,
        exp_id,
        ("\ufeff" + "\r\n".join(lines) + "\r\n").encode(),
        variant_column="вариант",
        value_column="выручка",
    )
    assert response.status_code == 302, text(response)[:2000]
    control, b = _latest(db)
    assert (control["n"], control["mean"], b["n"], b["mean"]) == (2, 2.0, 3, 2.0)


# ---------------------------------------------------------------- numbers in messages


def test_numbers_in_messages_are_written_the_reader_s_way(app):
    with app.test_request_context():
        with force_locale("ru"):
            with pytest.raises(ValidationFailed) as caught:
                clean_fields({"reach": "-1"}, rice=True, partial=True)
        assert f"1{NBSP}000{NBSP}000{NBSP}000" in caught.value.errors["reach"][0]
        with force_locale("en"):
            with pytest.raises(ValidationFailed) as caught:
                clean_fields({"reach": "-1"}, rice=True, partial=True)
        assert "1,000,000,000" in caught.value.errors["reach"][0]


def test_command_line_export_in_either_dialect(runner, db, team, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    factories.make_hypothesis(db, team=team, title="Форма", effort=1.5)
    standard = runner.invoke(args=["export", "backlog", "--team", team.name])
    assert standard.exit_code == 0 and standard.stdout.startswith("id,title,")
    excel = runner.invoke(args=["export", "backlog", "--team", team.name, "--dialect", "excel-ru"])
    assert excel.exit_code == 0 and excel.stdout.startswith("\ufeffid;title;")
    assert ";1,5;" in excel.stdout
