"""The municipality key, history recoding, and the levels areas are compared at.

Every level is described by a membership matrix from the municipalities of the statistics
(the 2024 division, 309 codes) to the units of that level on the 2025 division. Aggregating a
component to a level is then one matrix product over all periods at once (see
:mod:`ohti.indicators.compute`).
"""

from __future__ import annotations

import functools

import pandas as pd

from ohti.errors import ParameterError, SourceDataError, UnknownAreaError, UnknownLevelError
from ohti.sources.files import Problems, read_rows, shipped_path

KEY_FILES = {
    2025: "municipality_key/municipality_key_2025.csv",
    2026: "municipality_key/municipality_key_2026.csv",
}
MERGERS_FILE = "municipality_key/municipality_mergers.csv"
ALIASES_FILE = "municipality_key/municipality_name_aliases.csv"

#: Levels made of municipalities, in order from small to large.
LEVELS = ("municipality", "area", "ely", "maakunta", "evk")
#: Every level a value can be asked for.
ALL_LEVELS = (*LEVELS, "national")

#: The key's column prefix for each level (``<prefix>_code``, ``<prefix>_name_fi`` ...).
KEY_PREFIX = {"area": "tyollisyysalue", "ely": "ely", "maakunta": "maakunta", "evk": "evk"}

#: Employment areas outside the TE24 reform (Åland): left out of the employment-area level.
AREAS_OUTSIDE_REFORM = frozenset({"46"})

NATIONAL = {"code": "SSS", "name_fi": "Koko maa", "name_sv": "Hela landet", "name_en": "Whole country"}

KEY_COLUMNS = ["kuntakoodi", "municipality_name_fi", "municipality_name_sv", "municipality_name_en",
               "kielisuhde_code", "kielisuhde_name_fi", "kielisuhde_name_sv", "kielisuhde_name_en",
               "kuntaryhmitys_code", "kuntaryhmitys_name_fi", "kuntaryhmitys_name_sv", "kuntaryhmitys_name_en",
               "suuralue_code", "suuralue_name_fi", "suuralue_name_sv", "suuralue_name_en"]


def _pad(codes: pd.Series) -> pd.Series:
    return codes.str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(2)


def _validate_key(raw: pd.DataFrame, path, levels, found=()) -> list[str]:
    """Every problem of a municipality key file, each naming row, column, value and rule."""
    problems = Problems(path, raw, found)
    needed = KEY_COLUMNS + [f"{KEY_PREFIX[lv]}_{part}" for lv in levels for part in ("code", "name_fi", "name_sv", "name_en")]
    try:
        problems.require_columns(needed)
    except SourceDataError as error:
        return error.problems
    problems.check_text(needed)
    problems.check_rows()
    code = raw["kuntakoodi"].str.strip()
    problems.report(~code.str.fullmatch(r"\d{3}"), "kuntakoodi", "is not a 3-digit code")
    problems.report(code.duplicated(), "kuntakoodi", "is repeated")
    for lang in ("fi", "sv", "en"):
        column = f"municipality_name_{lang}"
        problems.report(raw[column].str.strip() == "", column, "is empty: every municipality needs a name")
    for lv in levels:
        column = f"{KEY_PREFIX[lv]}_code"
        value = raw[column].str.strip()
        problems.report(value == "", column, f"is empty: every municipality needs its {lv}")
        problems.report((value != "") & ~value.str.fullmatch(r"\d{1,2}(\.0)?"), column, f"is not a {lv} code (1–2 digits)")
        for lang in ("fi", "sv", "en"):
            name = f"{KEY_PREFIX[lv]}_name_{lang}"
            problems.report((value != "") & (raw[name].str.strip() == ""), name, f"is empty: every {lv} needs a name")
    return [text for _, text in sorted(problems.items, key=lambda item: item[0])]


def key_levels(columns) -> tuple:
    """The levels a municipality key file describes, by its columns (2025: area, ely,
    maakunta; 2026: area, maakunta, evk)."""
    return tuple(lv for lv in LEVELS[1:] if f"{KEY_PREFIX[lv]}_code" in columns)


def validate_key_file(path) -> list[str]:
    """Every problem of a municipality key file (2025 or 2026), for ``ohti validate``."""
    raw, found = read_rows(path)
    return _validate_key(raw, path, key_levels(raw.columns) or ("area",), found)


