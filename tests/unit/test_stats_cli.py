"""`python -m stats FILE.csv ...` analyses a per-user file in the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stats.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "stats", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def _file(tmp_path: Path, bad: bool = False) -> Path:
    rng = np.random.default_rng(9)
    lines = ["variant,converted,revenue"]
    for i in range(6000):
        arm = ["A", "B"][i % 2]
        converted = int(rng.random() < (0.05 if arm == "A" else 0.08))
        lines.append(
            f"{arm},{converted},{round(float(rng.lognormal(3, 1)), 2) if converted else 0}"
        )
    if bad:
        lines[1234] = "B,maybe,0"
    path = tmp_path / "users.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_prints_the_analysis(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = _run(
        str(path),
        "--variant-column",
        "variant",
        "--conversion-column",
        "converted",
        "--value-column",
        "revenue",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "6,000 users used" in out
    assert "Variant B raised converted rate from" in out
    assert "significant at α = 0.05" in out
    assert "mean revenue" in out and "P(B beats A)" in out


def test_cli_json_output_and_early_look(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = _run(
        str(path),
        "--variant-column",
        "variant",
        "--conversion-column",
        "converted",
        "--planned-per-variant",
        "10000",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"]["rows"] == 6000
    assert payload["conversion"]["early_look"] is True
    assert payload["conversion"]["comparisons"][0]["sequential"]["method"] == "confidence-sequence"
    assert "value" not in payload


def test_cli_refuses_bad_rows_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, bad=True)
    args = [str(path), "--variant-column", "variant", "--conversion-column", "converted"]
    assert main(args) == 1
    assert "line 1235: converted is not a number: 'maybe'" in capsys.readouterr().err
    assert main([*args, "--skip-bad-rows"]) == 0
    out = capsys.readouterr().out
    assert "1 bad rows skipped" in out and "line 1235" in out


def test_cli_reports_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path)
    assert main([str(path), "--variant-column", "arm", "--conversion-column", "converted"]) == 1
    assert "'arm' not found" in capsys.readouterr().err
    missing = str(tmp_path / "missing.csv")
    assert main([missing, "--variant-column", "v", "--conversion-column", "c"]) == 1
    assert "could not be opened" in capsys.readouterr().err
    base = [str(path), "--variant-column", "variant", "--conversion-column", "converted"]
    assert main([*base, "--control", "Z"]) == 1
    assert "Control 'Z'" in capsys.readouterr().err
    assert main([*base, "--planned-split", "1,x"]) == 1
    assert "--planned-split" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(path)])  # argparse: --variant-column is required


def test_cli_analyses_values_with_a_chosen_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    args = [str(path), "--variant-column", "variant", "--value-column", "revenue"]
    assert main([*args, "--control", "B", "--value-name", "revenue per user"]) == 0
    out = capsys.readouterr().out
    assert "revenue per user" in out and "A vs B" in out


def test_cli_group_sequential_early_look_with_recorded_looks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)  # 3,000 users per arm
    base = [str(path), "--variant-column", "variant", "--conversion-column", "converted"]
    plan = ["--planned-per-variant", "5000"]
    gst = ["--early-look-method", "obrien-fleming", "--looks", "1000,2000"]
    assert main([*base, *plan, *gst]) == 0
    out = capsys.readouterr().out
    # look 3 at 60% of the plan: the O'Brien-Fleming-type bound for 0.2, 0.4, 0.6 is 2.68
    assert "sequential p" in out and "(look 3, 60% of the plan, bound |z| ≥ 2.68" in out
    assert "repeated 95% CI" in out
    assert main([*base, *plan, *gst, "--json"]) == 0
    seq = json.loads(capsys.readouterr().out)["conversion"]["comparisons"][0]["sequential"]
    assert seq["method"] == "group-sequential-obrien-fleming" and seq["look"] == 3
    assert seq["information_fraction"] == 0.6 and round(seq["z_bound"], 2) == 2.68
    assert main([*base, *plan, "--early-look-method", "pocock", "--json"]) == 0
    seq = json.loads(capsys.readouterr().out)["conversion"]["comparisons"][0]["sequential"]
    assert seq["method"] == "group-sequential-pocock" and seq["look"] == 1
    # bad looks are refused with a message, not a traceback
    assert main([*base, *plan, "--looks", "1000,x"]) == 1
    assert "--looks must be whole numbers" in capsys.readouterr().err
    assert main([*base, *plan, *gst[:2], "--looks", "4000"]) == 1
    assert "beyond the current 3000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--early-look-method", "bayes"])
