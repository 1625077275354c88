"""Finish reasons, decision overrides and corrections, review publish reasons

Revision ID: a1c3e5f70913
Revises: f3a7c1d9e5b2
Create Date: 2026-12-04 07:10:00.000000

Issue 13: a test finished below its planned sample keeps the lead's reason; a decision that
goes against the analysis keeps its reason; a corrected decision keeps when and why; a review
published outside its rules (3–7 decisions, KPI values for 5–12 metrics) keeps the reason.
All nullable: existing rows have none.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a1c3e5f70913"
down_revision = "f3a7c1d9e5b2"
branch_labels = None
depends_on = None

EXPERIMENT_TEXTS = ("finish_reason", "decision_reason", "correction_reason")


def upgrade() -> None:
    with op.batch_alter_table("experiment") as batch:
        for name in EXPERIMENT_TEXTS:
            batch.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
            )
        batch.add_column(
            sa.Column("corrected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("review") as batch:
        batch.add_column(
            sa.Column(
                "publish_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.drop_column("publish_reason")
    with op.batch_alter_table("experiment") as batch:
        batch.drop_column("corrected_at")
        for name in reversed(EXPERIMENT_TEXTS):
            batch.drop_column(name)
