"""The statistics package is pure: importing it loads no web framework, ORM or app code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""})
    return set(json.loads(out.stdout))


def test_import_stats_loads_no_app_modules() -> None:
    loaded = _modules_after("import stats")
    for forbidden in ("flask", "sqlmodel", "sqlalchemy", "hypotheses", "pandas", "werkzeug"):
        assert not any(m == forbidden or m.startswith(forbidden + ".") for m in loaded), forbidden
    # pyarrow is only needed by the per-user reader, so plain imports stay light
    assert "pyarrow" not in loaded


def test_public_api_is_complete() -> None:
    import stats

    for name in stats.__all__:
        assert hasattr(stats, name), name
    assert stats.__version__ == stats.ENGINE_VERSION == "1.0.0"
    loaded = _modules_after("import stats\nstats.reduce_per_user_csv")
    assert "stats.peruser" in loaded
