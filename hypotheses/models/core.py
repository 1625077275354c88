"""Teams, users, memberships, the audit trail and login throttling."""

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from hypotheses.enums import EarlyLookMethod, Role, ScoreFormula


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (SQLModel stores and returns UTC)."""
    return datetime.now(UTC)


class Team(SQLModel, table=True):
    """A workspace: every hypothesis, test, review and metric belongs to one team."""

    __table_args__ = (
        CheckConstraint("backlog_min >= 0 AND backlog_min <= backlog_max", name="ck_team_bounds"),
        CheckConstraint("active_test_limit BETWEEN 1 AND 3", name="ck_team_active_limit"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    backlog_min: int = 10
    backlog_max: int = 30
    active_test_limit: int = 3
    score_formula: str = Field(default=ScoreFormula.MEAN.value, max_length=16)
    rice_enabled: bool = False
    # Separation of duties: by default the author of a hypothesis cannot approve it.
    allow_self_approval: bool = False
    # Interface language ("ru", "en") given to members added without one; None: their browser's.
    default_language: str | None = Field(default=None, max_length=8)
    # How early looks at running tests are judged (EarlyLookMethod; DESIGN.md §5).
    early_look_method: str = Field(default=EarlyLookMethod.OBRIEN_FLEMING.value, max_length=16)
    # Notifications (issue 15): weekday (0 Monday .. 6 Sunday) of the weekly digest, None off;
    # weekday of the weekly review, on which a review still in draft reminds the leads.
    digest_day: int | None = Field(default=0)
    review_day: int | None = Field(default=4)
    # Comments (issue 15): viewers may comment too (leads and admins switch it on).
    viewers_may_comment: bool = False
    # Money (issue 13): the currency projected impacts are stated in (ISO 4217 code).
    currency: str = Field(default="RUB", max_length=3)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person who signs in; roles come from memberships, per team."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=400)
    is_active: bool = True
    # Rotated on logout, password change, deactivation and role change: every cookie
    # carrying the old token stops working (Flask-Login "alternative tokens").
    session_token: str = Field(max_length=64)
    # Interface language ("ru", "en"); None follows the browser (its switch, Accept-Language).
    language: str | None = Field(default=None, max_length=8)
    # CSV exports' dialect (enums.CsvDialect); None: "excel-ru" in Russian, else "standard".
    csv_dialect: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class Membership(SQLModel, table=True):
    """A user's role in one team."""

    __table_args__ = (
        UniqueConstraint("user_id", "team_id", name="uq_membership_user_team"),
        CheckConstraint(
            "role IN ('admin', 'lead', 'marketer', 'viewer')", name="ck_membership_role"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    role: str = Field(default=Role.MARKETER.value, max_length=16)


class AuditEntry(SQLModel, table=True):
    """One recorded change: who did what to which record, and the field-level diff."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    entity: str = Field(max_length=32, index=True)
    entity_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=64)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    # The record's version after the change, so a stale form can list what it missed.
    version: int | None = None
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-in counter per key (an e-mail or an IP address)."""

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)
    last_failure: datetime = Field(default_factory=utcnow)


class AppState(SQLModel, table=True):
    """One row (id 1): the database's revision, raised by every committed write
    (hypotheses/revision.py), so a page rendered at one revision may be served again until
    anything changes."""

    __tablename__ = "app_state"

    id: int = Field(default=1, primary_key=True)
    revision: int = Field(default=0, sa_type=BigInteger)
