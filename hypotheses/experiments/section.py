"""The test summary shown on the hypothesis page (templates/experiments/_section.html)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g

from hypotheses.db import get_session
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.experiments.blueprint import bp
from hypotheses.models import Analysis, Experiment, Variant


@dataclass(frozen=True)
class Section:
    """What the hypothesis page shows about its test."""

    experiment: Experiment | None
    variants: list[Variant]
    analysis: Analysis | None
    output: dict[str, Any] | None
    actions: frozenset[str] = frozenset()  # what the current user may do (common.allowed_actions)
    ready_for_design: bool = False  # no test yet, and the hypothesis's status allows one


@bp.app_template_global("experiment_section")
def experiment_section(hypothesis_id: int) -> Section:
    """Return the test of *hypothesis_id* (in the current team) with its latest analysis."""
    db = get_session()
    experiment = experiment_common.find_experiment(db, team=g.team, hypothesis_id=hypothesis_id)
    if experiment is None:
        hypothesis = experiment_common.get_hypothesis(db, team=g.team, hypothesis_id=hypothesis_id)
        actions = experiment_common.allowed_actions(None, g.role, hypothesis=hypothesis)
        ready = "design" in experiment_common.allowed_actions(None, hypothesis=hypothesis)
        return Section(None, [], None, None, frozenset(actions), ready)
    analysis = experiment_common.latest_analysis(db, experiment=experiment)
    return Section(
        experiment,
        experiment_common.variants_of(db, experiment=experiment),
        analysis,
        experiment_common.analysis_output(analysis),
        frozenset(experiment_common.allowed_actions(experiment, g.role)),
    )
