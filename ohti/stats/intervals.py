"""Indicator statistics with confidence intervals, comparisons and funnel plots.

The methods are those of England's Fingertips and its R package PHEindicatormethods, so that a
figure computed here can be set beside one computed there:

- proportions: Wilson score interval (Wilson 1927);
- counts and rates: Byar's approximation (Breslow & Day 1987) from 10 events up, the exact
  Poisson interval (via the chi-squared distribution, Ulm 1990) below 10 events;
- comparison with a reference value: significant when the interval excludes it;
- funnel plots: control limits around a target, observations outside them, overdispersion
  (Spiegelhalter 2005).

Every ``calculate_*`` function has the same signature and returns the same columns
(:data:`OUTPUT_COLUMNS`); see :func:`calculate_proportion`. Inputs are never modified.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ohti.errors import ParameterError
from ohti.lazy import LazyModule
from ohti.stats._arguments import (
    _check_not_negative,
    _float_array,
    _level_name,
    _levels,
    _multiplier,
    _number,
    _one_level,
    _percent,
    _two_sided_z,
    distributions,
)

SHOWN_ROWS = 5
_proportion = LazyModule("statsmodels.stats.proportion")


__all__ = [
    "OUTPUT_COLUMNS",
    "byar_limits",
    "calculate_count",
    "calculate_proportion",
    "calculate_rate",
    "compare_with_reference",
    "exact_poisson_limits",
    "wilson_limits",
]


OUTPUT_COLUMNS = ("numerator", "denominator", "value", "lower", "upper", "confidence", "statistic",
                  "method", "note")


"""Columns every ``calculate_*`` function appends, in this order (one confidence level)."""


BYAR_MINIMUM_EVENTS = 10


"""Counts from this many events up use Byar's method; fewer use the exact Poisson interval (PHE)."""


DEFAULT_MULTIPLIERS = {"proportion": 1, "rate": 100_000, "ratio": 1}


"""Points on the default funnel axis (PHEindicatormethods plots 100)."""


"""The default axis runs from 95 % of the smallest to 105 % of the largest denominator, rounded."""


"""When the largest denominator exceeds twice the smallest, the axis starts at zero (as PHE)."""


"""Share of z-scores pulled in at each tail before estimating overdispersion (Spiegelhalter)."""


"""Rows named per kind of problem in an error message (the rest are counted)."""


INTEGER_SNAP = 1e-9


"""A count rebuilt as value × denominator / multiplier is rounded when this close to an integer."""


POLARITY_LABELS = {
    "higher_is_better": ("better", "similar", "worse"),
    "lower_is_better": ("worse", "similar", "better"),
    "neutral": ("higher", "similar", "lower"),
}


NOT_COMPARED = "not compared"


NOT_ASSESSED = "not assessed"


NOTE_NUMERATOR_MISSING = "numerator missing (suppressed)"


NOTE_DENOMINATOR_MISSING = "denominator missing"


NOTE_BOTH_MISSING = "numerator and denominator missing"


NOTE_DENOMINATOR_ZERO = "denominator is zero"


METHOD_WILSON = "Wilson"


METHOD_BYAR = "Byar"


METHOD_EXACT = "Exact"


def wilson_limits(x, n, confidence: float = 0.95):
    """Wilson score confidence limits for proportions ``x / n``.

    Parameters
    ----------
    x : array_like
        Numbers of cases with the condition (non-negative; need not be integers).
    n : array_like
        Numbers of cases in the samples (``x <= n``). Broadcast against ``x``.
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    lower, upper : ndarray of float
        The limits as proportions between 0 and 1. NaN where ``x`` or ``n`` is missing or
        ``n`` is zero. At ``x = 0`` the lower limit is exactly 0, at ``x = n`` the upper is 1.

    Raises
    ------
    ParameterError
        If a count is negative, ``x > n``, or ``confidence`` is not in (0, 1).

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927; 22: 209-212.
    Newcombe RG, Altman DG. Proportions and their differences. In: Altman DG et al. (eds),
    Statistics with confidence, 2nd edn. London: BMJ Books; 2000, pp. 46-48.

    Examples
    --------
    >>> lower, upper = wilson_limits([65], [100])
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4)
    (0.5525, 0.7364)
    """
    level = _one_level(confidence, "wilson_limits")
    x, n = np.broadcast_arrays(_float_array(x, "x"), _float_array(n, "n"))
    _check_not_negative(x, "x", "wilson_limits")
    _check_not_negative(n, "n", "wilson_limits")
    with np.errstate(invalid="ignore"):
        too_many = x > n
    if too_many.any():
        raise ParameterError(
            f"wilson_limits: x must not exceed n; x = {x[too_many][0]:g} > n = {n[too_many][0]:g}"
        )
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if valid.any():
        # statsmodels' Wilson interval is the same formula as PHE's wilson_lower/upper and clips
        # to [0, 1], which makes the limits exactly 0 at x = 0 and exactly 1 at x = n.
        lower[valid], upper[valid] = _proportion.proportion_confint(x[valid], n[valid], alpha=1 - level,
                                                        method="wilson")
    return lower, upper


