"""Teams and their settings: bounds, active-test limit, scoring, separation of duties,
the language for new members and how early looks at running tests are judged.

Every public function that changes state is a complete use case: it validates, writes an
audit entry and commits once at the end. On a refusal it raises a DomainError and leaves
the session without pending changes from this call.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case
from sqlmodel import Session, col, func, select

from hypotheses.domain.accounts.memberships import check_role, set_membership
from hypotheses.domain.backlog.queries import backlog_size
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    LimitReached,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.experiments.impact import CURRENCIES
from hypotheses.domain.reviews.metrics import seed_catalog
from hypotheses.enums import EarlyLookMethod, ExperimentStatus, Role, ScoreFormula
from hypotheses.languages import LANGUAGES
from hypotheses.models import AuditEntry, Experiment, Membership, Team, User

MAX_BACKLOG = 500
MAX_TEAM_NAME = 120
SETTING_FIELDS = (
    "backlog_min",
    "backlog_max",
    "active_test_limit",
    "score_formula",
    "rice_enabled",
    "allow_self_approval",
    "default_language",
    "early_look_method",
    "currency",
)


def settings_of(team: Team) -> dict[str, Any]:
    """Return the team's settings as a plain dict (what the settings form edits)."""
    return {name: getattr(team, name) for name in SETTING_FIELDS}


def running_count(session: Session, *, team: Team) -> int:
    """Count the team's experiments that are running now."""
    return session.exec(
        select(func.count(col(Experiment.id))).where(
            Experiment.team_id == team.id, Experiment.status == ExperimentStatus.RUNNING
        )
    ).one()


def backlog_count(session: Session, *, team: Team) -> int:
    """Count the hypotheses the backlog bounds apply to (backlog and approved)."""
    return backlog_size(session, team=team)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    low, high, limit = values["backlog_min"], values["backlog_max"], values["active_test_limit"]
    if not _is_int(low) or not 0 <= low <= MAX_BACKLOG:
        bad("backlog_min", _("Enter a whole number from 0 to %(n)d.", n=MAX_BACKLOG))
    if not _is_int(high) or not 1 <= high <= MAX_BACKLOG:
        bad("backlog_max", _("Enter a whole number from 1 to %(n)d.", n=MAX_BACKLOG))
    if "backlog_min" not in errors and "backlog_max" not in errors and low > high:
        bad("backlog_max", _("The maximum must be at least the minimum."))
    if not _is_int(limit) or not 1 <= limit <= 3:
        bad("active_test_limit", _("Choose 1, 2 or 3 tests at a time."))
    if values["score_formula"] not in {f.value for f in ScoreFormula}:
        bad("score_formula", _("Choose the mean or the product formula."))
    for flag in ("rice_enabled", "allow_self_approval"):
        if not isinstance(values[flag], bool):
            bad(flag, _("Choose yes or no."))
    if values["default_language"] not in {None, *LANGUAGES}:
        bad("default_language", _("Choose Russian, English or each member's browser language."))
    if EarlyLookMethod.find(values["early_look_method"]) is None:
        bad("early_look_method", _("Choose one of the ways to judge early looks."))
    if values["currency"] not in CURRENCIES:
        bad("currency", _("Choose one of the listed currencies."))
    if errors:
        raise ValidationFailed(errors, _("Some settings are not valid; see the marked fields."))


def _stale_changes(session: Session, team: Team, expected: dict[str, Any]) -> list[dict]:
    current = settings_of(team)
    changed = {
        k: [expected.get(k), current[k]] for k in SETTING_FIELDS if expected.get(k) != current[k]
    }
    last = session.exec(
        select(AuditEntry, User)
        .join(User, col(AuditEntry.actor_id) == col(User.id), isouter=True)
        .where(
            AuditEntry.entity == "team",
            AuditEntry.entity_id == team.id,
            AuditEntry.action == "team.settings",
        )
        .order_by(col(AuditEntry.id).desc())
    ).first()
    entry, who = last if last else (None, None)
    return [
        {
            "who": who.name if who else "system",
            "when": entry.created_at if entry else team.created_at,
            "action": "team.settings",
            "changes": changed,
        }
    ]


