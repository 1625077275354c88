"""Bad input never reaches the domain or the database: the request models enforce exactly
what the OpenAPI document says (ranges, lengths, item counts, choices), and text holds no
control characters. Each case is one request that once gave a 500 or was wrongly accepted."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import json

import factories
import pytest
from api_support import api, new_hypothesis, rows, tokens  # noqa: F401  (fixtures)
from sqlmodel import select

from hypotheses.models import AuditEntry, Hypothesis


@pytest.fixture
def hypothesis(db, team, users):
    return factories.make_hypothesis(db, team=team, author=users["marketer"])


@pytest.mark.parametrize("version", [-(10**30), 0, 2**31, 10**20])
@pytest.mark.parametrize("action", ["patch", "approve", "reject", "archive"])
def test_version_out_of_range_is_refused_before_the_domain(api, db, hypothesis, action, version):
    path = f"/hypotheses/{hypothesis.id}"
    if action == "patch":
        response = api.patch(path, json={"version": version, "title": "x"})
    else:
        body = {"version": version, **({"reason": "no"} if action == "reject" else {})}
        response = api.post(f"{path}/{action}", json=body)
    assert response.status_code == 422, response.json
    assert "version" in response.json["error"]["fields"]
    assert rows(db, select(AuditEntry).where(AuditEntry.entity == "hypothesis")) == []


def test_negative_reach_is_refused_not_stored_as_empty(api, db, new_hypothesis):
    response = api.post("/hypotheses", json={**new_hypothesis, "reach": -1})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["reach"] == ["Enter a number from 0 to 1000000000."]
    assert rows(db, select(Hypothesis)) == []


@pytest.mark.parametrize(
    "query",
    ["q=" + "x" * 201, "q=%00", "q=a%01b", "status=moon", "sort=price"],
)
def test_list_parameters_outside_the_document_are_refused(api, query):
    response = api.get(f"/hypotheses?{query}")
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"]


def test_control_characters_in_a_body_are_refused(api, db, new_hypothesis):
    response = api.post("/hypotheses", json={**new_hypothesis, "title": "Bad\u0000title"})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "title": ["Text may not contain control characters."]
    }
    assert rows(db, select(Hypothesis)) == []
    fine = api.post("/hypotheses", json={**new_hypothesis, "rationale": "Line one\nline\ttwo"})
    assert fine.status_code == 201


def test_a_huge_list_is_refused_by_its_size(api):
    """100,000 empty variant objects (300 KB) used to hold a worker for 30 s: the list's
    documented item limit now refuses it before any item is looked at."""
    body = json.dumps({"metric_kind": "conversion", "variants": [{}] * 100_000})
    response = api.post(
        "/stats/analyze", "viewer", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"variants": ["Too many items."]}


def test_choices_are_enforced_as_documented(api, new_hypothesis):
    response = api.post("/hypotheses", json={**new_hypothesis, "stage": "moon"})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"stage": ["Choose one of the documented values."]}
    document = api.get("/openapi.json", as_=None).json
    stage = document["components"]["schemas"]["HypothesisCreate"]["properties"]["stage"]
    assert "lead" in json.dumps(stage)
