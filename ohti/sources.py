"""Read the shipped statistics, validate them, and return tidy frames of components.

This module knows files and their rules, nothing about indicators. Each source is read by
its own loader into one tidy shape, ``unit_level, unit_code, period, variable, value,
suppressed``, with municipalities already on the 2025 division's codes where the source names
them. Every problem in a file is collected and reported at once in one
:class:`~ohti.errors.SourceDataError` (pandera's ``lazy=True``). Suppression markers become
missing values, never zeros.

The rules every loader applies (each problem names row, column, value and rule):

- the file: readable (gzip intact), text in UTF-8 with or without BOM, UTF-16 with BOM or
  Latin-1, not double-encoded (mojibake such as 'TyÃ¶ttÃ¶mÃ¤t'), every row as many fields
  as the header, no repeated column names, at least one data row;
- the schema: every column the loader needs is present; codes and names are known to the
  2025 municipality key (or its merger and alias lists); periods are well-formed months or
  years, not before the table's first period and not after the file's extraction date;
- the values: numbers (decimal commas and thousands spaces are accepted) or suppression
  markers, never negative, whole where they count something, each unit and period once, and
  no part larger than its whole (unemployed ≤ labour force, new vacancies ≤ vacancies open
  during the month, a group of job seekers ≤ all unemployed, a share ≤ 100 %).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import hashlib
import io
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SourceDataError
from .paths import DATA_DIR, DATA_DIR_USER, MANIFEST_PATH, OUTPUTS_DIR

#: Validated frames of the shipped sources, kept between processes (see :func:`load_source`).
SOURCE_CACHE_DIR = OUTPUTS_DIR / ".cache" / "sources"

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


@dataclasses.dataclass(frozen=True)
class Variable:
    """A component that indicators are built from.

    Attributes
    ----------
    name : str
        The name registry expressions use.
    source : str
        The id of the source that provides it.
    frequency : str
        'month' or 'year': the periods it is published for.
    annual : str
        How months make a year: 'mean' for month-end stocks, 'sum' for flows during a month.
    description : str
        What it is, in the source's words.
    also : tuple of str
        Further sources of the same figure, for the periods or units the first lacks (the
        national history of a group before 12r5 published it by municipality).
    """

    name: str
    source: str
    frequency: str
    annual: str
    description: str
    also: tuple = ()


@dataclasses.dataclass(frozen=True)
class Source:
    """A shipped table: its id, title for documents, files and loader.

    ``first_period`` is the first month (or year) the published table holds: a period before
    it in a file of this table is an error.
    """

    id: str
    title: str
    files: tuple
    loader: str
    first_period: str = ""
    #: StatFin tables (``ohti/pxweb_tables.yaml``) whose PxWeb responses feed this source:
    #: shipped ones among ``files`` and refreshed or imported ones in the data folder.
    tables: tuple = ()


SOURCES = {
    "tyonv_12r5": Source("tyonv_12r5", "TEM / KEHA-keskus, työnvälitystilasto (StatFin tyonv 12r5)",
                         ("tyonv_12r5/tyonv_12r5_all_regions_2006_2023.csv.gz",
                          "pxweb_2026/unemployment_register_kunnat_12r5.json"), "load_12r5", "2006-01", ("12r5",)),
    "vaerak_11re": Source("vaerak_11re", "Tilastokeskus, väestörakenne (StatFin vaerak 11re)",
                          ("vaerak_11re/vaerak_11re_vaesto_kunnittain_1972_2023.csv.gz",
                           "pxweb_2026/sex_register_kunnat_11re.json"), "load_11re", "1972", ("11re",)),
    "vaerak_11ra": Source("vaerak_11ra", "Tilastokeskus, väestörakenne: tunnuslukuja (StatFin vaerak 11ra)",
                          ("pxweb_2026/age_register_kunnat_11ra.json",), "load_11ra", "1990", ("11ra",)),
    "ssaaty_121w": Source("ssaaty_121w", "Tilastokeskus, väestönmuutokset (StatFin ssaaty 121w)",
                          ("pxweb_2026/population_register_kunnat_121w.json",), "load_121w", "1990", ("121w",)),
    "tyonv_2310": Source("tyonv_2310", "TEM, työnvälitystilasto: avoimet työpaikat kuukauden aikana (StatFin 2310)",
                         ("tyonv_2310/data_kunta_2310.csv.gz", "tyonv_2310/data_kokomaa_2310.csv"), "load_2310", "2006-01"),
    "kuntien_avainluvut": Source("kuntien_avainluvut", "Tilastokeskus, kuntien avainluvut",
                                 ("kuntien_avainluvut/kuntien_avainluvut_2006_2016.csv.gz",), "load_key_figures", "1987"),
    "tyonv_1001": Source("tyonv_1001", "TEM, työnvälitystilasto (StatFin 1001, perustiedot)",
                         ("tyonv_1001/data_perustiedot.csv",), "load_1001", "2006-01"),
    "tyonv_12u4": Source("tyonv_12u4", "TEM, työnvälitystilasto: aktivointiaste (StatFin tyonv 12u4, 12u5)",
                         ("tyonv_12u4_12u5/tyonv_12u4_koko_maa_monthly.csv",
                          "tyonv_12u4_12u5/tyonv_12u5_koko_maa_monthly.csv"), "load_12u4", "2006-01"),
}


def _v(name, source, frequency, annual, description, also=()):
    return name, Variable(name, source, frequency, annual, description, tuple(also))


#: Every component variable the shipped sources provide.
VARIABLES = dict([
    _v("unemployed", "tyonv_12r5", "month", "mean", "unemployed job seekers at the end of the month (TYOTTOMATLOPUSSA)"),
    _v("labour_force", "tyonv_12r5", "month", "mean", "labour force, employment statistics; an annual figure repeated monthly (TYOVOIMATK)"),
    _v("vacancies", "tyonv_12r5", "month", "mean", "open vacancies at the end of the month (AVPAIKATLOPUSSA)"),
    _v("population", "vaerak_11re", "year", "mean", "population on 31 December"),
    _v("vacancies_open_during_month", "tyonv_2310", "month", "mean", "vacancies open at some time during the month"),
    _v("new_vacancies", "tyonv_12r5", "month", "sum", "new vacancies notified during the month (UUDETAVP; before 2020-09 StatFin 2310)",
       also=("tyonv_2310",)),
    _v("filled_vacancies", "tyonv_2310", "month", "sum", "vacancies filled during the month"),
    _v("filled_vacancy_days", "tyonv_2310", "month", "sum",
       "days the filled vacancies were open, in all: the published mean (whole days) times the filled vacancies"),
    _v("employed_residents", "kuntien_avainluvut", "year", "mean", "employed labour force living in the area"),
    _v("jobs", "kuntien_avainluvut", "year", "mean", "jobs (workplaces) in the area"),
    _v("population_kf", "kuntien_avainluvut", "year", "mean", "population (vakiluku) of the key figures"),
    _v("population_15_64", "kuntien_avainluvut", "year", "mean", "population aged 15–64: published share × population"),
    _v("population_over_64", "vaerak_11ra", "year", "mean", "population aged over 64: published share (0.1 %) × population",
       also=("kuntien_avainluvut",)),
    _v("population_15_plus", "kuntien_avainluvut", "year", "mean", "population aged 15 or over: (100 − share under 15) × population"),
    _v("foreign_citizens", "kuntien_avainluvut", "year", "mean", "foreign citizens: published share × population"),
    _v("swedish_speakers", "kuntien_avainluvut", "year", "mean", "Swedish speakers: published share × population"),
    _v("tertiary_educated", "kuntien_avainluvut", "year", "mean", "persons aged 15+ with a tertiary degree: published share × population 15+"),
    _v("employed_15_64_est", "kuntien_avainluvut", "year", "mean", "employed aged 15–64: published employment rate × population 15–64"),
    _v("non_employed", "kuntien_avainluvut", "year", "mean", "persons not employed: economic dependency ratio × employed residents / 100"),
    _v("working_in_home_municipality", "kuntien_avainluvut", "year", "mean", "employed residents working in their home municipality: published share × employed residents"),
    _v("long_term_unemployed", "tyonv_12r5", "month", "mean",
       "unemployed without a break for 12 months or longer (PITKAAIKAISTYOTTOMAT; before 2020-07 StatFin 1001)", also=("tyonv_1001",)),
    _v("unemployed_under_25", "tyonv_12r5", "month", "mean", "unemployed job seekers under 25 (TYOTTOMAT25)", also=("tyonv_1001",)),
    _v("unemployed_over_50", "tyonv_12r5", "month", "mean", "unemployed job seekers over 50 (TYOTTOMAT50)", also=("tyonv_1001",)),
    _v("unemployed_foreign", "tyonv_12r5", "month", "mean", "unemployed job seekers with a foreign citizenship (TYOTTOMATULK)",
       also=("tyonv_1001",)),
    _v("laid_off", "tyonv_12r5", "month", "mean", "fully laid-off job seekers (LOMAUTETTU)", also=("tyonv_1001",)),
    _v("job_seekers", "tyonv_12r5", "month", "mean", "job seekers at the end of the month, unemployed or not (HAKIJALOPUSSA)"),
    _v("unemployed_men", "tyonv_12r5", "month", "mean", "unemployed job seekers, men (TYOTTOMATMIEHET)"),
    _v("unemployed_women", "tyonv_12r5", "month", "mean", "unemployed job seekers, women (TYOTTOMATNAISET)"),
    _v("unemployed_under_20", "tyonv_12r5", "month", "mean", "unemployed job seekers under 20 (TYOTTOMAT20)"),
    _v("unemployed_disabled", "tyonv_12r5", "month", "mean", "unemployed job seekers with a disability or long-term illness (TYOTTOMATSAIR)"),
    _v("reduced_working_week", "tyonv_12r5", "month", "mean", "job seekers on a reduced working week (LYHTYOVKO)"),
    _v("in_subsidised_employment", "tyonv_12r5", "month", "mean", "persons in subsidised employment: pay subsidy, start-up grant, employed by the state (TYOLLISTETTYLOP)", also=("tyonv_12u4",)),
    _v("in_work_practice", "tyonv_12r5", "month", "mean", "persons in work practice or work-life coaching (TYOHARJOITTELULOP)"),
    _v("in_work_trial", "tyonv_12r5", "month", "mean", "persons in a work or training trial (KOKEILULOP)", also=("tyonv_12u4",)),
    _v("in_labour_market_training", "tyonv_12r5", "month", "mean", "persons in labour market training (TVKOULUTUSLOP)", also=("tyonv_12u4",)),
    _v("in_coaching", "tyonv_12r5", "month", "mean", "persons in coaching (VALMENNUSLOP)", also=("tyonv_12u4",)),
    _v("in_other_services", "tyonv_12r5", "month", "mean",
       "persons in other services: rehabilitative work, job alternation substitutes, self-motivated study (MTPPALVELUTLOP; "
       "before 2022-03 the sum of 12u4's KUNTTYOLOP, OMAEHTLOP and VUORVAPLOP)", also=("tyonv_12u4",)),
    _v("population_men", "vaerak_11re", "year", "mean", "men, population on 31 December"),
    _v("population_women", "vaerak_11re", "year", "mean", "women, population on 31 December"),
    _v("population_under_15", "vaerak_11ra", "year", "mean", "population aged under 15: published share (0.1 %) × population"),
    _v("population_age_sum", "vaerak_11ra", "year", "mean", "sum of ages (years): published mean age × population, for the mean age of an area"),
    _v("births", "ssaaty_121w", "year", "sum", "live births during the year"),
    _v("deaths", "ssaaty_121w", "year", "sum", "deaths during the year"),
    _v("natural_increase", "ssaaty_121w", "year", "sum", "births minus deaths"),
    _v("internal_in_migration", "ssaaty_121w", "year", "sum", "moves into the municipality from another municipality"),
    _v("internal_out_migration", "ssaaty_121w", "year", "sum", "moves out of the municipality to another municipality"),
    _v("net_internal_migration", "ssaaty_121w", "year", "sum", "migration between municipalities, net"),
    _v("immigration", "ssaaty_121w", "year", "sum", "moves to Finland from abroad"),
    _v("emigration", "ssaaty_121w", "year", "sum", "moves from Finland abroad"),
    _v("net_immigration", "ssaaty_121w", "year", "sum", "immigration minus emigration"),
    _v("net_migration", "ssaaty_121w", "year", "sum", "net migration in all: between municipalities and with abroad"),
    _v("population_change", "ssaaty_121w", "year", "sum", "total change of the population during the year"),
    _v("unemployed_1001", "tyonv_1001", "month", "mean", "unemployed job seekers (the same table's total)"),
    _v("persons_in_services", "tyonv_12u4", "month", "mean", "persons in activation services at the end of the month (PALVELUISSAYHTEENSA)"),
    _v("persons_in_services_foreign", "tyonv_12u4", "month", "mean", "foreign citizens in activation services (PALVELUISSAYHTEENSAULK)"),
    _v("unemployed_foreign_12u5", "tyonv_12u4", "month", "mean", "unemployed foreign citizens (TYOTTOMATULK)"),
])

#: The variables that count things other than persons (vacancies, jobs, days); every other
#: variable counts persons, and disclosure control (:mod:`ohti.disclosure`) applies to it.
NON_PERSON_VARIABLES = frozenset({
    "vacancies", "vacancies_open_during_month", "new_vacancies", "filled_vacancies",
    "filled_vacancy_days", "jobs", "population_age_sum",
})
#: Variables that may be negative (a net flow or a change); every other value is a count.
SIGNED_VARIABLES = frozenset({
    "natural_increase", "net_internal_migration", "net_immigration", "net_migration", "population_change",
})
#: The variables that count persons (job seekers, labour force, population and its groups).
PERSON_VARIABLES = frozenset(VARIABLES) - NON_PERSON_VARIABLES


# --- files ------------------------------------------------------------------------------------

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
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
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


# --- validation shared by the loaders ---------------------------------------------------------

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


# --- loaders ----------------------------------------------------------------------------------

EMPLOYMENT_VARIABLES = {
    "tyottomat_tyonhakijat": "unemployed",
    "tyovoima_tk": "labour_force",
    "avoimet_tyopaikat": "vacancies",
}
EMPLOYMENT_ROW_LEVELS = {
    "kunta": "municipality", "seutukunta": "seutukunta", "maakunta": "maakunta",
    "ely": "ely", "koko_maa": "national",
}
#: The form of ``alue_code`` for each row type of 12r5.
EMPLOYMENT_CODE_PATTERNS = {
    "kunta": r"KU\d{3}", "seutukunta": r"SK\d{3}", "maakunta": r"MK\d{2}", "ely": r"ELY\d{2}", "koko_maa": "SSS",
}
EMPLOYMENT_COLUMNS = ["alue_code", "alue_tyyppi", "kuntakoodi", "kuukausi", *EMPLOYMENT_VARIABLES]


def validate_12r5(raw: pd.DataFrame, path, municipality_codes, found=()) -> pd.DataFrame:
    """Check a 12r5 extract and return it tidy; raise with every problem found.

    Parameters
    ----------
    raw : DataFrame of str
        The file as read by :func:`read_table`.
    path : path-like
        The file, for messages.
    municipality_codes : collection of str
        Municipality codes that may appear (the 2025 key and the merged codes).
    found : sequence of (line, message)
        Problems already found in the file's structure.

    Raises
    ------
    SourceDataError
        With one message per problem: row, column, value and rule.
    """
    problems = Problems(path, raw, found)
    problems.require_columns(EMPLOYMENT_COLUMNS)
    problems.check_text(["alue_code", "alue_tyyppi", "kuntakoodi", "kuukausi"])
    problems.check_rows()
    kind = raw["alue_tyyppi"].str.strip()
    level = kind.map(EMPLOYMENT_ROW_LEVELS)
    problems.report(level.isna(), "alue_tyyppi", f"is not a known row type ({', '.join(EMPLOYMENT_ROW_LEVELS)})")
    period = raw["kuukausi"].str.strip()
    wellformed = problems.check_periods(period, "kuukausi", "month", SOURCES["tyonv_12r5"])
    problems.report(~wellformed, "kuukausi", "is not a month YYYY-MM")
    is_municipality = level == "municipality"
    code = raw["kuntakoodi"].str.strip()
    known_code = code.isin(set(municipality_codes))
    problems.report(is_municipality & ~known_code, "kuntakoodi",
                    "is not a municipality in the 2025 key or its merger list")
    area = raw["alue_code"].str.strip()
    form = pd.Series(True, index=raw.index)
    for row_type, pattern in EMPLOYMENT_CODE_PATTERNS.items():
        rows = kind == row_type
        form[rows] = area[rows].str.fullmatch(pattern)
    problems.report(~form, "alue_code", "does not have the form of its row type (KU + 3 digits, SK + 3, MK + 2, ELY + 2, SSS)")
    problems.report(form & is_municipality & known_code & (area != "KU" + code), "alue_code",
                    "does not match the municipality code in kuntakoodi of the same row")
    problems.report(level.notna() & ~is_municipality & (code != ""), "kuntakoodi",
                    "is given on a row that is not a municipality (leave it empty)")
    unit_code = area.where(~is_municipality, code)
    unit_code = unit_code.str.replace(r"^(ELY|MK|SK)", "", regex=True)
    _check_duplicates(problems, pd.DataFrame({"u": unit_code, "l": level, "p": period}), "alue_code")
    parsed = _parse_values(problems, raw, EMPLOYMENT_VARIABLES, whole=True)
    _check_part(problems, parsed["unemployed"][0], parsed["labour_force"][0], "tyottomat_tyonhakijat",
                "exceeds the labour force (tyovoima_tk) of the same row")
    problems.raise_if_any()
    return _tidy(level, unit_code, period, parsed)


def load_12r5(path=None) -> pd.DataFrame:
    """TEM's and KEHA-keskus's employment service statistics 12r5: municipalities, regions,
    ELY areas, nation.

    Without ``path``: the shipped CSV history (2006-01 … 2023-10, three contents), then the
    shipped PxWeb responses (2026-06, 23 contents), then any refreshed or imported response
    in the data folder; a later file's value replaces an earlier one's for the same unit,
    period and variable. With ``path``: that one file (CSV or PxWeb response).
    """
    from .areas import source_municipality_codes

    if path and is_pxweb_file(path):
        return load_pxweb_file(path)
    if path:
        raw, found = read_rows(Path(path), required=EMPLOYMENT_COLUMNS)
        return validate_12r5(raw, Path(path), source_municipality_codes(), found)
    file = shipped_path(SOURCES["tyonv_12r5"].files[0])
    raw, found = read_rows(file, required=EMPLOYMENT_COLUMNS)
    return _combined([validate_12r5(raw, file, source_municipality_codes(), found), *_pxweb_frames("tyonv_12r5")])


def load_11re(path=None) -> pd.DataFrame:
    """Population on 31 December by municipality and for the whole country (StatFin 11re)."""
    from .areas import source_municipality_codes

    if path and is_pxweb_file(path):
        return load_pxweb_file(path)
    if not path:
        return _combined([load_11re(shipped_path(SOURCES["vaerak_11re"].files[0])), *_pxweb_frames("vaerak_11re")])
    file = Path(path)
    raw, problems = _start(file, ["alue", "vuosi", "vaesto_31_12"])
    area = raw["alue"].str.strip()
    national = area == NATIONAL_CODE
    code = area.str.replace(r"^KU", "", regex=True)
    problems.report(~national & ~(area.str.match(r"^KU\d{3}$") & code.isin(set(source_municipality_codes()))), "alue",
                    "is neither SSS nor a municipality KUxxx of the 2025 key or its merger list")
    year = raw["vuosi"].str.strip()
    wellformed = problems.check_periods(year, "vuosi", "year", SOURCES["vaerak_11re"])
    problems.report(~wellformed, "vuosi", "is not a year YYYY")
    _check_duplicates(problems, pd.DataFrame({"a": area, "y": year}), "alue")
    parsed = _parse_values(problems, raw, {"vaesto_31_12": "population"}, whole=True)
    problems.raise_if_any()
    return _tidy(np.where(national, "national", "municipality"), np.where(national, NATIONAL_CODE, code), year, parsed)


VACANCY_FLOW_COLUMNS = {
    "Avoimet_tyopaikat_kauden_aikana": "vacancies_open_during_month",
    "Uudet_avoimet_tyopaikat_kauden_aikana": "new_vacancies",
    "Tayttyneet_tyopaikat_kauden_aikana": "filled_vacancies",
    "Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa": "filled_vacancy_mean_days",
}
VACANCY_MEAN_COLUMN = "Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa"


def _vacancy_flows(raw, problems: Problems, codes, level) -> pd.DataFrame:
    period = _month_from(raw["time"])
    wellformed = problems.check_periods(period, "time", "month", SOURCES["tyonv_2310"])
    problems.report(~wellformed, "time", "is not a month (YYYY-MM-01)")
    _check_duplicates(problems, pd.DataFrame({"c": codes, "p": period}), "time")
    counts = {c: v for c, v in VACANCY_FLOW_COLUMNS.items() if c != VACANCY_MEAN_COLUMN}
    parsed = _parse_values(problems, raw, counts, whole=True)
    parsed.update(_parse_values(problems, raw, {VACANCY_MEAN_COLUMN: VACANCY_FLOW_COLUMNS[VACANCY_MEAN_COLUMN]}, whole=False))
    open_during = parsed["vacancies_open_during_month"][0]
    _check_part(problems, parsed["new_vacancies"][0], open_during, "Uudet_avoimet_tyopaikat_kauden_aikana",
                "exceeds the vacancies open during the month (Avoimet_tyopaikat_kauden_aikana) of the same row")
    _check_part(problems, parsed["filled_vacancies"][0], open_during, "Tayttyneet_tyopaikat_kauden_aikana",
                "exceeds the vacancies open during the month (Avoimet_tyopaikat_kauden_aikana) of the same row")
    problems.raise_if_any()
    days, days_suppressed = parsed.pop("filled_vacancy_mean_days")
    filled, filled_suppressed = parsed["filled_vacancies"]
    parsed["filled_vacancy_days"] = (days * filled, days_suppressed | filled_suppressed)
    return _tidy(level, codes, period, parsed)


def read_2310_municipal(path) -> pd.DataFrame:
    """One 2310 file by municipality (names matched to codes), tidy; raise with every problem."""
    from .areas import codes_for_names

    raw, problems = _start(path, [*VACANCY_FLOW_COLUMNS, "time", "kunta"])
    codes, unknown = codes_for_names(raw["kunta"])
    problems.report(unknown, "kunta", "is not a municipality name of the 2025 key, its mergers or aliases")
    return _vacancy_flows(raw, problems, codes, "municipality")


def read_2310_national(path) -> pd.DataFrame:
    """The 2310 file for the whole country, tidy; raise with every problem."""
    raw, problems = _start(path, [*VACANCY_FLOW_COLUMNS, "time"])
    return _vacancy_flows(raw, problems, pd.Series(NATIONAL_CODE, index=raw.index), "national")


def load_2310(paths=None) -> pd.DataFrame:
    """Vacancy flows during the month by municipality (matched by name) and for the nation."""
    files = [Path(p) for p in paths] if paths else [shipped_path(f) for f in SOURCES["tyonv_2310"].files]
    return pd.concat([read_2310_municipal(files[0]), read_2310_national(files[1])], ignore_index=True)


KEY_FIGURE_COLUMNS = {
    "Vakiluku": "population_kf",
    "Alueella_asuvan_tyollisen_tyovoiman_maara": "employed_residents",
    "Alueella_olevien_tyopaikkojen_lukumaara": "jobs",
}
#: Published shares turned into counts: variable → (share column, base variable).
KEY_FIGURE_SHARES = {
    "population_15_64": ("X15_64_vuotiaiden_osuus_vaestosta", "population_kf"),
    "population_over_64": ("Yli_64_vuotiaiden_osuus_vaestosta", "population_kf"),
    "foreign_citizens": ("Ulkomaan_kansalaisten_osuus_vaestosta", "population_kf"),
    "swedish_speakers": ("Ruotsinkielisten_osuus_vaestosta", "population_kf"),
    "working_in_home_municipality": ("Asuinkunnassaan_tyossakayvien_osuus", "employed_residents"),
    "non_employed": ("Taloudellinen_huoltosuhde", "employed_residents"),
}
KEY_FIGURE_EXTRA = ["Alle_15_vuotiaiden_osuus_vaestosta",
                    "Korkea_asteen_tutkinnon_suorittaneiden_osuus_15_vuotta_tayttaneista", "Tyollisyysaste"]


def load_key_figures(path=None) -> pd.DataFrame:
    """Statistics Finland's municipal key figures 2006–2016 (matched to codes by name).

    Shares are published rounded to 0.1 percentage points; the counts made from them (share ×
    base / 100) carry that rounding and are described as such in :data:`VARIABLES`.
    """
    from .areas import codes_for_names

    file = Path(path) if path else shipped_path(SOURCES["kuntien_avainluvut"].files[0])
    share_columns = sorted({column for column, _ in KEY_FIGURE_SHARES.values()})
    raw, problems = _start(file, ["Alue", "vuosi", *KEY_FIGURE_COLUMNS, *share_columns, *KEY_FIGURE_EXTRA])
    codes, unknown = codes_for_names(raw["Alue"])
    problems.report(unknown, "Alue", "is not a municipality name of the 2025 key, its mergers or aliases")
    year = raw["vuosi"].str.strip()
    wellformed = problems.check_periods(year, "vuosi", "year", SOURCES["kuntien_avainluvut"])
    problems.report(~wellformed, "vuosi", "is not a year YYYY")
    _check_duplicates(problems, pd.DataFrame({"c": codes, "y": year}), "Alue")
    parsed = _parse_values(problems, raw, KEY_FIGURE_COLUMNS, whole=True)
    shares = _parse_values(problems, raw, {c: c for c in share_columns + KEY_FIGURE_EXTRA}, whole=False)
    for column in [*KEY_FIGURE_EXTRA, *[c for c in share_columns if c != "Taloudellinen_huoltosuhde"]]:
        problems.report(shares[column][0] > 100, column, "is a share above 100 %")
    _check_part(problems, parsed["employed_residents"][0], parsed["population_kf"][0],
                "Alueella_asuvan_tyollisen_tyovoiman_maara", "exceeds the population (Vakiluku) of the same row")
    problems.raise_if_any()

    def scaled(share, base):
        values, suppressed = shares[share]
        base_values, base_suppressed = parsed[base]
        return values * base_values / 100, suppressed | base_suppressed

    for variable, (share, base) in KEY_FIGURE_SHARES.items():
        parsed[variable] = scaled(share, base)
    under_15, under_15_suppressed = shares["Alle_15_vuotiaiden_osuus_vaestosta"]
    population, population_suppressed = parsed["population_kf"]
    parsed["population_15_plus"] = ((100 - under_15) * population / 100, under_15_suppressed | population_suppressed)
    parsed["tertiary_educated"] = (
        shares["Korkea_asteen_tutkinnon_suorittaneiden_osuus_15_vuotta_tayttaneista"][0] * parsed["population_15_plus"][0] / 100,
        shares["Korkea_asteen_tutkinnon_suorittaneiden_osuus_15_vuotta_tayttaneista"][1] | parsed["population_15_plus"][1])
    parsed["employed_15_64_est"] = (shares["Tyollisyysaste"][0] * parsed["population_15_64"][0] / 100,
                                    shares["Tyollisyysaste"][1] | parsed["population_15_64"][1])
    return _tidy("municipality", codes, year, parsed)


GROUP_COLUMNS_1001 = {
    "Työttömät": "unemployed_1001",
    "Pitkäaikaistyöttömät": "long_term_unemployed",
    "Alle 25-v. työttömät": "unemployed_under_25",
    "Yli 50-v. työttömät": "unemployed_over_50",
    "Ulkomaalaiset työttömät": "unemployed_foreign",
    "Lomautettu": "laid_off",
}
LABOUR_FORCE_1001 = "Työvoima"


def load_1001(path=None) -> pd.DataFrame:
    """Group breakdowns of job seekers (StatFin 1001) for the nation and a few municipalities.

    Municipality rows are named 'Hattula' etc. and matched by name; the sub-region row is
    not used (sub-regions are not a level of ohti).
    """
    from .areas import codes_for_names

    file = Path(path) if path else shipped_path(SOURCES["tyonv_1001"].files[0])
    raw, problems = _start(file, ["Alue", "Kuukausi", LABOUR_FORCE_1001, *GROUP_COLUMNS_1001])
    raw = raw[~raw["Alue"].str.startswith("SK")]
    problems.raw = raw
    problems.line = problems.line[raw.index]
    national = raw["Alue"].str.strip().str.upper() == "KOKO MAA"
    codes, unknown = codes_for_names(raw["Alue"])
    problems.report(unknown & ~national, "Alue", "is neither KOKO MAA nor a municipality name of the 2025 key")
    period = _month_from(raw["Kuukausi"])
    wellformed = problems.check_periods(period, "Kuukausi", "month", SOURCES["tyonv_1001"])
    problems.report(~wellformed, "Kuukausi", "is not a month YYYY-MM or YYYYMmm")
    _check_duplicates(problems, pd.DataFrame({"a": raw["Alue"], "p": period}), "Alue")
    parsed = _parse_values(problems, raw, GROUP_COLUMNS_1001, whole=True)
    labour_force = _parse_values(problems, raw, {LABOUR_FORCE_1001: "labour_force"}, whole=True)["labour_force"][0]
    total = parsed["unemployed_1001"][0]
    _check_part(problems, total, labour_force, "Työttömät", "exceeds the labour force (Työvoima) of the same row")
    for column, variable in GROUP_COLUMNS_1001.items():
        if variable not in ("unemployed_1001", "laid_off"):
            _check_part(problems, parsed[variable][0], total, column, "exceeds the unemployed (Työttömät) of the same row")
    problems.raise_if_any()
    return _tidy(np.where(national, "national", "municipality"), np.where(national, NATIONAL_CODE, codes), period, parsed)


SERVICE_COLUMNS_12U4 = {"PALVELUISSAYHTEENSA": "persons_in_services", "TYOLLISTETTYLOP": "in_subsidised_employment",
                        "TVKOULUTUSLOP": "in_labour_market_training", "VALMENNUSLOP": "in_coaching",
                        "KOKEILULOP": "in_work_trial", "KUNTTYOLOP": "in_rehabilitative_work",
                        "OMAEHTLOP": "in_self_motivated_study", "VUORVAPLOP": "in_job_alternation"}
#: 12r5's "other services" (MTPPALVELUTLOP) are these three groups of 12u4 together.
OTHER_SERVICES_12U4 = ("in_rehabilitative_work", "in_self_motivated_study", "in_job_alternation")
SERVICE_COLUMNS_12U5 = {"PALVELUISSAYHTEENSAULK": "persons_in_services_foreign", "TYOTTOMATULK": "unemployed_foreign_12u5"}


def _read_services(path, columns) -> pd.DataFrame:
    raw, problems = _start(path, ["time", *columns])
    period = _month_from(raw["time"])
    wellformed = problems.check_periods(period, "time", "month", SOURCES["tyonv_12u4"])
    problems.report(~wellformed, "time", "is not a month YYYY-MM")
    _check_duplicates(problems, pd.DataFrame({"p": period}), "time")
    parsed = _parse_values(problems, raw, columns, whole=True)
    problems.raise_if_any()
    if all(part in parsed for part in OTHER_SERVICES_12U4):
        parts = [parsed.pop(part) for part in OTHER_SERVICES_12U4]
        parsed["in_other_services"] = (sum(values for values, _ in parts), np.logical_or.reduce([m for _, m in parts]))
    return _tidy("national", NATIONAL_CODE, period, parsed)


def read_12u4(path) -> pd.DataFrame:
    """Persons in activation services, whole country (StatFin 12u4), tidy."""
    return _read_services(path, SERVICE_COLUMNS_12U4)


def read_12u5(path) -> pd.DataFrame:
    """Foreign citizens in activation services and unemployed, whole country (12u5), tidy."""
    return _read_services(path, SERVICE_COLUMNS_12U5)


def load_12u4(paths=None) -> pd.DataFrame:
    """Persons in activation services, whole country only (StatFin 12u4 all, 12u5 foreigners)."""
    files = [Path(p) for p in paths] if paths else [shipped_path(f) for f in SOURCES["tyonv_12u4"].files]
    return pd.concat([read_12u4(files[0]), read_12u5(files[1])], ignore_index=True)


# --- PxWeb responses --------------------------------------------------------------------------

#: Parts that cannot exceed their whole within one row of a PxWeb response.
PXWEB_PART_RULES = (
    ("unemployed", "labour_force"), ("unemployed", "job_seekers"),
    ("long_term_unemployed", "unemployed"), ("unemployed_under_25", "unemployed"),
    ("unemployed_under_20", "unemployed_under_25"), ("unemployed_over_50", "unemployed"),
    ("unemployed_foreign", "unemployed"), ("unemployed_men", "unemployed"),
    ("unemployed_women", "unemployed"), ("unemployed_disabled", "unemployed"),
    ("population_men", "population"), ("population_women", "population"),
)
#: The prefix of each area type's values in PxWeb tables, and its level in ohti.
PXWEB_AREA_LEVELS = (("SSS", "national"), ("KU", "municipality"), ("SK", "seutukunta"),
                     ("MK", "maakunta"), ("ELY", "ely"))
PXWEB_AREA_FORMS = {"municipality": r"KU\d{3}", "seutukunta": r"SK\d{3}", "maakunta": r"MK\d{2}", "ely": r"ELY\d{2}"}


def is_pxweb_file(path) -> bool:
    """True for a PxWeb ``json`` or ``json-stat2`` response (by name or by its first byte)."""
    name = Path(path).name.lower()
    if name.endswith((".json", ".json.gz")):
        return True
    if not Path(path).is_file():  # a FIFO would block the read below: the loader refuses it
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
    except OSError:
        return False


def _content_columns(response, spec) -> dict:
    """Response column → declared content code (by code, or by text for CSV exports)."""
    by_text = {text.casefold(): code for code, text in spec.texts.items()}
    found = {}
    for column, text in response.contents.items():
        if column in spec.contents:
            found[column] = column
        elif str(text).casefold() in by_text:
            found[column] = by_text[str(text).casefold()]
        elif str(column).casefold() in by_text:
            found[column] = by_text[str(column).casefold()]
    return found


def tidy_response(response, spec=None) -> pd.DataFrame:
    """Validate a PxWeb response against its table's declaration and return it tidy.

    The rules of every loader apply: areas known to the 2025 key (or declared as
    unassigned), well-formed periods within the table's range and not after the file's
    extraction date, each area and period once, numbers or suppression markers ('...' is a
    suppressed cell: missing, never zero), no negative counts (net flows may be negative),
    whole counts, no part above its whole. Every problem is reported at once, each naming
    the data record, the content code, the value and the rule.

    Parameters
    ----------
    response : ohti.pxweb.Response
        As :func:`ohti.pxweb.read_response` reads it.
    spec : ohti.pxweb.TableSpec, optional
        The table's declaration; found from the response's contents by default.

    Returns
    -------
    DataFrame
        The tidy columns of every source (:data:`TIDY_COLUMNS`).

    Raises
    ------
    SourceDataError
        With every problem found.
    """
    from . import pxweb
    from .areas import source_municipality_codes

    spec = spec or pxweb.spec_for_response(response)
    raw = response.rows
    problems = Problems(response.path, raw)
    columns = _content_columns(response, spec)
    if not columns:
        problems.items.append((1, f"none of the contents of StatFin {spec.id} declared in {pxweb.TABLES_PATH.name} "
                                  f"is in the response (it has {', '.join(list(response.contents)[:6])})"))
        problems.raise_if_any()
    problems.check_rows()
    area_column, time_column = response.area_code, response.time_code
    problems.check_text([area_column])
    area = raw[area_column].astype(str).str.strip()
    unassigned = area.isin(set(spec.unassigned))
    level = pd.Series(pd.NA, index=raw.index, dtype=object)
    for prefix, name in PXWEB_AREA_LEVELS:
        level[area.str.startswith(prefix) & level.isna()] = name
    form = pd.Series(area == "SSS", index=raw.index)
    for name, pattern in PXWEB_AREA_FORMS.items():
        rows = level == name
        form[rows] = area[rows].str.fullmatch(pattern)
    code = area.str.replace(r"^(KU|SK|MK|ELY)", "", regex=True)
    problems.report(~unassigned & ~form, area_column,
                    "is not an area ohti reads (SSS, KU + 3 digits, SK + 3, MK + 2, ELY + 2) nor declared unassigned")
    municipal = (level == "municipality") & form & ~unassigned
    problems.report(municipal & ~code.isin(set(source_municipality_codes())), area_column,
                    "is not a municipality in the 2025 key or its merger list")
    period = pxweb.period_from_time(raw[time_column])
    wellformed = problems.check_periods(period, time_column, spec.frequency, SOURCES[spec.source])
    problems.report(~wellformed, time_column, "is not a month YYYYMmm" if spec.frequency == "month" else "is not a year YYYY")
    others = [c for role, c in response.dimensions.items() if role not in ("time", "area")]
    suffix = pd.Series("", index=raw.index)
    for other in others:
        values = set(raw[other].astype(str))
        split = next((m for m in spec.split.values() if values <= set(m)), None)
        if split is not None:
            suffix = suffix + raw[other].astype(str).map(split)
        elif len(values) > 1:
            problems.items.append((1, f"variable {other} has {len(values)} values and {pxweb.TABLES_PATH.name} says "
                                      f"nothing of them; eliminate it from the query or declare a split"))
    _check_duplicates(problems, pd.DataFrame({"a": area, "p": period, "s": suffix}), area_column)
    derived_from = {content for content, _, _ in spec.derived.values()}
    parsed = {}
    for column, content in columns.items():
        variable = spec.contents.get(content)
        numbers, suppressed, invalid = parse_counts(raw[column])
        problems.report(invalid, column, "is neither a number nor a suppression marker")
        if (variable is not None or content in derived_from) and variable not in SIGNED_VARIABLES:
            problems.report(numbers < 0, column, "is negative")
        if variable is not None and content not in derived_from:
            problems.report(numbers.notna() & (numbers % 1 != 0), column, "is not a whole count")
            problems.report(numbers.abs() > MAX_COUNT, column, f"is larger than any population (above {MAX_COUNT:,})")
        if content in derived_from and "_p" in content:
            problems.report(numbers > 100, column, "is a share above 100 %")
        parsed[content] = (numbers, suppressed)
    by_variable = {spec.contents[c]: parsed[c] for c in parsed if spec.contents.get(c)}
    for part, whole in PXWEB_PART_RULES:
        if part in by_variable and whole in by_variable:
            column = next(c for c, content in columns.items() if spec.contents.get(content) == part)
            whole_column = next(c for c, content in columns.items() if spec.contents.get(content) == whole)
            _check_part(problems, by_variable[part][0], by_variable[whole][0], column,
                        f"exceeds {whole_column} of the same record")
    problems.raise_if_any()
    for variable, (content, base, scale) in spec.derived.items():
        if content in parsed and base in by_variable:
            share, share_suppressed = parsed[content]
            base_values, base_suppressed = by_variable[base]
            by_variable[variable] = (share * base_values / float(scale), share_suppressed | base_suppressed)
    keep = ~unassigned & level.notna()
    frames = []
    for ending in sorted(set(suffix[keep])):
        rows = keep & (suffix == ending)
        chosen = {f"{v}{ending}": (n[rows], m[rows]) for v, (n, m) in by_variable.items() if f"{v}{ending}" in VARIABLES}
        if chosen:
            frames.append(_tidy(level[rows].to_numpy(), np.where(level[rows] == "national", NATIONAL_CODE, code[rows]),
                                period[rows].to_numpy(), chosen))
    if not frames:
        return pd.DataFrame(columns=TIDY_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def load_pxweb_file(path) -> pd.DataFrame:
    """One PxWeb response file, read, validated against its table's declaration and tidy."""
    from .pxweb import read_response

    return tidy_response(read_response(path))


