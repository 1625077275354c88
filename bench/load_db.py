"""The load bench's databases: the instance with the clients' own hypotheses, a throwaway
PostgreSQL server, and the rows and versions found after a run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from web_bench import HOST, build_instance, free_port

OWN = 64  # hypotheses edited by the clients, one each (the most clients in a run)


def prepare(instance: Path, env: dict[str, str], hypotheses: int) -> dict:
    """Build the instance; add the clients' own hypotheses and an API token. Returns ids."""
    build_instance(instance, env, hypotheses)
    from sqlmodel import Session, select

    from hypotheses import create_app
    from hypotheses.db import get_engine
    from hypotheses.domain.accounts import tokens
    from hypotheses.models import Experiment, Hypothesis, Membership, Team, User

    app = create_app(instance_path=instance)
    with app.app_context():
        engine = get_engine()
        with Session(engine, expire_on_commit=False) as session:
            team = session.exec(select(Team)).first()
            marketer = session.exec(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.team_id == team.id, Membership.role == "marketer")
            ).first()
            own = []
            for i in range(OWN):
                row = Hypothesis(
                    team_id=team.id,
                    title=f"bench own {i}",
                    stage="lead",
                    lever="conversion",
                    subject="offer",
                    owner_id=marketer.id,
                    created_by_id=marketer.id,
                    status="idea",
                )
                session.add(row)
                own.append(row)
            session.commit()
            _token, plain = tokens.create_token(session, user=marketer, team=team, name="bench")
            tests = session.exec(select(Experiment.id).join(Hypothesis)).all()
            ids = {
                "own": [h.id for h in own],
                "token": plain,
                "tests": list(tests)[:20],
                "email": marketer.email,
            }
        engine.dispose()
    return ids


def versions(url: str, ids: list[int]) -> dict[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, version FROM hypothesis")).all()
    engine.dispose()
    wanted = set(ids)
    return {i: v for i, v in rows if i in wanted}


def count_titles(url: str, prefix: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM hypothesis WHERE title LIKE :p"), {"p": prefix + "%"}
        ).scalar_one()
    engine.dispose()
    return int(found)


class Postgres:
    """A throwaway PostgreSQL server in a temporary directory (loopback only, trust auth)."""

    def __init__(self, base: Path) -> None:
        servers = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not servers:
            raise SystemExit(
                "no PostgreSQL server under /usr/lib/postgresql (scripts/ensure_test_deps.sh)"
            )
        self.bindir = servers[-1].parent
        self.base, self.data, self.port = base, base / "data", free_port()
        self.root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, cwd="/", stdout=subprocess.DEVNULL)

    def start(self) -> str:
        self.base.mkdir(parents=True)
        if self.root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\nmax_connections = 200\n"
            )
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.base / "log", "-w", "start")
        self._run(self.bindir / "createdb", "-h", HOST, "-p", self.port, "-U", "postgres", "bench")
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/bench"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


def empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
