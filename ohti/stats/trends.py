"""Trend markers, seasonal adjustment and "red-red" flags, as England's Fingertips shows them.

Fingertips marks each indicator with its "recent trend": a test on the five most recent points
of the series (Office for Health Improvement and Disparities, *Fingertips trend markers*, Public
Health Technical Guidance; implemented in PHEindicatormethods' ``assign_trend_markers``):

- proportions: the chi-squared test for trend in proportions (Cochran 1954; Armitage 1955),
  the direction from the least-squares slope of the log-odds on time;
- every other value type: an inverse-variance weighted least-squares regression of the value on
  time, with each point's variance taken from its 95 % confidence interval, tested by
  ``beta² / var(beta)``;
- in both, a trend counts only when the statistic exceeds 9.5495, the 99.8 % point of the
  chi-squared distribution with one degree of freedom, and no single point is an outlier:
  if leaving out any one point reverses the sign of the slope, the marker is "no significant
  change".

This module follows those rules, and offers a Poisson regression (log link, log denominator as
offset; McCullagh & Nelder 1989) as an alternative for counts and rates. The significance level
is a parameter (:data:`TREND_CONFIDENCE`, 99.8 % as Fingertips): with one test per area and
indicator, a strict level keeps the number of chance markers low.

Fingertips tests annual points only: monthly points are autocorrelated and seasonal. Give annual
figures, or the same month in successive years, or a seasonally adjusted series
(:func:`seasonally_adjust`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings

import numpy as np
import pandas as pd

from ohti.errors import ParameterError
from ohti.lazy import LazyModule
from ohti.stats.intervals import BYAR_MINIMUM_EVENTS, POLARITY_LABELS, byar_limits, exact_poisson_limits

distributions = LazyModule("scipy.stats")  # loaded on first use (see ohti.stats)


__all__ = [
    "TREND_CONFIDENCE",
    "TREND_POINTS",
    "Trend",
    "red_red",
    "trend_marker",
    "trend_table",
]


TREND_POINTS = 5


"""Points of the latest part of the series that Fingertips tests."""


TREND_CONFIDENCE = 0.998


"""Fingertips' level: the statistic must exceed chi-squared(1) at 99.8 % (9.5495)."""


CI_CONFIDENCE = 0.95


"""Level of the confidence intervals from which Fingertips derives each point's variance."""


MINIMUM_POINTS = 3


"""Fewest points a trend can be tested on (leaving one out must still leave a line)."""


STATISTICS = ("proportion", "rate", "ratio", "count")


METHOD_CHI_SQUARED = "chi_squared"


METHOD_WEIGHTED = "weighted_regression"


METHOD_POISSON = "poisson"


METHODS = {
    "proportion": (METHOD_CHI_SQUARED,),
    "rate": (METHOD_WEIGHTED, METHOD_POISSON),
    "ratio": (METHOD_WEIGHTED, METHOD_POISSON),
    "count": (METHOD_WEIGHTED, METHOD_POISSON),
}


METHOD_NAMES = {
    METHOD_CHI_SQUARED: "chi-squared test for trend; slope of log-odds per year",
    METHOD_WEIGHTED: "inverse-variance weighted regression; slope of value per year",
    METHOD_POISSON: "Poisson regression with log-denominator offset; slope of log rate per year",
}


INCREASING = "increasing"


DECREASING = "decreasing"


NO_CHANGE = "no significant change"


NOT_CALCULATED = "could not be calculated"


LABEL_NOT_CALCULATED = "not calculated"


TREND_LABELS = {
    "higher_is_better": {INCREASING: "better", DECREASING: "worse"},
    "lower_is_better": {INCREASING: "worse", DECREASING: "better"},
    "neutral": {INCREASING: INCREASING, DECREASING: DECREASING},
}


SIGNIFICANCE_VALUES = frozenset(v for labels in POLARITY_LABELS.values() for v in labels) | {
    "not compared", "not assessed"}


