"""Read the shipped statistics, validate them, and return tidy frames of components.

This module knows files and their rules, nothing about indicators. Each source is read by
its own loader into one tidy shape, ``unit_level, unit_code, period, variable, value,
suppressed``, with municipalities already on the 2025 division's codes where the source names
them. Every problem in a file is collected and reported at once in one
:class:`~ohti.errors.SourceDataError`. Suppression markers become missing values, never zeros.
"""

from __future__ import annotations

import csv
import dataclasses
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

NATIONAL_CODE = "SSS"
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YEAR_PATTERN = re.compile(r"^\d{4}$")
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
    """

    name: str
    source: str
    frequency: str
    annual: str
    description: str


@dataclasses.dataclass(frozen=True)
class Source:
    """A shipped table: its id, title for documents, files and loader."""

    id: str
    title: str
    files: tuple
    loader: str


SOURCES = {
    "tyonv_12r5": Source("tyonv_12r5", "TEM, työnvälitystilasto (StatFin tyonv 12r5)",
                         ("tyonv_12r5/tyonv_12r5_all_regions_2006_2023.csv.gz",), "load_12r5"),
    "vaerak_11re": Source("vaerak_11re", "Tilastokeskus, väestörakenne (StatFin vaerak 11re)",
                          ("vaerak_11re/vaerak_11re_vaesto_kunnittain_1972_2023.csv.gz",), "load_11re"),
    "tyonv_2310": Source("tyonv_2310", "TEM, työnvälitystilasto: avoimet työpaikat kuukauden aikana (StatFin 2310)",
                         ("tyonv_2310/data_kunta_2310.csv.gz", "tyonv_2310/data_kokomaa_2310.csv"), "load_2310"),
    "kuntien_avainluvut": Source("kuntien_avainluvut", "Tilastokeskus, kuntien avainluvut",
                                 ("kuntien_avainluvut/kuntien_avainluvut_2006_2016.csv.gz",), "load_key_figures"),
    "tyonv_1001": Source("tyonv_1001", "TEM, työnvälitystilasto (StatFin 1001, perustiedot)",
                         ("tyonv_1001/data_perustiedot.csv",), "load_1001"),
    "tyonv_12u4": Source("tyonv_12u4", "TEM, työnvälitystilasto: aktivointiaste (StatFin tyonv 12u4, 12u5)",
                         ("tyonv_12u4_12u5/tyonv_12u4_koko_maa_monthly.csv",
                          "tyonv_12u4_12u5/tyonv_12u5_koko_maa_monthly.csv"), "load_12u4"),
}


def _v(name, source, frequency, annual, description):
    return name, Variable(name, source, frequency, annual, description)


#: Every component variable the shipped sources provide.
VARIABLES = dict([
    _v("unemployed", "tyonv_12r5", "month", "mean", "unemployed job seekers at the end of the month (TYOTTOMATLOPUSSA)"),
    _v("labour_force", "tyonv_12r5", "month", "mean", "labour force, employment statistics; an annual figure repeated monthly (TYOVOIMATK)"),
    _v("vacancies", "tyonv_12r5", "month", "mean", "open vacancies at the end of the month (AVPAIKATLOPUSSA)"),
    _v("population", "vaerak_11re", "year", "mean", "population on 31 December"),
    _v("vacancies_open_during_month", "tyonv_2310", "month", "mean", "vacancies open at some time during the month"),
    _v("new_vacancies", "tyonv_2310", "month", "sum", "new vacancies notified during the month"),
    _v("filled_vacancies", "tyonv_2310", "month", "sum", "vacancies filled during the month"),
    _v("filled_vacancy_days", "tyonv_2310", "month", "sum",
       "days the filled vacancies were open, in all: the published mean (whole days) times the filled vacancies"),
    _v("employed_residents", "kuntien_avainluvut", "year", "mean", "employed labour force living in the area"),
    _v("jobs", "kuntien_avainluvut", "year", "mean", "jobs (workplaces) in the area"),
    _v("population_kf", "kuntien_avainluvut", "year", "mean", "population (vakiluku) of the key figures"),
    _v("population_15_64", "kuntien_avainluvut", "year", "mean", "population aged 15–64: published share × population"),
    _v("population_over_64", "kuntien_avainluvut", "year", "mean", "population aged over 64: published share × population"),
    _v("population_15_plus", "kuntien_avainluvut", "year", "mean", "population aged 15 or over: (100 − share under 15) × population"),
    _v("foreign_citizens", "kuntien_avainluvut", "year", "mean", "foreign citizens: published share × population"),
    _v("swedish_speakers", "kuntien_avainluvut", "year", "mean", "Swedish speakers: published share × population"),
    _v("tertiary_educated", "kuntien_avainluvut", "year", "mean", "persons aged 15+ with a tertiary degree: published share × population 15+"),
    _v("employed_15_64_est", "kuntien_avainluvut", "year", "mean", "employed aged 15–64: published employment rate × population 15–64"),
    _v("non_employed", "kuntien_avainluvut", "year", "mean", "persons not employed: economic dependency ratio × employed residents / 100"),
    _v("working_in_home_municipality", "kuntien_avainluvut", "year", "mean", "employed residents working in their home municipality: published share × employed residents"),
    _v("long_term_unemployed", "tyonv_1001", "month", "mean", "unemployed for 12 months or longer"),
    _v("unemployed_under_25", "tyonv_1001", "month", "mean", "unemployed job seekers under 25"),
    _v("unemployed_over_50", "tyonv_1001", "month", "mean", "unemployed job seekers over 50"),
    _v("unemployed_foreign", "tyonv_1001", "month", "mean", "unemployed job seekers with a foreign citizenship"),
    _v("laid_off", "tyonv_1001", "month", "mean", "fully laid-off job seekers"),
    _v("unemployed_1001", "tyonv_1001", "month", "mean", "unemployed job seekers (the same table's total)"),
    _v("persons_in_services", "tyonv_12u4", "month", "mean", "persons in activation services at the end of the month (PALVELUISSAYHTEENSA)"),
    _v("persons_in_services_foreign", "tyonv_12u4", "month", "mean", "foreign citizens in activation services (PALVELUISSAYHTEENSAULK)"),
    _v("unemployed_foreign_12u5", "tyonv_12u4", "month", "mean", "unemployed foreign citizens (TYOTTOMATULK)"),
])


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
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter,
                       quoting=csv.QUOTE_MINIMAL)


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse published numbers: markers become missing, decimal commas are accepted.

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


# --- validation shared by the loaders ---------------------------------------------------------

class Problems:
    """Collects a file's problems with their line numbers; raises them all at once."""

    def __init__(self, path, raw: pd.DataFrame):
        self.path = path
        self.raw = raw
        self.items: list[tuple[int, str]] = []
        # read_table gives a RangeIndex, so a row's line in the file is its label + 2 (the header
        # is line 1); filtered frames keep their labels and so their lines.
        self.line = pd.Series(np.asarray(raw.index) + 2, index=raw.index)

    def report(self, mask, column, rule):
        """Record a problem for every row where ``mask`` holds."""
        for idx in self.raw.index[np.asarray(mask, dtype=bool)][:MAX_REPORTED_PROBLEMS]:
            self.items.append((self.line[idx], f"row {self.line[idx]}, column {column}: {self.raw.at[idx, column]!r} {rule}"))

    def require_columns(self, columns):
        """Raise at once if a column is missing: nothing else can be checked without it."""
        missing = [c for c in columns if c not in self.raw.columns]
        if missing:
            raise SourceDataError(self.path, [f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"])

    def raise_if_any(self):
        if self.items:
            raise SourceDataError(self.path, [text for _, text in sorted(self.items, key=lambda item: item[0])])


def _parse_values(problems: Problems, raw: pd.DataFrame, columns: dict, *, whole: bool) -> dict:
    """Parse value columns, reporting non-numbers, negatives and (for counts) fractions."""
    parsed = {}
    for column, variable in columns.items():
        numbers, suppressed, invalid = parse_counts(raw[column])
        problems.report(invalid, column, "is neither a number nor a suppression marker")
        problems.report(numbers < 0, column, "is negative")
        if whole:
            problems.report(numbers.notna() & (numbers % 1 != 0), column, "is not a whole count")
        parsed[variable] = (numbers, suppressed)
    return parsed


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


def validate_12r5(raw: pd.DataFrame, path, municipality_codes) -> pd.DataFrame:
    """Check a 12r5 extract and return it tidy; raise with every problem found.

    Parameters
    ----------
    raw : DataFrame of str
        The file as read by :func:`read_table`.
    path : path-like
        The file, for messages.
    municipality_codes : collection of str
        Municipality codes that may appear (the 2025 key and the merged codes).

    Raises
    ------
    SourceDataError
        With one message per problem: row, column, value and rule.
    """
    problems = Problems(path, raw)
    problems.require_columns(["alue_code", "alue_tyyppi", "kuntakoodi", "kuukausi", *EMPLOYMENT_VARIABLES])
    level = raw["alue_tyyppi"].map(EMPLOYMENT_ROW_LEVELS)
    problems.report(level.isna(), "alue_tyyppi", f"is not a known row type ({', '.join(EMPLOYMENT_ROW_LEVELS)})")
    period = raw["kuukausi"].str.strip()
    problems.report(~period.str.match(MONTH_PATTERN), "kuukausi", "is not a month YYYY-MM")
    is_municipality = level == "municipality"
    code = raw["kuntakoodi"].str.strip()
    problems.report(is_municipality & ~code.isin(set(municipality_codes)), "kuntakoodi",
                    "is not a municipality in the 2025 key or its merger list")
    unit_code = raw["alue_code"].where(~is_municipality, code)
    unit_code = unit_code.str.replace(r"^(ELY|MK|SK)", "", regex=True)
    _check_duplicates(problems, pd.DataFrame({"u": unit_code, "l": level, "p": period}), "alue_code")
    parsed = _parse_values(problems, raw, EMPLOYMENT_VARIABLES, whole=True)
    problems.report(parsed["unemployed"][0] > parsed["labour_force"][0], "tyottomat_tyonhakijat",
                    "exceeds the labour force (tyovoima_tk) of the same row")
    problems.raise_if_any()
    return _tidy(level, unit_code, period, parsed)


def load_12r5(path=None) -> pd.DataFrame:
    """TEM's employment service statistics 12r5: municipalities, regions, ELY areas, nation."""
    from .areas import source_municipality_codes

    file = Path(path) if path else shipped_path(SOURCES["tyonv_12r5"].files[0])
    return validate_12r5(read_table(file), file, source_municipality_codes())


def load_11re(path=None) -> pd.DataFrame:
    """Population on 31 December by municipality and for the whole country (StatFin 11re)."""
    from .areas import source_municipality_codes

    file = Path(path) if path else shipped_path(SOURCES["vaerak_11re"].files[0])
    raw = read_table(file)
    problems = Problems(file, raw)
    problems.require_columns(["alue", "vuosi", "vaesto_31_12"])
    area = raw["alue"].str.strip()
    national = area == NATIONAL_CODE
    code = area.str.replace(r"^KU", "", regex=True)
    problems.report(~national & ~code.isin(set(source_municipality_codes())), "alue",
                    "is neither SSS nor a municipality KUxxx of the 2025 key or its merger list")
    year = raw["vuosi"].str.strip()
    problems.report(~year.str.match(YEAR_PATTERN), "vuosi", "is not a year YYYY")
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


def _vacancy_flows(raw, path, codes, level) -> pd.DataFrame:
    problems = Problems(path, raw)
    problems.require_columns([*VACANCY_FLOW_COLUMNS, "time"])
    period = _month_from(raw["time"])
    problems.report(~period.str.match(MONTH_PATTERN), "time", "is not a month (YYYY-MM-01)")
    _check_duplicates(problems, pd.DataFrame({"c": codes, "p": period}), "time")
    parsed = _parse_values(problems, raw, VACANCY_FLOW_COLUMNS, whole=False)
    problems.raise_if_any()
    days, days_suppressed = parsed.pop("filled_vacancy_mean_days")
    filled, filled_suppressed = parsed["filled_vacancies"]
    parsed["filled_vacancy_days"] = (days * filled, days_suppressed | filled_suppressed)
    return _tidy(level, codes, period, parsed)


def load_2310(paths=None) -> pd.DataFrame:
    """Vacancy flows during the month by municipality (matched by name) and for the nation."""
    from .areas import codes_for_names

    files = [Path(p) for p in paths] if paths else [shipped_path(f) for f in SOURCES["tyonv_2310"].files]
    municipal = read_table(files[0])
    if "kunta" not in municipal.columns:
        raise SourceDataError(files[0], ["missing column(s) kunta"])
    codes, unknown = codes_for_names(municipal["kunta"])
    problems = Problems(files[0], municipal)
    problems.report(unknown, "kunta", "is not a municipality name of the 2025 key, its mergers or aliases")
    problems.raise_if_any()
    national = read_table(files[1])
    return pd.concat([
        _vacancy_flows(municipal, files[0], codes, "municipality"),
        _vacancy_flows(national, files[1], pd.Series(NATIONAL_CODE, index=national.index), "national"),
    ], ignore_index=True)


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


def load_key_figures(path=None) -> pd.DataFrame:
    """Statistics Finland's municipal key figures 2006–2016 (matched to codes by name).

    Shares are published rounded to 0.1 percentage points; the counts made from them (share ×
    base / 100) carry that rounding and are described as such in :data:`VARIABLES`.
    """
    from .areas import codes_for_names

    file = Path(path) if path else shipped_path(SOURCES["kuntien_avainluvut"].files[0])
    raw = read_table(file)
    problems = Problems(file, raw)
    share_columns = sorted({column for column, _ in KEY_FIGURE_SHARES.values()})
    extra = ["Alle_15_vuotiaiden_osuus_vaestosta", "Korkea_asteen_tutkinnon_suorittaneiden_osuus_15_vuotta_tayttaneista",
             "Tyollisyysaste"]
    problems.require_columns(["Alue", "vuosi", *KEY_FIGURE_COLUMNS, *share_columns, *extra])
    codes, unknown = codes_for_names(raw["Alue"])
    problems.report(unknown, "Alue", "is not a municipality name of the 2025 key, its mergers or aliases")
    year = raw["vuosi"].str.strip()
    problems.report(~year.str.match(YEAR_PATTERN), "vuosi", "is not a year YYYY")
    _check_duplicates(problems, pd.DataFrame({"c": codes, "y": year}), "Alue")
    parsed = _parse_values(problems, raw, KEY_FIGURE_COLUMNS, whole=True)
    shares = _parse_values(problems, raw, {c: c for c in share_columns + extra}, whole=False)
    for column in ["Alle_15_vuotiaiden_osuus_vaestosta", "Korkea_asteen_tutkinnon_suorittaneiden_osuus_15_vuotta_tayttaneista",
                   "Tyollisyysaste", *[c for c in share_columns if c != "Taloudellinen_huoltosuhde"]]:
        problems.report(shares[column][0] > 100, column, "is a share above 100 %")
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


def load_1001(path=None) -> pd.DataFrame:
    """Group breakdowns of job seekers (StatFin 1001) for the nation and a few municipalities.

    Municipality rows are named 'Hattula' etc. and matched by name; the sub-region row is
    not used (sub-regions are not a level of ohti).
    """
    from .areas import codes_for_names

    file = Path(path) if path else shipped_path(SOURCES["tyonv_1001"].files[0])
    raw = read_table(file)
    Problems(file, raw).require_columns(["Alue", "Kuukausi", *GROUP_COLUMNS_1001])
    raw = raw[~raw["Alue"].str.startswith("SK")]
    problems = Problems(file, raw)
    national = raw["Alue"].str.strip().str.upper() == "KOKO MAA"
    codes, unknown = codes_for_names(raw["Alue"])
    problems.report(unknown & ~national, "Alue", "is neither KOKO MAA nor a municipality name of the 2025 key")
    period = _month_from(raw["Kuukausi"])
    problems.report(~period.str.match(MONTH_PATTERN), "Kuukausi", "is not a month YYYY-MM or YYYYMmm")
    _check_duplicates(problems, pd.DataFrame({"a": raw["Alue"], "p": period}), "Alue")
    parsed = _parse_values(problems, raw, GROUP_COLUMNS_1001, whole=True)
    total = parsed["unemployed_1001"][0]
    for column, variable in GROUP_COLUMNS_1001.items():
        if variable not in ("unemployed_1001", "laid_off"):
            problems.report(parsed[variable][0] > total, column, "exceeds the unemployed (Työttömät) of the same row")
    problems.raise_if_any()
    return _tidy(np.where(national, "national", "municipality"), np.where(national, NATIONAL_CODE, codes), period, parsed)


def load_12u4(paths=None) -> pd.DataFrame:
    """Persons in activation services, whole country only (StatFin 12u4 all, 12u5 foreigners)."""
    files = [Path(p) for p in paths] if paths else [shipped_path(f) for f in SOURCES["tyonv_12u4"].files]
    frames = []
    for file, columns in zip(files, ({"PALVELUISSAYHTEENSA": "persons_in_services"},
                                     {"PALVELUISSAYHTEENSAULK": "persons_in_services_foreign",
                                      "TYOTTOMATULK": "unemployed_foreign_12u5"})):
        raw = read_table(file)
        problems = Problems(file, raw)
        problems.require_columns(["time", *columns])
        period = _month_from(raw["time"])
        problems.report(~period.str.match(MONTH_PATTERN), "time", "is not a month YYYY-MM")
        _check_duplicates(problems, pd.DataFrame({"p": period}), "time")
        parsed = _parse_values(problems, raw, columns, whole=True)
        problems.raise_if_any()
        frames.append(_tidy("national", NATIONAL_CODE, period, parsed))
    return pd.concat(frames, ignore_index=True)


# --- access -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def load_source(source_id: str) -> pd.DataFrame:
    """The tidy frame of one shipped source (cached; treat it as read-only)."""
    return globals()[SOURCES[source_id].loader]()


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


@functools.lru_cache(maxsize=128)
def component_matrix(variable: str, unit_level: str = "municipality") -> pd.DataFrame:
    """One component as a matrix: rows are units of ``unit_level``, columns are periods.

    A unit the source does not cover has no row (unlike a suppressed cell, which is NaN).
    Shared between callers: treat it as read-only.
    """
    tidy = load_source(VARIABLES[variable].source)
    rows = tidy[(tidy["variable"] == variable) & (tidy["unit_level"] == unit_level)]
    return rows.pivot(index="unit_code", columns="period", values="value").sort_index(axis=1)


def source_variables() -> list[str]:
    """Names of the component variables the shipped sources provide."""
    return list(VARIABLES)


def periods(frequency: str = "month") -> list[str]:
    """All periods of the main table (12r5) in order: months, or the years they touch."""
    months = sorted(load_source("tyonv_12r5")["period"].unique())
    return months if frequency == "month" else sorted({m[:4] for m in months})


def variable_periods(variable: str) -> list[str]:
    """The periods a variable is published for (whole country or any municipality)."""
    tidy = load_source(VARIABLES[variable].source)
    return sorted(tidy.loc[tidy["variable"] == variable, "period"].unique())


def latest_complete_period() -> str:
    """The latest month whose whole-country row and every municipality row are published.

    Single suppressed municipal cells do not make a month incomplete: area sums carry a note.
    """
    tidy = load_source("tyonv_12r5")
    national = tidy[tidy["unit_level"] == "national"]
    national_ok = national.groupby("period")["value"].apply(lambda v: v.notna().all())
    municipal = tidy[tidy["unit_level"] == "municipality"]
    rows = municipal.groupby("period")["unit_code"].nunique()
    complete = national_ok[national_ok].index.intersection(rows[rows == rows.max()].index)
    return max(complete)
