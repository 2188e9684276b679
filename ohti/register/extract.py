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
one long table; the column ``table`` says which table a row belongs to. A large extract may
also be a folder of Parquet files (e.g. one per year or month), read as one table: its files
in name order, every file with the same columns and the same metadata.

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
(in a folder: the file and its row) and values — never person ids.

Memory
------
The extract is read where it lies and its tables stay in DuckDB, never in Python: a Parquet
extract is not copied (the tables ``spells``, ``events`` and ``services`` are views over its
files, read again by each computation that needs them), a text file is copied once into
DuckDB. DuckDB works in a private temporary folder (made under ``temp_directory``, env
``OHTI_DUCKDB_TEMP``, the system's temporary folder by default; removed when the extract is
closed), with a memory limit (``memory_limit``, env ``OHTI_DUCKDB_MEMORY``,
:data:`DEFAULT_MEMORY_LIMIT` by default) beyond which it spills to the same folder. The
folder holds person-level data: it is never under the outputs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from ohti._files import path_digest
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
#: DuckDB's memory limit while an extract is loaded and measured (env OHTI_DUCKDB_MEMORY).
DEFAULT_MEMORY_LIMIT = "4GB"
MEMORY_VARIABLE = "OHTI_DUCKDB_MEMORY"
#: The folder under which DuckDB spills (env OHTI_DUCKDB_TEMP; the system's temporary folder).
TEMP_VARIABLE = "OHTI_DUCKDB_TEMP"
#: Metadata keys of Parquet files that may differ between the files of a folder (Arrow's own).
_FILE_KEYS = ("ARROW:schema",)
_SHOWN = 3  # row numbers and values shown per failed rule


@dataclasses.dataclass
class Extract:
    """An extract loaded into a private DuckDB database (see the module's Memory section).

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
    #: The private folder DuckDB spills to (removed by :meth:`close`).
    spill: str | None = None
    #: The latest date in the extract (of any start, end or event).
    last_date: dt.date | None = None

    @property
    def label(self) -> str:
        return Path(self.path).name

    def close(self) -> None:
        self.connection.close()
        if self.spill:
            shutil.rmtree(self.spill, ignore_errors=True)


def resolve(spec: str | None = None) -> Path | None:
    """The extract a setting names: a file or a folder of Parquet files, ``demo`` (the synthetic
    demonstration extract, generated on first use) or None/"" (none configured; `OHTI_EXTRACT`
    is read then)."""
    if spec is None:
        spec = os.environ.get(ENV_VARIABLE, "")
    spec = str(spec).strip()
    if not spec:
        return None
    if spec == "demo":
        return demo_extract_path()
    path = Path(spec).expanduser()
    if not path.exists():
        raise ParameterError(f"extract {spec!r} does not exist (give a Parquet or CSV file, a folder of Parquet "
                             "files, or 'demo')")
    return path.resolve()


def extract_files(path) -> list[Path]:
    """The files of an extract: the file itself, or a folder's Parquet files in name order.

    Raises
    ------
    ParameterError
        The folder holds no files.
    SourceDataError
        The folder holds anything but Parquet files (another format, a subfolder).
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    entries = sorted(p for p in path.iterdir() if not p.name.startswith("."))
    if not entries:
        raise ParameterError(f"extract folder {path} is empty (it needs the extract's Parquet files, e.g. one per "
                             "year or month)")
    others = [p for p in entries if not p.is_file() or p.suffix.lower() != ".parquet"]
    if others:
        shown = ", ".join(p.name + ("/" if p.is_dir() else "") for p in others[:_SHOWN])
        more = "…" if len(others) > _SHOWN else ""
        raise SourceDataError(path, [f"{len(others)} entr(y/ies) of the folder are not Parquet files ({shown}{more}); "
                                     "an extract folder holds Parquet files only (one format, no subfolders)"])
    return entries


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _reader(path: Path, files: list[Path], offsets: list[int]) -> str:
    """SQL reading the extract: one file, or a folder's files one after another, each row with
    its row number in the whole extract (files in name order)."""
    suffix = files[0].suffix.lower()
    if suffix == ".parquet":
        if len(files) == 1:
            return f"SELECT * FROM read_parquet({_quoted(files[0])}, file_row_number = true)"
        return " UNION ALL ".join(
            f"SELECT * REPLACE (file_row_number + {offset} AS file_row_number) "
            f"FROM read_parquet({_quoted(file)}, file_row_number = true)" for file, offset in zip(files, offsets))
    if suffix in (".csv", ".gz"):
        return f"SELECT * FROM read_csv({_quoted(files[0])}, header=true, all_varchar=true)"
    raise ParameterError(f"extract {path}: unknown format {suffix!r} (use .parquet or .csv)")