TREND_LABEL_VALUES = frozenset({"better", "worse", INCREASING, DECREASING, NO_CHANGE,
                                LABEL_NOT_CALCULATED})


TABLE_COLUMNS = ("area_code", "period", "numerator", "denominator")


SEASONAL_YEARS = 2


"""STL needs at least this many full seasonal cycles."""


SHOWN = 5


"""Periods or values named in an error message (the rest are counted)."""


@dataclasses.dataclass(frozen=True)
class Trend:
    """The recent trend of one series, as :func:`trend_marker` returns it.

    Attributes
    ----------
    direction : str
        "increasing", "decreasing", "no significant change" or "could not be calculated".
    significant : bool
        True when the direction is increasing or decreasing (the statistic passed the level and
        no single point reversed the slope).
    slope : float
        Gradient per year on the method's scale (see ``method``); NaN when not calculated.
    p_value : float
        P-value of ``chi_squared`` on one degree of freedom; NaN when not calculated.
    method : str
        The test and the scale of ``slope``.
    periods_used : tuple
        The periods the test looked at (the latest ``points`` given), oldest first.
    label : str
        The direction read through the polarity: "better", "worse", "no significant change"
        or "not calculated"; for a neutral polarity "increasing" or "decreasing".
    chi_squared : float
        The test statistic (chi-squared with one degree of freedom); NaN when not calculated.
    reason : str
        Why the marker is what it is (e.g. "outlier: leaving out 2021 reverses the slope").
    """

    direction: str
    significant: bool
    slope: float
    p_value: float
    method: str
    periods_used: tuple
    label: str
    chi_squared: float = math.nan
    reason: str = ""


