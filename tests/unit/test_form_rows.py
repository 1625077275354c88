"""Variant rows as FieldList(FormField): flat HTML names, and the one domain-error bridge."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.experiments.forms import DESIGN_ALIASES, DesignForm, ResultsForm, results_rows
from hypotheses.forms import apply_domain_error, flat_errors


def test_result_rows_keep_flat_names_and_read_the_request(app):
    with app.test_request_context(method="POST"):
        form = ResultsForm(
            formdata=MultiDict({"visitors_0": "16 000", "conversions_0": "31", "visitors_1": "x"}),
            meta={"csrf": False},
        )
        assert [f.name for f in form.rows[0]][:2] == ["visitors_0", "conversions_0"]
        assert form.rows[1].visitors.id == "visitors_1"
        assert not form.validate()
        assert list(flat_errors(form)) == ["visitors_1"]
        rows = results_rows(form, "conversion", ["Control", "B"])
        assert rows[0] == {"name": "Control", "visitors": 16000, "conversions": 31}


def test_domain_errors_land_on_row_fields_and_aliases(app):
    with app.test_request_context(method="POST"):
        form = DesignForm(formdata=MultiDict({"variant_split_1": "50 %"}), meta={"csrf": False})
        assert form.variants[1].variant_split.data == 50.0
        assert str(form.variants[1].variant_name.label.text) == "Name of variant 2"
        error = ValidationFailed(
            {"variant_split_1": ["Too big."], "variants": ["Two rows."], "status": ["x"]}
        )
        assert apply_domain_error(form, error, DESIGN_ALIASES)
        assert form.variants[1].variant_split.errors == ["Too big."]
        assert form.variants[0].variant_name.errors == ["Two rows."]
        assert not apply_domain_error(form, DomainError("No field."))
