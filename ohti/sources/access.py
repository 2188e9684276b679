"""The shipped sources as the indicators read them: each validated frame once per process (and
kept on disk between processes), and each variable as a matrix of units × periods.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ohti import cache
from ohti._files import file_digest
from ohti.sources import loaders
from ohti.sources.areas import load_key, load_mergers
from ohti.sources.files import load_manifest, shipped_path
from ohti.sources.loaders import data_dir_files, load_12r5
from ohti.sources.variables import SOURCES, VARIABLES, Source

#: Validated frames of the shipped sources, kept between processes (see :func:`load_source`).
SOURCE_CACHE_DIR = cache.CACHE_DIR / "sources"


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
    return cache.frame(source_id, _cache_key(source), getattr(loaders, source.loader),
                       folder=SOURCE_CACHE_DIR, format="pickle")


def load_all_sources() -> None:
    """Load every shipped source, so that its validated frame is on disk (see
    :func:`load_source`) for the other processes of a build."""
    for source_id in SOURCES:
        load_source(source_id)


#: The code that reads and validates a source: a change to it reads the files again.
READING_CODE = ("sources", "errors.py", "paths.py", "pxweb_tables.yaml")


def _cache_key(source: Source) -> str:
    """Key of a source's cached frame; checks every file against the manifest first."""
    manifest = load_manifest().set_index("file")
    shipped = []
    for name in source.files:
        shipped_path(name)  # a changed or damaged file fails here, cached or not
        shipped.append(manifest.loc[name, "sha256"])
    refreshed = [file_digest(path) for path in data_dir_files(source.id)]  # each checked, too
    return cache.key(code=READING_CODE, libraries=("pandas",), extra={"shipped": shipped, "refreshed": refreshed})


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

