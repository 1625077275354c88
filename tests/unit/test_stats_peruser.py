"""reduce_per_user_csv: streaming reduction of per-user files, bad rows, formats, memory."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats import BadRowsError, StatsInputError, analyze, reduce_per_user_csv

ENGINES = ["duckdb", "python"]
REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str | bytes, name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def reduce(source: Any, engine: str, **kwargs: Any) -> Any:
    options = {
        "variant_column": "variant",
        "conversion_column": "converted",
        "value_column": "revenue",
        "engine": engine,
        **kwargs,
    }
    return reduce_per_user_csv(source, **options)


def generated(rows: int, seed: int = 7) -> tuple[str, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    names = np.array(["control", "B", "C"])[rng.integers(0, 3, rows)]
    converted = (rng.random(rows) < 0.1).astype(int)
    revenue = np.round(np.where(converted == 1, rng.lognormal(3, 1, rows), 0.0), 2)
    lines = ["variant,converted,revenue"] + [
        f"{v},{c},{r!r}"
        for v, c, r in zip(names.tolist(), converted.tolist(), revenue.tolist(), strict=True)
    ]
    expected = {}
    for name in ("control", "B", "C"):
        mask = names == name
        expected[name] = (
            int(mask.sum()),
            int(converted[mask].sum()),
            float(revenue[mask].mean()),
            float(revenue[mask].std(ddof=1)),
        )
    return "\n".join(lines) + "\n", expected


@pytest.mark.parametrize("engine", ENGINES)
def test_reduces_to_exact_sufficient_statistics(tmp_path: Path, engine: str) -> None:
    text, expected = generated(5000)
    summary = reduce(write(tmp_path, text), engine)
    assert summary.engine == engine and summary.rows == 5000 and summary.bad_row_count == 0
    assert [v.name for v in summary.variants] == list(
        dict.fromkeys(line.split(",")[0] for line in text.splitlines()[1:])
    )
    for name, (n, conversions, mean, sd) in expected.items():
        totals = summary.variant(name)
        assert (totals.n, totals.conversions) == (n, conversions)
        assert math.isclose(totals.value_mean, mean, rel_tol=1e-12)
        assert math.isclose(totals.value_sd, sd, rel_tol=1e-12)
        assert totals.conversion_counts() == (n, conversions)
        assert totals.mean_summary() == (n, totals.value_mean, totals.value_sd)
        assert math.isclose(totals.value_sum, n * mean, rel_tol=1e-12)
        assert math.isclose(
            totals.value_sum_of_squares, (n - 1) * sd**2 + n * mean**2, rel_tol=1e-9
        )
    result = analyze(metric_kind="conversion", variants=summary.conversion_inputs())
    assert [a.name for a in result.arms] == [v.name for v in summary.variants]


@pytest.mark.parametrize("engine", ENGINES)
def test_variance_is_accurate_for_large_offsets(tmp_path: Path, engine: str) -> None:
    rng = np.random.default_rng(3)
    values = 1e9 + rng.normal(0, 1, 30000)  # Σx² − (Σx)²/n would lose every digit
    text = "variant,revenue\n" + "".join(f"A,{v!r}\n" for v in values.tolist())
    summary = reduce_per_user_csv(
        write(tmp_path, text), variant_column="variant", value_column="revenue", engine=engine
    )
    totals = summary.variant("A")
    assert math.isclose(totals.value_sd, float(values.std(ddof=1)), rel_tol=1e-9)
    assert math.isclose(totals.value_mean, float(values.mean()), rel_tol=1e-13)


@pytest.mark.parametrize("engine", ENGINES)
def test_bom_crlf_semicolon_and_decimal_comma(tmp_path: Path, engine: str) -> None:
    text = "\ufeffVariant;Converted;Revenue\r\nA;1;12,5\r\nB;0;0\r\nA;0;0\r\nB;1;7.25\r\n"
    summary = reduce(write(tmp_path, text), engine)
    assert summary.delimiter == ";" and summary.decimal == ","
    assert summary.variant("A").conversions == 1 and summary.variant("A").value_mean == 6.25
    assert summary.variant("B").value_mean == 3.625


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("delimiter", ["\t", "|"])
def test_other_delimiters_are_detected(tmp_path: Path, engine: str, delimiter: str) -> None:
    text = (
        delimiter.join(["variant", "converted", "revenue"])
        + "\n"
        + delimiter.join(["A", "1", "2.5"])
        + "\n"
        + delimiter.join(["B", "0", "0"])
        + "\n"
    )
    summary = reduce(write(tmp_path, text), engine)
    assert summary.delimiter == delimiter and summary.rows == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_header_only_and_empty_files_are_refused(tmp_path: Path, engine: str) -> None:
    with pytest.raises(StatsInputError, match="no data rows"):
        reduce(write(tmp_path, "variant,converted,revenue\n"), engine)
    with pytest.raises(StatsInputError, match="no data rows"):
        reduce(write(tmp_path, "variant,converted,revenue"), engine)
    with pytest.raises(StatsInputError, match="empty"):
        reduce(write(tmp_path, ""), engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_one_bad_row_among_10000_refuses_the_file_with_its_line(
    tmp_path: Path, engine: str
) -> None:
    text, _ = generated(10000, seed=11)
    lines = text.splitlines()
    lines[7342] = "B,1,12.x5"  # file line 7343 (the header is line 1)
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(BadRowsError) as caught:
        reduce(path, engine)
    assert caught.value.bad_row_count == 1
    assert [tuple(r) for r in caught.value.bad_rows] == [(7343, "revenue is not a number: '12.x5'")]
    assert "line 7343" in str(caught.value)
    skipped = reduce(path, engine, skip_bad_rows=True)
    assert skipped.rows == 9999 and skipped.bad_row_count == 1
    assert skipped.bad_rows[0].line == 7343


@pytest.mark.parametrize("engine", ENGINES)
def test_every_kind_of_bad_row_is_reported(tmp_path: Path, engine: str) -> None:
    text = textwrap.dedent("""\
        variant,converted,revenue
        A,1,10
        X,0,0
        ,1,3
        B,2,0
        B,yes,0
        A,1,
        A,1,nan
        A,0,inf
        A,1,1e400
        B,1
        B,1,2,3

        ,,
        "A",1,"4.5"
        """)
    summary = reduce(write(tmp_path, text), engine, variants=["A", "B"], skip_bad_rows=True)
    assert [tuple(r) for r in summary.bad_rows] == [
        (3, "unknown variant 'X'"),
        (4, "variant is empty"),
        (5, "converted must be 0 or 1, found '2'"),
        (6, "converted is not a number: 'yes'"),
        (7, "revenue is empty"),
        (8, "revenue is not a finite number: 'nan'"),
        (9, "revenue is not a finite number: 'inf'"),
        (10, "revenue is not a finite number: '1e400'"),
        (11, "expected 3 fields, found 2"),
        (12, "expected 3 fields, found 4"),
    ]
    assert summary.bad_row_count == 10 and summary.blank_rows == 2
    assert summary.variant("A").n == 2 and summary.variant("A").value_mean == 7.25
    assert summary.variant("B").n == 0  # listed in variants, so kept with no rows


@pytest.mark.parametrize("engine", ENGINES)
def test_report_is_capped_but_every_bad_row_is_counted(tmp_path: Path, engine: str) -> None:
    rows = ["variant,converted"] + [("A,x" if i % 10 == 0 else "A,1") for i in range(3000)]
    with pytest.raises(BadRowsError) as caught:
        reduce_per_user_csv(
            write(tmp_path, "\n".join(rows)),
            variant_column="variant",
            conversion_column="converted",
            engine=engine,
            max_bad_rows_reported=3,
        )
    assert caught.value.bad_row_count == 300
    assert [r.line for r in caught.value.bad_rows] == [2, 12, 22]


def _stream_inputs(text: str) -> list[Any]:
    class OneWay(io.RawIOBase):  # a non-seekable upload stream
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, target: Any) -> int:
            chunk = self._data.read(len(target))
            target[: len(chunk)] = chunk
            return len(chunk)

    return [io.BytesIO(text.encode()), io.StringIO(text), io.BufferedReader(OneWay(text.encode()))]


@pytest.mark.parametrize("engine", ENGINES)
def test_file_like_inputs(engine: str) -> None:
    text, expected = generated(2000, seed=5)
    for stream in _stream_inputs(text):
        summary = reduce(stream, engine)
        assert summary.variant("B").n == expected["B"][0]
        assert math.isclose(summary.variant("B").value_sd, expected["B"][3], rel_tol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_quoted_line_breaks_keep_line_numbers_exact(tmp_path: Path, engine: str) -> None:
    text = (
        'variant,converted,revenue,note\nA,1,2,"two\nlines"\nB,1,3,x\nB,z,3,x\n'
        'A,0,0,"a\r\nb\nc"\nA,0,q,x\n'
    )
    with pytest.raises(BadRowsError) as caught:
        reduce(write(tmp_path, text), engine)
    assert [r.line for r in caught.value.bad_rows] == [5, 9]
    # a stream that cannot rewind says the numbers are records, not lines
    stream = _stream_inputs(text)[2]
    with pytest.raises(BadRowsError) as caught:
        reduce(stream, engine)
    assert [r.line for r in caught.value.bad_rows] == [5, 9]


def test_columns_are_matched_and_checked(tmp_path: Path) -> None:
    path = write(tmp_path, " Variant , CONVERTED ,revenue\nA,1,2\nB,0,0\n")
    assert reduce(path, "duckdb").rows == 2
    with pytest.raises(StatsInputError, match="'price' not found.*'Variant'"):
        reduce_per_user_csv(path, variant_column="variant", value_column="price")
    with pytest.raises(StatsInputError, match="more than once"):
        reduce_per_user_csv(
            write(tmp_path, "variant,x,x\nA,1,1\n", "dup.csv"),
            variant_column="variant",
            value_column="x",
        )
    with pytest.raises(StatsInputError, match="conversion column, a value column"):
        reduce_per_user_csv(path, variant_column="variant")
    with pytest.raises(StatsInputError, match="different columns"):
        reduce_per_user_csv(path, variant_column="variant", conversion_column="Variant")
    with pytest.raises(StatsInputError, match="engine"):
        reduce(path, "polars")


@pytest.mark.parametrize("engine", ENGINES)
def test_too_many_variant_names_are_refused(tmp_path: Path, engine: str) -> None:
    text = "variant,converted\n" + "".join(f"V{i},1\n" for i in range(150))
    with pytest.raises(StatsInputError, match="more than 100 distinct"):
        reduce_per_user_csv(
            write(tmp_path, text),
            variant_column="variant",
            conversion_column="converted",
            engine=engine,
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_encodings(tmp_path: Path, engine: str) -> None:
    text = "вариант,converted\nконтроль,1\nтест,0\n"
    path = write(tmp_path, text.encode("cp1251"))
    with pytest.raises(StatsInputError, match="not valid utf-8"):
        reduce_per_user_csv(
            path, variant_column="вариант", conversion_column="converted", engine=engine
        )
    summary = reduce_per_user_csv(
        path,
        variant_column="вариант",
        conversion_column="converted",
        encoding="cp1251",
        engine=engine,
    )
    assert [v.name for v in summary.variants] == ["контроль", "тест"]
    with pytest.raises(StatsInputError, match="ASCII-compatible"):
        reduce_per_user_csv(path, variant_column="x", conversion_column="y", encoding="utf-16")


@pytest.mark.parametrize("engine", ENGINES)
def test_progress_reports_bytes_read(tmp_path: Path, engine: str) -> None:
    text, _ = generated(200_000, seed=2)
    path = write(tmp_path, text)
    seen: list[int] = []
    reduce(path, engine, progress=seen.append)
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] == path.stat().st_size


FIELD = st.sampled_from(
    [
        "A",
        "B",
        " A ",
        "",
        "0",
        "1",
        "1.0",
        "2",
        "x",
        "nan",
        "-inf",
        "1e3",
        "0,5",
        "3,25",
        " 7 ",
        '"1"',
        '"a,b"',
        "1_0",
        "+.5",
        "5.",
        "٣",
        "1e",
        "Infinity",
        '"x\ny"',
        "\t1\t",
    ]
)


@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.lists(FIELD, min_size=1, max_size=4), max_size=40),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_both_engines_agree_on_any_file(
    tmp_path: Path, rows: list[list[str]], delimiter: str, newline: str
) -> None:
    header = delimiter.join(["variant", "converted", "revenue"])
    text = newline.join([header] + [delimiter.join(r) for r in rows]) + newline
    path = write(tmp_path, text)
    outcomes = []
    for engine in ENGINES:
        try:
            s = reduce(path, engine, skip_bad_rows=True)
            outcomes.append(
                (
                    "ok",
                    [(v.name, v.n, v.conversions, v.value_mean, v.value_m2) for v in s.variants],
                    s.bad_row_count,
                    [tuple(r) for r in s.bad_rows],
                    s.blank_rows,
                )
            )
        except StatsInputError as exc:
            outcomes.append(("error", str(exc)))
    assert outcomes[0] == outcomes[1]


def _peak_rss_kib(path: Path) -> int:
    # 2 MiB buffers: DuckDB's few buffers in flight are full already with the small file;
    # one thread keeps the figure independent of scheduling
    script = textwrap.dedent(f"""
        import stats, stats._duckcsvsql, stats._duckrun
        stats._duckcsvsql.BUFFER_SIZE = 1 << 21
        stats._duckrun.THREADS = 1
        summary = stats.reduce_per_user_csv({str(path)!r}, variant_column="variant",
            conversion_column="converted", value_column="revenue", engine="duckdb")
        assert summary.engine == "duckdb"
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                print(line.split()[1])
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=REPO,
    )
    return int(out.stdout.strip())


