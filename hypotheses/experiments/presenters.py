"""View models for the experiment screens: the plan box, the analysis, the test page."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlmodel import Session, col, select

import stats
from hypotheses.audit_notes import audit_label
from hypotheses.charts import LiftRow, lift_chart
from hypotheses.domain.core import audit
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import (
    deciding,
    finishing,
    reruns,
    trust,
    verdict_warnings,
    verdicts,
)
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments.metrics import metrics_of, underpowered
from hypotheses.enums import ExperimentStatus
from hypotheses.experiments import analysis_parts as parts
from hypotheses.experiments.decision_forms import (
    CorrectionForm,
    DecisionForm,
    FinishForm,
    StopForm,
)
from hypotheses.experiments.formatting import ci_range, num, signed_pct
from hypotheses.experiments.forms import CsvUploadForm, PerUserUploadForm, ResultsForm
from hypotheses.experiments.metrics_view import metrics_view
from hypotheses.forms import ConfirmForm, distinct_ids
from hypotheses.languages import percent_sign
from hypotheses.models import Analysis, Experiment, Hypothesis, Metric, Team, User

LONG_TEST_DAYS = 56


def catalog_names(session: Session, *, team: Team) -> list[str]:
    """Return the names of the team's metric catalog, in catalog order."""
    return list(
        session.exec(
            select(Metric.name)
            .where(Metric.team_id == team.id)
            .order_by(col(Metric.position), col(Metric.id))
        ).all()
    )


