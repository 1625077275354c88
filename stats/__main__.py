"""Command line: analyse a per-user CSV in the terminal.

    python -m stats FILE.csv --variant-column variant --conversion-column converted \
        [--value-column revenue] [--control A] [--planned-per-variant 5000] \
        [--early-look-method obrien-fleming --looks 1000,2500] [--json]

Early looks (below --planned-per-variant) are judged by the always-valid confidence sequence
unless --early-look-method names a group-sequential design ("obrien-fleming" or "pocock"),
whose bounds come from the earlier looks listed with --looks (per-arm sizes, smallest arm).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from stats._cli_text import format_alpha, format_p, format_rate, verdict, warning_text
from stats._version import ENGINE_VERSION
from stats.analysis import CORRECTIONS, EARLY_LOOK_METHODS, analyze
from stats.errors import BadRowsError, StatsInputError
from stats.peruser import PerUserSummary, reduce_per_user_csv
from stats.results import AnalysisResult, SequentialResult


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stats",
        description="Analyse an A/B test from a per-user CSV (one row per user).",
    )
    parser.add_argument("file", help="CSV file (UTF-8; ',' or ';' separated)")
    parser.add_argument("--variant-column", required=True, help="column naming the variant")
    parser.add_argument("--conversion-column", help="column with 0/1 conversion flags")
    parser.add_argument("--value-column", help="column with a numeric value (e.g. revenue)")
    parser.add_argument(
        "--control",
        help="name of the control arm (default: 'control', 'A', or the first variant in the file)",
    )
    parser.add_argument(
        "--variants", help="comma-separated allowed variant names; other names are bad rows"
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level")
    parser.add_argument("--correction", choices=CORRECTIONS, default="holm")
    parser.add_argument("--planned-split", help="comma-separated planned weights, in arm order")
    parser.add_argument("--planned-per-variant", type=int, help="planned users per arm")
    parser.add_argument("--final", action="store_true", help="the test has ended")
    parser.add_argument(
        "--early-look-method",
        choices=EARLY_LOOK_METHODS,
        default="always-valid",
        help="how looks before the planned sample are judged: a group-sequential design "
        "(obrien-fleming, pocock; list every earlier look with --looks) or the always-valid "
        "confidence sequence for looks that are not recorded (default)",
    )
    parser.add_argument(
        "--looks",
        help="comma-separated per-arm sample sizes (smallest arm) at the earlier looks of this "
        "test, e.g. 1000,2500; the current size is the latest look",
    )
    parser.add_argument("--skip-bad-rows", action="store_true", help="skip bad rows")
    parser.add_argument("--delimiter", help="field separator (default: detect , ; tab |)")
    parser.add_argument("--decimal", choices=(".", ","), help="decimal mark of values")
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--metric-name", help="name of the conversion metric in the verdict")
    parser.add_argument("--value-name", help="name of the value metric in the verdict")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def _control_first(names: list[str], control: str | None) -> list[str]:
    if control is None:
        lowered = [n.lower() for n in names]
        for candidate in ("control", "a"):
            if candidate in lowered:
                control = names[lowered.index(candidate)]
                break
        else:
            control = names[0]
    if control not in names:
        raise StatsInputError(f"Control {control!r} is not among the variants: {names}.")
    return [control] + [n for n in names if n != control]


def _weights(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError as exc:
        raise StatsInputError(
            f"--planned-split must be numbers separated by commas: {text!r}"
        ) from exc


def _looks(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise StatsInputError(
            f"--looks must be whole numbers separated by commas: {text!r}"
        ) from exc


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Reduce the file and analyse every metric column given."""
    allowed = list(args.variants.split(",")) if args.variants else None
    summary = reduce_per_user_csv(
        args.file,
        variant_column=args.variant_column,
        conversion_column=args.conversion_column,
        value_column=args.value_column,
        variants=allowed,
        skip_bad_rows=args.skip_bad_rows,
        delimiter=args.delimiter,
        decimal=args.decimal,
        encoding=args.encoding,
    )
    order = _control_first([v.name for v in summary.variants], args.control)
    common = {
        "planned_split": _weights(args.planned_split),
        "planned_per_variant": args.planned_per_variant,
        "alpha": args.alpha,
        "correction": args.correction,
        "final": args.final,
        "looks": _looks(args.looks),
        "early_look_method": args.early_look_method,
    }
    analyses: dict[str, AnalysisResult] = {}
    if args.conversion_column:
        analyses["conversion"] = analyze(
            metric_kind="conversion",
            variants=[(n, summary.variant(n).conversion_counts()) for n in order],
            metric_name=args.metric_name or f"{args.conversion_column} rate",
            **common,
        )
    if args.value_column:
        analyses["value"] = analyze(
            metric_kind="continuous",
            variants=[(n, summary.variant(n).mean_summary()) for n in order],
            metric_name=args.value_name or f"mean {args.value_column}",
            **common,
        )
    return {"summary": summary, "analyses": analyses}