def data_dir_files(source_id: str) -> list[Path]:
    """The refreshed and imported files of a source in the data folder, in the order they
    arrived (a later one revises an earlier one).

    The folder's ``MANIFEST.csv`` (written by ``ohti refresh`` and ``ohti import``) lists each
    file with its sha256; a file that differs from it is refused.

    Raises
    ------
    SourceDataError
        If a listed file is missing or its checksum differs.
    """
    manifest = data_dir_manifest()
    if manifest.empty:
        return []
    rows = manifest[manifest["source"] == source_id].sort_values("fetched", kind="stable")  # the latest arrival last
    files = []
    for _, row in rows.iterrows():
        path = DATA_DIR_USER / row["file"]
        if not path.is_file():
            raise SourceDataError(path, [f"listed in {DATA_DIR_USER / 'MANIFEST.csv'} but missing; run ohti refresh again"])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != row["sha256"]:
            raise SourceDataError(path, [f"sha256 {digest[:12]}… differs from the data folder manifest's "
                                         f"{row['sha256'][:12]}…; the file was changed: run ohti refresh again"])
        files.append(path)
    return files


DATA_DIR_MANIFEST_COLUMNS = ["file", "sha256", "table", "source", "origin", "url", "query", "updated", "fetched",
                             "first_period", "last_period", "publisher", "licence"]


