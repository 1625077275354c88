"""API tokens and CSV import batches."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from hypotheses.models.core import utcnow


class ApiToken(SQLModel, table=True):
    """A bearer token acting for one user in one team; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=120)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ImportBatch(SQLModel, table=True):
    """A backlog CSV import, remembered by the file's hash to detect re-imports."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    file_hash: str = Field(max_length=64, index=True)
    file_name: str = Field(default="", max_length=255)
    rows: int = 0
    imported_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
