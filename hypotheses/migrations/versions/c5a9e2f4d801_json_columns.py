"""JSON columns: auditentry.changes, resultset.data, analysis.inputs and analysis.output

Revision ID: c5a9e2f4d801
Revises: b4e1c0a7f2d9
Create Date: 2026-12-04 05:00:00.000000

The four columns held JSON as text, decoded by hand. They become JSON columns: on SQLite the
stored text is already JSON and is copied as it is (batch mode recreates the tables); on
PostgreSQL ``USING col::json`` turns each text into a JSON value (``json``, not ``jsonb``:
the text is kept as written, so keys keep their order and floats read back exactly).
Downgrading turns them back into the same text.
"""

import sqlalchemy as sa
from alembic import op

revision = "c5a9e2f4d801"
down_revision = "b4e1c0a7f2d9"
branch_labels = None
depends_on = None

COLUMNS = (
    ("auditentry", "changes"),
    ("resultset", "data"),
    ("analysis", "inputs"),
    ("analysis", "output"),
)


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine, cast: str) -> None:
    tables: dict[str, list[str]] = {}
    for table, column in COLUMNS:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=old,
                    type_=new,
                    existing_nullable=False,
                    postgresql_using=f"{column}::{cast}",
                )


def upgrade() -> None:
    _retype(sa.Text(), sa.JSON(), "json")


def downgrade() -> None:
    _retype(sa.JSON(), sa.Text(), "text")
