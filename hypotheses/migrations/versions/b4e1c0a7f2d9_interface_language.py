"""interface language: user.language, team.default_language

Revision ID: b4e1c0a7f2d9
Revises: d7f73b4b1912
Create Date: 2026-12-04 04:30:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b4e1c0a7f2d9"
down_revision = "d7f73b4b1912"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both nullable: existing users keep following their browser, existing teams give no default.
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    with op.batch_alter_table("team") as batch:
        batch.add_column(
            sa.Column("default_language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("default_language")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
