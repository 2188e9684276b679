"""Ranks with confidence sets: an area's place among the others, and how sure that place is.

A rank computed from estimates is itself an estimate. Each rank here comes with a marginal
confidence set: the ranks the area's *true* value could take among the true values of the others,
at the chosen confidence, by the method of Mogstad, Romano, Shaikh & Wilhelm (2024), as their
R package ``csranks`` computes it (``csranks(x, Sigma, simul = FALSE)``):

1. For an area ``j``, the hypotheses are every one-sided comparison with another area ``k``
   ("j is not above k", "k is not above j"), 2(p − 1) of them.
2. The critical value is the ``confidence`` quantile of the largest standardised difference
   ``(Z_j − Z_k) / σ_jk`` over those hypotheses, where ``Z ~ N(0, diag(variances))`` is drawn
   ``draws`` times (a parametric bootstrap) and ``σ_jk² = v_j + v_k``.
3. A hypothesis is rejected when the observed difference exceeds the critical value times
   ``σ_jk``; the rejected ones are dropped and the critical value recomputed from the rest
   (the step-down of Romano & Wolf 2005), until nothing more is rejected. The same draws
   serve every step (csranks draws afresh).
4. The set runs from 1 + (the number of areas found above ``j``) to p − (the number found
   below it).

Each set covers its area's true rank with probability at least ``confidence`` (in large
samples). The sets are marginal: each is about one area, and they do not cover all areas'
ranks at once (``csranks``' simultaneous sets do, and are wider). The league-table intervals
of Goldstein & Spiegelhalter (1996) and Marshall & Spiegelhalter (1998) — percentiles of each
area's rank over simulated tables drawn around the observed values — have no such guarantee:
they are centred on the observed ranking, and where areas are close they are too narrow, since
the bootstrap distribution of a rank is not consistent at ties (Hall & Miller 2009). Here an
area's set excludes a place only as far as its value differs significantly from the values of
the areas that would have to move past it.

The estimates are taken on a scale on which they are close to normal; ranks do not change under
a monotone transformation. A proportion ``x / n`` is ranked on the logit scale,
``log((x + ½) / (n − x + ½))`` with variance ``1 / (x + ½) + 1 / (n − x + ½)`` (the empirical
logit of Gart & Zweifel 1967, defined at 0 and n); a rate on the log scale,
``log((x + ½) / n)`` with variance ``1 / (x + ½)`` (Poisson). The point rank is that of the
value ``x / n``; ties share the best rank, as in :func:`ohti.documents.content.rank_areas`.

**Between-area variance τ².** The sets above describe chance (binomial or Poisson) variation
only, as do the confidence limits of ``ohti values``: the true values being ranked are the
areas' actual rates. Adding ``tau2`` to every area's variance (on the logit or log scale)
ranks instead each area's underlying level, of which the observed rate is one draw with
extra variance ``tau2`` (e.g. a month's transient shocks). With the DerSimonian–Laird
estimate from the ranked areas themselves (``tau2="dersimonian-laird"``: the overdispersion
the funnel plots allow for, here on the logit or log scale and not winsorised), all of the
spread between areas beyond chance is treated as such noise, so the sets widen to nearly every rank:
the question a funnel asks ("is this area unusual given how much areas vary?"), not where it
stands. Give ``tau2`` only with an estimate of within-area variation beyond chance.

Counts are not ranked (the size of an area says nothing about how it does), nor are values
that are missing (suppressed, or not published) or incomplete sums (a sum with members
missing understates the whole); those rows do not take part in the ranking of the others.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
import pandas as pd

from ohti.analysis.expected import between_area_variance
from ohti.errors import ParameterError
from ohti.indicators.registry import POLARITIES, get_indicator
from ohti.stats.intervals import DEFAULT_MULTIPLIERS, _report_negative

__all__ = [
    "RANK_COLUMNS",
    "calculate_rank_intervals",
    "is_incomplete",
    "marginal_rank_sets",
    "rank_values",
]

RANK_COLUMNS = ("rank", "rank_lower", "rank_upper")
"""The columns :func:`rank_values` appends to ``ohti values``."""
OUTPUT_COLUMNS = ("numerator", "denominator", "value", *RANK_COLUMNS, "confidence", "statistic",
                  "method", "note")
"""Columns :func:`calculate_rank_intervals` appends, in this order."""

STATISTICS = ("proportion", "rate", "count")
SCALES = {"proportion": "logit", "rate": "log"}
DEFAULT_DRAWS = 1000
"""Bootstrap draws for the critical values, as csranks draws by default."""
MIN_DRAWS = 100
CHUNK_ELEMENTS = 4_000_000
"""Units are taken in chunks of at most this many draws × units (16 MB in single precision)."""
DEFAULT_SEED = 2024
"""Fixed, so that a build is reproducible byte for byte."""
HALF = 0.5
"""Added to the counts of the logit and the log, so that both are defined at 0 (and at n)."""
TAU2_ESTIMATE = "dersimonian-laird"
INCOMPLETE_PREFIX = "incomplete"
"""How the note of a sum with members missing begins (``ohti.indicators.compute``): "incomplete: …"."""
NOTE_SEPARATOR = "; "

NOTE_COUNT = "rank NA for a count"
NOTE_INCOMPLETE = "rank NA: incomplete sum"
NOTE_NUMERATOR_MISSING = "rank NA: numerator missing"
NOTE_DENOMINATOR_MISSING = "rank NA: denominator missing"
NOTE_DENOMINATOR_ZERO = "rank NA: denominator is zero"
METHOD = "Mogstad et al. marginal set, {scale} scale"

#: ci_method in the registry → the sampling model ranked (None: point ranks without sets).
MODELS = {"wilson": "proportion", "byar": "rate"}
VALUES_COLUMNS = ("level", "period", "indicator", "value", "numerator", "denominator", "note")
NATIONAL = "national"


# --------------------------------------------------------------------------------------------
# The confidence sets
# --------------------------------------------------------------------------------------------

def marginal_rank_sets(estimates, variances, *, confidence=0.95, draws=DEFAULT_DRAWS,
                       seed=DEFAULT_SEED):
    """Marginal confidence sets for ranks from independent, normal estimates.

    The procedure of Mogstad, Romano, Shaikh & Wilhelm (2024) with the step-down, as in the
    module docstring; rank 1 is the largest estimate, as ``csranks`` ranks.

    Parameters
    ----------
    estimates : array_like
        One estimate per unit, finite.
    variances : array_like
        Their sampling variances, positive and finite; the estimates are independent.
    confidence : float, default 0.95
        Coverage of each set, strictly between 0 and 1.
    draws : int, default 1000
        Draws of the parametric bootstrap (at least 100).
    seed : int, default 2024
        Seed of the draws. NumPy's ``RandomState`` is used, whose stream of numbers is frozen
        across NumPy versions.

    Returns
    -------
    tuple of three int arrays
        ``rank`` (1 + the number of larger estimates: ties share the best rank), ``lower`` and
        ``upper``, the bounds of each unit's set.

    Raises
    ------
    ParameterError
        For estimates or variances that are not finite numbers of one shape, a variance that
        is not positive, or an invalid ``confidence``, ``draws`` or ``seed``.

    References
    ----------
    Mogstad M, Romano JP, Shaikh AM, Wilhelm D. Inference for ranks with applications to
    mobility across neighbourhoods and academic achievement across countries. Rev Econ Stud
    2024; 91: 476-518. doi:10.1093/restud/rdad006.
    Romano JP, Wolf M. Stepwise multiple testing as formalized data snooping. Econometrica 2005;
    73: 1237-1282.

    Examples
    --------
    The first unit lies 2.5 and 4 standard errors (of the difference) above the others, beyond
    the critical value for its two comparisons (2.21); the second and third, 1.5 apart, are not
    told apart:

    >>> rank, lower, upper = marginal_rank_sets([2.5, 0.0, -1.5], [0.5, 0.5, 0.5])
    >>> rank.tolist(), lower.tolist(), upper.tolist()
    ([1, 2, 3], [1, 2, 2], [1, 3, 3])
    """
    where = "marginal_rank_sets"
    level = _confidence(confidence, where)
    draws = _draws(draws, where)
    seed = _seed(seed, where)
    y, v = _estimates(estimates, variances, where)
    p = y.size
    rank = 1 + (y[None, :] > y[:, None]).sum(axis=1)
    lower = np.ones(p, dtype=int)
    upper = np.full(p, p, dtype=int)
    if p < 2:
        return rank, lower, upper
    # single precision: the draws' own error is far larger than its rounding
    z = _standard_normal(seed, draws, p) * np.sqrt(v).astype(np.float32)
    sigma = np.sqrt(v[:, None] + v[None, :])
    gap = (y[:, None] - y[None, :]) / sigma  # gap[j, k] > 0: j above k
    chunk = max(1, CHUNK_ELEMENTS // (draws * p))
    for start in range(0, p, chunk):
        units = np.arange(start, min(start + chunk, p))
        lower[units], upper[units] = _sets(units, gap[units], sigma[units], z, level)
    return rank, lower, upper


def _sets(units, gap, sigma, z, level):
    """The bounds of the sets of ``units``: each unit's step-down over its 2(p − 1) one-sided
    hypotheses (rows of ``gap`` and ``sigma`` are the units', columns every unit's).

    Of the two hypotheses about units ``j`` and ``k`` only the one the observed difference
    points against can ever be rejected (a critical value is positive); the other stays in
    every step's set. So the largest of those is taken once, and a step after the first looks
    only at the hypotheses still open, usually a few neighbours.
    """
    p = gap.shape[1]
    own = units[:, None] == np.arange(p)[None, :]
    sign = np.where(gap >= 0, 1.0, -1.0)
    # j is not compared with itself: a column of 0, below any critical value
    scale = np.where(own, 0.0, sign / sigma).astype(np.float32)
    # each rejectable hypothesis's statistic, draw by draw (the other one's is its negative)
    signed = (z[:, units, None] - z[:, None, :]) * scale[None, :, :]
    staying = -signed.min(axis=2)
    largest = np.maximum(staying, signed.max(axis=2))
    strength = np.abs(gap)
    still_open = ~own
    rejected = np.zeros(gap.shape, dtype=bool)
    active = np.arange(len(units))
    while active.size:
        critical = _quantiles(largest[:, active], level)
        new = still_open[active] & (strength[active] > critical[:, None])
        changed = new.any(axis=1)
        active, new = active[changed], new[changed]
        rejected[active] |= new
        still_open[active] &= ~new
        for i in active:
            columns = np.flatnonzero(still_open[i])
            if columns.size:
                largest[:, i] = np.maximum(staying[:, i], signed[:, i, columns].max(axis=1))
            else:
                largest[:, i] = staying[:, i]
    above = (rejected & (gap > 0)).sum(axis=1)
    below = (rejected & (gap < 0)).sum(axis=1)
    return 1 + below, p - above


def _quantiles(samples, level):
    """The ``level`` quantile of each column, interpolated linearly (numpy's and R's default)."""
    h = (samples.shape[0] - 1) * level
    low = math.floor(h)
    high = min(low + 1, samples.shape[0] - 1)
    ordered = np.partition(samples, [low, high], axis=0)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@functools.lru_cache(maxsize=8)
def _standard_normal(seed, draws, p):
    """The draws of the bootstrap (read-only): every group of p units starts from the seed.

    NumPy's ``RandomState``, whose stream is frozen across NumPy versions; single precision,
    since the draws' own error is far larger than its rounding.
    """
    z = np.random.RandomState(seed).standard_normal((draws, p)).astype(np.float32)
    z.flags.writeable = False
    return z


# --------------------------------------------------------------------------------------------
# Statistics on data frames
# --------------------------------------------------------------------------------------------

def calculate_rank_intervals(df, numerator, denominator, *, by=None, incomplete=None,
                             confidence=0.95, polarity="lower_is_better", statistic="proportion",
                             multiplier=None, tau2=None, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED):
    """Ranks of proportions or rates with marginal confidence sets (Mogstad et al. 2024).

    See the module docstring for the method, the scales and what ``tau2`` means.

    Parameters
    ----------
    df : DataFrame
        One row per unit; not modified.
    numerator : str
        Column of counts (missing values are kept missing, never zero).
    denominator : str or None
        Column of denominators (populations, or person-time for a rate); None for a count.
    by : str or list of str, optional
        Units are ranked within each group of these columns (e.g. each period). Rows are not
        summed: each row is one unit.
    incomplete : str, optional
        Column of booleans, True where the numerator or denominator is a sum with members
        missing (:func:`is_incomplete` reads it from ohti's notes). Those rows are not ranked.
    confidence : float, default 0.95
        Coverage of each set, strictly between 0 and 1.
    polarity : {"lower_is_better", "higher_is_better", "neutral"}
        Rank 1 is the best value: the lowest, the highest, or for neutral the highest.
    statistic : {"proportion", "rate", "count"}
        The sampling model: binomial (ranked on the logit scale), Poisson (on the log scale);
        counts are not ranked.
    multiplier : float, optional
        Scale of ``value`` (1 for a proportion, 100 for a percentage); default 1 for a
        proportion, 100000 for a rate (as :mod:`ohti.stats`). Ranks do not depend on it.
    tau2 : float or "dersimonian-laird", optional
        A between-area variance added to every unit's variance on the logit or log scale;
        "dersimonian-laird" estimates it within each group from the ranked units (DerSimonian
        & Laird 1986). None (the default) or 0: chance variation only.
    draws : int, default 1000
        Draws of the parametric bootstrap.
    seed : int, default 2024
        Seed of the draws; every group starts from it, so a group's ranks do not depend on the
        other groups in the frame.

    Returns
    -------
    DataFrame
        A new frame with the input's index: its other columns, then ``numerator, denominator,
        value, rank, rank_lower, rank_upper, confidence, statistic, method, note``. The ranks
        are nullable integers. ``confidence`` reads "95%"; ``statistic`` states how many units
        were ranked in the row's group and the order, e.g. "rank among 45 (1 = lowest)";
        ``method`` e.g. "Mogstad et al. marginal set, logit scale" (None where not ranked);
        ``note`` is empty, or says why there is no rank ("rank NA for a count", "rank NA:
        incomplete sum", "rank NA: numerator missing", ...).

    Raises
    ------
    ParameterError
        For a missing column, a non-numeric or negative count, a proportion's numerator larger
        than its denominator, an ``incomplete`` column that is not boolean, a result column
        that would overwrite one of the input's, or an invalid ``confidence``, ``polarity``,
        ``statistic``, ``multiplier``, ``tau2``, ``draws`` or ``seed``. All problems are
        reported at once.

    References
    ----------
    Mogstad M, Romano JP, Shaikh AM, Wilhelm D. Inference for ranks with applications to
    mobility across neighbourhoods and academic achievement across countries. Rev Econ Stud
    2024; 91: 476-518. doi:10.1093/restud/rdad006.
    Gart JJ, Zweifel JR. On the bias of various estimators of the logit and its variance with
    application to quantal bioassay. Biometrika 1967; 54: 181-187.
    DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986; 7:
    177-188.
    Goldstein H, Spiegelhalter DJ. League tables and their limitations: statistical issues in
    comparisons of institutional performance. J R Stat Soc A 1996; 159: 385-443.
    Marshall EC, Spiegelhalter DJ. Reliability of league tables of in vitro fertilisation
    clinics: retrospective analysis of live birth rates. BMJ 1998; 316: 1701-1704.
    Hall P, Miller H. Using the bootstrap to quantify the authority of an empirical ranking.
    Ann Stat 2009; 37: 3929-3959.

    Examples
    --------
    >>> frame = pd.DataFrame({"area": ["A", "B", "C"], "x": [100, 130, 200], "n": [1000] * 3})
    >>> result = calculate_rank_intervals(frame, "x", "n", multiplier=100)
    >>> result[["area", "value", "rank", "rank_lower", "rank_upper"]].to_dict("list")
    {'area': ['A', 'B', 'C'], 'value': [10.0, 13.0, 20.0], 'rank': [1, 2, 3], \
'rank_lower': [1, 1, 3], 'rank_upper': [2, 2, 3]}
    >>> result["statistic"].iloc[0]
    'rank among 3 (1 = lowest)'
    """
    where = "calculate_rank_intervals"
    problems = []
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"{where}: df must be a pandas DataFrame, not {type(df).__name__}")
    level = _confidence(confidence, where)
    draws = _draws(draws, where)
    seed = _seed(seed, where)
    if polarity not in POLARITIES:
        problems.append(f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
    if statistic not in STATISTICS:
        problems.append(f"statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}")
    elif statistic != "count" and denominator is None:
        problems.append(f"a {statistic} needs a denominator column")
    scale = multiplier
    if multiplier is None:
        scale = DEFAULT_MULTIPLIERS.get(statistic, 1)
    elif not _is_real(multiplier) or not math.isfinite(multiplier) or multiplier <= 0:
        problems.append(f"multiplier must be a positive number, not {multiplier!r}")
    if not (tau2 is None or tau2 == TAU2_ESTIMATE
            or (_is_real(tau2) and math.isfinite(tau2) and tau2 >= 0)):
        problems.append(f"tau2 must be None, a number zero or more, or {TAU2_ESTIMATE!r}, "
                        f"not {tau2!r}")
    by_columns = _by_columns(by, problems)
    count_columns = [c for c in (numerator, denominator) if c is not None]
    named = [*count_columns, *([incomplete] if incomplete is not None else []), *by_columns]
    for name in named:
        if not isinstance(name, str):
            problems.append(f"column names must be strings, not {name!r}")
    absent = [c for c in named if isinstance(c, str) and c not in df.columns]
    if absent:
        problems.append(f"column(s) {', '.join(repr(c) for c in absent)} not in the data; the "
                        f"columns are: {', '.join(map(str, df.columns))}")
    if problems:
        raise ParameterError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems))

    consumed = [*count_columns, *([incomplete] if incomplete is not None else [])]
    keys = df.drop(columns=consumed)
    taken = [c for c in keys.columns if c in OUTPUT_COLUMNS]
    if taken:
        problems.append(f"column(s) {', '.join(repr(c) for c in taken)} would be overwritten by "
                        "the result; rename them, or drop them before the call")
    x = _counts(df, numerator, problems)
    n = _counts(df, denominator, problems) if denominator is not None else np.full(len(df), np.nan)
    if statistic == "proportion" and denominator is not None:
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(x > n)
        for i in bad[:SHOWN_ROWS]:
            problems.append(f"column {numerator!r}, row {df.index[i]!r}: numerator {x[i]:g} > "
                            f"denominator {n[i]:g}; a proportion's numerator must not exceed its "
                            "denominator")
        if len(bad) > SHOWN_ROWS:
            problems.append(f"(and {len(bad) - SHOWN_ROWS} more rows with numerator > denominator)")
    partial = _flags(df, incomplete, problems)
    if problems:
        raise ParameterError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems))

    note = _rank_notes(x, n, partial, statistic, has_denominator=denominator is not None)
    ranked = note == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x.copy() if statistic == "count" else np.where(n > 0, x / n * scale, np.nan)
    rank = np.full(len(df), -1, dtype=np.int64)
    lower, upper = rank.copy(), rank.copy()
    statistic_text = np.full(len(df), "count (not ranked)", dtype=object)
    method = np.full(len(df), None, dtype=object)
    order = "1 = lowest" if polarity == "lower_is_better" else "1 = highest"
    for members in _groups(df, by_columns):
        chosen = members[ranked[members]]
        if statistic != "count":
            statistic_text[members] = f"rank among {chosen.size} ({order})"
        if chosen.size == 0:
            continue
        y, v = _scaled(x[chosen], n[chosen], statistic)
        extra, label = _between(tau2, y, v)
        if polarity == "lower_is_better":
            y, points = -y, -value[chosen]
        else:
            points = value[chosen]
        _, low, high = marginal_rank_sets(y, v + extra, confidence=level, draws=draws, seed=seed)
        position = 1 + (points[None, :] > points[:, None]).sum(axis=1)
        # Tied values may differ on the logit scale (0 of 5 and 0 of 5000): a set is widened to
        # hold its point rank, which keeps its coverage.
        rank[chosen] = position
        lower[chosen] = np.minimum(low, position)
        upper[chosen] = np.maximum(high, position)
        method[chosen] = METHOD.format(scale=SCALES[statistic]) + label
    result = keys.copy()
    result["numerator"] = x
    result["denominator"] = n
    result["value"] = value
    for column, bound in zip(RANK_COLUMNS, (rank, lower, upper)):
        result[column] = pd.arrays.IntegerArray(np.maximum(bound, 0), bound < 0)  # -1: no rank
    result["confidence"] = f"{level * 100:g}%"
    result["statistic"] = statistic_text
    result["method"] = method
    result["note"] = note
    return result


def _rank_notes(x, n, partial, statistic, *, has_denominator):
    """Why a row has no rank ("" where it is ranked); the first reason that applies."""
    note = np.full(x.shape, "", dtype=object)
    if statistic == "count":
        note[:] = NOTE_COUNT
        return note
    if has_denominator:
        note[n == 0] = NOTE_DENOMINATOR_ZERO
        note[np.isnan(n)] = NOTE_DENOMINATOR_MISSING
    note[np.isnan(x)] = NOTE_NUMERATOR_MISSING
    note[partial] = NOTE_INCOMPLETE
    return note


def _scaled(x, n, statistic):
    """Estimates and their variances on the ranking scale (see the module docstring)."""
    if statistic == "proportion":
        return np.log((x + HALF) / (n - x + HALF)), 1 / (x + HALF) + 1 / (n - x + HALF)
    return np.log((x + HALF) / n), 1 / (x + HALF)


def _between(tau2, y, v):
    """The between-area variance to add, and how the method column says so."""
    if tau2 is None or tau2 == 0:
        return 0.0, ""
    if tau2 == TAU2_ESTIMATE:
        if y.size < 2:
            return 0.0, ""
        # ohti.analysis.expected imports statsmodels (over a second): loaded only when asked for.

        estimate = float(between_area_variance(y, v))
        return estimate, f", tau2 {estimate:.3g} (DerSimonian-Laird)"
    return float(tau2), f", tau2 {float(tau2):.3g}"


def _groups(df, by_columns):
    """Row positions of each group (all rows when there is no ``by``)."""
    if not by_columns:
        return [np.arange(len(df))]
    groups = df.groupby(by_columns, sort=False, dropna=False).indices
    return [np.asarray(members) for members in groups.values()]


# --------------------------------------------------------------------------------------------
# ohti values
# --------------------------------------------------------------------------------------------

def is_incomplete(notes) -> np.ndarray:
    """Which values are sums with members missing, read from ohti's notes.

    A note may join several ("suppressed: …; incomplete: …"); any part that begins with
    "incomplete" marks the value.

    Examples
    --------
    >>> is_incomplete(["incomplete: vacancies not published for 2 of 4 municipalities", "",
    ...                None, "carried; incomplete year: 11 of 12 months"]).tolist()
    [True, False, False, True]
    """
    text = pd.Series(np.asarray(notes, dtype=object).ravel(), dtype=object).fillna("").astype(str)
    parts = text.str.split(NOTE_SEPARATOR, regex=False)
    return parts.map(lambda items: any(part.startswith(INCOMPLETE_PREFIX) for part in items)).to_numpy(dtype=bool)


def rank_values(values: pd.DataFrame, *, confidence=0.95, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED):
    """Append ``rank, rank_lower, rank_upper`` to a frame of ohti values.

    Units are ranked within each level, indicator and period among the rows given, so pass
    every unit of the level (after the disclosure gate: a suppressed value has no rank) and
    select afterwards. Each indicator's registry entry decides how: rank 1 is the best by its
    polarity (the largest for a neutral one); a proportion with Wilson limits or a rate with
    Byar's gets a marginal confidence set (:func:`calculate_rank_intervals`); an indicator
    without a confidence interval (``ci_method: none``) gets its point rank and no set, as its
    value has no limits; a count, a missing value, an incomplete sum and the whole country get
    no rank.

    Parameters
    ----------
    values : DataFrame
        As :func:`ohti.indicators.comparison.compare_values` returns it (at least ``level, period,
        indicator, value, numerator, denominator, note``); not modified.
    confidence, draws, seed
        As for :func:`calculate_rank_intervals`.

    Returns
    -------
    DataFrame
        A copy of ``values`` with the nullable integer columns ``rank, rank_lower,
        rank_upper`` after its own.

    Raises
    ------
    ParameterError
        For a missing column, or as :func:`calculate_rank_intervals`.
    """
    absent = [c for c in VALUES_COLUMNS if c not in values.columns]
    if absent:
        raise ParameterError(f"rank_values: column(s) {', '.join(absent)} not in the values; "
                             "give a frame as ohti.indicators.comparison.compare_values returns it")
    result = values.copy()
    ranks = {column: pd.array([pd.NA] * len(values), dtype="Int64") for column in RANK_COLUMNS}
    keys = ["level", "indicator", "period"]
    for indicator_id, members in values.groupby("indicator", sort=False).indices.items():
        indicator = get_indicator(indicator_id)
        rows = values.iloc[members]
        eligible = (rows["level"] != NATIONAL).to_numpy()
        if indicator.statistic == "count" or not eligible.any():
            continue
        at = members[eligible]
        rows = values.iloc[at]
        model = MODELS.get(indicator.ci_method) if indicator.denominator else None
        if model is None:
            found = _point_ranks(rows, keys, indicator.polarity)
            ranks["rank"][at] = found
            continue
        frame = rows[keys].assign(numerator=rows["numerator"].to_numpy(dtype=float),
                                  denominator=rows["denominator"].to_numpy(dtype=float),
                                  incomplete=is_incomplete(rows["note"]))
        found = calculate_rank_intervals(frame, "numerator", "denominator", by=keys,
                                         incomplete="incomplete", confidence=confidence,
                                         polarity=indicator.polarity, statistic=model,
                                         multiplier=indicator.multiplier, draws=draws, seed=seed)
        for column in RANK_COLUMNS:
            ranks[column][at] = found[column].array
    for column in RANK_COLUMNS:
        result[column] = ranks[column]
    return result


def _point_ranks(rows, keys, polarity):
    """Ranks of the values (no sets) within each group; missing values and incomplete sums
    get none and are not counted."""
    value = rows["value"].astype(float).where(~is_incomplete(rows["note"]))
    ascending = polarity == "lower_is_better"
    grouped = value.groupby([rows[k] for k in keys], sort=False, dropna=False)
    return grouped.rank(method="min", ascending=ascending).astype("Int64").to_numpy()


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

SHOWN_ROWS = 5
"""Rows named per kind of problem in an error message (the rest are counted)."""


def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _confidence(confidence, where):
    if not _is_real(confidence) or not 0 < confidence < 1:
        raise ParameterError(f"{where}: confidence must be a number strictly between 0 and 1 "
                             f"(e.g. 0.95), not {confidence!r}")
    return float(confidence)


def _draws(draws, where):
    if not isinstance(draws, numbers.Integral) or isinstance(draws, bool) or draws < MIN_DRAWS:
        raise ParameterError(f"{where}: draws must be a whole number of at least {MIN_DRAWS}, "
                             f"not {draws!r}")
    return int(draws)


def _seed(seed, where):
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ParameterError(f"{where}: seed must be a whole number from 0 to 2**32 - 1, "
                             f"not {seed!r}")
    return int(seed)


def _estimates(estimates, variances, where):
    try:
        y = np.asarray(estimates, dtype=float).ravel()
        v = np.asarray(variances, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{where}: estimates and variances must be numbers: {error}") from error
    if y.shape != v.shape:
        raise ParameterError(f"{where}: {y.size} estimates but {v.size} variances; give one "
                             "variance per estimate")
    problems = []
    if not np.isfinite(y).all():
        problems.append(f"estimate at position {int(np.flatnonzero(~np.isfinite(y))[0])} is not "
                        "finite; leave units without an estimate out")
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(v) & (v > 0))
    if bad.any():
        problems.append(f"variance at position {int(np.flatnonzero(bad)[0])} is "
                        f"{v[bad][0]:g}; variances must be positive and finite")
    if problems:
        raise ParameterError(f"{where}: " + "; ".join(problems))
    return y, v


def _by_columns(by, problems):
    if by is None:
        return []
    columns = [by] if isinstance(by, str) else list(by) if isinstance(by, (list, tuple)) else None
    if not columns or not all(isinstance(c, str) for c in columns):
        problems.append(f"by must be a column name or a list of column names, not {by!r}")
        return []
    return columns


def _counts(df, name, problems):
    """The column as float64 with NaN for missing; non-numbers and negatives go to ``problems``."""
    column = df[name]
    if pd.api.types.is_bool_dtype(column):
        problems.append(f"column {name!r} is boolean; give counts")
        return np.full(len(column), np.nan)
    converted = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    unreadable = np.flatnonzero(np.isnan(converted) & column.notna().to_numpy())
    for i in unreadable[:SHOWN_ROWS]:
        problems.append(f"column {name!r}, row {df.index[i]!r}: {column.iloc[i]!r} is not a "
                        "number; convert suppression markers such as '.' to missing values first")
    if len(unreadable) > SHOWN_ROWS:
        problems.append(f"(and {len(unreadable) - SHOWN_ROWS} more non-numeric values in {name!r})")
    _report_negative(df, name, converted, problems)
    return converted


def _flags(df, name, problems):
    """The ``incomplete`` column as booleans (all False without one)."""
    if name is None:
        return np.zeros(len(df), dtype=bool)
    column = df[name]
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=bool, na_value=False)
    other = column[~column.map(lambda item: isinstance(item, (bool, np.bool_)) or pd.isna(item))]
    if other.empty:
        return column.fillna(False).to_numpy(dtype=bool)
    problems.append(f"column {name!r}, row {other.index[0]!r}: {other.iloc[0]!r} is not a boolean; "
                    "give True for an incomplete sum, False otherwise")
    return np.zeros(len(df), dtype=bool)
