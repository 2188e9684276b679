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
import math
import numbers

import numpy as np
import pandas as pd

from .errors import ParameterError
from .lazy import LazyModule

# SciPy and statsmodels take over a second to import: loaded on first use, so that commands that
# compute nothing (a build with every document up to date) start fast.
special = LazyModule("scipy.special")
distributions = LazyModule("scipy.stats")
_proportion = LazyModule("statsmodels.stats.proportion")

__all__ = [
    "OUTPUT_COLUMNS",
    "Overdispersion",
    "byar_limits",
    "calculate_count",
    "calculate_proportion",
    "calculate_rate",
    "compare_with_reference",
    "exact_poisson_limits",
    "funnel_limits",
    "funnel_significance",
    "overdispersion",
    "wilson_limits",
]

OUTPUT_COLUMNS = ("numerator", "denominator", "value", "lower", "upper", "confidence", "statistic",
                  "method", "note")
"""Columns every ``calculate_*`` function appends, in this order (one confidence level)."""

BYAR_MINIMUM_EVENTS = 10
"""Counts from this many events up use Byar's method; fewer use the exact Poisson interval (PHE)."""

DEFAULT_MULTIPLIERS = {"proportion": 1, "rate": 100_000, "ratio": 1}
FUNNEL_STATISTICS = tuple(DEFAULT_MULTIPLIERS)
FUNNEL_CONFIDENCE = (0.95, 0.998)
FUNNEL_POINTS = 100
"""Points on the default funnel axis (PHEindicatormethods plots 100)."""
AXIS_SHRINK = 0.95
AXIS_STRETCH = 1.05
"""The default axis runs from 95 % of the smallest to 105 % of the largest denominator, rounded."""
AXIS_FROM_ZERO_RATIO = 2
"""When the largest denominator exceeds twice the smallest, the axis starts at zero (as PHE)."""
WINSORISE = 0.10
"""Share of z-scores pulled in at each tail before estimating overdispersion (Spiegelhalter)."""
OVERDISPERSION_ALPHA = 0.05
SHOWN_ROWS = 5
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


# --------------------------------------------------------------------------------------------
# Vector kernels
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Statistics on data frames
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Comparison with a reference value
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Funnel plots
# --------------------------------------------------------------------------------------------

