"""What keeps a backlog use case's change whole: one commit, the version check against lost
updates (a stale edit is refused with what changed since), and the audited write that bumps
the version."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.domain.backlog.queries import get_hypothesis
from hypotheses.domain.core import audit, transaction
from hypotheses.domain.core.errors import DomainError, StaleVersion
from hypotheses.models import Hypothesis, Team, User, utcnow

ENTITY = "hypothesis"

# Commit once on success; roll back on any refusal; a lost race becomes StaleVersion.
use_case = transaction.use_case(
    lambda session, kwargs: stale(
        session, kwargs["team"], kwargs["hypothesis_id"], kwargs.get("version")
    )
)


def stale(session: Session, team: Team, hypothesis_id: int, version: int | None) -> StaleVersion:
    """The refusal of an edit made on *version* (None: the one before the current): what
    changed since."""
    current = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    since = version if version is not None else current.version - 1
    return audit.stale(
        session,
        ENTITY,
        current,
        _(
            "Someone else changed this hypothesis after you opened it. Nothing was saved; "
            "check their changes and try again."
        ),
        since=since,
    )


def check_version(
    session: Session, team: Team, hypothesis: Hypothesis, version: Any, *, required: bool = False
) -> None:
    """Refuse an edit made on another *version* than the hypothesis's (None passes unless
    *required*)."""
    if version is None and not required:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise DomainError(
            _(
                "The form lost track of which version you edited. Reload the page "
                "and make your change again."
            ),
            field="version",
        )
    if version != hypothesis.version:
        raise stale(session, team, hypothesis.id, version)


def record(
    session: Session,
    hypothesis: Hypothesis,
    *,
    actor: User | None,
    action: str,
    changes: dict[str, Any],
) -> None:
    """Flush the change (bumping the version) and add its audit entry."""
    hypothesis.updated_at = utcnow()
    session.flush()  # raises StaleDataError if a concurrent writer won the race (PostgreSQL)
    audit.log(
        session, ENTITY, hypothesis, action, actor, changes=changes, version=hypothesis.version
    )


def move(
    session: Session,
    hypothesis: Hypothesis,
    status: str,
    *,
    actor: User | None,
    action: str,
    **extra: Any,
) -> None:
    """Change the status (plus *extra* fields) and audit it."""
    changes = {"status": [hypothesis.status, status]}
    for name, value in extra.items():
        if getattr(hypothesis, name) != value:
            changes[name] = [getattr(hypothesis, name), value]
        setattr(hypothesis, name, value)
    hypothesis.status = status
    record(session, hypothesis, actor=actor, action=action, changes=changes)