def _big_file(tmp_path: Path, rows: int) -> Path:
    block, _ = generated(10_000, seed=1)
    body = block.split("\n", 1)[1]
    path = tmp_path / f"big-{rows}.csv"
    with path.open("w") as handle:
        handle.write("variant,converted,revenue\n")
        for _ in range(rows // 10_000):
            handle.write(body)
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_does_not_grow_with_file_size_duckdb(tmp_path: Path) -> None:
    # DuckDB's memory reaches its plateau within the first million rows
    small, large = _big_file(tmp_path, 1_000_000), _big_file(tmp_path, 3_000_000)
    assert large.stat().st_size - small.stat().st_size > 18_000_000
    growth = _peak_rss_kib(large) - _peak_rss_kib(small)
    assert growth < 6 * 1024, f"peak memory grew by {growth} KiB for 3 times the rows"


def test_memory_does_not_grow_with_file_size_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stats._csvpython

    monkeypatch.setattr(stats._csvpython, "CHUNK_ROWS", 4096)
    peaks = []
    for rows in (20_000, 120_000):
        path = _big_file(tmp_path, rows)
        tracemalloc.start()
        reduce(path, "python")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.2 * peaks[0] + 200_000, peaks


@pytest.mark.parametrize("engine", ENGINES)
def test_equal_width_names_and_flags_take_the_same_rules(tmp_path: Path, engine: str) -> None:
    # 20,000 clean rows make whole blocks of 4-byte names and 1-byte flags; the odd rows
    # at the end must still be judged by the shared rules
    rows = [f"{'ctrl' if i % 2 else 'test'},{i % 2},1.5" for i in range(20000)]
    rows += [" ctrl,1,2", "tset,0,1", "test,2,1", "ctrl,+1,1", "ctrl,01,1", "test,1, 3 "]
    path = write(tmp_path, "variant,converted,revenue\n" + "\n".join(rows) + "\n")
    summary = reduce(path, engine, variants=["ctrl", "test"], skip_bad_rows=True)
    assert [tuple(r) for r in summary.bad_rows] == [
        (20003, "unknown variant 'tset'"),
        (20004, "converted must be 0 or 1, found '2'"),
    ]
    ctrl, test = summary.variant("ctrl"), summary.variant("test")
    assert (ctrl.n, ctrl.conversions) == (10003, 10003)
    assert (test.n, test.conversions) == (10001, 1)
    assert math.isclose(test.value_mean, (10000 * 1.5 + 3) / 10001, rel_tol=1e-15)


def _write_parquet(path: Path, text: str) -> Path:
    """Write the CSV text as a Parquet file with DuckDB (typed columns, nulls for blanks)."""
    import duckdb

    csv_path = path.with_suffix(".csv")
    csv_path.write_text(text)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, all_varchar=false)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    con.close()
    return path