def funnel_limits(denominators, target, *, statistic, multiplier=None,
                  confidence=FUNNEL_CONFIDENCE, tau2=0.0, points=None):
    """Funnel plot control limits around a target, on a grid of denominators.

    Without overdispersion (``tau2 = 0``):

    - ``"proportion"``: ``target ± z·sqrt(p(1 - p)/n)`` with ``p = target / multiplier``, clipped
      to [0, multiplier]. This is PHEindicatormethods' ``calculate_funnel_limits`` for
      proportions: its limit is the observed proportion whose Wilson interval just reaches the
      target, and that inversion simplifies to this expression. (PHE clips at 100 whatever the
      multiplier; the two agree for percentages.)
    - ``"rate"`` (denominators are populations) and ``"ratio"`` (denominators are expected
      counts, the ratio is observed / expected): exact Poisson limits. At a denominator ``d`` the
      expected count is ``m = d·target/multiplier``; the upper limit is ``o/d·multiplier`` for
      the count ``o`` whose exact lower confidence limit equals ``m``, the lower limit likewise
      with the exact upper confidence limit (0 where no count qualifies). The count ``o`` is
      found on a continuous scale (the regularised incomplete gamma function), so the lines are
      smooth. PHE computes these lines the other way round, for whole counts (one population per
      count and line); ohti puts all lines on one denominator axis, and where a line reaches a
      whole count it passes through PHE's point.

    With overdispersion (``tau2 > 0``) every statistic uses the normal approximation with an
    additive random effect (Spiegelhalter 2005): ``target ± z·sqrt(s² + tau2)``, where ``s`` is
    the standard error at the target, ``multiplier`` times ``sqrt(p(1 - p)/n)`` for proportions
    and ``sqrt(t/d)`` for rates and ratios (``t = target / multiplier``), and ``tau2`` is on the
    scale of the values, as :func:`overdispersion` returns it. The lower limit is clipped at 0.

    Parameters
    ----------
    denominators : array_like
        The observed denominators (populations or expected counts). Without ``points`` they set
        the axis as PHEindicatormethods sets it for proportions: 100 whole numbers, closer
        together at the small end, from 95 % of the smallest denominator rounded down to its
        leading digit (from 1 when the largest is more than twice the smallest) to 105 % of the
        largest rounded up at its second digit. Steps are at least 1, so for denominators below
        about 100 the axis stops early; pass ``points`` for such data.
    target : float
        The target or average, on the scale of the values (per ``multiplier``).
    statistic : {"proportion", "rate", "ratio"}
    multiplier : float, optional
        Scale of the values; default 1 for proportions and ratios, 100000 for rates.
    confidence : float or tuple of two floats, default (0.95, 0.998)
        Confidence level(s) of the lines.
    tau2 : float, default 0
        Between-unit variance on the scale of the values; see :func:`overdispersion`.
    points : array_like, optional
        Denominators at which to compute the limits instead of the default axis.

    Returns
    -------
    DataFrame
        ``denominator``, then ``lower_<L>, upper_<L>`` for each level (``lower_95, upper_95,
        lower_99_8, upper_99_8`` by default) and ``target``.

    Raises
    ------
    ParameterError
        For an unknown statistic, a denominator that is not positive, a target outside the
        statistic's range, a negative ``tau2``, or a confidence level outside (0, 1).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;
    24: 1185-1202.
    Public Health England. Fingertips technical guidance: funnel plots.

    Examples
    --------
    >>> limits = funnel_limits([400, 900], 20.0, statistic="proportion", multiplier=100,
    ...                        points=[100, 400])
    >>> limits.columns.tolist()
    ['denominator', 'lower_95', 'upper_95', 'lower_99_8', 'upper_99_8', 'target']
    >>> limits["upper_95"].round(2).tolist()
    [27.84, 23.92]
    """
    where = "funnel_limits"
    statistic, multiplier, theta = _funnel_setup(statistic, multiplier, target, where)
    levels = _levels(confidence, where)
    tau2 = _tau2(tau2, where)
    observed = _float_array(denominators, "denominators").ravel()
    _check_positive(observed, "denominators", where)
    if points is None:
        observed = observed[~np.isnan(observed)]
        if observed.size == 0:
            raise ParameterError(f"{where}: denominators are all missing; give at least one")
        axis = _funnel_axis(observed.min(), observed.max())
    else:
        axis = _float_array(points, "points").ravel()
        _check_positive(axis, "points", where)
    result = pd.DataFrame({"denominator": axis})
    for level in levels:
        lower, upper = _control_limits(axis, theta, statistic, level, tau2 / multiplier**2)
        ceiling = 1.0 if statistic == "proportion" else np.inf
        result["lower_" + _level_name(level)] = np.clip(lower, 0, ceiling) * multiplier
        result["upper_" + _level_name(level)] = np.clip(upper, 0, ceiling) * multiplier
    result["target"] = float(target)
    return result


def funnel_significance(values, denominators, target, *, statistic, multiplier=None,
                        confidence=FUNNEL_CONFIDENCE, tau2=0.0):
    """Place each observation inside or outside the funnel's control limits.

    As PHEindicatormethods' ``assign_funnel_significance``: a proportion is compared with the
    control limits at its denominator (normal approximation, see :func:`funnel_limits`); a rate
    or ratio is outside when the confidence interval of its count (Byar's from 10 events up,
    exact Poisson below; the count is ``value × denominator / multiplier``) excludes the
    expected count ``target × denominator / multiplier``. With ``tau2 > 0`` every statistic is
    judged by the z-score ``(value - target) / sqrt(s² + tau2)``.

    Parameters
    ----------
    values : array_like
        The observed values, on the scale of ``multiplier``.
    denominators : array_like
        Their denominators (populations, or expected counts for ratios); positive.
    target, statistic, multiplier, confidence, tau2
        As in :func:`funnel_limits`.

    Returns
    -------
    ndarray of str
        "outside 99.8% low", "outside 99.8% high", "outside 95% low", "outside 95% high" or
        "within 95%" (the levels follow ``confidence``, the widest checked first);
        "not assessed" where a value or denominator is missing.

    Raises
    ------
    ParameterError
        As :func:`funnel_limits`; also for a negative value, or a proportion above
        ``multiplier``.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;
    24: 1185-1202.

    Examples
    --------
    >>> funnel_significance([30.0, 21.0], [1000, 1000], 20.0, statistic="proportion",
    ...                     multiplier=100)
    array(['outside 99.8% high', 'within 95%'], dtype=object)
    """
    where = "funnel_significance"
    statistic, multiplier, theta = _funnel_setup(statistic, multiplier, target, where)
    levels = sorted(_levels(confidence, where), reverse=True)
    tau2 = _tau2(tau2, where)
    values, denominators = np.broadcast_arrays(_float_array(values, "values"),
                                               _float_array(denominators, "denominators"))
    _check_not_negative(values, "values", where)
    _check_positive(denominators, "denominators", where)
    unit = values / multiplier
    if statistic == "proportion" and np.nanmax(unit, initial=0) > 1:
        raise ParameterError(f"{where}: a proportion exceeds the multiplier {multiplier:g} "
                             f"(largest value {np.nanmax(values):g}); check the multiplier")
    known = ~np.isnan(values) & ~np.isnan(denominators)
    result = np.full(values.shape, f"within {_percent(levels[-1])}", dtype=object)
    decided = ~known
    for level in levels:
        low, high = _outside(unit, denominators, theta, statistic, level, tau2 / multiplier**2)
        for mask, side in ((low, "low"), (high, "high")):
            hit = mask & ~decided
            result[hit] = f"outside {_percent(level)} {side}"
            decided |= hit
    result[~known] = NOT_ASSESSED
    return result


