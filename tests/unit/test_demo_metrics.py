"""The demo team shows secondary metrics, a guardrail that holds and one that fails (issue 13)."""

from conftest import FAST_HASH
from sqlmodel import select

from hypotheses.demo import load_demo
from hypotheses.domain.experiments.common import latest_analysis
from hypotheses.domain.experiments.impact import impacts
from hypotheses.domain.experiments.metric_results import guardrail_blocks_ship
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.models import Experiment


def test_demo_tests_carry_secondary_metrics_and_guardrails(app, db):
    load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    found = {}
    for experiment in db.exec(select(Experiment)).all():
        metrics = metrics_of(db, experiment)
        if metrics:
            output = latest_analysis(db, experiment=experiment).output
            found[experiment.status] = (experiment, metrics, output)
    shipped, metrics, output = found["decided"]
    assert [m.role for m in metrics] == ["secondary", "secondary", "guardrail"]
    assert output["guardrails"][0]["status"] == "ok" and len(output["secondary"]) == 2
    assert impacts(shipped, output)[0]["per_month"] > 0
    waiting, metrics, output = found["finished"]
    assert [g["status"] for g in guardrail_blocks_ship(output)] == ["breached"]