def test_parquet_gives_the_same_totals_as_csv(tmp_path: Path) -> None:
    text, expected = generated(5000, seed=13)
    csv_summary = reduce(write(tmp_path, text), "duckdb")
    parquet = _write_parquet(tmp_path / "users.parquet", text)
    summary = reduce(parquet, "duckdb")
    assert summary.engine == "duckdb" and summary.delimiter == ""
    assert [v.name for v in summary.variants] == [v.name for v in csv_summary.variants]
    for name, (n, conversions, mean, sd) in expected.items():
        totals = summary.variant(name)
        assert (totals.n, totals.conversions) == (n, conversions)
        assert math.isclose(totals.value_mean, mean, rel_tol=1e-12)
        assert math.isclose(totals.value_sd, sd, rel_tol=1e-12)
    with parquet.open("rb") as stream:  # a stream works too (copied to a temporary file)
        assert reduce(stream, "auto").variant("B").n == expected["B"][0]


def test_parquet_bad_rows_are_reported_by_row_number(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "bad.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('A', 1, 2.5), ('B', 0, 1.0), ('X', 1, 1.0), "
        "(NULL, 1, 1.0), ('A', 2, 1.0), ('B', 1, 'nan'::DOUBLE), ('A', 0, NULL), "
        "('B', 1, 1e155), (' A ', 1, 4.5)) AS v(variant, converted, revenue)"
    )
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    with pytest.raises(BadRowsError) as caught:
        reduce(path, "duckdb", variants=["A", "B"])
    assert [tuple(r) for r in caught.value.bad_rows] == [
        (3, "unknown variant 'X'"),
        (4, "variant is empty"),
        (5, "converted must be 0 or 1, found '2'"),
        (6, "revenue is not a finite number: 'nan'"),
        (7, "revenue is empty"),
        (8, "revenue is too large: '1e+155' (values must lie within ±1e100)"),
    ]
    summary = reduce(path, "duckdb", variants=["A", "B"], skip_bad_rows=True)
    assert (summary.variant("A").n, summary.variant("A").value_mean) == (2, 3.5)
    assert summary.variant("B").n == 1 and summary.bad_row_count == 6