def plan_view(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the plan box's numbers and sentences (also the live-refresh JSON)."""
    if not plan or plan.get("per_variant") is None:
        return None
    arms = len(plan["variants"])
    total = plan["per_variant"] * arms
    days = plan["duration_days"]
    view = {
        "per_variant": plan["per_variant"],
        "total": total,
        "duration_days": days,
        "per_variant_text": num(plan["per_variant"]),
        "per_variant_label": _("per variant"),
        "total_text": _(
            "%(total)s visitors in total (%(arms)d groups)", total=num(total), arms=arms
        ),
        "duration_text": ngettext(
            "about %(num)d day at %(daily)s visitors a day",
            "about %(num)d days at %(daily)s visitors a day",
            days,
            daily=num(plan["daily_visitors"]),
        ),
        "warning": None,
        "underpowered_text": underpowered_text(plan),
    }
    if days > LONG_TEST_DAYS:
        view["warning"] = _(
            "That is more than %(weeks)d weeks. Consider a larger minimum effect, more "
            "traffic or fewer variants.",
            weeks=LONG_TEST_DAYS // 7,
        )
    return view


def underpowered_text(plan: dict[str, Any]) -> str | None:
    """Say which secondary metrics the planned sample is too small for (issue 13)."""
    items = plan.get("underpowered")
    if items is None:
        items = underpowered(plan)
    if not items:
        return None
    named = [
        _("%(metric)s (needs %(n)s per variant)", metric=i["metric"], n=num(i["needed"]))
        for i in items
    ]
    return _(
        "The sample is sized for the primary metric. It is too small to detect the same "
        "relative effect on: %(metrics)s.",
        metrics="; ".join(named),
    )


def method_label(method: str) -> str:
    """Return the readable name of the engine's test method(s), e.g. "fisher+z-test"."""
    names = {
        "z-test": _("two-proportion z-test"),
        "fisher": _("Fisher's exact test"),
        "welch": _("Welch's t-test"),
    }
    return _(" and ").join(names.get(part, part) for part in method.split("+"))


def look_kind(result_set: Any, analysis: Analysis | None) -> str:
    """Tell what one entry of results was: final, an early look, or interim (plan reached)."""
    if result_set.final:
        return _("final")
    output = experiment_common.analysis_output(analysis)
    return _("early look") if output is None or output["early_look"] else _("interim")


def _warning_style(code: str) -> tuple[str, str]:
    styles = {
        "srm": ("danger", "⚠"),
        "underpowered": ("warning", "▼"),
        "early_look": ("info", "clock"),
        "multiple_variants": ("secondary", "≡"),
    }
    return styles.get(code, ("warning", "⚠"))


def _warning(warning: verdict_warnings.WarningText) -> dict[str, Any]:
    """A warning worded in the reader's language, with its alert style and icon."""
    alert, icon = _warning_style(warning.code)
    return {
        "code": warning.code,
        "alert": alert,
        "icon": icon,
        "title": warning.title,
        "message": warning.message,
    }


def _verdict_mark(code: str) -> str:
    if code.endswith("_up"):
        return "▲"
    return "▼" if code.endswith("_down") else "●"


def analysis_view(analysis: Analysis | None) -> dict[str, Any] | None:
    """Return everything the analysis section shows: verdict, warnings, table, chart."""
    output = experiment_common.analysis_output(analysis)
    if output is None:
        return None
    conversion = output["metric_kind"] == "conversion"
    early = output["early_look"]
    comparisons = {c["variant"]: c for c in output["comparisons"]}
    rows = []
    for arm in output["arms"]:
        comp = comparisons.get(arm["name"])
        seq = comp.get("sequential") if comp else None
        rows.append(
            {
                "arm": arm,
                "comparison": comp,
                "sequential": seq,
                "control": comp is None,
                # the verdict's own call: the sequential result whenever there is one
                "significant": bool(comp and parts.judged(comp)["significant"]),
                "abs_ci": comp and parts.absolute_ci_text(comp, conversion),
                "rel_ci": comp and parts.relative_ci_text(comp, not conversion),
                "seq_ci": seq and parts.sequential_ci_text(seq, conversion),
                "omitted": bool(comp and parts.interval_omitted(comp)),
            }
        )
    chart_rows = []
    for comp in output["comparisons"]:
        source = parts.judged(comp)
        low, high = (
            (None, None) if parts.interval_omitted(source) else source["rel_ci"] or (None, None)
        )
        chart_rows.append(
            LiftRow(
                name=comp["variant"],
                lift=source["rel_lift"],
                low=low,
                high=high,
                significant=bool(source["significant"]),
            )
        )
    level = format_decimal((1 - output["alpha"]) * 100, "#,##0.##") + percent_sign()
    first_seq = next((c["sequential"] for c in output["comparisons"] if c.get("sequential")), None)
    group_sequential = parts.is_group_sequential(first_seq)
    method = parts.early_look_method(analysis.inputs)
    described = "; ".join(
        _(
            "%(name)s: %(lift)s (%(ci)s)",
            name=r.name,
            lift=signed_pct(r.lift),
            ci=ci_range(r.low, r.high),
        )
        for r in chart_rows
    )
    if group_sequential:
        axis = _("Relative lift vs the control, repeated %(level)s CI", level=level)
    elif first_seq:
        axis = _("Relative lift vs the control, always-valid %(level)s CI", level=level)
    else:
        axis = _("Relative lift vs the control, %(level)s CI", level=level)
    chart = lift_chart(
        chart_rows,
        title=_("Relative lift per variant"),
        description=described,
        axis_label=axis,
        no_ci=_("no CI"),
        not_computable=_("not computable"),
        zero_label=_("no change"),
        signed=signed_pct,
        interval=ci_range,
        tick=lambda value, digits: signed_pct(value, digits),
    )
    warnings = [_warning(w) for w in verdict_warnings.warnings(output)]
    return {
        "analysis": analysis,
        "output": output,
        "conversion": conversion,
        "early": early,
        "method": method_label(output["method"]),
        "rows": rows,
        "chart": chart,
        "chart_rows": chart_rows,
        "warnings": warnings,
        # reasons not to trust the verdict: the warning then replaces its headline
        "trust": trust.trust_of(output),
        "level": level,
        "inputs": analysis.inputs,
        "verdicts": [
            {
                "text": verdicts.comparison_sentence(output, comp),
                "mark": _verdict_mark(verdicts.derive_code(output, comp)[0]),
            }
            for comp in output["comparisons"]
        ],
        "sequential": first_seq is not None,
        "sequential_header": _("Repeated CI and sequential p")
        if group_sequential
        else _("Always-valid CI and p"),
        "look": parts.look_summary(first_seq, output["alpha"]) if group_sequential else None,
        "early_method": method,
        "earlier_looks": ", ".join(num(n) for n in (analysis.inputs or {}).get("looks") or []),
        "omitted": any(row["omitted"] for row in rows),
        "engine_version": analysis.engine_version,
        "outdated": reruns.made_by_older_engine(analysis),
        "current_engine": stats.ENGINE_VERSION,
    }


def _results_form(experiment: Experiment, looks) -> ResultsForm:
    rows = experiment_common.result_data(looks[0][0]) if looks else []
    form = ResultsForm(formdata=None, data={"rows": rows})
    if experiment.status == ExperimentStatus.FINISHED:
        form.final.data = True
    return form


def _size(size: int) -> str:
    if size >= 1024**3:
        return _("%(n)s GiB", n=format_decimal(size / 1024**3, "#,##0.##"))
    return _("%(n)s MiB", n=format_decimal(round(size / 1024**2), "#,##0"))


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(wanted))).all())


