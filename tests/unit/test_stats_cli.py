"""`python -m stats FILE.csv ...` analyses a per-user file in the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "stats", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)


def _file(tmp_path: Path, bad: bool = False) -> Path:
    rng = np.random.default_rng(9)
    lines = ["variant,converted,revenue"]
    for i in range(6000):
        arm = ["A", "B"][i % 2]
        converted = int(rng.random() < (0.05 if arm == "A" else 0.08))
        lines.append(f"{arm},{converted},{round(float(rng.lognormal(3, 1)), 2) if converted else 0}")
    if bad:
        lines[1234] = "B,maybe,0"
    path = tmp_path / "users.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_prints_the_analysis(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = _run(str(path), "--variant-column", "variant", "--conversion-column", "converted",
                  "--value-column", "revenue")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "6,000 users used" in out
    assert "Variant B raised converted rate from" in out
    assert "significant at α = 0.05" in out
    assert "mean revenue" in out and "P(B beats A)" in out


def test_cli_json_output_and_early_look(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = _run(str(path), "--variant-column", "variant", "--conversion-column", "converted",
                  "--planned-per-variant", "10000", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"]["rows"] == 6000
    assert payload["conversion"]["early_look"] is True
    assert payload["conversion"]["comparisons"][0]["sequential"]["method"] == "confidence-sequence"
    assert "value" not in payload


def test_cli_refuses_bad_rows_with_line_numbers(tmp_path: Path) -> None:
    path = _file(tmp_path, bad=True)
    args = [str(path), "--variant-column", "variant", "--conversion-column", "converted"]
    refused = _run(*args)
    assert refused.returncode == 1
    assert "line 1235: converted is not a number: 'maybe'" in refused.stderr
    skipped = _run(*args, "--skip-bad-rows")
    assert skipped.returncode == 0
    assert "1 bad rows skipped" in skipped.stdout and "line 1235" in skipped.stdout


def test_cli_reports_input_errors(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = _run(str(path), "--variant-column", "arm", "--conversion-column", "converted")
    assert result.returncode == 1 and "'arm' not found" in result.stderr
    result = _run(str(tmp_path / "missing.csv"), "--variant-column", "v",
                  "--conversion-column", "c")
    assert result.returncode == 1 and "could not be opened" in result.stderr
    result = _run(str(path), "--variant-column", "variant", "--conversion-column", "converted",
                  "--control", "Z")
    assert result.returncode == 1 and "Control 'Z'" in result.stderr
