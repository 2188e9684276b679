"""Indicator validity: evidence for condensing the indicator set to a few that measure effectiveness.

For every indicator that public statistics can compute for the 45 employment areas, the
scorecard (:func:`scorecard`) answers five questions over areas and years:

- **Does it tell areas apart beyond chance?** *Rankability* (reliability): the between-area
  variance τ² over τ² plus the median within-area sampling variance (Abel et al. 2011; van
  Dishoeck et al. 2011). τ² is the DerSimonian–Laird estimate (the one
  :func:`ohti.analysis.expected.between_area_variance` and :func:`ohti.stats.funnels.overdispersion` use), the
  interval a percentile bootstrap over areas. The within-area variance is binomial for
  proportions and Poisson for rates and counts, taken at the pooled value of the 45 areas as in
  funnel plots (Spiegelhalter 2005), so that an area with a zero count does not get zero
  variance. Indicators without a sampling model (``ci_method: none``: changes, means, ratios of
  two indicators) have no rankability. *Discriminating power*: the share of areas outside the
  95 % and 99.8 % funnel limits around the whole country's value, without and with the
  overdispersion allowance (:func:`ohti.stats.funnels.funnel_significance`, :func:`ohti.stats.funnels.overdispersion`).
- **Is it stable?** The median Spearman correlation of the areas' values between consecutive
  years, and the intraclass correlation across years: a linear mixed model (statsmodels MixedLM,
  REML) with a random intercept per area and a fixed effect per year, ICC = σ²(area) /
  (σ²(area) + σ²(residual)). Year effects take out what moves every area alike (the business
  cycle), so the ICC says how much of the remaining variation is lasting differences between areas.
- **How much is explained by frame conditions?** The adjusted R² of the expected-value model
  (:mod:`ohti.analysis.expected`, covariates from ``ohti/model.yaml``): for a proportion or a rate its
  GLM (binomial or Poisson), R² being the squared correlation of observed and expected values;
  for other statistics ordinary least squares on the same design. High: the indicator mostly
  describes the area's conditions, not its services.
- **Is it redundant?** Correlations between indicators over areas: each indicator's values are
  ranked among the areas within each year, and the ranks of two indicators correlated over all
  area-years both have (a within-year Spearman correlation, pooled). Indicators are clustered by
  complete linkage on 1 − |r|: every pair inside a cluster correlates at least
  :data:`REDUNDANCY_THRESHOLD` in absolute value. PCA of the correlation matrix gives loadings
  (OECD/JRC 2008).
- **Where is there data?** The areas and years with values, the share of area-years with a
  value (``coverage``) and the share whose sum lacks a member municipality the source
  suppressed.

All measures use **annual values** (``--period YYYY`` semantics: the mean of month-end stocks,
the sum of monthly flows; only whole years, a year with a missing month has no value), over the
years the data cover. A 12-month moving average, which has no annual form, is taken at December
(the average of that year's months). Rankability, discriminating power and the structural share
are computed for the latest year in which the indicator has a value for at least
:data:`MINIMUM_AREAS` areas (``rankability_lowest`` is the lowest rankability of all such
years, to show whether the latest is typical); stability and ICC over all its years.

:func:`propose` condenses the set to a budget: one representative per redundancy cluster,
preferring impact and outcome indicators over output, process and context ones, then the most
reliable, and reports the share of the standardised variance of all indicators the chosen set
explains (the mean R² of each indicator regressed on the chosen ones, from the correlation matrix).

The analysis of the shipped data is computed once and kept (:func:`analyse`): in memory, and on
disk under ``outputs/.stamps/`` while its inputs are unchanged.

References
----------
Abel G, Saunders CL, Lyratzopoulos G. Cancer patient experience, hospital performance and case
mix: evidence from England. BMJ Qual Saf 2011 (rankability of hospital indicators).
van Dishoeck AM, Lingsma HF, Mackenbach JP, Steyerberg EW. Random variation and rankability of
hospitals using outcome indicators. BMJ Qual Saf 2011; 20: 869-874.
OECD, JRC. Handbook on constructing composite indicators: methodology and user guide. OECD 2008
(correlation analysis, principal components).
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005; 24:
1185-1202.
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986; 7: 177-188.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from ohti import cache
from ohti.analysis.expected import between_area_variance, design_matrix, fit_expected, model_spec
from ohti.analysis.structure import covariates
from ohti.errors import OhtiError, ParameterError
from ohti.indicators.compute import evaluate
from ohti.indicators.registry import get_indicator, load_registry
from ohti.paths import OUTPUTS_DIR, REGISTRY_PATH
from ohti.stats import funnels

SCORECARD_COLUMNS = ["indicator", "rankability", "rank_stability", "icc", "outside_95", "outside_998",
                     "structural_share", "redundancy_cluster", "coverage"]
"""The scorecard's leading columns, in this order (``ohti validity --format csv``)."""