def byar_limits(x, confidence: float = 0.95):
    """Byar's approximate confidence limits for observed counts of events.

    Parameters
    ----------
    x : array_like
        Observed counts (non-negative).
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    lower, upper : ndarray of float
        Limits for the count. The lower limit is 0 at ``x = 0``; where the approximation turns
        negative (a count of 1 or 2 at a high confidence level) it is NaN, as PHE returns it.
        Byar's method is meant for 10 events or more: use :func:`exact_poisson_limits` below.

    Raises
    ------
    ParameterError
        If a count is negative or ``confidence`` is not in (0, 1).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC; 1987.

    Examples
    --------
    >>> lower, upper = byar_limits([65])
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4)
    (50.1632, 82.8491)
    """
    level = _one_level(confidence, "byar_limits")
    x = _float_array(x, "x")
    _check_not_negative(x, "x", "byar_limits")
    z = _two_sided_z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    lower = np.where(x == 0, 0.0, lower)
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def exact_poisson_limits(x, confidence: float = 0.95):
    """Exact Poisson confidence limits for observed counts, from the chi-squared distribution.

    The lower limit is ``chi2.ppf(a / 2, 2x) / 2`` and the upper ``chi2.ppf(1 - a / 2, 2x + 2) / 2``
    with ``a = 1 - confidence`` (the relation between the Poisson and chi-squared, or gamma,
    distributions).

    Parameters
    ----------
    x : array_like
        Observed counts (non-negative).
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    lower, upper : ndarray of float
        Limits for the count; the lower limit is 0 at ``x = 0``.

    Raises
    ------
    ParameterError
        If a count is negative or ``confidence`` is not in (0, 1).

    References
    ----------
    Ulm K. A simple method to calculate the confidence interval of a standardized mortality
    ratio. Am J Epidemiol 1990; 131: 373-375.
    Armitage P, Berry G. Statistical methods in medical research, 4th edn. Oxford: Blackwell;
    2002.

    Examples
    --------
    >>> lower, upper = exact_poisson_limits([1])
    >>> round(float(lower[0]), 6), round(float(upper[0]), 6)
    (0.025318, 5.571643)
    """
    level = _one_level(confidence, "exact_poisson_limits")
    x = _float_array(x, "x")
    _check_not_negative(x, "x", "exact_poisson_limits")
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, distributions.chi2.ppf(tail, 2 * np.where(x > 0, x, 1)) / 2, 0.0)
        upper = distributions.chi2.ppf(1 - tail, 2 * x + 2) / 2
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def count_limits(x, confidence: float = 0.95):
    """Limits for Poisson counts: Byar's method from :data:`BYAR_MINIMUM_EVENTS` events up,
    exact Poisson below (as PHEindicatormethods).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, vol. II. IARC 1987 (Byar).
    """
    x = np.asarray(x, dtype=float)
    return _count_limits(x, confidence)


def _count_limits(x, level):
    """Byar's limits from :data:`BYAR_MINIMUM_EVENTS` events up, exact Poisson below."""
    byar_lower, byar_upper = byar_limits(x, level)
    exact_lower, exact_upper = exact_poisson_limits(x, level)
    small = x < BYAR_MINIMUM_EVENTS
    return np.where(small, exact_lower, byar_lower), np.where(small, exact_upper, byar_upper)


def _count_methods(x):
    method = np.where(x < BYAR_MINIMUM_EVENTS, METHOD_EXACT, METHOD_BYAR).astype(object)
    method[np.isnan(x)] = None
    return method


