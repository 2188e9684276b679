"""Data packages: each employment area's indicator values as files a municipality can reuse.

``ohti build`` writes one package per area it builds, under ``outputs/<period>/data/``::

    data/36_savonlinna/values.csv            area, and the whole country for reference
    data/36_savonlinna/values_fi.csv         the same for Finnish spreadsheets
    data/36_savonlinna/municipalities.csv    each member municipality
    data/36_savonlinna/municipalities_fi.csv
    data/36_savonlinna/definitions.csv       the registry's definition of each indicator
    data/36_savonlinna/definitions_fi.csv
    data/36_savonlinna/sources.csv           the shipped statistics, licence and attribution
    data/36_savonlinna/sources_fi.csv
    data/36_savonlinna/36_savonlinna.xlsx    all four as sheets of one workbook
    data/36_savonlinna/LUEMINUT.txt          what the files are (Finnish, Swedish, English)
    data/36_savonlinna.zip                   the folder in one file

Two CSV dialects:

- ``<name>.csv``: UTF-8 without a byte-order mark, comma-separated, decimal point: for programs
  (R, Python, databases).
- ``<name>_fi.csv``: UTF-8 *with* a byte-order mark, semicolon-separated, decimal comma: what
  Excel and LibreOffice expect in Finnish and Swedish locales (the mark makes Excel read the
  file as UTF-8, so that "ä" and "ö" are not garbled).

Numbers are written unrounded (up to ten significant digits), without thousands separators.
Missing and suppressed values are empty cells, never zero.

The values are those of :func:`ohti.indicators.comparison.compare_values` with the disclosure gate
(:func:`ohti.indicators.disclosure.apply_disclosure`) applied: the columns of ``ohti values`` (``level,
area_code, area_name, period, indicator, value, numerator, denominator, note``), then
``lower, upper, significance`` and ``suppression`` ("primary", "secondary", or empty where
nothing was suppressed). Each indicator is given for the period the area document shows it
for (:func:`ohti.indicators.periods.resolve_period`): monthly ones for the month, annual ones for its year
or the latest year with data.

The values of every area are computed once per build (all areas and municipalities in one
pass per indicator), so writing 45 packages costs little more than writing one.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ohti._files import PUBLISHED_FILE_MODE, replacing
from ohti.build.execute import source_date_epoch
from ohti.errors import ParameterError
from ohti.indicators.comparison import compare_values
from ohti.indicators.compute import VALUE_COLUMNS, check_periods, indicator_coverage
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.indicators.periods import resolve_period
from ohti.indicators.registry import indicator_ids, load_registry
from ohti.paths import MANIFEST_PATH, OUTPUTS_DIR
from ohti.sources import areas
from ohti.sources.provenance import source_records

#: Folder of the packages inside a period's outputs.
PACKAGES_FOLDER = "data"

#: Columns of the values and municipalities tables (``ohti values`` and the comparison).
PACKAGE_COLUMNS = [*VALUE_COLUMNS, "lower", "upper", "significance", "suppression"]

#: Columns of the definitions table (registry fields; names in fi, sv, en).
DEFINITION_COLUMNS = [
    "indicator", "name_fi", "name_sv", "name_en", "description_fi", "description_sv", "description_en",
    "unit_fi", "unit_sv", "unit_en", "statistic", "multiplier", "numerator", "denominator", "polarity",
    "kind", "theme", "decimals", "ci_method", "suppression_threshold", "source", "first_period",
    "last_period", "legal_basis", "key", "period_area", "period_municipality",
]

#: Columns of the sources table (from ``ohti/data/MANIFEST.csv``).
SOURCE_COLUMNS = ["file", "publisher", "licence", "origin", "extracted", "coverage", "attribution",
                  "source", "table", "copy", "updated", "first_period", "last_period"]

#: The tables of a package: file stem and sheet name.
TABLES = ("values", "municipalities", "definitions", "sources")

README_NAME = "LUEMINUT.txt"
CSV_FLOAT_FORMAT = "%.10g"


@dataclasses.dataclass(frozen=True)
class Package:
    """The files of one area's package (absolute paths)."""

    code: str
    name: str
    folder: Path
    zip: Path
    xlsx: Path
    csv: dict  # table → plain CSV
    csv_fi: dict  # table → semicolon/decimal-comma CSV