def _file_metadata(file: Path) -> dict:
    import pyarrow.parquet as pq

    raw = pq.read_schema(file).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.decode() not in _FILE_KEYS}


def extract_metadata(path) -> dict:
    """The key-value metadata of an extract's Parquet files (none for CSV); the files of a
    folder must agree (:class:`SourceDataError` naming the keys and files that differ)."""
    path = Path(path)
    files = extract_files(path)
    if files[0].suffix.lower() != ".parquet":
        return {}
    try:
        found = [(file, _file_metadata(file)) for file in files]
    except (OSError, ValueError) as error:  # pyarrow's errors of a file that is not Parquet
        raise SourceDataError(path, [f"cannot be read: {str(error).splitlines()[0]}"]) from error
    first_file, first = found[0]
    problems = []
    for key in sorted(set().union(*(m for _, m in found))):
        values = {}
        for file, metadata in found:
            values.setdefault(metadata.get(key), []).append(file.name)
        if len(values) > 1:
            shown = "; ".join(f"{value!r} in {', '.join(names[:_SHOWN])}{'…' if len(names) > _SHOWN else ''}"
                              for value, names in values.items())
            problems.append(f"metadata {key}: the files disagree ({shown}); every file of an extract folder "
                            "carries the same metadata")
    if problems:
        raise SourceDataError(path, problems)
    return first


def _row_counts(files: list[Path]) -> list[int]:
    import pyarrow.parquet as pq

    return [pq.read_metadata(file).num_rows for file in files]


def duckdb_settings(memory_limit: str | None = None, temp_directory=None) -> tuple[str, Path]:
    """The memory limit and the spill root a connection gets: the arguments, else the
    environment (OHTI_DUCKDB_MEMORY, OHTI_DUCKDB_TEMP), else the defaults."""
    memory = str(memory_limit or os.environ.get(MEMORY_VARIABLE) or DEFAULT_MEMORY_LIMIT).strip()
    root = Path(temp_directory or os.environ.get(TEMP_VARIABLE) or tempfile.gettempdir()).expanduser()
    return memory, root


def connect(memory_limit: str | None = None, temp_directory=None, threads: int | None = None):
    """A DuckDB connection with a memory limit and a private spill folder (see the module's
    Memory section); returns the connection and the folder (the caller removes it)."""
    import duckdb

    memory, root = duckdb_settings(memory_limit, temp_directory)
    root.mkdir(parents=True, exist_ok=True)
    spill = Path(tempfile.mkdtemp(prefix="ohti-duckdb-", dir=root))
    # a database file in the spill folder: whatever DuckDB keeps beyond the memory limit stays
    # in that folder
    connection = duckdb.connect(str(spill / "extract.duckdb"))
    try:
        try:  # no progress bar on the terminal (in a Jupyter kernel DuckDB refuses the setting)
            connection.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass
        try:
            connection.execute(f"SET memory_limit = '{memory}'")
        except duckdb.Error as error:
            raise ParameterError(f"DuckDB memory limit {memory!r} ({MEMORY_VARIABLE}): {str(error).splitlines()[0]} "
                                 "(give e.g. 4GB or 800MB)") from error
        connection.execute(f"SET temp_directory = {_quoted(spill)}")
        if threads:
            connection.execute(f"SET threads TO {int(threads)}")
    except BaseException:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise
    return connection, spill