def trend_marker(periods, numerators, denominators, *, statistic, polarity,
                 points=TREND_POINTS, confidence=TREND_CONFIDENCE, method=None):
    """The Fingertips "recent trend" of one series: a test on its latest ``points`` points.

    The test runs on the latest ``points`` periods (after sorting). If any of them lacks a
    numerator or denominator, or has a zero denominator, the trend is not calculated (as
    Fingertips: missing values are never skipped or filled).

    - ``statistic="proportion"``: the chi-squared test for trend in proportions (Cochran 1954;
      Armitage 1955), with ``N = Σn``, ``C = Σx`` and ``t`` the time in years,
      ``X² = N (N Σxt − C Σnt)² / (C (N − C) (N Σnt² − (Σnt)²))``. The slope is the
      ordinary least-squares slope of the log-odds ``log(p / (1 − p))`` on ``t`` (Fingertips);
      where a proportion is 0 or 1 the empirical log-odds ``log((x + ½) / (n − x + ½))``
      (Cox 1970) is used for the whole series.
    - ``statistic`` "rate", "ratio" or "count" with ``method="weighted_regression"`` (default):
      Fingertips' method for other value types. The value ``x / n`` (the count itself for
      "count") is regressed on ``t`` by weighted least squares with weights ``1 / σ²``, where
      ``σ`` is the width of the value's 95 % confidence interval divided by ``2 × 1.96`` (the
      interval as :mod:`ohti.stats` computes it: Byar's method from 10 events, exact Poisson
      below); ``X² = β² / var(β)`` with ``var(β)`` from the weights alone (scale fixed at 1).
    - ``method="poisson"``: a Poisson regression of ``x`` on ``t`` with log link and offset
      ``log n`` (statsmodels GLM); ``X²`` is the squared Wald z of the slope.

    The trend is significant when ``X²`` exceeds the ``confidence`` quantile of chi-squared with
    one degree of freedom (9.5495 at 99.8 %) and leaving out any single point does not reverse
    the sign of the slope (Fingertips' outlier rule).

    Parameters
    ----------
    periods : sequence
        Years (numbers or 'YYYY'), months ('YYYY-MM', pandas Periods or Timestamps); unique.
        Time is measured in years, so the slope is per year.
    numerators : sequence of float
        Counts (missing values allowed: they make the trend not calculable if among the latest).
    denominators : sequence of float or None
        Denominators; ignored for ``statistic="count"`` (may be None).
    statistic : {"proportion", "rate", "ratio", "count"}
    polarity : {"higher_is_better", "lower_is_better", "neutral"}
    points : int, default 5
        Number of latest points tested (Fingertips: 5); at least 3.
    confidence : float, default 0.998
        Level of the test, strictly between 0 and 1 (Fingertips: 99.8 %).
    method : {None, "chi_squared", "weighted_regression", "poisson"}
        None picks "chi_squared" for proportions, "weighted_regression" otherwise.

    Returns
    -------
    Trend
        direction, significant, slope, p_value, method, periods_used, label, chi_squared,
        reason.

    Raises
    ------
    ParameterError
        For an unknown statistic, polarity or method, sequences of different lengths, duplicate
        or unreadable periods, non-numeric or negative counts, a proportion's numerator above its
        denominator, ``points`` below 3, or a confidence level outside (0, 1).

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips trend markers. Public Health
    Technical Guidance; 2025. https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html
    Cochran WG. Some methods for strengthening the common chi-squared tests. Biometrics 1954;
    10: 417-451.
    Armitage P. Tests for linear trends in proportions and frequencies. Biometrics 1955; 11:
    375-386.
    Cox DR. The analysis of binary data. London: Methuen; 1970.
    McCullagh P, Nelder JA. Generalized linear models, 2nd edn. London: Chapman & Hall; 1989.

    Examples
    --------
    >>> trend = trend_marker([2019, 2020, 2021, 2022, 2023], [100, 120, 150, 170, 200],
    ...                      [1000] * 5, statistic="proportion", polarity="lower_is_better")
    >>> trend.direction, trend.label, round(trend.chi_squared, 3)
    ('increasing', 'worse', 49.565)
    """
    where = "trend_marker"
    statistic, polarity, method, points, confidence = _check_options(
        statistic, polarity, method, points, confidence, where)
    periods = list(periods)
    x = _counts(numerators, "numerators", where)
    if statistic == "count":
        n = np.ones(x.shape)
    else:
        if denominators is None:
            raise ParameterError(f"{where}: a {statistic} needs denominators; give them, or use "
                                 "statistic='count'")
        n = _counts(denominators, "denominators", where)
    if not len(periods) == len(x) == len(n):
        raise ParameterError(f"{where}: periods, numerators and denominators must have the same "
                             f"length, not {len(periods)}, {len(x)} and {len(n)}")
    if statistic == "proportion":
        _check_proportions(x, n, periods, where)
    years = _years(periods, where)
    order = np.argsort(years, kind="stable")[-points:]
    used = tuple(periods[i] for i in order)
    return _assess(x[None, order], n[None, order], years[order], used, statistic=statistic,
                   polarity=polarity, points=points, confidence=confidence, method=method)[0]


