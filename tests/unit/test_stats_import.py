"""The statistics package is pure: importing it loads no web framework, ORM or app code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlmodel", "sqlalchemy", "hypotheses", "pandas", "werkzeug")


def test_import_stats_loads_no_app_modules(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("variant,converted,revenue\nA,1,2.5\nB,0,0\nA,x,1\n", encoding="utf-8")
    script = (
        "import sys, json\n"
        "import stats\n"
        "after_import = sorted(sys.modules)\n"
        f"stats.reduce_per_user_csv({str(path)!r}, variant_column='variant', "
        "conversion_column='converted', value_column='revenue', skip_bad_rows=True)\n"
        "print(json.dumps([after_import, sorted(sys.modules)]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    after_import, after_reading = (set(m) for m in json.loads(out.stdout))
    for forbidden in FORBIDDEN:
        for loaded in (after_import, after_reading):
            assert not any(m == forbidden or m.startswith(forbidden + ".") for m in loaded), (
                forbidden
            )
    # DuckDB (the per-user engine) is only loaded by the per-user reader, so plain imports
    # stay light
    assert "duckdb" not in after_import and "duckdb" in after_reading


def test_public_api_is_complete() -> None:
    import stats

    for name in stats.__all__:
        assert hasattr(stats, name), name
    assert stats.__version__ == stats.ENGINE_VERSION == "2.0.0"