def load_extract(spec, *, threads: int | None = None, memory_limit: str | None = None,
                 temp_directory=None) -> Extract:
    """Load and validate an extract; raise :class:`SourceDataError` listing every problem.

    Parameters
    ----------
    spec : str or Path
        The file, a folder of Parquet files, or ``demo``.
    threads : int, optional
        DuckDB threads (all cores by default).
    memory_limit : str, optional
        DuckDB's memory limit (e.g. ``"4GB"``); env OHTI_DUCKDB_MEMORY, else
        :data:`DEFAULT_MEMORY_LIMIT`. Beyond it DuckDB spills to disk.
    temp_directory : str or Path, optional
        Where the private spill folder is made; env OHTI_DUCKDB_TEMP, else the system's
        temporary folder.

    Raises
    ------
    ParameterError
        No extract, a missing one, an unknown format, an empty folder, a bad memory limit.
    SourceDataError
        A rule broken (every one found is listed), a folder mixing formats, files of a
        folder whose metadata disagree.
    """
    import duckdb

    path = resolve(spec) if not isinstance(spec, Path) else spec
    if path is None:
        raise ParameterError("no extract configured (give --extract PATH or demo, or set OHTI_EXTRACT)")
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"extract {path} does not exist")
    files = extract_files(path)
    parquet = files[0].suffix.lower() == ".parquet"
    metadata = extract_metadata(path) if parquet else {}
    offsets = [0]
    if parquet and len(files) > 1:
        for count in _row_counts(files)[:-1]:
            offsets.append(offsets[-1] + count)
    reader = _reader(path, files, offsets)
    connection, spill = connect(memory_limit, temp_directory, threads)
    try:
        try:
            connection.execute(f"CREATE TEMP VIEW source AS {reader}")
        except duckdb.Error as error:
            raise SourceDataError(path, [f"cannot be read: {str(error).splitlines()[0]}"]) from error
        if parquet:  # rows carry their file row number: order is not needed
            connection.execute("SET preserve_insertion_order = false")
        parts = list(zip([f.name for f in files], offsets)) if len(files) > 1 else None
        problems, (first, last, rows) = _validate(connection, path, parts, files if parquet else None)
        if problems:
            raise SourceDataError(path, problems)
        connection.execute("SET preserve_insertion_order = false")  # the computations need no row order
    except BaseException:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise
    extract_date = (dt.date.fromisoformat(metadata["ohti.extract_date"]) if "ohti.extract_date" in metadata
                    else last)
    synthetic = metadata.get("ohti.synthetic", "").lower() == "true" or "synthetic" in path.name.lower()
    return Extract(str(path), connection, extract_date, first, synthetic, path_digest(path), rows, str(spill), last)


def describe_extract(path) -> dict:
    """Name, content hash and whether an extract is synthetic, read without loading it (a
    folder: its name, the digest of its files in name order, the metadata they agree on)."""
    path = Path(path)
    metadata = extract_metadata(path)
    synthetic = metadata.get("ohti.synthetic", "").lower() == "true" or "synthetic" in path.name.lower()
    return {"name": path.name, "sha256": path_digest(path), "synthetic": synthetic}


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


def _rows_text(lines, parts) -> str:
    """Row numbers as shown in messages: of the file, or of a folder's file (``name:row``)."""
    if not parts:
        return ", ".join(map(str, lines))
    shown = []
    for line in lines:
        name, offset = next((n, o) for n, o in reversed(parts) if o < line)
        shown.append(f"{name}:{line - offset}")
    return ", ".join(shown)


def _ids_all_given(connection, files: list[Path]) -> bool:
    """Whether the Parquet statistics of every row group show person ids without a missing or
    empty one (then the pass over the rules need not read the ids at all)."""
    listed = "[" + ", ".join(_quoted(f) for f in files) + "]"
    groups, with_stats, nulls, least = connection.execute(f"""
        SELECT count(*), count(stats_min_value) FILTER (WHERE stats_null_count IS NOT NULL),
               sum(stats_null_count), min(stats_min_value)
        FROM parquet_metadata({listed}) WHERE path_in_schema = 'person_id'""").fetchall()[0]
    return bool(groups) and with_stats == groups and nulls == 0 and least not in (None, "")


