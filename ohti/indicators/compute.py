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
from scipy import sparse

from ohti.errors import ParameterError, PeriodError
from ohti.indicators.registry import get_indicator
from ohti.sources import access, areas, files
from ohti.sources.variables import VARIABLES

VALUE_COLUMNS = ["level", "area_code", "area_name", "period", "indicator", "value",
                 "numerator", "denominator", "note"]

NOTE_NATIONAL = "whole-country row (includes job seekers with no known municipality)"
NOTE_NATIONAL_SUM = "sum of municipalities (the source has no whole-country row)"
FREQUENCIES = ("month", "year")


@dataclasses.dataclass(frozen=True)
class Notes:
    """The notes of a frame, coded: each cell holds a number into ``texts``.

    ``texts[0]`` is '' (nothing to say) and no other text is empty, so ``codes != 0`` marks
    the cells with a note. Notes are combined on their codes, and each text is written once
    per distinct combination, not once per cell.
    """

    codes: pd.DataFrame
    texts: tuple

    def text(self) -> pd.DataFrame:
        """The notes as a frame of strings."""
        return pd.DataFrame(self.decode(self.codes.to_numpy()), index=self.codes.index,
                            columns=self.codes.columns, dtype=object)

    def decode(self, codes) -> np.ndarray:
        """The strings of an array of this frame's codes."""
        return np.asarray(self.texts, dtype=object)[np.asarray(codes, dtype=np.int64)]

    def select(self, columns) -> "Notes":
        return Notes(self.codes[columns], self.texts)

    def reindex(self, columns, fill: str) -> "Notes":
        """The notes on other columns; a column that is not here gets ``fill``."""
        texts, code = _with_text(self.texts, fill)
        return Notes(self.codes.reindex(columns=columns, fill_value=code), texts)

    def coded(self) -> tuple[np.ndarray, tuple]:
        return self.codes.to_numpy(), self.texts


@dataclasses.dataclass(frozen=True)
class Wide:
    """An indicator (or a component) over all units × periods of a level.

    ``value``, ``numerator`` and ``denominator`` are float frames; ``note`` holds the notes
    (:class:`Notes`). All share index (unit codes) and columns (periods).
    """

    value: pd.DataFrame
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    note: Notes


# --- periods ----------------------------------------------------------------------------------

def frequency_of(period: str) -> str:
    """'month' for 'YYYY-MM', 'year' for 'YYYY'; raise :class:`PeriodError` otherwise."""
    text = str(period).strip()
    if files.MONTH_PATTERN.match(text):
        return "month"
    if files.YEAR_PATTERN.match(text):
        return "year"
    months = axis("month")
    raise PeriodError(period, months[0], months[-1])


@functools.lru_cache(maxsize=2)
def axis(frequency: str) -> list[str]:
    """Every period of a frequency that any shipped variable has data for, in order."""
    periods = set()
    for variable in VARIABLES.values():
        own = access.variable_periods(variable.name)
        if variable.frequency == frequency:
            periods.update(own)
        elif frequency == "year":
            periods.update(p[:4] for p in own)
    return sorted(periods)


def check_periods(periods, *, gaps: bool = False) -> list[str]:
    """Validate periods (all months or all years) against the data's range.

    Parameters
    ----------
    periods : list of str
    gaps : bool
        Accept a period inside the data's range that no source has data for (a chart's
        axis runs through a gap; a value asked for does not).

    Raises
    ------
    PeriodError
        For a malformed period, one outside every source, or (unless ``gaps``) one inside a
        gap of the data.
    """
    checked = [str(p).strip() for p in periods]
    kinds = {frequency_of(p) for p in checked}
    if len(kinds) > 1:
        raise ParameterError("give either months (YYYY-MM) or years (YYYY), not both")
    for period in checked:
        known = axis(frequency_of(period))
        if known and known[0] <= period <= known[-1] and (gaps or period in set(known)):
            continue
        if known and known[0] <= period <= known[-1]:
            first, last = gap_around(period)
            raise PeriodError(period, known[0], known[-1], gap=(first, last))
        raise PeriodError(period, known[0], known[-1])
    return checked


def gap_around(period: str) -> tuple[str, str]:
    """The first and last period of the gap in the data that ``period`` falls in."""
    known = axis(frequency_of(period))
    before = max(p for p in known if p < period)
    after = min(p for p in known if p > period)
    return shift_period(before, 1), shift_period(after, -1)


