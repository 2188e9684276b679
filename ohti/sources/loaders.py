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

from pathlib import Path

import numpy as np
import pandas as pd

from ohti._files import file_digest
from ohti.errors import SourceDataError
from ohti.paths import DATA_DIR, DATA_DIR_USER
from ohti.sources import pxweb
from ohti.sources.areas import codes_for_names, load_mergers, source_municipality_codes
from ohti.sources.files import (
    MAX_COUNT,
    NATIONAL_CODE,
    TIDY_COLUMNS,
    Problems,
    _check_duplicates,
    _check_part,
    _month_from,
    _parse_values,
    _start,
    _tidy,
    parse_counts,
    read_rows,
    shipped_path,
)
from ohti.sources.pxweb import read_response
from ohti.sources.variables import SIGNED_VARIABLES, SOURCES, VARIABLES

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
    response : ohti.sources.pxweb.Response
        As :func:`ohti.sources.pxweb.read_response` reads it.
    spec : ohti.sources.pxweb.TableSpec, optional
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
        digest = file_digest(path)
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