MERGER_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "valid_from"]
ALIAS_COLUMNS = ["name", "code"]


def validate_mergers(raw: pd.DataFrame, path, key_codes, found=()) -> list[str]:
    """Every problem of the merger list: codes, names, dates, successors in the 2025 key."""
    problems = Problems(path, raw, found)
    try:
        problems.require_columns(MERGER_COLUMNS)
    except SourceDataError as error:
        return error.problems
    problems.check_text(MERGER_COLUMNS)
    problems.check_rows()
    old, new = raw["old_code"].str.strip(), raw["new_code"].str.strip()
    problems.report(~old.str.fullmatch(r"\d{3}"), "old_code", "is not a 3-digit code")
    problems.report(old.duplicated(), "old_code", "is repeated: a municipality merges once")
    problems.report(old.isin(set(key_codes)), "old_code", "is still a municipality of the 2025 key")
    problems.report(~new.isin(set(key_codes)), "new_code", "is not in the 2025 key")
    problems.report(raw["old_name"].str.strip() == "", "old_name", "is empty: the merged municipality needs its name")
    problems.report(~raw["valid_from"].str.strip().str.fullmatch(r"\d{4}-\d{2}-\d{2}"), "valid_from",
                    "is not a date YYYY-MM-DD")
    return [text for _, text in sorted(problems.items, key=lambda item: item[0])]


def validate_aliases(raw: pd.DataFrame, path, known_codes, found=()) -> list[str]:
    """Every problem of the name aliases: each a name once, for a known municipality code."""
    problems = Problems(path, raw, found)
    try:
        problems.require_columns(ALIAS_COLUMNS)
    except SourceDataError as error:
        return error.problems
    problems.check_text(ALIAS_COLUMNS)
    problems.check_rows()
    problems.report(raw["name"].str.strip() == "", "name", "is empty")
    problems.report(raw["name"].str.strip().duplicated(), "name", "is repeated")
    problems.report(~raw["code"].str.strip().isin(set(known_codes)), "code",
                    "is not a municipality of the 2025 key or its merger list")
    return [text for _, text in sorted(problems.items, key=lambda item: item[0])]


@functools.lru_cache(maxsize=1)
def load_key() -> pd.DataFrame:
    """The 2025 municipality key with the 2026 elinvoimakeskus areas, one row a municipality.

    Returns
    -------
    DataFrame
        Index ``code`` (3 digits). Columns ``name_fi/sv/en``, ``language_code`` and
        ``language_fi/sv/en`` (language status: 0 Finnish, 1 bilingual with a Finnish
        majority, 2 Swedish, 3 bilingual with a Swedish majority), ``group_code`` and
        ``group_fi/sv/en`` (municipality group: 1 urban, 2 semi-urban, 3 rural),
        ``major_region_code`` and ``major_region_name_fi/sv/en`` and, for each of
        area, ely, maakunta and evk, ``<level>_code`` (2 digits) and ``<level>_name_fi/sv/en``.
        Shared between callers: treat it as read-only.

    Raises
    ------
    SourceDataError
        If a key file breaks a rule (missing column, malformed or repeated code, no area).
    """
    frames = {}
    for year, levels in ((2025, ("area", "ely", "maakunta")), (2026, ("evk",))):
        path = shipped_path(KEY_FILES[year])
        raw, found = read_rows(path)
        problems = _validate_key(raw, path, levels, found)
        if problems:
            raise SourceDataError(path, problems)
        frame = pd.DataFrame({"code": raw["kuntakoodi"]})
        if year == 2025:
            frame["language_code"] = raw["kielisuhde_code"].str.strip()
            frame["group_code"] = raw["kuntaryhmitys_code"].str.strip()
            frame["major_region_code"] = raw["suuralue_code"].str.strip()
            for lang in ("fi", "sv", "en"):
                frame[f"major_region_name_{lang}"] = raw[f"suuralue_name_{lang}"].str.strip()
                frame[f"name_{lang}"] = raw[f"municipality_name_{lang}"].str.strip()
                frame[f"language_{lang}"] = raw[f"kielisuhde_name_{lang}"].str.strip()
                frame[f"group_{lang}"] = raw[f"kuntaryhmitys_name_{lang}"].str.strip()
        for lv in levels:
            prefix = KEY_PREFIX[lv]
            frame[f"{lv}_code"] = _pad(raw[f"{prefix}_code"])
            for lang in ("fi", "sv", "en"):
                frame[f"{lv}_name_{lang}"] = raw[f"{prefix}_name_{lang}"].str.strip()
        frames[year] = frame.set_index("code")
    key = frames[2025].join(frames[2026], how="left")
    if key["evk_code"].isna().any():
        missing = ", ".join(key.index[key["evk_code"].isna()])
        raise SourceDataError(shipped_path(KEY_FILES[2026]), [f"municipalities {missing} of the 2025 key are missing"])
    return key.sort_index()