def continuous_periods(first: str, last: str) -> list[str]:
    """Every month (or year) from ``first`` to ``last``, gaps in the data included."""
    if frequency_of(first) == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def shift_period(period: str, steps: int) -> str:
    """Move a month by ``steps`` months, or a year by ``steps`` years."""
    if frequency_of(period) == "year":
        return str(int(period) + steps)
    return str(pd.Period(period, freq="M") + steps)


# --- notes ------------------------------------------------------------------------------------
# A note is built from codes: texts are written once per distinct note, never once per cell.

def _with_text(texts: tuple, text: str) -> tuple[tuple, int]:
    """``texts`` with ``text`` among them, and its code."""
    if text in texts:
        return texts, texts.index(text)
    return texts + (text,), len(texts)


def _flag(mask, text: str) -> tuple[np.ndarray, tuple]:
    """Coded notes: ``text`` where ``mask`` is true, nothing elsewhere."""
    return np.asarray(mask, dtype=bool).astype(np.int32), ("", text)


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes 0, 1, … for the distinct integer keys (hashed, not sorted), and the keys.

    Key 0, where present, gets code 0.
    """
    codes, distinct = pd.factorize(np.asarray(keys).ravel())
    zero = np.flatnonzero(distinct == 0)
    if len(zero) and zero[0] != 0:  # swap codes so that key 0 has code 0
        swap = np.arange(len(distinct))
        swap[[0, zero[0]]] = swap[[zero[0], 0]]
        codes, distinct = swap[codes], distinct[swap]
    return codes.reshape(np.shape(keys)).astype(np.int32), distinct.tolist()


def _keyed(keys: np.ndarray, render) -> tuple[np.ndarray, tuple]:
    """Coded notes from non-negative integer keys (0: no note); ``render(key)`` writes a text."""
    codes, distinct = _distinct(keys)
    texts = tuple(render(key) for key in distinct if key != 0)
    if distinct and distinct[0] == 0:
        return codes, ("",) + texts
    return codes + 1, ("",) + texts


def _join_texts(first: str, second: str) -> str:
    """'a; b' from two notes, each part once ('a; b' and 'b; c' give 'a; b; c')."""
    parts = [part for text in (first, second) if text for part in text.split("; ")]
    return "; ".join(dict.fromkeys(parts))


def _join(*parts: tuple[np.ndarray, tuple]) -> tuple[np.ndarray, tuple]:
    """Join coded notes cell by cell with '; ', each part once, empty ones skipped."""
    codes, texts = parts[0]
    for other_codes, other_texts in parts[1:]:
        if len(other_texts) == 1:  # nothing to add
            continue
        if len(texts) == 1:
            codes, texts = other_codes, other_texts
            continue
        width = len(other_texts)
        keys = codes.astype(np.int64) * width + other_codes
        codes, distinct = _distinct(keys)
        joined = tuple(_join_texts(texts[key // width], other_texts[key % width]) for key in distinct)
        texts = joined if joined and joined[0] == "" else ("",) + joined
        codes = codes if joined and joined[0] == "" else codes + 1
    return codes, texts


def _prefixed(coded: tuple[np.ndarray, tuple], prefix: str) -> tuple[np.ndarray, tuple]:
    """Every note with ``prefix`` in front of it."""
    codes, texts = coded
    return codes, ("",) + tuple(prefix + text for text in texts[1:])


def _notes(coded: tuple[np.ndarray, tuple], index, columns) -> Notes:
    codes, texts = coded
    return Notes(pd.DataFrame(codes, index=index, columns=columns), texts)


# --- components -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=128)
def _current(variable: str) -> tuple:
    """A variable on the 2025 municipalities: its sums, and which have members suppressed or
    not covered by the source (history recoded to the 2025 division)."""
    matrix = access.component_matrix(variable, "municipality")
    to_current = areas.membership("municipality")  # source codes × 2025 municipalities
    source_rows = matrix.reindex(to_current.index)
    # a cell the source has a row for: a merged municipality has no row after its merger
    present = access.component_presence(variable, "municipality").reindex(to_current.index, fill_value=False).to_numpy()
    suppressed = source_rows.isna().to_numpy() & present
    weights = sparse.csr_matrix(to_current.T.to_numpy())  # a membership matrix is mostly zeros
    values = weights @ source_rows.fillna(0.0).to_numpy()
    missing = (weights @ suppressed.astype(float)) > 0
    covered = (weights @ present.astype(float)) > 0
    return matrix.columns, values, missing, covered


@functools.lru_cache(maxsize=512)
def component(variable: str, level: str) -> Wide:
    """One variable summed to the units of ``level`` at its own frequency.

    ``numerator`` holds the sum and ``denominator`` the number of member municipalities
    (2025) that had a value; the note says what is missing.
    """
    spec = VARIABLES[variable]
    national_rows = access.component_matrix(variable, "national")
    if level == "national" and len(national_rows):
        values = national_rows.reindex(index=[areas.NATIONAL["code"]])
        missing = values.isna().to_numpy()
        note = NOTE_NATIONAL if spec.source.startswith("tyonv") else "whole-country row"
        keys = np.where(missing, 2, 1)
        texts = ("", note, f"{variable} not published (suppressed in source)")
        notes = _keyed(keys, lambda key: texts[key])
        return Wide(values, values, pd.DataFrame(~missing, index=values.index, columns=values.columns).astype(float),
                    _notes(notes, values.index, values.columns))

    if level == "national":
        to_level = pd.DataFrame(1.0, index=areas.membership("municipality").columns, columns=[areas.NATIONAL["code"]])
    else:
        to_level = areas.current_membership(level)
    if access.component_matrix(variable, "municipality").empty:  # the source has it for the whole country only
        empty = pd.DataFrame(np.nan, index=to_level.columns, columns=national_rows.columns)
        note = _flag(np.ones(empty.shape), f"not covered: the source has {variable} for the whole country only")
        return Wide(empty, empty, empty, _notes(note, empty.index, empty.columns))
    columns, current_values, current_missing, current_covered = _current(variable)
    weights = sparse.csr_matrix(to_level.T.to_numpy())
    totals = weights @ current_values
    missing = (weights @ current_missing.astype(float)).round().astype(int)
    uncovered = (weights @ (~current_covered).astype(float)).round().astype(int)  # by unit and period
    size = np.broadcast_to(np.asarray(weights.sum(axis=1)).ravel().round().astype(int)[:, None], totals.shape)
    all_missing = missing >= size
    totals[uncovered > 0] = np.nan
    totals[all_missing] = np.nan
    partial = (missing > 0) & ~all_missing
    # one key per note: kind × 10⁶ + count × 10³ + size (a unit has fewer than 1000 members)
    kind = np.select([uncovered > 0, all_missing, partial], [1, 2, 3], 0)
    count = np.where(kind == 1, uncovered, np.where(kind == 3, missing, 0))
    keys = np.where(kind > 0, kind * 1_000_000 + count * 1_000 + size, 0)

    def render(key: int) -> str:
        kind, count, size = key // 1_000_000, key // 1_000 % 1_000, key % 1_000
        if kind == 1:
            return f"not covered: the source has no {variable} for {count} of {size} municipalities"
        if kind == 2:
            return f"{variable} not published (suppressed in source)"
        return f"incomplete: {variable} not published for {count} of {size} municipalities"

    notes = _keyed(keys, render)
    if level == "national":
        notes = _join(notes, _flag(np.ones(totals.shape), NOTE_NATIONAL_SUM))
    frame = lambda data: pd.DataFrame(data, index=to_level.columns, columns=columns)  # noqa: E731
    return Wide(frame(totals), frame(totals), frame((size - missing).astype(float)),
                _notes(notes, to_level.columns, columns))


def _to_frequency(part: Wide, spec, frequency: str) -> Wide:
    """Convert a component to months or years (see the module docstring)."""
    if spec.frequency == frequency:
        return part
    if frequency == "month":
        # a yearly figure stands for each month of its year; the months of a year not yet
        # published take the year before (this year's rates divide by last year's population,
        # as the publishers' own do), and the note says which year was used
        have = set(part.value.columns)
        months, years = [], []
        for month in axis("month"):
            year = month[:4]
            if year in have or str(int(year) - 1) in have:
                months.append(month)
                years.append(year if year in have else str(int(year) - 1))
        carried = np.array([m[:4] != y for m, y in zip(months, years)])
        pick = lambda frame: frame.reindex(columns=years).set_axis(months, axis=1)  # noqa: E731
        codes = pick(part.note.codes).to_numpy()
        keys = np.where(carried[None, :] & np.ones(codes.shape, dtype=bool),
                        np.array([int(y) for y in years])[None, :], 0)
        earlier = _keyed(keys, lambda year: f"{spec.name} of {year}, the latest published year")
        notes = _join((codes, part.note.texts), earlier)
        return Wide(pick(part.value), pick(part.numerator), pick(part.denominator),
                    _notes(notes, part.value.index, months))
    # months → years: only whole years; a missing month leaves the year missing
    by_year: dict[str, list[int]] = {}
    for position, column in enumerate(part.value.columns.tolist()):
        by_year.setdefault(column[:4], []).append(position)
    years = sorted(by_year)
    values = part.value.to_numpy()
    codes = part.note.codes.to_numpy()
    reduce = np.mean if spec.annual == "mean" else np.sum
    out_values = np.full((len(values), len(years)), np.nan)
    out_codes = np.zeros((len(values), len(years)), dtype=np.int32)
    short = np.zeros((len(values), len(years)), dtype=np.int64)  # months in an incomplete year
    for j, year in enumerate(years):
        positions = by_year[year]
        block = codes[:, positions]
        out_codes[:, j] = block[np.arange(len(block)), (block != 0).argmax(axis=1)]  # the first note
        if len(positions) == 12:
            out_values[:, j] = reduce(values[:, positions], axis=1)
        else:
            short[:, j] = len(positions)
    notes = _join((out_codes, part.note.texts), _keyed(short, lambda n: f"incomplete year: {n} of 12 months"))
    value = pd.DataFrame(out_values, index=part.value.index, columns=years)
    return Wide(value, value, value.notna().astype(float), _notes(notes, value.index, years))


@functools.lru_cache(maxsize=1024)
def expression(variables: tuple, level: str, frequency: str) -> Wide:
    """The sum of one or more variables (``a + b``) at a level and frequency."""
    parts = [_to_frequency(component(v, level), VARIABLES[v], frequency) for v in variables]
    present = set()
    for part in parts:
        present.update(part.value.columns.tolist())
    columns = [c for c in axis(frequency) if c in present]
    value = sum(p.value.reindex(columns=columns) for p in parts)
    notes = _join(*[p.note.reindex(columns, f"{v}: no data for this period").coded() for v, p in zip(variables, parts)])
    return Wide(value, value, value, _notes(notes, value.index, columns))




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
    kinds = {VARIABLES[v].frequency for v in indicator.numerator + indicator.denominator}
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
    notes = _join(numerator.note.select(columns).coded(), denominator.note.select(columns).coded(),
                  _flag((den == 0).to_numpy(), "denominator is zero"))
    return Wide(value, num, den, _notes(notes, value.index, columns))


@functools.lru_cache(maxsize=64)
def _earlier_columns(columns: tuple, steps: int) -> list[str]:
    return [shift_period(c, -steps) for c in columns]


def _shifted(frame: pd.DataFrame, steps: int, fill=np.nan) -> pd.DataFrame:
    """Each period's column replaced by the column ``steps`` periods earlier (``fill`` if none)."""
    earlier = _earlier_columns(tuple(frame.columns), steps)
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
        earlier = _prefixed((_shifted(base.note.codes, steps, fill=0).to_numpy(), base.note.texts), "a year before: ")
        absent = np.broadcast_to(~np.isin(_earlier_columns(tuple(base.value.columns), steps), base.value.columns),
                                 base.value.shape)
        notes = _join(base.note.coded(), earlier,
                      _flag(absent, "no data a year before (the period a year earlier is not in the data)"))
        return Wide(value * indicator.multiplier, base.value, before, _notes(notes, value.index, value.columns))
    if op == "moving_average_12":
        if frequency != "month":
            raise ParameterError(f"indicator '{indicator.id}' is a 12-month moving average: give a month YYYY-MM")
        base = evaluate(spec["of"], level, "month")
        columns = base.numerator.columns
        months = continuous_periods(columns[0], columns[-1]) if len(columns) else []
        rolling = lambda frame: frame.reindex(columns=months).T.rolling(12, min_periods=12).mean().T[columns]  # noqa: E731
        num = rolling(base.numerator)  # over consecutive months: a gap in the data is no month skipped
        has_den = base.denominator.notna().any().any()
        den = rolling(base.denominator) if has_den else base.denominator
        base_indicator = get_indicator(spec["of"])
        value = (num / den.where(den != 0) if has_den else num) * base_indicator.multiplier * indicator.multiplier
        has_note = (base.note.codes != 0).astype(float)
        flagged = has_note.T.rolling(12, min_periods=1).max().T.to_numpy() > 0
        notes = _join(_flag(flagged, "12-month window includes months with incomplete or missing data"),
                      _flag(num.isna().to_numpy() & ~flagged, "fewer than 12 months of data"))
        return Wide(value, num, den, _notes(notes, value.index, value.columns))
    if op == "ratio":
        first, second = (evaluate(i, level, frequency) for i in spec["of"])
        columns = first.value.columns.intersection(second.value.columns)
        a, b = first.value[columns], second.value[columns]
        value = a / b.where(b != 0) * indicator.multiplier
        notes = _join(first.note.select(columns).coded(), second.note.select(columns).coded())
        return Wide(value, a, b, _notes(notes, value.index, columns))
    raise ParameterError(f"indicator '{indicator.id}': unknown derivation '{op}'")