def data_dir_manifest() -> pd.DataFrame:
    """The data folder's manifest (refreshed and imported files); empty if there is none."""
    path = DATA_DIR_USER / "MANIFEST.csv"
    if not path.is_file():
        return pd.DataFrame(columns=DATA_DIR_MANIFEST_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("file", "sha256", "source") if c not in frame.columns]
    if missing:
        raise SourceDataError(path, [f"missing column(s) {', '.join(missing)}; expected {', '.join(DATA_DIR_MANIFEST_COLUMNS)}"])
    return frame.reindex(columns=DATA_DIR_MANIFEST_COLUMNS, fill_value="")


def _pxweb_frames(source_id: str) -> list[pd.DataFrame]:
    """The tidy frames of a source's PxWeb responses: shipped first, then the data folder's."""
    shipped = [shipped_path(name) for name in SOURCES[source_id].files if is_pxweb_file(DATA_DIR / name)]
    return [load_pxweb_file(path) for path in [*shipped, *data_dir_files(source_id)]]


def _combined(frames) -> pd.DataFrame:
    """Tidy frames one after another: a later frame's row replaces an earlier one's for the same
    unit, period and variable (a refresh or an import revises what was shipped). A municipality
    that merged has no row of its own in a table on a newer division: where a later frame has
    the successor's row for a period, the merged municipality's earlier row of that period goes
    too, so that its persons are not counted twice (Pertunmaa's in Mäntyharju's)."""
    from .areas import load_mergers

    frames = [f for f in frames if len(f)]
    if len(frames) <= 1:
        return frames[0] if frames else pd.DataFrame(columns=TIDY_COLUMNS)
    successor = load_mergers().set_index("old_code")["new_code"]
    keys = ["unit_level", "unit_code", "period", "variable"]
    kept = [frames[-1]]
    covered = frames[-1][keys].drop_duplicates()
    for frame in reversed(frames[:-1]):
        as_successor = frame[keys].copy()
        merged = (as_successor["unit_level"] == "municipality") & as_successor["unit_code"].isin(successor.index)
        as_successor.loc[merged, "unit_code"] = as_successor.loc[merged, "unit_code"].map(successor)
        replaced = as_successor.merge(covered.assign(_later=True), on=keys, how="left")["_later"]
        kept.append(frame[~replaced.fillna(False).to_numpy(bool)])
        covered = pd.concat([covered, frame[keys]]).drop_duplicates()
    return pd.concat(reversed(kept), ignore_index=True)


