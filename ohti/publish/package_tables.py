"""The tables of a data package that reproduce its area document: what each table of the
document shows, as rows an analyst can filter, chart and recompute.

Each table is computed for every area at once, once per period and build (cached here), from
the same functions the document uses, and an area's package takes its rows:

``indicator_table``
    :func:`ohti.documents.content.area_indicator_tables`: one row per indicator shown in the
    document's indicator tables (the key indicators and the theme tables) with its period,
    value and 95 % interval, the whole country's value, the comparison with the country, the
    rank among the areas with its 95 % confidence set and the number of ranked areas, the change
    in a year (the area's and the country's), the five-year trend, red-red, and the spread of
    the 45 areas' values the spine chart draws (minimum, quartiles, maximum).
``series``
    The monthly series the document's charts draw (:data:`SERIES_INDICATORS`, as
    :func:`ohti.documents.content.area_series` computes them): the area, the whole country and
    the area seasonally adjusted, five years up to the document's month; a suppressed month is
    empty and marked, a month the data lack is empty with its note.
``expected``
    :func:`ohti.analysis.expected.fit_expected` of each modelled outcome: observed and expected
    value, their ratio and the excess in persons with 95 % intervals, the model.
``peers``
    The key indicators beside the peer areas' combined value (:mod:`ohti.analysis.peers`).
``changes``
    :func:`ohti.documents.content.changes_since`: what changed since the previous edition.
``members``
    The member municipalities with their language status, group and regions.

Every figure here has passed the disclosure gate where the document's has: a suppressed value,
and what would reveal it (a rank, a trend, a peers' sum), is missing.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ohti.analysis.expected import fit_expected, model_spec
from ohti.analysis.peers import combined_value, peer_groups
from ohti.documents import content
from ohti.errors import ParameterError
from ohti.indicators.comparison import compare_values
from ohti.indicators.compute import check_periods, indicator_frequency, shift_period
from ohti.indicators.disclosure import NOTE_SECONDARY, PRIMARY, SECONDARY, is_suppressed
from ohti.indicators.registry import get_indicator, indicator_ids
from ohti.sources import areas
from ohti.sources.access import periods as all_periods

#: The monthly series the area document draws as charts (``notebooks/area_evaluation.py``).
SERIES_INDICATORS = ("unemployment_rate", "unemployed", "vacancies_per_unemployed")
#: Years of monthly series before the document's month (as the document's charts).
SERIES_YEARS = 5

#: Columns of the indicator table (an area's package, and the all-areas file of the period).
INDICATOR_TABLE_COLUMNS = [
    "area_code", "area_name", "indicator", "name", "unit", "theme", "key", "period", "current",
    "value", "lower", "upper", "national", "significance", "rank", "rank_lower", "rank_upper", "n_ranked",
    "change", "national_change", "trend", "trend_label", "red_red", "minimum", "q25", "q75", "maximum",
    "note", "suppression", "decimals",
]
SERIES_COLUMNS = ["indicator", "name", "unit", "period", "value", "national", "value_adjusted", "suppressed",
                  "note", "decimals"]
EXPECTED_COLUMNS = ["indicator", "name", "period", "observed", "expected", "ratio", "ratio_lower", "ratio_upper",
                    "excess", "excess_lower", "excess_upper", "significance", "model", "pseudo_r2", "covariates",
                    "note", "decimals"]
PEER_COLUMNS = ["indicator", "name", "period", "value", "peers", "national", "difference", "peer_codes", "peer_names",
                "note", "decimals"]
CHANGE_COLUMNS = ["indicator", "name", "kind", "before", "after", "previous"]
MEMBER_COLUMNS = ["code", "name", "language_status", "group", "maakunta", "ely", "evk"]


def suppression_of(notes: pd.Series) -> pd.Series:
    """The disclosure status a gated value's note records: "primary", "secondary" or ""."""
    notes = notes.fillna("").astype(str)
    suppressed = np.asarray(is_suppressed(notes), dtype=bool)
    secondary = notes.str.contains(NOTE_SECONDARY, regex=False).to_numpy(dtype=bool)
    return pd.Series(np.where(secondary, SECONDARY, np.where(suppressed, PRIMARY, "")), index=notes.index)


# --------------------------------------------------------------------------- shared per period