def calculate_proportion(df, numerator, denominator, *, by=None, confidence=0.95, multiplier=1):
    """Proportions with Wilson score confidence limits.

    Parameters
    ----------
    df : DataFrame
        The data; not modified.
    numerator : str
        Column of counts with the condition (missing values are kept missing, never zero).
    denominator : str
        Column of counts in the populations.
    by : str or list of str, optional
        Columns to group by; numerators and denominators are summed within each group first.
        A group with any missing numerator (or denominator) has a missing sum, noted.
    confidence : float or tuple of two floats, default 0.95
        Confidence level(s), each strictly between 0 and 1, e.g. ``0.95`` or ``(0.95, 0.998)``.
    multiplier : float, default 1
        Scale of the result: 1 for a proportion, 100 for a percentage.

    Returns
    -------
    DataFrame
        A new frame: the ``by`` columns (or, without ``by``, the input's other columns and index),
        then ``numerator, denominator, value, lower, upper, confidence, statistic, method, note``.
        With two confidence levels ``lower, upper`` are replaced by ``lower_<L1>, upper_<L1>,
        lower_<L2>, upper_<L2>`` where ``<L>`` is the level in per cent with ``_`` for the decimal
        point: ``lower_95, upper_95, lower_99_8, upper_99_8``. ``confidence`` reads "95%" or
        "95%, 99.8%"; ``statistic`` "proportion" or "proportion per 100"; ``method`` "Wilson";
        ``note`` is empty, or says why the value is missing (e.g. "denominator is zero").

    Raises
    ------
    ParameterError
        For a missing column, a non-numeric value, a negative count, a numerator larger than its
        denominator, a confidence level outside (0, 1), or a multiplier that is not positive.
        All problems in the table are reported at once.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927; 22: 209-212.

    Examples
    --------
    >>> frame = pd.DataFrame({"area": ["A", "B"], "x": [65, 1045], "n": [100, 5000]})
    >>> result = calculate_proportion(frame, "x", "n", multiplier=100)
    >>> result[["area", "value", "lower", "upper"]].round(2).to_dict("list")
    {'area': ['A', 'B'], 'value': [65.0, 20.9], 'lower': [55.25, 19.8], 'upper': [73.64, 22.05]}
    """
    table, levels, multiplier, x, n, valid, value = _ratio_of_counts(
        df, numerator, denominator, by, "calculate_proportion", confidence, multiplier, proportion=True)
    limits = []
    for level in levels:
        lower, upper = wilson_limits(np.where(valid, x, np.nan), np.where(valid, n, np.nan), level)
        limits.append((lower * multiplier, upper * multiplier))
    method = np.full(x.shape, METHOD_WILSON, dtype=object)
    statistic = "proportion" if multiplier == 1 else f"proportion per {_number(multiplier)}"
    return _assemble(table, value, limits, levels, statistic, method)


def calculate_rate(df, numerator, denominator, *, by=None, confidence=0.95, multiplier=100_000):
    """Crude rates with Byar's (10 events or more) or exact Poisson (fewer) confidence limits.

    Parameters
    ----------
    df : DataFrame
        The data; not modified.
    numerator : str
        Column of event counts (missing values are kept missing, never zero).
    denominator : str
        Column of populations (or person-time). A numerator may exceed its denominator.
    by : str or list of str, optional
        Columns to group by; numerators and denominators are summed within each group first.
    confidence : float or tuple of two floats, default 0.95
        Confidence level(s), each strictly between 0 and 1.
    multiplier : float, default 100000
        The rate is expressed per this many of the denominator.

    Returns
    -------
    DataFrame
        The same shape as :func:`calculate_proportion`; ``statistic`` reads e.g.
        "rate per 100,000" and ``method`` is "Byar" or "Exact" row by row (None where the
        numerator is missing).

    Raises
    ------
    ParameterError
        As :func:`calculate_proportion`, except that a numerator may exceed its denominator.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC; 1987.
    Ulm K. A simple method to calculate the confidence interval of a standardized mortality
    ratio. Am J Epidemiol 1990; 131: 373-375.

    Examples
    --------
    >>> frame = pd.DataFrame({"area": ["A", "B"], "x": [5, 65], "n": [100, 100]})
    >>> result = calculate_rate(frame, "x", "n", multiplier=100)
    >>> result[["lower", "upper", "method"]].round(2).to_dict("list")
    {'lower': [1.62, 50.16], 'upper': [11.67, 82.85], 'method': ['Exact', 'Byar']}
    """
    table, levels, multiplier, x, n, valid, value = _ratio_of_counts(
        df, numerator, denominator, by, "calculate_rate", confidence, multiplier, proportion=False)
    limits = []
    for level in levels:
        lower, upper = _count_limits(np.where(valid, x, np.nan), level)
        with np.errstate(invalid="ignore", divide="ignore"):
            limits.append((lower / n * multiplier, upper / n * multiplier))
    return _assemble(table, value, limits, levels, f"rate per {_number(multiplier)}",
                     _count_methods(x))


