"""Statistics Finland's PxWeb responses as sources: one reader for every shape they come in.

A PxWeb table is a cube: a time variable, an area variable, a content variable (what is
counted) and possibly others (sex, age). The API answers a query as ``json`` (columns and
keyed rows), ``json-stat2`` (a flat array over the product of the dimensions) or ``csv``
(what the StatFin web page exports too). :func:`read_response` turns any of them into one
:class:`Response`: a frame of strings with one column per non-content variable (value codes)
and one per content code, plus what the response says of itself (label, publisher, the time
it was updated, each content's text and comment). Nothing here knows indicators or loaders;
:mod:`ohti.sources` maps contents to variables with the table declarations of
``ohti/pxweb_tables.yaml``.

Variables are found by role, never by name: the time variable by its flag (``type: "t"`` in
``json``, ``role.time`` in ``json-stat2``), the content variable by ``type: "c"`` or
``role.metric``, and the area variable by its values (``SSS`` or ``KU091``), since its code
carries a date that Statistics Finland changes (``alue_23_20260101``).

References
----------
Statistics Finland, "PxWeb API" (api1.html); "Changes to interface use of PxWeb databases
on 8 June" (2026). JSON-stat 2.0 format, https://json-stat.org/format/.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ohti.errors import SourceDataError
from ohti.paths import PACKAGE_DIR
from ohti.sources.files import MAX_INPUT_BYTES, read_bytes
from ohti.yamlsafe import load_yaml

#: The tables ohti reads from StatFin, declared as data.
TABLES_PATH = PACKAGE_DIR / "pxweb_tables.yaml"
FORMATS = ("json", "json-stat2", "csv")
#: An area value: the whole country, or a unit code with its type's prefix.
AREA_VALUE = re.compile(r"^(SSS|KU\d{3}|SK\d{3}|MK\d{2}|ELY\d{2})$")
TIME_MONTH = re.compile(r"^\d{4}M(0[1-9]|1[0-2])$")
TIME_YEAR = re.compile(r"^\d{4}$")


@dataclasses.dataclass(frozen=True)
class Variable:
    """One variable of a PxWeb table: its code, text, role and value codes.

    ``role`` is 'time', 'area', 'content' or 'other'.
    """

    code: str
    text: str
    role: str
    values: tuple = ()
    value_texts: tuple = ()
    elimination: bool = False


@dataclasses.dataclass(frozen=True)
class Response:
    """A PxWeb data response, read into one shape whatever its format.

    Attributes
    ----------
    path : str
        The file (for messages).
    format : str
        'json', 'json-stat2' or 'csv'.
    rows : DataFrame of str
        One row per cell of the non-content variables; a column per non-content variable
        (value codes) and a column per content code (values as published: '...' is a
        suppressed cell).
    dimensions : dict
        Role → variable code for the non-content variables ('time', 'area', and any others
        under their own codes).
    contents : dict
        Content code → its text.
    comments : dict
        Content (or variable) code → its comment.
    label, source, updated : str
        The response's title, its publisher and when the table was last updated (ISO 8601,
        '2026-07-21T05:00:00Z').
    """

    path: str
    format: str
    rows: pd.DataFrame
    dimensions: dict
    contents: dict
    comments: dict
    label: str = ""
    source: str = ""
    updated: str = ""
    table: str = ""

    @property
    def time_code(self) -> str:
        return self.dimensions["time"]

    @property
    def area_code(self) -> str:
        return self.dimensions["area"]

    def periods(self) -> list[str]:
        """The periods of the response in order, as ohti writes them ('2026-06', '2025')."""
        return sorted(set(period_from_time(self.rows[self.time_code]).tolist()))


def normalise_updated(text: str) -> str:
    """'2026-07-21T05.00.00Z' (the ``json`` format's dots) → '2026-07-21T05:00:00Z'."""
    text = str(text or "").strip()
    return re.sub(r"T(\d{2})\.(\d{2})\.(\d{2})", r"T\1:\2:\3", text)


def period_from_time(values: pd.Series) -> pd.Series:
    """PxWeb time codes ('2026M06', '2025') as ohti's periods ('2026-06', '2025')."""
    return values.astype(str).str.strip().str.replace(r"^(\d{4})M(\d{2})$", r"\1-\2", regex=True)


def is_area(values) -> bool:
    """True if a variable's values look like areas (SSS or KU091 among mostly area codes)."""
    values = [str(v) for v in values]
    return bool(values) and any(v == "SSS" or v.startswith("KU") for v in values) and \
        sum(bool(AREA_VALUE.match(v)) for v in values) >= len(values) / 2


def is_time(values) -> bool:
    """True if every value is a PxWeb period ('2026M06' or '2025')."""
    values = [str(v) for v in values]
    return bool(values) and all(TIME_MONTH.match(v) or TIME_YEAR.match(v) for v in values)


def _load_json(path: Path, raw: bytes):
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise SourceDataError(path, [f"byte {error.start}: the response is not UTF-8 text"]) from error
    except json.JSONDecodeError as error:
        raise SourceDataError(path, [f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg}); "
                                     "the response may be truncated: download it again"]) from error


