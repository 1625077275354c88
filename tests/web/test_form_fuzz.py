"""Malformed typed-in input on every main form (RELIABILITY.md T8, bounded for the test suite).

Each form is loaded as the role that uses it, filled with valid values, and one field at a time
is replaced by a hostile value. Whatever happens: no response ≥ 500; a refusal re-renders the
form with a message next to a field and writes nothing (the target tables, audit trail
included, are unchanged); an accepted value never comes back as live markup.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import factories
import pytest
from fuzzing import PAYLOADS, SCRIPT, short, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_checks import form_values, invalid_fields, parse
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hypotheses.domain.core.weeks import iso_week_of
from hypotheses.domain.reviews.metrics import list_metrics
from hypotheses.models import (
    Experiment,
    Hypothesis,
    KpiValue,
    Membership,
    Metric,
    ResultSet,
    ReviewDecision,
    Team,
    User,
    Variant,
)


def kinds(kind: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, kind)


@dataclass
class Target:
    """One POST form: where it is shown, where it posts, what it may change."""

    name: str
    role: str
    page: str
    action: str
    # name -> "number" | "text" | "choice" | "date" | "hidden" (tampered, not typed: the refusal
    # may be a message at the top of the form rather than at a field)
    fields: dict[str, str]
    tables: tuple[type, ...]
    fill: Callable[[int], dict[str, str]] = lambda n: {}
    shows: list[str] = field(default_factory=list)  # pages where accepted text appears


class Fuzzer:
    """Submit hostile values and collect every broken promise."""

    def __init__(self, client, auth, db, users):
        self.client, self.auth, self.db = client, auth, db
        self.users = dict(users)  # User objects (loaded): signing in never touches the test Session
        self.failures: list[str] = []
        self.counter = 0
        self.accepted: Counter = Counter()  # target name -> saved submissions
        self.rejected: Counter = Counter()
        self._role: str | None = None
        self._shown: dict[str, list[tuple[str, str]]] = {}

    def submit(self, target: Target, name: str | None, value: str = "") -> None:
        """Post the form with *name* set to *value* (None: the valid values as they are)."""
        if self._role != target.role:
            self.auth.login(self.users[target.role])
            self._role = target.role
            self._shown.clear()
        self.counter += 1
        data = MultiDict(self._form(target))
        for key, filled in target.fill(self.counter).items():
            data.setlist(key, [filled])
        if name is not None:
            data.setlist(name, [value])
        before = snapshot(self.db, target.tables)
        response = self.client.post(target.action, data=data)
        what = "the valid values" if name is None else f"{name}={short(value)}"
        where = f"{target.name}: {what} → HTTP {response.status_code}"
        if response.status_code >= 500:
            self.failures.append(f"{where}: server error")
            return
        html = response.get_data(as_text=True)
        if SCRIPT in html:
            self.failures.append(f"{where}: the <script> payload came back unescaped")
        if response.status_code in (302, 303):
            self.accepted[target.name] += 1
            self._shown.pop(target.name, None)  # saved: the form shows new values (and version)
            follow = self.client.get(response.headers["Location"])
            if follow.status_code >= 500 or SCRIPT in follow.get_data(as_text=True):
                self.failures.append(f"{where}: the page after saving broke or shows raw markup")
            return
        self.rejected[target.name] += 1
        invalid = invalid_fields(parse(html))
        if name is None:
            self.failures.append(
                f"{where}: the control submission was refused (invalid: {sorted(invalid)})"
            )
        elif target.fields[name] == "hidden":
            if not invalid and 'class="alert alert-' not in html:
                self.failures.append(f"{where}: refused without any message")
        elif not invalid or "invalid-feedback" not in html:
            self.failures.append(f"{where}: refused without a message next to a field")
        elif name not in invalid:
            self.failures.append(f"{where}: refused, but the message sits at {sorted(invalid)}")
        if snapshot(self.db, target.tables) != before:
            self.failures.append(f"{where}: refused, yet the database changed")

    def _form(self, target: Target) -> list[tuple[str, str]]:
        """Return the values the form shows, loading the page again only after a save."""
        if target.name not in self._shown:
            shown = self.client.get(target.page)
            assert shown.status_code == 200, (
                f"{target.name}: {target.page} answered {shown.status_code}"
            )
            self._shown[target.name] = form_values(
                parse(shown.get_data(as_text=True)), target.action, "http://localhost" + target.page
            )
        return self._shown[target.name]

    def curated(self, target: Target) -> None:
        self.submit(target, None)  # the control: the valid values alone are saved
        for name, kind in target.fields.items():
            for value in PAYLOADS[kind]:
                self.submit(target, name, value)
        for page in target.shows:
            response = self.client.get(page)
            if response.status_code >= 500 or SCRIPT in response.get_data(as_text=True):
                self.failures.append(
                    f"{target.name}: {page} broke or shows raw markup after the fuzz"
                )

    def check(self, targets: list[Target]) -> None:
        """Fail with every broken promise; every target must have refused something."""
        assert not self.failures, f"{len(self.failures)} broken promises:\n" + "\n".join(
            self.failures
        )
        for target in targets:
            assert self.rejected[target.name], f"{target.name}: nothing was refused"


@pytest.fixture
def fuzzer(app, client, auth, db, users):
    # A crash becomes a 500 page (logged with its traceback), so one run reports every failure.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return Fuzzer(client, auth, db, users)


@pytest.fixture
def world(db, team, users):
    """RICE on, room in the backlog, a hypothesis and a review draft to aim at."""
    team.rice_enabled = True
    team.backlog_max = 500
    db.commit()
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"], title="Target")
    return {"team": team, "users": users, "hypothesis": hypothesis}


HYPOTHESIS_TEXT = kinds(
    "text",
    "title",
    "change",
    "audience",
    "expected_effect",
    "rationale",
    "channel",
    "tags",
    "links",
)
HYPOTHESIS_NUMBERS = kinds("number", "impact", "confidence", "ease", "reach", "effort")


def backlog_targets(world) -> list[Target]:
    hid = world["hypothesis"].id
    return [
        Target(
            "create hypothesis",
            "marketer",
            "/backlog/new",
            "/backlog/new",
            {**HYPOTHESIS_TEXT, **HYPOTHESIS_NUMBERS, **kinds("choice", "stage", "owner_id")},
            (Hypothesis,),
            fill=lambda n: {"title": f"Fuzzed {n}"},
            shows=["/backlog/"],
        ),
        # The same form class as creating: each kind of field once, through the versioned update.
        Target(
            "edit hypothesis",
            "marketer",
            f"/backlog/{hid}/edit",
            f"/backlog/{hid}/edit",
            {
                **kinds("text", "title", "links"),
                **kinds("number", "confidence", "effort"),
                "version": "hidden",
            },
            (Hypothesis,),
            shows=[f"/backlog/{hid}", "/backlog/"],
        ),
        Target(
            "inline ICE",
            "marketer",
            "/backlog/",
            f"/backlog/{hid}/score",
            kinds("number", "impact", "confidence", "ease"),
            (Hypothesis,),
        ),
    ]


def fuzz_all(fuzzer: Fuzzer, targets: list[Target], cpu_budget: float) -> None:
    """Run the curated values through every target; check the outcome and the CPU time spent."""
    # CPU, not wall time: a busy machine must not fail this. The budget is a guard against a
    # form turning slow by an order of magnitude (a 100 kB value re-parsed in a loop); no benchmark.
    started = time.process_time()
    for target in targets:
        fuzzer.curated(target)
    fuzzer.check(targets)
    spent = time.process_time() - started
    assert spent < cpu_budget, f"{fuzzer.counter} submissions took {spent:.1f} s of CPU"


@pytest.mark.slow
def test_backlog_forms_survive_hostile_input(fuzzer, world):
    fuzz_all(fuzzer, backlog_targets(world), cpu_budget=30)


@pytest.mark.slow
def test_settings_and_admin_forms_survive_hostile_input(fuzzer, world):
    team = world["team"]
    targets = [
        Target(
            "team settings",
            "lead",
            "/admin/settings",
            "/admin/settings",
            {
                **kinds("number", "backlog_min", "backlog_max"),
                **kinds("choice", "active_test_limit", "score_formula"),
            },
            (Team,),
        ),
        Target(
            "new user",
            "admin",
            "/admin/users/new",
            "/admin/users/new",
            {**kinds("text", "name", "email", "password"), **kinds("choice", "team", "role")},
            (User, Membership),
            fill=lambda n: {
                "name": f"Fuzz {n}",
                "email": f"fuzz{n}@example.com",
                "password": "a long enough password",
                "team": str(team.id),
            },
            shows=["/admin/users"],
        ),
    ]
    fuzz_all(fuzzer, targets, cpu_budget=10)


@pytest.mark.slow
def test_review_and_metric_forms_survive_hostile_input(fuzzer, world, db, client, auth):
    users = world["users"]
    auth.login(users["marketer"])
    assert client.post("/reviews/open").status_code == 302
    week = iso_week_of()
    catalog = list_metrics(db, team=world["team"])
    kpis = [f"kpi_{m.id}" for m in catalog if m.tracked][:2]  # one field class: two suffice
    metric = catalog[0].id
    db.commit()  # end the read: an open transaction would hold SQLite's write lock
    due = (date.today() + timedelta(days=7)).isoformat()
    targets = [
        Target(
            "review KPIs",
            "marketer",
            f"/reviews/{week}",
            f"/reviews/{week}/kpis",
            kinds("number", *kpis),
            (KpiValue,),
        ),
        Target(
            "review decision",
            "marketer",
            f"/reviews/{week}",
            f"/reviews/{week}/decisions",
            {"text": "text", "due": "date", **kinds("choice", "owner_id", "hypothesis_id")},
            (ReviewDecision,),
            fill=lambda n: {"text": f"Decision {n}", "due": due, "owner_id": str(users["lead"].id)},
            shows=[f"/reviews/{week}"],
        ),
        Target(
            "metric edit",
            "lead",
            f"/reviews/metrics/{metric}",
            f"/reviews/metrics/{metric}",
            {"name": "text", **kinds("choice", "unit", "direction", "fmt")},
            (Metric,),
            shows=["/reviews/metrics"],
        ),
    ]
    fuzz_all(fuzzer, targets, cpu_budget=20)


@pytest.mark.slow
def test_experiment_forms_survive_hostile_input(fuzzer, world, db):
    import experiment_factories as ef

    team, users = world["team"], world["users"]
    fresh = ef.approved(db, team=team, author=users["lead"], title="To design").id
    running = ef.running(db, team=team, lead=users["lead"], title="Running").id
    experiment = db.execute(
        select(Experiment.id).where(Experiment.hypothesis_id == running)
    ).scalar_one()
    db.commit()
    valid_design = {
        "metric_other": "Lead rate",
        "baseline": "3.1",
        "mde": "10",
        "alpha": "0.05",
        "power": "0.8",
        "daily_visitors": "2000",
        "variant_name_0": "Control",
        "variant_name_1": "B",
        "variant_split_0": "50",
        "variant_split_1": "50",
    }
    targets = [
        Target(
            "test design",
            "marketer",
            f"/experiments/design/{fresh}",
            f"/experiments/design/{fresh}",
            {
                **kinds("number", "baseline", "alpha", "daily_visitors", "variant_split_1"),
                "variant_name_1": "text",
                "metric_kind": "choice",
            },
            (Experiment, Variant),
            fill=lambda n: valid_design,
        ),
        Target(
            "typed results",
            "marketer",
            f"/experiments/{experiment}",
            f"/experiments/{experiment}/results",
            kinds("number", "visitors_0", "conversions_1"),
            (ResultSet, Experiment),
            fill=lambda n: {
                "visitors_0": "1000",
                "conversions_0": "30",
                "visitors_1": "1000",
                "conversions_1": "40",
            },
        ),
    ]
    fuzz_all(fuzzer, targets, cpu_budget=20)


@pytest.mark.slow
def test_generated_text_never_breaks_a_form(fuzzer, world):
    """A derandomized Hypothesis batch of arbitrary text and odd numerals into backlog fields."""
    targets = backlog_targets(world)
    pairs = [(t, name) for t in targets for name in t.fields]

    @settings(
        max_examples=100,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        pair=st.sampled_from(pairs),
        value=st.text(st.characters(codec="utf-8"), max_size=40)
        | st.from_regex(r"\A[-+]?[0-9٠-٩]{0,4}([.,_][0-9]{0,3})?([eE][-+]?[0-9]{1,4})?\Z"),
    )
    def run(pair, value):
        target, name = pair
        fuzzer.submit(target, name, value)

    started = time.process_time()
    run()
    assert not fuzzer.failures, f"{len(fuzzer.failures)} broken promises:\n" + "\n".join(
        fuzzer.failures
    )
    assert time.process_time() - started < 15


def test_the_fuzzer_reports_each_broken_promise(app, fuzzer, world):
    """A deliberately careless form: the fuzzer must name every way it misbehaves."""
    from flask import redirect, request

    from hypotheses.db import get_session
    from hypotheses.permissions import requires

    team_id = world["team"].id
    page = (
        '<html lang="en"><h1>x</h1><form method="post" action="/careless">'
        '<label for="n">N</label><input id="n" name="n" value="1"></form></html>'
    )

    @requires("hypothesis.create")
    def careless():
        if request.method == "GET":
            return page
        value = request.form["n"]
        if value == "boom":
            raise RuntimeError("unhandled")
        if value == "half":  # refuses, but saved a row first
            factories.make_hypothesis(get_session(), team=Team(id=team_id), title="half-saved")
            return page.replace(
                'name="n"', 'name="n" class="is-invalid"'
            ) + '<div class="invalid-feedback">x</div>', 422
        if value == "quiet":  # refuses without saying where
            return page, 422
        if value.startswith("<"):  # echoes markup unescaped
            return page + value, 422
        return redirect("/careless")

    app.add_url_rule("/careless", "careless", careless, methods=["GET", "POST"])
    target = Target(
        "careless", "marketer", "/careless", "/careless", {"n": "number"}, (Hypothesis,)
    )
    for value in ("1", "boom", "half", "quiet", SCRIPT):
        fuzzer.submit(target, "n", value)
    report = "\n".join(fuzzer.failures)
    for expected in (
        "n='boom' → HTTP 500: server error",
        "n='half' → HTTP 422: refused, yet the database changed",
        "n='quiet' → HTTP 422: refused without a message",
        "payload came back unescaped",
    ):
        assert expected in report, f"missing {expected!r} in:\n{report}"
    assert (
        len(fuzzer.failures) == 5 and fuzzer.accepted["careless"] == 1
    )  # the echo is also unlabelled