def _ratio_of_counts(df, numerator, denominator, by, where, confidence, multiplier, *, proportion):
    """What proportions and rates share: checked levels and multiplier, the prepared table,
    its counts, which rows can be computed, and the values ``x / n × multiplier``."""
    levels = _levels(confidence, where)
    multiplier = _multiplier(multiplier, where)
    table = _prepare(df, numerator, denominator, by, where, proportion=proportion, levels=levels)
    x = table.numerator
    n = table.denominator
    valid = _computable(x, n)
    value = np.full(x.shape, np.nan)
    value[valid] = x[valid] / n[valid] * multiplier
    return table, levels, multiplier, x, n, valid, value


def calculate_count(df, numerator, *, by=None, confidence=0.95):
    """Counts with confidence limits for the count itself (Byar's or exact Poisson).

    Parameters
    ----------
    df : DataFrame
        The data; not modified.
    numerator : str
        Column of counts (missing values are kept missing, never zero).
    by : str or list of str, optional
        Columns to group by; counts are summed within each group first.
    confidence : float or tuple of two floats, default 0.95
        Confidence level(s), each strictly between 0 and 1.

    Returns
    -------
    DataFrame
        The same shape as :func:`calculate_proportion`; ``denominator`` is missing throughout,
        ``value`` is the count, ``statistic`` reads "count" and ``method`` "Byar" (10 events or
        more) or "Exact" (fewer).

    Raises
    ------
    ParameterError
        For a missing column, a non-numeric value, a negative count, or a confidence level
        outside (0, 1).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC; 1987.
    Ulm K. A simple method to calculate the confidence interval of a standardized mortality
    ratio. Am J Epidemiol 1990; 131: 373-375.

    Examples
    --------
    >>> frame = pd.DataFrame({"area": ["A", "B"], "x": [1, 65]})
    >>> calculate_count(frame, "x")[["value", "lower", "upper"]].round(2).to_dict("list")
    {'value': [1.0, 65.0], 'lower': [0.03, 50.16], 'upper': [5.57, 82.85]}
    """
    where = "calculate_count"
    levels = _levels(confidence, where)
    table = _prepare(df, numerator, None, by, where, proportion=False, levels=levels)
    x = table.numerator
    limits = [_count_limits(x, level) for level in levels]
    return _assemble(table, x.copy(), limits, levels, "count", _count_methods(x))


@dataclasses.dataclass(frozen=True)
class _Table:
    """Validated, optionally grouped input to a ``calculate_*`` function."""

    keys: pd.DataFrame
    numerator: np.ndarray
    denominator: np.ndarray
    note: np.ndarray


