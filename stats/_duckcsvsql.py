"""SQL text of the per-user CSV engine's two DuckDB queries: the plain and the detailed one."""

from __future__ import annotations

from dataclasses import dataclass

from stats._duckrun import quote

REJECTS_LIMIT = 20_000  # more rejected cells than this: the Python engine reads the file
BUFFER_SIZE: int | None = None  # None: DuckDB's default CSV buffer (8 MiB costs ~5% more CPU)


@dataclass(frozen=True)
class CsvFile:
    """A UTF-8 CSV file as the queries read it: its columns' count and roles, its separators
    and the byte offset of its first data line."""

    path: str
    columns: int
    roles: dict[str, int]
    delimiter: str
    decimal: str
    data_start: int


def read_csv(csv_file: CsvFile, types: dict[str, str], extra: list[str]) -> str:
    """Return the read_csv(...) call that reads the file's columns with the given types."""
    spec = ", ".join(f"{quote(k)}: {quote(v)}" for k, v in types.items())
    options = [
        f"columns={{{spec}}}",
        "header=true",
        "auto_detect=false",
        f"delim={quote(csv_file.delimiter)}",
        "quote='\"'",
        "escape='\"'",
        *extra,
    ]
    if BUFFER_SIZE:
        options.append(f"buffer_size={BUFFER_SIZE}")
    if csv_file.decimal == ",":
        options.append("decimal_separator=','")
    return f"read_csv({quote(csv_file.path)}, {', '.join(options)})"


def plain_query(csv_file: CsvFile, shifts: dict[str, float]) -> str:
    """Per variant: name, rows, conversions, conversions read, conversions not 0 or 1,
    sum and sum of squares of the values' deviations from the variant's shift, values read."""
    roles = csv_file.roles
    types = {f"c{i}": "VARCHAR" for i in range(csv_file.columns)}
    var = f"c{roles['variant']}"
    parts = [var, "count(*)"]
    if "conversion" in roles:
        conv = f"c{roles['conversion']}"
        types[conv] = "DOUBLE"
        parts += [
            f"sum({conv})",
            f"count({conv})",
            f"count(*) FILTER ({conv} <> 0 AND {conv} <> 1)",
        ]
    else:
        parts += ["0", "0", "0"]
    if "value" in roles:
        value = f"c{roles['value']}"
        types[value] = "DOUBLE"
        if len(set(shifts.values())) <= 1:
            deviation = f"({value} - {next(iter(shifts.values()), 0.0)!r})"
        else:
            cases = " ".join(f"WHEN {quote(k)} THEN {v!r}" for k, v in shifts.items())
            deviation = f"({value} - CASE {var} {cases} ELSE 0.0 END)"
        parts += [f"sum({deviation})", f"sum({deviation} * {deviation})", f"count({value})"]
    else:
        parts += ["0.0", "0.0", "0"]
    source = read_csv(csv_file, types, [])
    return f"SELECT {', '.join(parts)} FROM {source} GROUP BY {var}"


def detailed_query(csv_file: CsvFile, known: list[str], shifts: list[float]) -> str:
    """Per variant (strict types, rows DuckDB refuses stored as rejected): name, rows,
    conversions, sum and sum of squares of the values' deviations, largest |value|."""
    roles = csv_file.roles
    types = {f"c{i}": "VARCHAR" for i in range(csv_file.columns)}
    var = f"c{roles['variant']}"
    types[var] = "ENUM(" + ", ".join(quote(n) for n in known) + ")"
    used = [var]
    conv = value = None
    if "conversion" in roles:
        conv = f"c{roles['conversion']}"
        types[conv] = "ENUM('0', '1')"
        used.append(conv)
    if "value" in roles:
        value = f"c{roles['value']}"
        types[value] = "DOUBLE"
        used.append(value)
    source = read_csv(
        csv_file,
        types,
        [
            "store_rejects=true",
            f"rejects_limit={REJECTS_LIMIT}",
            "force_not_null=[" + ", ".join(quote(c) for c in used) + "]",
        ],
    )
    conversions = f"sum(enum_code({conv}))" if conv else "NULL"  # '0' is code 0, '1' code 1
    if value is None:
        sums = "NULL, NULL, 0.0"
    else:
        if len(set(shifts)) == 1:
            deviation = f"({value} - {shifts[0]!r})"
        else:
            table = "([" + ", ".join(repr(float(s)) for s in shifts) + "]::DOUBLE[])"
            deviation = f"({value} - {table}[enum_code({var}) + 1])"
        # max(|x|) is NaN or inf when any value is, and above the limit when any value is
        sums = f"sum({deviation}), sum({deviation} * {deviation}), max(abs({value}))"
    return f"SELECT {var}::VARCHAR, count(*), {conversions}, {sums} FROM {source} GROUP BY {var}"
