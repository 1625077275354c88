"""The interface language: which one a request gets, and dates written the reader's way.

The choice, first match wins:

1. the API (/api/...): the ``Accept-Language`` header, else English (a token's requests carry
   no cookie and no profile choice; field names and enum values are never translated);
2. the signed-in user's profile setting (``User.language``; None means "as the browser");
3. the switch on signed-out pages (the ``lang`` cookie);
4. the browser's ``Accept-Language``;
5. ``BABEL_DEFAULT_LOCALE`` (English).

A team's ``default_language`` is copied to a member who has no language of their own when they
are created into or added to the team (hypotheses.domain.accounts.memberships.set_membership).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms.fields.choices import SelectChoice

LANGUAGES = ("ru", "en")
# Each language is named in itself, so that anyone can find theirs whatever the page shows.
NAMES = {"ru": "Русский", "en": "English"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Dates in running text: "2 дек. 2026" / "Dec 2, 2026" (Babel's Russian medium adds " г.").
DATE_PATTERNS = {"ru": "d MMM y"}
TIME_PATTERN = "HH:mm"


def clean(value: object) -> str | None:
    """Return *value* when it names a supported language, else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def choices(blank_label: object) -> list[SelectChoice]:
    """Return a select's or radio group's options: *blank_label* ("") then each language."""
    return [SelectChoice(value="", label=blank_label)] + [
        SelectChoice(value=code, label=NAMES[code]) for code in LANGUAGES
    ]


def select_locale() -> str | None:
    """Pick the interface language of the current request (see the module docstring)."""
    if not has_request_context():  # CLI commands (init-db, seed-demo) use the default
        return None
    browser = request.accept_languages.best_match(LANGUAGES)
    if request.path.startswith("/api/"):
        return browser
    try:
        language = clean(getattr(current_user, "language", None))
    except SQLAlchemyError:  # the database is down: the error page still gets a language
        language = None
    if language:
        return language
    return clean(request.cookies.get(COOKIE)) or browser


def current_language() -> str:
    """Return the active language code ("ru", "en"): <html lang> and the language switch."""
    return get_locale().language if get_locale() is not None else LANGUAGES[-1]


def day(value: date | datetime | None) -> str:
    """Write a date for running text in the active language: "2 дек. 2026", "Dec 2, 2026"."""
    if value is None:
        return "—"
    return format_date(value, DATE_PATTERNS.get(current_language(), "medium"))


def moment(value: datetime | None) -> str:
    """Write a date and time for running text: "2 дек. 2026, 14:05" (times are UTC)."""
    if value is None:
        return "—"
    return f"{day(value)}, {format_datetime(value, TIME_PATTERN)}"


def percent_sign() -> str:
    """Return what follows a number as a percentage: "%" in English, " %" (no-break) in Russian."""
    return format_percent(0).replace("0", "", 1) if get_locale() is not None else "%"


def percent(value: float | None, digits: int = 0) -> str:
    """Write a number that already is a percentage: 42 → "42%" / "42 %" (no-break space)."""
    if value is None:
        return "—"
    return format_decimal(value, "#,##0" + ("." + "0" * digits if digits else "")) + percent_sign()


def set_cookie(response, language: str | None):
    """Remember the signed-out switch's *language* on *response* (forget it when None)."""
    config = current_app.config
    if language is None:
        response.delete_cookie(COOKIE)
        return response
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response
