"""Alembic environment: our metadata, batch mode on SQLite, foreign keys off while migrating."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import hypotheses.models  # noqa: F401  (registers every table)
from hypotheses.revision import EXEMPT

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        connection.execution_options(**{EXEMPT: True})  # app_state may not exist yet
        if sqlite:
            # Table recreates with foreign_keys=ON would cascade-delete child rows; the pragma
            # is a no-op inside a transaction, so switch it off before BEGIN, on the driver's
            # connection (through SQLAlchemy the statement would first begin a transaction:
            # make_engine emits BEGIN IMMEDIATE on every begin).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