def read_response(path, raw: bytes | None = None) -> Response:
    """Read a PxWeb response file (``json``, ``json-stat2`` or a CSV export).

    Parameters
    ----------
    path : path-like
        The file; its contents are read unless ``raw`` is given.
    raw : bytes, optional
        The response body (for a refresh that validates before it writes).

    Raises
    ------
    SourceDataError
        If the file is none of the three shapes, or its shape is broken (every problem at once).
    """
    path = Path(path)
    if raw is None:
        raw = read_bytes(path)  # a regular file within the size limits, gunzipped
    elif len(raw) > MAX_INPUT_BYTES:
        raise SourceDataError(path, [f"the response is {len(raw):,} bytes; at most {MAX_INPUT_BYTES:,} are read"])
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        document = _load_json(path, raw)
        if isinstance(document, dict) and document.get("class") == "dataset":
            return _read_jsonstat2(path, document)
        if isinstance(document, dict) and "columns" in document and "data" in document:
            return _read_json(path, document)
        raise SourceDataError(path, ["neither a PxWeb 'json' response (columns, data) nor a "
                                     "'json-stat2' dataset (class: dataset)"])
    return _read_csv(path, raw)


def _read_json(path: Path, document: dict) -> Response:
    problems = []
    columns = document.get("columns")
    data = document.get("data")
    if not isinstance(columns, list) or not all(isinstance(c, dict) and "code" in c for c in columns):
        raise SourceDataError(path, ["'columns' is not a list of {code, text, type}"])
    if not isinstance(data, list):
        raise SourceDataError(path, ["'data' is not a list of {key, values}"])
    keys = [c for c in columns if c.get("type") in ("d", "t")]
    contents = [c for c in columns if c.get("type") == "c"]
    if not contents:
        problems.append("no content column (type 'c'): the response carries no values")
    if not any(c.get("type") == "t" for c in keys):
        problems.append("no time column (type 't')")
    key_values: list[list[str]] = [[] for _ in keys]
    value_rows: list[list[str]] = []
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            problems.append(f"data record {number}: not an object with key and values")
            continue
        key, values = record.get("key", []), record.get("values", [])
        if len(key) != len(keys) or len(values) != len(contents):
            problems.append(f"data record {number}: {len(key)} key(s) and {len(values)} value(s) where the "
                            f"columns declare {len(keys)} and {len(contents)}")
            key, values = (list(key) + [""] * len(keys))[:len(keys)], (list(values) + [""] * len(contents))[:len(contents)]
        for position, part in enumerate(key):
            key_values[position].append(str(part))
        value_rows.append([str(v) if v is not None else "" for v in values])
    if problems:
        raise SourceDataError(path, problems)
    frame = pd.DataFrame({c["code"]: pd.Series(v, dtype=str) for c, v in zip(keys, key_values)})
    cells = pd.DataFrame(value_rows, columns=[c["code"] for c in contents], dtype=str) if value_rows else \
        pd.DataFrame(columns=[c["code"] for c in contents], dtype=str)
    frame = pd.concat([frame, cells], axis=1)
    dimensions = _roles(path, [(c["code"], c.get("type") == "t", frame[c["code"]].unique()) for c in keys])
    meta = (document.get("metadata") or [{}])[0] if isinstance(document.get("metadata"), list) else {}
    meta = meta if isinstance(meta, dict) else {}
    return Response(
        str(path), "json", _numbered(frame), dimensions,
        {c["code"]: str(c.get("text", c["code"])) for c in contents},
        {c["code"]: str(c["comment"]).strip() for c in columns if c.get("comment")},
        str(meta.get("label", "")), str(meta.get("source", "")), normalise_updated(meta.get("updated", "")),
    )


