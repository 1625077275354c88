"""Forms of the data page: the upload, the column mapping, a token's name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from hypotheses.domain.backlog.csv_mapping import FIELDS, REQUIRED
from hypotheses.enums import CsvDialect
from hypotheses.forms import AppForm, no_control_chars, strip_filter


class UploadForm(AppForm):
    """Choose a CSV file exported from a spreadsheet."""

    file = FileField(
        _l("Backlog CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        ],
        description=_l(
            "UTF-8 (with or without BOM) or Windows-1251, separated by commas or "
            "semicolons; the first row names the columns, in English or Russian. At most "
            "1,000 rows and 5 MiB."
        ),
    )


def mapping_form(headers: list[str], initial: dict[str, str], formdata=None) -> AppForm:
    """Build the mapping form: for each of our fields, which of the file's columns feeds it."""

    class MappingForm(AppForm):
        pass

    choices = [SelectChoice("", str(_l("— not imported —")))] + [
        SelectChoice(h, h) for h in headers
    ]
    for name, label in FIELDS.items():
        text = f"{label} *" if name in REQUIRED else label
        setattr(
            MappingForm,
            f"map_{name}",
            SelectField(text, choices=choices, default=initial.get(name, "")),
        )
    form = MappingForm(formdata=formdata)
    if formdata is None:
        for name in FIELDS:
            getattr(form, f"map_{name}").data = initial.get(name, "")
    return form


def mapping_of(form: AppForm) -> dict[str, str]:
    """Return {our field: column header} from a submitted mapping form (blank = not imported)."""
    return {name: getattr(form, f"map_{name}").data or "" for name in FIELDS}


class DialectForm(AppForm):
    """The dialect of one's CSV exports (remembered; imports read either)."""

    dialect = RadioField(
        _l("CSV format of your exports"),
        choices=CsvDialect.choices,
        description=_l("Files you upload may be in either format."),
    )


class TokenForm(AppForm):
    """Name a new API token."""

    name = StringField(
        _l("Token name"),
        filters=[strip_filter],
        validators=[Length(max=120), no_control_chars],
        description=_l("For example the script or tool that will use it."),
    )
