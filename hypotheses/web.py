"""Web wiring: extensions, the current team, error pages, security headers, blueprints."""

from __future__ import annotations

from functools import lru_cache, partial

from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
)
from flask_babel import Babel, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Integer, bindparam
from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import col, select
from werkzeug.routing import IntegerConverter

from hypotheses import enums, languages
from hypotheses.audit_notes import audit_note, results_source
from hypotheses.audit_values import audit_value
from hypotheses.db import get_engine, get_session
from hypotheses.domain.accounts.memberships import memberships_of
from hypotheses.models import Membership, Team, User
from hypotheses.navbar import navbar
from hypotheses.permissions import can
from hypotheses.revision import revision_column

# (endpoint, label, permission) in navbar order; each blueprint adds its own entries.
NAV_ITEMS: list[tuple[str, object, str]] = []

csrf = CSRFProtect()
login_manager = LoginManager()
bootstrap = Bootstrap5()
babel = Babel()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user from '<id>:<session token>'; a rotated token signs the cookie out."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit() or not token:
        return None
    # One statement: the user with their memberships and teams (load_team's next question).
    rows = get_session().exec(_user_statement(), params={"user_id": int(ident)}).all()
    user = rows[0][0] if rows else None
    if user is None or not user.is_active or user.session_token != token:
        return None
    g._memberships = (user.id, [(m, t) for _u, m, t, _r in rows if m is not None])
    g.revision = rows[0][3]  # read first: the data read after it is at least this new
    return user


@lru_cache(maxsize=1)
def _user_statement():
    """The signed-in user with each membership and its team, as ``memberships_of`` orders them,
    and the database's revision (revision.py)."""
    return (
        select(User, Membership, Team, revision_column())
        .outerjoin(Membership, col(Membership.user_id) == col(User.id))
        .outerjoin(Team, col(Team.id) == col(Membership.team_id))
        .where(User.id == bindparam("user_id", type_=Integer))
        .order_by(Team.name)
    )


def load_team() -> None:
    """Put the current team and the user's role in it on g (role read from the DB each request)."""
    g.team, g.role, g.memberships = None, None, []
    if not current_user.is_authenticated:
        return
    loaded = g.pop("_memberships", None)  # read with the user by load_user
    if loaded is not None and loaded[0] == current_user.id:
        g.memberships = loaded[1]
    else:  # signed in another way (an API token)
        g.memberships = memberships_of(get_session(), current_user)
    if not g.memberships:
        return
    wanted = session.get("team_id")
    chosen: tuple[Membership, Team] = next(
        (pair for pair in g.memberships if pair[1].id == wanted), g.memberships[0]
    )
    g.team, g.role = chosen[1], chosen[0].role
    if session.get("team_id") != g.team.id:  # write only on change: no Set-Cookie on every asset
        session["team_id"] = g.team.id


def is_read_only_error(error: OperationalError) -> bool:
    """Tell whether the database refused a write because it is read-only (SQLite, PostgreSQL)."""
    text = str(getattr(error, "orig", error)).lower()
    return "readonly database" in text or "read-only transaction" in text


def wants_json() -> bool:
    """Tell whether the request expects a JSON answer (the API)."""
    return request.path.startswith("/api/")


def _error(status: int, title: str, message: str):
    if wants_json():
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            503: "unavailable",
        }.get(status, "error")
        response = jsonify({"error": {"code": code, "message": str(message), "fields": {}}})
        response.headers["Cache-Control"] = "no-store"  # as every API answer
        return response, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


# The errors whose page says the same whatever the request: (status, title, message).
FIXED_ERRORS = (
    (403, _l("Not allowed"), _l("Your role in this team does not allow this action.")),
    (404, _l("Not found"), _l("There is nothing here, or it belongs to another team.")),
    (405, _l("Not allowed"), _l("This address does not accept that kind of request.")),
    (413, _l("Too large"), _l("The upload is larger than allowed.")),
)


def _fixed_error(status: int, title: str, message: str, _e: Exception):
    return _error(status, title, message)


