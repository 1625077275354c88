"""Factories for tests: small, explicit builders with sensible defaults."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from hypotheses.domain.accounts.credentials import new_session_token
from hypotheses.domain.accounts.passwords import hash_password
from hypotheses.domain.accounts.teams import get_or_create_team
from hypotheses.models import Hypothesis, Membership, Team, User

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_team(session: Session, name: str = "Test team", **settings) -> Team:
    team = get_or_create_team(session, name)
    for key, value in settings.items():
        setattr(team, key, value)
    session.commit()
    return team


def make_user(
    session: Session,
    *,
    team: Team | None = None,
    role: str = "marketer",
    email: str | None = None,
    name: str | None = None,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role}{n}@example.com",
        name=name or f"{role.title()} {n}",
        password_hash=hash_password(PASSWORD, "pbkdf2:sha256:1000"),
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    if team is not None:
        session.add(Membership(user_id=user.id, team_id=team.id, role=role))
    session.commit()
    return user


def make_hypothesis(
    session: Session, *, team: Team, author: User | None = None, **overrides
) -> Hypothesis:
    n = next(_seq)
    values = {
        "title": f"Hypothesis {n}",
        "change": "Shorter form",
        "audience": "All visitors",
        "expected_effect": "+10% leads",
        "rationale": "Fewer fields, less friction",
        "stage": "lead",
        "lever": "conversion",
        "subject": "landing page",
        "impact": 5,
        "confidence": 5,
        "ease": 5,
        "status": "backlog",
        "created_by_id": author.id if author else None,
        "owner_id": author.id if author else None,
    }
    values.update(overrides)
    hypothesis = Hypothesis(team_id=team.id, **values)
    session.add(hypothesis)
    session.commit()
    return hypothesis


def make_experiment_record(
    session: Session,
    *,
    team: Team,
    hypothesis: Hypothesis | None = None,
    status: str = "decided",
    variants: int = 2,
    per_variant: int = 1000,
    duration_days: int = 14,
    results: list[dict] | None = None,
    verdict: str | None = None,
    **overrides,
):
    """Insert an experiment row directly (with variants, optional results and analysis).

    For read-side tests (dashboard, learnings); lifecycle rules are tested via the domain.
    """

    from hypotheses.models import Analysis, Experiment, ResultSet, Variant, utcnow

    if hypothesis is None:
        hypothesis = make_hypothesis(session, team=team, status=status)
    values = {
        "metric_name": "Lead rate",
        "metric_kind": "conversion",
        "baseline": 0.05,
        "mde": 0.2,
        "per_variant": per_variant,
        "duration_days": duration_days,
        "status": status,
        "daily_visitors": 1000,
    }
    if status in ("running", "finished", "decided", "stopped"):
        values["started_at"] = utcnow()
    if status == "running":  # running tests hold a slot 1..3, as the start use case gives them
        from sqlmodel import func, select

        values["slot"] = (
            1
            + session.exec(
                select(func.count()).where(
                    Experiment.team_id == team.id, Experiment.status == "running"
                )
            ).one()
        )
    if status == "decided":
        values.update(decision="ship", outcome="won", learning="It worked.", decided_at=utcnow())
    values.update(overrides)
    experiment = Experiment(team_id=team.id, hypothesis_id=hypothesis.id, **values)
    session.add(experiment)
    session.flush()
    names = ["Control" if i == 0 else f"Variant {chr(65 + i)}" for i in range(variants)]
    for position, name in enumerate(names):
        session.add(
            Variant(
                experiment_id=experiment.id,
                position=position,
                name=name,
                split=round(1 / variants, 6),
            )
        )
    if results is not None:
        rows = [{"name": n, **r} for n, r in zip(names, results, strict=True)]
        result_set = ResultSet(experiment_id=experiment.id, data=rows)
        session.add(result_set)
        session.flush()
        if verdict is not None:  # a real engine output, with the given verdict sentence
            from hypotheses.domain.experiments.analyses import run_engine

            keys = ("visitors", "conversions") if "visitors" in results[0] else ("n", "mean", "sd")
            inputs = {
                "metric_kind": experiment.metric_kind,
                "alpha": experiment.alpha,
                "variants": [
                    [n, [r[k] for k in keys]] for n, r in zip(names, results, strict=True)
                ],
                "planned_split": [1 / variants] * variants,
                "planned_per_variant": per_variant,
                "correction": "holm",
                "metric_name": experiment.metric_name,
                "final": status != "running",
            }
            result = run_engine(inputs)
            session.add(
                Analysis(
                    experiment_id=experiment.id,
                    result_set_id=result_set.id,
                    engine_version=str(result.engine_version),
                    inputs=inputs,
                    output=result.to_dict(),
                    verdict=verdict,
                )
            )
    session.commit()
    return experiment
