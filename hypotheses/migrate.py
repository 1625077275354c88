"""Alembic migrations, run from code (init-db) or the alembic command line."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic config pointing at our migrations (and *engine*, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
        config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of *engine*'s database up to *revision*."""
    command.upgrade(alembic_config(engine), revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    """Take the schema of *engine*'s database down to *revision*."""
    command.downgrade(alembic_config(engine), revision)
