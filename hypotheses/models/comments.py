"""Comments on hypotheses, tests and reviews; invitations and password-reset links (issue 15)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from hypotheses.models.core import utcnow


class Comment(SQLModel, table=True):
    """One comment (Markdown source) on a hypothesis, a test or a weekly review of a team."""

    __table_args__ = (
        Index("ix_comment_target", "target_kind", "target_id"),
        CheckConstraint(
            "target_kind IN ('hypothesis', 'experiment', 'review')", name="ck_comment_target_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    target_kind: str = Field(max_length=16)
    target_id: int
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None


class Invitation(SQLModel, table=True):
    """An admin's invitation of an address into a team with a role.

    Only the SHA-256 of the link's random token is stored; the link works once (used_at),
    until expires_at, and not after a newer invitation to the same address replaced it.
    """

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A "forgot password" link: the SHA-256 of its token, valid once until expires_at."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
