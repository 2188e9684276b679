"""Evaluate registry indicators at any level, vectorised over all units and periods.

A level's value comes from component sums: numerators and denominators are summed over the
member municipalities (one matrix product), never averaged as rates. The same product on the
missing-value mask counts the members a sum lacks, and the note says so. A unit with a member
the source does not cover at all gets no value.

Periods are months 'YYYY-MM' or years 'YYYY'. A year of a monthly component is the mean of its
12 month-end stocks, or the sum of its 12 monthly flows (each variable says which); a yearly
component (population on 31 December) stands for every month of its year.

Derived indicators (``derive`` in the registry) are computed from the frames of the indicators
they name: the change from a year before, a 12-month moving average, an annual average, and
the ratio of two indicators.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from . import areas, sources
from .errors import ParameterError, PeriodError
from .registry import get_indicator

VALUE_COLUMNS = ["level", "area_code", "area_name", "period", "indicator", "value",
                 "numerator", "denominator", "note"]

NOTE_NATIONAL = "whole-country row (includes job seekers with no known municipality)"
NOTE_NATIONAL_SUM = "sum of municipalities (the source has no whole-country row)"
FREQUENCIES = ("month", "year")


@dataclasses.dataclass(frozen=True)
class Wide:
    """An indicator (or a component) over all units × periods of a level.

    ``value``, ``numerator`` and ``denominator`` are float frames; ``note`` is a frame of
    strings ('' where there is nothing to say). All four share index (unit codes) and
    columns (periods).
    """

    value: pd.DataFrame
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    note: pd.DataFrame


# --- periods ----------------------------------------------------------------------------------

def frequency_of(period: str) -> str:
    """'month' for 'YYYY-MM', 'year' for 'YYYY'; raise :class:`PeriodError` otherwise."""
    text = str(period).strip()
    if sources.MONTH_PATTERN.match(text):
        return "month"
    if sources.YEAR_PATTERN.match(text):
        return "year"
    months = axis("month")
    raise PeriodError(period, months[0], months[-1])


@functools.lru_cache(maxsize=2)
def axis(frequency: str) -> list[str]:
    """Every period of a frequency that any shipped variable has data for, in order."""
    periods = set()
    for variable in sources.VARIABLES.values():
        own = sources.variable_periods(variable.name)
        if variable.frequency == frequency:
            periods.update(own)
        elif frequency == "year":
            periods.update(p[:4] for p in own)
    return sorted(periods)


def check_periods(periods) -> list[str]:
    """Validate periods (all months or all years) against the data's range.

    Raises
    ------
    PeriodError
        For a malformed period or one outside every shipped source.
    """
    checked = [str(p).strip() for p in periods]
    kinds = {frequency_of(p) for p in checked}
    if len(kinds) > 1:
        raise ParameterError("give either months (YYYY-MM) or years (YYYY), not both")
    for period in checked:
        known = axis(frequency_of(period))
        if period not in known:
            raise PeriodError(period, known[0], known[-1])
    return checked


def shift_period(period: str, steps: int) -> str:
    """Move a month by ``steps`` months, or a year by ``steps`` years."""
    if frequency_of(period) == "year":
        return str(int(period) + steps)
    return str(pd.Period(period, freq="M") + steps)


# --- components -------------------------------------------------------------------------------

def _join(*parts) -> np.ndarray:
    """Join arrays of note strings with '; ', skipping empty ones (elementwise)."""
    joined = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        separator = np.where((joined != "") & (part != ""), "; ", "")
        joined = joined + separator + part
    return joined


def _counted(prefix: str, counts: np.ndarray, sizes: np.ndarray, suffix: str) -> np.ndarray:
    """Elementwise ``f"{prefix}{count} of {size}{suffix}"``."""
    text = np.char.add(np.char.add(prefix, counts.astype(str)), " of ")
    return np.char.add(np.char.add(text, sizes.astype(str)), suffix)


def _notes(data, index, columns) -> pd.DataFrame:
    """A frame of note strings kept as plain Python objects (fast to slice and join)."""
    return pd.DataFrame(np.asarray(data, dtype=object), index=index, columns=columns, dtype=object)


def _fill(mask, text) -> np.ndarray:
    return np.where(mask, text, "").astype(object)


@functools.lru_cache(maxsize=512)
def component(variable: str, level: str) -> Wide:
    """One variable summed to the units of ``level`` at its own frequency.

    ``numerator`` holds the sum and ``denominator`` the number of member municipalities
    (2025) that had a value; the note says what is missing.
    """
    spec = sources.VARIABLES[variable]
    national_rows = sources.component_matrix(variable, "national")
    if level == "national" and len(national_rows):
        values = national_rows.reindex(index=[areas.NATIONAL["code"]])
        note = NOTE_NATIONAL if spec.source.startswith("tyonv") else "whole-country row"
        notes = _notes(_fill(values.notna(), note), values.index, values.columns)
        missing = values.isna()
        notes = notes.where(~missing, f"{variable} not published (suppressed in source)")
        return Wide(values, values, (~missing).astype(float), notes)

    matrix = sources.component_matrix(variable, "municipality")
    to_current = areas.membership("municipality")  # source codes × 2025 municipalities
    if level == "national":
        to_level = pd.DataFrame(1.0, index=to_current.columns, columns=[areas.NATIONAL["code"]])
    else:
        to_level = areas.current_membership(level)
    if matrix.empty:  # the source has this variable for the whole country only
        empty = pd.DataFrame(np.nan, index=to_level.columns, columns=national_rows.columns)
        note = _notes(np.full(empty.shape, f"not covered: the source has {variable} for the whole country only", dtype=object),
                      empty.index, empty.columns)
        return Wide(empty, empty, empty, note)
    source_rows = matrix.reindex(to_current.index)
    present = to_current.index.isin(matrix.index)
    suppressed = source_rows.isna().to_numpy() & present[:, None]
    current_values = to_current.T.to_numpy() @ source_rows.fillna(0.0).to_numpy()
    current_missing = (to_current.T.to_numpy() @ suppressed) > 0
    current_covered = (to_current.T.to_numpy() @ present.astype(float)) > 0
    weights = to_level.T.to_numpy()
    totals = weights @ current_values
    missing = (weights @ current_missing.astype(float)).round().astype(int)
    uncovered = (weights @ (~current_covered).astype(float)).round().astype(int)
    size = np.broadcast_to(weights.sum(axis=1).round().astype(int)[:, None], totals.shape)
    all_missing = missing >= size
    totals[uncovered > 0, :] = np.nan
    totals[all_missing] = np.nan
    uncovered = np.broadcast_to(uncovered[:, None], totals.shape)
    partial = (missing > 0) & ~all_missing
    notes = _join(
        _fill(uncovered > 0, _counted(f"not covered: the source has no {variable} for ", uncovered, size, " municipalities")),
        _fill((uncovered == 0) & all_missing, f"{variable} not published (suppressed in source)"),
        _fill((uncovered == 0) & partial, _counted(f"incomplete: {variable} not published for ", missing, size, " municipalities")),
        _fill(np.full(totals.shape, level == "national"), NOTE_NATIONAL_SUM),
    )
    frame = lambda data: pd.DataFrame(data, index=to_level.columns, columns=matrix.columns)  # noqa: E731
    return Wide(frame(totals), frame(totals), frame((size - missing).astype(float)),
                _notes(notes, to_level.columns, matrix.columns))


def _to_frequency(part: Wide, spec, frequency: str) -> Wide:
    """Convert a component to months or years (see the module docstring)."""
    if spec.frequency == frequency:
        return part
    if frequency == "month":  # a yearly figure stands for each month of its year
        months = [m for m in axis("month") if m[:4] in part.value.columns]
        years = [m[:4] for m in months]
        pick = lambda frame: frame.reindex(columns=years).set_axis(months, axis=1)  # noqa: E731
        return Wide(pick(part.value), pick(part.numerator), pick(part.denominator), pick(part.note))
    # months → years: only whole years; a missing month leaves the year missing
    by_year: dict[str, list[int]] = {}
    for position, column in enumerate(part.value.columns.tolist()):
        by_year.setdefault(column[:4], []).append(position)
    years = sorted(by_year)
    values = part.value.to_numpy()
    notes = part.note.to_numpy(dtype=object)
    reduce = np.mean if spec.annual == "mean" else np.sum
    out_values = np.full((len(values), len(years)), np.nan)
    out_notes = np.full((len(values), len(years)), "", dtype=object)
    for j, year in enumerate(years):
        positions = by_year[year]
        block = notes[:, positions]
        has_note = block != ""
        first_note = block[np.arange(len(block)), has_note.argmax(axis=1)]
        out_notes[:, j] = np.where(has_note.any(axis=1), first_note, "")
        if len(positions) == 12:
            out_values[:, j] = reduce(values[:, positions], axis=1)
        else:
            out_notes[:, j] = _join(out_notes[:, j], np.full(len(values), f"incomplete year: {len(positions)} of 12 months", dtype=object))
    value = pd.DataFrame(out_values, index=part.value.index, columns=years)
    return Wide(value, value, value.notna().astype(float), _notes(out_notes, value.index, years))


def expression(variables: tuple, level: str, frequency: str) -> Wide:
    """The sum of one or more variables (``a + b``) at a level and frequency."""
    parts = [_to_frequency(component(v, level), sources.VARIABLES[v], frequency) for v in variables]
    present = set()
    for part in parts:
        present.update(part.value.columns.tolist())
    columns = [c for c in axis(frequency) if c in present]
    value = sum(p.value.reindex(columns=columns) for p in parts)
    note = _notes(_join(*[p.note.reindex(columns=columns, fill_value=f"{v}: no data for this period").to_numpy(dtype=object)
                          for v, p in zip(variables, parts)]), value.index, columns)
    return Wide(value, value, value, note)


# --- indicators -------------------------------------------------------------------------------

def indicator_frequency(indicator_id: str) -> str:
    """'month' if the indicator can be computed by month, else 'year'."""
    indicator = get_indicator(indicator_id)
    if indicator.derive:
        if indicator.derive["op"] == "annual_average":
            return "year"
        return min(indicator_frequency(i) for i in indicator.derive_inputs)  # 'month' < 'year'
    if not indicator.computable:
        raise ParameterError(f"indicator '{indicator_id}' needs customer-register data and is not computed from public statistics")
    kinds = {sources.VARIABLES[v].frequency for v in indicator.numerator + indicator.denominator}
    return "month" if "month" in kinds else "year"


@functools.lru_cache(maxsize=1024)
def evaluate(indicator_id: str, level: str, frequency: str) -> Wide:
    """An indicator over every unit of a level and every period of a frequency.

    Raises
    ------
    PeriodError
        If the indicator cannot be had at this frequency (an annual one by month).
    """
    indicator = get_indicator(indicator_id)
    areas.check_level(level)
    own = indicator_frequency(indicator_id)
    if own == "year" and frequency == "month":
        raise ParameterError(f"indicator '{indicator_id}' is annual: give a year YYYY as the period")
    if indicator.derive:
        return _derive(indicator, level, frequency)
    numerator = expression(indicator.numerator, level, frequency)
    if not indicator.denominator:
        value = numerator.value * indicator.multiplier
        empty = pd.DataFrame(np.nan, index=value.index, columns=value.columns)
        return Wide(value, numerator.value, empty, numerator.note)
    denominator = expression(indicator.denominator, level, frequency)
    columns = numerator.value.columns.intersection(denominator.value.columns)
    num = numerator.value[columns]
    den = denominator.value[columns]
    value = num / den.where(den != 0) * indicator.multiplier
    note = _join(numerator.note[columns].to_numpy(dtype=object), denominator.note[columns].to_numpy(dtype=object),
                 _fill((den == 0).to_numpy(), "denominator is zero"))
    return Wide(value, num, den, _dedupe(_notes(note, value.index, columns)))


def _dedupe(notes: pd.DataFrame) -> pd.DataFrame:
    """Drop repeated parts of notes ('a; a; b' → 'a; b')."""
    flat = notes.to_numpy(dtype=object).ravel().copy()
    for position, text in enumerate(flat):
        if ";" in text:
            flat[position] = "; ".join(dict.fromkeys(text.split("; ")))
    return _notes(flat.reshape(notes.shape), notes.index, notes.columns)


def _shifted(frame: pd.DataFrame, steps: int, fill=np.nan) -> pd.DataFrame:
    """Each period's column replaced by the column ``steps`` periods earlier (``fill`` if none)."""
    earlier = [shift_period(c, -steps) for c in frame.columns]
    return frame.reindex(columns=earlier, fill_value=fill).set_axis(frame.columns, axis=1)