def test_parquet_clean_files_of_any_column_type_give_exact_totals(tmp_path: Path) -> None:
    # the plain aggregate (checks proven by column statistics or run in the query): variants
    # in the order of their first rows, a variant first seen late, values far from zero
    import duckdb

    rng = np.random.default_rng(29)
    rows = 80_000
    names = np.array(["b", "a"], dtype="<U4")[rng.integers(0, 2, rows)]
    names[70_000] = "late"
    flags = rng.integers(0, 2, rows)
    values = 1e9 + rng.normal(0, 0.01, rows)
    values[:3] = 5.0  # the first rows lie far from the rest
    con = duckdb.connect()
    con.register("t", {"variant": names, "converted": flags, "revenue": values})
    casts = {
        "ints": "converted, revenue",
        "bools": "converted::BOOLEAN AS converted, revenue::FLOAT AS revenue",
        "texts": "converted::VARCHAR AS converted, revenue::VARCHAR AS revenue",
    }
    for kind, select in casts.items():
        path = tmp_path / f"{kind}.parquet"
        con.execute(f"COPY (SELECT variant, {select} FROM t) TO '{path}' (FORMAT parquet)")
        summary = reduce(path, "duckdb")
        assert [v.name for v in summary.variants] == list(dict.fromkeys(names.tolist()))
        assert summary.variants[-1].name == "late"
        assert summary.bad_row_count == 0 and summary.rows == rows
        written = values.astype(np.float32).astype(float) if kind == "bools" else values
        for totals in summary.variants:
            mask = names == totals.name
            assert (totals.n, totals.conversions) == (mask.sum(), flags[mask].sum())
            assert math.isclose(totals.value_mean, written[mask].mean(), rel_tol=1e-13)
            if totals.n > 1:
                sd = written[mask].std(ddof=1)
                assert math.isclose(totals.value_sd, sd, rel_tol=1e-9), kind
    con.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_values_near_1e155_are_refused_not_nan(tmp_path: Path, engine: str) -> None:
    text = "variant,revenue\nA,1e155\nA,-1e155\nA,3\nA,5\nB,1e100\nB,-1e100\n"
    with pytest.raises(BadRowsError) as caught:
        reduce_per_user_csv(
            write(tmp_path, text), variant_column="variant", value_column="revenue", engine=engine
        )
    assert [r.line for r in caught.value.bad_rows] == [2, 3]
    assert "too large" in caught.value.bad_rows[0].reason
    summary = reduce_per_user_csv(
        write(tmp_path, text),
        variant_column="variant",
        value_column="revenue",
        engine=engine,
        skip_bad_rows=True,
    )
    a, b = summary.variant("A"), summary.variant("B")
    assert (a.value_mean, a.value_m2) == (4.0, 2.0)
    assert b.value_mean == 0.0 and math.isfinite(b.value_m2) and b.value_m2 == 2e200


