"""Schemathesis over the OpenAPI document, in process, every operation, as each role.

Checks: no server errors, responses (status, content type, body) match the document, data that
violates the document is rejected, and operations that require a token refuse a request without
one. Bounded and reproducible: derandomized, a fixed number of examples per operation and mode,
no shrinking, against one seeded database per role (a team, users of every role, a token each,
an approved hypothesis with a design, a running test, this week's review).
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

import factories
from conftest import database_url
from conftest import test_config as make_config
from hypotheses import create_app
from hypotheses.api.openapi import OPERATIONS, _path
from hypotheses.db import ENGINE_KEY
from hypotheses.domain import experiments, reviews, tokens
from hypotheses.permissions import role_can

ROLES = ("viewer", "marketer", "lead", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, ignored_auth]
EXAMPLES = 6  # per operation, per mode (positive on the seeded records, negative), per role
DENIED_EXAMPLES = 2  # an operation the role may not call: every answer must be a documented 403
# The whole run takes well under a minute on an idle 2-core machine; this guard only catches
# a run that has grown unbounded (it stays loose, so a busy machine does not make it flaky).
BUDGET_SECONDS = 90
DESIGN = {"metric_name": "Lead rate", "metric_kind": "conversion", "baseline": 0.05, "mde": 0.2,
          "mde_relative": True, "alpha": 0.05, "power": 0.8, "daily_visitors": 1000,
          "variants": [{"name": "Control", "split": 0.5}, {"name": "B", "split": 0.5}]}


def _seed(app) -> dict:
    """Build the records the operations act on; return tokens and ids."""
    with app.test_request_context(), Session(app.extensions[ENGINE_KEY],
                                             expire_on_commit=False) as db:
        team = factories.make_team(db, name="Fuzz team", backlog_max=500)
        users = {role: factories.make_user(db, team=team, role=role) for role in ROLES}
        raw = {role: tokens.create_token(db, user=user, team=team)[1] for role, user in users.items()}
        approved = factories.make_hypothesis(db, team=team, author=users["marketer"],
                                             status="approved")
        experiments.save_design(db, team=team, actor=users["marketer"],
                                hypothesis_id=approved.id, data=DESIGN)
        live = factories.make_hypothesis(db, team=team, author=users["marketer"], status="approved")
        experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=live.id,
                                data=DESIGN)
        experiments.start(db, team=team, actor=users["lead"], hypothesis_id=live.id)
        week = reviews.open_review(db, team=team, actor=users["lead"]).iso_week
        return {"tokens": raw, "ids": {"hypothesis_id": [approved.id, live.id], "iso_week": [week]}}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, _template_db):
    path = tmp_path_factory.mktemp("fuzz")
    app = create_app(make_config(database_url(path, _template_db)), instance_path=path / "instance")
    app.seed = _seed(app)
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _real_parameters(operation, ids: dict) -> dict | None:
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    return {name: ids[name][0] for name in names}


def _permissions() -> dict[tuple[str, str], str | None]:
    return {(op.method.upper(), _path(op.rule)[0]): op.permission for op in OPERATIONS}


def _run(operation, mode, headers, path_parameters, failures: list[str],
         examples: int = EXAMPLES) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001  (reported together below)
        label = f"{operation.method.upper()} {operation.path} [{mode.value}"
        label += ", real ids]" if path_parameters else "]"
        failures.append(f"{label}: {str(error)[:1500]}")


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_every_operation_as_each_role(fuzz_app, role):
    token = fuzz_app.seed["tokens"][role]
    # The token goes through schemathesis' own auth, so it knows which requests carry it.
    config = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearerAuth": {"bearer": token}}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app, config=config)
    headers = None
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "every endpoint of the issue is documented"
    permissions = _permissions()
    started, failures = time.monotonic(), []
    for operation in operations:
        permission = permissions[(operation.method.upper(), operation.path)]
        if permission is not None and not role_can(role, permission):
            _run(operation, GenerationMode.POSITIVE, headers, None, failures, DENIED_EXAMPLES)
            continue
        # Positive data on the seeded records (generated ids would mostly meet 404), then
        # negative data everywhere (ids included).
        real = _real_parameters(operation, fuzz_app.seed["ids"])
        _run(operation, GenerationMode.POSITIVE, headers, real, failures)
        _run(operation, GenerationMode.NEGATIVE, headers, None, failures)
    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)
    assert elapsed < BUDGET_SECONDS, f"{role}: {elapsed:.1f} s"
