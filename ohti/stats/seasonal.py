"""Seasonal adjustment of monthly series (robust STL), for charts that show the trend under the season."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ohti.errors import ParameterError
from ohti.stats.trends import SEASONAL_YEARS, SHOWN


def seasonally_adjust(series, *, period=12, robust=True):
    """Seasonally adjust a monthly series by STL decomposition.

    STL splits the series into trend, seasonal and remainder by repeated loess smoothing
    (Cleveland et al. 1990; :class:`statsmodels.tsa.seasonal.STL`); the seasonally adjusted
    series is the observed minus the seasonal component. With ``robust=True`` outlying months
    get less weight, so a single odd month does not distort the seasonal pattern.

    Missing months at the start or end are left out (their rows are missing in the result);
    missing months inside the series are an error, because STL needs an unbroken series.

    Parameters
    ----------
    series : Series
        Monthly values indexed by a DatetimeIndex (one timestamp a month) or a monthly
        PeriodIndex; not modified.
    period : int, default 12
        Length of the seasonal cycle in months.
    robust : bool, default True
        Use STL's robust (outlier-resistant) fitting.

    Returns
    -------
    DataFrame
        Indexed like ``series`` (sorted), with columns ``observed, trend, seasonal, resid,
        adjusted``; ``observed = trend + seasonal + resid`` and ``adjusted = observed −
        seasonal``.

    Raises
    ------
    ParameterError
        If ``series`` is not a Series with a monthly DatetimeIndex or PeriodIndex, has two
        values for one month, non-numeric values, missing months inside it (the months are
        named), or fewer than two full cycles (``2 × period`` months) of data.

    References
    ----------
    Cleveland RB, Cleveland WS, McRae JE, Terpenning I. STL: a seasonal-trend decomposition
    procedure based on loess. J Off Stat 1990; 6: 3-73.

    Examples
    --------
    >>> index = pd.period_range("2018-01", periods=36, freq="M")
    >>> pattern = [5, 3, 1, 0, -1, -3, -5, -3, -1, 0, 1, 3]
    >>> series = pd.Series([100 + i + pattern[i % 12] for i in range(36)], index=index)
    >>> adjusted = seasonally_adjust(series)
    >>> adjusted.columns.tolist()
    ['observed', 'trend', 'seasonal', 'resid', 'adjusted']
    """
    from statsmodels.tsa.seasonal import STL

    where = "seasonally_adjust"
    if not isinstance(series, pd.Series):
        raise ParameterError(f"{where}: series must be a pandas Series, not "
                             f"{type(series).__name__}")
    if isinstance(period, bool) or not isinstance(period, numbers.Integral) or period < 2:
        raise ParameterError(f"{where}: period must be a whole number of months of at least 2, "
                             f"not {period!r}")
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        months = index.to_period("M")
    elif isinstance(index, pd.PeriodIndex) and index.freqstr in ("M", "1M"):
        months = index
    else:
        kind = f"PeriodIndex with frequency {index.freqstr}" if isinstance(index, pd.PeriodIndex) \
            else type(index).__name__
        raise ParameterError(f"{where}: series must be indexed by months (a DatetimeIndex or a "
                             f"monthly PeriodIndex), not a {kind}")
    twice = months[months.duplicated()]
    if len(twice):
        raise ParameterError(f"{where}: more than one value for the month(s) "
                             f"{', '.join(map(str, twice.unique()[:SHOWN]))}; give one a month")
    values = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce")
    unreadable = series[(values.isna() & pd.Series(series.to_numpy()).notna()).to_numpy()]
    if len(unreadable):
        raise ParameterError(f"{where}: values must be numbers; {unreadable.iloc[0]!r} in "
                             f"{months[series.index.get_loc(unreadable.index[0])]} is not")
    monthly = pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=months).sort_index()
    known = monthly.dropna()
    if known.empty:
        raise ParameterError(f"{where}: the series has no values")
    span = pd.period_range(known.index[0], known.index[-1], freq="M")
    gaps = span.difference(known.index)
    if len(gaps):
        shown = ", ".join(str(g) for g in gaps[:SHOWN])
        more = f" (and {len(gaps) - SHOWN} more)" if len(gaps) > SHOWN else ""
        raise ParameterError(f"{where}: the series has {len(gaps)} missing month(s) inside it: "
                             f"{shown}{more}; STL needs every month between {span[0]} and "
                             f"{span[-1]}: fill them or shorten the series")
    if len(span) < SEASONAL_YEARS * period:
        needed = SEASONAL_YEARS * period
        raise ParameterError(f"{where}: {len(span)} months of data ({span[0]}–{span[-1]}); STL "
                             f"needs at least {SEASONAL_YEARS} full cycles ({needed} months)")
    fit = STL(known.reindex(span).to_numpy(), period=int(period), robust=bool(robust)).fit()
    parts = pd.DataFrame({"observed": fit.observed, "trend": fit.trend,
                          "seasonal": fit.seasonal, "resid": fit.resid}, index=span)
    parts["adjusted"] = parts["observed"] - parts["seasonal"]
    order = np.argsort(months, kind="stable")
    result = parts.reindex(months[order])
    result.index = index[order]
    return result

