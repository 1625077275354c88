"""The API's trust object and warning-first verdicts (issue 13)."""

from __future__ import annotations

from api_support import api, tokens  # noqa: F401
from trust_cases import PRAISE, WARNING, WARNING_RU, srm_test


def test_srm_trust_in_the_api_in_both_languages(api, db, team, users):  # noqa: F811
    hypothesis = srm_test(db, team, users)
    body = api.get(f"/hypotheses/{hypothesis.id}/analysis", as_="viewer").get_json()
    assert body["trust"]["trusted"] is False
    (reason,) = body["trust"]["reasons"]
    assert reason["code"] == "srm" and reason["p_value"] < 1e-10
    assert reason["message"] == "the traffic split differs from the plan (p < 0.001)"
    assert body["headline"].startswith(WARNING) and PRAISE in body["headline"]
    assert body["verdict"].startswith(PRAISE)  # the numbers' verdict, as before
    ru = api.get(
        f"/hypotheses/{hypothesis.id}/analysis", as_="viewer", headers={"Accept-Language": "ru"}
    ).get_json()
    assert ru["headline"].startswith(WARNING_RU)
    assert ru["trust"]["reasons"][0]["code"] == "srm"
