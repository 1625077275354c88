"""A team's data sources: create, edit, delete (leads and admins), test the connection.

The connection (URL or path) is encrypted at rest (keys) and never shown again: screens show
``display``, the connection with its password masked. Editing with the connection left blank
keeps the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.core import audit, transaction
from hypotheses.domain.core.errors import Conflict, NotFound, ValidationFailed
from hypotheses.domain.core.numbers import to_int
from hypotheses.domain.core.roles import require_permission
from hypotheses.domain.sources import engines, keys, running
from hypotheses.models import DataSource, Team, User, utcnow

ENTITY = "datasource"
MAX_CONNECTION = 2000


def _lost_race(session: Session, kwargs: dict[str, Any]) -> Exception:
    return Conflict(_("The source changed meanwhile; reload the page and try again."))


use_case = transaction.use_case(_lost_race)


@dataclass(frozen=True)
class SourceForm:
    name: str
    kind: str
    connection: str  # blank on edit: keep the stored one
    timeout_s: Any = 30
    max_rows: Any = 1000


def masked(kind: str, connection: str) -> str:
    """The connection as screens show it: a URL without its password, a path as it is."""
    if kind in ("duckdb", "files", "chdb"):
        return connection[:300]
    import sqlalchemy as sa

    try:
        url = sa.make_url(connection)
    except (sa.exc.ArgumentError, ValueError):
        return "…"
    return url.render_as_string(hide_password=True)[:300]


def _clean(form: SourceForm, *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = (form.name or "").strip()
    if not 1 <= len(name) <= 80:
        errors["name"] = [_("Give the source a name of 1 to 80 characters.")]
    if form.kind not in engines.KINDS:
        errors["kind"] = [_("Choose the kind of source.")]
    connection = (form.connection or "").strip()
    if creating and not connection:
        errors["connection"] = [_("Give the connection (a URL or a path).")]
    elif len(connection) > MAX_CONNECTION:
        errors["connection"] = [_("The connection is longer than 2,000 characters.")]
    elif connection and form.kind in ("duckdb", "files", "chdb"):
        try:
            running.local_path(connection)
        except running.SourceError as error:
            errors["connection"] = [str(error)]
    elif connection and form.kind is not None:
        import sqlalchemy as sa

        try:
            sa.make_url(connection)
        except (sa.exc.ArgumentError, ValueError):
            errors["connection"] = [
                _("This is not a URL such as postgresql://user:password@host:5432/database.")
            ]
    timeout = to_int(form.timeout_s, minimum=1, maximum=600)
    if timeout is None:
        errors["timeout_s"] = [_("The timeout is a whole number of seconds from 1 to 600.")]
    max_rows = to_int(form.max_rows, minimum=1, maximum=100000)
    if max_rows is None:
        errors["max_rows"] = [_("The row limit is a whole number from 1 to 100,000.")]
    if errors:
        raise ValidationFailed(errors, _("Some fields need attention."))
    return {
        "name": name,
        "kind": form.kind,
        "connection": connection,
        "timeout_s": timeout,
        "max_rows": max_rows,
    }


def list_sources(session: Session, *, team: Team) -> list[DataSource]:
    return list(
        session.exec(
            select(DataSource).where(DataSource.team_id == team.id).order_by(col(DataSource.name))
        ).all()
    )


def get_source(session: Session, *, team: Team, source_id: int) -> DataSource:
    source = session.get(DataSource, source_id)
    if source is None or source.team_id != team.id:
        raise NotFound(_("There is no such data source in this team."))
    return source


def _name_taken(session: Session, team: Team, name: str, source_id: int | None) -> None:
    clash = session.exec(
        select(DataSource.id).where(DataSource.team_id == team.id, DataSource.name == name)
    ).first()
    if clash is not None and clash != source_id:
        raise ValidationFailed(
            {"name": [_("The team already has a source named “%(name)s”.", name=name)]},
            _("Some fields need attention."),
        )


@use_case
def create_source(
    session: Session, *, team: Team, actor: User | None, form: SourceForm
) -> DataSource:
    """Add a source; the connection is stored encrypted (never in the audit trail)."""
    require_permission(session, "source.manage", team=team, actor=actor)
    data = _clean(form, creating=True)
    _name_taken(session, team, data["name"], None)
    source = DataSource(
        team_id=team.id,
        name=data["name"],
        kind=data["kind"],
        secret=keys.seal(data["connection"]),
        display=masked(data["kind"], data["connection"]),
        timeout_s=data["timeout_s"],
        max_rows=data["max_rows"],
        created_by_id=actor.id if actor else None,
    )
    audit.record_new(
        session,
        source,
        team_id=team.id,
        entity=ENTITY,
        action="datasource.create",
        actor=actor,
        values={"name": source.name},
    )
    return source


@use_case
def update_source(
    session: Session, *, team: Team, actor: User | None, source_id: int, form: SourceForm
) -> DataSource:
    """Edit a source; a blank connection keeps the stored one."""
    require_permission(session, "source.manage", team=team, actor=actor)
    source = get_source(session, team=team, source_id=source_id)
    data = _clean(form, creating=False)
    _name_taken(session, team, data["name"], source.id)
    before = {k: getattr(source, k) for k in ("name", "kind", "timeout_s", "max_rows")}
    if data["connection"]:
        source.secret = keys.seal(data["connection"])
        source.display = masked(data["kind"], data["connection"])
    elif data["kind"] != source.kind:
        raise ValidationFailed(
            {"connection": [_("A new kind of source needs its connection again.")]},
            _("Some fields need attention."),
        )
    for key in before:
        setattr(source, key, data[key])
    source.updated_at = utcnow()
    session.add(source)
    changes = audit.diff(before, {k: data[k] for k in before})
    if data["connection"]:
        changes["connection"] = ["…", "…"]  # changed; never its value
    audit.log(session, ENTITY, source, "datasource.update", actor, changes=changes)
    return source


@use_case
def delete_source(session: Session, *, team: Team, actor: User | None, source_id: int) -> None:
    """Delete a source; tests and KPI metrics that used it keep their stored results."""
    require_permission(session, "source.manage", team=team, actor=actor)
    source = get_source(session, team=team, source_id=source_id)
    audit.log(
        session, ENTITY, source, "datasource.delete", actor, changes={"name": [source.name, None]}
    )
    session.delete(source)


def connection_of(source: DataSource) -> str:
    """The decrypted connection; a SourceError when no configured key opens it."""
    try:
        return keys.unseal(source.secret)
    except keys.KeyUnusable:
        raise running.SourceError(
            _(
                "The stored connection cannot be decrypted with the configured keys "
                "(SOURCES_ENCRYPTION_KEYS); a lead must enter it again."
            )
        ) from None


def run_on(
    source: DataSource, sql: str, params: dict[str, Any] | None = None, *, max_rows=None
) -> running.Result:
    """Run one read-only query on *source* under its timeout and row limit."""
    return engines.run_query(
        source.kind,
        connection_of(source),
        sql,
        params,
        timeout=source.timeout_s,
        max_rows=max_rows or source.max_rows,
    )


def check_source(session: Session, *, team: Team, actor: User | None, source_id: int) -> float:
    """Run ``SELECT 1`` on the source; return the seconds it took, or raise SourceError with
    the engine's own message."""
    require_permission(session, "source.use", team=team, actor=actor)
    source = get_source(session, team=team, source_id=source_id)
    return engines.check_connection(
        source.kind, connection_of(source), timeout=min(source.timeout_s, 30)
    ).seconds


def rotate_keys(session: Session) -> int:
    """Re-encrypt every stored connection under the first configured key; return how many."""
    sources = session.exec(select(DataSource)).all()
    for source in sources:
        source.secret = keys.reseal(source.secret)
        session.add(source)
    session.commit()
    return len(sources)
