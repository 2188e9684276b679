"""Data packages: each employment area's figures as files a municipality can reuse, and
everything its document shows, so that the document can be rebuilt from them.

``ohti build`` writes one package per area it builds, under ``outputs/<period>/data/``::

    data/36_savonlinna/values.csv            area and whole country: value, interval, comparison
    data/36_savonlinna/indicator_table.csv   the document's indicator tables: ranks with their
                                             intervals, change in a year, trend, spread of the areas
    data/36_savonlinna/series.csv            the monthly series the charts draw
    data/36_savonlinna/expected.csv          observed against expected (the model of the areas)
    data/36_savonlinna/peers.csv             the key indicators beside the peer areas'
    data/36_savonlinna/changes.csv           what changed since the previous edition
    data/36_savonlinna/members.csv           the member municipalities
    data/36_savonlinna/municipalities.csv    each member municipality's values (the breakdown)
    data/36_savonlinna/definitions.csv       the registry's definition of each indicator
    data/36_savonlinna/sources.csv           the shipped statistics, licence and attribution
    data/36_savonlinna/<table>_fi.csv        each table for Finnish spreadsheets
    data/36_savonlinna/<table>_sv.csv        and for Swedish ones (areas with Swedish documents)
    data/36_savonlinna/36_savonlinna.xlsx    every table as a sheet, in the document's language
    data/36_savonlinna/36_savonlinna_sv.xlsx the same in Swedish (areas with Swedish documents)
    data/36_savonlinna/LUEMINUT.txt          what the files are (Finnish, Swedish, English)
    data/36_savonlinna.zip                   the folder in one file

and, once per period, every area in one table for those who compare areas themselves::

    data/all_areas.csv, all_areas_fi.csv, all_areas_sv.csv, all_areas.xlsx, all_areas_sv.xlsx

(the indicator table of all 45 areas: values, intervals, the country's value, ranks with their
intervals, changes and trends).

The forms of a table (:mod:`ohti.publish.package_dialects`):

- ``<table>.csv``: for programs (R, Python, databases): UTF-8 without a byte-order mark,
  comma-separated, decimal point, English headers and codes, every number unrounded (up to ten
  significant digits), no thousands separators.
- ``<table>_fi.csv`` / ``<table>_sv.csv``: for Excel and LibreOffice in Finnish and Swedish
  locales: UTF-8 *with* a byte-order mark (so that "ä" and "ö" are not garbled), semicolons,
  decimal comma; headers, categorical values and notes in the language, the indicator's name
  and unit beside its code; each number the document shows rounded as it shows it, followed by
  the same number at full precision.
- the workbook: the localized tables as sheets, numbers as numbers formatted with the
  document's decimals, an autofilter, the header row and the code and name columns frozen.

Missing and suppressed values are empty cells, never zero.

The tables (columns of the plain form; see LUEMINUT.txt for the words):

values, municipalities
    The columns of ``ohti values`` (``level, area_code, area_name, period, indicator, value,
    numerator, denominator, note``), then ``lower, upper, significance`` and ``suppression``
    ("primary", "secondary", or empty where nothing was suppressed), then ``name, unit,
    decimals`` (the indicator's, English; the decimals the documents show). The values are
    those of :func:`ohti.indicators.comparison.compare_values` with the disclosure gate
    (:func:`ohti.indicators.disclosure.apply_disclosure`) applied. Each indicator is given for
    the period the area document shows it for (:func:`ohti.indicators.periods.resolve_period`):
    monthly ones for the month, annual ones for its year or the latest year with data.
indicator_table, series, expected, peers, changes, members
    :mod:`ohti.publish.package_tables`.
definitions, sources
    The registry's definitions (:data:`DEFINITION_COLUMNS`) and the data files
    (:data:`SOURCE_COLUMNS`).

Every table of every area is computed once per build (all areas in one pass per indicator),
so writing 45 packages costs little more than writing one. The files are byte-reproducible:
no timestamps but the build's fixed date, rows in a stable order.
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

import pandas as pd

from ohti._files import PUBLISHED_FILE_MODE, replacing
from ohti.build.execute import source_date_epoch
from ohti.errors import ParameterError
from ohti.i18n import label
from ohti.indicators.comparison import compare_values
from ohti.indicators.compute import VALUE_COLUMNS, check_periods, indicator_coverage
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.indicators.periods import resolve_period
from ohti.indicators.registry import get_indicator, indicator_ids, load_registry
from ohti.paths import MANIFEST_PATH, OUTPUTS_DIR
from ohti.publish import package_tables
from ohti.publish.package_dialects import (
    CSV_FLOAT_FORMAT,
    LOCALIZED_LANGUAGES,
    localize,
    localized_csv,
    plain_csv,
    write_workbook,
)
from ohti.sources import areas
from ohti.sources.provenance import source_records

#: Folder of the packages inside a period's outputs.
PACKAGES_FOLDER = "data"

#: Columns of the values and municipalities tables (``ohti values`` and the comparison), then
#: the indicator's name and unit and the decimals the documents show.
GATED_COLUMNS = [*VALUE_COLUMNS, "lower", "upper", "significance", "suppression"]
PACKAGE_COLUMNS = [*GATED_COLUMNS, "name", "unit", "decimals"]

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

#: The tables of a package, in the order of the workbook's sheets, with their columns.
TABLE_COLUMNS = {
    "values": PACKAGE_COLUMNS,
    "indicator_table": package_tables.INDICATOR_TABLE_COLUMNS,
    "series": package_tables.SERIES_COLUMNS,
    "expected": package_tables.EXPECTED_COLUMNS,
    "peers": package_tables.PEER_COLUMNS,
    "changes": package_tables.CHANGE_COLUMNS,
    "members": package_tables.MEMBER_COLUMNS,
    "municipalities": PACKAGE_COLUMNS,
    "definitions": DEFINITION_COLUMNS,
    "sources": SOURCE_COLUMNS,
}
TABLES = tuple(TABLE_COLUMNS)

#: The file stem of the period's table of every area (in the packages' folder).
ALL_AREAS_STEM = "all_areas"
#: Its columns: the indicator table of every area.
ALL_AREAS_COLUMNS = package_tables.INDICATOR_TABLE_COLUMNS

README_NAME = "LUEMINUT.txt"


@dataclasses.dataclass(frozen=True)
class Package:
    """The files of one area's package (absolute paths).

    ``xlsx`` is the workbook in the area's first document language; ``workbooks`` has one per
    language (``xlsx`` among them). ``csv_sv`` is empty for areas without Swedish documents."""

    code: str
    name: str
    folder: Path
    zip: Path
    xlsx: Path
    csv: dict  # table → plain CSV
    csv_fi: dict  # table → Finnish spreadsheet CSV
    csv_sv: dict = dataclasses.field(default_factory=dict)  # table → Swedish spreadsheet CSV
    workbooks: dict = dataclasses.field(default_factory=dict)  # language → workbook
    languages: tuple = ("fi",)


@dataclasses.dataclass(frozen=True)
class AllAreas:
    """The files of a period's table of every area."""

    csv: Path
    localized: dict  # language → CSV
    workbooks: dict  # language → workbook


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
        Long frames of :data:`GATED_COLUMNS` for all employment areas plus the whole country,
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
            return pd.DataFrame(columns=GATED_COLUMNS)
        frame = apply_disclosure(pd.concat(frames, ignore_index=True))
        frame = frame.rename(columns={STATUS_COLUMN: "suppression"})
        frame["suppression"] = frame["suppression"].fillna("").astype(str)
        frame["note"] = frame["note"].fillna("").astype(str)
        return frame[GATED_COLUMNS]

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


