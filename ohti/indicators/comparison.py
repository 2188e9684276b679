"""Confidence intervals for computed values, and their comparison with a reference.

Each indicator names its interval method in the registry (``ci_method``): Wilson score for
proportions, Byar's method for counts and rates (exact Poisson below 10 events), or none (for
changes, means and ratios of two indicators, whose sampling distribution these methods do not
describe). A value is compared with the reference (by default the whole country's value for
the same period) as Fingertips does: it differs significantly when its interval excludes the
reference, and the registry's polarity says whether that is better or worse.

**One rule per indicator** (the registry's :attr:`~ohti.indicators.registry.Indicator.comparison_method`),
used by every table, chart, map and index that shows a verdict, because they all read it from
here:

- ``overdispersed`` (proportions and rates): compared with the whole country allowing for the
  variation between units beyond chance, exactly as the funnel plots judge them (Spiegelhalter
  2005). Among the units of a level in a period, the DerSimonian–Laird τ² is estimated from
  winsorised z-scores (:func:`ohti.stats.funnels.overdispersion`); where the overdispersion is
  significant, each unit's limits are ``value ± 1.96·sqrt(s² + τ²)``
  (:func:`ohti.stats.funnels.overdispersed_limits`), otherwise its Wilson or Byar interval,
  which agrees with the plain funnel. With the employment areas' large denominators the plain
  interval would call nearly every area different from the country.
- ``interval``: the value's own confidence interval against the reference.
- ``none``: not compared (counts, and values without an interval).

A comparison with another reference than the country (a region, peers) uses the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ohti.indicators.compute import compute_values
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.indicators.registry import get_indicator
from ohti.sources.areas import check_codes
from ohti.stats import funnels, intervals

count_limits = intervals.count_limits  # Byar's method from 10 events, exact Poisson below

#: Fewest units with a value for which the between-unit variance τ² is estimated; with fewer,
#: an overdispersed comparison falls back on the interval.
MIN_UNITS_FOR_OVERDISPERSION = 10

#: The funnel statistic of each registry statistic that can be judged for overdispersion.
FUNNEL_STATISTIC = {"proportion": "proportion", "rate": "rate"}


def interval_limits(indicator, numerator, denominator, confidence: float = 0.95):
    """Lower and upper limits of an indicator's values from their numerators and denominators.

    Returns arrays of NaN where the indicator's ``ci_method`` is "none" or a value is missing.
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    nan = np.full(x.shape, np.nan)
    usable = ~np.isnan(x) & (x >= 0)
    if indicator.ci_method == "wilson" and indicator.denominator:
        ok = usable & ~np.isnan(n) & (n > 0) & (x <= n)
        lower, upper = intervals.wilson_limits(np.where(ok, x, np.nan), np.where(ok, n, np.nan), confidence)
        return lower * indicator.multiplier, upper * indicator.multiplier
    if indicator.ci_method == "byar":
        lower, upper = count_limits(np.where(usable, x, np.nan), confidence)
        if indicator.denominator:
            ok = ~np.isnan(n) & (n > 0)
            scale = np.where(ok, indicator.multiplier / np.where(ok, n, 1.0), np.nan)
        else:
            scale = indicator.multiplier
        return lower * scale, upper * scale
    return nan, nan.copy()


