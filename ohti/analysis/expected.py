"""Expected versus observed: the level an area's frame conditions predict, as in Denmark's
STAR benchmarking (Jobindsats).

An outcome indicator is regressed on structural covariates over the 45 employment areas with a
statsmodels GLM: a binomial family (logit link) for a proportion, a Poisson family with the log
of the denominator as offset for a rate. Standard errors use the Pearson dispersion
(quasi-likelihood), since areas vary more than binomial or Poisson sampling alone. Each area
gets its expected value, the ratio of observed to expected events with a 95 % interval, and the
model's fit. The areas differ from their expected values far more than Poisson sampling alone
would make them, so the interval allows for that as the funnel plots do (Spiegelhalter 2005):
on the log scale, ``log(O/E) ± z·sqrt(1/O + τ²)``, with τ² the DerSimonian–Laird
between-area variance of ``log(O/E)`` (within-area variance 1/O, degrees of freedom n − p). An
area is flagged only where it departs from its expected value by more than areas typically
do. Model uncertainty in the coefficients is not included.

The covariates are named in ``ohti/model.yaml`` and computed in :mod:`ohti.analysis.structure`.

Disclosure: the model is fitted on every area's counts, but the table it returns has passed the
disclosure gate (:func:`ohti.indicators.disclosure.apply_disclosure`) twice, since both the observed and
the expected events are counts of persons: an area's observed value, events, ratio and
interval go where its observed value is suppressed (the indicator's own suppression, primary
or secondary); its expected value and expected events go where those are suppressed, the
expected events counted like persons against the threshold, or where the observed value is.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ohti.analysis.structure import CATEGORICAL, covariates
from ohti.errors import ParameterError
from ohti.indicators.compute import compute_values
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.indicators.registry import get_indicator
from ohti.lazy import LazyModule
from ohti.paths import PACKAGE_DIR
from ohti.stats.intervals import compare_with_reference
from ohti.yamlsafe import load_yaml

# statsmodels takes about a second to import: loaded on first use, so that commands that fit
# no model start fast.
sm = LazyModule("statsmodels.api")

MODEL_PATH = PACKAGE_DIR / "model.yaml"


@functools.lru_cache(maxsize=1)
def model_spec() -> dict:
    """The model specification (``ohti/model.yaml``)."""
    return load_yaml(MODEL_PATH)


@dataclasses.dataclass(frozen=True)
class Expected:
    """The result of :func:`fit_expected`.

    Attributes
    ----------
    table : DataFrame
        One row per area: ``area_code, area_name, observed, expected, events,
        expected_events, ratio, lower, upper, excess, excess_lower, excess_upper,
        significance, note`` (``excess`` is observed minus expected events, in persons, with
        its 95 % interval); suppressed values are
        missing, with the reason in ``note`` (see the module docstring).
    fit : dict
        ``family, n, parameters, deviance, pearson_chi2, dispersion, tau2`` (between-area
        variance of log(O/E)),
        pseudo_r2`` (1 − deviance / null deviance), ``r2`` (squared correlation of observed
        and expected values) and ``covariates``.
    coefficients : DataFrame
        ``term, estimate, std_error, p_value``.
    """

    indicator: str
    period: str
    table: pd.DataFrame
    fit: dict
    coefficients: pd.DataFrame


Z95 = 1.959963984540054


def between_area_variance(y, variances, degrees_of_freedom=None):
    """DerSimonian–Laird τ²: the variance of ``y`` between areas beyond their own variances.

    ``τ² = max(0, (Q − df) / (Σw − Σw² / Σw))`` with ``w = 1 / variance`` and ``Q`` the
    weighted sum of squares about the weighted mean (DerSimonian & Laird 1986). Computed along
    the last axis, so that each row of 2-D arrays (e.g. bootstrap samples) gets its own τ²;
    ``degrees_of_freedom`` is ``n − 1`` by default.

    Returns
    -------
    float for 1-D input, else an array with one τ² per row.
    """
    y = np.asarray(y, dtype=float)
    weights = 1.0 / np.asarray(variances, dtype=float)
    total = weights.sum(axis=-1)
    mean = (weights * y).sum(axis=-1) / total
    q = (weights * (y - mean[..., None]) ** 2).sum(axis=-1)
    spread = total - (weights ** 2).sum(axis=-1) / total
    df = y.shape[-1] - 1 if degrees_of_freedom is None else degrees_of_freedom
    with np.errstate(invalid="ignore", divide="ignore"):
        tau2 = np.maximum(0.0, (q - df) / spread)
    return float(tau2) if tau2.ndim == 0 else tau2


def design_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Covariates with categorical ones as 0/1 columns (first level dropped) and a constant."""
    categorical = [c for c in frame.columns if c in CATEGORICAL]
    design = pd.get_dummies(frame, columns=categorical, drop_first=True, dtype=float)
    return sm.add_constant(design.astype(float), has_constant="add")


