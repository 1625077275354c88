"""CLI: create-token, backup (and a restore drill), export, import — through the real commands."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading

import factories
import pytest
from conftest import test_config as make_config
from sqlmodel import Session, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.models import Hypothesis, ImportBatch


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own SQLite file, set up by the real init-db (as an operator would)."""
    path = tmp_path / "live.sqlite"
    app = create_app(make_config(f"sqlite:///{path}"), instance_path=tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    app.db_path = path
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _seed(app, hypotheses: int = 3):
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
        team = factories.make_team(db, name="Growth")
        lead = factories.make_user(db, team=team, role="lead", email="lead@example.com")
        for i in range(hypotheses):
            factories.make_hypothesis(db, team=team, title=f"Idea {i}", author=lead)
        return team, lead


def test_create_token_prints_the_token_last_and_it_works(app, runner, db, team, users):
    result = runner.invoke(
        args=[
            "create-token",
            "--email",
            users["marketer"].email.upper(),
            "--team",
            team.name,
            "--name",
            "CI script",
        ]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("hyp_") and " " not in token
    client = app.test_client()
    response = client.get("/api/v1/hypotheses", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # ... with the marketer's permissions, no more.
    assert (
        client.post(
            "/api/v1/hypotheses/1/approve", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["--email", "nobody@example.com", "--team", "Test team"], "no user"),
        (["--email", "{viewer}", "--team", "Nope"], "no team"),
        (["--email", "{outsider}", "--team", "Test team"], "not a member"),
    ],
)
def test_create_token_refusals(runner, db, team, users, args, words):
    outsider = factories.make_user(db)
    args = [a.format(viewer=users["viewer"].email, outsider=outsider.email) for a in args]
    result = runner.invoke(args=["create-token", *args])
    assert result.exit_code != 0 and words in result.output


def test_backup_and_restore_drill(sqlite_app, tmp_path):
    _seed(sqlite_app, hypotheses=25)
    target = tmp_path / "backup.sqlite"
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM hypothesis").fetchone()[0] == 25
    # Restore: a fresh instance on the copy sees the same data and can sign in.
    restored = create_app(make_config(f"sqlite:///{target}"), instance_path=tmp_path / "restored")
    try:
        client = restored.test_client()
        response = client.post(
            "/auth/login", data={"email": "lead@example.com", "password": factories.PASSWORD}
        )
        assert response.status_code == 302
        with Session(restored.extensions[ENGINE_KEY]) as db:
            titles = sorted(h.title for h in db.exec(select(Hypothesis)).all())
        assert titles == sorted(f"Idea {i}" for i in range(25))
    finally:
        restored.extensions[ENGINE_KEY].dispose()


def test_backup_is_consistent_while_a_writer_holds_a_transaction(sqlite_app, tmp_path):
    _seed(sqlite_app, hypotheses=2)
    writer = sqlite3.connect(sqlite_app.db_path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE hypothesis SET title = 'uncommitted'")
    done = threading.Event()
    target = tmp_path / "during.sqlite"
    outcome = {}

    def run():
        outcome["result"] = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    done.wait(20)
    writer.execute("ROLLBACK")
    writer.close()
    thread.join(20)
    assert outcome["result"].exit_code == 0, outcome["result"].output
    with sqlite3.connect(target) as conn:
        titles = {row[0] for row in conn.execute("SELECT title FROM hypothesis")}
    assert titles == {"Idea 0", "Idea 1"}  # the uncommitted change is not in the copy


def test_backup_refusals(sqlite_app, tmp_path):
    existing = tmp_path / "exists.sqlite"
    existing.write_bytes(b"keep me")
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "--force" in result.output
    assert existing.read_bytes() == b"keep me"
    assert runner.invoke(args=["backup", str(existing), "--force"]).exit_code == 0
    assert runner.invoke(args=["backup", str(tmp_path / "no" / "dir.sqlite")]).exit_code != 0
    assert runner.invoke(args=["backup", str(sqlite_app.db_path), "--force"]).exit_code != 0


def test_backup_on_postgresql_prints_pg_dump_instructions_and_fails(tmp_path):
    url = "postgresql+psycopg://app:s3cret@db.invalid:5432/hypotheses"
    app = create_app(make_config(url), instance_path=tmp_path / "pg")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert "s3cret" not in result.output


def test_export_to_stdout_and_file(sqlite_app, tmp_path):
    _seed(sqlite_app, hypotheses=2)
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["export", "backlog", "--team", "Growth"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["id", "title", "status"] and len(rows) == 3
    out = tmp_path / "reviews.csv"
    assert (
        runner.invoke(args=["export", "reviews", "--team", "Growth", "-o", str(out)]).exit_code == 0
    )
    assert out.read_text(encoding="utf-8").startswith("iso_week,")
    backlog = tmp_path / "backlog.csv"
    wrote = runner.invoke(args=["export", "backlog", "--team", "Growth", "-o", str(backlog)])
    assert wrote.exit_code == 0 and f"Wrote {backlog} (2 rows)." in wrote.output
    assert runner.invoke(args=["export", "backlog", "--team", "Nope"]).exit_code != 0


def test_import_all_or_nothing_with_mapping_and_reimport_refused(sqlite_app, tmp_path):
    _seed(sqlite_app, hypotheses=0)
    good = tmp_path / "good.csv"
    good.write_text(
        "Name;Funnel;Lever;Subject\nA;lead;conversion;offer\nB;sale;aov;pricing\n", encoding="utf-8"
    )
    runner = sqlite_app.test_cli_runner()
    args = [
        "import",
        str(good),
        "--team",
        "Growth",
        "--as",
        "lead@example.com",
        "--map",
        "title=Name",
        "--map",
        "stage=Funnel",
    ]
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert dry.exit_code == 0 and "2 rows are valid" in dry.output
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Imported 2 hypotheses" in result.output
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already imported" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Title,Stage,Lever,Subject,Impact\nC,lead,conversion,offer,5\nD,lead,conversion,offer,99\n",
        encoding="utf-8",
    )
    refused = runner.invoke(args=["import", str(bad), "--team", "Growth"])
    assert refused.exit_code != 0 and "row 3" in refused.output
    with Session(sqlite_app.extensions[ENGINE_KEY]) as db:
        assert sorted(h.title for h in db.exec(select(Hypothesis)).all()) == ["A", "B"]
        assert len(db.exec(select(ImportBatch)).all()) == 1
    assert (
        runner.invoke(args=["import", str(good), "--team", "Growth", "--map", "oops"]).exit_code
        != 0
    )


def test_analyze_a_per_user_csv_from_the_terminal(runner, tmp_path):
    path = tmp_path / "users.csv"
    rows = ["user,variant,converted"]
    rows += [f"a{i},A,{int(i < 100)}" for i in range(2000)]
    rows += [f"b{i},B,{int(i < 140)}" for i in range(2000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(
        args=[
            "analyze",
            str(path),
            "--variant-column",
            "variant",
            "--conversion-column",
            "converted",
            "--final",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "z-test" in result.output and "Verdict: Variant B raised" in result.output
    bad = runner.invoke(
        args=["analyze", str(path), "--variant-column", "nope", "--conversion-column", "converted"]
    )
    assert bad.exit_code == 1
