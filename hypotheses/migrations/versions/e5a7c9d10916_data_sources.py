"""SQL data sources, result queries and KPI queries

Revision ID: e5a7c9d10916
Revises: d4f6b8c00915
Create Date: 2026-12-04 07:10:00.000000

Issue 16: a team's data sources (the connection encrypted), the source and queries a test's
results come from, each refresh's per-variant statistics, KPI values taken from a source (and
their overrides), and a metric's KPI query (catalog metric: source and query).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "e5a7c9d10916"
down_revision = "d4f6b8c00915"
branch_labels = None
depends_on = None

STRING = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "datasource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", STRING(length=80), nullable=False),
        sa.Column("kind", STRING(length=16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("display", STRING(length=300), nullable=False),
        sa.Column("timeout_s", sa.Integer(), nullable=False),
        sa.Column("max_rows", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("updated_at", TIME(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('postgresql', 'clickhouse', 'chdb', 'duckdb', 'files', 'sqlalchemy')",
            name="ck_datasource_kind",
        ),
        sa.CheckConstraint("timeout_s BETWEEN 1 AND 600", name="ck_datasource_timeout"),
        sa.CheckConstraint("max_rows BETWEEN 1 AND 100000", name="ck_datasource_max_rows"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name", name="uq_datasource_team_name"),
    )
    with op.batch_alter_table("datasource") as batch:
        batch.create_index(batch.f("ix_datasource_team_id"), ["team_id"])
    op.create_table(
        "experimentsource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("assignment_sql", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", TIME(), nullable=False),
        sa.CheckConstraint("days BETWEEN 1 AND 365", name="ck_experimentsource_days"),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["datasource.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id"),
    )
    with op.batch_alter_table("experimentsource") as batch:
        batch.create_index(batch.f("ix_experimentsource_source_id"), ["source_id"])
    op.create_table(
        "metricquery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("metric_key", STRING(length=120), nullable=False),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id", "metric_key", name="uq_metricquery_metric"),
    )
    with op.batch_alter_table("metricquery") as batch:
        batch.create_index(batch.f("ix_metricquery_experiment_id"), ["experiment_id"])
    op.create_table(
        "sourcerefresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("result_set_id", sa.Integer(), nullable=True),
        sa.Column("ran_at", TIME(), nullable=False),
        sa.Column("ran_by_id", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ran_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["result_set_id"], ["resultset.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sourcerefresh") as batch:
        batch.create_index(batch.f("ix_sourcerefresh_experiment_id"), ["experiment_id"])
    op.create_table(
        "kpifetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("fetched_at", TIME(), nullable=False),
        sa.Column("override_reason", STRING(length=500), nullable=True),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["metric_id"], ["metric.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["overridden_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "metric_id", name="uq_kpifetch_metric"),
    )
    with op.batch_alter_table("kpifetch") as batch:
        batch.create_index(batch.f("ix_kpifetch_review_id"), ["review_id"])
    with op.batch_alter_table("metric") as batch:
        batch.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_query", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_metric_source_id_datasource",
            "datasource",
            ["source_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("metric") as batch:
        batch.drop_constraint("fk_metric_source_id_datasource", type_="foreignkey")
        batch.drop_column("source_query")
        batch.drop_column("source_id")
    op.drop_table("kpifetch")
    op.drop_table("sourcerefresh")
    op.drop_table("metricquery")
    op.drop_table("experimentsource")
    op.drop_table("datasource")