def _outside(unit, denominators, theta, statistic, level, tau2_unit):
    """Masks of observations below and above the limits at ``level`` (unit scale)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if tau2_unit > 0 or statistic == "proportion":
            lower, upper = _normal_limits(denominators, theta, statistic, level, tau2_unit)
            return unit < lower, unit > upper
        counts = _snap(unit * denominators)
        lower, upper = _count_limits(counts, level)
        expected = theta * denominators
        return upper < expected, lower > expected


def _control_limits(denominators, theta, statistic, level, tau2_unit):
    """Lower and upper control limits on the unit scale (a proportion, a rate per 1, a ratio)."""
    if tau2_unit > 0 or statistic == "proportion":
        return _normal_limits(denominators, theta, statistic, level, tau2_unit)
    tail = (1 - level) / 2
    expected = theta * denominators
    # gdtrib(1, p, m) is the gamma shape k with P(Gamma(k) <= m) = p: the continuous count whose
    # exact Poisson lower limit (p = tail) or, shifted by one, upper limit (p = 1 - tail) is m.
    upper_count = special.gdtrib(1.0, tail, expected)
    lower_count = np.maximum(special.gdtrib(1.0, 1 - tail, expected) - 1, 0.0)
    return lower_count / denominators, upper_count / denominators


def _normal_limits(denominators, theta, statistic, level, tau2_unit):
    z = _two_sided_z(level)
    spread = z * np.sqrt(_unit_variance(theta, denominators, statistic) + tau2_unit)
    return theta - spread, theta + spread


def _unit_variance(theta, denominators, statistic):
    """Variance of a unit's value at the target, on the unit scale (binomial or Poisson)."""
    if statistic == "proportion":
        return theta * (1 - theta) / denominators
    return theta / denominators


def _funnel_axis(smallest, largest):
    """PHE's default axis: FUNNEL_POINTS denominators, closer together at the small end."""
    start = 0 if largest > AXIS_FROM_ZERO_RATIO * smallest else _round_down(smallest * AXIS_SHRINK)
    end = _round_up(largest * AXIS_STRETCH)
    axis = [max(1, start)]
    for j in range(2, FUNNEL_POINTS + 1):
        previous = axis[-1]
        step = (end / previous) ** (1 / (FUNNEL_POINTS + 1 - j)) * previous
        axis.append(max(round(step), previous + 1))
    # Steps are whole numbers of at least 1, so a short axis (largest denominator below about
    # 100) would run past its end; those points are dropped.
    axis = np.array(axis, dtype=float)
    return axis[(axis <= max(end, axis[0]))]


def _round_down(x):
    """Down to the leading digit: 41 980 → 40 000 (R's signif.floor in PHE)."""
    if x < 1:
        return 0
    scale = 10 ** (len(str(math.floor(x))) - 1)
    return math.floor(x / scale) * scale


def _round_up(x):
    """Up at the second digit: 104 620 → 110 000, 3.15 → 3.2 (R's signif.ceiling in PHE)."""
    if x <= 0:
        return 0
    digits = len(str(math.ceil(x))) - 2
    if digits < 0:
        return math.ceil(x * 10**-digits) / 10**-digits
    return math.ceil(x / 10**digits) * 10**digits


