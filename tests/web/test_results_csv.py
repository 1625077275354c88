"""Results files over HTTP: aggregated and per-user CSV corpus; a bad file saves nothing."""

from __future__ import annotations

import io
import random

import experiment_factories as ef
import pytest
from helpers import text
from sqlmodel import Session, select
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from werkzeug.test import encode_multipart

from hypotheses.models import Analysis, Experiment, ResultSet


def saved(db: Session) -> int:
    n = len(db.exec(select(ResultSet)).all()) + len(db.exec(select(Analysis)).all())
    db.commit()
    return n


def latest_data(db: Session) -> list[dict]:
    row = db.exec(select(ResultSet).order_by(ResultSet.id.desc())).first()
    db.commit()
    return row.data


@pytest.fixture
def conv(db, team, users, auth):
    """A running conversion test (Control, B); the marketer is signed in. Returns the test id."""
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp_id = db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
    db.commit()
    auth.login("marketer")
    return exp_id


@pytest.fixture
def cont(db, team, users, auth):
    """A running continuous test (Control, B); the marketer is signed in. Returns the test id."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    exp_id = db.exec(select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)).one()
    db.commit()
    auth.login("marketer")
    return exp_id


def upload(
    client,
    exp_id: int,
    content: bytes,
    *,
    per_user: bool = False,
    name: str = "results.csv",
    **fields,
):
    """POST a multipart upload. The body is built in memory: the test client would spool a large
    one to a temporary file that it never closes (a ResourceWarning, an error here)."""
    path = "per-user" if per_user else "csv"
    file = FileStorage(io.BytesIO(content), filename=name, content_type="text/csv")
    files = MultiDict({"file": file})
    named = MultiDict(fields)
    boundary, body = encode_multipart(CombinedMultiDict([named, files]))
    return client.post(
        f"/experiments/{exp_id}/results/{path}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# ---------------------------------------------------------------- aggregated files


@pytest.mark.parametrize(
    "content",
    [
        b"variant,visitors,conversions\nControl,1000,31\nB,1000,45\n",
        # Excel: BOM + CRLF
        b"\xef\xbb\xbfvariant,visitors,conversions\r\nControl,1000,31\r\nB,1000,45\r\n",
        b"Variant;Visitors;Conversions\nControl;1000;31\nB;1000;45",  # ; and no final newline
        # any case, extra columns, blank lines
        b'VARIANT,Notes,VISITORS,CONVERSIONS\n\ncontrol,"a, b",1000,31\nb,x,1000,45\n\n',
        b"variant\tvisitors\tconversions\nB\t1000\t45\nControl\t1000\t31\n",  # tab, any order
    ],
)
def test_aggregated_conversion_files_are_read(client, db, conv, content):
    response = upload(client, conv, content)
    assert response.status_code == 302, text(response)[:2000]
    assert latest_data(db) == [
        {"name": "Control", "visitors": 1000, "conversions": 31},
        {"name": "B", "visitors": 1000, "conversions": 45},
    ]


def test_aggregated_continuous_with_decimal_comma(client, db, cont):
    content = b"variant;n;mean;sd\r\nControl;400;81,25;40,5\r\nB;410;84,9;42\r\n"
    assert upload(client, cont, content).status_code == 302
    assert latest_data(db) == [
        {"name": "Control", "n": 400, "mean": 81.25, "sd": 40.5},
        {"name": "B", "n": 410, "mean": 84.9, "sd": 42.0},
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "it is empty"),
        (b"variant,visitors,conversions\n", "no data rows"),
        (b"variant,visitors,conversions\r\n\r\n", "no data rows"),
        (b"variant,visits,conversions\nControl,1000,31\nB,1000,45\n", "“visitors” is missing"),
        (b"variant,visitors,visitors,conversions\nControl,1,1,0\n", "appears more than once"),
        (
            b"variant,visitors,conversions\nControl,1000,31\nC,1000,45\n",
            "Row 3: unknown variant “C”",
        ),
        (
            b"variant,visitors,conversions\nControl,1000,31\nB,1000,1045\n",
            "Row 3: conversions (1045) exceed",
        ),
        (
            b"variant,visitors,conversions\nControl,1000,31\nControl,1000,31\nB,1,0\n",
            "Row 3: the variant “Control” appears twice",
        ),
        (b"variant,visitors,conversions\nControl,1000,31\n", "no row for “B”"),
        (b"variant,visitors,conversions\nControl,1e3,31\nB,-5,1\n", "Row 2:"),
        ("variant,visitors,conversions\nContr\xf6l,1000,31\n".encode("cp1252"), "not UTF-8"),
        (b"variant,visitors,conversions\nControl,1000,31\x00\nB,1000,45\n", "NUL"),
        (b"variant,visitors,conversions\n" + b"Control,1000,31\n" * 60, "one row per variant"),
    ],
)
def test_bad_aggregated_files_are_refused_whole(client, db, conv, content, message):
    response = upload(client, conv, content)
    assert response.status_code == 422
    body = text(response)
    assert message in body and 'id="csv-file-error"' in body and "nothing was saved" in body
    assert saved(db) == 0


def test_row_numbers_of_every_bad_row(client, db, conv):
    content = b"variant,visitors,conversions\nControl,x,31\nB,1000,2000\n"
    body = text(upload(client, conv, content))
    assert "2 rows have problems" in body and "Row 2:" in body and "Row 3:" in body


def test_upload_without_a_file(client, db, conv):
    response = client.post(
        f"/experiments/{conv}/results/csv", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Choose a CSV file" in text(response)


def test_oversize_aggregated_upload_is_413(client, db, conv):
    content = b"variant,visitors,conversions\n" + b"x" * (6 * 1024 * 1024)
    response = upload(client, conv, content)
    assert response.status_code == 413 and "larger than allowed" in text(response)
    assert saved(db) == 0


def test_final_csv_finishes_the_test(client, auth, db, conv):
    content = b"variant,visitors,conversions\nControl,60000,1860\nB,60000,2160\n"
    assert upload(client, conv, content, final="y").status_code == 403  # a marketer: refused
    auth.login("lead")  # finishing a test is a lead's action
    assert upload(client, conv, content, final="y").status_code == 302
    status = db.exec(select(Experiment.status).where(Experiment.id == conv)).one()
    db.commit()
    assert status == "finished"


# ---------------------------------------------------------------- per-user files


def users_file(
    n: int = 10_000,
    *,
    seed: int = 7,
    sep: str = ",",
    newline: str = "\n",
    bom: bool = False,
    bad: dict[int, str] | None = None,
) -> tuple[bytes, dict]:
    """Build a per-user file; return it and the expected per-variant (users, conversions)."""
    rng = random.Random(seed)
    lines = [sep.join(["user_id", "variant", "converted"])]
    totals = {"Control": [0, 0], "B": [0, 0]}
    for i in range(n):
        name = "Control" if i % 2 else "B"
        converted = int(rng.random() < (0.03 if name == "Control" else 0.04))
        row = sep.join([f"u{i}", name, str(converted)])
        if bad and i + 2 in bad:  # i + 2: the header is line 1
            row = bad[i + 2]
        else:
            totals[name][0] += 1
            totals[name][1] += converted
        lines.append(row)
    data = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + data.encode(), totals


@pytest.mark.parametrize("options", [{}, {"sep": ";"}, {"newline": "\r\n", "bom": True}])
def test_per_user_file_is_reduced_exactly(client, db, conv, options):
    content, totals = users_file(**options)
    response = upload(
        client,
        conv,
        content,
        per_user=True,
        variant_column="variant",
        conversion_column="converted",
    )
    assert response.status_code == 302, text(response)[:3000]
    assert latest_data(db) == [
        {"name": "Control", "visitors": totals["Control"][0], "conversions": totals["Control"][1]},
        {"name": "B", "visitors": totals["B"][0], "conversions": totals["B"][1]},
    ]
    row = db.exec(select(ResultSet)).one()
    db.commit()
    assert row.source == "per-user csv" and row.file_name == "results.csv"


def test_one_bad_row_among_ten_thousand_refuses_the_file(client, db, conv):
    content, _totals = users_file(bad={5003: "u5001,B,maybe"})
    response = upload(client, conv, content, per_user=True)
    assert response.status_code == 422
    body = text(response)
    assert "1 row has a problem" in body and "Row 5003:" in body and "maybe" in body
    assert saved(db) == 0


def test_unknown_variant_in_per_user_file(client, db, conv):
    content, _totals = users_file(n=100, bad={10: "u8,Z,1", 20: "u18,Z,0"})
    body = text(upload(client, conv, content, per_user=True))
    assert "Row 10:" in body and "Row 20:" in body and "unknown variant" in body
    assert saved(db) == 0


def test_per_user_header_only_and_missing_columns(client, db, conv):
    assert "no data rows" in text(upload(client, conv, b"variant,converted\n", per_user=True))
    body = text(upload(client, conv, b"group,converted\nControl,1\n", per_user=True))
    assert "not found in the header" in body
    assert saved(db) == 0


def test_per_user_columns_are_chosen_by_the_user(client, db, cont):
    rows = ["grp;spend"] + [f"{'Control' if i % 2 else 'B'};{10 + i % 7},5" for i in range(200)]
    content = ("\n".join(rows) + "\n").encode()
    response = upload(
        client, cont, content, per_user=True, variant_column="grp", value_column="spend"
    )
    assert response.status_code == 302, text(response)[:2000]
    data = latest_data(db)
    assert [r["n"] for r in data] == [100, 100]
    assert abs(data[0]["mean"] - sum(10 + i % 7 + 0.5 for i in range(200) if i % 2) / 100) < 1e-9


def test_per_user_upload_limit_is_separate_and_oversize_is_413(app, client, db, conv):
    app.config["MAX_UPLOAD_BYTES"] = 200_000
    content, _totals = users_file(n=30_000)  # ~ 400 kB: within 5 MiB, above the upload limit
    assert len(content) > 200_000
    response = upload(client, conv, content, per_user=True)
    assert response.status_code == 413 and "Nothing was saved" in text(response)
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    big, totals = users_file(n=400_000)  # ~ 6 MiB: above the global form limit
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, conv, big, per_user=True)
    assert response.status_code == 302, text(response)[:2000]
    assert latest_data(db)[0]["visitors"] == totals["Control"][0]