def compare_values(indicator_id: str, level: str, *, periods=None, codes=None, confidence: float = 0.95,
                   reference: pd.Series | None = None, language: str = "fi", disclosure: bool = True) -> pd.DataFrame:
    """Values with confidence limits and a comparison with the whole country.

    Parameters
    ----------
    indicator_id, level, periods, codes, language
        As for :func:`ohti.indicators.compute.compute_values`.
    confidence : float
        Level of the interval (0.95 or 0.998 in Fingertips' practice).
    disclosure : bool, default True
        Pass the result through the disclosure gate (:func:`ohti.indicators.disclosure.apply_disclosure`):
        small counts of persons, and cells that would reveal them, are suppressed. Everything
        the documents publish comes through here.
    reference : Series, optional
        Reference values by unit code (e.g. each area's region, or its peers' value from
        :func:`ohti.analysis.peers.peer_reference`), for a single period. By default each value is
        compared with the whole country's value for the same period.

    Returns
    -------
    DataFrame
        The columns of :func:`~ohti.indicators.compute.compute_values`, then ``lower``, ``upper`` (the
        limits the verdict rests on: for an ``overdispersed`` indicator, widened by τ² where the
        level's overdispersion is significant) and ``significance`` ("better", "similar", "worse"; "higher", "similar", "lower" for a
        neutral indicator; "not compared" where there is no interval or no reference, for the
        whole country itself, and for counts, whose size cannot be compared with the nation's).
    """
    indicator = get_indicator(indicator_id)
    if codes is not None and reference is None and indicator.comparison_method == "overdispersed" and level != "national":
        # τ² is a property of all the level's units: judge them all, then keep those asked for.
        wanted = check_codes(level, codes)
        every = compare_values(indicator_id, level, periods=periods, confidence=confidence, language=language,
                               disclosure=disclosure)
        return every[every["area_code"].isin(wanted)].reset_index(drop=True)
    values = compute_values(indicator_id, level, periods=periods, codes=codes, language=language)
    lower, upper = interval_limits(indicator, values["numerator"], values["denominator"], confidence)
    if reference is None:
        national = compute_values(indicator_id, "national", periods=sorted(values["period"].unique()))
        target = values["period"].map(national.set_index("period")["value"]).to_numpy(dtype=float)
    else:
        target = values["area_code"].map(reference).to_numpy(dtype=float)
    significance = intervals.compare_with_reference(values["value"], lower, upper, target, indicator.polarity)
    if (level == "national" and reference is None) or indicator.comparison_method == "none":
        # The nation is its own reference, and a count's size says nothing against it.
        significance[:] = intervals.NOT_COMPARED
    result = values.copy()
    result["lower"] = lower
    result["upper"] = upper
    result["significance"] = significance
    if disclosure:
        result = apply_disclosure(result).drop(columns=STATUS_COLUMN)
    if reference is None and level != "national" and indicator.comparison_method == "overdispersed":
        national_by_period = dict(zip(national["period"], national["value"]))
        for period, rows in result.groupby("period", sort=False).indices.items():
            _judge_overdispersed(indicator, result, rows, national_by_period.get(period, np.nan), confidence)
    return result


def dispersion_of(indicator, values, denominators, target):
    """The overdispersion of one level's published values around the whole country's value
    (:func:`ohti.stats.funnels.overdispersion`), or None where it cannot be estimated: fewer
    than :data:`MIN_UNITS_FOR_OVERDISPERSION` units with a value, no target, or a statistic
    that has no funnel. The funnel plots and the verdicts of every table both use it."""
    statistic = FUNNEL_STATISTIC.get(indicator.statistic)
    values, denominators = np.asarray(values, dtype=float), np.asarray(denominators, dtype=float)
    usable = ~np.isnan(values) & ~np.isnan(denominators) & (denominators > 0)
    if statistic is None or usable.sum() < MIN_UNITS_FOR_OVERDISPERSION or not np.isfinite(target) or target <= 0:
        return None
    if statistic == "proportion" and target >= indicator.multiplier:
        return None
    return funnels.overdispersion(values[usable], denominators[usable], target, statistic,
                                  multiplier=indicator.multiplier)


def _judge_overdispersed(indicator, result, rows, target, confidence) -> None:
    """Replace the limits and verdicts of ``result.iloc[rows]`` (one period of one level) by
    those of the funnel: allowing for τ² where the overdispersion is significant."""
    part = result.iloc[rows]
    dispersion = dispersion_of(indicator, part["value"], part["denominator"], target)
    if dispersion is None or not dispersion.significant or dispersion.tau2 <= 0:
        return  # the interval agrees with the plain funnel
    values = part["value"].to_numpy(dtype=float)
    denominators = part["denominator"].to_numpy(dtype=float)
    known = ~np.isnan(values) & ~np.isnan(denominators) & (denominators > 0)
    lower, upper = funnels.overdispersed_limits(np.where(known, values, np.nan), np.where(known, denominators, 1.0),
                                                target, statistic=FUNNEL_STATISTIC[indicator.statistic],
                                                multiplier=indicator.multiplier, tau2=dispersion.tau2,
                                                confidence=confidence)
    verdict = intervals.compare_with_reference(values, lower, upper, np.full(len(values), target), indicator.polarity)
    columns = [result.columns.get_loc(c) for c in ("lower", "upper", "significance")]
    result.iloc[rows[known], columns[0]] = lower[known]
    result.iloc[rows[known], columns[1]] = upper[known]
    result.iloc[rows[known], columns[2]] = verdict[known]
