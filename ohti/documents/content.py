"""What an area document shows, computed: profile, indicator table, series, breakdown.

The notebooks call these functions and only narrate, tabulate and plot their results.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ohti.analysis.ranks import RANK_COLUMNS, rank_values
from ohti.errors import ParameterError, PeriodError
from ohti.i18n import check_language
from ohti.indicators.breaks import breaks_between
from ohti.indicators.comparison import FUNNEL_STATISTIC, compare_values, dispersion_of
from ohti.indicators.compute import check_periods, coverage, shift_period
from ohti.indicators.disclosure import is_suppressed
from ohti.indicators.periods import RANK_LEVEL, periods_with_values, resolve_period
from ohti.indicators.registry import get_indicator, indicator_ids, key_year_for
from ohti.sources import areas
from ohti.sources.access import periods as all_periods
from ohti.sources.areas import check_grouping
from ohti.stats import funnels
from ohti.stats.seasonal import seasonally_adjust
from ohti.stats.trends import TREND_POINTS, red_red, trend_table


def area_profile(code: str, language: str = "fi") -> dict:
    """The area's name, member municipalities and the ELY, regional and elinvoimakeskus
    areas its municipalities belong to.

    Returns
    -------
    dict
        ``code``, ``name``, ``members`` (DataFrame: code, name, language status, group,
        region), ``ely``, ``maakunta``, ``evk`` (lists of names) and ``languages`` (the
        distinct language statuses of the members).
    """
    check_language(language)
    (code,) = areas.check_codes("area", [code])
    members = areas.members("area", code)
    table = pd.DataFrame({
        "code": members.index,
        "name": members[f"name_{language}"].to_numpy(),
        "language": members[f"language_{language}"].to_numpy(),
        "group": members[f"group_{language}"].to_numpy(),
        "maakunta": members[f"maakunta_name_{language}"].to_numpy(),
    })
    distinct = lambda column: list(dict.fromkeys(members[column]))  # noqa: E731
    return {
        "code": code,
        "name": areas.unit_name("area", code, language),
        "members": table,
        "ely": distinct(f"ely_name_{language}"),
        "maakunta": distinct(f"maakunta_name_{language}"),
        "evk": distinct(f"evk_name_{language}"),
        "languages": distinct(f"language_{language}"),
    }


def area_names(language: str = "fi") -> pd.Series:
    """Employment-area names by code."""
    return areas.units("area")[f"name_{check_language(language)}"]


def rank_areas(values: pd.Series, polarity: str) -> pd.Series:
    """Rank areas so that 1 is the best (or, for a neutral indicator, the largest value).

    Ties share the best rank; missing values get no rank.
    """
    ascending = polarity == "lower_is_better"
    return values.rank(method="min", ascending=ascending).astype("Int64")


def indicator_table(code: str, period: str, *, indicators=None, language: str = "fi") -> pd.DataFrame:
    """One row per indicator for an area: its value, the national value, its rank among the
    employment areas and its change from a year before.

    Parameters
    ----------
    code : str
        Employment-area code.
    period : str
        The document's month 'YYYY-MM'. Each indicator is shown for the period
        :func:`resolve_period` picks; indicators without any area value are left out.
    indicators : list of str, optional
        Ids; every indicator public statistics can compute by default.

    Returns
    -------
    DataFrame
        ``indicator, name, unit, decimals, polarity, theme, key, period, current, value,
        national, rank, n_ranked, change, national_change, lower, upper, significance,
        minimum, q25, q75, maximum, trend, trend_label, trend_reason, red_red, note``.
        ``key`` is True for members of KEHA's key set;
        ``lower``/``upper`` are the 95 % limits and ``significance`` the comparison with the
        whole country (see :func:`ohti.indicators.comparison.compare_values`); ``minimum`` … ``maximum``
        describe the 45 areas' values (for the spine chart); ``trend_label`` is Fingertips'
        trend marker over the same month of the latest five years, and ``red_red`` flags a
        value significantly worse than the nation's and getting worse. ``current`` is False where the data ends
        before the document's period. ``change`` is the value minus the value a year earlier.
    """
    check_language(language)
    (code,) = areas.check_codes("area", [code])
    (period,) = check_periods([period])
    table = area_indicator_tables(period, indicators=list(indicators) if indicators else None, language=language)
    return table[table["area_code"] == code].drop(columns="area_code").reset_index(drop=True)


def area_indicator_tables(period: str, *, indicators=None, language: str = "fi") -> pd.DataFrame:
    """:func:`indicator_table` of every employment area at once: its columns after
    ``area_code``, the areas in code order within each indicator.

    Every area's table comes from the same values of all areas (ranks and the spread of values
    need them anyway), so computing them together costs hardly more than one; a warm kernel
    computes this once for all the documents of a build (see :mod:`ohti.build.kernels`). The
    figures do not depend on the language (:func:`area_indicator_figures`): the Finnish, Swedish
    and English tables share them and differ only in the names, units and break notes.

    Every figure in it has passed the disclosure gate, each level's values once: the areas'
    (values, ranks, spread, changes), the whole country's, and those of the five points a trend
    is tested on (a trend is not calculated where one of them is suppressed).
    """
    check_language(language)
    (period,) = check_periods([period])
    table = area_indicator_figures(period, indicators=list(indicators) if indicators else None)
    if "indicator" not in table:
        return table
    texts = {}
    for ident, shown in table[["indicator", "period"]].drop_duplicates().itertuples(index=False):
        indicator = get_indicator(ident)
        previous = shift_period(shown, -12 if len(shown) == 7 else -1)
        texts[ident] = (indicator.label(language), indicator.unit[language],
                        "; ".join(b.text(language) for b in breaks_between(ident, previous, shown)))
    for position, column in enumerate(("name", "unit", "change_break")):
        table[column] = table["indicator"].map({ident: text[position] for ident, text in texts.items()})
    return table


def area_indicator_figures(period: str, *, indicators=None) -> pd.DataFrame:
    """The figures of :func:`area_indicator_tables`, which do not depend on the language: its
    columns, with ``name``, ``unit`` and ``change_break`` empty."""
    (period,) = check_periods([period])
    pieces = []
    for ident in indicators or indicator_ids(computable=True):
        indicator = get_indicator(ident)
        shown = resolve_period(ident, period)
        if shown is None:
            continue
        previous = shift_period(shown, -12 if len(shown) == 7 else -1)
        months = [shown] + ([previous] if previous >= coverage(ident, RANK_LEVEL)[0] else [])
        # One pass through the gate for the values, the change and the trend: the trend's points
        # include the period and the one a year before.
        history = trend_history(indicator, shown) if _has_trend(indicator) else None
        area_values = (compare_values(ident, RANK_LEVEL, periods=months) if history is None
                       else history[history["period"].isin(months)])
        nation = compare_values(ident, "national", periods=months).set_index("period")["value"]
        now = area_values[area_values["period"] == shown].set_index("area_code")
        before = area_values[area_values["period"] == previous].set_index("area_code")["value"]
        current = shown == (period if len(shown) == 7 else period[:4])
        # Ranks with their 95 % confidence sets; a count, an incomplete sum or a figure of an
        # earlier period than the document's is not ranked.
        ranked = rank_values(now.reset_index())
        if not current:
            ranked[list(RANK_COLUMNS)] = pd.NA
        ranked.loc[ranked["rank_lower"].isna(), "rank"] = pd.NA  # a rank is shown with its interval or not at all
        rank = ranked.set_index("area_code")["rank"].reindex(now.index)
        national = nation.get(shown, float("nan"))
        piece = pd.DataFrame({
            "area_code": now.index,
            "indicator": ident,
            "name": "",
            "unit": "",
            "decimals": indicator.decimals,
            "polarity": indicator.polarity,
            "theme": indicator.theme,
            "key": key_year_for(period) in indicator.key,
            "period": shown,
            "current": current,
            "value": now["value"].to_numpy(),
            "national": national,
            "rank": rank.to_numpy(),
            "n_ranked": int(rank.notna().sum()),
            "rank_lower": ranked.set_index("area_code")["rank_lower"].reindex(now.index).to_numpy(),
            "rank_upper": ranked.set_index("area_code")["rank_upper"].reindex(now.index).to_numpy(),
            "comparison": indicator.comparison_method,
            "change": (now["value"] - before.reindex(now.index)).to_numpy(),
            "change_break": "",
            "national_change": national - nation.get(previous, float("nan")),
            "lower": now["lower"].to_numpy(),
            "upper": now["upper"].to_numpy(),
            "significance": now["significance"].to_numpy(),
        })
        piece = piece.join(_trends(indicator, shown, history).reindex(now.index), on="area_code")
        piece["minimum"] = now["value"].min()
        piece["q25"] = now["value"].quantile(0.25)
        piece["q75"] = now["value"].quantile(0.75)
        piece["maximum"] = now["value"].max()
        piece["note"] = now["note"].to_numpy()
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=["area_code"])
    table = pd.concat(pieces, ignore_index=True)
    table["red_red"] = red_red(table["significance"], table["trend_label"])
    return table


TREND_STATISTICS = {"proportion": "proportion", "rate": "rate", "count": "count"}


def _has_trend(indicator) -> bool:
    """Whether a trend marker is calculated for the indicator: built from counts with an
    interval method."""
    return (TREND_STATISTICS.get(indicator.statistic) is not None and not indicator.derive
            and indicator.ci_method != "none")


def _trends(indicator, shown: str, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fingertips' trend marker of every area over the latest five annual points (the same
    month in each year), for indicators built from counts with an interval method; 'not
    calculated' otherwise. Columns ``trend, trend_label, trend_reason`` by area code.
    ``history`` is :func:`trend_history` where the caller has it already."""
    codes = areas.units(RANK_LEVEL).index
    if not _has_trend(indicator):
        return pd.DataFrame({"trend": "", "trend_label": "not calculated", "trend_reason": ""}, index=codes)
    first = shift_period(shown, (-12 if len(shown) == 7 else -1) * (TREND_POINTS - 1))
    crossed = breaks_between(indicator.id, first, shown)
    if crossed:  # the points before and after a break measure different things
        return pd.DataFrame({"trend": "", "trend_label": "not calculated",
                             "trend_reason": f"series break: {crossed[0].text('en')}"}, index=codes)
    statistic = TREND_STATISTICS[indicator.statistic]
    frame = trend_history(indicator, shown) if history is None else history
    columns = ["area_code", "period", "numerator"] + (["denominator"] if indicator.denominator else [])
    table = trend_table(frame[columns], statistic=statistic, polarity=indicator.polarity)
    return (table.set_index("area_code")[["direction", "label", "reason"]]
            .set_axis(["trend", "trend_label", "trend_reason"], axis=1))