def slug(text: str) -> str:
    """A file-name form of a name: ASCII lower case, words joined by '_' ('Etelä-Häme' →
    'etela_hame')."""
    words = re.sub(r"[\W_]+", " ", str(text))  # dashes and other punctuation separate words
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_") or "area"


def package_stem(code: str) -> str:
    """``<code>_<slug of the Finnish name>``, e.g. ``36_savonlinna``."""
    return f"{code}_{slug(areas.unit_name('area', code, 'fi'))}"


# --------------------------------------------------------------------------- the tables


@functools.lru_cache(maxsize=4)
def period_values(period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every computable indicator's values for the document period, through the disclosure gate.

    Returns
    -------
    (area, municipality, periods)
        Long frames of :data:`PACKAGE_COLUMNS` for all employment areas plus the whole country,
        and for all municipalities; and a frame ``indicator, period_area,
        period_municipality`` of the period each indicator is given for.
    """
    (period,) = check_periods([period])
    area_frames, municipality_frames, shown = [], [], []
    for ident in indicator_ids(computable=True):
        at_area = resolve_period(ident, period, "area")
        at_municipality = resolve_period(ident, period, "municipality")
        shown.append({"indicator": ident, "period_area": at_area or "", "period_municipality": at_municipality or ""})
        if at_area:
            for level in ("area", "national"):
                area_frames.append(compare_values(ident, level, periods=[at_area], disclosure=False))
        if at_municipality:
            municipality_frames.append(compare_values(ident, "municipality", periods=[at_municipality],
                                                      disclosure=False))

    def gate(frames):
        if not frames:
            return pd.DataFrame(columns=PACKAGE_COLUMNS)
        frame = apply_disclosure(pd.concat(frames, ignore_index=True))
        frame = frame.rename(columns={STATUS_COLUMN: "suppression"})
        frame["suppression"] = frame["suppression"].fillna("").astype(str)
        frame["note"] = frame["note"].fillna("").astype(str)
        return frame[PACKAGE_COLUMNS]

    return gate(area_frames), gate(municipality_frames), pd.DataFrame(shown)


def definitions_table(periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registry's definition of each computable indicator (and the periods a package gives
    it for, when `periods` from :func:`period_values` is given)."""
    rows = []
    for indicator in load_registry().values():
        if not indicator.computable:
            continue
        row = {"indicator": indicator.id}
        for field in ("name", "description", "unit"):
            for language in ("fi", "sv", "en"):
                row[f"{field}_{language}"] = getattr(indicator, field)[language]
        row.update({
            "statistic": indicator.statistic, "multiplier": indicator.multiplier,
            "numerator": " + ".join(indicator.numerator), "denominator": " + ".join(indicator.denominator),
            "polarity": indicator.polarity, "kind": indicator.kind, "theme": indicator.theme,
            "decimals": indicator.decimals, "ci_method": indicator.ci_method,
            "suppression_threshold": indicator.suppression_threshold, "source": indicator.source,
            "first_period": indicator_coverage(indicator.id)[0], "last_period": indicator_coverage(indicator.id)[1],
            "legal_basis": indicator.legal_basis or "", "key": ";".join(str(year) for year in indicator.key),
        })
        rows.append(row)
    table = pd.DataFrame(rows)
    if periods is not None and not table.empty:
        table = table.merge(periods, on="indicator", how="left")
    for column in DEFINITION_COLUMNS:
        if column not in table:
            table[column] = ""
    return table[DEFINITION_COLUMNS].fillna("")


def sources_table() -> pd.DataFrame:
    """Every data file with publisher, licence, origin and attribution (the shipped manifest
    and the data folder's), then which ohti source and StatFin table it is, whether it was
    shipped, refreshed or imported (``copy``), the table's update time and the periods it covers."""
    with open(MANIFEST_PATH, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = {r["file"]: r for r in source_records() if r["origin"] == "shipped"}
    for row in rows:
        record = records.get(row["file"], {})
        row.update({"source": record.get("source", ""), "table": row.get("table", ""), "copy": "shipped",
                    "updated": row.get("updated", ""), "first_period": record.get("first_period", ""),
                    "last_period": record.get("last_period", "")})
    for record in source_records():
        if record["origin"] != "shipped":
            rows.append({"file": record["file"], "publisher": record["publisher"], "licence": record["licence"],
                         "origin": record["url"], "extracted": record["retrieved"], "coverage": "",
                         "attribution": record["attribution"], "source": record["source"], "table": record["table"],
                         "copy": record["origin"], "updated": record["updated"],
                         "first_period": record["first_period"], "last_period": record["last_period"]})
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS).fillna("")


def area_tables(code: str, period: str) -> dict[str, pd.DataFrame]:
    """The four tables of one area's package."""
    (code,) = areas.check_codes("area", [code])
    area, municipality, periods = period_values(period)
    members = list(areas.members("area", code).index)
    values = area[((area["area_code"] == code) & (area["level"] == "area")) | (area["level"] == "national")]
    order = {ident: position for position, ident in enumerate(periods["indicator"])}
    values = values.sort_values(["indicator", "level"], key=lambda s: s.map(order) if s.name == "indicator" else s,
                                kind="stable").reset_index(drop=True)
    in_area = municipality[municipality["area_code"].isin(members)]
    in_area = in_area.sort_values(["indicator", "area_code"],
                                  key=lambda s: s.map(order) if s.name == "indicator" else s,
                                  kind="stable").reset_index(drop=True)
    return {
        "values": values,
        "municipalities": in_area,
        "definitions": definitions_table(periods),
        "sources": sources_table(),
    }


# --------------------------------------------------------------------------- the files


def csv_text(frame: pd.DataFrame, *, finnish: bool = False) -> str:
    """A table as CSV text: plain (comma, decimal point) or Finnish (semicolon, decimal comma).

    The byte-order mark of the Finnish dialect is added when the file is written.
    """
    return frame.to_csv(index=False, sep=";" if finnish else ",", decimal="," if finnish else ".",
                        float_format=CSV_FLOAT_FORMAT, lineterminator="\r\n" if finnish else "\n")


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """A workbook with one sheet per table: bold, frozen header row, numbers as numbers, missing
    values as empty cells. Written with XlsxWriter, whose zip entries carry a fixed date; the
    document properties carry the build's fixed date, so the same tables give the same bytes."""
    import xlsxwriter

    moment = _fixed_moment()
    with replacing(path, suffix=Path(path).suffix) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary))
        workbook.set_properties({"author": "ohti", "created": moment})
        bold = workbook.add_format({"bold": True})
        for name, frame in tables.items():
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, [str(column) for column in frame.columns], bold)
            for line, row in enumerate(frame.itertuples(index=False), start=1):
                for position, value in enumerate(row):
                    if not pd.isna(value):  # None, NaN, pd.NA and NaT stay empty cells
                        sheet.write(line, position, value.item() if isinstance(value, np.generic) else value)
            sheet.freeze_panes(1, 0)
            for position, column in enumerate(frame.columns):
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))] or [8])
                sheet.set_column(position, position, min(max(width + 2, 8), 60))
        workbook.close()
    return path


