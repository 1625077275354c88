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