def _derive(indicator, level: str, frequency: str) -> Wide:
    spec = indicator.derive
    op = spec["op"]
    if op == "annual_average":
        base = evaluate(spec["of"], level, "year")
        return Wide(base.value * indicator.multiplier, base.numerator, base.denominator, base.note)
    if op == "change_year":
        base = evaluate(spec["of"], level, frequency)
        steps = 12 if frequency == "month" else 1
        before = _shifted(base.value, steps)
        if spec.get("relative"):
            value = (base.value / before.where(before != 0) - 1) * 100
        else:
            value = base.value - before
        earlier_note = _shifted(base.note, steps, fill="").to_numpy().astype(object)
        note = _join(base.note.to_numpy(dtype=object), np.where(earlier_note != "", "a year before: " + earlier_note, ""))
        return Wide(value * indicator.multiplier, base.value, before, _notes(note, value.index, value.columns))
    if op == "moving_average_12":
        if frequency != "month":
            raise ParameterError(f"indicator '{indicator.id}' is a 12-month moving average: give a month YYYY-MM")
        base = evaluate(spec["of"], level, "month")
        num = base.numerator.T.rolling(12, min_periods=12).mean().T
        has_den = base.denominator.notna().any().any()
        den = base.denominator.T.rolling(12, min_periods=12).mean().T if has_den else base.denominator
        base_indicator = get_indicator(spec["of"])
        value = (num / den.where(den != 0) if has_den else num) * base_indicator.multiplier * indicator.multiplier
        has_note = pd.DataFrame(base.note.to_numpy(dtype=object) != "", index=base.note.index, columns=base.note.columns)
        flagged = has_note.astype(float).T.rolling(12, min_periods=1).max().T.to_numpy() > 0
        note = _join(_fill(flagged, "12-month window includes months with incomplete or missing data"),
                     _fill(num.isna().to_numpy() & ~flagged, "fewer than 12 months of data"))
        return Wide(value, num, den, _notes(note, value.index, value.columns))
    if op == "ratio":
        first, second = (evaluate(i, level, frequency) for i in spec["of"])
        columns = first.value.columns.intersection(second.value.columns)
        a, b = first.value[columns], second.value[columns]
        value = a / b.where(b != 0) * indicator.multiplier
        note = _join(first.note[columns].to_numpy(dtype=object), second.note[columns].to_numpy(dtype=object))
        return Wide(value, a, b, _dedupe(_notes(note, value.index, columns)))
    raise ParameterError(f"indicator '{indicator.id}': unknown derivation '{op}'")


