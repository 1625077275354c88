"""The compiled clean-file scanner (stats/_scan.c): it takes only lines it can read with
certainty, in any split of the file into byte ranges, and changes no answer."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stats._scanner as scanner
from stats import reduce_per_user_csv

pytestmark = pytest.mark.stats

HEADER = "user,variant,converted,revenue"


def reduce(path: Path, engine: str, **kwargs: Any) -> Any:
    return reduce_per_user_csv(
        path,
        variant_column="variant",
        conversion_column="converted",
        value_column="revenue",
        engine=engine,
        skip_bad_rows=True,
        **kwargs,
    )


def numbers(summary: Any) -> list[tuple[Any, ...]]:
    return [
        (v.name, v.n, v.conversions, v.value_mean, v.value_m2, summary.bad_row_count)
        for v in summary.variants
    ]


def same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    if [(r[0], r[1], r[2], r[5]) for r in a] != [(r[0], r[1], r[2], r[5]) for r in b]:
        return False
    return all(
        math.isclose(x[i], y[i], rel_tol=1e-12, abs_tol=1e-9)
        for x, y in zip(a, b, strict=True)
        for i in (3, 4)
    )


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per scanner call, whether it took its range (True) or gave up (False)."""
    calls: list[bool] = []
    original = scanner.scan
    assert original is not None, "stats/_scan.c was not compiled (make install builds it)"

    def spy(*args: Any) -> Any:
        result = original(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(scanner, "scan", spy)
    return calls


def clean_file(path: Path, rows: int, *, newline: str, delimiter: str, decimal: str) -> None:
    rng = np.random.default_rng(rows)
    names = np.array(["Контроль", "B", "вариант C"])[rng.integers(0, 3, rows)]
    converted = (rng.random(rows) < 0.2).astype(int)
    revenue = np.round(rng.lognormal(2, 1, rows) * converted, 2)
    lines = [HEADER.replace(",", delimiter)]
    for i, (v, c, r) in enumerate(zip(names, converted, revenue, strict=True)):
        value = f"{r:.2f}".replace(".", decimal) if i % 3 else str(int(r))
        lines.append(delimiter.join([f"u{i}", v, str(c), value]))
    tail = newline if rows % 2 else ""  # the last line may lack its line end
    path.write_bytes((newline.join(lines) + tail).encode("utf-8"))


@settings(
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.integers(1, 400),
    chunk=st.integers(1, 300),
    newline=st.sampled_from(["\n", "\r\n"]),
    dialect=st.sampled_from([(",", "."), (";", ",")]),
)
def test_any_split_into_ranges_gives_the_python_engines_totals(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    taken: list[bool],
    rows: int,
    chunk: int,
    newline: str,
    dialect: tuple[str, str],
) -> None:
    monkeypatch.setattr(scanner, "CHUNK", chunk)
    path = tmp_path / "clean.csv"
    clean_file(path, rows, newline=newline, delimiter=dialect[0], decimal=dialect[1])
    taken.clear()
    fast = reduce(path, "duckdb")
    assert taken and all(taken), "a clean file must be read by the scanner alone"
    assert same(numbers(fast), numbers(reduce(path, "python")))


@pytest.mark.parametrize(
    "line",
    [
        'u9,"B",1,2.5',  # quoted field
        "u9,B,1,2.5\rx",  # a lone carriage return
        "",  # a blank line
        "u9, B,1,2.5",  # spaces around the name
        "u9,B, 1,2.5",  # a conversion with a space
        "u9,B,1.0,2.5",  # a conversion written as 1.0
        "u9,B,2,2.5",  # not binary
        "u9,B,1,",  # a missing value
        "u9,B,1,5.",  # a point without digits after it
        "u9,B,1,+5",  # a plus sign
        "u9,B,1,1e3",  # an exponent
        "u9,B,1,1_000",  # underscores
        "u9,B,1,nan",
        "u9,B,1,12345678901234567890",  # more digits than a double holds exactly
        "u9,B,1,0.12345678901234567890123",  # 23 fraction digits
        "u9,B,1,2.5,extra",  # too many fields
        "u9,B,1",  # too few fields
        "ю9,B,1,2.5",  # a byte above 0x7F outside the variant
        "u9\x00,B,1,2.5",  # NUL
    ],
)
def test_a_line_it_cannot_take_hands_the_file_over(
    tmp_path: Path, taken: list[bool], line: str
) -> None:
    body = ["u1,A,0,0", "u2,B,1,10.5", "u3,A,1,3", line, "u4,B,0,0"]
    path = tmp_path / "mixed.csv"
    path.write_bytes(("\n".join([HEADER, *body]) + "\n").encode("utf-8"))
    fast = reduce(path, "duckdb")
    assert taken == [False]
    assert same(numbers(fast), numbers(reduce(path, "python")))


def test_a_name_outside_the_allowed_variants_hands_the_file_over(
    tmp_path: Path, taken: list[bool]
) -> None:
    path = tmp_path / "names.csv"
    path.write_text("\n".join([HEADER, "u1,A,0,0", "u2,B,1,2.5", "u3,D,1,1"]) + "\n")
    fast = reduce(path, "duckdb", variants=["A", "B"])
    assert taken == [False]
    assert fast.bad_row_count == 1
    assert same(numbers(fast), numbers(reduce(path, "python", variants=["A", "B"])))


def test_values_far_from_the_first_rows_are_summed_again_around_their_mean(
    tmp_path: Path, taken: list[bool]
) -> None:
    # the first 64 KiB, where the origin of the sums is taken, hold only A: B lies far from it
    rows = [f"u{i},A,1,0.5" for i in range(6000)]
    rows += [f"u{i},B,1,{1_000_000_000 + i % 7}.25" for i in range(2000)]
    path = tmp_path / "far.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    fast = reduce(path, "duckdb", variants=["A", "B"])
    assert taken == [True, True]  # the second pass sums around the variant's own mean
    values = np.array([float(r.rsplit(",", 1)[1]) for r in rows[6000:]])
    arm = fast.variant("B")
    assert arm.value_mean == pytest.approx(values.mean(), rel=1e-15)
    assert arm.value_m2 == pytest.approx(((values - values.mean()) ** 2).sum(), rel=1e-9)


def test_bad_arguments_are_refused() -> None:
    assert scanner.scan is not None
    with pytest.raises(ValueError, match="out of range"):
        scanner.scan("/dev/null", 0, 1, True, 2, 5, -1, -1, ",", ".", (b"A",), (0.0,))
    with pytest.raises(TypeError):
        scanner.scan("/dev/null", 0, 1, True, 2, 0, -1, -1, ",", ".", ("A",), (0.0,))
    with pytest.raises(OSError):
        scanner.scan("/no/such/file", 0, 1, True, 2, 0, -1, -1, ",", ".", (b"A",), (0.0,))
