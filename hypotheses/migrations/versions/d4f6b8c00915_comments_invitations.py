"""Comments with mentions, invitations and password resets

Revision ID: d4f6b8c00915
Revises: c3e5a7b90915
Create Date: 2026-12-04 07:10:00.000000

Issue 15: comments on hypotheses, tests and reviews (Markdown source, edit time), the team
setting that lets viewers comment (off for existing teams, as for new ones), invitations and
password-reset links (only a hash of each link's token is stored).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "d4f6b8c00915"
down_revision = "c3e5a7b90915"
branch_labels = None
depends_on = None

STRING = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", STRING(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("edited_at", TIME(), nullable=True),
        sa.CheckConstraint(
            "target_kind IN ('hypothesis', 'experiment', 'review')", name="ck_comment_target_kind"
        ),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comment") as batch:
        batch.create_index("ix_comment_target", ["target_kind", "target_id"])
        batch.create_index(batch.f("ix_comment_team_id"), ["team_id"])
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", STRING(length=254), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", STRING(length=16), nullable=False),
        sa.Column("token_hash", STRING(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("expires_at", TIME(), nullable=False),
        sa.Column("used_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("invitation") as batch:
        batch.create_index(batch.f("ix_invitation_email"), ["email"])
    op.create_table(
        "passwordreset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", STRING(length=64), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("expires_at", TIME(), nullable=False),
        sa.Column("used_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("passwordreset") as batch:
        batch.create_index(batch.f("ix_passwordreset_user_id"), ["user_id"])
    with op.batch_alter_table("team") as batch:
        batch.add_column(
            sa.Column(
                "viewers_may_comment", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("team") as batch:
        batch.alter_column("viewers_may_comment", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("viewers_may_comment")
    op.drop_table("passwordreset")
    op.drop_table("invitation")
    op.drop_table("comment")