@functools.lru_cache(maxsize=1024)
def coverage(indicator_id: str, level: str, frequency: str | None = None) -> tuple[str, str, int]:
    """First and last period with any value at a level, and how many units ever have one."""
    frequency = frequency or indicator_frequency(indicator_id)
    wide = evaluate(indicator_id, level, frequency)
    has = wide.value.notna()
    columns = has.columns[has.any(axis=0)]
    if not len(columns):
        return "", "", 0
    return columns[0], columns[-1], int(has.any(axis=1).sum())


def _input_spans(indicator_id: str, level: str, frequency: str) -> list[tuple[str, str]]:
    """The (first, last) periods with values at the level, the whole country or any
    municipality, of an indicator or, for a derived one, of what it is derived from (the
    change of 2026-06 is asked for within the data even when the year before is missing)."""
    indicator = get_indicator(indicator_id)
    if indicator.derive:
        return [s for i in indicator.derive_inputs for s in _input_spans(i, level, frequency)]
    spans = [coverage(indicator_id, lv, frequency)[:2] for lv in dict.fromkeys((level, "national", "municipality"))]
    return [s for s in spans if s[0]]


@functools.lru_cache(maxsize=256)
def indicator_coverage(indicator_id: str) -> tuple[str, str]:
    """The first and last period an indicator has a value for anywhere (the whole country or
    any municipality), read from the loaded data; ('', '') where it has none."""
    firsts, lasts = [], []
    for level in ("national", "municipality"):
        first, last, _ = coverage(indicator_id, level)
        if first:
            firsts.append(first)
            lasts.append(last)
    return (min(firsts), max(lasts)) if firsts else ("", "")


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
    if periods is not None and not len(periods):
        return pd.DataFrame(columns=VALUE_COLUMNS)
    if periods is not None:
        periods = check_periods(periods, gaps=True)  # a month of a gap has a value: none, and says why
        frequency = frequency_of(periods[0])
    else:
        frequency = indicator_frequency(indicator_id)
    codes = areas.check_codes(level, codes) if codes is not None else None
    wide = evaluate(indicator.id, level, frequency)
    if periods is None:
        has = wide.value.notna().any(axis=0)
        periods = list(has.index[has])
    else:
        # outside what the data hold at any level: an error; inside, a unit the sources do
        # not cover gets no value and a note that says so
        spans = _input_spans(indicator.id, level, frequency)
        if spans:
            first, last = min(s[0] for s in spans), max(s[1] for s in spans)
            if all(p < first or p > last for p in periods):
                raise PeriodError(periods[0], first, last)
    rows = sorted(wide.value.index if codes is None else codes)
    periods = sorted(periods)
    row_at = wide.value.index.get_indexer(rows)
    period_at = wide.value.columns.get_indexer(periods)
    absent = (row_at < 0)[:, None] | (period_at < 0)[None, :]

    def pick(frame, fill):  # the frame's cells for rows × periods, row by row, ``fill`` where absent
        cells = frame.to_numpy()[np.ix_(np.maximum(row_at, 0), np.maximum(period_at, 0))]
        cells = np.where(absent, fill, cells)
        return cells.ravel()

    value = pick(wide.value, np.nan).astype(float)
    texts, no_data = _with_text(wide.note.texts, "no data for this period")
    note = np.asarray(texts, dtype=object)[pick(wide.note.codes, no_data).astype(np.int64)]
    note = np.where(np.isnan(value) & (note == ""), "no data for this period", note)
    names = areas.units(level)[f"name_{language}"].reindex(rows).to_numpy(dtype=object)
    result = pd.DataFrame({
        "level": level,
        "area_code": np.repeat(np.asarray(rows, dtype=object), len(periods)),
        "area_name": np.repeat(names, len(periods)),
        "period": np.tile(np.asarray(periods, dtype=object), len(rows)),
        "indicator": indicator.id,
        "value": value,
        "numerator": pick(wide.numerator, np.nan).astype(float),
        "denominator": pick(wide.denominator, np.nan).astype(float),
        "note": note,
    })
    return result
