"""Invitations: an admin invites an address into a team with a role; the person follows the
e-mailed link (once, within 72 hours) and sets their name and password."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.accounts import links
from hypotheses.domain.accounts.hashed_tokens import new_token
from hypotheses.domain.accounts.links import LinkState
from hypotheses.domain.accounts.memberships import check_role, set_membership
from hypotheses.domain.accounts.passwords import DEFAULT_HASH_METHOD
from hypotheses.domain.accounts.users import audit_created, clean_email, clean_name, create_user
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.notifications import outbox
from hypotheses.domain.notifications.messages import Message
from hypotheses.enums import NotificationEvent, Role
from hypotheses.models import Invitation, Team, User

VALID_HOURS = 72
ACCEPT_PATH = "/auth/invitation/{token}"


class LinkRefused(DomainError):
    """The link is unknown, used or expired (*state*)."""

    code = "link_refused"
    status = 410

    def __init__(self, state: LinkState) -> None:
        super().__init__(_("This link cannot be used."))
        self.state = state


def _mail(*, inviter: str, team: str, role: str, token: str, language: str):
    def compose() -> Message:
        values = {"actor": inviter, "team": team, "role": Role.label_of(role)}
        return Message(
            _("%(actor)s invites you to %(team)s", **values),
            [
                _(
                    "%(actor)s invited you to join the team “%(team)s” in Hypotheses, with "
                    "the role “%(role)s”. Follow the link to choose your password.",
                    **values,
                ),
                _(
                    "The link works once and expires in %(n)d hours. If you did not expect "
                    "this invitation, ignore this e-mail.",
                    n=VALID_HOURS,
                ),
            ],
            link_label=_("Accept the invitation"),
        )

    return links.render_link_mail(compose, path=ACCEPT_PATH.format(token=token), language=language)


def invite(
    session: Session, *, email: str, role: str, team: Team, actor: User, language: str
) -> Invitation:
    """Invite *email* into *team* as *role* and queue the e-mail (in *language*). An earlier
    pending invitation of the address stops working. Commits."""
    check_role(role)
    write_lock(session)
    email = clean_email(session, email)
    moment = links.expire_pending(session, Invitation, Invitation.email == email)
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        team_id=team.id,
        role=role,
        token_hash=token_hash,
        invited_by_id=actor.id,
        created_at=moment,
        expires_at=moment + timedelta(hours=VALID_HOURS),
    )
    audit.record_new(
        session,
        invitation,
        team_id=team.id,
        entity="invitation",
        action="invitation.create",
        actor=actor,
        values={"email": email, "role": role},
    )
    mail = _mail(inviter=actor.name, team=team.name, role=role, token=token, language=language)
    event, dedupe_key = NotificationEvent.INVITATION.value, f"invitation:{invitation.id}"
    outbox.enqueue_email(
        session, to=email, **outbox.parts(mail), event=event, team_id=team.id, dedupe_key=dedupe_key
    )
    session.commit()
    return invitation


def find(session: Session, token: str) -> tuple[Invitation | None, LinkState]:
    """Return the invitation *token* opens (None if unknown) and whether it can be used."""
    return links.find(session, Invitation, token)


def accept(
    session: Session,
    *,
    token: str,
    name: str,
    password: str,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> tuple[User, Team]:
    """Create the invited person's account (name, password) with the invitation's role and
    use the link up. Commits.

    :raises LinkRefused: the link is unknown, used, expired or replaced.
    :raises DomainError: the name or password is not acceptable (nothing used up).
    """
    invitation, state = find(session, token)
    if state is not LinkState.VALID:
        raise LinkRefused(state)
    clean_name(name)
    try:
        user = create_user(  # hashes first, then takes the write lock
            session,
            email=invitation.email,
            name=name,
            password=password,
            hash_method=hash_method,
        )
    except Conflict as error:
        session.rollback()
        raise Conflict(
            _("An account with this e-mail exists already: sign in instead."), field=None
        ) from error
    if not links.use_once(session, Invitation, invitation.id):
        session.rollback()
        raise LinkRefused(links.state_of(session.get(Invitation, invitation.id)))
    team = session.get(Team, invitation.team_id)
    invitation.user_id = user.id
    session.add(invitation)
    audit_created(session, user, actor=user, note=f"invitation:{invitation.id}")
    audit.log(session, "invitation", invitation, "invitation.accept", user)
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    set_membership(session, user=user, team=team, role=invitation.role, actor=inviter)
    session.commit()
    return user, team


def pending(session: Session, *, limit: int = 50) -> list[tuple[Invitation, Team, LinkState]]:
    """Return the latest invitations with their team and state, newest first."""
    rows = session.exec(
        select(Invitation, Team)
        .join(Team, col(Team.id) == col(Invitation.team_id))
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
        .limit(limit)
    ).all()
    return [(inv, team, links.state_of(inv)) for inv, team in rows]