def trend_table(frame, *, statistic, polarity, points=TREND_POINTS, confidence=TREND_CONFIDENCE,
                method=None):
    """Trend markers for many areas at once: one row per area.

    All areas are tested on the same periods: the latest ``points`` periods found anywhere in
    ``frame``. An area without a row (or with a missing count) in one of them is not
    calculated, and the reason names the period.

    Parameters
    ----------
    frame : DataFrame
        Long table with columns ``area_code, period, numerator, denominator`` (``denominator``
        may be absent for ``statistic="count"``), one row per area and period; not modified.
    statistic, polarity, points, confidence, method
        As in :func:`trend_marker`.

    Returns
    -------
    DataFrame
        One row per ``area_code`` (sorted), with columns ``area_code`` and the :class:`Trend`
        fields: ``direction, significant, slope, p_value, method, periods_used, label,
        chi_squared, reason``.

    Raises
    ------
    ParameterError
        For a missing column, duplicate (area_code, period) rows, and as :func:`trend_marker`.

    References
    ----------
    As :func:`trend_marker`.

    Examples
    --------
    >>> frame = pd.DataFrame({"area_code": ["A"] * 5 + ["B"] * 5,
    ...                       "period": list(range(2019, 2024)) * 2,
    ...                       "numerator": [100, 120, 150, 170, 200, 100, 101, 99, 100, 98],
    ...                       "denominator": [1000] * 10})
    >>> trend_table(frame, statistic="proportion", polarity="lower_is_better")[
    ...     ["area_code", "direction", "label"]].to_dict("list")
    {'area_code': ['A', 'B'], 'direction': ['increasing', 'no significant change'], 'label': ['worse', 'no significant change']}
    """
    where = "trend_table"
    statistic, polarity, method, points, confidence = _check_options(
        statistic, polarity, method, points, confidence, where)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{where}: frame must be a pandas DataFrame, not "
                             f"{type(frame).__name__}")
    needed = [c for c in TABLE_COLUMNS if not (c == "denominator" and statistic == "count")]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise ParameterError(f"{where}: column(s) {', '.join(map(repr, absent))} not in the frame; "
                             f"the columns are: {', '.join(map(str, frame.columns))}")
    keys = frame[["area_code", "period"]]
    duplicated = keys.duplicated(keep=False).to_numpy()
    if duplicated.any():
        pairs = keys[duplicated].drop_duplicates().astype(str).agg(" ".join, axis=1).tolist()
        raise ParameterError(f"{where}: {len(pairs)} (area_code, period) pair(s) occur more than "
                             f"once, e.g. {', '.join(pairs[:SHOWN])}; give one row per area and "
                             "period")
    x_all = _counts(frame["numerator"], "numerator", where)
    if statistic == "count":
        n_all = np.ones(x_all.shape)
    else:
        n_all = _counts(frame["denominator"], "denominator", where)
    if statistic == "proportion":
        _check_proportions(x_all, n_all, frame["period"].tolist(), where)

    periods = frame["period"].drop_duplicates().tolist()
    years = _years(list(periods), where)
    order = np.argsort(years, kind="stable")[-points:]
    used = [periods[i] for i in order]
    areas = np.sort(pd.unique(frame["area_code"]))
    work = pd.DataFrame({"area_code": frame["area_code"].to_numpy(),
                         "period": frame["period"].to_numpy(), "x": x_all, "n": n_all})

    def grid(column):
        wide = work.pivot(index="area_code", columns="period", values=column)
        return wide.reindex(index=areas, columns=used).to_numpy(dtype=float, na_value=np.nan)

    trends = _assess(grid("x"), grid("n"), years[order], tuple(used), statistic=statistic,
                     polarity=polarity, points=points, confidence=confidence, method=method)
    table = pd.DataFrame([dataclasses.asdict(trend) for trend in trends],
                         columns=[f.name for f in dataclasses.fields(Trend)])
    table.insert(0, "area_code", areas)
    return table


def _check_options(statistic, polarity, method, points, confidence, where):
    if statistic not in STATISTICS:
        raise ParameterError(f"{where}: unknown statistic {statistic!r}; trend markers are "
                             f"computed for: {', '.join(STATISTICS)}")
    if polarity not in TREND_LABELS:
        raise ParameterError(f"{where}: unknown polarity {polarity!r}; choose one of: "
                             f"{', '.join(TREND_LABELS)}")
    allowed = METHODS[statistic]
    method = allowed[0] if method is None else method
    if method not in allowed:
        raise ParameterError(f"{where}: method {method!r} does not apply to a {statistic}; "
                             f"choose one of: {', '.join(allowed)}")
    if (isinstance(points, bool) or not isinstance(points, numbers.Integral)
            or points < MINIMUM_POINTS):
        raise ParameterError(f"{where}: points must be a whole number of at least "
                             f"{MINIMUM_POINTS}, not {points!r}")
    if (isinstance(confidence, bool) or not isinstance(confidence, numbers.Real)
            or not 0 < confidence < 1):
        raise ParameterError(f"{where}: confidence must lie strictly between 0 and 1 (e.g. 0.998), "
                             f"not {confidence!r}")
    return statistic, polarity, method, int(points), float(confidence)


