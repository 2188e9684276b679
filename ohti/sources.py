"""Read the shipped statistics, validate them, and return tidy frames of components.

This module knows files and their rules, nothing about indicators. Every problem in a file
is collected and reported at once in one :class:`~ohti.errors.SourceDataError`.
Suppression markers become missing values, never zeros.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SourceDataError
from .paths import DATA_DIR, MANIFEST_PATH

#: StatFin's markers for a value that is not published (confidential, not available, nil).
SUPPRESSION_MARKERS = frozenset({"", ".", "..", "...", "-", "NA", "N/A", "nan", "NaN"})

EMPLOYMENT_STATISTICS_FILE = "tyonv_12r5/tyonv_12r5_all_regions_2006_2023.csv.gz"

#: Source columns of table 12r5 and the component variable each one carries.
EMPLOYMENT_VARIABLES = {
    "tyottomat_tyonhakijat": "unemployed",
    "tyovoima_tk": "labour_force",
    "avoimet_tyopaikat": "vacancies",
}

#: Levels of rows in table 12r5, as written in its ``alue_tyyppi`` column.
EMPLOYMENT_ROW_LEVELS = {
    "kunta": "municipality",
    "seutukunta": "seutukunta",
    "maakunta": "maakunta",
    "ely": "ely",
    "koko_maa": "national",
}

NATIONAL_CODE = "SSS"
PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_REPORTED_PROBLEMS = 200


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


def read_text(path: Path) -> str:
    """Read a text file (optionally gzipped) as UTF-8, with or without BOM, else Latin-1."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_table(path: Path) -> pd.DataFrame:
    """Read a delimited text file as strings, keeping every cell as written."""
    text = read_text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter,
        quoting=csv.QUOTE_MINIMAL,
    )


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse published counts: markers become missing, decimal commas are accepted.

    Returns
    -------
    numbers : Series of float, NaN where missing or invalid
    suppressed : Series of bool, True where a suppression marker stood
    invalid : Series of bool, True where the cell is neither a number nor a marker
    """
    text = values.astype(str).str.strip()
    suppressed = text.isin(SUPPRESSION_MARKERS)
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.where(cleaned.str.contains(r"\.", regex=True), cleaned.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(cleaned.where(~suppressed), errors="coerce")
    invalid = numbers.isna() & ~suppressed
    return numbers.astype(float), suppressed, invalid


def validate_employment_statistics(raw: pd.DataFrame, path, municipality_codes) -> pd.DataFrame:
    """Check a 12r5 extract and return it tidy; raise with every problem found.

    Parameters
    ----------
    raw : DataFrame of str
        The file as read by :func:`read_table`.
    path : path-like
        The file, for messages.
    municipality_codes : collection of str
        Municipality codes that may appear (the 2025 key and the merged codes).

    Returns
    -------
    DataFrame
        Columns ``unit_level, unit_code, period, variable, value, suppressed``.

    Raises
    ------
    SourceDataError
        With one message per problem: row, column, value and rule.
    """
    required = ["alue_code", "alue_tyyppi", "kuntakoodi", "kuukausi", *EMPLOYMENT_VARIABLES]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise SourceDataError(path, [f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}"])
    problems: list[tuple[int, str]] = []
    rownum = pd.Series(np.arange(len(raw)) + 2, index=raw.index)  # line in the file; the header is line 1

    def report(mask, column, rule):
        for idx in raw.index[mask][:MAX_REPORTED_PROBLEMS]:
            problems.append((rownum[idx], f"row {rownum[idx]}, column {column}: {raw.at[idx, column]!r} {rule}"))

    level = raw["alue_tyyppi"].map(EMPLOYMENT_ROW_LEVELS)
    report(level.isna(), "alue_tyyppi", f"is not a known row type ({', '.join(EMPLOYMENT_ROW_LEVELS)})")
    report(~raw["kuukausi"].str.match(PERIOD_PATTERN), "kuukausi", "is not a month YYYY-MM")
    is_municipality = level == "municipality"
    code = raw["kuntakoodi"].str.strip()
    report(is_municipality & ~code.isin(set(municipality_codes)), "kuntakoodi",
           "is not a municipality in the 2025 key or its merger list")
    unit_code = raw["alue_code"].where(~is_municipality, code)
    unit_code = unit_code.where(level != "ely", raw["alue_code"].str.replace("ELY", "", regex=False))
    unit_code = unit_code.where(level != "maakunta", raw["alue_code"].str.replace("MK", "", regex=False))
    unit_code = unit_code.where(level != "seutukunta", raw["alue_code"].str.replace("SK", "", regex=False))
    dup = pd.DataFrame({"u": unit_code, "l": level, "p": raw["kuukausi"]}).duplicated(keep="first")
    report(dup, "alue_code", "is repeated for the same month")
    values = {}
    for column, variable in EMPLOYMENT_VARIABLES.items():
        numbers, suppressed, invalid = parse_counts(raw[column])
        report(invalid, column, "is neither a number nor a suppression marker")
        report(numbers < 0, column, "is a negative count")
        report(numbers.notna() & (numbers % 1 != 0), column, "is not a whole count")
        values[variable] = (numbers, suppressed)
    numerator_over = values["unemployed"][0] > values["labour_force"][0]
    report(numerator_over, "tyottomat_tyonhakijat", "exceeds the labour force (tyovoima_tk) of the same row")
    if problems:
        raise SourceDataError(path, [text for _, text in sorted(problems, key=lambda item: item[0])])
    frames = [
        pd.DataFrame({
            "unit_level": level, "unit_code": unit_code, "period": raw["kuukausi"],
            "variable": variable, "value": numbers, "suppressed": suppressed,
        })
        for variable, (numbers, suppressed) in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


@functools.lru_cache(maxsize=4)
def load_employment_statistics(path: str | None = None) -> pd.DataFrame:
    """Load TEM's employment service statistics (StatFin 12r5) as a tidy, validated frame.

    Parameters
    ----------
    path : str, optional
        A 12r5 extract in the shipped layout; the shipped snapshot by default.

    Returns
    -------
    DataFrame
        ``unit_level`` (municipality, seutukunta, maakunta, ely, national), ``unit_code``
        (municipality '091', ELY '01', region '01', whole country 'SSS'), ``period`` 'YYYY-MM',
        ``variable`` (unemployed, labour_force, vacancies), ``value`` (float, NaN where not
        published) and ``suppressed`` (True where the source printed a marker).
        The frame is shared between callers: treat it as read-only.
    """
    from .areas import source_municipality_codes

    file = Path(path) if path else shipped_path(EMPLOYMENT_STATISTICS_FILE)
    raw = read_table(file)
    return validate_employment_statistics(raw, file, source_municipality_codes())


def component_matrix(variable: str, unit_level: str = "municipality") -> pd.DataFrame:
    """One component as a matrix: rows are units of ``unit_level``, columns are periods."""
    tidy = load_employment_statistics()
    rows = tidy[(tidy["variable"] == variable) & (tidy["unit_level"] == unit_level)]
    return rows.pivot(index="unit_code", columns="period", values="value").sort_index(axis=1)


def source_variables() -> list[str]:
    """Names of the component variables the shipped sources provide."""
    return list(EMPLOYMENT_VARIABLES.values())


def periods() -> list[str]:
    """All months in the shipped employment statistics, in order."""
    tidy = load_employment_statistics()
    return sorted(tidy["period"].unique())


def latest_complete_period() -> str:
    """The latest month whose whole-country row and every municipality row are published.

    Single suppressed municipal cells do not make a month incomplete: area sums carry a note.
    """
    tidy = load_employment_statistics()
    national = tidy[tidy["unit_level"] == "national"]
    national_ok = national.groupby("period")["value"].apply(lambda v: v.notna().all())
    municipal = tidy[tidy["unit_level"] == "municipality"]
    rows = municipal.groupby("period")["unit_code"].nunique()
    complete = national_ok[national_ok].index.intersection(rows[rows == rows.max()].index)
    return max(complete)