@functools.lru_cache(maxsize=2)
def indicator_tables(period: str) -> pd.DataFrame:
    """Every area's indicator table (:data:`INDICATOR_TABLE_COLUMNS`, English names), the
    indicators in registry order and the areas in code order within each."""
    (period,) = check_periods([period])
    table = content.area_indicator_tables(period, language="en")
    if "indicator" not in table:
        return pd.DataFrame(columns=INDICATOR_TABLE_COLUMNS)
    table = table.copy()
    table["area_name"] = table["area_code"].map(areas.units("area")["name_en"])
    table["note"] = table["note"].fillna("").astype(str)
    table["suppression"] = suppression_of(table["note"]).to_numpy()
    table["trend"] = table["trend"].fillna("").astype(str)
    for column in ("rank", "rank_lower", "rank_upper", "n_ranked"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    return table[INDICATOR_TABLE_COLUMNS].reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def series_tables(period: str) -> pd.DataFrame:
    """The charts' monthly series of every area: ``area_code`` then :data:`SERIES_COLUMNS`.

    The same figures as :func:`ohti.documents.content.area_series` of each area, computed a level
    at a time for all areas (the gated values of every area and the nation once per indicator)."""
    (period,) = check_periods([period])
    frames = []
    if len(period) != 7:
        return pd.DataFrame(columns=["area_code", *SERIES_COLUMNS])
    window = pd.period_range(shift_period(period, -12 * SERIES_YEARS + 1), period, freq="M")
    for ident in SERIES_INDICATORS:
        if indicator_frequency(ident) != "month":
            continue
        indicator = get_indicator(ident)
        months = [p for p in all_periods() if shift_period(period, -12 * SERIES_YEARS) < p <= period]
        history = compare_values(ident, "area", periods=[p for p in all_periods() if p <= period])
        nation = compare_values(ident, "national", periods=months).set_index("period")["value"]
        for code, rows in history.groupby("area_code", sort=True):
            whole = pd.Series(rows["value"].to_numpy(), index=pd.PeriodIndex(rows["period"], freq="M"))
            shown = rows[rows["period"].isin(months)].set_index("period")
            frame = pd.DataFrame({"period": [str(p) for p in window]})
            frame["value"] = shown["value"].reindex(frame["period"]).to_numpy(dtype=float)
            frame["national"] = nation.reindex(frame["period"]).to_numpy(dtype=float)
            frame["note"] = shown["note"].reindex(frame["period"]).fillna(content.NO_DATA_MONTH).astype(str).to_numpy()
            frame["suppressed"] = np.asarray(is_suppressed(frame["note"]), dtype=bool)
            adjusted = content.adjusted_window(whole, window, period)
            adjusted[np.isnan(frame["value"].to_numpy())] = np.nan
            frame["value_adjusted"] = adjusted
            frames.append(frame.assign(area_code=code, indicator=ident, name=indicator.label("en"),
                                       unit=indicator.unit["en"], decimals=indicator.decimals))
    if not frames:
        return pd.DataFrame(columns=["area_code", *SERIES_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["area_code", *SERIES_COLUMNS]]


@functools.lru_cache(maxsize=2)
def expected_tables(period: str) -> pd.DataFrame:
    """Observed against expected of every modelled outcome for every area (an outcome that
    cannot be fitted in the period is left out, as the document leaves it)."""
    (period,) = check_periods([period])
    frames = []
    for ident in model_spec()["expected"]["outcomes"]:
        try:
            result = fit_expected(ident, period, language="en")
        except ParameterError:
            continue
        indicator = get_indicator(ident)
        table = result.table.rename(columns={"lower": "ratio_lower", "upper": "ratio_upper"})
        frames.append(table.assign(
            indicator=ident, name=indicator.label("en"), period=result.period, model=result.fit["family"],
            pseudo_r2=result.fit["pseudo_r2"], covariates=";".join(result.fit["covariates"]),
            note=table["note"].fillna("").astype(str), decimals=indicator.decimals))
    if not frames:
        return pd.DataFrame(columns=["area_code", *EXPECTED_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["area_code", *EXPECTED_COLUMNS]]


@functools.lru_cache(maxsize=2)
def peer_tables(period: str) -> pd.DataFrame:
    """Every area's key indicators beside its peers' combined value and the nation's, as
    :func:`ohti.analysis.peers.peer_comparison` gives them for each area's document (the key
    indicators of its table, each for its period), the values of a level read once."""
    (period,) = check_periods([period])
    table = indicator_tables(period)
    key = table[table["key"].astype(bool) & table["current"].astype(bool)]
    columns = ["area_code", *PEER_COLUMNS]
    if key.empty:
        return pd.DataFrame(columns=columns)
    monthly = [p for p in key["period"] if len(p) == 7]
    groups = peer_groups(max(monthly)) if monthly else peer_groups(period)
    peers_of = {code: rows.sort_values("rank")["peer_code"].tolist() for code, rows in groups.groupby("area_code")}
    rows = []
    for (ident, shown), chosen in key.groupby(["indicator", "period"], sort=False):
        indicator = get_indicator(ident)
        values = compare_values(ident, "area", periods=[shown]).set_index("area_code")
        national = compare_values(ident, "national", periods=[shown])["value"].iloc[0]
        for code in chosen["area_code"]:
            peers = peers_of.get(code, [])
            peer_value = combined_value(values.loc[peers], indicator) if peers else float("nan")
            rows.append({"area_code": code, "indicator": ident, "name": indicator.label("en"), "period": shown,
                         "value": values.at[code, "value"], "peers": peer_value, "national": national,
                         "difference": values.at[code, "value"] - peer_value, "peer_codes": ";".join(peers),
                         "peer_names": ";".join(areas.unit_name("area", p, "en") for p in peers),
                         "note": str(values.at[code, "note"] or ""), "decimals": indicator.decimals})
    order = {ident: position for position, ident in enumerate(indicator_ids(computable=True))}
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["area_code", "indicator"], key=lambda s: s.map(order) if s.name == "indicator" else s,
                             kind="stable").reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def change_tables(period: str) -> pd.DataFrame:
    """What changed for every area since the previous edition (verdicts as codes: better,
    similar, worse …; ranks as text "15 (11–19)")."""
    (period,) = check_periods([period])
    previous = content.previous_edition(period)
    changes = content.changes_since(period, previous, language="en")
    if changes.empty:
        return pd.DataFrame(columns=["area_code", *CHANGE_COLUMNS])
    changes = changes.assign(name=[get_indicator(i).label("en") for i in changes["indicator"]], previous=previous)
    return changes[["area_code", *CHANGE_COLUMNS]].reset_index(drop=True)


def clear_caches() -> None:
    """Forget the tables computed for each period (after the data or the disclosure rule changed)."""
    for cached in (indicator_tables, series_tables, expected_tables, peer_tables, change_tables):
        cached.cache_clear()


# --------------------------------------------------------------------------- one area's rows


def _of_area(frame: pd.DataFrame, code: str, *, keep_code: bool = False) -> pd.DataFrame:
    rows = frame[frame["area_code"] == code]
    return (rows if keep_code else rows.drop(columns="area_code")).reset_index(drop=True)


def area_document_tables(code: str, period: str) -> dict[str, pd.DataFrame]:
    """The tables of one area's package that reproduce its document (English names and codes;
    :mod:`ohti.publish.package_dialects` puts them into a language)."""
    (code,) = areas.check_codes("area", [code])
    return {
        "indicator_table": _of_area(indicator_tables(period), code, keep_code=True),
        "series": _of_area(series_tables(period), code),
        "expected": _of_area(expected_tables(period), code),
        "peers": _of_area(peer_tables(period), code),
        "changes": _of_area(change_tables(period), code),
        "members": members_table(code),
    }


def members_table(code: str, language: str = "en") -> pd.DataFrame:
    """The member municipalities of an area with language status, group, region, ELY and
    elinvoimakeskus area, in `language`."""
    members = areas.members("area", code)
    return pd.DataFrame({
        "code": members.index,
        "name": members[f"name_{language}"].to_numpy(),
        "language_status": members[f"language_{language}"].to_numpy(),
        "group": members[f"group_{language}"].to_numpy(),
        "maakunta": members[f"maakunta_name_{language}"].to_numpy(),
        "ely": members[f"ely_name_{language}"].to_numpy(),
        "evk": members[f"evk_name_{language}"].to_numpy(),
    }, columns=MEMBER_COLUMNS)
