"""Notifications: outbox, per-person preferences, team webhooks and digest day

Revision ID: c3e5a7b90915
Revises: b2d4f6a80913
Create Date: 2026-12-04 07:10:00.000000

Issue 15 (events, channels, worker): the outbox the worker delivers from, each person's choice
per event, the items kept for daily digests, the team webhooks, the marks that make scheduled
reminders fire once, and the team's weekly digest day and review day (existing teams get
Monday and Friday, as new teams do).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "c3e5a7b90915"
down_revision = "b2d4f6a80913"
branch_labels = None
depends_on = None

STRING = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "schedulemark",
        sa.Column("key", STRING(length=200), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "notificationpreference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", STRING(length=40), nullable=False),
        sa.Column("choice", STRING(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "event", name="uq_notificationpref_user_event"),
    )
    with op.batch_alter_table("notificationpreference") as batch:
        batch.create_index(batch.f("ix_notificationpreference_user_id"), ["user_id"])
    op.create_table(
        "teamwebhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", STRING(length=16), nullable=False),
        sa.Column("name", STRING(length=120), nullable=False),
        sa.Column("target", STRING(length=500), nullable=False),
        sa.Column("secret_box", sa.Text(), nullable=False),
        sa.Column("hint", STRING(length=40), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teamwebhook") as batch:
        batch.create_index(batch.f("ix_teamwebhook_team_id"), ["team_id"])
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("event", STRING(length=40), nullable=False),
        sa.Column("channel", STRING(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("recipient", STRING(length=254), nullable=False),
        sa.Column("subject", STRING(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("dedupe_key", STRING(length=200), nullable=True),
        sa.Column("status", STRING(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME(), nullable=False),
        sa.Column("claimed_by", STRING(length=64), nullable=True),
        sa.Column("claimed_at", TIME(), nullable=True),
        sa.Column("sent_at", TIME(), nullable=True),
        sa.Column("last_error", STRING(length=2000), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["webhook_id"], ["teamwebhook.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_outboxmessage_dedupe_key"),
    )
    with op.batch_alter_table("outboxmessage") as batch:
        batch.create_index("ix_outboxmessage_due", ["status", "next_attempt_at"])
    op.create_table(
        "digestitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("event", STRING(length=40), nullable=False),
        sa.Column("subject", STRING(length=300), nullable=False),
        sa.Column("link", STRING(length=500), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["outboxmessage.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("digestitem") as batch:
        batch.create_index(batch.f("ix_digestitem_message_id"), ["message_id"])
        batch.create_index(batch.f("ix_digestitem_user_id"), ["user_id"])
    with op.batch_alter_table("team") as batch:
        batch.add_column(sa.Column("digest_day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_day", sa.Integer(), nullable=True))
    op.execute("UPDATE team SET digest_day = 0, review_day = 4")


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("review_day")
        batch.drop_column("digest_day")
    op.drop_table("digestitem")
    op.drop_table("outboxmessage")
    op.drop_table("teamwebhook")
    op.drop_table("notificationpreference")
    op.drop_table("schedulemark")