def _roles(path, variables, geo=None) -> dict:
    """Role → code for the non-content variables: (code, has the time flag, values); ``geo``
    is the area variable where the response names it (json-stat2's ``role.geo``)."""
    dimensions, problems = {}, []
    times = [code for code, flag, _ in variables if flag]
    if len(times) == 1:
        dimensions["time"] = times[0]
    areas = [geo] if geo in {code for code, _, _ in variables} else \
        [code for code, flag, values in variables if not flag and is_area(values)]
    if len(areas) == 1:
        dimensions["area"] = areas[0]
    elif len(areas) > 1:
        problems.append(f"more than one variable looks like the area ({', '.join(areas)})")
    else:
        problems.append("no area variable: none has values such as SSS or KU091")
    for code, flag, _ in variables:
        if code not in dimensions.values():
            dimensions[code] = code
    if "time" not in dimensions:
        problems.append("no time variable")
    if problems:
        raise SourceDataError(path, problems)
    return dimensions


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """Index the rows so that :class:`ohti.sources.files.Problems` names record N as N."""
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(-1, len(frame) - 1)
    frame.attrs["noun"] = "record"
    return frame


def _read_jsonstat2(path: Path, document: dict) -> Response:
    ids, sizes = document.get("id"), document.get("size")
    dims = document.get("dimension")
    values = document.get("value")
    problems = []
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise SourceDataError(path, ["'id' and 'size' are not lists of the same length"])
    if not isinstance(dims, dict) or any(i not in dims for i in ids):
        raise SourceDataError(path, ["'dimension' does not describe every id"])
    role = document.get("role") or {}
    metric = (role.get("metric") or [None])[0]
    time = (role.get("time") or [None])[0]
    categories = []
    for code, size in zip(ids, sizes):
        index = dims[code].get("category", {}).get("index", {})
        if isinstance(index, list):
            order = list(index)
        else:
            order = sorted(index, key=index.get)
        if len(order) != size:
            problems.append(f"dimension {code}: {len(order)} categories where 'size' says {size}")
        categories.append(order)
    total = int(np.prod(sizes)) if sizes else 0
    if isinstance(values, dict):  # the sparse form: {"position": value}
        dense = [None] * total
        for position, value in values.items():
            if not str(position).isdigit() or int(position) >= total:
                raise SourceDataError(path, [f"'value' has a cell at position {str(position)[:20]!r}, outside the "
                                             f"{total} cells of the dimensions"])
            dense[int(position)] = value
        values = dense
    if not isinstance(values, list) or len(values) != total:
        problems.append(f"'value' has {len(values) if isinstance(values, list) else 'no'} cells where the "
                        f"dimensions' product is {total}")
    if problems:
        raise SourceDataError(path, problems)
    status = document.get("status") or {}
    if isinstance(status, str):  # one status for every cell
        status = {str(i): status for i in range(total)}
    elif isinstance(status, list):
        status = {str(i): s for i, s in enumerate(status) if s}
    elif not isinstance(status, dict):
        status = {}

    def cell(position, value):
        if value is None:
            return str(status.get(str(position), "...")) or "..."
        return repr(value) if isinstance(value, float) and value % 1 else (str(int(value)) if isinstance(value, float) else str(value))

    if metric is None:  # no content role: a single content, named by the dataset
        metric = next((c for c in ids if c.lower().startswith("contents") or c == "Tiedot"), ids[-1])
    grid = pd.MultiIndex.from_product(categories, names=ids).to_frame(index=False).astype(str)
    grid["__value"] = [cell(i, v) for i, v in enumerate(values)]
    others = [c for c in ids if c != metric]
    wide = grid.pivot(index=others, columns=metric, values="__value") if others else grid.set_index(metric).T
    order = [c for c in categories[ids.index(metric)] if c in wide.columns]
    wide = wide[order].reset_index()
    wide.columns.name = None
    variables = [(code, code == time, categories[ids.index(code)]) for code in others]
    dimensions = _roles(path, variables, geo=(role.get("geo") or [None])[0])
    labels = dims[metric].get("category", {}).get("label", {})
    notes = dims[metric].get("category", {}).get("note", {})
    return Response(
        str(path), "json-stat2", _numbered(wide.astype(str)), dimensions,
        {c: str(labels.get(c, c)) for c in order},
        {c: " ".join(n) if isinstance(n, list) else str(n) for c, n in notes.items()},
        str(document.get("label", "")), str(document.get("source", "")), normalise_updated(document.get("updated", "")),
        str(((document.get("extension") or {}).get("px") or {}).get("tableid", "")),
    )