@functools.lru_cache(maxsize=1)
def load_mergers() -> pd.DataFrame:
    """Municipal mergers that move older statistics onto the 2025 division."""
    path = shipped_path(MERGERS_FILE)
    mergers, found = read_rows(path)
    problems = validate_mergers(mergers, path, load_key().index, found)
    if problems:
        raise SourceDataError(path, problems)
    return mergers


def recode_to_2025(codes: pd.Series) -> pd.Series:
    """Map municipality codes of an older division onto the 2025 division (588 → 507 ...)."""
    mapping = dict(zip(load_mergers()["old_code"], load_mergers()["new_code"]))
    return codes.replace(mapping)


@functools.lru_cache(maxsize=1)
def _name_to_code() -> dict:
    key = load_key()
    names = {name: code for code, name in key["name_fi"].items()}
    names.update({name: code for code, name in key["name_sv"].items() if name not in names})
    mergers = load_mergers()
    names.update(dict(zip(mergers["old_name"], mergers["old_code"])))
    path = shipped_path(ALIASES_FILE)
    aliases, found = read_rows(path)
    problems = validate_aliases(aliases, path, source_municipality_codes(), found)
    if problems:
        raise SourceDataError(path, problems)
    names.update(dict(zip(aliases["name"].str.strip(), aliases["code"].str.strip())))
    return names