def coverage(indicator_id: str, level: str, frequency: str | None = None) -> tuple[str, str, int]:
    """First and last period with any value at a level, and how many units ever have one."""
    frequency = frequency or indicator_frequency(indicator_id)
    wide = evaluate(indicator_id, level, frequency)
    has = wide.value.notna()
    columns = has.columns[has.any(axis=0)]
    if not len(columns):
        return "", "", 0
    return columns[0], columns[-1], int(has.any(axis=1).sum())


def compute_values(indicator_id: str, level: str, *, periods=None, codes=None,
                   language: str = "fi") -> pd.DataFrame:
    """Values of one indicator for the units of a level and the given periods.

    Parameters
    ----------
    indicator_id : str
        An id from the registry.
    level : str
        One of municipality, area, ely, maakunta, evk, national.
    periods : list of str, optional
        Months 'YYYY-MM' or years 'YYYY'; by default every period of the indicator's own
        frequency that has a value somewhere.
    codes : list of str, optional
        Unit codes; all units of the level by default.
    language : str
        Language of ``area_name``.

    Returns
    -------
    DataFrame
        Columns ``level, area_code, area_name, period, indicator, value, numerator,
        denominator, note``, sorted by area code and period. For a ratio ``value`` is
        ``numerator / denominator × multiplier``; for a count ``numerator × multiplier``; for
        a change from a year before ``numerator`` is the value now and ``denominator`` the
        value a year earlier.

    Raises
    ------
    UnknownIndicatorError, UnknownLevelError, UnknownAreaError, PeriodError, ParameterError
    """
    indicator = get_indicator(indicator_id)
    areas.check_level(level)
    if periods is not None:
        periods = check_periods(periods)
        frequency = frequency_of(periods[0])
    else:
        frequency = indicator_frequency(indicator_id)
    codes = areas.check_codes(level, codes) if codes is not None else None
    wide = evaluate(indicator.id, level, frequency)
    if periods is None:
        has = wide.value.notna().any(axis=0)
        periods = list(has.index[has])
    else:
        first, last, _ = coverage(indicator.id, level, frequency)
        if first and all(p < first or p > last for p in periods):
            raise PeriodError(periods[0], first, last)
    rows = list(wide.value.index) if codes is None else codes
    pick = lambda frame, fill: frame.reindex(index=rows, columns=periods).fillna(fill).to_numpy().ravel()  # noqa: E731
    index = pd.MultiIndex.from_product([rows, periods], names=["area_code", "period"])
    result = pd.DataFrame({
        "value": pick(wide.value, np.nan), "numerator": pick(wide.numerator, np.nan),
        "denominator": pick(wide.denominator, np.nan),
        "note": pick(wide.note, "no data for this period"),
    }, index=index).reset_index()
    result["note"] = np.where(result["value"].isna() & (result["note"] == ""), "no data for this period", result["note"])
    names = areas.units(level)[f"name_{language}"]
    result.insert(0, "level", level)
    result.insert(2, "area_name", result["area_code"].map(names))
    result.insert(4, "indicator", indicator.id)
    return result[VALUE_COLUMNS].sort_values(["area_code", "period"], ignore_index=True)
