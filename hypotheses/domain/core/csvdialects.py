"""CSV dialects of exports: "Excel (Russia)" and "standard", and which one a user gets.

"Excel (Russia)" is what a spreadsheet set to Russian opens as columns: ``;`` between cells,
a decimal comma, UTF-8 with a BOM. "Standard" is RFC 4180 with a decimal point, UTF-8 without
a BOM. Imports read either (core.csvfiles finds the delimiter, core.numbers reads both decimal
marks). A user's choice is ``User.csv_dialect``; without one, Russian speakers get Excel
(Russia) and everyone else the standard dialect.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.domain.core.errors import DomainError
from hypotheses.enums import CsvDialect
from hypotheses.models import User


@dataclass(frozen=True)
class Dialect:
    """How an export is written: cell delimiter, decimal mark, and whether a BOM leads."""

    name: str
    delimiter: str
    decimal: str
    bom: bool


DIALECTS = {
    CsvDialect.EXCEL_RU.value: Dialect(CsvDialect.EXCEL_RU.value, ";", ",", True),
    CsvDialect.STANDARD.value: Dialect(CsvDialect.STANDARD.value, ",", ".", False),
}
STANDARD = DIALECTS[CsvDialect.STANDARD.value]
EXCEL_RU = DIALECTS[CsvDialect.EXCEL_RU.value]


def default_for(language: str | None) -> str:
    """The dialect of someone who has not chosen: Excel (Russia) in Russian, else standard."""
    return CsvDialect.EXCEL_RU.value if language == "ru" else CsvDialect.STANDARD.value


def chosen(user: User | None, language: str | None) -> str:
    """The dialect name *user* gets (their choice, else the default of *language*)."""
    choice = getattr(user, "csv_dialect", None)
    return choice if choice in DIALECTS else default_for(language)


def dialect_of(user: User | None, language: str | None) -> Dialect:
    """The Dialect *user* exports with."""
    return DIALECTS[chosen(user, language)]


def set_csv_dialect(session: Session, *, user: User, dialect: str) -> bool:
    """Remember *user*'s export dialect (a CsvDialect value). Commits; returns whether it
    changed."""
    if dialect not in DIALECTS:
        raise DomainError(_("Choose one of the CSV formats."), field="dialect")
    if user.csv_dialect == dialect:
        return False
    user.csv_dialect = dialect
    session.add(user)
    session.commit()
    return True