def _validate(connection, path: Path, parts=None, files=None) -> tuple[list[str], tuple]:
    """Check every rule over the whole extract; on success leave the tables spells, events and
    services in the connection. `parts`: a folder's (file name, rows before it) in order, for
    the messages; `files`: the Parquet files. Returns the problems and (first start date, last
    date, rows).

    The rules are counted in one pass over the file, grouped by the few values they look at
    (so no table of the whole file is held); only a rule that fails is looked up row by row,
    for the rows and values its message shows.
    """
    kinds = {row[0]: row[1] for row in connection.execute("DESCRIBE source").fetchall()}
    missing = [c for c in COLUMNS if c not in kinds]
    if missing:
        return [f"column {c}: missing (required columns: {', '.join(COLUMNS)})" for c in missing], (None, None, 0)
    parquet = "file_row_number" in kinds
    # the row of the file (Parquet) or its line (CSV, after the header)
    line = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
    start, start_text = _date("start_date", kinds["start_date"])
    stop, end_text = _date("end_date", kinds["end_date"])
    typed_end = kinds["end_date"] == "DATE"
    trim = not parquet  # text files may pad cells with spaces; Parquet is typed
    # a Parquet file is read where it lies; a text file once, into DuckDB (its line numbers
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
    # (column, value shown, condition on a row of `checked`, condition on a group, text)
    kept = "table_name IN ('spell', 'service')"
    rules = [
        ("table", "table_name", f"table_name IS NULL OR table_name NOT IN ({_in_list(TABLES)})", None,
         f"is not one of {', '.join(TABLES)}"),
        ("person_id", "NULL", "person_id IS NULL", "no_person", "is empty (every row needs a person id)"),
        ("area_code", "area_code", f"area_code IS NULL OR area_code NOT IN ({_in_list(AREA_CODES)})", None,
         "is not an employment-area code of the 2025 division (01–45)"),
        ("start_date", "start_text", "start_date IS NULL", "no_start", "is not a date (YYYY-MM-DD)"),
        ("end_date", "end_text", "end_bad", None, "is not a date (YYYY-MM-DD)"),
        ("end_date", "end_text", "end_date < start_date", "end_early", "is before start_date"),
        ("type", "type", f"table_name = 'event' AND (type IS NULL OR type NOT IN ({_in_list(EVENT_TYPES)}))", None,
         f"is not an event type ({', '.join(EVENT_TYPES)})"),
        ("type", "type", "table_name = 'service' AND type IS NULL", None, "is empty (a service needs its type)"),
        ("end_date", "end_text", "table_name = 'event' AND end_given", None, "is set on an event (events have one date)"),
        ("end_reason", "end_reason",
         f"{kept} AND end_reason IS NOT NULL AND end_reason NOT IN ({_in_list(END_REASONS)})", None,
         f"is not one of {', '.join(END_REASONS)}"),
        ("end_reason", "end_reason", f"{kept} AND end_reason IS NULL AND end_date IS NOT NULL",
         f"{kept} AND end_reason IS NULL AND ended", "is empty although the spell or service ended"),
        ("end_reason", "end_reason", f"{kept} AND end_reason IS NOT NULL AND NOT end_given", None,
         "is set although the spell or service has not ended"),
    ]
    # one pass: the rows counted by the values the rules look at (a service's type only as
    # given or not: it is free text)
    no_person = "false" if parquet and files and _ids_all_given(connection, files) else "person_id IS NULL"
    connection.execute(f"""
        CREATE TEMP TABLE rule_groups AS
        SELECT table_name, area_code,
               CASE WHEN table_name = 'service' THEN CASE WHEN type IS NULL THEN NULL ELSE '' END
                    WHEN table_name = 'event' THEN type END AS type,
               end_reason, end_bad, end_given,
               {no_person} AS no_person, start_date IS NULL AS no_start,
               coalesce(end_date < start_date, false) AS end_early, end_date IS NOT NULL AS ended,
               count(*) AS n, min(start_date) AS first_start, max(start_date) AS last_start,
               max(end_date) AS last_end
        FROM checked GROUP BY ALL""")
    counts = connection.execute("SELECT " + ", ".join(
        f"coalesce(sum(n) FILTER (WHERE {group or condition}), 0)" for _, _, condition, group, _ in rules)
        + ", min(first_start), greatest(max(last_start), max(last_end)), sum(n) FROM rule_groups").fetchall()[0]
    summary = counts[len(rules):]
    connection.execute("DROP TABLE rule_groups")
    problems = []
    for (column, value, condition, _, text), n in zip(rules, counts):
        if not n:
            continue
        lines = connection.execute(f"SELECT line FROM checked WHERE {condition} ORDER BY line LIMIT {_SHOWN}").fetchall()
        lines = [row[0] for row in lines]
        shown = connection.execute(f"""
            SELECT list(DISTINCT CAST({value} AS VARCHAR)) FROM checked
            WHERE line IN ({', '.join(map(str, lines))})""").fetchall()[0][0] or []
        values = ", ".join(repr(v) for v in shown[:_SHOWN]) if column != "person_id" else "(ids not shown)"
        problems.append(f"column {column}: {n} row(s) {text} (rows {_rows_text(lines, parts)}"
                        f"{'…' if n > len(lines) else ''}; values {values})")
    if problems:
        return problems, summary
    _materialise(connection)
    # a person is unemployed once at a time: only persons with several spells can break it
    overlap = connection.execute("""
        WITH several AS (SELECT person_id FROM spells GROUP BY person_id HAVING count(*) > 1),
             s AS (SELECT line, person_id, start_date, coalesce(end_date, DATE '9999-12-31') AS stop FROM spells
                   SEMI JOIN several USING (person_id)),
             o AS (SELECT line, start_date > lag(stop) OVER (PARTITION BY person_id ORDER BY start_date, line)
                          OR lag(stop) OVER (PARTITION BY person_id ORDER BY start_date, line) IS NULL AS ok FROM s)
        SELECT count(*), list(line ORDER BY line)[1:3] FROM o WHERE NOT ok""").fetchall()[0]
    if overlap[0]:
        problems.append(f"table spell: {overlap[0]} spell(s) overlap an earlier spell of the same person "
                        f"(rows {_rows_text(overlap[1], parts)}); a person is unemployed once at a time")
    return problems, summary