def update_settings(
    session: Session,
    *,
    team: Team,
    actor: User,
    backlog_min: int,
    backlog_max: int,
    active_test_limit: int,
    score_formula: str,
    rice_enabled: bool,
    allow_self_approval: bool,
    default_language: str | None = None,
    early_look_method: str | None = None,
    currency: str | None = None,
    expected: dict[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """Save the team's settings and return the audited diff {field: [old, new]}.

    :param default_language: the interface language ("ru", "en") given to members added
        without one of their own; None leaves it to each member's browser.
    :param early_look_method: how early looks are judged (an EarlyLookMethod value); None
        keeps the team's current method.
    :param currency: the code of the currency projected impacts are stated in; None keeps it.
    :param expected: the settings the form was loaded with; when given and the team's
        settings changed meanwhile, the save is refused with StaleVersion (no silent overwrite).
    :raises ValidationFailed: a value is out of range (errors by field).
    :raises LimitReached: the new active-test limit is below the number of running tests.
    """
    write_lock(session)
    values = {
        "backlog_min": backlog_min,
        "backlog_max": backlog_max,
        "active_test_limit": active_test_limit,
        "score_formula": str(score_formula) if score_formula is not None else None,
        "rice_enabled": rice_enabled,
        "allow_self_approval": allow_self_approval,
        "default_language": default_language or None,
        "early_look_method": str(
            team.early_look_method if early_look_method is None else early_look_method
        ),
        "currency": team.currency if currency is None else currency,
    }
    _validate(values)
    current = settings_of(team)
    # a setting the loaded form did not know of (added since) counts as unchanged
    if expected is not None and {k: expected.get(k, current[k]) for k in SETTING_FIELDS} != current:
        raise StaleVersion(
            _("Someone changed these settings after you opened the page."),
            changes=_stale_changes(session, team, expected),
        )
    running = running_count(session, team=team)
    if active_test_limit < running:
        raise LimitReached(
            ngettext(
                "%(num)d test is running now, so the limit cannot go below %(num)d. "
                "Stop or finish a test first.",
                "%(num)d tests are running now, so the limit cannot go below %(num)d. "
                "Stop or finish a test first.",
                running,
            ),
            field="active_test_limit",
        )
    changes = audit.apply_changes(
        session, team, values, team_id=team.id, entity="team", action="team.settings", actor=actor
    )
    if changes:
        session.commit()
    return changes


def _clean_name(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Team name is required."), field="name")
    if len(name) > MAX_TEAM_NAME:
        message = _("Use at most %(n)d characters.", n=MAX_TEAM_NAME)
        raise DomainError(message, field="name")
    query = select(Team.id).where(func.lower(Team.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Team.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(_("A team with this name already exists."), field="name")
    return name


def get_or_create_team(session: Session, name: str, language: str | None = None) -> Team:
    """Return the team called *name*, creating it (with its metric catalog) when missing (not
    committed).

    A new team has no default language yet, so its catalog's names are in *language* (the
    creating user's language: "ru", "en"); English when None."""
    name = name.strip()
    if not name:
        raise DomainError(_("Team name is required."), field="team")
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
        seed_catalog(session, team=team, language=language)
    return team


def create_team(
    session: Session,
    *,
    name: str,
    actor: User,
    join_as: str | None = None,
    language: str | None = None,
) -> Team:
    """Create a team with the default metric catalog; refuse a name already in use.

    :param join_as: when given, the actor becomes a member of the new team with this role.
    :param language: the catalog's language ("ru", "en"); by default the actor's own setting.
    """
    write_lock(session)
    if join_as is not None:
        check_role(join_as, field="join_as")
    name = _clean_name(session, name)
    team = get_or_create_team(session, name, language=language or actor.language)
    audit.log(session, "team", team, "team.create", actor, changes=audit.created({"name": name}))
    if join_as:
        set_membership(session, user=actor, team=team, role=join_as, actor=actor)
    session.commit()
    return team


def rename_team(session: Session, *, team: Team, name: str, actor: User) -> None:
    """Rename *team*; refuse an empty name or one another team uses."""
    write_lock(session)
    name = _clean_name(session, name, exclude_id=team.id)
    if name == team.name:
        return
    values = {"name": name}
    audit.apply_changes(
        session, team, values, team_id=team.id, entity="team", action="team.rename", actor=actor
    )
    session.commit()


def get_team(session: Session, team_id: int) -> Team:
    """Return the team or raise NotFound."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(_("This team does not exist."))
    return team


def list_teams(session: Session) -> list[tuple[Team, int, int]]:
    """Return every team with its member count and admin count, by name."""
    members = (
        select(
            Membership.team_id,
            func.count(col(Membership.id)).label("n"),
            func.sum(case((col(Membership.role) == Role.ADMIN.value, 1), else_=0)).label("admins"),
        )
        .group_by(Membership.team_id)
        .subquery()
    )
    rows = session.exec(
        select(Team, members.c.n, members.c.admins)
        .join(members, members.c.team_id == col(Team.id), isouter=True)
        .order_by(Team.name)
    ).all()
    return [(team, int(n or 0), int(admins or 0)) for team, n, admins in rows]
