"""Malformed API bodies found by the fuzz test (tests/web/test_fuzz_malformed.py): refused
before any write and in bounded time, on both databases."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import json
import time

import pytest
from api_support import api, new_hypothesis, rows, tokens  # noqa: F401  (fixtures)
from sqlmodel import select

from hypotheses.models import Hypothesis


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_json_body_under_another_content_type_is_refused(api, db, new_hypothesis, content_type):
    response = api.post("/hypotheses", data=json.dumps(new_hypothesis), content_type=content_type)
    assert response.status_code == 415, response.status_code
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert rows(db, select(Hypothesis)) == []


def test_twenty_thousand_bad_rows_are_refused_at_once(api, db, new_hypothesis):
    body = json.dumps({**new_hypothesis, "tags": [{}] * 20_000})
    started = time.perf_counter()
    response = api.post("/hypotheses", data=body, content_type="application/json")
    assert response.status_code == 422
    assert len(response.json["error"]["fields"]["tags"]) <= 20
    assert time.perf_counter() - started < 2
    assert rows(db, select(Hypothesis)) == []