def _counts(values, name, where):
    """Counts as a float array (NaN where missing); non-numeric or negative values raise."""
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy())
    if pd.api.types.is_bool_dtype(series):
        raise ParameterError(f"{where}: {name} are booleans; give counts")
    converted = pd.to_numeric(series, errors="coerce")
    unreadable = series[converted.isna() & series.notna()]
    if len(unreadable):
        shown = ", ".join(repr(v) for v in unreadable.iloc[:SHOWN])
        raise ParameterError(f"{where}: {name} must be numbers; {len(unreadable)} value(s) are "
                             f"not: {shown} (write suppressed cells as missing values)")
    array = converted.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        negative = array < 0
    if negative.any():
        raise ParameterError(f"{where}: {name} must be zero or more; found {array[negative][0]:g} "
                             f"at position {int(np.flatnonzero(negative)[0])}")
    return array


def _check_proportions(x, n, periods, where):
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(x > n)
    if bad.size:
        i = bad[0]
        raise ParameterError(f"{where}: a proportion's numerator must not exceed its denominator; "
                             f"period {periods[i]}: {x[i]:g} > {n[i]:g}")


def _years(periods, where):
    """Periods as decimal years (a month is 1/12 of a year); duplicates and unreadables raise."""
    years = np.empty(len(periods))
    for i, period in enumerate(periods):
        if isinstance(period, numbers.Real) and not isinstance(period, bool):
            if not math.isfinite(period):
                raise ParameterError(f"{where}: period {period!r} is not a year or a month")
            years[i] = float(period)
            continue
        start = _start_time(period, where)
        years[i] = start.year + (start.month - 1) / 12 + (start.day - 1) / start.days_in_month / 12
    unique, counts = np.unique(years, return_counts=True)
    if (counts > 1).any():
        twice = [str(periods[i]) for i in range(len(periods)) if years[i] in unique[counts > 1]]
        raise ParameterError(f"{where}: periods must be unique; {', '.join(twice[:SHOWN])} "
                             "fall on the same time")
    return years


