"""API: a test's secondary metrics and guardrails (issue 13) in the design, in results by JSON,
aggregated CSV and per-user CSV (one column per metric), and in the stored analysis."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import factories
import pytest
from api_support import api, fresh, tokens  # noqa: F401  (fixtures)

DESIGN = {
    "metric": "Lead rate",
    "metric_kind": "conversion",
    "baseline": 0.05,
    "mde": 0.2,
    "daily_visitors": 1000,
    "variants": [{"name": "Control"}, {"name": "B"}],
    "secondary": [
        {"name": "Sales", "kind": "conversion", "baseline": 0.01},
        {"name": "Order value", "kind": "continuous"},
    ],
    "guardrails": [
        {"name": "Revenue per visitor", "kind": "continuous", "tolerance": 0.02},
    ],
    "value_per_conversion": 2300,
    "monthly_traffic": 20000,
}


@pytest.fixture
def approved(db, team, users):
    return factories.make_hypothesis(
        db, team=team, author=users["marketer"], status="approved", title="Shorter form"
    )


def _running(api, hypothesis):
    design = api.put(f"/hypotheses/{hypothesis.id}/design", "marketer", json=DESIGN)
    assert design.status_code == 200, design.json
    started = api.post(f"/hypotheses/{hypothesis.id}/start", "lead")
    assert started.status_code == 200, started.json
    return design.json


def test_design_carries_the_metrics_and_old_requests_keep_them(api, approved):
    body = _running(api, approved)
    assert [(m["role"], m["name"]) for m in body["metrics"]] == [
        ("secondary", "Sales"),
        ("secondary", "Order value"),
        ("guardrail", "Revenue per visitor"),
    ]
    assert body["metrics"][2]["tolerance"] == 0.02 and body["monthly_traffic"] == 20000
    assert body["currency"] == "RUB"
    old = {k: v for k, v in DESIGN.items() if k not in ("secondary", "guardrails")}
    traffic = api.put(
        f"/hypotheses/{approved.id}/design", "lead", json={**old, "daily_visitors": 1500}
    )
    assert traffic.status_code == 200, traffic.json
    assert len(traffic.json["metrics"]) == 3  # left out: kept
    locked = api.put(f"/hypotheses/{approved.id}/design", "lead", json={**DESIGN, "guardrails": []})
    assert locked.status_code == 409


def test_bad_metrics_are_named_fields(api, approved):
    bad = api.put(
        f"/hypotheses/{approved.id}/design",
        "marketer",
        json={**DESIGN, "secondary": [{"name": "Lead rate"}], "metric_is_money": True},
    )
    assert bad.status_code == 422
    assert {"secondary.0.name", "metric_is_money"} <= set(bad.json["error"]["fields"])


def test_results_json_carry_every_metric(api, approved):
    _running(api, approved)
    response = api.post(
        f"/hypotheses/{approved.id}/results",
        "marketer",
        json={
            "variants": [
                {
                    "name": "Control",
                    "visitors": 5000,
                    "conversions": 250,
                    "metrics": {
                        "Sales": {"conversions": 50},
                        "Order value": {"mean": 3000.0, "sd": 2000.0},
                        "Revenue per visitor": {"mean": 30.0, "sd": 300.0},
                    },
                },
                {
                    "name": "B",
                    "visitors": 5000,
                    "conversions": 300,
                    "metrics": {
                        "Sales": {"conversions": 60},
                        "Order value": {"mean": 2900.0, "sd": 2000.0},
                        "Revenue per visitor": {"mean": 29.0, "sd": 290.0},
                    },
                },
            ]
        },
    )
    assert response.status_code == 201, response.json
    details = response.json["details"]
    assert [s["metric"] for s in details["secondary"]] == ["Sales", "Order value"]
    guardrail = details["guardrails"][0]
    assert guardrail["metric"] == "Revenue per visitor" and guardrail["status"] == "breached"
    assert "guardrail_breached" in {r["code"] for r in response.json["trust"]["reasons"]}
    too_many = api.post(
        f"/hypotheses/{approved.id}/results",
        "marketer",
        json={
            "variants": [
                {
                    "name": "Control",
                    "visitors": 10,
                    "conversions": 1,
                    "metrics": {"Sales": {"conversions": 11}},
                },
                {
                    "name": "B",
                    "visitors": 10,
                    "conversions": 1,
                    "metrics": {"Nope": {"conversions": 1}},
                },
            ]
        },
    )
    assert too_many.status_code == 422
    fields = too_many.json["error"]["fields"]
    assert "metrics" in fields or "variants.0.metrics.Sales.conversions" in fields


def test_aggregated_and_per_user_csv_bodies_carry_every_metric(api, approved):
    _running(api, approved)
    aggregated = (
        "variant;visitors;conversions;Sales conversions;Order value mean;Order value sd;"
        "Revenue per visitor mean;Revenue per visitor sd\n"
        "Control;5000;250;50;3000,5;2000;30;300\n"
        "B;5000;300;60;2900;2000;29;290\n"
    )
    response = api.post(
        f"/hypotheses/{approved.id}/results?kind=aggregated",
        "marketer",
        data=aggregated.encode(),
        content_type="text/csv",
    )
    assert response.status_code == 201, response.json
    order = response.json["details"]["secondary"][1]["comparisons"][0]
    assert order["control_value"] == 3000.5 and order["variant_value"] == 2900
    lines = ["variant,converted,Sales,Order value,Revenue per visitor"]
    for i in range(400):
        lines.append(f"Control,{int(i % 20 == 0)},{int(i % 40 == 0)},{100 + i % 7},{i % 13}")
        lines.append(f"B,{int(i % 16 == 0)},{int(i % 30 == 0)},{99 + i % 7},{i % 11}")
    per_user = api.post(
        f"/hypotheses/{approved.id}/results",
        "marketer",
        data=("\n".join(lines) + "\n").encode(),
        content_type="text/csv",
    )
    assert per_user.status_code == 201, per_user.json
    details = per_user.json["details"]
    sales = details["secondary"][0]["comparisons"][0]
    assert (sales["control_value"], sales["variant_value"]) == (10 / 400, 14 / 400)
    revenue = details["guardrails"][0]
    assert revenue["status"] in ("ok", "breached") and revenue["p_value"] is not None