def load_11ra(path=None) -> pd.DataFrame:
    """Key figures of the population (StatFin 11ra): counts by age made from published shares."""
    return load_pxweb_file(path) if path else _combined(_pxweb_frames("vaerak_11ra"))


def load_121w(path=None) -> pd.DataFrame:
    """Population changes (StatFin 121w): births, deaths, migration, total change."""
    return load_pxweb_file(path) if path else _combined(_pxweb_frames("ssaaty_121w"))


# --- access -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def load_source(source_id: str) -> pd.DataFrame:
    """The tidy frame of one shipped source (cached; treat it as read-only).

    Reading and validating a source takes about a second; every process of a build needs the
    same frames. So a validated frame is also kept on disk (``outputs/.cache/sources``) under
    a key made of the files' checksums (each checked against the manifest, as always), the
    code that reads them and pandas' version: any change to one of them reads and validates
    the files again. A cache that cannot be read or written is passed over.
    """
    source = SOURCES[source_id]
    cached = SOURCE_CACHE_DIR / f"{source_id}-{_cache_key(source)}.pickle"
    try:
        return pd.read_pickle(cached)
    except Exception:  # absent, unreadable or from another pandas: read the files again
        pass
    frame = globals()[source.loader]()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f".{cached.name}.{os.getpid()}")
        frame.to_pickle(temporary)
        os.replace(temporary, cached)
        for stale in cached.parent.glob(f"{source_id}-*.pickle"):
            if stale != cached:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return frame