DETAIL_COLUMNS = ["name", "kind", "statistic", "rankability_lower", "rankability_upper", "year", "rankability_lowest",
                  "outside_95_od", "outside_998_od", "overdispersion_tau2", "structural_method",
                  "redundant_with", "redundant_r", "areas", "first_year", "last_year", "share_suppressed",
                  "note", "persistence", "reliable"]
"""Further scorecard columns, after :data:`SCORECARD_COLUMNS`."""

REDUNDANCY_THRESHOLD = 0.9
#: Least persistence (:func:`calculate_persistence`) and ICC (:func:`calculate_icc`) of an
#: indicator that may be proposed: below half, most of what tells the areas apart in one year is
#: gone the next, and a ranking on it says more about the year than about the area.
RELIABILITY_THRESHOLD = 0.5
"""Indicators whose within-year rank correlations are at least this (absolute) share a cluster."""
MINIMUM_AREAS = 30
"""A year counts for rankability, funnels and the structural share when this many areas have a value."""
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20250101
MINIMUM_OVERLAP = 90
"""Area-years two indicators must share (two years of 45 areas) for a correlation."""
KIND_PRIORITY = {"impact": 0, "outcome": 0, "output": 1, "process": 2, "context": 3}
"""Preference in the condensation proposal: effectiveness first, frame conditions last."""
DEFAULT_BUDGET = 50
RELIABILITY_DECIMALS = 2
"""Reliabilities that agree to this many decimals count as equal in the proposal."""
PCA_COMPONENTS = 3
COVARIATE_YEARS_BACK = 3
"""Years back from the scored year to look for a year with every covariate (structural share)."""
SAMPLING_MODELS = {"wilson": "binomial", "byar": "poisson"}


# --------------------------------------------------------------------------------------------
# Statistics on arrays (pure functions)
# --------------------------------------------------------------------------------------------

def calculate_rankability(values, variances, *, confidence: float = 0.95, samples: int = BOOTSTRAP_SAMPLES,
                          seed: int = BOOTSTRAP_SEED) -> dict:
    """Rankability of units: τ² / (τ² + median within-unit sampling variance).

    Parameters
    ----------
    values : array_like
        One value per unit (area).
    variances : array_like
        Each value's sampling variance (same scale as ``values``, squared); positive.
    confidence : float
        Level of the percentile bootstrap interval (units resampled with replacement).
    samples, seed : int
        Bootstrap resamples and the seed of their generator (fixed: same input, same interval).

    Returns
    -------
    dict
        ``value, lower, upper, tau2, median_variance, n``. ``value`` is 0 when the units vary
        no more than sampling alone makes them, near 1 when sampling variation is negligible
        beside the real differences. NaN for fewer than three usable units.

    References
    ----------
    van Dishoeck AM et al. Random variation and rankability of hospitals using outcome
    indicators. BMJ Qual Saf 2011; 20: 869-874. Abel G et al., BMJ Qual Saf 2011.

    Examples
    --------
    >>> r = calculate_rankability([0.0, 2.0, 4.0], [1.0, 1.0, 1.0], samples=0)
    >>> r["tau2"], r["value"]
    (3.0, 0.75)
    """
    y = np.asarray(values, dtype=float).ravel()
    v = np.asarray(variances, dtype=float).ravel()
    if y.shape != v.shape:
        raise ParameterError(f"calculate_rankability: {y.size} values but {v.size} variances")
    keep = np.isfinite(y) & np.isfinite(v) & (v > 0)
    y, v = y[keep], v[keep]
    result = {"value": np.nan, "lower": np.nan, "upper": np.nan, "tau2": np.nan, "median_variance": np.nan,
              "n": int(y.size)}
    if y.size < 3:
        return result
    tau2 = between_area_variance(y, v)
    median = float(np.median(v))
    result.update(value=tau2 / (tau2 + median), tau2=tau2, median_variance=median)
    if samples:
        rng = np.random.default_rng(seed)
        pick = rng.integers(0, y.size, size=(samples, y.size))
        boot_tau2 = between_area_variance(y[pick], v[pick])
        boot = boot_tau2 / (boot_tau2 + np.median(v[pick], axis=1))
        tail = (1 - confidence) / 2 * 100
        result["lower"], result["upper"] = (float(x) for x in np.nanpercentile(boot, [tail, 100 - tail]))
    return result


def calculate_rank_stability(panel: pd.DataFrame, *, minimum: int = 10) -> float:
    """Median Spearman correlation of units' values between consecutive years.

    Parameters
    ----------
    panel : DataFrame
        Units × years (columns in order); missing values allowed.
    minimum : int
        Units two years must share for their correlation to count.

    Returns
    -------
    float
        NaN when no pair of consecutive years qualifies.

    Examples
    --------
    >>> panel = pd.DataFrame({"2020": [1, 2, 3, 4], "2021": [1, 2, 4, 3], "2022": [4, 3, 2, 1]})
    >>> calculate_rank_stability(panel, minimum=3)  # median of 0.8 and -0.8
    0.0
    """
    correlations = []
    columns = list(panel.columns)
    for before, after in zip(columns, columns[1:]):
        both = panel[before].notna() & panel[after].notna()
        if both.sum() < minimum:
            continue
        a, b = panel.loc[both, before].rank(), panel.loc[both, after].rank()
        if a.std() == 0 or b.std() == 0:
            continue
        correlations.append(float(np.corrcoef(a, b)[0, 1]))
    return float(np.median(correlations)) if correlations else np.nan