def _prepare(df, numerator, denominator, by, where, *, proportion, levels):
    """Check the table, read the counts, and sum them by group when ``by`` is given."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"{where}: df must be a pandas DataFrame, not {type(df).__name__}")
    by_columns = _by_columns(by, where)
    counts = [numerator] if denominator is None else [numerator, denominator]
    for name, role in zip(counts, ("numerator", "denominator")):
        if not isinstance(name, str):
            raise ParameterError(f"{where}: {role} must be a column name, not {name!r}")
    absent = [c for c in [*counts, *by_columns] if c not in df.columns]
    if absent:
        raise ParameterError(
            f"{where}: column(s) {', '.join(repr(c) for c in absent)} not in the data; "
            f"the columns are: {', '.join(map(str, df.columns))}"
        )
    overlap = [c for c in by_columns if c in counts]
    if overlap:
        raise ParameterError(f"{where}: cannot group by the count column(s) {', '.join(overlap)}")
    keys = df[by_columns] if by_columns else df.drop(columns=counts)
    _check_no_collision(keys.columns, _output_columns(levels), where)

    x, n = _read_counts(df, numerator, denominator, where, proportion=proportion)
    has_denominator = denominator is not None
    if not by_columns:
        note = _notes(np.isnan(x), np.isnan(n) if has_denominator else None, n)
        return _Table(keys, x, n, note)
    return _sum_groups(df, by_columns, x, n, has_denominator)


def _read_counts(df, numerator, denominator, where, *, proportion):
    """Numerator and denominator as float arrays (NaN where missing); all problems at once."""
    problems = []
    x = _numeric_column(df[numerator], problems)
    _report_negative(df, numerator, x, problems)
    if denominator is None:
        n = np.full(x.shape, np.nan)
    else:
        n = _numeric_column(df[denominator], problems)
        _report_negative(df, denominator, n, problems)
    if proportion:
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(x > n)
        for i in bad[:SHOWN_ROWS]:
            problems.append(
                f"column {numerator!r}, row {df.index[i]!r}: numerator {x[i]:g} > denominator "
                f"{n[i]:g} in column {denominator!r}; a proportion's numerator must not exceed "
                "its denominator"
            )
        if len(bad) > SHOWN_ROWS:
            problems.append(f"(and {len(bad) - SHOWN_ROWS} more rows with numerator > "
                            "denominator)")
    if problems:
        raise ParameterError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems))
    return x, n


def _sum_groups(df, by_columns, x, n, has_denominator):
    """Sum counts by group; a group lacking any member's count has a missing sum, noted."""
    work = pd.DataFrame({column: df[column].to_numpy() for column in by_columns})
    work["numerator"] = x
    work["denominator"] = n
    work["numerator_missing"] = np.isnan(x)
    work["denominator_missing"] = np.isnan(n) & has_denominator
    work["rows"] = 1
    sums = work.groupby(by_columns, sort=False, dropna=False).sum().reset_index()
    missing = sums[["numerator_missing", "denominator_missing"]].set_axis(
        ["numerator", "denominator"], axis=1)
    x = sums["numerator"].to_numpy(dtype=float, copy=True)
    x[missing["numerator"].to_numpy() > 0] = np.nan
    n = sums["denominator"].to_numpy(dtype=float, copy=True)
    n[(missing["denominator"].to_numpy() > 0) | (not has_denominator)] = np.nan
    note = _notes(missing["numerator"].to_numpy() > 0,
                  missing["denominator"].to_numpy() > 0 if has_denominator else None, n,
                  missing=missing, size=sums["rows"].to_numpy())
    return _Table(sums[by_columns], x, n, note)


def _by_columns(by, where):
    if by is None:
        return []
    columns = [by] if isinstance(by, str) else list(by)
    if not columns or not all(isinstance(c, str) for c in columns):
        raise ParameterError(f"{where}: by must be a column name or a list of column names, "
                             f"not {by!r}")
    return columns


def _numeric_column(column, problems):
    """The column as float64 with NaN for missing; unreadable entries go to ``problems``."""
    if pd.api.types.is_bool_dtype(column):
        problems.append(f"column {column.name!r} is boolean; give counts")
        return np.full(len(column), np.nan)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    converted = pd.to_numeric(column, errors="coerce")
    unreadable = np.flatnonzero(converted.isna().to_numpy() & column.notna().to_numpy())
    for i in unreadable[:SHOWN_ROWS]:
        problems.append(
            f"column {column.name!r}, row {column.index[i]!r}: {column.iloc[i]!r} is not a number; "
            "convert suppression markers such as '.' to missing values first"
        )
    if len(unreadable) > SHOWN_ROWS:
        problems.append(f"(and {len(unreadable) - SHOWN_ROWS} more non-numeric values in "
                        f"{column.name!r})")
    return converted.to_numpy(dtype="float64", na_value=np.nan)


def _report_negative(df, name, values, problems):
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(values < 0)
    for i in bad[:SHOWN_ROWS]:
        problems.append(f"column {name!r}, row {df.index[i]!r}: {values[i]:g} is negative; "
                        "counts must be zero or more")
    if len(bad) > SHOWN_ROWS:
        problems.append(f"(and {len(bad) - SHOWN_ROWS} more negative values in {name!r})")


def _check_no_collision(columns, outputs, where):
    taken = [c for c in columns if c in outputs]
    if taken:
        raise ParameterError(
            f"{where}: column(s) {', '.join(repr(c) for c in taken)} would be overwritten by the "
            "result; rename them, or drop them before the call"
        )