def _with_names(frame: pd.DataFrame) -> pd.DataFrame:
    """A values frame with the indicator's English name and unit and the decimals shown."""
    indicators = {ident: get_indicator(ident) for ident in dict.fromkeys(frame["indicator"])}
    return frame.assign(name=frame["indicator"].map({i: x.label("en") for i, x in indicators.items()}),
                        unit=frame["indicator"].map({i: x.unit["en"] for i, x in indicators.items()}),
                        decimals=frame["indicator"].map({i: x.decimals for i, x in indicators.items()}).astype("Int64"))


def area_tables(code: str, period: str) -> dict[str, pd.DataFrame]:
    """The tables of one area's package (:data:`TABLE_COLUMNS`), English names and codes."""
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
    document = package_tables.area_document_tables(code, period)
    tables = {
        "values": _with_names(values),
        **document,
        "municipalities": _with_names(in_area),
        "definitions": definitions_table(periods),
        "sources": sources_table(),
    }
    return {name: tables[name].reindex(columns=TABLE_COLUMNS[name]) for name in TABLES}


def package_languages(code: str) -> tuple[str, ...]:
    """The languages an area's package is localized into: Finnish always (the ``_fi.csv`` files),
    and the languages of its documents (Swedish for areas with Swedish documents)."""
    shown = [language for language in areas.document_languages("area", code) if language in LOCALIZED_LANGUAGES]
    return tuple(dict.fromkeys([*shown, "fi"])) if shown else ("fi",)


# --------------------------------------------------------------------------- the files


def csv_text(frame: pd.DataFrame, *, finnish: bool = False) -> str:
    """A table as CSV text of numbers unrounded: plain (comma, decimal point) or with semicolons
    and decimal commas. (The packages' localized files are :func:`localized_csv`.)"""
    return frame.to_csv(index=False, sep=";" if finnish else ",", decimal="," if finnish else ".",
                        float_format=CSV_FLOAT_FORMAT, lineterminator="\r\n" if finnish else "\n")