def readme_text(code: str, name: str, period: str) -> str:
    """What the package holds, in Finnish, Swedish and English."""
    attribution = "; ".join(dict.fromkeys(sources_table()["attribution"]))
    return "\n".join([
        f"{name} ({code}), {period}",
        "",
        "Työllisyysalueen ja sen kuntien indikaattoriarvot luottamusväleineen, huomautuksineen ja",
        "tietosuojasta johtuvine salauksineen (sarake suppression), indikaattorien määritelmät ja lähteet.",
        "values = alue ja koko maa, municipalities = kunnat, definitions = määritelmät, sources = lähteet.",
        "*_fi.csv: puolipiste erottimena ja desimaalipilkku (Excel, suomalainen asetus); *.csv: pilkku ja",
        "desimaalipiste. Puuttuva tai salattu arvo on tyhjä solu, ei nolla.",
        "",
        "Områdets och dess kommuners indikatorvärden med konfidensintervall, anmärkningar och skydd av",
        "små tal (kolumnen suppression), indikatorernas definitioner och källor. *_fi.csv: semikolon och",
        "decimalkomma; *.csv: komma och decimalpunkt. Saknade eller skyddade värden är tomma celler.",
        "",
        "The area's and its municipalities' indicator values with 95 % intervals, notes and the",
        "suppression of small counts applied (column suppression), the indicators' definitions and",
        "sources. *_fi.csv: semicolon and decimal comma; *.csv: comma and decimal point. Missing or",
        "suppressed values are empty cells, never zero.",
        "",
        "Lisenssi / Licens / Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).",
        f"Lähde / Källa / Source: {attribution}.",
        "",
    ])