def register_errors(app: Flask) -> None:
    """Render friendly error pages (or JSON errors under /api/)."""

    @app.errorhandler(400)
    def bad_request(e):
        return _error(
            400,
            _l("Bad request"),
            getattr(e, "description", "") or _l("The request could not be understood."),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _error(
            400,
            _l("Form expired"),
            _l(
                "The form's security token is missing or expired. "
                "Go back, reload the page and try again."
            ),
        )

    for status, title, message in FIXED_ERRORS:
        app.register_error_handler(status, partial(_fixed_error, status, title, message))

    @app.errorhandler(OperationalError)
    def db_unavailable(e):
        get_session().rollback()
        # A connection that failed this way may stay broken (opened read-only, lost its
        # server): drop the pool, so the next request connects afresh and recovers by itself
        # once the database is writable or reachable again.
        get_engine().dispose()
        if is_read_only_error(e):
            return _error(
                503,
                _l("Read-only"),
                _l(
                    "The database is read-only right now, so changes cannot be saved. "
                    "Reading still works; try again once it is writable."
                ),
            )
        return _error(
            503,
            _l("Busy"),
            _l("The database is busy or unavailable. Please try again in a moment."),
        )

    @app.errorhandler(DataError)
    def data_error(_e):
        # The last resort: every number and text from outside is checked where it enters, so
        # a value the database still refuses (beyond INTEGER, a NUL in text) is bad input, not
        # a server fault. Nothing is saved: the transaction is rolled back.
        get_session().rollback()
        return _error(
            422,
            _l("Value not accepted"),
            _l(
                "A value in the request could not be stored: a number is too large or text "
                "holds characters that are not allowed. Go back, correct it and try again."
            ),
        )

    @app.errorhandler(500)
    def internal(_e):
        get_session().rollback()
        return _error(
            500, _l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")
        )


def security_headers(response):
    """Add CSP and the other security headers; authenticated pages are not cached."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def nav_items() -> list[tuple[str, object, str]]:
    """Return the navbar entries whose endpoints exist."""
    return [item for item in NAV_ITEMS if item[0] in current_app.view_functions]


class IdConverter(IntegerConverter):
    """``<int:...>`` for record ids: numbers past the INTEGER key range cannot name a row, so
    they become 0 (no row has it) and answer 404, instead of overflowing the driver (a 500)."""

    MAX_KEY = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.MAX_KEY else 0


def init_app(app: Flask) -> None:
    """Bind extensions and register every blueprint."""
    app.url_map.converters["int"] = IdConverter
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(load_team)
    app.after_request(security_headers)
    register_errors(app)
    app.jinja_env.globals.update(can=can, vocab=enums, nav_items=nav_items, audit_note=audit_note)
    app.jinja_env.globals.update(navbar=navbar)
    app.jinja_env.globals.update(results_source=results_source)
    app.jinja_env.globals.update(audit_value=audit_value)
    app.jinja_env.globals.update(
        current_language=languages.current_language, language_names=languages.NAMES
    )
    app.jinja_env.filters.update(
        day=languages.day, moment=languages.moment, percent=languages.percent
    )
    app.jinja_env.add_extension("jinja2.ext.do")

    from hypotheses.admin import bp as admin_bp
    from hypotheses.auth import bp as auth_bp
    from hypotheses.backlog import bp as backlog_bp
    from hypotheses.experiments import bp as experiments_bp
    from hypotheses.learnings import bp as learnings_bp
    from hypotheses.main import bp as main_bp
    from hypotheses.reviews import bp as reviews_bp

    NAV_ITEMS.clear()
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(main_bp)
    NAV_ITEMS.append(("main.dashboard", _l("Dashboard"), "team.view"))
    app.register_blueprint(backlog_bp, url_prefix="/backlog")
    NAV_ITEMS.append(("backlog.index", _l("Backlog"), "hypothesis.view"))
    app.register_blueprint(experiments_bp, url_prefix="/experiments")
    NAV_ITEMS.append(("experiments.index", _l("Tests"), "experiment.view"))
    app.register_blueprint(learnings_bp, url_prefix="/learnings")
    NAV_ITEMS.append(("learnings.index", _l("Learnings"), "experiment.view"))
    app.register_blueprint(reviews_bp, url_prefix="/reviews")
    NAV_ITEMS.append(("reviews.index", lazy_pgettext("navbar", "Weekly reviews"), "review.view"))
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from hypotheses.comments import bp as comments_bp

    app.register_blueprint(comments_bp, url_prefix="/comments")
    NAV_ITEMS.append(("admin.settings", lazy_pgettext("navbar", "Team settings"), "team.settings"))
    NAV_ITEMS.append(("admin.users", _l("Users"), "admin.manage"))

    # The JSON API authenticates with bearer tokens only (never the session cookie): no CSRF.
    from hypotheses.api import bp as api_bp

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from hypotheses.csvio import bp as csvio_bp

    app.register_blueprint(csvio_bp, url_prefix="/data")
    NAV_ITEMS.append(("csvio.index", _l("Data"), "team.view"))
    from hypotheses.notifications import bp as notifications_bp  # issue 15

    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    from hypotheses.sources import bp as sources_bp  # SQL data sources (issue 16)

    app.register_blueprint(sources_bp, url_prefix="/sources")
    NAV_ITEMS.append(("sources.index", lazy_pgettext("navbar", "Sources"), "source.use"))