def _materialise(connection) -> None:
    """The three tables of a valid extract as views over the file as it lies (a text file: over
    its one copy in DuckDB), each with only the columns measured and the closed lists (areas,
    end reasons) as enumerations of one byte. Nothing is copied: writing the 100 million rows
    of a national extract into DuckDB cost more than reading them again where a computation
    needs them, and a view's filters reach the Parquet reader."""
    for name, values in (("area_code_type", AREA_CODES), ("end_reason_type", END_REASONS)):
        connection.execute(f"CREATE TYPE {name} AS ENUM ({_in_list(values)})")
    area, reason = "CAST(area_code AS area_code_type) AS area_code", "CAST(end_reason AS end_reason_type) AS end_reason"
    connection.execute(f"""CREATE TEMP VIEW spells AS
        SELECT person_id, {area}, start_date, end_date, {reason}, line
        FROM checked WHERE table_name = 'spell'""")
    # an event's type stays text, so that a filter on it reaches the reader (its values are checked)
    connection.execute(f"""CREATE TEMP VIEW events AS
        SELECT person_id, {area}, type, start_date AS event_date
        FROM checked WHERE table_name = 'event'""")
    connection.execute(f"""CREATE TEMP VIEW services AS
        SELECT person_id, {area}, type, start_date, end_date, {reason}, line
        FROM checked WHERE table_name = 'service'""")
    connection.execute("""CREATE TEMP VIEW records AS
        SELECT 'spell' AS table_name, person_id, CAST(area_code AS VARCHAR) AS area_code, NULL AS type, start_date,
               end_date FROM spells
        UNION ALL SELECT 'event', person_id, CAST(area_code AS VARCHAR), type, event_date, NULL
        FROM events
        UNION ALL SELECT 'service', person_id, CAST(area_code AS VARCHAR), type, start_date, end_date FROM services""")