def fit_expected(indicator_id: str, period: str, *, covariate_names=None, language: str = "fi",
                 disclosure: bool = True, threshold: int | None = None) -> Expected:
    """Fit the expected-value model for one outcome indicator and month.

    Parameters
    ----------
    indicator_id : str
        A proportion or a rate from the registry (e.g. ``unemployment_rate``).
    period : str
        Month 'YYYY-MM' (or year 'YYYY' for an annual outcome).
    covariate_names : list of str, optional
        Overrides the covariates of ``ohti/model.yaml``.
    disclosure : bool, default True
        Pass the table through the disclosure gate (:func:`disclose_expected`); False only
        for internal work (the fit itself is the same).
    threshold : int, optional
        The disclosure threshold; the indicator's registry ``suppression_threshold`` by
        default.

    Raises
    ------
    ParameterError
        If the indicator is not a proportion or a rate, or an area lacks a value.

    References
    ----------
    McCullagh P, Nelder JA. Generalized linear models, 2nd ed. Chapman & Hall 1989.
    Styrelsen for Arbejdsmarked og Rekruttering (STAR). Benchmarking af kommunernes
    beskæftigelsesindsats (rammevilkårsmodeller), jobindsats.dk.
    """
    indicator = get_indicator(indicator_id)
    if indicator.statistic not in ("proportion", "rate") or not indicator.denominator:
        raise ParameterError(f"expected values need a proportion or a rate; '{indicator_id}' is a {indicator.statistic}")
    names = list(covariate_names or model_spec()["expected"]["covariates"])
    values = compute_values(indicator_id, "area", periods=[period], language=language).set_index("area_code")
    frame = covariates(names, period)
    missing = values.index[values["numerator"].isna() | values["denominator"].isna()].tolist()
    missing += frame.index[frame.isna().any(axis=1)].tolist()
    if missing:
        raise ParameterError(f"expected values for {indicator_id} {period}: no value or covariate for area(s) "
                             f"{', '.join(sorted(set(missing)))}")
    design = design_matrix(frame)
    events = values["numerator"].to_numpy(dtype=float)
    exposure = values["denominator"].to_numpy(dtype=float)
    if indicator.statistic == "proportion":
        family = sm.families.Binomial()
        model = sm.GLM(np.column_stack([events, exposure - events]), design, family=family)
    else:
        family = sm.families.Poisson()
        model = sm.GLM(events, design, family=family, offset=np.log(exposure))
    result = model.fit(scale="X2")
    fitted_rate = result.predict(design) if indicator.statistic == "proportion" else result.predict(design, offset=np.zeros(len(design)))
    fitted_rate = np.asarray(fitted_rate, dtype=float)
    expected_events = fitted_rate * exposure
    result_dispersion = float(result.pearson_chi2 / result.df_resid)
    ratio = events / expected_events
    tau2 = between_area_variance(np.log(ratio), 1.0 / events, result.df_resid)
    half = Z95 * np.sqrt(1.0 / events + tau2)
    table = pd.DataFrame({
        "area_code": values.index,
        "area_name": values["area_name"].to_numpy(),
        "observed": values["value"].to_numpy(),
        "expected": fitted_rate * indicator.multiplier,
        "events": events,
        "expected_events": expected_events,
        "ratio": ratio,
        "lower": ratio * np.exp(-half),
        "upper": ratio * np.exp(half),
    })
    # Observed minus expected in persons, with the interval of the ratio carried over: it
    # excludes 0 exactly when the ratio's excludes 1 (Danish benchmarking's "effekt" in persons).
    table["excess"] = events - expected_events
    table["excess_lower"] = expected_events * (table["lower"] - 1.0)
    table["excess_upper"] = expected_events * (table["upper"] - 1.0)
    table["significance"] = compare_with_reference(table["ratio"], table["lower"], table["upper"], 1.0, indicator.polarity)
    table["note"] = values["note"].fillna("").astype(str).to_numpy()
    if disclosure:
        table = disclose_expected(table, indicator_id, period, exposure, threshold=threshold)
    null = sm.GLM(model.endog, np.ones((len(design), 1)), family=family,
                  offset=None if indicator.statistic == "proportion" else np.log(exposure)).fit()
    observed_rate = events / exposure
    fit = {
        "family": "binomial (logit)" if indicator.statistic == "proportion" else "Poisson (log, offset)",
        "n": int(result.nobs),
        "parameters": int(len(result.params)),
        "deviance": float(result.deviance),
        "pearson_chi2": float(result.pearson_chi2),
        "dispersion": result_dispersion,
        "tau2": float(tau2),
        "pseudo_r2": float(1 - result.deviance / null.deviance),
        "r2": float(np.corrcoef(observed_rate, fitted_rate)[0, 1] ** 2),
        "covariates": names,
    }
    coefficients = pd.DataFrame({"term": result.params.index, "estimate": result.params.to_numpy(),
                                 "std_error": result.bse.to_numpy(), "p_value": result.pvalues.to_numpy()})
    return Expected(indicator_id, period, table, fit, coefficients)


