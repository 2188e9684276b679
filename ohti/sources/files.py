"""Reading the shipped files: the manifest and its checksums, size limits, text decoding, rows
of CSV files, counts as statistics files write them, and :class:`Problems`, which collects
every problem of a file before one error reports them all.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ohti._files import file_digest
from ohti.errors import SourceDataError
from ohti.paths import DATA_DIR, MANIFEST_PATH
from ohti.sources.variables import Source

#: StatFin's markers for a value that is not published (confidential, not available, nil).
SUPPRESSION_MARKERS = frozenset({"", ".", "..", "...", "-", "NA", "N/A"})


NATIONAL_CODE = "SSS"


MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


YEAR_PATTERN = re.compile(r"^\d{4}$")


#: A number as statistics files write it, once spaces are removed and a decimal comma is a point.
NUMBER_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


#: Text that was UTF-8, read as Latin-1 and saved again ('ä' → 'Ã¤', 'ö' → 'Ã¶', 'Å' → 'Ã…').
MOJIBAKE_PATTERN = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")


MAX_REPORTED_PROBLEMS = 200


TIDY_COLUMNS = ["unit_level", "unit_code", "period", "variable", "value", "suppressed"]


def load_manifest() -> pd.DataFrame:
    """Return the manifest of shipped data files (file, sha256, publisher, licence, ...)."""
    return pd.read_csv(MANIFEST_PATH, dtype=str, keep_default_na=False)


def shipped_path(name: str, *, verify: bool = True) -> Path:
    """Path of a shipped data file, checked against its manifest checksum.

    Raises
    ------
    SourceDataError
        If the file is not in the manifest, is missing, or its sha256 differs.
    """
    manifest = load_manifest().set_index("file")
    path = DATA_DIR / name
    if name not in manifest.index:
        raise SourceDataError(path, [f"not listed in {MANIFEST_PATH.name}"])
    if not path.exists():
        raise SourceDataError(path, ["file is missing; reinstall ohti or restore it from git"])
    if verify:
        digest = file_digest(path)
        expected = manifest.loc[name, "sha256"]
        if digest != expected:
            raise SourceDataError(
                path,
                [f"sha256 {digest[:12]}… differs from the manifest's {expected[:12]}…; "
                 "the file was changed or damaged"],
            )
    return path


def extraction_date(path) -> tuple[str, str]:
    """The latest date a file's data can describe, and where that date comes from.

    A shipped file's is its extraction date in the manifest; any other file's is today.

    Returns
    -------
    date : str
        'YYYY-MM-DD'.
    reason : str
        For messages: "the file's extraction date 2023-12-05 (MANIFEST.csv)" or "today".
    """
    try:
        name = Path(path).resolve().relative_to(DATA_DIR.resolve()).as_posix()
    except ValueError:
        name = None
    if name is not None:
        manifest = load_manifest().set_index("file")
        if name in manifest.index and manifest.loc[name, "extracted"]:
            date = manifest.loc[name, "extracted"]
            return date, f"the file's extraction date {date} ({MANIFEST_PATH.name})"
    return datetime.date.today().isoformat(), "today"


#: Limits of an input file: no statistics table ohti reads comes near them (a full refresh of
#: 12r5 is about 13 MB); past them a file is refused before it is parsed.
MAX_INPUT_BYTES = 50_000_000


MAX_DECOMPRESSED_BYTES = 200_000_000


MAX_INPUT_ROWS = 3_000_000


#: No count in Finland's statistics is larger (the population is about 5.7 million).
MAX_COUNT = 10_000_000


def read_bytes(path) -> bytes:
    """A data file's bytes, gunzipped if it is a gzip archive, within the limits above.

    Raises
    ------
    SourceDataError
        If the path is not a regular file (a FIFO, a device, a folder, a symlink loop), the
        file or its decompressed content is too large, or the gzip archive is damaged.
    """
    path = Path(path)
    try:
        info = path.stat()
    except OSError as error:
        raise SourceDataError(path, [f"cannot be read ({error.strerror or error})"]) from error
    import stat

    if not stat.S_ISREG(info.st_mode):
        raise SourceDataError(path, ["is not a regular file (a folder, a FIFO or a device); give a data file"])
    if info.st_size > MAX_INPUT_BYTES:
        raise SourceDataError(path, [f"is {info.st_size:,} bytes; a data file may have at most {MAX_INPUT_BYTES:,}"])
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceDataError(path, [f"cannot be read ({error.strerror or error})"]) from error
    if raw[:2] != b"\x1f\x8b":
        return raw
    out, rest = b"", raw
    while rest:  # a gzip file may hold several members, one after another
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += decompressor.decompress(rest, MAX_DECOMPRESSED_BYTES + 1 - len(out))
        except zlib.error as error:
            raise SourceDataError(path, [f"the gzip archive is damaged ({error}); restore the file or extract it again"]) from error
        if len(out) > MAX_DECOMPRESSED_BYTES or decompressor.unconsumed_tail:
            raise SourceDataError(path, [f"decompresses to more than {MAX_DECOMPRESSED_BYTES:,} bytes; "
                                         "no statistics table ohti reads is that large"])
        if not decompressor.eof:
            break
        rest = decompressor.unused_data
        if rest and rest[:2] != b"\x1f\x8b":
            raise SourceDataError(path, ["the gzip archive is damaged (data follow its end); restore the file or extract it again"])
    if not decompressor.eof:
        raise SourceDataError(path, ["the gzip archive is damaged (Compressed file ended before the end-of-stream marker was reached); "
                                     "restore the file or extract it again"])
    return out


def read_text(path: Path) -> str:
    """Read a text file (optionally gzipped): UTF-8 with or without BOM, UTF-16 with BOM,
    else Latin-1.

    Raises
    ------
    SourceDataError
        If the file is a damaged gzip archive, too large, or not a regular file (see
        :func:`read_bytes`).
    """
    return decode_text(read_bytes(path))


def decode_text(raw: bytes) -> str:
    """Text of a file's bytes: UTF-8 with or without BOM, UTF-16 with BOM, else Latin-1."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_rows(path, required=()) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Read a delimited text file as strings, with the problems of its structure.

    The frame's index is each row's line in the file minus 2 (the header is line 1), so that
    :class:`Problems` can name lines even where blank lines were skipped. Rows with too many
    fields are cut and rows with too few are padded with '' (each is reported).
    """
    text = read_text(path)
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[tuple[int, str]] = []
    header, rows, lines = None, [], []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                header = record
                missing = [c for c in required if c not in header and c not in {_repaired_name(h) for h in header}]
                if missing:  # not this kind of file: refused before its rows are read
                    raise SourceDataError(path, [f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}"])
                continue
            rows.append(record)
            lines.append(reader.line_num)
            if len(rows) > MAX_INPUT_ROWS:
                raise SourceDataError(path, [f"has more than {MAX_INPUT_ROWS:,} rows; no statistics table ohti reads is that long"])
    except csv.Error as error:
        problems.append((reader.line_num, f"row {reader.line_num}: {error}; the rest of the file was not read"))
    if header is None:
        raise SourceDataError(path, ["the file is empty: no header and no rows"])
    columns, seen = [], set()
    for position, name in enumerate(header, start=1):
        if name in seen:
            problems.append((1, f"row 1, column {name}: {name!r} is repeated in the header (column {position})"))
            name = f"{name}.{position}"
        seen.add(name)
        columns.append(name)
    width = len(columns)
    ragged = []
    for position, (line, record) in enumerate(zip(lines, rows)):
        if len(record) != width:
            ragged.append(line - 2)
            shown = delimiter.join(record)
            hint = "; a decimal comma must be quoted in a comma-separated file" if delimiter == "," and len(record) > width else ""
            problems.append((line, f"row {line}: {shown!r} has {len(record)} fields where the header has {width}{hint}"))
            rows[position] = (record + [""] * width)[:width]
    cells = list(zip(*rows)) if rows else [()] * width
    frame = pd.DataFrame({i: pd.Series(column, dtype=str) for i, column in enumerate(cells)}, columns=range(width))
    frame.columns = columns
    frame.index = pd.Index(np.asarray(lines, dtype=int) - 2)
    garbled = [column for column in columns if MOJIBAKE_PATTERN.search(column)]
    if garbled:
        problems.append((1, f"row 1, column {garbled[0]}: {garbled[0]!r} is double-encoded UTF-8 (mojibake), "
                            f"and so are {len(garbled) - 1} more column name(s); re-save the file as UTF-8"
                         if len(garbled) > 1 else
                         f"row 1, column {garbled[0]}: {garbled[0]!r} is double-encoded UTF-8 (mojibake); "
                         "re-save the file as UTF-8"))
    frame.attrs["mojibake"] = bool(MOJIBAKE_PATTERN.search(text))
    frame.attrs["ragged"] = ragged
    return frame, problems


def _repaired_name(name: str) -> str:
    """A header name as it was before double encoding (so that mojibake is reported as such)."""
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def read_table(path: Path) -> pd.DataFrame:
    """Read a delimited text file as strings, keeping every cell as written (trimmed).

    Raises
    ------
    SourceDataError
        If the file is empty, damaged, or a row has a different number of fields from the header.
    """
    frame, problems = read_rows(path)
    if problems:
        raise SourceDataError(path, [text for _, text in sorted(problems, key=lambda item: item[0])])
    return frame


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse published numbers: markers become missing, decimal commas are accepted.

    Thousands separators (spaces, no-break spaces) are removed; a comma is a decimal comma
    unless the text also has a point; a minus sign (U+2212) is a minus.

    Returns
    -------
    numbers : Series of float, NaN where missing or invalid
    suppressed : Series of bool, True where a suppression marker stood
    invalid : Series of bool, True where the cell is neither a number nor a marker
    """
    text = values.astype(str).str.strip()
    suppressed = text.isin(SUPPRESSION_MARKERS)
    plain = text.where(~suppressed & text.str.fullmatch(r"[0-9.eE+-]+"))  # most cells: parse at once
    numbers = pd.to_numeric(plain, errors="coerce").astype(float)
    numbers = numbers.where(np.isfinite(numbers))
    rest = numbers.isna() & ~suppressed
    if rest.any():
        cleaned = text[rest].str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace("\u2212", "-", regex=False)
        cleaned = cleaned.where(cleaned.str.contains(r"\.", regex=True), cleaned.str.replace(",", ".", regex=False))
        numbers[rest] = pd.to_numeric(cleaned.where(cleaned.str.match(NUMBER_PATTERN)), errors="coerce").astype(float)
    invalid = numbers.isna() & ~suppressed
    return numbers, suppressed, invalid