def codes_for_names(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Municipality codes for Finnish (or Swedish) names, as sources without codes need.

    Names of merged municipalities give their own old code (recoded later like any code).

    Returns
    -------
    codes : Series of str (NaN where unknown)
    unknown : Series of bool
    """
    codes = names.str.strip().map(_name_to_code())
    return codes, codes.isna()


def source_municipality_codes() -> list[str]:
    """Municipality codes that may appear in the statistics: the 2025 key plus merged codes."""
    return sorted(set(load_key().index) | set(load_mergers()["old_code"]))


def check_level(level: str, *, national: bool = True) -> str:
    """Return ``level`` if it is known, else raise :class:`UnknownLevelError`."""
    known = ALL_LEVELS if national else LEVELS
    if level not in known:
        raise UnknownLevelError(level, known)
    return level


@functools.lru_cache(maxsize=8)
def current_membership(level: str) -> pd.DataFrame:
    """Membership matrix from the 308 municipalities of 2025 to the units of ``level``.

    Returns
    -------
    DataFrame of float (0 or 1)
        Index: municipality codes (2025); columns: unit codes. Municipalities of Åland have no
        column at the employment-area level.
    """
    check_level(level, national=False)
    key = load_key()
    codes = pd.Series(key.index, index=key.index)
    unit = codes if level == "municipality" else key[f"{level}_code"]
    matrix = pd.crosstab(codes.rename("municipality"), unit.rename(level)).astype(float)
    if level == "area":
        matrix = matrix.drop(columns=[c for c in AREAS_OUTSIDE_REFORM if c in matrix.columns])
    return matrix


@functools.lru_cache(maxsize=8)
def membership(level: str) -> pd.DataFrame:
    """Membership matrix from source municipalities to the units of ``level``.

    Returns
    -------
    DataFrame of float (0 or 1)
        Index: municipality codes of the statistics (2024 division); columns: unit codes.
        A merged municipality (Pertunmaa 588) belongs wherever its successor belongs.
        Municipalities of Åland have no column at the employment-area level.
    """
    check_level(level, national=False)
    key = load_key()
    source = pd.Series(source_municipality_codes(), name="source")
    current = recode_to_2025(source)
    unit = current if level == "municipality" else current.map(key[f"{level}_code"])
    matrix = pd.crosstab(source, unit).astype(float)
    if level == "area":
        matrix = matrix.drop(columns=[c for c in AREAS_OUTSIDE_REFORM if c in matrix.columns])
    matrix.index.name = "municipality"
    matrix.columns.name = level
    return matrix


def _join_codes(values: pd.Series) -> str:
    return ";".join(sorted(set(values)))


@functools.lru_cache(maxsize=8)
def _units(level: str) -> pd.DataFrame:
    key = load_key()
    if level == "national":
        return pd.DataFrame([{**NATIONAL, "n_municipalities": len(key)}]).set_index("code")
    check_level(level)
    if level == "municipality":
        frame = key[["name_fi", "name_sv", "name_en"]].copy()
        for other in LEVELS[1:]:
            frame[f"{other}_code"] = key[f"{other}_code"]
        frame["n_municipalities"] = 1
        frame.loc[frame["area_code"].isin(AREAS_OUTSIDE_REFORM), "area_code"] = ""
        return frame
    members = key if level != "area" else key[~key["area_code"].isin(AREAS_OUTSIDE_REFORM)]
    grouped = members.groupby(f"{level}_code")
    frame = grouped[[f"{level}_name_fi", f"{level}_name_sv", f"{level}_name_en"]].first()
    frame.columns = ["name_fi", "name_sv", "name_en"]
    for other in LEVELS[1:]:
        if other != level:
            frame[f"{other}_code"] = grouped[f"{other}_code"].agg(_join_codes)
    frame["n_municipalities"] = grouped.size()
    frame.index.name = "code"
    return frame


def units(level: str) -> pd.DataFrame:
    """The units of a level: names in fi/sv/en, codes of the units of other levels they
    touch (several joined by ';'), and the number of member municipalities.

    Examples
    --------
    >>> units("area").loc["01", "name_fi"]
    'Espoo-Kauniainen'
    """
    return _units(level).copy()


def unit_name(level: str, code: str, language: str = "fi") -> str:
    """The name of one unit; raise :class:`UnknownAreaError` for an unknown code."""
    table = _units(level)
    if code not in table.index:
        raise UnknownAreaError(code, level)
    return table.at[code, f"name_{language}"]


def check_codes(level: str, codes) -> list[str]:
    """Normalise codes ('1' → '01' for areas) and raise for the first unknown one."""
    table = _units(level)
    width = 3 if level == "municipality" else 2
    normalised = []
    for code in codes:
        text = str(code).strip()
        if level != "national" and text.isdigit():
            text = text.zfill(width)
        if text not in table.index:
            raise UnknownAreaError(code, level)
        normalised.append(text)
    return normalised


def members(level: str, code: str) -> pd.DataFrame:
    """The 2025 municipalities of one unit, with their names and other levels' codes."""
    (code,) = check_codes(level, [code])
    key = load_key()
    if level == "national":
        return key.copy()
    if level == "municipality":
        return key.loc[[code]].copy()
    return key[key[f"{level}_code"] == code].copy()


#: Language status codes of the municipality key: 0 Finnish, 1 bilingual (Finnish majority),
#: 2 Swedish, 3 bilingual (Swedish majority).
FINNISH_ONLY, SWEDISH_ONLY = "0", "2"

GROUPINGS = ("ely", "maakunta", "evk")


def check_grouping(grouping: str) -> str:
    """Return ``grouping`` if it is ely, maakunta or evk, else raise :class:`ParameterError`."""
    if grouping not in GROUPINGS:
        raise ParameterError(f"unknown grouping '{grouping}'; choose one of: {', '.join(GROUPINGS)}")
    return grouping


def document_languages(level: str, code: str) -> list[str]:
    """The languages a unit's documents are published in, from its members' language status:
    Finnish for monolingual Finnish-speaking units, Swedish for monolingual Swedish-speaking
    ones, and both for units with a bilingual (or mixed) membership."""
    return list(_document_languages(level, code))


@functools.lru_cache(maxsize=1024)
def _document_languages(level: str, code: str) -> tuple[str, ...]:
    """:func:`document_languages`, remembered (a pure function of the shipped municipality key):
    a build plans its documents several times over."""
    units = members(level, code) if level != "national" else load_key()
    statuses = set(units["language_code"])
    if statuses == {FINNISH_ONLY}:
        return ("fi",)
    if statuses == {SWEDISH_ONLY}:
        return ("sv",)
    return ("fi", "sv")