def _start_time(period, where):
    """The first moment of a period given as a Timestamp, a Period or text ('2023', '2023-10')."""
    if isinstance(period, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(period)
    try:
        return (period if isinstance(period, pd.Period) else pd.Period(period)).start_time
    except (ValueError, TypeError) as error:
        raise ParameterError(f"{where}: cannot read period {period!r}; give years (2023 or "
                             "'2023'), months ('2023-10') or pandas Periods or Timestamps") \
            from error


def _assess(x, n, t, used, *, statistic, polarity, points, confidence, method):
    """Trend of each row of ``x`` / ``n`` (shape areas × points) on the times ``t``."""
    rows = x.shape[0]
    name = METHOD_NAMES[method]
    if len(used) < points:
        reason = f"fewer than {points} periods ({len(used)})"
        return [_not_calculated(name, used, reason) for _ in range(rows)]
    missing = np.isnan(x) | np.isnan(n)
    zero = (n == 0) & ~missing
    usable = ~(missing | zero).any(axis=1)

    slope_of = {METHOD_CHI_SQUARED: _logit_slope, METHOD_WEIGHTED: _weighted_slope,
                METHOD_POISSON: _poisson_slope}[method]
    chi_squared = np.full(rows, np.nan)
    slope = np.full(rows, np.nan)
    if usable.any():
        xu, nu = x[usable], n[usable]
        if method == METHOD_CHI_SQUARED:
            chi_squared[usable] = _chi_squared_for_trend(xu, nu, t)
            slope[usable] = _logit_slope(xu, nu, t)
        elif method == METHOD_WEIGHTED:
            slope[usable], chi_squared[usable] = _weighted_regression(xu, nu, t,
                                                                      count=statistic == "count")
        else:
            slope[usable], chi_squared[usable] = _poisson_regression(xu, nu, t,
                                                                     count=statistic == "count")
    critical = distributions.chi2.ppf(confidence, 1)
    with np.errstate(invalid="ignore"):
        candidate = usable & (chi_squared > critical)
    reverser = np.full(rows, -1)
    if candidate.any():
        for j in range(len(t)):
            keep = np.arange(len(t)) != j
            sub = slope_of(x[candidate][:, keep], n[candidate][:, keep], t[keep],
                           count=statistic == "count")
            flips = (np.sign(sub) != np.sign(slope[candidate])) & (reverser[candidate] < 0)
            reverser[np.flatnonzero(candidate)[flips]] = j

    p_value = distributions.chi2.sf(chi_squared, 1)
    results = []
    for i in range(rows):
        if not usable[i]:
            results.append(_not_calculated(name, used, _why_not(missing[i], zero[i], used)))
            continue
        if np.isnan(chi_squared[i]):
            results.append(_not_calculated(name, used, "the regression did not converge"))
            continue
        if not candidate[i]:
            direction, reason = NO_CHANGE, (f"no significant trend (X² {chi_squared[i]:.4g} ≤ "
                                            f"{critical:.4f} at {confidence * 100:g}%)")
        elif reverser[i] >= 0:
            direction = NO_CHANGE
            reason = f"outlier: leaving out {used[reverser[i]]} reverses the slope"
        else:
            direction = DECREASING if slope[i] < 0 else INCREASING
            reason = f"significant at {confidence * 100:g}%, no outlier"
        label = TREND_LABELS[polarity].get(direction, NO_CHANGE)
        results.append(Trend(direction=direction, significant=direction != NO_CHANGE,
                             slope=float(slope[i]), p_value=float(p_value[i]), method=name,
                             periods_used=used, label=label, chi_squared=float(chi_squared[i]),
                             reason=reason))
    return results


def _not_calculated(name, used, reason):
    return Trend(direction=NOT_CALCULATED, significant=False, slope=math.nan, p_value=math.nan,
                 method=name, periods_used=used, label=LABEL_NOT_CALCULATED,
                 chi_squared=math.nan, reason=reason)


def _why_not(missing, zero, used):
    parts = []
    if missing.any():
        parts.append("missing value in " + ", ".join(str(used[j]) for j in np.flatnonzero(missing)))
    if zero.any():
        parts.append("zero denominator in " + ", ".join(str(used[j]) for j in np.flatnonzero(zero)))
    return "; ".join(parts)


def _chi_squared_for_trend(x, n, t):
    """Cochran-Armitage chi-squared for trend, row by row (no continuity correction)."""
    total_n = n.sum(axis=1)
    total_x = x.sum(axis=1)
    xt = (x * t).sum(axis=1)
    nt = (n * t).sum(axis=1)
    ntt = (n * t * t).sum(axis=1)
    numerator = total_n * (total_n * xt - total_x * nt) ** 2
    denominator = total_x * (total_n - total_x) * (total_n * ntt - nt ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        # All proportions 0 (or all 1): no variation, hence no trend.
        return np.where(denominator > 0, numerator / denominator, 0.0)


def _ols_slope(y, t):
    centred = t - t.mean()
    return (y * centred).sum(axis=1) / (centred ** 2).sum()


def _logit_slope(x, n, t, count=False):
    """Least-squares slope of the log-odds on time (empirical log-odds where p is 0 or 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.log(x / (n - x))
    empirical = np.log((x + 0.5) / (n - x + 0.5))
    edge = ((x == 0) | (x == n)).any(axis=1, keepdims=True)
    return _ols_slope(np.where(edge, empirical, exact), t)


def _value_and_weight(x, n, count):
    """The value and its inverse variance from the 95 % interval's width (Fingertips)."""
    lower_b, upper_b = byar_limits(x, CI_CONFIDENCE)
    lower_e, upper_e = exact_poisson_limits(x, CI_CONFIDENCE)
    small = x < BYAR_MINIMUM_EVENTS
    lower = np.where(small, lower_e, lower_b)
    upper = np.where(small, upper_e, upper_b)
    z = distributions.norm.ppf(1 - (1 - CI_CONFIDENCE) / 2)
    scale = 1.0 if count else n
    sigma = (upper - lower) / (2 * z) / scale
    return x / scale, 1 / sigma ** 2


def _weighted_regression(x, n, t, count=False):
    """Weighted least-squares slope and its chi-squared ``β² / var(β)`` (scale fixed at 1)."""
    y, w = _value_and_weight(x, n, count)
    s_w = w.sum(axis=1)
    s_t = (w * t).sum(axis=1)
    s_tt = (w * t * t).sum(axis=1)
    s_y = (w * y).sum(axis=1)
    s_ty = (w * t * y).sum(axis=1)
    determinant = s_w * s_tt - s_t ** 2
    beta = (s_w * s_ty - s_t * s_y) / determinant
    variance = s_w / determinant
    return beta, beta ** 2 / variance


def _weighted_slope(x, n, t, count=False):
    return _weighted_regression(x, n, t, count)[0]


def _poisson_regression(x, n, t, count=False):
    """Poisson GLM slope (log link, offset log n) and its squared Wald z, row by row."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    design = sm.add_constant(t - t.mean())
    beta = np.full(x.shape[0], np.nan)
    chi_squared = np.full(x.shape[0], np.nan)
    for i in range(x.shape[0]):
        if x[i].sum() == 0:
            beta[i], chi_squared[i] = 0.0, 0.0
            continue
        offset = None if count else np.log(n[i])
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            try:
                fit = sm.GLM(x[i], design, family=sm.families.Poisson(), offset=offset).fit()
            except ConvergenceWarning:
                continue  # left missing: reported as not calculated
        beta[i] = fit.params[1]
        chi_squared[i] = (fit.params[1] / fit.bse[1]) ** 2
    return beta, chi_squared


def _poisson_slope(x, n, t, count=False):
    return _poisson_regression(x, n, t, count)[0]


def red_red(significance, trend_label):
    """Fingertips' "red-red": significantly worse than the reference and getting worse.

    Parameters
    ----------
    significance : array_like of str
        Comparison with the reference as :func:`ohti.stats.intervals.compare_with_reference` gives it
        ("better", "similar", "worse", "higher", "lower", "not compared"); missing allowed.
    trend_label : array_like of str
        :attr:`Trend.label` values ("better", "worse", "no significant change",
        "not calculated", "increasing", "decreasing"); missing allowed. Broadcast against
        ``significance``.

    Returns
    -------
    ndarray of bool, or Series of bool
        True where both are "worse". A Series (with the index of the first Series argument)
        when either argument is a Series.

    Raises
    ------
    ParameterError
        For a value that is neither a known label nor missing (e.g. "Worse" with a capital).

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips trend markers. Public Health
    Technical Guidance; 2025.

    Examples
    --------
    >>> red_red(["worse", "worse", "similar"], ["worse", "better", "worse"])
    array([ True, False, False])
    """
    where = "red_red"
    index = next((a.index for a in (significance, trend_label) if isinstance(a, pd.Series)), None)
    left = _labels(significance, SIGNIFICANCE_VALUES, "significance", where)
    right = _labels(trend_label, TREND_LABEL_VALUES, "trend_label", where)
    try:
        left, right = np.broadcast_arrays(left, right)
    except ValueError as error:
        raise ParameterError(f"{where}: significance and trend_label have different lengths "
                             f"({left.size} and {right.size})") from error
    result = (left == "worse") & (right == "worse")
    return pd.Series(result, index=index, name="red_red") if index is not None else result


def _labels(values, allowed, name, where):
    array = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values, dtype=object)
    present = np.array([not pd.isna(v) for v in array.ravel()], dtype=bool).reshape(array.shape)
    unknown = sorted({str(v) for v in array[present] if v not in allowed})
    if unknown:
        raise ParameterError(f"{where}: unknown {name} value(s) {', '.join(map(repr, unknown))}; "
                             f"expected one of: {', '.join(sorted(allowed))}, or missing")
    return np.where(present, array, "").astype(object)