def sheet_name(table: str, language: str) -> str:
    """A table's sheet name in the workbook of `language`."""
    return label(f"package_sheet_{table}", language)


def readme_text(code: str, name: str, period: str, languages=("fi",)) -> str:
    """What the package holds, in Finnish, Swedish and English."""
    attribution = "; ".join(dict.fromkeys(sources_table()["attribution"]))
    swedish = "sv" in languages
    return "\n".join([
        f"{name} ({code}), {period}",
        "",
        "SUOMEKSI",
        "",
        "Tässä paketissa ovat kaikki luvut, jotka alueen arviointiasiakirjassa näkyvät, niin että",
        "asiakirjan taulukot voi koota niistä uudelleen, ja lisäksi alueen kuntien luvut.",
        "",
        "  values            alue ja koko maa: arvo, 95 %:n luottamusväli, ero koko maahan",
        "  indicator_table   asiakirjan indikaattoritaulukot: sija alueiden joukossa luottamusväleineen,",
        "                    muutos vuodessa, viiden vuoden suunta, alueiden arvojen vaihteluväli",
        "  series            kuvioiden kuukausisarjat: alue, koko maa ja kausitasoitettu sarja",
        "  expected          toteutunut ja odotettu arvo (alueiden toimintaympäristön malli)",
        "  peers             avainindikaattorit vertailualueiden yhteisen arvon rinnalla",
        "  changes           mikä muuttui edellisestä arviosta",
        "  members           jäsenkunnat",
        "  municipalities    jäsenkuntien arvot",
        "  definitions       indikaattorien määritelmät",
        "  sources           lähteet, lisenssit ja tilastojen päivitysajat",
        "",
        "Kukin taulukko on kolmessa muodossa. *_fi.csv on Excelille ja LibreOfficelle suomalaisin",
        "asetuksin: puolipiste erottimena, desimaalipilkku, otsikot ja luokat suomeksi ja indikaattorin",
        "nimi tunnuksen vieressä. Luku on pyöristetty kuten asiakirjassa, ja sen perässä on sama luku",
        "tarkkana (sarake \"..., tarkka arvo\"). Työkirja (.xlsx) sisältää samat taulukot välilehtinä,",
        "luvut lukuina asiakirjan desimaalein. *.csv on ohjelmille (R, Python): pilkku erottimena,",
        "desimaalipiste, englanninkieliset sarakkeet ja koodit, luvut pyöristämättä.",
        "Kaikkien alueiden luvut ovat kansiossa ylempänä: all_areas.csv, all_areas_fi.csv, all_areas.xlsx.",
        "",
        "Puuttuva tai salattu arvo on tyhjä solu, ei koskaan nolla. Alle kynnysarvon olevia",
        "henkilömääriä ei julkaista, eikä niitä voi päätellä muista luvuista (sarake salaus).",
        "",
        "PÅ SVENSKA",
        "",
        "Paketet innehåller alla siffror som syns i områdets utvärderingsdokument, så att dokumentets",
        "tabeller kan byggas upp igen ur dem, och dessutom siffrorna för områdets kommuner. Tabellerna",
        "är de ovan nämnda (values = området och hela landet, indicator_table = dokumentets",
        "indikatortabeller med placering och intervall, series = diagrammens månadsserier, expected =",
        "observerat och förväntat, peers = jämförelseområden, changes = förändringar sedan förra",
        "bedömningen, members = medlemskommuner, municipalities = kommunernas värden, definitions =",
        "definitioner, sources = källor).",
        ("*_sv.csv och arbetsboken *_sv.xlsx är på svenska; " if swedish else
         "Filerna *_fi.csv och arbetsboken är på finska; ") + "semikolon som avgränsare och decimalkomma,",
        "talet avrundat som i dokumentet och därefter exakt. *.csv är för program: komma, decimalpunkt,",
        "engelska kolumnnamn, oavrundade tal. Alla områden i en tabell: all_areas.csv i mappen ovanför.",
        "Saknade eller skyddade värden är tomma celler, aldrig noll.",
        "",
        "IN ENGLISH",
        "",
        "This package holds every figure the area's evaluation document shows, so that its tables",
        "can be rebuilt from it, and the figures of the area's municipalities. The tables are those",
        "listed above. Each comes in three forms: *.csv for programs (comma, decimal point, English",
        "headers and codes, unrounded numbers); *_fi.csv" + (" and *_sv.csv" if swedish else "") + " for spreadsheets",
        "(semicolon, decimal comma, headers and categories in the language, each number rounded as",
        "the document shows it and then at full precision); and the workbook (.xlsx) with number",
        "formats, filters and frozen headers. Every area in one table: all_areas.csv in the folder",
        "above. Missing or suppressed values are empty cells, never zero.",
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
    languages = package_languages(code)
    workbooks = {language: folder / (f"{stem}.xlsx" if number == 0 else f"{stem}_{language}.xlsx")
                 for number, language in enumerate(languages)}
    return Package(code=code, name=areas.unit_name("area", code, "fi"), folder=folder,
                   zip=Path(period_dir) / PACKAGES_FOLDER / f"{stem}.zip", xlsx=workbooks[languages[0]],
                   csv={table: folder / f"{table}.csv" for table in tables},
                   csv_fi={table: folder / f"{table}_fi.csv" for table in tables},
                   csv_sv={table: folder / f"{table}_sv.csv" for table in tables} if "sv" in languages else {},
                   workbooks=workbooks, languages=languages)


def _table_files(tables: dict[str, pd.DataFrame], stem_of, languages) -> tuple[dict[str, bytes], dict]:
    """The CSV files of tables (file name → bytes) and each language's localized columns."""
    files, sheets = {}, {language: {} for language in languages}
    for table, frame in tables.items():
        files[f"{stem_of(table)}.csv"] = plain_csv(frame)
        for language in languages:
            columns = localize(frame, table, language)
            files[f"{stem_of(table)}_{language}.csv"] = localized_csv(columns)
            sheets[language][sheet_name(table, language)] = columns
    return files, sheets


def write_package(code: str, period: str, period_dir: Path) -> Package:
    """Write one area's package into ``<period_dir>/data/`` (files replaced atomically), and the
    period's all-areas table once per process (:func:`write_all_areas`)."""
    (code,) = areas.check_codes("area", [code])
    tables = area_tables(code, period)
    package = package_files(code, period_dir, tables)
    package.folder.mkdir(parents=True, exist_ok=True)
    files, sheets = _table_files(tables, lambda table: table, package.languages)
    files[README_NAME] = readme_text(code, package.name, period, package.languages).encode("utf-8")
    for file_name, content in files.items():
        _write_bytes(package.folder / file_name, content)
    for language, path in package.workbooks.items():
        write_workbook(sheets[language], path, moment=_fixed_moment())
        files[path.name] = path.read_bytes()
    _write_zip(package.zip, package.folder.name, files)
    _all_areas_once(period, str(Path(period_dir).resolve()))
    return package


def all_areas_files(period_dir: Path) -> AllAreas:
    """Where the period's all-areas table lies in ``<period_dir>/data/`` (nothing is written)."""
    folder = Path(period_dir) / PACKAGES_FOLDER
    return AllAreas(csv=folder / f"{ALL_AREAS_STEM}.csv",
                    localized={language: folder / f"{ALL_AREAS_STEM}_{language}.csv" for language in LOCALIZED_LANGUAGES},
                    workbooks={language: folder / (f"{ALL_AREAS_STEM}.xlsx" if number == 0
                                                   else f"{ALL_AREAS_STEM}_{language}.xlsx")
                               for number, language in enumerate(LOCALIZED_LANGUAGES)})


def all_areas_table(period: str) -> pd.DataFrame:
    """Every area's indicator table of the period in one frame (:data:`ALL_AREAS_COLUMNS`)."""
    return package_tables.indicator_tables(period).reindex(columns=ALL_AREAS_COLUMNS)


def write_all_areas(period: str, period_dir: Path) -> AllAreas:
    """Write the period's table of every area (plain CSV, Finnish and Swedish CSV and workbooks)
    into ``<period_dir>/data/``."""
    (period,) = check_periods([period])
    found = all_areas_files(period_dir)
    found.csv.parent.mkdir(parents=True, exist_ok=True)
    files, sheets = _table_files({"indicator_table": all_areas_table(period)}, lambda table: ALL_AREAS_STEM,
                                 LOCALIZED_LANGUAGES)
    for file_name, content in files.items():
        _write_bytes(found.csv.parent / file_name, content)
    for language, path in found.workbooks.items():
        write_workbook(sheets[language], path, moment=_fixed_moment())
    return found


@functools.lru_cache(maxsize=8)
def _all_areas_once(period: str, period_dir: str) -> AllAreas:
    """:func:`write_all_areas` once per period folder and process: a build writes the packages
    it needs one at a time (:func:`ohti.publish.edition.publish_packages`)."""
    return write_all_areas(period, Path(period_dir))


def clear_caches() -> None:
    """Forget every table computed for a period (after the data or the disclosure rule changed)."""
    period_values.cache_clear()
    package_tables.clear_caches()
    _all_areas_once.cache_clear()


def write_packages(codes, period: str, outputs_dir=None, *, progress: bool = True) -> dict[str, Package]:
    """Write the packages of the given areas for a period, and the period's all-areas table;
    return the packages by area code.

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