class Problems:
    """Collects a file's problems with their line numbers; raises them all at once.

    ``raw`` is a frame read by :func:`read_rows` (or a filtered part of one): its index is
    each row's line in the file minus 2, so a problem names the line a reader sees. A row
    with the wrong number of fields is reported once, by the reader, and its cells are not
    checked again (they are in the wrong columns).
    """

    def __init__(self, path, raw: pd.DataFrame, found=()):
        self.path = path
        self.raw = raw
        self.items: list[tuple[int, str]] = list(found)
        self.line = pd.Series(np.asarray(raw.index) + 2, index=raw.index)
        self.skip = set(raw.attrs.get("ragged", ()))
        self.noun = raw.attrs.get("noun", "row")

    def report(self, mask, column, rule):
        """Record a problem for every row where ``mask`` holds (the first 200, then a count)."""
        rows = self.raw.index[np.asarray(mask, dtype=bool)]
        if self.skip:
            rows = rows[~rows.isin(list(self.skip))]
        for idx in rows[:MAX_REPORTED_PROBLEMS]:
            self.items.append((self.line[idx], f"{self.noun} {self.line[idx]}, column {column}: {str(self.raw.at[idx, column])[:80]!r} {rule}"))
        if len(rows) > MAX_REPORTED_PROBLEMS:
            last = self.line[rows[MAX_REPORTED_PROBLEMS - 1]]
            self.items.append((last, f"column {column}: {len(rows) - MAX_REPORTED_PROBLEMS} more {self.noun}(s) after "
                                     f"{self.noun} {last} where the value {rule}"))

    def require_columns(self, columns):
        """Raise at once if a column is missing: nothing else can be checked without it."""
        missing = [c for c in columns if c not in self.raw.columns]
        if missing:
            self.items.append((1, f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"))
            self.raise_if_any()

    def check_text(self, columns):
        """Report cells whose text is double-encoded UTF-8 ('Ã¤' for 'ä')."""
        if not self.raw.attrs.get("mojibake", True):
            return
        for column in columns:
            self.report(self.raw[column].str.contains(MOJIBAKE_PATTERN), column,
                        "is double-encoded UTF-8 (mojibake); re-save the file as UTF-8")

    def check_rows(self):
        """Report a file without data rows."""
        if self.raw.empty:
            self.items.append((2, "the file has a header but no data rows"))

    def check_periods(self, period: pd.Series, column: str, frequency: str, source: Source):
        """Report malformed periods and periods outside the table's range."""
        pattern, kind = (MONTH_PATTERN, "a month YYYY-MM") if frequency == "month" else (YEAR_PATTERN, "a year YYYY")
        wellformed = period.str.match(pattern)
        latest, reason = extraction_date(self.path)
        latest = latest[:7] if frequency == "month" else latest[:4]
        self.report(wellformed & (period < source.first_period), column,
                    f"is before {source.first_period}, the first period of StatFin {source.id}")
        self.report(wellformed & (period > latest), column, f"is after {reason}")
        return wellformed

    def raise_if_any(self):
        if self.items:
            raise SourceDataError(self.path, [text for _, text in sorted(self.items, key=lambda item: item[0])])


def _parse_values(problems: Problems, raw: pd.DataFrame, columns: dict, *, whole: bool) -> dict:
    """Parse value columns, reporting non-numbers (NaN and infinity too), negatives and, for
    counts, fractions and counts larger than any population."""
    parsed = {}
    for column, variable in columns.items():
        numbers, suppressed, invalid = parse_counts(raw[column])
        problems.report(invalid, column, "is neither a number nor a suppression marker")
        problems.report(numbers < 0, column, "is negative")
        if whole:
            problems.report(numbers.notna() & (numbers % 1 != 0), column, "is not a whole count")
            problems.report(numbers > MAX_COUNT, column, f"is larger than any population (above {MAX_COUNT:,})")
        parsed[variable] = (numbers, suppressed)
    return parsed


def _check_part(problems: Problems, part, whole, column: str, rule: str):
    """Report rows where a part exceeds its whole (numerator above denominator)."""
    problems.report((part > whole).to_numpy(), column, rule)


def _tidy(level, code, period, parsed: dict) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"unit_level": level, "unit_code": code, "period": period,
                      "variable": variable, "value": numbers, "suppressed": suppressed})
        for variable, (numbers, suppressed) in parsed.items()
    ]
    return pd.concat(frames, ignore_index=True)[TIDY_COLUMNS]


def _check_duplicates(problems: Problems, keys: pd.DataFrame, column: str):
    problems.report(keys.duplicated(keep="first").to_numpy(), column, "is repeated for the same period")


def _month_from(text: pd.Series) -> pd.Series:
    """'2023-10', '2023M10' or '2023-10-01' → '2023-10' (other text is left for the check)."""
    text = text.str.strip()
    text = text.str.replace(r"^(\d{4})M(\d{2})$", r"\1-\2", regex=True)
    return text.str.replace(r"^(\d{4}-\d{2})-01$", r"\1", regex=True)


def _start(path, columns) -> tuple[pd.DataFrame, Problems]:
    """Read a file and check what every loader checks first: structure, columns, text, rows."""
    raw, found = read_rows(path, required=columns)
    problems = Problems(path, raw, found)
    problems.require_columns(columns)
    problems.check_text([c for c in raw.columns])
    problems.check_rows()
    return raw, problems

