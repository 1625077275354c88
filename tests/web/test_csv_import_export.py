"""Browser flow of the data page: upload → mapping and preview → import; downloads; tokens."""

from __future__ import annotations

import csv
import io
import re

import factories
from helpers import count
from sqlmodel import func, select

from hypotheses.models import ApiToken, Hypothesis

GOOD = (
    "Name;Funnel stage;Lever;Subject;I;C;E\r\n"
    "Shorter form;Lead;conversion;Landing page;8;5;7\r\n"
    "Price anchor;sale;aov;pricing;6;6;6\r\n"
).encode("utf-8-sig")


def upload(client, data: bytes, name: str = "backlog.csv"):
    return client.post(
        "/data/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_data_page_shows_import_exports_and_api(client, auth):
    auth.login("marketer")
    page = client.get("/data/").get_data(as_text=True)
    assert "Import a backlog from CSV" in page and "Backlog (CSV)" in page
    assert "/api/v1/openapi.json" in page and "/data/tokens" in page


def test_viewer_sees_exports_but_cannot_import(client, auth):
    auth.login("viewer")
    page = client.get("/data/").get_data(as_text=True)
    assert "Import a backlog" not in page and "Backlog (CSV)" in page
    assert upload(client, GOOD).status_code == 403


def test_upload_map_preview_and_import(client, auth, db, users):
    auth.login("marketer")
    response = upload(client, GOOD)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    # The columns were guessed from the header; every row is checked in the preview.
    assert '<option selected value="Name">' in page and "All 2 rows are ready to import." in page
    assert count(db) == 0
    fields = {
        f"map_{k}": v
        for k, v in {
            "title": "Name",
            "stage": "Funnel stage",
            "lever": "Lever",
            "subject": "Subject",
            "impact": "I",
            "confidence": "C",
            "ease": "E",
        }.items()
    }
    done = client.post(mapping_url, data={**fields, "action": "import"})
    assert done.status_code == 302
    assert count(db) == 2
    follow = client.get(done.headers["Location"])
    assert follow.status_code == 200
    # The upload is gone once imported; the same file again is refused at upload.
    assert client.get(mapping_url).status_code == 302
    again = upload(client, GOOD)
    assert again.status_code == 409 and "already imported" in again.get_data(as_text=True)
    assert count(db) == 2


def test_bad_rows_are_listed_and_nothing_is_imported(client, auth, db):
    auth.login("marketer")
    data = (
        b"Title,Stage,Lever,Subject,Impact\nA,lead,conversion,offer,5\nB,moon,conversion,offer,12\n"
    )
    mapping_url = upload(client, data).headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert "1 row has a problem" in page
    assert re.search(r"<th scope=\"row\">3</th>", page)
    assert "attention, interest" in page and "1 to 10" in page
    fields = {
        "map_title": "Title",
        "map_stage": "Stage",
        "map_lever": "Lever",
        "map_subject": "Subject",
        "map_impact": "Impact",
    }
    response = client.post(mapping_url, data={**fields, "action": "import"})
    assert response.status_code == 422
    assert count(db) == 0


def test_mapping_without_title_is_refused(client, auth, db):
    auth.login("marketer")
    mapping_url = upload(client, b"Name,Stage\nA,lead\n").headers["Location"]
    response = client.post(mapping_url, data={"map_stage": "Stage", "action": "import"})
    assert response.status_code == 422
    assert "Choose the column that holds the title" in response.get_data(as_text=True)
    assert count(db) == 0


def test_unreadable_files_get_a_clear_message(client, auth):
    auth.login("marketer")
    cp1252 = upload(client, "Title\nCaf\xe9\n".encode("cp1252"))
    assert cp1252.status_code == 422 and "not UTF-8" in cp1252.get_data(as_text=True)
    empty = upload(client, b"")
    assert empty.status_code == 422
    header_only = upload(client, b"Title,Stage\n")
    assert header_only.status_code == 422 and "no data rows" in header_only.get_data(as_text=True)
    wrong_type = upload(client, b"%PDF-1.4", name="backlog.pdf")
    assert wrong_type.status_code == 422


def test_oversize_upload_is_413(app, client, auth):
    auth.login("marketer")
    # A raw body (the test client would spool a big multipart file to an unclosed temp file).
    big = b"--x\r\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/data/import", data=big, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413


def test_another_users_upload_is_not_reachable(client, auth):
    auth.login("marketer")
    mapping_url = upload(client, GOOD).headers["Location"]
    auth.login("lead")
    assert client.get(mapping_url).status_code == 302  # treated as gone
    assert client.get("/data/import/not-a-token").status_code == 404


def test_downloads_are_csv_attachments_and_formula_safe(client, auth, db, team):
    factories.make_hypothesis(db, team=team, title='=HYPERLINK("http://evil")', impact=9)
    auth.login("viewer")
    response = client.get("/data/export/backlog.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    for path in (
        "/data/export/experiments.csv",
        "/data/export/results.csv",
        "/data/export/analyses.csv",
        "/data/export/reviews.csv",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/data/export/secrets.csv").status_code == 404


def test_tokens_created_once_listed_on_profile_and_revoked(client, auth, db, users):
    auth.login("marketer")
    created = client.post("/data/tokens", data={"name": "Zapier"})
    assert created.status_code == 200
    token = re.search(r'value="(hyp_[^"]+)"', created.get_data(as_text=True)).group(1)
    api = client.get("/api/v1/hypotheses", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    listing = client.get("/data/tokens").get_data(as_text=True)
    assert "Zapier" in listing and token not in listing  # shown once only
    profile = client.get("/auth/profile").get_data(as_text=True)
    assert "Zapier" in profile and "1 active token." in profile
    stored = db.exec(select(ApiToken).where(ApiToken.user_id == users["marketer"].id)).one()
    db.commit()
    # Another user cannot revoke it.
    auth.login("lead")
    assert client.post(f"/data/tokens/{stored.id}/revoke").status_code == 404
    auth.login("marketer")
    assert client.post(f"/data/tokens/{stored.id}/revoke").status_code == 302
    api = client.get("/api/v1/hypotheses", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_token_name_is_validated(client, auth):
    auth.login("marketer")
    response = client.post("/data/tokens", data={"name": "x" * 121})
    assert response.status_code == 422
    assert "hyp_" not in response.get_data(as_text=True)


def test_the_whole_import_flow_with_csrf_on(tmp_path, _template_db):
    import conftest
    from sqlmodel import Session

    from hypotheses import create_app
    from hypotheses.db import ENGINE_KEY

    app = create_app(
        conftest.test_config(conftest.database_url(tmp_path, _template_db), WTF_CSRF_ENABLED=True),
        instance_path=tmp_path / "i",
    )
    try:
        with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
            team = factories.make_team(db)
            user = factories.make_user(db, team=team, role="marketer")
        client = app.test_client()

        def token(response) -> str:
            return re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)
            ).group(1)

        client.post(
            "/auth/login",
            data={
                "email": user.email,
                "password": conftest.PASSWORD,
                "csrf_token": token(client.get("/auth/login")),
            },
        )
        assert upload(client, GOOD).status_code == 400  # no token: refused
        response = client.post(
            "/data/import",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(GOOD), "b.csv"), "csrf_token": token(client.get("/data/"))},
        )
        assert response.status_code == 302
        mapping_url = response.headers["Location"]
        page = client.get(mapping_url)
        fields = {
            "map_title": "Name",
            "map_stage": "Funnel stage",
            "map_lever": "Lever",
            "map_subject": "Subject",
            "action": "import",
        }
        assert client.post(mapping_url, data=fields).status_code == 400
        done = client.post(mapping_url, data={**fields, "csrf_token": token(page)})
        assert done.status_code == 302
        with Session(app.extensions[ENGINE_KEY]) as db:
            assert db.exec(select(func.count()).select_from(Hypothesis)).one() == 2
        created = client.post("/data/tokens", data={"name": "x"})
        assert created.status_code == 400
    finally:
        app.extensions[ENGINE_KEY].dispose()
