"""Structural (frame) conditions of the employment areas: the covariates of the expected-value
model and the features of peer groups.

Every covariate is computed from the shipped statistics for the document's month (or the
latest year with data). To use another covariate, add a function here and its name to
:data:`COVARIATES`; the expected-value model and peer groups take their lists of names from
``parameters/model.yaml`` (see :mod:`ohti.analysis.expected`).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ohti.errors import ParameterError
from ohti.indicators.compute import compute_values, indicator_frequency
from ohti.indicators.periods import periods_with_values, resolve_period
from ohti.indicators.registry import get_indicator
from ohti.sources import areas

RURAL_URBAN_CODE = "1"        # municipality group 1: urban (kaupunkimaiset kunnat)


def _values(indicator: str, level: str, period: str) -> pd.Series:
    shown = resolve_period(indicator, period, level, any_age=True)
    if shown is None:  # published only after the period: the earliest year there is (frame conditions move slowly)
        shown = periods_with_values(indicator, level, indicator_frequency(indicator))[0]
    return compute_values(indicator, level, periods=[shown]).set_index("area_code")["value"]


def _population_weights(period: str) -> pd.Series:
    return _values("population", "municipality", period)


def _share_of_population(mask: pd.Series, period: str) -> pd.Series:
    population = _population_weights(period)
    weights = areas.current_membership("area")
    inside = weights.T @ (population * mask.reindex(population.index).astype(float)).reindex(weights.index).fillna(0)
    total = weights.T @ population.reindex(weights.index).fillna(0)
    return inside / total * 100


def log_labour_force(period):
    """Natural log of the labour force (the size of the area's labour market)."""
    return np.log(_values("labour_force", "area", period))


def log_population(period):
    """Natural log of the population (the size of the area), from the population statistics."""
    return np.log(_values("population", "area", period))


def labour_force_share(period):
    """Labour force as a percentage of the population (age structure and participation)."""
    return _values("labour_force_share_of_population", "area", period)


def tightness(period):
    """Open vacancies per unemployed job seeker (labour-market tightness)."""
    return _values("vacancies_per_unemployed", "area", period)


def urban_share(period):
    """Percentage of the population living in urban municipalities (municipality group)."""
    key = areas.load_key()
    return _share_of_population(key["group_code"] == RURAL_URBAN_CODE, period)


def swedish_bilingual_share(period):
    """Percentage of the population living in Swedish-speaking or bilingual municipalities."""
    key = areas.load_key()
    return _share_of_population(key["language_code"] != areas.FINNISH_ONLY, period)


def _of_indicator(indicator: str, doc: str):
    """A covariate that is an indicator's value for each area (the period's, or the latest
    year before it with data; see :func:`_values`)."""
    def covariate(period):
        return _values(indicator, "area", period)

    covariate.__doc__ = doc
    covariate.indicator = indicator
    return covariate


#: Covariates that are an indicator of the registry, as data: covariate → (indicator, what it is).
INDICATOR_COVARIATES = {
    "population_change": ("population_change_year_pct", "Change of the population from a year before, per cent."),
    "over_64_share": ("over_64_share", "Share of the population aged over 64, % (2025; 2006–2016 key figures)."),
    "under_15_share": ("under_15_share", "Share of the population aged under 15, % (2025)."),
    "mean_age": ("mean_age", "Mean age of the population, years (2025)."),
    "net_migration": ("net_migration_per_1000", "Net migration per 1,000 inhabitants (2025)."),
    "population_growth": ("population_growth_per_1000", "Total change of the population per 1,000 inhabitants (2025)."),
}


def major_region(period):
    """The major region (suuralue) of the area's most populous municipality (categorical)."""
    key = areas.load_key()
    population = _population_weights(period)
    frame = key[["area_code", "major_region_code"]].assign(population=population.reindex(key.index))
    frame = frame[frame["area_code"].isin(areas.units("area").index)]
    largest = frame.sort_values("population", ascending=False).drop_duplicates("area_code")
    return largest.set_index("area_code")["major_region_code"].sort_index()


#: Every covariate that can be named in a model or peer specification, and how to compute it.
COVARIATES = {
    "log_labour_force": log_labour_force,
    "log_population": log_population,
    "labour_force_share": labour_force_share,
    "tightness": tightness,
    "urban_share": urban_share,
    "swedish_bilingual_share": swedish_bilingual_share,
    **{name: _of_indicator(indicator, doc) for name, (indicator, doc) in INDICATOR_COVARIATES.items()},
    "major_region": major_region,
}
CATEGORICAL = {"major_region"}

#: The source variables each covariate is computed from (those of an indicator covariate are
#: its registry numerator and denominator, see :func:`covariate_components`): what the rule
#: "no covariate shares a component with the outcome it explains" is checked against.
STRUCTURAL_COMPONENTS = {
    "log_labour_force": ("labour_force",),
    "log_population": ("population",),
    "labour_force_share": ("labour_force", "population"),
    "tightness": ("vacancies", "unemployed"),
    "urban_share": ("population",),
    "swedish_bilingual_share": ("population",),
    "major_region": ("population",),
}


def covariate_components(name: str) -> frozenset:
    """The source variables covariate ``name`` is computed from."""
    if name in INDICATOR_COVARIATES:
        indicator = get_indicator(INDICATOR_COVARIATES[name][0])
        return frozenset(indicator.numerator) | frozenset(indicator.denominator)
    if name not in STRUCTURAL_COMPONENTS:
        raise ParameterError(f"unknown covariate {name!r}; choose from: {', '.join(COVARIATES)}")
    return frozenset(STRUCTURAL_COMPONENTS[name])


def covariates(names, period: str) -> pd.DataFrame:
    """The named covariates for the 45 areas (one row per area code).

    Raises
    ------
    ParameterError
        For a name that is not in :data:`COVARIATES`.
    """
    unknown = [n for n in names if n not in COVARIATES]
    if unknown:
        raise ParameterError(f"unknown covariate(s) {', '.join(unknown)}; choose from: {', '.join(COVARIATES)}")
    return _covariates(tuple(names), period).copy()


@functools.lru_cache(maxsize=64)
def _covariates(names: tuple, period: str) -> pd.DataFrame:
    """:func:`covariates`, remembered (a pure function of the shipped data): the validity
    analysis asks for the same years for every indicator."""
    frame = pd.DataFrame({name: COVARIATES[name](period) for name in names})
    frame.index.name = "area_code"
    return frame.reindex(areas.units("area").index)