def test_bad_rows_in_a_large_file_keep_the_duckdb_engine(tmp_path: Path) -> None:
    # a few odd rows (also after a quoted line break and an empty line) are judged from
    # DuckDB's rejected rows: the engine stays DuckDB and the line numbers are exact
    text, _ = generated(60_000, seed=17)
    lines = text.splitlines()
    lines[10] = 'B,1,"3.5"'
    lines[20] = 'C,0,"0\n"'  # a quoted line break: every later line number shifts by one
    lines[30] = ""
    lines[40_000] = "B,1,12.x5"
    lines[50_000] = " C ,1.0, 7 "  # good after trimming: DuckDB refuses it, the rules accept it
    lines[55_000] = "D,1,1"  # a variant first seen here comes last
    path = write(tmp_path, "\n".join(lines) + "\n")
    duck, python = (reduce(path, e, skip_bad_rows=True) for e in ENGINES)
    for summary, engine in ((duck, "duckdb"), (python, "python")):
        assert summary.engine == engine
        assert [tuple(r) for r in summary.bad_rows] == [
            (40_002, "revenue is not a number: '12.x5'")
        ]
        assert summary.blank_rows == 1 and summary.variants[-1].name == "D"
    assert [(v.name, v.n, v.conversions) for v in duck.variants] == [
        (v.name, v.n, v.conversions) for v in python.variants
    ]
    for a, b in zip(duck.variants, python.variants, strict=True):
        assert math.isclose(a.value_mean, b.value_mean, rel_tol=1e-12)
        assert math.isclose(a.value_m2, b.value_m2, rel_tol=1e-10, abs_tol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_matches_a_plain_reference_computation(tmp_path: Path, engine: str) -> None:
    rng = np.random.default_rng(23)
    for rows, offset in ((3, 0.0), (2000, 0.0), (5000, 1e7), (4000, -250.0)):
        names = np.array(["ctl", "v1", "v2", "v3"])[rng.integers(0, 4, rows)]
        flags = (rng.random(rows) < 0.2).astype(int)
        values = offset + rng.standard_t(3, rows) * rng.choice([1e-3, 1.0, 1e3], rows)
        body = "".join(
            f"{n},{c},{v!r}\n"
            for n, c, v in zip(names.tolist(), flags.tolist(), values.tolist(), strict=True)
        )
        summary = reduce(write(tmp_path, "variant,converted,revenue\n" + body), engine)
        for totals in summary.variants:
            mask = names == totals.name
            chosen = values[mask].tolist()
            mean = math.fsum(chosen) / len(chosen)
            m2 = math.fsum((x - mean) ** 2 for x in chosen)
            assert (totals.n, totals.conversions) == (len(chosen), int(flags[mask].sum()))
            assert math.isclose(totals.value_mean, mean, rel_tol=1e-12, abs_tol=1e-12)
            assert math.isclose(totals.value_m2, m2, rel_tol=1e-10, abs_tol=1e-12)


def test_number_grammar_is_duckdbs() -> None:
    # the Python rules accept exactly what DuckDB's CSV reader reads as a finite DOUBLE
    import duckdb

    from stats._perrows import OK, parse_number

    fields = [
        "1",
        " 1",
        "\v1\f",
        "+1",
        "+-1",
        "-+1",
        "--1",
        "1_0",
        "1__0",
        "_1",
        "1_",
        "1.5_5",
        "1e1_0",
        "1e_1",
        ".5",
        "5.",
        ".",
        "1e",
        "1e+5",
        "0x10",
        "1d5",
        "1,5",
        "١",
        "1 5",
    ]
    con = duckdb.connect()
    for text in fields:
        try:
            duck = con.execute("SELECT TRY_CAST(? AS DOUBLE)", [text]).fetchall()[0][0]
        except duckdb.Error:
            duck = None
        status, value = parse_number(text, ".")
        assert (status == OK) == (duck is not None), text
        if duck is not None:
            assert value == duck, text