def _funnel_setup(statistic, multiplier, target, where):
    if statistic not in FUNNEL_STATISTICS:
        raise ParameterError(f"{where}: unknown statistic {statistic!r}; choose one of: "
                             f"{', '.join(FUNNEL_STATISTICS)}")
    multiplier = _multiplier(DEFAULT_MULTIPLIERS[statistic] if multiplier is None else multiplier,
                             where)
    if not _is_real(target) or not math.isfinite(target):
        raise ParameterError(f"{where}: target must be a finite number, not {target!r}")
    theta = float(target) / multiplier
    if statistic == "proportion" and not 0 < theta < 1:
        raise ParameterError(f"{where}: a proportion's target must lie strictly between 0 and the "
                             f"multiplier {multiplier:g}, not {target!r}")
    if statistic != "proportion" and theta <= 0:
        raise ParameterError(f"{where}: a {statistic}'s target must be positive, not {target!r}")
    return statistic, multiplier, theta


def _tau2(tau2, where):
    if not _is_real(tau2) or not math.isfinite(tau2) or tau2 < 0:
        raise ParameterError(f"{where}: tau2 must be a finite number zero or more, not {tau2!r}")
    return float(tau2)


def _snap(counts):
    """Counts rebuilt from values carry rounding noise: round those within INTEGER_SNAP."""
    nearest = np.round(counts)
    close = np.abs(counts - nearest) <= INTEGER_SNAP * np.maximum(1.0, np.abs(counts))
    return np.where(close, nearest, counts)


# --------------------------------------------------------------------------------------------
# Overdispersion
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Overdispersion:
    """Result of :func:`overdispersion`.

    Attributes
    ----------
    phi : float
        Dispersion statistic: the mean of the squared (winsorised) z-scores; about 1 without
        overdispersion.
    tau2 : float
        DerSimonian-Laird additive between-unit variance on the scale of the values; 0 when
        ``n·phi <= n - 1``. Give it to :func:`funnel_limits` to widen the limits.
    p_value : float
        P-value of ``n·phi`` against chi-squared with ``n - 1`` degrees of freedom.
    significant : bool
        Whether ``p_value`` is below the chosen ``alpha``.
    n : int
        Units used (those with a value and a denominator).
    """

    phi: float
    tau2: float
    p_value: float
    significant: bool
    n: int


def overdispersion(values, denominators, target, statistic, *, multiplier=None,
                   winsorise=WINSORISE, alpha=OVERDISPERSION_ALPHA):
    """Estimate overdispersion of units around a target (Spiegelhalter 2005).

    1. z-scores ``z = (value - target) / s`` with ``s`` the standard error at the target (as in
       :func:`funnel_limits`: binomial for proportions, Poisson for rates and ratios).
    2. Winsorising: z-scores below the ``winsorise`` quantile are set to it, those above the
       ``1 - winsorise`` quantile likewise (10 % and 90 % by default; quantiles by linear
       interpolation, numpy's and R's default), so a few outliers do not inflate the estimate.
    3. ``phi = mean(z²)``; ``n·phi`` is tested against chi-squared with ``n - 1`` degrees of
       freedom.
    4. ``tau2 = max(0, (n·phi - (n - 1)) / (sum(w) - sum(w²) / sum(w)))`` with ``w = 1 / s²``
       (DerSimonian-Laird, additive random effect).

    Parameters
    ----------
    values : array_like
        Observed values on the scale of ``multiplier``.
    denominators : array_like
        Their denominators (populations, or expected counts for ratios).
    target : float
        Target on the scale of the values.
    statistic : {"proportion", "rate", "ratio"}
    multiplier : float, optional
        Default 1 for proportions and ratios, 100000 for rates.
    winsorise : float, default 0.10
        Share pulled in at each tail, in [0, 0.5); 0 switches winsorising off.
    alpha : float, default 0.05
        Significance level for ``significant``.

    Returns
    -------
    Overdispersion
        ``phi``, ``tau2`` (on the scale of the values), ``p_value``, ``significant``, ``n``.

    Raises
    ------
    ParameterError
        For fewer than two usable units, an invalid ``winsorise`` or ``alpha``, or invalid
        values, denominators or target (as :func:`funnel_significance`).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;
    24: 1185-1202.
    DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986; 7:
    177-188.

    Examples
    --------
    >>> result = overdispersion([0.40, 0.45, 0.50, 0.60, 0.65], [100] * 5, 0.5, "proportion")
    >>> round(result.phi, 3), round(result.tau2, 5)
    (2.864, 0.00645)
    """
    where = "overdispersion"
    statistic, multiplier, theta = _funnel_setup(statistic, multiplier, target, where)
    if not _is_real(winsorise) or not 0 <= winsorise < 0.5:
        raise ParameterError(f"{where}: winsorise must be in [0, 0.5), not {winsorise!r}")
    if not _is_real(alpha) or not 0 < alpha < 1:
        raise ParameterError(f"{where}: alpha must be strictly between 0 and 1, not {alpha!r}")
    values, denominators = np.broadcast_arrays(_float_array(values, "values"),
                                               _float_array(denominators, "denominators"))
    _check_not_negative(values, "values", where)
    _check_positive(denominators, "denominators", where)
    known = ~np.isnan(values) & ~np.isnan(denominators)
    values, denominators = values[known], denominators[known]
    n = values.size
    if n < 2:
        raise ParameterError(f"{where}: needs at least two units with a value and a denominator, "
                             f"got {n}")
    se = multiplier * np.sqrt(_unit_variance(theta, denominators, statistic))
    z = (values - float(target)) / se
    if winsorise > 0:
        bottom, top = np.quantile(z, [winsorise, 1 - winsorise])
        z = np.clip(z, bottom, top)
    phi = float(np.mean(z**2))
    p_value = float(distributions.chi2.sf(n * phi, n - 1))
    weights = 1 / se**2
    spread = weights.sum() - (weights**2).sum() / weights.sum()
    tau2 = max(0.0, (n * phi - (n - 1)) / spread) if spread > 0 else 0.0
    return Overdispersion(phi=phi, tau2=float(tau2), p_value=p_value,
                          significant=bool(p_value < alpha), n=int(n))


