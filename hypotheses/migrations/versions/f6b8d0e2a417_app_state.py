"""The database's revision (app_state)

Revision ID: f6b8d0e2a417
Revises: e5a7c9d10916
Create Date: 2026-12-04 10:30:00.000000

Issue 9: one row holding a number every committed write raises (hypotheses/revision.py); the
backlog page is kept per revision and served again until it changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "f6b8d0e2a417"
down_revision = "e5a7c9d10916"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "app_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("app_state")
