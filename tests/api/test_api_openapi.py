"""The OpenAPI 3.1 document: complete, consistent, and built from the same definitions."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import re

from api_support import api, new_hypothesis, tokens  # noqa: F401  (fixtures)

from hypotheses.api.openapi import OPERATIONS
from hypotheses.api.openapi_document import PREFIX

ISSUE_ENDPOINTS = {
    "GET /api/v1/hypotheses",
    "POST /api/v1/hypotheses",
    "GET /api/v1/hypotheses/{hypothesis_id}",
    "PATCH /api/v1/hypotheses/{hypothesis_id}",
    "POST /api/v1/hypotheses/{hypothesis_id}/approve",
    "POST /api/v1/hypotheses/{hypothesis_id}/reject",
    "PUT /api/v1/hypotheses/{hypothesis_id}/design",
    "POST /api/v1/hypotheses/{hypothesis_id}/start",
    "POST /api/v1/hypotheses/{hypothesis_id}/stop",
    "POST /api/v1/hypotheses/{hypothesis_id}/results",
    "GET /api/v1/hypotheses/{hypothesis_id}/analysis",
    "POST /api/v1/hypotheses/{hypothesis_id}/decision",
    "POST /api/v1/stats/analyze",
    "POST /api/v1/stats/sample-size",
    "GET /api/v1/reviews",
    "POST /api/v1/reviews",
    "GET /api/v1/reviews/{iso_week}",
    "POST /api/v1/reviews/{iso_week}/kpis",
    "POST /api/v1/reviews/{iso_week}/decisions",
    "POST /api/v1/reviews/{iso_week}/publish",
    "GET /api/v1/openapi.json",
}


def _document(client):
    response = client.get("/api/v1/openapi.json")  # no token needed
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_document_lists_every_endpoint_of_the_issue(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1")
    found = {f"{method.upper()} {path}" for path, ops in doc["paths"].items() for method in ops}
    assert ISSUE_ENDPOINTS <= found
    assert len(found) == len(OPERATIONS)


def test_every_operation_is_described_secured_and_its_refs_resolve(client):
    doc = _document(client)
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert op["summary"] and op["responses"], (method, path)
            success = [code for code in op["responses"] if code.startswith("2")]
            assert len(success) == 1, (method, path)
            if path != f"{PREFIX}/openapi.json":
                assert op["security"] == [{"bearerAuth": []}]
                assert {"401", "403"} <= set(op["responses"]), (method, path)
                assert op["x-permission"]
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(op["responses"]), (method, path)
            for name in re.findall(r"{(\w+)}", path):
                assert "404" in op["responses"]
                assert any(p["name"] == name and p["in"] == "path" for p in op["parameters"])
    assert len(ids) == len(set(ids))
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref


def test_request_schemas_refuse_unknown_fields_and_show_the_issue_examples(client):
    schemas = _document(client)["components"]["schemas"]
    for name in (
        "HypothesisCreate",
        "HypothesisPatch",
        "DesignIn",
        "ResultsIn",
        "KpisIn",
        "ReviewDecisionIn",
        "TestDecisionIn",
        "AnalyzeIn",
        "SampleSizeIn",
    ):
        assert schemas[name]["additionalProperties"] is False, name
        assert schemas[name].get("examples"), name
    create = schemas["HypothesisCreate"]
    assert set(create["required"]) == {"title", "stage", "lever", "subject"}
    assert create["properties"]["impact"]["type"] == "integer"
    assert {"per_variant", "duration_days"} <= set(schemas["ExperimentOut"]["properties"])
    analysis = schemas["AnalysisOut"]["properties"]
    assert {"verdict", "method", "comparisons", "srm", "warnings", "engine_version"} <= set(
        analysis
    )


def test_the_documented_examples_are_accepted(api, new_hypothesis, client):
    """The examples in the document are real requests: the create example makes a hypothesis."""
    example = _document(client)["components"]["schemas"]["HypothesisCreate"]["examples"][0]
    response = api.post("/hypotheses", "marketer", json=example)
    assert response.status_code == 201, response.json