# --------------------------------------------------------------------------------------------
# Checks and labels shared by the functions above
# --------------------------------------------------------------------------------------------

def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _one_level(confidence, where):
    if not _is_real(confidence) or not 0 < confidence < 1:
        raise ParameterError(
            f"{where}: confidence must be a number strictly between 0 and 1 (e.g. 0.95), "
            f"not {confidence!r}"
        )
    return float(confidence)


def _levels(confidence, where):
    """One level, or a tuple of two distinct levels, each in (0, 1)."""
    if isinstance(confidence, (tuple, list)):
        if len(confidence) not in (1, 2):
            raise ParameterError(f"{where}: give one or two confidence levels, not "
                                 f"{len(confidence)}: {confidence!r}")
        levels = tuple(_one_level(c, where) for c in confidence)
        if len(set(levels)) != len(levels):
            raise ParameterError(f"{where}: the two confidence levels are the same: {confidence!r}")
        return levels
    return (_one_level(confidence, where),)


def _multiplier(multiplier, where):
    if not _is_real(multiplier) or not math.isfinite(multiplier) or multiplier <= 0:
        raise ParameterError(f"{where}: multiplier must be a positive number, not {multiplier!r}")
    return multiplier


def _float_array(values, name):
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{name} must be numbers: {error}") from error


def _check_not_negative(values, name, where):
    with np.errstate(invalid="ignore"):
        bad = values < 0
    if bad.any():
        raise ParameterError(f"{where}: {name} must be zero or more; found "
                             f"{values[bad].ravel()[0]:g} at position "
                             f"{int(np.flatnonzero(bad.ravel())[0])}")


def _check_positive(values, name, where):
    with np.errstate(invalid="ignore"):
        bad = values <= 0
    if bad.any():
        raise ParameterError(f"{where}: {name} must be greater than zero; found "
                             f"{values[bad].ravel()[0]:g} at position "
                             f"{int(np.flatnonzero(bad.ravel())[0])}")


def _two_sided_z(level):
    # the standard normal quantile, bit for bit what scipy.stats.norm.ppf returns, without
    # importing scipy.stats (half a second) where nothing else needs it
    return special.ndtri(0.5 + level / 2)


def _percent(level):
    return f"{level * 100:g}%"


def _level_name(level):
    """0.95 → "95", 0.998 → "99_8": a column-name suffix."""
    return f"{level * 100:g}".replace(".", "_")


def _number(multiplier):
    return f"{int(multiplier):,}" if float(multiplier).is_integer() else f"{multiplier:g}"