def _read_csv(path: Path, raw: bytes) -> Response:
    """A CSV export: a header of variable texts (or codes) and content columns.

    StatFin's web page writes the area and time as texts or codes and each content as a
    column headed by its text; the table's declaration gives the content texts, so the
    caller maps them. Here a column is a dimension if its values look like periods or area
    codes, and a content otherwise.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SourceDataError(path, ["the file is empty"])
    # a title line above the header ("Työttömät ... muuttujina ...") has a single field
    delimiter = max((",", ";", "\t"), key=lambda d: lines[min(1, len(lines) - 1)].count(d))
    records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    label = ""
    if len(records) > 1 and len(records[0]) == 1 and len(records[1]) > 1:
        label, records = records[0][0], records[1:]
    header, body = records[0], records[1:]
    if len(header) < 2 or not body:
        raise SourceDataError(path, ["not a PxWeb CSV export: a header of at least two columns and data rows are needed"])
    problems = [f"row {n}: {len(r)} fields where the header has {len(header)}"
                for n, r in enumerate(body, start=2) if len(r) != len(header)]
    if problems:
        raise SourceDataError(path, problems)
    frame = pd.DataFrame(body, columns=header, dtype=str)
    frame = frame.apply(lambda column: column.str.strip())
    keys, contents = [], []
    for column in header:
        values = frame[column].unique()
        if is_time(values):
            keys.append((column, True, values))
        elif is_area(values) or (not keys and not frame[column].str.match(r"^[\d.,\s-]*$|^\.{1,3}$").all()):
            keys.append((column, False, values))
        else:
            contents.append(column)
    dimensions = _roles(path, keys)
    frame.index = pd.RangeIndex(0, len(frame))  # row 2 is the first data row, as in any CSV
    return Response(str(path), "csv", frame, dimensions, {c: c for c in contents}, {}, label, "", "")


# --- the declarations -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TableSpec:
    """A StatFin table ohti reads: where it is, which contents it takes and as what.

    Attributes
    ----------
    id : str
        The table's id ('12r5').
    folder : str
        Its database folder ('tyonv').
    source : str
        The ohti source it feeds (:data:`ohti.sources.variables.SOURCES`).
    contents : dict
        Content code → ohti variable (or null for a content read but not used).
    texts : dict
        Content code → its Finnish text, for CSV exports that head columns by text.
    derived : dict
        Variable → (content, base variable, scale): a count made from a published share or
        mean (share × base / scale).
    split : dict
        For a variable other than time, area and content (sex): value code → suffix of the
        variable's name ('' for the total).
    areas : tuple
        Area value prefixes the table is queried for ('SSS', 'KU', 'ELY', 'MK').
    unassigned : tuple
        Area codes that are no unit of ohti (job seekers with no known municipality): read
        and left out.
    first_period : str
        The first period to ask for.
    frequency : str
        'month' or 'year'.
    publisher : str
        The publisher to attribute.
    """

    id: str
    folder: str
    source: str
    contents: dict
    texts: dict
    derived: dict
    split: dict
    areas: tuple
    unassigned: tuple
    first_period: str
    frequency: str
    publisher: str
    title: str

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.id}.px"


def load_table_specs(path=None) -> dict[str, TableSpec]:
    """The table declarations of ``ohti/pxweb_tables.yaml``, by table id."""
    document = load_yaml(Path(path or TABLES_PATH))
    specs = {}
    for entry in document.get("tables", []):
        specs[str(entry["id"])] = TableSpec(
            id=str(entry["id"]), folder=entry["folder"], source=entry["source"],
            contents={str(k): v for k, v in (entry.get("contents") or {}).items()},
            texts={str(k): str(v) for k, v in (entry.get("texts") or {}).items()},
            derived={k: tuple(v) for k, v in (entry.get("derived") or {}).items()},
            split={str(k): {str(a): str(b or "") for a, b in v.items()} for k, v in (entry.get("split") or {}).items()},
            areas=tuple(entry.get("areas", ("SSS", "KU"))), unassigned=tuple(entry.get("unassigned", ())),
            first_period=str(entry.get("first_period", "")), frequency=entry.get("frequency", "month"),
            publisher=entry.get("publisher", ""), title=entry.get("title", ""),
        )
    return specs


def api_root() -> str:
    """The default API root from the declarations ('https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin')."""
    return str(load_yaml(TABLES_PATH)["api"]).rstrip("/")


def spec_for_response(response: Response, specs: dict | None = None) -> TableSpec:
    """The declared table a response belongs to, by its content codes (or texts)."""
    specs = specs if specs is not None else load_table_specs()
    if response.table in specs:
        return specs[response.table]
    best, overlap = None, 0
    for spec in specs.values():
        known = set(spec.contents) | set(spec.texts.values())
        shared = len(known & set(response.contents))
        if shared > overlap:
            best, overlap = spec, shared
    if best is None:
        raise SourceDataError(response.path, [f"contents {', '.join(list(response.contents)[:5])} belong to no table "
                                              f"ohti reads ({', '.join(sorted(specs))}; see {TABLES_PATH.name})"])
    return best


def dumps(document) -> bytes:
    """A JSON document as the bytes ohti writes (UTF-8, sorted keys are not imposed)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
