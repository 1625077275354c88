"""The OpenAPI document and the behaviour agree where schemathesis `--checks all` found gaps.

A whole JSON number written with a fraction (5.0, 1e0) is an integer to JSON Schema, so it is
accepted as one; every free text in a request is documented with the control-character rule
the API enforces; an empty query parameter, which is refused, is documented as too short;
only weeks 01–53 match the week pattern; a continuous design documents that it needs its
standard deviation; and the rules a schema cannot express are named in the 422 response.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

from api_support import NEW, api, tokens  # noqa: F401  (fixtures)

from hypotheses.api.openapi import NO_CONTROL
from hypotheses.api.openapi_document import RULES


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def test_whole_numbers_written_with_a_fraction_are_integers(api):  # noqa: F811
    created = api.post("/hypotheses", json={**NEW, "impact": 7.0, "confidence": 1e0})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["impact"], body["confidence"]) == (7, 1)
    patched = api.patch(
        f"/hypotheses/{body['id']}", json={"version": float(body["version"]), "ease": 3.0}
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["ease"] == 3
    # A fraction is still refused, and so are strings and booleans (strict JSON types).
    for bad in (7.5, "7", True):
        refused = api.patch(f"/hypotheses/{body['id']}", json={"version": 2, "ease": bad})
        assert refused.status_code == 422, bad


def test_free_texts_carry_the_control_character_rule(client):
    document = _document(client)
    schemas = document["components"]["schemas"]
    title = schemas["HypothesisCreate"]["properties"]["title"]
    assert title["pattern"] == NO_CONTROL
    assert re.match(NO_CONTROL, "Shorter form\tand\nmore") and not re.match(NO_CONTROL, "a\x00")
    # enums keep their own pattern; a free query parameter gets the rule and a minimum length
    assert schemas["HypothesisCreate"]["properties"]["stage"]["pattern"] != NO_CONTROL
    q = next(
        p for p in document["paths"]["/api/v1/hypotheses"]["get"]["parameters"] if p["name"] == "q"
    )
    assert q["schema"]["pattern"] == NO_CONTROL and q["schema"]["minLength"] == 1


def test_week_pattern_continuous_design_and_named_rules(client):
    document = _document(client)
    week = document["paths"]["/api/v1/reviews/{iso_week}"]["get"]["parameters"][0]["schema"]
    assert re.match(week["pattern"], "2026-W53") and not re.match(week["pattern"], "2026-W54")
    assert not re.match(week["pattern"], "2026-W00")
    design = document["components"]["schemas"]["DesignIn"]
    assert design["then"]["required"] == ["baseline_sd"]
    refused = document["paths"]["/api/v1/reviews"]["post"]["responses"]["422"]["description"]
    assert "iso_week" in refused and RULES["open_review"]["iso_week"] in refused