def _sequential_text(seq: SequentialResult, alpha: float) -> str:
    """The sequential result of one comparison: its p-value (and adjusted p-value), and for a
    group-sequential look its number, information fraction, bound and alpha spent so far."""
    if seq.z_bound is None:
        text = f", always-valid p {format_p(seq.p_value, alpha)}"
    else:
        text = f", sequential p {format_p(seq.p_value, alpha)}"
    if seq.adjusted_p_value is not None and seq.adjusted_p_value != seq.p_value:
        text += f", adjusted {format_p(seq.adjusted_p_value, alpha)}"
    if seq.z_bound is not None:
        text += (
            f" (look {seq.look}, {100 * (seq.information_fraction or 0):.0f}% of the plan, "
            f"bound |z| ≥ {seq.z_bound:.2f}, α spent {seq.alpha_spent:.2g} of "
            f"{format_alpha(alpha)})"
        )
    return text


def _print_text(
    out: TextIO, file: str, summary: PerUserSummary, analyses: dict[str, AnalysisResult]
) -> None:
    out.write(
        f"{file}: {summary.rows:,} users used, {summary.bad_row_count:,} bad rows skipped, "
        f"{summary.blank_rows:,} blank rows (stats engine {ENGINE_VERSION}, "
        f"{summary.engine} reader)\n"
    )
    for row in summary.bad_rows:
        out.write(f"  skipped line {row.line}: {row.reason}\n")
    for result in analyses.values():
        out.write(f"\n{result.metric_name} — {result.method}, α = {format_alpha(result.alpha)}\n")
        for arm in result.arms:
            if result.metric_kind == "conversion":
                out.write(
                    f"  {arm.name:<16} {arm.n:>12,} users {arm.conversions:>12,} "
                    f"conversions  {format_rate(arm.value):>8}\n"
                )
            else:
                out.write(
                    f"  {arm.name:<16} {arm.n:>12,} users  mean {arm.value:>14,.4f}  "
                    f"sd {arm.sd:,.4f}\n"
                )
        for c in result.comparisons:
            line = f"  {c.variant} vs {c.control}: p {format_p(c.p_value, result.alpha)}"
            if result.correction != "none":
                line += f", adjusted p {format_p(c.adjusted_p_value, result.alpha)}"
            if c.sequential is not None:
                line += _sequential_text(c.sequential, result.alpha)
            if c.prob_beat_control is not None:
                line += f", P({c.variant} beats {c.control}) = {100 * c.prob_beat_control:.1f}%"
            out.write(line + "\n")
        out.write(f"  Verdict: {verdict(result)}\n")
        for warning in result.warnings:
            out.write(f"  Warning: {warning_text(warning)}\n")
        out.write(
            f"  SRM check: p = {result.srm.p_value:.3g}"
            f"{' (mismatch)' if result.srm.mismatch else ''}\n"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 bad input)."""
    args = _parser().parse_args(argv)
    try:
        result = run(args)
    except BadRowsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for row in exc.bad_rows:
            print(f"  line {row.line}: {row.reason}", file=sys.stderr)
        return 1
    except (StatsInputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        payload = {
            "summary": result["summary"].to_dict(),
            **{k: v.to_dict() for k, v in result["analyses"].items()},
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        _print_text(sys.stdout, args.file, result["summary"], result["analyses"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