def _analyses_of_results(session: Session, analysis: Analysis | None) -> dict[str, Any]:
    """The other analyses of the shown analysis's results (older engines, or the look before the
    test was finished) and whether the shown one may be re-run with the current engine."""
    if analysis is None:
        return {"others": [], "newer": None, "rerunnable": False}
    others = session.exec(
        select(Analysis)
        .where(Analysis.result_set_id == analysis.result_set_id, Analysis.id != analysis.id)
        .order_by(col(Analysis.id).desc())
    ).all()
    newer = reruns.newer_analysis(session, analysis)
    return {
        "others": list(others),
        "newer": newer,
        "rerunnable": newer is None and reruns.made_by_older_engine(analysis),
    }


def _chosen_analysis(
    session: Session, experiment: Experiment, looks: list, look: int | None, analysis_id: int | None
) -> Analysis | None:
    if analysis_id is not None:
        analysis = session.get(Analysis, analysis_id)
        if analysis is not None and analysis.experiment_id == experiment.id:
            return analysis
    chosen = next((a for rs, a in looks if look is not None and rs.id == look and a), None)
    return chosen or experiment_common.latest_analysis(session, experiment=experiment)


def detail_context(
    session: Session,
    *,
    team: Team,
    experiment: Experiment,
    look: int | None,
    forms: dict[str, Any],
    analysis_id: int | None = None,
) -> dict[str, Any]:
    """Collect what the test page shows; *forms* carries submitted forms to re-show with errors.
    *look* (a result set id) or *analysis_id* choose the analysis shown (else the latest)."""
    hypothesis = experiment_common.get_hypothesis(
        session, team=team, hypothesis_id=experiment.hypothesis_id
    )
    variants = experiment_common.variants_of(session, experiment=experiment)
    looks = experiment_common.result_sets(session, experiment=experiment)
    analysis = _chosen_analysis(session, experiment, looks, look, analysis_id)
    running = experiment_common.running_tests(session, team=team)
    history = audit.history(session, entity=experiment_common.ENTITY, entity_id=experiment.id)
    ids = {rs.entered_by_id for rs, _a in looks} | {experiment.decided_by_id}
    row = next((r for r in running if r.experiment.id == experiment.id), None)
    latest_output = experiment_common.analysis_output(
        experiment_common.latest_analysis(session, experiment=experiment)
    )
    suggested = deciding.suggested_outcome(latest_output)
    # the outcome comes pre-filled from the analysis (issue 13)
    decision_form = forms.get("decision_form") or DecisionForm(
        formdata=None, data={"outcome": suggested}
    )
    return {
        "experiment": experiment,
        # What the page offers: asked of the domain, never worked out from the status here.
        "actions": experiment_common.allowed_actions(experiment, g.role, has_results=bool(looks)),
        "state": ExperimentStatus.flags(experiment.status),
        "hypothesis": hypothesis,
        "variants": variants,
        "looks": looks,
        "view": analysis_view(analysis),
        "test_metrics": metrics_of(session, experiment),
        "metrics_view": metrics_view(
            experiment, analysis.output if analysis else None, team.currency
        ),
        "same_results": _analyses_of_results(session, analysis),
        "latest": looks[0][1] if looks else None,
        "running": running,
        "limit": team.active_test_limit,
        "progress_row": row,
        "plan": plan_view(experiment_design.design_values(experiment, variants)),
        "history": history,
        "names": _names(session, ids) | {u.id: u.name for _e, u in history if u},
        "results_form": forms.get("results_form") or _results_form(experiment, looks),
        "csv_form": forms.get("csv_form") or CsvUploadForm(formdata=None),
        "user_form": forms.get("user_form") or PerUserUploadForm(formdata=None),
        "stop_form": forms.get("stop_form") or StopForm(formdata=None),
        "decision_form": decision_form,
        "suggested_outcome": suggested,
        "finish_form": distinct_ids(
            forms.get("finish_form") or FinishForm(formdata=None), "finish"
        ),
        "below_plan": finishing.below_plan(experiment, looks[0][0].data) if looks else None,
        "correction_form": distinct_ids(
            forms.get("correction_form")
            or CorrectionForm(
                formdata=None,
                data={"decision": experiment.decision, "outcome": experiment.outcome},
            ),
            "correct",
        ),
        "confirm_form": ConfirmForm(formdata=None),
        "follow_ups": list(
            session.exec(
                select(Hypothesis).where(
                    Hypothesis.parent_id == hypothesis.id, Hypothesis.team_id == team.id
                )
            ).all()
        ),
        "action_label": audit_label,
        "look_kind": look_kind,
        "max_upload_text": _size(current_app.config["MAX_UPLOAD_BYTES"]),
    }