def trend_history(indicator, shown: str) -> pd.DataFrame:
    """Every area's values at the points a trend marker is tested on: the same month (or year)
    in each of the latest :data:`ohti.stats.trends.TREND_POINTS` years up to ``shown``, through the
    disclosure gate, so that no trend is computed from a suppressed count (the marker is then
    not calculated)."""
    step = -12 if len(shown) == 7 else -1
    first = coverage(indicator.id, RANK_LEVEL)[0]
    periods = [p for p in (shift_period(shown, step * i) for i in range(TREND_POINTS - 1, -1, -1)) if p >= first]
    return compare_values(indicator.id, RANK_LEVEL, periods=periods)


def _rows_of(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """The rows of one unit in a frame of every unit of a level (as computed for all units).

    Documents take their unit's rows from the level's frame, which a warm kernel computes once
    for all the documents of a build (see :mod:`ohti.build.kernels`). The disclosure gate decides on
    the whole level whatever rows it is given, so the rows are those a call for this unit alone
    would give.
    """
    return frame[frame["area_code"] == code].reset_index(drop=True)


def not_measured(code: str, language: str = "fi", period: str | None = None) -> pd.DataFrame:
    """Indicators of the catalogue that this document cannot show for the area, and why.

    Returns
    -------
    DataFrame
        ``indicator, name, reason`` where reason is 'customer_register' (needs register
        data), 'not_at_area_level' (public data exist only for the nation or a few
        municipalities) or, given the document's ``period``, 'no_recent_data' (the area's
        data end too long before it, see :data:`MAX_AGE`).
    """
    rows = []
    for ident in indicator_ids():
        indicator = get_indicator(ident)
        if not indicator.computable:
            reason = "customer_register"
        elif coverage(ident, RANK_LEVEL)[2] == 0:
            reason = "not_at_area_level"
        elif period is not None and resolve_period(ident, period) is None:
            reason = "no_recent_data"
        else:
            continue
        rows.append({"indicator": ident, "name": indicator.label(language), "reason": reason})
    return pd.DataFrame(rows, columns=["indicator", "name", "reason"])


#: The note of a month the loaded statistics have no data for.
NO_DATA_MONTH = "no data for this month in the loaded statistics (ohti refresh fills the gap)"


def area_series(code: str, indicator: str, end: str, *, years: int = 5, language: str = "fi") -> pd.DataFrame:
    """Monthly values of the area and the whole country over the ``years`` before ``end``.

    Both series have passed the disclosure gate: a suppressed month is missing, and
    ``suppressed`` is True for it (its ``note`` says why).

    Returns
    -------
    DataFrame
        ``period`` (Timestamp, month start), ``area``, ``national``, ``note``, ``suppressed``
        and ``area_adjusted``: the area's series seasonally adjusted by STL (NaN where it has
        gaps or suppressed months).
    """
    (code,) = areas.check_codes("area", [code])
    (end,) = check_periods([end])

    months = [p for p in all_periods() if shift_period(end, -12 * years) < p <= end]
    # Every area's and the nation's months through the gate, a level at a time (shared by the
    # documents of a build), so that no suppressed month is drawn or named in an alt text.
    area = _rows_of(compare_values(indicator, "area", periods=months), code)
    nation = compare_values(indicator, "national", periods=months).set_index("period")["value"]
    frame = pd.DataFrame({
        "period": pd.PeriodIndex(area["period"], freq="M").to_timestamp(),
        "area": area["value"].to_numpy(),
        "national": nation.reindex(area["period"]).to_numpy(),
        "note": area["note"].to_numpy(),
    })
    frame = _on_axis(frame, indicator, end, years, language)
    frame["area_adjusted"] = _seasonally_adjusted(frame, code, indicator, end)
    return frame


def national_series(indicator: str, end: str, *, years: int = 10, language: str = "fi") -> pd.DataFrame:
    """Monthly values of the whole country over the ``years`` before ``end``, from the national
    row, in the columns of :func:`area_series` (the nation in ``area``; ``national`` and
    ``area_adjusted`` empty), with the series breaks of the window in ``attrs["breaks"]``."""
    (end,) = check_periods([end])
    months = [p for p in all_periods() if shift_period(end, -12 * years) < p <= end]
    nation = compare_values(indicator, "national", periods=months)
    frame = pd.DataFrame({"period": pd.PeriodIndex(nation["period"], freq="M").to_timestamp(),
                          "area": nation["value"].to_numpy(), "national": np.nan, "note": nation["note"].to_numpy()})
    frame = _on_axis(frame, indicator, end, years, language)
    frame["area_adjusted"] = np.nan
    return frame


def _on_axis(frame: pd.DataFrame, indicator: str, end: str, years: int, language: str) -> pd.DataFrame:
    """A series on every month of its window: the months of a gap in the data stay on the axis,
    empty, so that a chart breaks its line; the breaks inside the window are ``attrs["breaks"]``
    (first month after, label) for the chart to mark."""
    every = pd.period_range(shift_period(end, -12 * years + 1), end, freq="M").to_timestamp()
    frame = frame.set_index("period").reindex(every).rename_axis("period").reset_index()
    frame["note"] = frame["note"].fillna(NO_DATA_MONTH)
    frame["suppressed"] = is_suppressed(frame["note"])
    by_month: dict = {}
    for b in breaks_between(indicator, shift_period(end, -12 * years), end):
        by_month.setdefault(pd.Period(b.period, "M").to_timestamp(), []).append(b.text(language))
    frame.attrs["breaks"] = [(when, "; ".join(texts)) for when, texts in by_month.items()]
    return frame


def area_distribution(period: str, indicators, *, language: str = "fi") -> pd.DataFrame:
    """How the 45 areas spread around the whole country on each indicator: the national value,
    the smallest, lower-quartile, median, upper-quartile and largest area value, and how many
    areas are significantly worse (or higher) and better (or lower) than the country, by the
    verdicts of :func:`area_indicator_tables` (the same as in every area document)."""
    tables = area_indicator_tables(period, indicators=list(indicators), language=language)
    rows = []
    for ident, table in tables.groupby("indicator", sort=False):
        first = table.iloc[0]
        rows.append({"indicator": ident, "name": first["name"], "unit": first["unit"], "decimals": first["decimals"],
                     "period": first["period"], "national": first["national"],
                     "minimum": table["value"].min(), "q25": table["value"].quantile(0.25),
                     "median": table["value"].median(), "q75": table["value"].quantile(0.75),
                     "maximum": table["value"].max(), "areas": int(table["value"].notna().sum()),
                     "worse": int(table["significance"].isin(["worse", "higher"]).sum()),
                     "better": int(table["significance"].isin(["better", "lower"]).sum()),
                     "polar": first["polarity"] != "neutral", "compared": first["comparison"] != "none"})
    return pd.DataFrame(rows)


def _seasonally_adjusted(frame: pd.DataFrame, code: str, indicator: str, end: str) -> np.ndarray:
    """The area's series with the seasonal component removed, for the months of ``frame``.

    The decomposition (robust STL, :func:`ohti.stats.seasonal.seasonally_adjust`) is fitted on
    the area's whole unbroken monthly history up to ``end``, not on the months shown: fitted on
    five years that contain the spring of 2020, the seasonal pattern takes in part of the
    shock and moves the adjusted line of 2019 more than a percentage point away from the raw
    one. NaN where the shown months have gaps or suppressed months, or the history is shorter
    than two years."""
    history = [p for p in all_periods() if p <= end]
    values = _rows_of(compare_values(indicator, "area", periods=history), code)
    series = pd.Series(values["value"].to_numpy(), index=pd.PeriodIndex(values["period"], freq="M"))
    result = adjusted_window(series, pd.PeriodIndex(frame["period"], freq="M"), end)
    result[frame["area"].isna().to_numpy()] = np.nan
    return result


def adjusted_window(history: pd.Series, shown: pd.PeriodIndex, end: str) -> np.ndarray:
    """The seasonally adjusted values of ``shown`` months, from robust STL fitted on the unbroken
    run of ``history`` (monthly values by PeriodIndex) that ends at ``end``; NaN where that run
    is shorter than two years or does not cover a month."""
    series = history.reindex(pd.period_range(history.index.min(), end, freq="M"))
    missing = np.flatnonzero(series.isna().to_numpy())
    start = missing[-1] + 1 if len(missing) else 0
    try:
        adjusted = seasonally_adjust(series.iloc[start:])["adjusted"]
    except ParameterError:
        return np.full(len(shown), np.nan)
    return adjusted.reindex(shown).to_numpy(dtype=float, copy=True)


def municipality_breakdown(code: str, period: str, *, indicators=None, language: str = "fi") -> pd.DataFrame:
    """Each member municipality's values of the indicators (2025 division), each for the
    period :func:`resolve_period` picks for the document's month.

    Returns
    -------
    DataFrame
        ``code, name`` and one column per indicator id, plus ``note`` joining the notes.
    """
    (code,) = areas.check_codes("area", [code])
    members = areas.members("area", code)
    table = pd.DataFrame({"code": members.index, "name": members[f"name_{language}"].to_numpy()})
    notes = {municipality: [] for municipality in members.index}
    for ident in indicators or indicator_ids(computable=True):
        shown = resolve_period(ident, period, "municipality")
        if shown is None:
            continue
        values = compare_values(ident, "municipality", periods=[shown], codes=list(members.index))
        values = values.set_index("area_code")
        table[ident] = values["value"].reindex(members.index).to_numpy()
        for municipality, note in values["note"].items():
            if note and note not in notes[municipality]:
                notes[municipality].append(note)
    table["note"] = ["; ".join(notes[m]) for m in members.index]
    return table


@dataclasses.dataclass(frozen=True)
class FunnelData:
    """What a funnel plot of one indicator needs: every published area's value and
    denominator, the whole country's value as the target, the control limits, the
    overdispersion check, and the areas left out because their values are suppressed.

    Where fewer than :data:`FUNNEL_MIN_AREAS` areas (or no target) are published, ``values``
    and ``limits`` are empty and ``overdispersion`` is None: there is no funnel to draw.
    """

    indicator: str
    period: str
    values: pd.DataFrame
    target: float
    limits: pd.DataFrame
    overdispersion: object
    adjusted: bool
    suppressed: tuple = ()


#: The fewest published areas a funnel plot is drawn for (the overdispersion test needs two).
FUNNEL_MIN_AREAS = 2


def funnel_data(indicator_id: str, period: str, *, adjust: bool | None = None) -> FunnelData:
    """Funnel-plot data for the 45 areas (proportions and rates).

    Parameters
    ----------
    adjust : bool, optional
        Widen the limits for overdispersion (Spiegelhalter 2005, DerSimonian–Laird τ² on
        winsorised z-scores). By default only where the overdispersion is significant.

    The areas' values and the target have passed the disclosure gate: a suppressed area is
    neither drawn nor counted, and neither the limits, the axis nor the overdispersion
    estimate uses its value or its denominator (``suppressed`` names it).
    """

    indicator = get_indicator(indicator_id)
    statistic = FUNNEL_STATISTIC.get(indicator.statistic)
    if statistic is None or not indicator.denominator:
        raise ParameterError(f"a funnel plot needs a proportion or a rate; '{indicator_id}' is a {indicator.statistic}")
    every = compare_values(indicator_id, "area", periods=[period])
    suppressed = tuple(every.loc[is_suppressed(every["note"]), "area_code"])
    values = every.dropna(subset=["value", "denominator"])
    target = float(compare_values(indicator_id, "national", periods=[period])["value"].iloc[0])
    if len(values) < FUNNEL_MIN_AREAS or np.isnan(target):
        return FunnelData(indicator_id, period, values.iloc[0:0].assign(position=pd.Series(dtype=object)), target,
                          pd.DataFrame(), None, False, suppressed)
    dispersion = dispersion_of(indicator, values["value"], values["denominator"], target)
    if dispersion is None:  # too few areas to estimate τ²: the plain funnel, as the tables judge them
        dispersion = funnels.overdispersion(values["value"].to_numpy(), values["denominator"].to_numpy(), target,
                                            statistic, multiplier=indicator.multiplier)
        adjusted = False if adjust is None else adjust
    else:
        adjusted = dispersion.significant if adjust is None else adjust
    denominators = values["denominator"].to_numpy()
    axis = np.geomspace(denominators.min() * 0.8, denominators.max() * 1.25, 120)
    limits = funnels.funnel_limits(denominators, target, statistic=statistic, multiplier=indicator.multiplier,
                                 tau2=dispersion.tau2 if adjusted else 0.0, points=axis)
    values = values.assign(position=funnels.funnel_significance(
        values["value"].to_numpy(), values["denominator"].to_numpy(), target, statistic=statistic,
        multiplier=indicator.multiplier, tau2=dispersion.tau2 if adjusted else 0.0))
    return FunnelData(indicator_id, period, values, target, limits, dispersion, adjusted, suppressed)


def region_profile(grouping: str, code: str, language: str = "fi") -> dict:
    """A region (ELY, maakunta or elinvoimakeskus area) and the employment areas inside it.

    Returns
    -------
    dict
        ``grouping, code, name, municipalities`` (count) and ``areas``: a DataFrame of the
        employment areas with a member municipality in the region — ``code, name,
        inside`` (member municipalities in the region), ``total`` (all members) and ``also``
        (names of the other regions it spans, '' if none).
    """
    check_grouping(grouping)
    check_language(language)
    (code,) = areas.check_codes(grouping, [code])
    key = areas.load_key()
    members = key[key[f"{grouping}_code"] == code]
    region_names = areas.units(grouping)[f"name_{language}"]
    area_table = areas.units("area")
    rows = []
    for area_code in sorted(set(members["area_code"]) - set(areas.AREAS_OUTSIDE_REFORM)):
        in_area = key[key["area_code"] == area_code]
        others = sorted(set(in_area[f"{grouping}_code"]) - {code})
        rows.append({"code": area_code, "name": area_table.at[area_code, f"name_{language}"],
                     "inside": int((in_area[f"{grouping}_code"] == code).sum()), "total": len(in_area),
                     "also": ", ".join(region_names[o] for o in others)})
    return {"grouping": grouping, "code": code, "name": region_names[code], "municipalities": len(members),
            "areas": pd.DataFrame(rows, columns=["code", "name", "inside", "total", "also"])}


def unit_indicator_table(level: str, code: str, period: str, *, indicators=None, language: str = "fi") -> pd.DataFrame:
    """Like :func:`indicator_table` for a unit of any level (a region), without ranks."""
    (code,) = areas.check_codes(level, [code])
    (period,) = check_periods([period])
    rows = []
    for ident in indicators or indicator_ids(computable=True):
        indicator = get_indicator(ident)
        shown = resolve_period(ident, period, level)
        if shown is None:
            continue
        row = _rows_of(compare_values(ident, level, periods=[shown], language=language), code).iloc[0]
        nation = compare_values(ident, "national", periods=[shown])["value"].iloc[0]
        rows.append({"indicator": ident, "name": indicator.label(language), "unit": indicator.unit[language],
                     "decimals": indicator.decimals, "polarity": indicator.polarity, "theme": indicator.theme,
                     "key": key_year_for(period) in indicator.key, "period": shown,
                     "current": shown == (period if len(shown) == 7 else period[:4]),
                     "value": row["value"], "national": nation, "rank": None, "n_ranked": 0,
                     "change": float("nan"), "lower": row["lower"], "upper": row["upper"],
                     "significance": row["significance"], "trend_label": "not calculated", "note": row["note"]})
    return pd.DataFrame(rows)


def league_table(indicator_id: str, period: str, *, language: str = "fi") -> pd.DataFrame:
    """The 45 areas ordered best first (largest first for neutral indicators), with 95 %
    intervals, significance against the whole country, the five-year trend and red-red.

    Returns
    -------
    DataFrame
        ``rank, area_code, area_name, value, lower, upper, significance, trend_label, red_red,
        note, rank_lower, rank_upper``: ``rank`` with its 95 % confidence set
        (:func:`ohti.analysis.ranks.rank_values`); no rank for a count, an incomplete sum or a
        figure of an earlier period than ``period``.
    """
    indicator = get_indicator(indicator_id)
    shown = resolve_period(indicator_id, period)
    values = compare_values(indicator_id, RANK_LEVEL, periods=[shown], language=language)
    values = rank_values(values) if shown == (period if len(shown) == 7 else period[:4]) else \
        values.assign(rank=pd.NA, rank_lower=pd.NA, rank_upper=pd.NA)
    values.loc[values["rank_lower"].isna(), "rank"] = pd.NA  # a rank is shown with its interval or not at all
    order = rank_areas(values["value"], indicator.polarity)  # the order of the table, ranked or not
    if _has_trend(indicator):
        statistic = TREND_STATISTICS[indicator.statistic]
        history = trend_history(indicator, shown)
        frame = history[["area_code", "period", "numerator", "denominator"]]
        if not indicator.denominator:
            frame = frame.drop(columns="denominator")
        trends = trend_table(frame, statistic=statistic, polarity=indicator.polarity).set_index("area_code")
        values["trend_label"] = values["area_code"].map(trends["label"])
    else:
        values["trend_label"] = "not calculated"
    values["red_red"] = red_red(values["significance"], values["trend_label"])
    columns = ["rank", "area_code", "area_name", "value", "lower", "upper", "significance", "trend_label", "red_red",
               "note", "rank_lower", "rank_upper"]
    return values.assign(order=order).sort_values(["order", "area_code"], na_position="last")[columns].reset_index(drop=True)


def flagged_areas(period: str, indicators, *, language: str = "fi") -> pd.DataFrame:
    """Areas significantly worse than the whole country, or worse and getting worse (red-red).

    Returns
    -------
    DataFrame
        ``indicator, name, area_code, area_name, value, significance, trend_label, red_red``.
    """
    frames = []
    for ident in indicators:
        table = league_table(ident, period, language=language)
        worse = table[(table["significance"] == "worse") | table["red_red"]]
        frames.append(worse.assign(indicator=ident, name=get_indicator(ident).label(language)))
    columns = ["indicator", "name", "area_code", "area_name", "value", "significance", "trend_label", "red_red"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


#: What "what changed since the last edition" reports, in this order.
CHANGE_KINDS = ("verdict", "rank", "red_red_entered", "red_red_left", "added", "retired")


def previous_edition(period: str) -> str:
    """The edition a document is compared with by default: the same month a year before."""
    (period,) = check_periods([period])
    return shift_period(period, -12 if len(period) == 7 else -1)


#: The indicator whose figures decide whether an edition's month is in the loaded data.
EDITION_INDICATOR = "unemployment_rate"


def comparison_edition(period: str, compare_with: str | None = None) -> tuple[str | None, str | None]:
    """The edition a document compares itself with, and the one it wanted when that is missing.

    ``compare_with`` (``--compare-with PERIOD``) is taken as given. By default the edition is
    :func:`previous_edition` (the same month a year before); where the loaded statistics have no
    area figures of that month, it is the latest earlier month that has them, and the month
    wanted is returned second so that the document can say so. A ``compare_with`` month without
    figures gives ``(None, compare_with)``: the document says there is nothing to compare with.

    Returns
    -------
    (str or None, str or None)
        The edition compared with (None when there is no earlier month with figures at all),
        and the month wanted when it is not the one compared with (else None).
    """
    (period,) = check_periods([period])
    if compare_with:
        (chosen,) = check_periods([compare_with], gaps=True)
        if chosen >= period:
            raise ParameterError(f"--compare-with {chosen}: the edition compared with must be earlier than {period}")
    frequency = "month" if len(period) == 7 else "year"
    available = [p for p in periods_with_values(EDITION_INDICATOR, RANK_LEVEL, frequency) if p < period]
    if compare_with:
        return (chosen, None) if chosen in available else (None, chosen)
    wanted = previous_edition(period)
    if wanted in available or not available:
        return (wanted, None) if wanted in available else (None, wanted)
    return available[-1], wanted


def changes_since(period: str, previous: str | None = None, *, language: str = "fi") -> pd.DataFrame:
    """What changed for every area between the edition of ``previous`` (by default
    :func:`previous_edition`) and that of ``period``, on the figures of each edition's own month.

    Reported (``kind``): a verdict against the whole country that changed (``verdict``); a rank
    that moved so far that the two 95 % rank intervals do not overlap (``rank``); red-red
    entered or left; an indicator shown now but not then (``added``) or then but not now
    (``retired``). Figures of an earlier period than the edition's own are not compared.

    Returns
    -------
    DataFrame
        ``area_code, indicator, name, kind, before, after`` (texts: verdicts, ranks as
        "15 (11–19)"), ordered by area, :data:`CHANGE_KINDS` and indicator; empty when the
        previous edition has no figures of its own month.
    """
    previous = previous or previous_edition(period)
    columns = ["area_code", "indicator", "name", "kind", "before", "after"]
    now = area_indicator_tables(period, language=language)
    if "indicator" not in now:
        return pd.DataFrame(columns=columns)
    try:
        then = area_indicator_tables(previous, language=language)
    except PeriodError:  # the loaded statistics have no figures for the previous edition's month
        return pd.DataFrame(columns=columns)
    if "indicator" not in then or not then["current"].any():
        return pd.DataFrame(columns=columns)
    now, then = now[now["current"]], then[then["current"]]
    keys = ["area_code", "indicator"]
    both = now.merge(then, on=keys, how="outer", suffixes=("", "_then"), indicator="which")
    rows = []

    def rank_text(rank, lower, upper):
        return "" if pd.isna(rank) else f"{int(rank)} ({int(lower)}–{int(upper)})"

    for row in both.itertuples(index=False):
        record = row._asdict()
        name = record["name"] if isinstance(record["name"], str) else record["name_then"]
        if record["which"] == "left_only":
            rows.append((row.area_code, row.indicator, name, "added", "", ""))
            continue
        if record["which"] == "right_only":
            rows.append((row.area_code, row.indicator, name, "retired", "", ""))
            continue
        compared = {"better", "similar", "worse", "higher", "lower"}
        if record["significance"] in compared and record["significance_then"] in compared \
                and record["significance"] != record["significance_then"]:
            rows.append((row.area_code, row.indicator, name, "verdict", record["significance_then"], record["significance"]))
        if not (pd.isna(record["rank"]) or pd.isna(record["rank_then"])) and (
                record["rank_lower"] > record["rank_upper_then"] or record["rank_upper"] < record["rank_lower_then"]):
            rows.append((row.area_code, row.indicator, name, "rank",
                         rank_text(record["rank_then"], record["rank_lower_then"], record["rank_upper_then"]),
                         rank_text(record["rank"], record["rank_lower"], record["rank_upper"])))
        if bool(record["red_red"]) and not bool(record["red_red_then"]):
            rows.append((row.area_code, row.indicator, name, "red_red_entered", "", ""))
        if bool(record["red_red_then"]) and not bool(record["red_red"]) and record["trend_label"] != "not calculated":
            # left only when the trend is known now: one that cannot be calculated ends nothing
            rows.append((row.area_code, row.indicator, name, "red_red_left", "", ""))
    result = pd.DataFrame(rows, columns=columns)
    order = {kind: number for number, kind in enumerate(CHANGE_KINDS)}
    return (result.assign(_order=result["kind"].map(order))
            .sort_values(["area_code", "_order", "indicator"]).drop(columns="_order").reset_index(drop=True))