def calculate_persistence(panel: pd.DataFrame, *, minimum: int = 10) -> float:
    """The share of the differences between units that persists from one year to the next.

    Each year's values are centred on that year's mean (so a change of the whole country is
    not a difference between units); then ``Σ cov(d_t, d_{t+1}) / Σ sqrt(var(d_t)·var(d_{t+1}))``
    over consecutive years that share at least ``minimum`` units: a pooled lag-1 correlation of
    the units' deviations. About 1 when the same units stand out year after year, about 0 when
    the differences are noise. Unlike rankability, it does not approach 1 just because the
    denominators are large.

    Returns
    -------
    float
        NaN when no pair of consecutive years qualifies or the values do not vary.

    Examples
    --------
    Three units over three years; deviations from each year's mean are (−1, 0, 1), (−1, 0, 1)
    and (1, 0, −1): the covariances are 2/3 and −2/3 and the variances 2/3, so the persistence
    is (2/3 − 2/3) / (2/3 + 2/3) = 0.

    >>> panel = pd.DataFrame({"2021": [1, 2, 3], "2022": [2, 3, 4], "2023": [4, 3, 2]})
    >>> calculate_persistence(panel, minimum=3)
    0.0
    """
    covariance = spread = 0.0
    columns = list(panel.columns)
    for before, after in zip(columns, columns[1:]):
        both = panel[before].notna() & panel[after].notna()
        if both.sum() < minimum:
            continue
        a = panel.loc[both, before].to_numpy(dtype=float)
        b = panel.loc[both, after].to_numpy(dtype=float)
        a, b = a - a.mean(), b - b.mean()
        covariance += float((a * b).mean())
        spread += float(np.sqrt((a * a).mean() * (b * b).mean()))
    return covariance / spread if spread > 0 else np.nan


