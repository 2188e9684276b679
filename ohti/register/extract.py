"""Customer-register extracts: the documented schema, loading into DuckDB, and validation.

The statutory customer process (initial interview, employment plan, supplementary job-search
discussions, the repeated intensive period, the KOTO assessment and plan) and the outcomes
after unemployment and services are measured from event-level extracts of the employment
services' customer register. Such extracts are person-level data and never part of ohti: a
user points ohti at one (``ohti build --extract PATH``, env ``OHTI_EXTRACT``), or at the
synthetic demonstration extract (``--extract demo``, :mod:`ohti.register.demo`).

Schema
------
One file (Parquet, or CSV with a header row) holds the three tables of an extract as rows of
one long table; the column ``table`` says which table a row belongs to.

===========  ==========  ==========================================================================
column       type        meaning
===========  ==========  ==========================================================================
table        text        ``spell`` (an unemployment spell), ``event`` (a customer event) or
                         ``service`` (a period in a service)
person_id    text        pseudonymous person id: the same person has the same id in every row;
                         never a personal identity code. Ids stay inside the engine.
area_code    text        the employment area of residence (2025 division, two digits ``01``–``45``)
                         at the start of the spell, on the day of the event, at the start of the
                         service
type         text        events: one of :data:`EVENT_TYPES`; services: the service (free text,
                         e.g. ``labour_market_training``); spells: empty
start_date   date        spells and services: the first day; events: the day of the event
end_date     date        spells and services: the last day, empty while it continues; events: empty
end_reason   text        spells and services: one of :data:`END_REASONS` when ended, else empty;
                         events: empty
===========  ==========  ==========================================================================

An unemployment spell covers the days a person is an unemployed job seeker, so the unemployed
at the end of a month are the spells covering its last day. Parquet files may carry the
key-value metadata ``ohti.extract_date`` (the day the extract was taken: the last day it
observes; by default the latest date in the file) and ``ohti.synthetic`` (``true`` for
synthetic demonstration data, which is then labelled so everywhere it appears).

Validation
----------
Every rule is checked over the whole file at load and all failures are reported at once
(:class:`ohti.errors.SourceDataError`), naming the rule, the count of rows, a few row numbers
and values — never person ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

from ohti._files import file_digest
from ohti.errors import ParameterError, SourceDataError
from ohti.register.demo import demo_extract_path

COLUMNS = ("table", "person_id", "area_code", "type", "start_date", "end_date", "end_reason")
TABLES = ("spell", "event", "service")
EVENT_TYPES = (
    "initial_interview",          # alkuhaastattelu
    "employment_plan",            # työllistymissuunnitelma made or updated
    "supplementary_discussion",   # täydentävä työnhakukeskustelu
    "job_search_discussion",      # työnhakukeskustelu (every 3 months)
    "integration_client",         # start of the KOTO client relationship
    "integration_assessment",     # osaamisen ja kotoutumistarpeen arviointi started
    "integration_plan",           # kotoutumissuunnitelma
)
END_REASONS = ("open_labour_market", "subsidised_work", "service", "education", "unemployed",
               "outside_labour_force", "other")
AREA_CODES = tuple(f"{i:02d}" for i in range(1, 46))
#: The environment variable that configures an extract (a path or ``demo``).
ENV_VARIABLE = "OHTI_EXTRACT"
_SHOWN = 3  # row numbers and values shown per failed rule


@dataclasses.dataclass
class Extract:
    """An extract loaded into an in-memory DuckDB database.

    The person-level tables ``spells``, ``events`` and ``services`` live only inside
    ``connection``; :mod:`ohti.register.process` reads aggregates out of it.
    """

    path: str
    connection: object
    extract_date: dt.date
    first_date: dt.date
    synthetic: bool
    digest: str
    rows: int

    @property
    def label(self) -> str:
        return Path(self.path).name

    def close(self) -> None:
        self.connection.close()


def resolve(spec: str | None = None) -> Path | None:
    """The extract file a setting names: a path, ``demo`` (the synthetic demonstration extract,
    generated on first use) or None/"" (none configured; `OHTI_EXTRACT` is read then)."""
    if spec is None:
        spec = os.environ.get(ENV_VARIABLE, "")
    spec = str(spec).strip()
    if not spec:
        return None
    if spec == "demo":
        return demo_extract_path()
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ParameterError(f"extract {spec!r} does not exist (give a Parquet or CSV file, or 'demo')")
    return path.resolve()


def _reader(path: Path) -> str:
    suffix = path.suffix.lower()
    quoted = str(path).replace("'", "''")
    if suffix == ".parquet":
        return f"read_parquet('{quoted}', file_row_number = true)"
    if suffix in (".csv", ".gz"):
        return f"read_csv('{quoted}', header=true, all_varchar=true)"
    raise ParameterError(f"extract {path}: unknown format {suffix!r} (use .parquet or .csv)")


def _metadata(connection, path: Path) -> dict:
    if path.suffix.lower() != ".parquet":
        return {}
    quoted = str(path).replace("'", "''")
    rows = connection.execute(f"SELECT key, value FROM parquet_kv_metadata('{quoted}')").fetchall()
    return {bytes(k).decode(): bytes(v).decode() for k, v in rows}


def load_extract(spec, *, threads: int | None = None) -> Extract:
    """Load and validate an extract; raise :class:`SourceDataError` listing every problem.

    Parameters
    ----------
    spec : str or Path
        The file, or ``demo``.
    threads : int, optional
        DuckDB threads (all cores by default).
    """
    import duckdb

    path = resolve(spec) if not isinstance(spec, Path) else spec
    if path is None:
        raise ParameterError("no extract configured (give --extract PATH or demo, or set OHTI_EXTRACT)")
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"extract {path} does not exist")
    connection = duckdb.connect(":memory:")
    try:  # no progress bar on the terminal (in a Jupyter kernel DuckDB refuses the setting)
        connection.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    if threads:
        connection.execute(f"SET threads TO {int(threads)}")
    try:
        connection.execute(f"CREATE TEMP VIEW source AS SELECT * FROM {_reader(path)}")
    except duckdb.Error as error:
        connection.close()
        raise SourceDataError(path, [f"cannot be read: {str(error).splitlines()[0]}"]) from error
    if path.suffix.lower() == ".parquet":  # rows carry their file row number: order is not needed
        connection.execute("SET preserve_insertion_order = false")
    metadata = _metadata(connection, path)
    problems = _validate(connection, path)
    if problems:
        connection.close()
        raise SourceDataError(path, problems)
    connection.execute("SET preserve_insertion_order = false")  # the computations need no row order
    first, last, rows = connection.execute(
        "SELECT min(start_date), greatest(max(start_date), max(end_date)), count(*) FROM records").fetchall()[0]
    extract_date = (dt.date.fromisoformat(metadata["ohti.extract_date"]) if "ohti.extract_date" in metadata
                    else last)
    synthetic = metadata.get("ohti.synthetic", "").lower() == "true" or "synthetic" in path.name.lower()
    return Extract(str(path), connection, extract_date, first, synthetic, file_digest(path), rows)


def describe_extract(path) -> dict:
    """Name, content hash and whether an extract is synthetic, read without loading it."""
    import pyarrow.parquet as pq

    path = Path(path)
    metadata = {}
    if path.suffix.lower() == ".parquet":
        raw = pq.read_schema(path).metadata or {}
        metadata = {k.decode(): v.decode() for k, v in raw.items()}
    synthetic = metadata.get("ohti.synthetic", "").lower() == "true" or "synthetic" in path.name.lower()
    return {"name": path.name, "sha256": file_digest(path), "synthetic": synthetic}


def validate_extract(spec) -> dict:
    """Load an extract to check it; return a summary of counts (no person-level data)."""
    extract = load_extract(spec)
    try:
        counts = dict(extract.connection.execute(
            "SELECT table_name, count(*) FROM records GROUP BY table_name").fetchall())
        persons = extract.connection.execute("SELECT count(DISTINCT person_id) FROM records").fetchall()[0][0]
        return {"path": extract.path, "rows": extract.rows, "spells": counts.get("spell", 0),
                "events": counts.get("event", 0), "services": counts.get("service", 0), "persons": persons,
                "first_date": str(extract.first_date), "extract_date": str(extract.extract_date),
                "synthetic": extract.synthetic, "sha256": extract.digest}
    finally:
        extract.close()


def _in_list(values) -> str:
    return ", ".join("'" + v + "'" for v in values)


def _text(column: str, kind: str, trimmed: bool = True) -> str:
    """SQL for a column as text (empty → NULL), trimmed of spaces for text files."""
    value = f'"{column}"' if kind == "VARCHAR" else f'CAST("{column}" AS VARCHAR)'
    return f"nullif(trim({value}), '')" if trimmed else f"nullif({value}, '')"


def _date(column: str, kind: str) -> tuple[str, str]:
    """SQL for a date column as DATE, and for its text as written (for messages)."""
    if kind == "DATE":
        return f'"{column}"', f'CAST("{column}" AS VARCHAR)'
    text = _text(column, kind)
    return f"TRY_CAST({text} AS DATE)", text


def _validate(connection, path: Path) -> list[str]:
    """Check every rule over the whole file; on success leave the tables spells, events and
    services (each row with its ``line`` in the file) in the connection."""
    kinds = {row[0]: row[1] for row in connection.execute("DESCRIBE source").fetchall()}
    missing = [c for c in COLUMNS if c not in kinds]
    if missing:
        return [f"column {c}: missing (required columns: {', '.join(COLUMNS)})" for c in missing]
    parquet = "file_row_number" in kinds
    # the row of the file (Parquet) or its line (CSV, after the header)
    line = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
    start, start_text = _date("start_date", kinds["start_date"])
    stop, end_text = _date("end_date", kinds["end_date"])
    typed_end = kinds["end_date"] == "DATE"
    trim = not parquet  # text files may pad cells with spaces; Parquet is typed
    # a Parquet file is read where it lies; a text file once, into memory (its line numbers
    # come from its order)
    connection.execute(f"""
        CREATE TEMP {"VIEW" if parquet else "TABLE"} checked AS SELECT
            {line} AS line,
            {_text("table", kinds["table"], trim)} AS table_name,
            {_text("person_id", kinds["person_id"], trim)} AS person_id,
            {_text("area_code", kinds["area_code"], trim)} AS area_code,
            {_text("type", kinds["type"], trim)} AS type,
            {start_text} AS start_text,
            {end_text} AS end_text,
            {start} AS start_date,
            {stop} AS end_date,
            {"false" if typed_end else f"({end_text} IS NOT NULL AND {stop} IS NULL)"} AS end_bad,
            {'"end_date" IS NOT NULL' if typed_end else f"{end_text} IS NOT NULL"} AS end_given,
            {_text("end_reason", kinds["end_reason"], trim)} AS end_reason
        FROM source""")
    _materialise(connection)
    # the rules over the rows of the three tables and the rows of no known table (from memory)
    rules = [
        ("person_id", "NULL", "person_id IS NULL", "is empty (every row needs a person id)"),
        ("area_code", "area_code", f"area_code IS NULL OR area_code NOT IN ({_in_list(AREA_CODES)})",
         "is not an employment-area code of the 2025 division (01–45)"),
        ("start_date", "start_text", "start_date IS NULL", "is not a date (YYYY-MM-DD)"),
        ("end_date", "end_text", "end_bad", "is not a date (YYYY-MM-DD)"),
        ("end_date", "end_text", "end_date < start_date", "is before start_date"),
        ("type", "type", f"table_name = 'event' AND (type IS NULL OR type NOT IN ({_in_list(EVENT_TYPES)}))",
         f"is not an event type ({', '.join(EVENT_TYPES)})"),
        ("type", "type", "table_name = 'service' AND type IS NULL", "is empty (a service needs its type)"),
        ("end_date", "end_text", "table_name = 'event' AND end_given", "is set on an event (events have one date)"),
        ("end_reason", "end_reason",
         f"table_name IN ('spell', 'service') AND end_reason IS NOT NULL AND end_reason NOT IN ({_in_list(END_REASONS)})",
         f"is not one of {', '.join(END_REASONS)}"),
        ("end_reason", "end_reason", "table_name IN ('spell', 'service') AND end_reason IS NULL AND end_date IS NOT NULL",
         "is empty although the spell or service ended"),
        ("end_reason", "end_reason", "table_name IN ('spell', 'service') AND end_reason IS NOT NULL AND end_given",
         "is set although the spell or service has not ended"),
    ]
    # (the last rule: end_given is false where end_date is missing, so it needs NOT end_given)
    rules[-1] = (*rules[-1][:2], "table_name IN ('spell', 'service') AND end_reason IS NOT NULL AND NOT end_given",
                 rules[-1][3])
    table_rule = ("table", "table_name", f"table_name IS NULL OR table_name NOT IN ({_in_list(TABLES)})",
                  f"is not one of {', '.join(TABLES)}")
    rules = [table_rule, *rules]
    counts = connection.execute("SELECT " + ", ".join(
        f"count(*) FILTER (WHERE {condition})" for _, _, condition, _ in rules) + " FROM loaded").fetchall()[0]
    problems = []
    for (column, value, condition, text), n in zip(rules, counts):
        if not n:
            continue
        lines = connection.execute(f"SELECT line FROM loaded WHERE {condition} ORDER BY line LIMIT {_SHOWN}").fetchall()
        lines = [row[0] for row in lines]
        shown = connection.execute(f"""
            SELECT list(DISTINCT CAST({value} AS VARCHAR)) FROM checked
            WHERE line IN ({', '.join(map(str, lines))})""").fetchall()[0][0] or []
        values = ", ".join(repr(v) for v in shown[:_SHOWN]) if column != "person_id" else "(ids not shown)"
        problems.append(f"column {column}: {n} row(s) {text} (rows {', '.join(map(str, lines))}"
                        f"{'…' if n > len(lines) else ''}; values {values})")
    overlap = connection.execute("""
        WITH s AS (SELECT line, person_id, start_date, coalesce(end_date, DATE '9999-12-31') AS stop FROM spells
                   WHERE start_date IS NOT NULL AND person_id IS NOT NULL),
             o AS (SELECT line, start_date > lag(stop) OVER (PARTITION BY person_id ORDER BY start_date, line)
                          OR lag(stop) OVER (PARTITION BY person_id ORDER BY start_date, line) IS NULL AS ok FROM s)
        SELECT count(*), list(line ORDER BY line)[1:3] FROM o WHERE NOT ok""").fetchall()[0]
    if overlap[0]:
        problems.append(f"table spell: {overlap[0]} spell(s) overlap an earlier spell of the same person "
                        f"(rows {', '.join(map(str, overlap[1]))}); a person is unemployed once at a time")
    return problems


def _materialise(connection) -> None:
    connection.execute("""CREATE TABLE spells AS
        SELECT person_id, area_code, start_date, end_date, end_reason, line, type, end_bad, end_given
        FROM checked WHERE table_name = 'spell'""")
    connection.execute("""CREATE TABLE events AS
        SELECT person_id, area_code, type, start_date AS event_date, line, end_bad, end_given
        FROM checked WHERE table_name = 'event'""")
    connection.execute("""CREATE TABLE services AS
        SELECT person_id, area_code, type, start_date, end_date, end_reason, line, end_bad, end_given
        FROM checked WHERE table_name = 'service'""")
    connection.execute(f"""CREATE TEMP TABLE unknown_rows AS
        SELECT table_name, line, person_id, area_code, type, start_date, end_date, end_reason, end_bad, end_given
        FROM checked WHERE table_name IS NULL OR table_name NOT IN ({_in_list(TABLES)})""")
    connection.execute("""CREATE TEMP VIEW loaded AS
        SELECT 'spell' AS table_name, line, person_id, area_code, type, start_date, end_date, end_reason,
               end_bad, end_given FROM spells
        UNION ALL SELECT 'event', line, person_id, area_code, type, event_date, NULL, NULL, end_bad, end_given
        FROM events
        UNION ALL SELECT 'service', line, person_id, area_code, type, start_date, end_date, end_reason,
               end_bad, end_given FROM services
        UNION ALL SELECT * FROM unknown_rows""")
    connection.execute("""CREATE VIEW records AS
        SELECT 'spell' AS table_name, person_id, area_code, NULL AS type, start_date, end_date FROM spells
        UNION ALL SELECT 'event', person_id, area_code, type, event_date, NULL FROM events
        UNION ALL SELECT 'service', person_id, area_code, type, start_date, end_date FROM services""")
