"""Metrics per test: primary, secondary, guardrails; money behind the primary metric

Revision ID: b2d4f6a80913
Revises: a1c3e5f70913
Create Date: 2026-12-04 07:10:00.000000

Issue 13. A test's metric stays on the experiment row and is its primary metric (existing
tests keep theirs, with their data); secondary metrics and guardrails get their own table;
result sets keep the other metrics' numbers in metric_data (NULL for existing ones); a test
may name the money per conversion (or say its metric is money) and its monthly traffic after
launch; a team has the currency its impacts are stated in (existing teams: RUB).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b2d4f6a80913"
down_revision = "a1c3e5f70913"
branch_labels = None
depends_on = None

STRING = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "experimentmetric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("role", STRING(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", STRING(length=120), nullable=False),
        sa.Column("kind", STRING(length=16), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_sd", sa.Float(), nullable=True),
        sa.Column("direction", STRING(length=16), nullable=False),
        sa.Column("tolerance", sa.Float(), nullable=True),
        sa.CheckConstraint("role IN ('secondary', 'guardrail')", name="ck_experimentmetric_role"),
        sa.CheckConstraint("kind IN ('conversion', 'continuous')", name="ck_experimentmetric_kind"),
        sa.CheckConstraint(
            "direction IN ('increase', 'decrease')", name="ck_experimentmetric_direction"
        ),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id", "name", name="uq_experimentmetric_name"),
    )
    with op.batch_alter_table("experimentmetric") as batch:
        batch.create_index(batch.f("ix_experimentmetric_experiment_id"), ["experiment_id"])
    with op.batch_alter_table("experiment") as batch:
        batch.add_column(sa.Column("value_per_conversion", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("metric_is_money", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("monthly_traffic", sa.Integer(), nullable=True))
    with op.batch_alter_table("experiment") as batch:
        batch.alter_column("metric_is_money", server_default=None)
    with op.batch_alter_table("resultset") as batch:
        batch.add_column(sa.Column("metric_data", sa.JSON(), nullable=True))
    with op.batch_alter_table("team") as batch:
        batch.add_column(
            sa.Column("currency", STRING(length=3), nullable=False, server_default="RUB")
        )
    with op.batch_alter_table("team") as batch:
        batch.alter_column("currency", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("resultset") as batch:
        batch.drop_column("metric_data")
    with op.batch_alter_table("experiment") as batch:
        batch.drop_column("monthly_traffic")
        batch.drop_column("metric_is_money")
        batch.drop_column("value_per_conversion")
    with op.batch_alter_table("experimentmetric") as batch:
        batch.drop_index(batch.f("ix_experimentmetric_experiment_id"))
    op.drop_table("experimentmetric")