def calculate_icc(panel: pd.DataFrame) -> float:
    """Intraclass correlation of units across years from a linear mixed model.

    ``value ~ year (fixed) + area (random intercept)``, fitted by REML with statsmodels MixedLM
    on values standardised to unit variance; ICC = σ²(area) / (σ²(area) + σ²(residual)).

    A complete panel (every unit has a value every year) is balanced, and there REML has a
    closed form: the two-way analysis-of-variance estimators σ²(residual) = MS(residual),
    σ²(area) = (MS(area) − MS(residual)) / years, with σ²(area) = 0 when that is negative
    (Searle, Casella & McCulloch 1992, sections 4.7 and 6.8). It gives the model's estimate
    without the iterative fit; the tests check it against MixedLM.

    Parameters
    ----------
    panel : DataFrame
        Units × years; missing values are left out.

    Returns
    -------
    float
        In [0, 1]; NaN with fewer than two years or three units, or if the model cannot be fitted.

    References
    ----------
    Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability. Psychol
    Bull 1979; 86: 420-428.
    Searle SR, Casella G, McCulloch CE. Variance Components. Wiley, 1992.
    """
    grid = panel.to_numpy(dtype=float)
    if grid.ndim == 2 and grid.shape[0] >= 3 and grid.shape[1] >= 2 and np.isfinite(grid).all():
        return _balanced_icc(grid)
    import statsmodels.formula.api as smf

    long = panel.rename_axis(index="unit", columns="year").stack().rename("value").reset_index()
    long = long[np.isfinite(long["value"])]
    if long["year"].nunique() < 2 or long["unit"].nunique() < 3:
        return np.nan
    scale = long["value"].std()
    if not np.isfinite(scale) or scale == 0:
        return np.nan
    long = long.assign(value=(long["value"] - long["value"].mean()) / scale, year=long["year"].astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = smf.mixedlm("value ~ C(year)", long, groups=long["unit"]).fit(reml=True)
        except (ValueError, np.linalg.LinAlgError):
            return np.nan
    between = float(np.asarray(fit.cov_re)[0, 0])
    within = float(fit.scale)
    if not np.isfinite(between) or not np.isfinite(within) or between + within <= 0:
        return np.nan
    return max(0.0, between) / (max(0.0, between) + within)


def _balanced_icc(grid: np.ndarray) -> float:
    """The REML intraclass correlation of a complete units × years grid (see :func:`calculate_icc`)."""
    units, years = grid.shape
    unit_means = grid.mean(axis=1, keepdims=True)
    year_means = grid.mean(axis=0, keepdims=True)
    grand = grid.mean()
    residual = grid - unit_means - year_means + grand
    ms_residual = float((residual ** 2).sum()) / ((units - 1) * (years - 1))
    ms_units = years * float(((unit_means - grand) ** 2).sum()) / (units - 1)
    between = max(0.0, (ms_units - ms_residual) / years)
    if between + ms_residual <= 0:
        return np.nan
    return between / (between + ms_residual)


def calculate_structural_share(values, design: pd.DataFrame) -> float:
    """Adjusted R² of ordinary least squares of ``values`` on a design matrix (with constant).

    ``1 − (1 − R²)(n − 1)/(n − p)``, clipped at 0; NaN when fewer rows than parameters + 2.
    """
    import statsmodels.api as sm

    y = np.asarray(values, dtype=float)
    x = np.asarray(design, dtype=float)
    keep = np.isfinite(y) & np.isfinite(x).all(axis=1)
    y, x = y[keep], x[keep]
    if y.size < x.shape[1] + 2 or np.std(y) == 0:
        return np.nan
    fit = sm.OLS(y, x).fit()
    return adjusted_r2(float(fit.rsquared), y.size, x.shape[1])


def adjusted_r2(r2: float, n: int, parameters: int) -> float:
    """``1 − (1 − r2)(n − 1)/(n − parameters)``, clipped at 0 (parameters include the constant)."""
    return max(0.0, 1 - (1 - r2) * (n - 1) / (n - parameters))


def within_year_ranks(panels: dict) -> pd.DataFrame:
    """Area-years × indicators: each value's percentile rank among the areas of its year."""
    columns = {}
    for ident, panel in panels.items():
        ranked = panel.rank(axis=0, pct=True)
        columns[ident] = ranked.stack()  # (unit, year) → rank; NaN dropped
    return pd.DataFrame(columns)


def correlation_matrix(panels: dict, *, minimum: int = MINIMUM_OVERLAP) -> pd.DataFrame:
    """Pooled within-year Spearman correlations between indicators (see the module docstring)."""
    return within_year_ranks(panels).corr(min_periods=minimum)


def redundancy_clusters(correlation: pd.DataFrame, *, threshold: float = REDUNDANCY_THRESHOLD) -> pd.Series:
    """Cluster numbers (1, 2, …, in the order of the indicators) by complete linkage on 1 − |r|.

    Every pair in a cluster has |r| ≥ ``threshold``; a missing correlation counts as 0.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    names = list(correlation.index)
    if len(names) == 1:
        return pd.Series([1], index=names)
    distance = 1 - correlation.abs().fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(distance, 0.0)
    distance = np.clip((distance + distance.T) / 2, 0.0, 1.0)
    labels = fcluster(linkage(squareform(distance, checks=False), method="complete"),
                      t=1 - threshold + 1e-12, criterion="distance")
    renumber = {}
    for label in labels:
        renumber.setdefault(label, len(renumber) + 1)
    return pd.Series([renumber[label] for label in labels], index=names)


def principal_components(correlation: pd.DataFrame, *, components: int = PCA_COMPONENTS):
    """PCA of a correlation matrix: loadings (indicators × components) and explained shares.

    Missing correlations count as 0; negative eigenvalues (a pairwise matrix need not be
    positive semi-definite) are set to 0.
    """
    r = correlation.fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(r, 1.0)
    eigenvalues, vectors = np.linalg.eigh((r + r.T) / 2)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    vectors = vectors[:, order]
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)  # a fixed sign
    k = min(components, len(eigenvalues))
    names = [f"PC{i + 1}" for i in range(k)]
    loadings = pd.DataFrame(vectors[:, :k] * np.sqrt(eigenvalues[:k]), index=correlation.index, columns=names)
    explained = pd.Series(eigenvalues[:k] / eigenvalues.sum(), index=names)
    return loadings, explained


def explained_share(correlation: pd.DataFrame, chosen) -> float:
    """Share of the standardised variance of the indicators left out that the chosen ones explain.

    The mean, over the indicators *not* chosen, of the R² of each regressed on the chosen set,
    from the correlation matrix (R² = r' R⁻¹ r). The chosen indicators are not counted: each
    would explain itself fully, and a larger set would look better by construction.
    """
    names = list(correlation.index)
    chosen = [c for c in chosen if c in names]
    if not chosen:
        return 0.0
    r = correlation.fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(r, 1.0)
    positions = [names.index(c) for c in chosen]
    inverse = np.linalg.pinv(r[np.ix_(positions, positions)])
    cross = r[:, positions]
    r2 = np.einsum("ij,jk,ik->i", cross, inverse, cross)
    r2 = np.clip(r2, 0.0, 1.0)
    left_out = np.setdiff1d(np.arange(len(names)), positions)
    return float(r2[left_out].mean()) if len(left_out) else 1.0


# --------------------------------------------------------------------------------------------
# Panels of the shipped data
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Panel:
    """One indicator's annual values for the 45 areas (areas × years) and what goes with them."""

    indicator: str
    value: pd.DataFrame
    numerator: pd.DataFrame
    denominator: pd.DataFrame
    note: pd.DataFrame
    target: pd.Series  # the whole country's value per year


def _annual(indicator_id: str, level: str):
    try:
        return evaluate(indicator_id, level, "year")
    except ParameterError:
        # A 12-month moving average has no annual form: December's value stands for its year.
        wide = evaluate(indicator_id, level, "month")
        december = [c for c in wide.value.columns if c.endswith("-12")]
        pick = lambda frame: frame[december].set_axis([c[:4] for c in december], axis=1)  # noqa: E731
        notes = type(wide.note)(pick(wide.note.codes), wide.note.texts)
        return type(wide)(pick(wide.value), pick(wide.numerator), pick(wide.denominator), notes)


def indicator_panel(indicator_id: str) -> Panel | None:
    """The annual area panel of an indicator, over the years with any value; None if none."""
    wide = _annual(indicator_id, "area")
    has = wide.value.notna().any(axis=0)
    years = list(has.index[has])
    if not years:
        return None
    national = _annual(indicator_id, "national").value
    target = national.iloc[0].reindex(years) if len(national) else pd.Series(np.nan, index=years)
    return Panel(indicator_id, wide.value[years], wide.numerator[years], wide.denominator[years],
                 wide.note.text()[years], target)


def sampling_variance(indicator, panel: Panel) -> pd.DataFrame | None:
    """Each area-year's sampling variance on the scale of the values, at the pooled value of the
    year (binomial for Wilson-interval proportions, Poisson for Byar-interval rates and counts);
    None where the indicator has no sampling model."""
    model = SAMPLING_MODELS.get(indicator.ci_method)
    if model is None or indicator.derive:
        return None
    m = indicator.multiplier
    if indicator.denominator:
        n = panel.denominator.where(panel.denominator > 0)
        pooled = panel.numerator.sum(axis=0) / n.sum(axis=0)
        if model == "binomial":
            return (pooled * (1 - pooled)) * m ** 2 / n
        return pooled * m ** 2 / n
    if model == "poisson":  # a count: its variance is its expected value, here the areas' mean
        return pd.DataFrame(np.broadcast_to(panel.numerator.mean(axis=0).to_numpy(), panel.value.shape),
                            index=panel.value.index, columns=panel.value.columns) * m ** 2
    return None


def _scored_year(panel: Panel) -> str | None:
    counts = panel.value.notna().sum(axis=0)
    good = counts.index[counts >= min(MINIMUM_AREAS, len(panel.value))]
    return good[-1] if len(good) else None


def _funnel_shares(indicator, panel: Panel, year: str) -> dict:

    out = {"outside_95": np.nan, "outside_998": np.nan, "outside_95_od": np.nan, "outside_998_od": np.nan,
           "overdispersion_tau2": np.nan}
    statistic = {"proportion": "proportion", "rate": "rate"}.get(indicator.statistic)
    if statistic is None or not indicator.denominator or indicator.derive or indicator.ci_method not in SAMPLING_MODELS:
        return out
    values = panel.value[year].to_numpy(dtype=float)
    denominators = panel.denominator[year].to_numpy(dtype=float)
    keep = np.isfinite(values) & np.isfinite(denominators) & (denominators > 0)
    values, denominators = values[keep], denominators[keep]
    target = panel.target.get(year, np.nan)
    if not np.isfinite(target):
        target = np.nansum(panel.numerator[year]) / np.nansum(panel.denominator[year]) * indicator.multiplier
    kwargs = {"statistic": statistic, "multiplier": indicator.multiplier}
    try:
        plain = funnels.funnel_significance(values, denominators, target, **kwargs)
        dispersion = funnels.overdispersion(values, denominators, target, statistic, multiplier=indicator.multiplier)
        widened = funnels.funnel_significance(values, denominators, target, tau2=dispersion.tau2, **kwargs)
    except ParameterError:
        return out
    for suffix, result in (("", plain), ("_od", widened)):
        out["outside_95" + suffix] = float(np.mean([r.startswith("outside") for r in result]))
        out["outside_998" + suffix] = float(np.mean([r.startswith("outside 99.8") for r in result]))
    out["overdispersion_tau2"] = dispersion.tau2
    return out


def _structural(indicator, panel: Panel, year: str) -> tuple[float, str]:
    names = list(model_spec()["expected"]["covariates"])
    counts = panel.value.notna().sum(axis=0)
    candidates = [y for y in counts.index[counts >= min(MINIMUM_AREAS, len(panel.value))] if y <= year][::-1]
    for year in candidates[:COVARIATE_YEARS_BACK]:  # the covariates may end before the indicator
        try:
            design = design_matrix(covariates(names, year))
        except (OhtiError, KeyError, ValueError):
            continue
        if np.isfinite(design.to_numpy(dtype=float)).all():
            break
    else:
        return np.nan, "no covariates for these years"
    if indicator.statistic in ("proportion", "rate") and indicator.denominator and not indicator.derive:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fit_expected(indicator.id, year).fit
            return adjusted_r2(fit["r2"], fit["n"], fit["parameters"]), f"GLM {fit['family']}, {year}"
        except (OhtiError, ValueError, np.linalg.LinAlgError):
            pass
    values = panel.value[year].reindex(design.index)
    return calculate_structural_share(values, design), f"OLS, {year}"


def coverage_summary(panel: Panel) -> dict:
    """Areas and years with data, the share of area-years with a value, and the share of
    area-years whose figure is missing or incomplete because the source suppressed a member."""
    has = panel.value.notna()
    years = has.columns[has.any(axis=0)]
    cells = has[years]
    notes = panel.note[years].to_numpy(dtype=object).astype(str)
    suppressed = np.char.find(notes, "not published") >= 0
    return {
        "areas": int(cells.any(axis=1).sum()),
        "first_year": str(years[0]), "last_year": str(years[-1]),
        "coverage": float(cells.to_numpy().mean()),
        "share_suppressed": float(suppressed.mean()),
    }


def score_indicator(indicator, panel: Panel) -> dict:
    """The scorecard row of one indicator from its panel (all but the redundancy columns)."""
    year = _scored_year(panel)
    row = {"indicator": indicator.id, "name": indicator.name["en"], "kind": indicator.kind,
           "statistic": indicator.statistic, "year": year or ""}
    row.update(coverage_summary(panel))
    notes = []
    variance = sampling_variance(indicator, panel)
    if variance is not None and year is not None:
        ranked = calculate_rankability(panel.value[year], variance[year])
        row.update(rankability=ranked["value"], rankability_lower=ranked["lower"], rankability_upper=ranked["upper"])
    else:
        row.update(rankability=np.nan, rankability_lower=np.nan, rankability_upper=np.nan)
        notes.append("no sampling model: no rankability or funnel")
    if indicator.statistic == "count":
        notes.append("a count: its differences between areas are mostly differences of size")
    row["rank_stability"] = calculate_rank_stability(panel.value)
    row["icc"] = calculate_icc(panel.value)
    row["persistence"] = calculate_persistence(panel.value)
    row["reliable"] = bool(row["persistence"] >= RELIABILITY_THRESHOLD and row["icc"] >= RELIABILITY_THRESHOLD)
    if year is not None:
        row.update(_funnel_shares(indicator, panel, year))
        row["structural_share"], row["structural_method"] = _structural(indicator, panel, year)
    row["note"] = "; ".join(notes)
    return row


def rankability_by_year(indicator, panel: Panel) -> pd.Series:
    """Rankability in each year with enough areas (no interval), for the chart."""
    variance = sampling_variance(indicator, panel)
    if variance is None:
        return pd.Series(dtype=float)
    counts = panel.value.notna().sum(axis=0)
    years = counts.index[counts >= min(MINIMUM_AREAS, len(panel.value))]
    return pd.Series({y: calculate_rankability(panel.value[y], variance[y], samples=0)["value"] for y in years})


# --------------------------------------------------------------------------------------------
# The analysis of the shipped data
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Validity:
    """The result of :func:`analyse`.

    Attributes
    ----------
    scorecard : DataFrame
        One row per indicator with area values: :data:`SCORECARD_COLUMNS` then :data:`DETAIL_COLUMNS`.
    not_computable : DataFrame
        ``indicator, name, kind, reason_code`` (register, no_areas) ``, reason`` for the rest of
        the registry.
    correlation : DataFrame
        Indicators × indicators, pooled within-year Spearman correlations.
    loadings : DataFrame
        PCA loadings, indicators × PC1…PC3.
    explained : Series
        Share of the total variance each component explains.
    by_year : DataFrame
        Rankability per indicator (rows) and year (columns).
    """

    scorecard: pd.DataFrame
    not_computable: pd.DataFrame
    correlation: pd.DataFrame
    loadings: pd.DataFrame
    explained: pd.Series
    by_year: pd.DataFrame


def _add_redundancy(scorecard: pd.DataFrame, correlation: pd.DataFrame) -> pd.DataFrame:
    clusters = redundancy_clusters(correlation)
    absolute = correlation.abs().to_numpy(copy=True)
    np.fill_diagonal(absolute, -1.0)
    absolute = np.nan_to_num(absolute, nan=-1.0)
    names = list(correlation.index)
    partner = {name: (names[row.argmax()] if row.max() >= 0 else "") for name, row in zip(names, absolute)}
    card = scorecard.copy()
    card["redundancy_cluster"] = card["indicator"].map(clusters).astype("Int64")
    card["redundant_with"] = card["indicator"].map(partner).fillna("")
    card["redundant_r"] = [correlation.at[i, p] if p else np.nan for i, p in zip(card["indicator"], card["redundant_with"])]
    return card


def compute_validity(progress: bool = False) -> Validity:
    """Compute the whole analysis from the shipped data (uncached; see :func:`analyse`)."""
    registry = load_registry()
    rows, panels, skipped, by_year = [], {}, [], {}
    items = list(registry.values())
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="validity", unit="indicator")
    for indicator in items:
        if not indicator.computable:
            skipped.append({"indicator": indicator.id, "name": indicator.name["en"], "kind": indicator.kind,
                            "reason_code": "register", "reason": "customer register only (not public)"})
            continue
        panel = indicator_panel(indicator.id)
        if panel is None:
            skipped.append({"indicator": indicator.id, "name": indicator.name["en"], "kind": indicator.kind,
                            "reason_code": "no_areas",
                            "reason": "no values for employment areas in the shipped data (whole country only)"})
            continue
        panels[indicator.id] = panel.value
        row = score_indicator(indicator, panel)
        by_year[indicator.id] = rankability_by_year(indicator, panel)
        row["rankability_lowest"] = by_year[indicator.id].min() if len(by_year[indicator.id]) else np.nan
        rows.append(row)
    scorecard = pd.DataFrame(rows)
    correlation = correlation_matrix(panels)
    scorecard = _add_redundancy(scorecard, correlation)
    loadings, explained = principal_components(correlation)
    scorecard = scorecard.reindex(columns=SCORECARD_COLUMNS + DETAIL_COLUMNS)
    not_computable = pd.DataFrame(skipped, columns=["indicator", "name", "kind", "reason_code", "reason"])
    return Validity(scorecard, not_computable, correlation, loadings, explained, pd.DataFrame(by_year).T)


def _to_json(result: Validity) -> dict:
    def frame(f):
        return json_safe(f.to_dict(orient="split"))

    return {"scorecard": frame(result.scorecard), "not_computable": frame(result.not_computable),
            "correlation": frame(result.correlation), "loadings": frame(result.loadings),
            "explained": frame(result.explained.to_frame("share")), "by_year": frame(result.by_year)}


def json_safe(value):
    """NaN → None, NumPy scalars → Python, recursively (for the JSON cache)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if value is pd.NA:
        return None
    return value


def _from_json(data: dict) -> Validity:
    def frame(d):
        f = pd.DataFrame(d["data"], index=d["index"], columns=d["columns"])
        return f

    scorecard = frame(data["scorecard"]).reset_index(drop=True)
    for column in scorecard.columns:
        if column not in ("indicator", "name", "kind", "statistic", "year", "structural_method", "redundant_with",
                          "first_year", "last_year", "note"):
            scorecard[column] = pd.to_numeric(scorecard[column])
    scorecard["redundancy_cluster"] = scorecard["redundancy_cluster"].astype("Int64")
    scorecard["areas"] = scorecard["areas"].astype(int)
    return Validity(scorecard, frame(data["not_computable"]).reset_index(drop=True),
                    frame(data["correlation"]).astype(float), frame(data["loadings"]).astype(float),
                    frame(data["explained"])["share"].astype(float), frame(data["by_year"]).astype(float))


#: The code the analysis runs (besides the data and the registry): a change to any of it
#: computes it again; a change elsewhere in ohti (documents, build, publishing) does not.
ANALYSIS_CODE = ("sources", "stats", "indicators", "analysis", "errors.py", "paths.py", "model.yaml",
                 "pxweb_tables.yaml", "yamlsafe.py", "lazy.py")


#: The libraries the analysis computes with: another version of one computes it again.
ANALYSIS_LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels")


def _cache_key() -> str:
    """Key of the kept analysis: the data, the registry, :data:`ANALYSIS_CODE` and the
    versions of :data:`ANALYSIS_LIBRARIES`."""
    return cache.key(code=ANALYSIS_CODE, data=True, files=[REGISTRY_PATH], libraries=ANALYSIS_LIBRARIES)


_KEPT: dict = {}


def analyse(progress: bool = False) -> Validity:
    """The validity analysis of the shipped data, computed once and reused.

    Kept in memory and in ``outputs/.stamps/validity.json`` while its inputs are unchanged: the
    data, the registry, ``model.yaml``, the code in :data:`ANALYSIS_CODE` and the versions
    of NumPy, pandas, SciPy and statsmodels; :func:`compute_validity` computes it afresh. The frames returned are
    shared between callers: copy before changing them.

    Parameters
    ----------
    progress : bool
        Show a progress bar when the analysis has to be computed.
    """
    key = _cache_key()
    if key not in _KEPT:
        data = cache.memo(OUTPUTS_DIR / ".stamps", "validity", key,
                           lambda: _to_json(compute_validity(progress=progress)))
        _KEPT.clear()
        _KEPT[key] = _from_json(data)
    return _KEPT[key]


def scorecard() -> pd.DataFrame:
    """The scorecard of the shipped data: one row per indicator with area values."""
    return analyse().scorecard.copy()


# --------------------------------------------------------------------------------------------
# Condensation
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Proposal:
    """The result of :func:`propose`.

    ``table``: the scorecard with ``proposed`` (bool) and ``reason``; ``chosen``: the ids in order
    of preference; ``explained``: share of the standardised variance of the scored indicators
    left out that the chosen ones explain; ``clusters``: number of redundancy clusters.
    """

    budget: int
    chosen: list
    explained: float
    clusters: int
    table: pd.DataFrame


def reliability(card: pd.DataFrame) -> pd.Series:
    """Rankability where there is a sampling model, else the ICC across years; 0 where neither."""
    return card["rankability"].fillna(card["icc"]).fillna(0.0)


def is_size(indicator_id: str) -> bool:
    """Whether an indicator measures the size of an area: a count, or a mean or sum of counts
    (e.g. the annual average of the unemployed). Its differences between areas are mostly
    their size, so it is never proposed as a key indicator."""
    try:
        indicator = get_indicator(indicator_id)
    except OhtiError:
        return False
    if indicator.statistic == "count":
        return True
    inputs = indicator.derive_inputs
    return bool(inputs) and indicator.statistic == "mean" and all(is_size(i) for i in inputs)


def check_budget(budget) -> int:
    """A budget of indicators: a whole number of at least 1 (:class:`ParameterError` otherwise)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ParameterError(f"budget must be a whole number of at least 1, not {budget!r}")
    return int(budget)


def propose(card: pd.DataFrame, correlation: pd.DataFrame, budget: int = DEFAULT_BUDGET) -> Proposal:
    """Condense the scored indicators to at most ``budget``.

    Within each redundancy cluster the representative is the indicator of the most preferred
    kind (:data:`KIND_PRIORITY`: impact and outcome, then output, process, context), then a
    ratio before a count (a count's differences between areas are mostly their size), then the
    highest reliability (:func:`reliability`, to :data:`RELIABILITY_DECIMALS` decimals: smaller
    differences are ties), then the widest coverage, then the order of the registry. Representatives are
    then taken in the same order until the budget is spent. A count, and an indicator whose
    persistence or ICC is below :data:`RELIABILITY_THRESHOLD` (``reliable`` False), is never
    proposed.

    Raises
    ------
    ParameterError
        For a budget below 1.
    """
    budget = check_budget(budget)
    table = card.copy()
    statistic = table["statistic"] if "statistic" in table else pd.Series("", index=table.index)
    reliable = table["reliable"].fillna(False).astype(bool) if "reliable" in table else pd.Series(True, index=table.index)
    known = table["persistence"].notna() if "persistence" in table else pd.Series(True, index=table.index)
    barred = {}
    for ident, ok, measured, is_count in zip(table["indicator"], reliable, known, statistic.eq("count")):
        if is_count or is_size(ident):
            barred[ident] = "a count: its differences between areas are mostly their size"
        elif not measured:
            barred[ident] = "reliability not known (fewer than two years of area values)"
        elif not ok:
            barred[ident] = f"not reliable (persistence or ICC below {RELIABILITY_THRESHOLD})"
    table["_priority"] = table["kind"].map(KIND_PRIORITY).fillna(max(KIND_PRIORITY.values()) + 1)
    table["_reliability"] = reliability(table).round(RELIABILITY_DECIMALS)
    table["_count"] = statistic.eq("count")
    table = table.sort_values(["_priority", "_count", "_reliability", "coverage"], ascending=[True, True, False, False],
                              kind="stable")
    representatives = table[~table["indicator"].isin(barred)].drop_duplicates("redundancy_cluster")
    chosen = list(representatives["indicator"][:budget])
    representative_of = dict(zip(representatives["redundancy_cluster"], representatives["indicator"]))
    reasons = {}
    for ident, cluster in zip(table["indicator"], table["redundancy_cluster"]):
        head = representative_of.get(cluster)
        if ident in barred:
            reasons[ident] = barred[ident]
        elif ident in chosen:
            reasons[ident] = f"representative of cluster {cluster}"
        elif ident == head:
            reasons[ident] = "over the budget"
        else:
            r = correlation.at[ident, head] if ident in correlation.index and head in correlation.index else np.nan
            reasons[ident] = f"redundant with {head} (r = {r:.2f})"
    result = card.copy()
    result["proposed"] = result["indicator"].isin(chosen)
    result["reason"] = result["indicator"].map(reasons)
    return Proposal(int(budget), chosen, explained_share(correlation, chosen),
                    int(card["redundancy_cluster"].nunique()), result)


def scorecard_text(table: pd.DataFrame, fmt: str = "md") -> str:
    """A scorecard (or proposal table) as a Markdown table, numbers to three decimals."""
    if fmt != "md":
        raise ParameterError(f"unknown format '{fmt}'; choose csv or md")
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda x: "" if pd.isna(x) else f"{x:.3f}")
    shown = shown.astype(str).replace({"<NA>": "", "nan": ""})
    cells = [shown.columns.tolist(), ["---"] * len(shown.columns), *shown.values.tolist()]
    return "".join("| " + " | ".join(row) + " |\n" for row in cells)
