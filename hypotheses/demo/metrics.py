"""The demo tests' secondary metrics, guardrails and money (issue 13), so a newcomer sees them:
the shipped "phone number in the header" test has two secondary metrics, a guardrail that
holds and the money behind a lead; the ad-headline test waiting for a decision has a guardrail
that fails (more clicks, fewer leads), which blocks shipping it without a written reason.

Keyed by the test's position in experiments.TESTS; names in the team's language; money
metrics scaled by the language's MONEY like the primary ones."""

from __future__ import annotations

from typing import Any

from hypotheses.models import Team


def _metric(role: str, kind: str, en: str, ru: str, arms: list, **extra: Any) -> dict[str, Any]:
    """One metric: role, kind, names by language, per-arm rates (conversion) or (mean, sd)
    (money); a secondary one may state its baseline, a guardrail its tolerance."""
    return {"role": role, "kind": kind, "name": {"en": en, "ru": ru}, "arms": arms, **extra}


# position in TESTS → (metrics, money per conversion, monthly traffic after launch)
EXTRAS: dict[int, dict[str, Any]] = {
    1: {
        "metrics": [
            _metric(
                "secondary", "conversion", "Sales", "Продажи", [0.0042, 0.0049], baseline=0.0042
            ),
            _metric("secondary", "conversion", "Calls", "Звонки", [0.0112, 0.0138], baseline=0.011),
            _metric(
                "guardrail",
                "continuous",
                "Revenue per visitor",
                "Выручка на посетителя",
                [(2.5, 0.8), (2.56, 0.82)],
                tolerance=0.03,
            ),
        ],
        "value": 20,
        "traffic": 30000,
    },
    10: {
        "metrics": [
            _metric(
                "secondary",
                "conversion",
                "Landing page visits",
                "Переходы на лендинг",
                [0.0192, 0.0214],
            ),
            _metric(
                "guardrail",
                "conversion",
                "Leads per impression",
                "Лиды на показ",
                [0.0009, 0.0008],
                tolerance=0.05,
            ),
        ],
        "value": 20,
        "traffic": 400000,
    },
}


def _language(team: Team) -> str:
    return "ru" if team.default_language == "ru" else "en"


def set_currency(team: Team) -> None:
    """The demo team states money in its language's currency (rubles, else dollars)."""
    team.currency = "RUB" if _language(team) == "ru" else "USD"


def design(order: int, team: Team, money: float) -> dict[str, Any]:
    """The test's secondary metrics, guardrails and money as design data (empty: none)."""
    extra = EXTRAS.get(order)
    if extra is None:
        return {}
    language = _language(team)
    secondary, guardrails = [], []
    for m in extra["metrics"]:
        item = {"name": m["name"][language], "kind": m["kind"]}
        if m["role"] == "secondary":
            secondary.append(item | {"baseline": m.get("baseline")})
        else:
            guardrails.append(item | {"direction": "increase", "tolerance": m["tolerance"]})
    return {
        "secondary": secondary,
        "guardrails": guardrails,
        "value_per_conversion": extra["value"] * money,
        "monthly_traffic": extra["traffic"],
    }


def attach(
    order: int, team: Team, rows: list[dict[str, Any]], money: float
) -> list[dict[str, Any]]:
    """Return the per-variant result *rows* with the other metrics' numbers added."""
    extra = EXTRAS.get(order)
    if extra is None:
        return rows
    language = _language(team)
    for i, row in enumerate(rows):
        size = row.get("visitors", row.get("n"))
        cells = {}
        for m in extra["metrics"]:
            arm = m["arms"][i]
            if m["kind"] == "conversion":
                cells[m["name"][language]] = {"conversions": round(size * arm)}
            else:
                cells[m["name"][language]] = {"mean": arm[0] * money, "sd": arm[1] * money}
        row["metrics"] = cells
    return rows
