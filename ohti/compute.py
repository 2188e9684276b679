"""Evaluate registry indicators at any level, vectorised over all units and periods.

A level's value comes from component sums: numerators and denominators are summed over the
member municipalities (one matrix product), never averaged as rates. The same product on the
missing-value mask counts the members a sum lacks, and the note says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import areas, sources
from .errors import PeriodError
from .registry import get_indicator

VALUE_COLUMNS = ["level", "area_code", "area_name", "period", "indicator", "value",
                 "numerator", "denominator", "note"]

NOTE_NATIONAL = "whole-country row (includes job seekers with no known municipality)"


@dataclasses.dataclass(frozen=True)
class Sum:
    """A component summed to the units of a level.

    Attributes
    ----------
    values : DataFrame
        Units × periods; NaN where every member is missing.
    missing : DataFrame
        Units × periods: how many members had no published value.
    size : Series
        Members per unit.
    """

    values: pd.DataFrame
    missing: pd.DataFrame
    size: pd.Series


def sum_component(variable: str, level: str) -> Sum:
    """Sum one source variable to every unit of ``level`` for every period at once."""
    if level == "national":
        row = sources.component_matrix(variable, "national")
        return Sum(row, row.isna().astype(int), pd.Series(1, index=row.index))
    matrix = sources.component_matrix(variable, "municipality")
    weights = areas.membership(level).reindex(matrix.index, fill_value=0.0)
    present = matrix.notna()
    totals = weights.T.to_numpy() @ matrix.fillna(0.0).to_numpy()
    missing = weights.T.to_numpy() @ (~present).to_numpy(dtype=float)
    size = weights.sum(axis=0)
    totals[missing >= size.to_numpy()[:, None]] = np.nan
    frame = lambda data: pd.DataFrame(data, index=weights.columns, columns=matrix.columns)  # noqa: E731
    return Sum(frame(totals), frame(missing).round().astype(int), size.astype(int))


def sum_expression(variables: tuple, level: str) -> Sum:
    """Sum of several variables (``a + b``): values add, missing members add up."""
    parts = [sum_component(v, level) for v in variables]
    values = parts[0].values
    missing = parts[0].missing
    for part in parts[1:]:
        values = values + part.values
        missing = missing + part.missing
    return Sum(values, missing, parts[0].size)


def check_periods(periods) -> list[str]:
    """Validate months against the data; raise :class:`PeriodError` for the first bad one."""
    known = sources.periods()
    checked = []
    for period in periods:
        text = str(period).strip()
        if text not in known:
            raise PeriodError(period, known[0], known[-1])
        checked.append(text)
    return checked


def _stack(frame: pd.DataFrame, name: str) -> pd.Series:
    index = pd.MultiIndex.from_product([frame.index, frame.columns])
    return pd.Series(frame.to_numpy().ravel(), index=index, name=name)


def _incomplete_notes(expression: tuple, part: Sum, level: str) -> pd.Series:
    missing = _stack(part.missing, "missing")
    size = part.size.reindex(missing.index.get_level_values(0)).to_numpy()
    label = " + ".join(expression)
    unit = "municipalities" if level != "national" else "rows"
    partial = (missing > 0) & (missing.to_numpy() < size)
    complete_missing = missing.to_numpy() >= size
    notes = pd.Series("", index=missing.index)
    notes[partial] = [f"incomplete: {label} not published for {m} of {s} {unit}"
                      for m, s in zip(missing[partial], size[partial.to_numpy()])]
    notes[complete_missing] = f"{label} not published (suppressed in source)"
    return notes


def _join_notes(*columns: pd.Series) -> pd.Series:
    joined = columns[0].fillna("")
    for column in columns[1:]:
        column = column.fillna("")
        separator = np.where((joined != "") & (column != ""), "; ", "")
        joined = joined + separator + column
    return joined


def compute_values(indicator_id: str, level: str, *, periods=None, codes=None,
                   language: str = "fi") -> pd.DataFrame:
    """Values of one indicator for the units of a level and the given months.

    Parameters
    ----------
    indicator_id : str
        An id from the registry.
    level : str
        One of municipality, area, ely, maakunta, evk, national.
    periods : list of str, optional
        Months 'YYYY-MM'; all months by default.
    codes : list of str, optional
        Unit codes; all units of the level by default.
    language : str
        Language of ``area_name``.

    Returns
    -------
    DataFrame
        Columns ``level, area_code, area_name, period, indicator, value, numerator,
        denominator, note``, sorted by area code and period. ``value`` is
        ``numerator / denominator * multiplier`` (or ``numerator * multiplier`` for counts).

    Raises
    ------
    UnknownIndicatorError, UnknownLevelError, UnknownAreaError, PeriodError
    """
    indicator = get_indicator(indicator_id)
    areas.check_level(level)
    periods = check_periods(periods) if periods is not None else sources.periods()
    codes = areas.check_codes(level, codes) if codes is not None else None

    numerator = sum_expression(indicator.numerator, level)
    parts = [numerator]
    if indicator.denominator:
        parts.append(sum_expression(indicator.denominator, level))
    selected = []
    for part in parts:
        rows = part.values.index if codes is None else codes
        selected.append(Sum(part.values.loc[rows, periods], part.missing.loc[rows, periods], part.size.loc[rows]))

    num = _stack(selected[0].values, "numerator")
    notes = [_incomplete_notes(indicator.numerator, selected[0], level)]
    if indicator.denominator:
        den = _stack(selected[1].values, "denominator")
        notes.append(_incomplete_notes(indicator.denominator, selected[1], level))
        with np.errstate(divide="ignore", invalid="ignore"):
            value = num / den.where(den != 0) * indicator.multiplier
        zero = (den == 0).rename("zero").map({True: "denominator is zero", False: ""})
        notes.append(zero)
    else:
        den = pd.Series(np.nan, index=num.index, name="denominator")
        value = num * indicator.multiplier
    if level == "national":
        notes.append(pd.Series(NOTE_NATIONAL, index=num.index))
    result = pd.DataFrame({"value": value, "numerator": num, "denominator": den,
                           "note": _join_notes(*notes)})
    result.index.names = ["area_code", "period"]
    result = result.reset_index()
    names = areas.units(level)[f"name_{language}"]
    result.insert(0, "level", level)
    result.insert(2, "area_name", result["area_code"].map(names))
    result.insert(4, "indicator", indicator.id)
    return result[VALUE_COLUMNS].sort_values(["area_code", "period"], ignore_index=True)
