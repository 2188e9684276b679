"""Funnel plots: control limits around a target, each unit's significance, and overdispersion
(the DerSimonian–Laird τ² of Spiegelhalter's funnel plots, after winsorising the z-scores).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ohti.errors import ParameterError
from ohti.stats._arguments import (
    _check_not_negative,
    _check_positive,
    _float_array,
    _is_real,
    _level_name,
    _levels,
    _multiplier,
    _percent,
    _two_sided_z,
    distributions,
    special,
)
from ohti.stats.intervals import DEFAULT_MULTIPLIERS, INTEGER_SNAP, NOT_ASSESSED, _count_limits

FUNNEL_STATISTICS = tuple(DEFAULT_MULTIPLIERS)


FUNNEL_CONFIDENCE = (0.95, 0.998)


FUNNEL_POINTS = 100


AXIS_SHRINK = 0.95


AXIS_STRETCH = 1.05


AXIS_FROM_ZERO_RATIO = 2


WINSORISE = 0.10


OVERDISPERSION_ALPHA = 0.05




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


def overdispersed_limits(values, denominators, target, *, statistic, multiplier=None, tau2, confidence=0.95):
    """Limits of each observation that agree with the overdispersed funnel: ``value ± z·sqrt(s² +
    τ²)``, with ``s²`` the sampling variance at the target (binomial ``θ(1 − θ)/n`` for a
    proportion, Poisson ``θ/n`` for a rate, on the unit scale) and ``τ²`` the between-unit
    variance on the scale of the values.

    An observation's limits exclude the target exactly when :func:`funnel_significance` with the
    same ``tau2`` places it outside the funnel at ``confidence``, so a table that prints these
    limits and a funnel plot that draws the observation give the same verdict.

    Examples
    --------
    A proportion of 10 % (multiplier 100) among 2,500 people, the target 8 %, τ² = 1 (in
    squared percentage points): ``s² = 0.08 · 0.92 / 2500 = 2.944e-5``, on the percentage scale
    0.2944; ``1.96 · sqrt(0.2944 + 1) = 2.23``, so the limits are 7.77 and 12.23 and include
    the target.

    >>> lower, upper = overdispersed_limits([10.0], [2500], 8.0, statistic="proportion", multiplier=100, tau2=1.0)
    >>> round(float(lower[0]), 2), round(float(upper[0]), 2)
    (7.77, 12.23)
    """
    where = "overdispersed_limits"
    statistic, multiplier, theta = _funnel_setup(statistic, multiplier, target, where)
    (level,) = _levels(confidence, where)
    tau2 = _tau2(tau2, where)
    values, denominators = np.broadcast_arrays(_float_array(values, "values"),
                                               _float_array(denominators, "denominators"))
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = _two_sided_z(level) * np.sqrt(_unit_variance(theta, denominators, statistic) + tau2 / multiplier**2)
    return values - spread * multiplier, values + spread * multiplier


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

