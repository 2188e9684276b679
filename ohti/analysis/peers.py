"""Peer groups: for each employment area, the k most similar areas on structural features,
like Kolada's "similar municipalities" (liknande kommuner).

Features are standardised to mean 0 and standard deviation 1 over the 45 areas, and areas are
ranked by Euclidean distance. The features and k are set in ``ohti/model.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ohti.analysis.expected import model_spec
from ohti.analysis.structure import CATEGORICAL, covariates
from ohti.errors import ParameterError
from ohti.indicators.comparison import compare_values
from ohti.indicators.registry import get_indicator
from ohti.sources import areas
from ohti.sources.access import periods


def combined_value(rows: pd.DataFrame, indicator) -> float:
    """A group of areas' value: a ratio of summed numerators and denominators where the
    indicator has a denominator, else the mean of the values (counts, changes). Missing if any
    member is missing."""
    if indicator.denominator:
        return (rows["numerator"].sum(min_count=len(rows))
                / rows["denominator"].sum(min_count=len(rows)) * indicator.multiplier)
    return rows["value"].mean(skipna=False)


def peer_groups(period: str, *, k: int | None = None, features=None) -> pd.DataFrame:
    """The ``k`` nearest areas of every area.

    Returns
    -------
    DataFrame
        ``area_code, peer_code, rank`` (1 = most similar) and ``distance``.

    Raises
    ------
    ParameterError
        For k outside 1…44, a categorical feature, or an area lacking a feature.
    """
    spec = model_spec()["peers"]
    k = int(k or spec["k"])
    names = list(features or spec["features"])
    if not 1 <= k <= 44:
        raise ParameterError(f"peer group size k must be between 1 and 44, not {k}")
    categorical = [n for n in names if n in CATEGORICAL]
    if categorical:
        raise ParameterError(f"peer features must be numeric; {', '.join(categorical)} is categorical")
    frame = covariates(names, period)
    if frame.isna().any().any():
        missing = frame.index[frame.isna().any(axis=1)]
        raise ParameterError(f"peer features missing for area(s) {', '.join(missing)} in {period}")
    spread = frame.std(ddof=0).replace(0, 1.0)
    z = ((frame - frame.mean()) / spread).to_numpy()
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distance, np.inf)
    order = np.argsort(distance, axis=1, kind="stable")[:, :k]
    codes = frame.index.to_numpy()
    rows = [{"area_code": codes[i], "peer_code": codes[j], "rank": r + 1, "distance": distance[i, j]}
            for i in range(len(codes)) for r, j in enumerate(order[i])]
    return pd.DataFrame(rows)


def peer_comparison(code: str, period_by_indicator: dict, *, k: int | None = None, language: str = "fi") -> pd.DataFrame:
    """An area's indicators beside its peers' combined value and the nation's.

    The peers' value is computed from their summed numerators and denominators (for a count,
    the peers' mean), never as a mean of rates.

    Every value has passed the disclosure gate (the area's, each peer's and the nation's):
    where the area's value is suppressed, so are its value and its difference; where one peer's
    is, so is the peers' combined value, which would otherwise reveal it together with the
    other peers' published values.

    Parameters
    ----------
    code : str
        Employment-area code.
    period_by_indicator : dict
        Indicator id → the period to compare (as in the area document's table).

    Returns
    -------
    DataFrame
        ``indicator, name, period, value, peers, national, difference`` (area − peers) and
        ``note``, the area's value's (e.g. why it is suppressed).
    """
    (code,) = areas.check_codes("area", [code])
    document_period = max(p for p in period_by_indicator.values() if len(p) == 7)
    groups = peer_groups(document_period, k=k)
    peers = groups.loc[groups["area_code"] == code, "peer_code"].tolist()
    rows = []
    for ident, period in period_by_indicator.items():
        indicator = get_indicator(ident)
        values = compare_values(ident, "area", periods=[period]).set_index("area_code")
        national = compare_values(ident, "national", periods=[period])["value"].iloc[0]
        peer_value = combined_value(values.loc[peers], indicator)
        rows.append({"indicator": ident, "name": indicator.label(language), "period": period,
                     "decimals": indicator.decimals, "value": values.at[code, "value"],
                     "peers": peer_value, "national": national,
                     "difference": values.at[code, "value"] - peer_value, "note": values.at[code, "note"]})
    return pd.DataFrame(rows)


def peer_reference(indicator_id: str, period: str, *, k: int | None = None) -> pd.Series:
    """Each area's peers' combined value of an indicator (ratio of sums; mean for counts and
    derived values), to compare with: ``compare_values(..., reference=peer_reference(...))``.
    Missing where a peer's value is suppressed (the values have passed the disclosure gate)."""
    indicator = get_indicator(indicator_id)
    document_period = period if len(period) == 7 else f"{period}-12"
    groups = peer_groups(min(document_period, max(p for p in _months())), k=k)
    values = compare_values(indicator_id, "area", periods=[period]).set_index("area_code")
    result = {}
    for code, members in groups.groupby("area_code")["peer_code"]:
        result[code] = combined_value(values.loc[list(members)], indicator)
    return pd.Series(result, name="peers")


def _months():
    return periods("month")