def _notes(numerator_missing, denominator_missing, n, *, missing=None, size=None):
    """Why a value is missing, row by row; for groups, how many member rows lack a count."""
    has_denominator = denominator_missing is not None
    if not has_denominator:
        denominator_missing = np.zeros(numerator_missing.shape, dtype=bool)
    note = np.full(numerator_missing.shape, "", dtype=object)
    if has_denominator:
        note[(n == 0) & ~denominator_missing] = NOTE_DENOMINATOR_ZERO
    note[denominator_missing] = NOTE_DENOMINATOR_MISSING
    note[numerator_missing] = NOTE_NUMERATOR_MISSING
    note[numerator_missing & denominator_missing] = NOTE_BOTH_MISSING
    if missing is not None:
        for i in np.flatnonzero((size > 1) & (numerator_missing | denominator_missing)):
            parts = []
            if numerator_missing[i]:
                parts.append(f"{NOTE_NUMERATOR_MISSING} in {int(missing['numerator'].iloc[i])} "
                             f"of {int(size[i])} rows")
            if denominator_missing[i]:
                parts.append(f"{NOTE_DENOMINATOR_MISSING} in "
                             f"{int(missing['denominator'].iloc[i])} of {int(size[i])} rows")
            note[i] = "; ".join(parts)
    return note


def _output_columns(levels):
    """The names of the appended columns for one or two confidence levels."""
    if len(levels) == 1:
        return list(OUTPUT_COLUMNS)
    limits = [f"{side}_{_level_name(level)}" for level in levels for side in ("lower", "upper")]
    return [*OUTPUT_COLUMNS[:3], *limits, *OUTPUT_COLUMNS[5:]]


def _computable(x, n):
    return ~np.isnan(x) & ~np.isnan(n) & (n > 0)


def _assemble(table, value, limits, levels, statistic, method):
    result = table.keys.copy()
    result["numerator"] = table.numerator
    result["denominator"] = table.denominator
    result["value"] = value
    for level, (lower, upper) in zip(levels, limits):
        suffix = "" if len(levels) == 1 else "_" + _level_name(level)
        result["lower" + suffix] = np.where(np.isnan(value), np.nan, lower)
        result["upper" + suffix] = np.where(np.isnan(value), np.nan, upper)
    result["confidence"] = ", ".join(_percent(level) for level in levels)
    result["statistic"] = statistic
    result["method"] = method
    result["note"] = table.note
    return result


def compare_with_reference(value, lower, upper, reference, polarity):
    """Compare values with a reference (e.g. the national value) by their confidence intervals.

    As Fingertips: a value differs significantly from the reference when its interval excludes
    the reference (``lower > reference`` or ``upper < reference``); otherwise it is similar.

    Parameters
    ----------
    value, lower, upper : array_like
        The values and their confidence limits.
    reference : float or array_like
        The reference value(s); broadcast against ``value``.
    polarity : {"higher_is_better", "lower_is_better", "neutral"}
        Whether a high value is good, bad, or neither.

    Returns
    -------
    ndarray of str
        "better", "similar" or "worse"; for a neutral polarity "higher", "similar" or "lower";
        "not compared" where the value, a limit or the reference is missing.

    Raises
    ------
    ParameterError
        If ``polarity`` is not one of the three.

    References
    ----------
    Public Health England. Fingertips technical guidance: confidence intervals and comparisons
    with a benchmark. https://fingertips.phe.org.uk/profile/guidance

    Examples
    --------
    >>> compare_with_reference([5.0, 7.0], [4.0, 6.5], [6.5, 7.5], 6.2, "lower_is_better")
    array(['similar', 'worse'], dtype=object)
    """
    if polarity not in POLARITY_LABELS:
        raise ParameterError(f"compare_with_reference: unknown polarity {polarity!r}; choose one "
                             f"of: {', '.join(POLARITY_LABELS)}")
    high, same, low = POLARITY_LABELS[polarity]
    value, lower, upper, reference = np.broadcast_arrays(
        *(_float_array(a, name) for a, name in ((value, "value"), (lower, "lower"),
                                                (upper, "upper"), (reference, "reference"))))
    result = np.full(value.shape, same, dtype=object)
    with np.errstate(invalid="ignore"):
        result[lower > reference] = high
        result[upper < reference] = low
    result[np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(reference)] = NOT_COMPARED
    return result