#: Columns of an expected-value table that reveal the observed events, and those that reveal
#: the expected events (see :func:`disclose_expected`).
#: O − E in persons needs both the observed and the expected events: it goes with either.
EXCESS_COLUMNS = ("excess", "excess_lower", "excess_upper")
OBSERVED_COLUMNS = ("observed", "events", "ratio", "lower", "upper", *EXCESS_COLUMNS)
EXPECTED_COLUMNS = ("expected", "expected_events", *EXCESS_COLUMNS)


def disclose_expected(table: pd.DataFrame, indicator_id: str, period: str, exposure, *,
                      threshold: int | None = None) -> pd.DataFrame:
    """An expected-value table through the disclosure gate (a new frame).

    Observed and expected events are both counts of persons, so each passes
    :func:`ohti.indicators.disclosure.apply_disclosure` as the numerator of the outcome indicator over
    ``exposure``, its denominator:

    - observed: the gate suppresses what it suppresses in the outcome's own values (primary
      and secondary, over the whole division), and :data:`OBSERVED_COLUMNS` go with it
      (the ratio observed / expected and its interval would give the events back);
    - expected: expected events from 1 to the threshold − 1 are suppressed too, and the next
      smallest where one alone would be (their sum is the nation's observed total, which is
      published); :data:`EXPECTED_COLUMNS` go. An area whose observed value is suppressed
      loses its expected value as well.

    ``significance`` becomes "not compared" where the ratio is suppressed, and the ``note``
    says why.

    Parameters
    ----------
    table : DataFrame
        ``area_code, observed, expected, events, expected_events, ratio, lower, upper,
        significance`` and optionally ``note``, one row per area (as :func:`fit_expected`).
    indicator_id, period : str
        The outcome indicator and the period it was fitted for.
    exposure : array_like
        Each row's denominator (the outcome's denominator).
    threshold : int, optional
        The registry's ``suppression_threshold`` of the indicator by default.
    """
    exposure = np.asarray(exposure, dtype=float)
    base = pd.DataFrame({"level": "area", "area_code": table["area_code"].astype(str).to_numpy(),
                         "period": period, "indicator": indicator_id,
                         "note": table["note"].to_numpy() if "note" in table else ""})
    observed = apply_disclosure(base.assign(value=table["observed"].to_numpy(), numerator=table["events"].to_numpy(),
                                            denominator=exposure), threshold=threshold)
    expected = apply_disclosure(base.assign(value=table["expected"].to_numpy(),
                                            numerator=table["expected_events"].to_numpy(),
                                            denominator=exposure).assign(**{STATUS_COLUMN: observed[STATUS_COLUMN].to_numpy()}),
                                threshold=threshold)
    out = table.copy()
    hide_observed = observed[STATUS_COLUMN].to_numpy() != ""
    hide_expected = expected[STATUS_COLUMN].to_numpy() != ""
    for columns, hide in ((OBSERVED_COLUMNS, hide_observed), (EXPECTED_COLUMNS, hide_expected)):
        for column in columns:
            out[column] = out[column].astype(float).where(~hide)
    out["significance"] = out["significance"].where(~hide_observed, "not compared")
    out["note"] = np.where(hide_observed, observed["note"].to_numpy(), expected["note"].to_numpy())
    return out