def package_files(code: str, period_dir: Path, tables=None) -> Package:
    """Where one area's package lies in ``<period_dir>/data/`` (nothing is written)."""
    (code,) = areas.check_codes("area", [code])
    stem = package_stem(code)
    folder = Path(period_dir) / PACKAGES_FOLDER / stem
    tables = list(tables) if tables is not None else list(TABLES)
    return Package(code=code, name=areas.unit_name("area", code, "fi"), folder=folder,
                   zip=Path(period_dir) / PACKAGES_FOLDER / f"{stem}.zip", xlsx=folder / f"{stem}.xlsx",
                   csv={table: folder / f"{table}.csv" for table in tables},
                   csv_fi={table: folder / f"{table}_fi.csv" for table in tables})


def write_package(code: str, period: str, period_dir: Path) -> Package:
    """Write one area's package into ``<period_dir>/data/`` (files replaced atomically)."""
    (code,) = areas.check_codes("area", [code])
    tables = area_tables(code, period)
    package = package_files(code, period_dir, tables)
    package.folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for table, frame in tables.items():
        files[package.csv[table].name] = csv_text(frame).encode("utf-8")
        files[package.csv_fi[table].name] = b"\xef\xbb\xbf" + csv_text(frame, finnish=True).encode("utf-8")
    files[README_NAME] = readme_text(code, package.name, period).encode("utf-8")
    for file_name, content in files.items():
        _write_bytes(package.folder / file_name, content)
    write_xlsx(tables, package.xlsx)
    _write_zip(package.zip, package.folder.name, {**files, package.xlsx.name: package.xlsx.read_bytes()})
    return package


def write_packages(codes, period: str, outputs_dir=None, *, progress: bool = True) -> dict[str, Package]:
    """Write the packages of the given areas for a period; return them by area code.

    Raises
    ------
    UnknownAreaError, PeriodError
        For an unknown area code or a period without data.
    """
    from tqdm import tqdm

    codes = areas.check_codes("area", list(codes))
    if not isinstance(period, str) or not period:
        raise ParameterError(f"period {period!r}: give a month as YYYY-MM")
    period_dir = Path(outputs_dir if outputs_dir is not None else OUTPUTS_DIR).resolve() / period
    period_values(period)  # computed once, before the bar starts
    packages = {}
    for code in tqdm(codes, desc="data packages", unit="area", file=sys.stderr, disable=not progress):
        packages[code] = write_package(code, period, period_dir)
    return packages


# --------------------------------------------------------------------------- helpers


def _fixed_moment() -> datetime.datetime:
    """The build's fixed date (``SOURCE_DATE_EPOCH``), so that the same data give the same bytes."""
    return datetime.datetime.fromtimestamp(int(source_date_epoch()), tz=datetime.timezone.utc).replace(tzinfo=None)


def _write_zip(path: Path, folder: str, files: dict[str, bytes]) -> None:
    moment = _fixed_moment().timetuple()[:6]
    with replacing(path, suffix=Path(path).suffix) as temporary:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(f"{folder}/{name}", date_time=moment)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (PUBLISHED_FILE_MODE | 0o100000) << 16
                archive.writestr(info, files[name])


def _write_bytes(path: Path, content: bytes) -> None:
    with replacing(path, suffix=Path(path).suffix) as temporary:
        temporary.write_bytes(content)
