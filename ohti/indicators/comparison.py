"""Confidence intervals for computed values, and their comparison with a reference.

Each indicator names its interval method in the registry (``ci_method``): Wilson score for
proportions, Byar's method for counts and rates (exact Poisson below 10 events), or none (for
changes, means and ratios of two indicators, whose sampling distribution these methods do not
describe). A value is compared with the reference (by default the whole country's value for
the same period) as Fingertips does: it differs significantly when its interval excludes the
reference, and the registry's polarity says whether that is better or worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ohti.indicators.compute import compute_values
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.indicators.registry import get_indicator
from ohti.stats import intervals

count_limits = intervals.count_limits  # Byar's method from 10 events, exact Poisson below


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
        The columns of :func:`~ohti.indicators.compute.compute_values`, then ``lower``, ``upper`` and
        ``significance`` ("better", "similar", "worse"; "higher", "similar", "lower" for a
        neutral indicator; "not compared" where there is no interval or no reference, for the
        whole country itself, and for counts, whose size cannot be compared with the nation's).
    """
    indicator = get_indicator(indicator_id)
    values = compute_values(indicator_id, level, periods=periods, codes=codes, language=language)
    lower, upper = interval_limits(indicator, values["numerator"], values["denominator"], confidence)
    if reference is None:
        national = compute_values(indicator_id, "national", periods=sorted(values["period"].unique()))
        target = values["period"].map(national.set_index("period")["value"]).to_numpy(dtype=float)
    else:
        target = values["area_code"].map(reference).to_numpy(dtype=float)
    significance = intervals.compare_with_reference(values["value"], lower, upper, target, indicator.polarity)
    if (level == "national" and reference is None) or indicator.statistic == "count":
        # The nation is its own reference, and a count's size says nothing against it.
        significance[:] = intervals.NOT_COMPARED
    result = values.copy()
    result["lower"] = lower
    result["upper"] = upper
    result["significance"] = significance
    if disclosure:
        result = apply_disclosure(result).drop(columns=STATUS_COLUMN)
    return result