def load_all_sources() -> None:
    """Load every shipped source, so that its validated frame is on disk (see
    :func:`load_source`) for the other processes of a build."""
    for source_id in SOURCES:
        load_source(source_id)


def _cache_key(source: Source) -> str:
    """Key of a source's cached frame; checks every file against the manifest first."""
    manifest = load_manifest().set_index("file")
    digest = hashlib.sha256(pd.__version__.encode())
    for name in source.files:
        shipped_path(name)  # a changed or damaged file fails here, cached or not
        digest.update(manifest.loc[name, "sha256"].encode())
    for path in data_dir_files(source.id):
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
    for module in ("sources.py", "areas.py", "pxweb.py", "pxweb_tables.yaml"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


def load_employment_statistics(path: str | None = None) -> pd.DataFrame:
    """Load TEM's employment service statistics (StatFin 12r5) as a tidy, validated frame.

    Returns
    -------
    DataFrame
        ``unit_level`` (municipality, seutukunta, maakunta, ely, national), ``unit_code``
        (municipality '091', ELY '01', region '01', whole country 'SSS'), ``period`` 'YYYY-MM',
        ``variable`` (unemployed, labour_force, vacancies), ``value`` (float, NaN where not
        published) and ``suppressed`` (True where the source printed a marker).
    """
    return load_12r5(path) if path else load_source("tyonv_12r5")


@functools.lru_cache(maxsize=16)
def _source_tables(source_id: str) -> tuple[dict, dict]:
    """Every (variable, unit level) of a source as a matrix of values and one of presence."""
    tidy = load_source(source_id)
    variable_codes, variable_names = pd.factorize(tidy["variable"], sort=True)
    level_codes, level_names = pd.factorize(tidy["unit_level"], sort=True)
    unit_codes, unit_names = pd.factorize(tidy["unit_code"], sort=True)
    period_codes, period_names = pd.factorize(tidy["period"], sort=True)
    unit_names, period_names = np.asarray(unit_names, dtype=object), np.asarray(period_names, dtype=object)
    key_codes = variable_codes * len(level_names) + level_codes
    key_names = [(v, u) for v in variable_names for u in level_names]
    values = tidy["value"].to_numpy(dtype=float)
    order = np.argsort(key_codes, kind="stable")
    bounds = np.searchsorted(key_codes[order], np.arange(len(key_names) + 1))
    matrices, presence = {}, {}
    for number, (variable, unit_level) in enumerate(key_names):
        rows = order[bounds[number]:bounds[number + 1]]
        if not len(rows):
            continue
        units, unit_index = np.unique(unit_codes[rows], return_inverse=True)
        months, month_index = np.unique(period_codes[rows], return_inverse=True)
        data = np.full((len(units), len(months)), np.nan)
        data[unit_index, month_index] = values[rows]
        present = np.zeros((len(units), len(months)), dtype=bool)
        present[unit_index, month_index] = True
        index = pd.Index(unit_names[units], name="unit_code")
        columns = pd.Index(period_names[months], name="period")
        matrices[(variable, unit_level)] = pd.DataFrame(data, index=index, columns=columns)
        presence[(variable, unit_level)] = pd.DataFrame(present, index=index, columns=columns)
    return matrices, presence


def clear_matrices() -> None:
    """Forget the matrices made from the loaded sources (they are made again on the next use):
    for a benchmark that times making them, or after the data folder changed in a process."""
    _source_tables.cache_clear()
    _merged.cache_clear()


def source_matrices(source_id: str) -> dict[tuple[str, str], pd.DataFrame]:
    """Every (variable, unit level) of a source as a matrix, made in one pass over its rows.

    Rows are unit codes (sorted), columns are the periods the pair has rows for (sorted).
    A unit the source does not cover has no row (unlike a suppressed cell, which is NaN);
    :func:`component_presence` tells a cell the source has no row for from a suppressed one.
    """
    return _source_tables(source_id)[0]


def component_matrix(variable: str, unit_level: str = "municipality") -> pd.DataFrame:
    """One component as a matrix: rows are units of ``unit_level``, columns are periods.

    A unit the source does not cover has no row (unlike a suppressed cell, which is NaN).
    Shared between callers: treat it as read-only.
    """
    return _merged_matrix(variable, unit_level)


def component_presence(variable: str, unit_level: str = "municipality") -> pd.DataFrame:
    """Where the sources have a row for a component (True), suppressed or not; the same
    index and columns as :func:`component_matrix`."""
    return _merged(variable, unit_level)[1]


def _merged_matrix(variable: str, unit_level: str) -> pd.DataFrame:
    return _merged(variable, unit_level)[0]


@functools.lru_cache(maxsize=512)
def _merged(variable: str, unit_level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A variable's matrix from its sources: the first source's rows (suppressed cells too)
    stand, and each further source fills the cells the ones before have no row for."""
    spec = VARIABLES[variable]
    found = []
    for source_id in (spec.source, *spec.also):
        matrices, presence = _source_tables(source_id)
        if (variable, unit_level) in matrices:
            found.append((matrices[(variable, unit_level)], presence[(variable, unit_level)]))
    if not found:
        empty = pd.DataFrame(index=pd.Index([], name="unit_code", dtype=object),
                             columns=pd.Index([], name="period", dtype=object), dtype=float)
        return empty, empty.astype(bool)
    merged, present = found[0]
    for other, other_present in found[1:]:
        units = merged.index.union(other.index)
        columns = merged.columns.union(other.columns)
        mine = present.reindex(index=units, columns=columns, fill_value=False)
        merged = merged.reindex(index=units, columns=columns).where(mine, other.reindex(index=units, columns=columns))
        present = mine | other_present.reindex(index=units, columns=columns, fill_value=False)
        merged.index.name = present.index.name = "unit_code"
        merged.columns.name = present.columns.name = "period"
    return merged, present


def source_variables() -> list[str]:
    """Names of the component variables the shipped sources provide."""
    return list(VARIABLES)


def periods(frequency: str = "month") -> list[str]:
    """All periods of the main table (12r5) in order: months, or the years they touch."""
    months = sorted(load_source("tyonv_12r5")["period"].unique())
    return months if frequency == "month" else sorted({m[:4] for m in months})


def variable_periods(variable: str) -> list[str]:
    """The periods a variable is published for (whole country or any municipality)."""
    spec = VARIABLES[variable]
    found = set()
    for source_id in (spec.source, *spec.also):
        for (name, _), matrix in source_matrices(source_id).items():
            if name == variable:
                found.update(matrix.columns[matrix.notna().any(axis=0)])
    return sorted(found)


def latest_complete_period() -> str:
    """The latest month whose whole-country row and every municipality row are published.

    Single suppressed municipal cells do not make a month incomplete: area sums carry a note.
    """
    from .areas import load_key, load_mergers

    tidy = load_source("tyonv_12r5")
    main = tidy["variable"].isin(["unemployed", "labour_force"])
    national = tidy[main & (tidy["unit_level"] == "national")]
    national_ok = national.groupby("period")["value"].apply(lambda v: v.notna().all())
    municipal = tidy[main & (tidy["unit_level"] == "municipality")]
    successor = load_mergers().set_index("old_code")["new_code"]
    current = municipal["unit_code"].map(successor).fillna(municipal["unit_code"])
    rows = current.groupby(municipal["period"]).nunique()  # municipalities of the 2025 division covered
    complete = national_ok[national_ok].index.intersection(rows[rows >= len(load_key())].index)
    return max(complete)
