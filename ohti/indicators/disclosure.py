"""Disclosure control: no published figure may reveal a small group of persons.

Every frame of values passes one gate, :func:`apply_disclosure`, before it is published
(document tables, data labels of charts, CSV exports). The gate applies the threshold rule of
frequency tables as Statistics Finland does:

Primary suppression
    A value is suppressed when a count of persons it shows or is computed from is at least 1
    and below the threshold (the registry's ``suppression_threshold``, 5 by default; 3 is
    also in use, so it is a setting, never a constant). A zero reveals no person and is
    published, as StatFin publishes it.

Secondary suppression
    Where, within a parent unit, exactly one member is suppressed and the parent's total is
    published, that member could be derived as the total minus the other members. The next
    smallest published member is then suppressed too (the smallest positive one, else the
    smallest; ties by code); where no member is left, the parent total is suppressed instead.
    The rule is applied over every hierarchy of the 2025 division (municipalities within their
    employment area, ELY area, region and elinvoimakeskus area; those units within the whole
    country) until no group has a lone suppressed member. Members the source itself did not
    publish do not protect a suppressed cell: ohti's totals are sums of the published members,
    so they are not part of the total.

A suppressed row keeps its row: ``value``, ``numerator``, ``denominator`` and the confidence
limits become missing, ``significance`` becomes "not compared", the ``note`` says why
("suppressed: fewer than 5 persons" or "suppressed: could reveal a suppressed cell
(secondary)") and the column ``disclosure`` marks it ("primary" or "secondary"; "" where
published). Suppression is recorded, never silent.

Which values count persons is read from the registry and the source variables, not listed
here: see :func:`person_columns`. Derived indicators (a change in a year, a 12-month moving
average, an annual average, a ratio of two indicators) and annual values of monthly
indicators also inherit the suppression of every value they are computed from, because
combined with published neighbours they would reveal it.

How to wire it
--------------
Apply the gate to each values frame right after :func:`ohti.indicators.compute.compute_values` or
:func:`ohti.indicators.comparison.compare_values` and before anything is derived from it (ranks,
changes, trends, funnel points, chart series), so that a suppressed value is missing
everywhere downstream::

    values = apply_disclosure(compare_values("unemployed", "municipality", periods=[period]))

``ohti values`` applies it to its CSV (``--no-disclosure`` turns it off for internal work) and
``ohti audit outputs/<period>`` checks the published files afterwards (:mod:`ohti.publish.audit`).

What the documents publish passes it a level at a time, through
:func:`ohti.indicators.comparison.compare_values` of every unit of the level (which a build's kernels
share, :mod:`ohti.build.kernels`), before anything is drawn or written: the indicator tables, ranks,
spreads, changes and trends (:func:`ohti.documents.content.area_indicator_tables`,
:func:`ohti.documents.content.league_table`), the whole country's values, the monthly series of the charts
(:func:`ohti.documents.content.area_series`; a chart whose every month is suppressed says so in words,
:func:`ohti.documents.sections.series_html`), the funnel plots (a suppressed area is neither drawn nor
used for the limits), the peers' combined values (missing where one peer's is suppressed),
the municipality breakdown and the data packages. Expected values are fitted on every area
and their table passes the gate afterwards, observed and expected events both counted as
persons (:func:`ohti.analysis.expected.disclose_expected`). :func:`is_suppressed` tells a suppressed
value from missing data by the note the gate writes.

References
----------
Hundepool A, Domingo-Ferrer J, Franconi L, Giessing S, Schulte Nordholt E, Spicer K,
de Wolf P-P. Statistical Disclosure Control. Wiley 2012, chapter 5 (frequency tables:
threshold rule, primary and secondary cell suppression).

Statistics Finland. Tietosuoja tilastotuotannossa / Data protection in statistics:
output checking with primary and secondary suppression against a threshold value.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ohti.errors import ParameterError, PeriodError
from ohti.indicators.compute import axis, compute_values, indicator_frequency, shift_period
from ohti.indicators.registry import get_indicator
from ohti.sources import areas, files
from ohti.sources.variables import PERSON_VARIABLES

#: Registry units (Finnish) of values that count persons.
PERSON_UNITS = frozenset({"henkilöä"})
#: Statistics whose value is a count of persons when the unit says so (a mean of counts too).
COUNT_STATISTICS = frozenset({"count", "mean"})
#: The threshold where a frame's indicator is not in the registry (Statistics Finland's usual).
DEFAULT_THRESHOLD = 5

STATUS_COLUMN = "disclosure"
PRIMARY, SECONDARY = "primary", "secondary"
#: How every note of a suppressed value begins (see :func:`is_suppressed`).
SUPPRESSED_PREFIX = "suppressed:"
NOTE_PRIMARY = SUPPRESSED_PREFIX + " fewer than {threshold} persons"
NOTE_SECONDARY = SUPPRESSED_PREFIX + " could reveal a suppressed cell (secondary)"
#: Columns a suppressed row loses (those present in the frame).
CLEARED_COLUMNS = ("value", "numerator", "denominator", "lower", "upper")
REQUIRED_COLUMNS = ("level", "area_code", "period", "value", "numerator", "denominator")
#: (member level, parent level): the hierarchies a suppressed cell could be derived in.
HIERARCHY = (("municipality", "area"), ("municipality", "ely"), ("municipality", "maakunta"),
             ("municipality", "evk"), ("area", "national"), ("ely", "national"),
             ("maakunta", "national"), ("evk", "national"))

_RANK = {"": 0, SECONDARY: 1, PRIMARY: 2}


# --- what counts persons ----------------------------------------------------------------------

def _counts_persons(names) -> bool:
    return bool(names) and all(v in PERSON_VARIABLES for v in names)


@functools.lru_cache(maxsize=256)
def person_columns(indicator_id: str) -> tuple:
    """The columns of an indicator's values that hold counts of persons.

    - ``value``: when the registry's unit is persons ("henkilöä") and the statistic a count
      or a mean (an annual average of counts);
    - ``numerator`` / ``denominator``: when every source variable they sum counts persons
      (:data:`ohti.sources.variables.PERSON_VARIABLES`), e.g. the unemployed of the unemployment rate.

    Derived indicators: an annual or moving average keeps its base's columns; a change in a
    year has the base's values now and a year before as numerator and denominator; a ratio
    of two indicators has their values.

    Examples
    --------
    >>> person_columns("unemployment_rate")
    ('numerator', 'denominator')
    >>> person_columns("vacancies")
    ()
    """
    indicator = get_indicator(indicator_id)
    if not indicator.computable:
        return ()
    value_is_persons = indicator.unit["fi"] in PERSON_UNITS and indicator.statistic in COUNT_STATISTICS
    if indicator.derive:
        op, inputs = indicator.derive["op"], indicator.derive_inputs
        if op in ("annual_average", "moving_average_12"):
            base = person_columns(inputs[0])
            return tuple(c for c in ("value", "numerator", "denominator")
                         if c in base and (c != "value" or value_is_persons or op == "annual_average"))
        if op == "change_year":
            return ("numerator", "denominator") if "value" in person_columns(inputs[0]) else ()
        if op == "ratio":
            return tuple(c for c, i in zip(("numerator", "denominator"), inputs) if "value" in person_columns(i))
        return ()
    columns = []
    if value_is_persons:
        columns.append("value")
    if _counts_persons(indicator.numerator):
        columns.append("numerator")
    if _counts_persons(indicator.denominator):
        columns.append("denominator")
    return tuple(columns)


def threshold_for(indicator_id: str | None = None) -> int:
    """The registry's ``suppression_threshold`` of an indicator (5 where it is not known)."""
    if indicator_id is None:
        return DEFAULT_THRESHOLD
    return int(get_indicator(indicator_id).suppression_threshold)


@functools.lru_cache(maxsize=1)
def parent_links() -> pd.DataFrame:
    """Every member → parent link of the 2025 division (see :data:`HIERARCHY`).

    Returns
    -------
    DataFrame
        ``level, area_code, parent_level, parent_code``. Åland's municipalities have no
        employment area (46 is not published at that level). Shared: treat as read-only.
    """
    key = areas.load_key()
    rows = []
    for member, parent in HIERARCHY:
        if member == "municipality":
            codes = key[f"{parent}_code"]
            if parent == "area":
                codes = codes[~codes.isin(areas.AREAS_OUTSIDE_REFORM)]
            rows.append(pd.DataFrame({"level": member, "area_code": codes.index, "parent_level": parent,
                                      "parent_code": codes.to_numpy()}))
        else:
            units = areas.units(member).index
            rows.append(pd.DataFrame({"level": member, "area_code": units, "parent_level": parent,
                                      "parent_code": areas.NATIONAL["code"]}))
    return pd.concat(rows, ignore_index=True).astype(str)


# --- the rule, on one frame -------------------------------------------------------------------

def _check_frame(frame: pd.DataFrame, need_indicator: bool):
    missing = [c for c in REQUIRED_COLUMNS + (("indicator",) if need_indicator else ()) if c not in frame.columns]
    if missing:
        raise ParameterError(f"disclosure control needs the column(s) {', '.join(missing)} "
                             f"(a frame of ohti.indicators.compute.compute_values); the frame has {', '.join(map(str, frame.columns))}")


def _columns_by_row(frame: pd.DataFrame, count_columns) -> list[tuple]:
    """The person-count columns of each row."""
    if count_columns is None:
        by_indicator = {i: person_columns(i) for i in frame["indicator"].unique()}
        return [by_indicator[i] for i in frame["indicator"].to_numpy(dtype=object)]
    if isinstance(count_columns, dict):
        return [tuple(count_columns.get(i, ())) for i in frame["indicator"].to_numpy(dtype=object)]
    return [tuple(count_columns)] * len(frame)


def suppress_counts(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, *, count_columns=None,
                    links: pd.DataFrame | None = None) -> pd.DataFrame:
    """Primary and secondary suppression of small counts of persons in a long frame.

    A pure function: the frame is not changed; a new one is returned.

    Parameters
    ----------
    frame : DataFrame
        Long values: ``level, area_code, period, value, numerator, denominator`` and
        ``indicator`` (unless ``count_columns`` is a tuple), optionally ``lower, upper,
        significance, note``, and ``disclosure`` for rows already suppressed ("primary" or
        "secondary": kept, e.g. inherited from the values a derived row is computed from).
    threshold : int
        Counts of persons from 1 to ``threshold - 1`` are suppressed.
    count_columns : tuple, dict or None
        The columns holding counts of persons: one tuple for every row, a dict by indicator,
        or None to read them from the registry (:func:`person_columns`).
    links : DataFrame, optional
        Member → parent links ``level, area_code, parent_level, parent_code``; the 2025
        division's (:func:`parent_links`) by default. A parent total absent from the frame
        counts as published (it may be published elsewhere); one present in the frame is
        published unless it is suppressed or missing.

    Returns
    -------
    DataFrame
        The frame with suppressed rows' values missing, their ``note`` prefixed with the
        reason, ``significance`` "not compared", and ``disclosure`` "primary", "secondary"
        or "".

    Raises
    ------
    ParameterError
        If a required column is missing or the threshold is not a whole number ≥ 1.

    Examples
    --------
    >>> frame = pd.DataFrame({"level": "municipality", "area_code": ["a", "b", "c"], "period": "2023",
    ...                       "value": [3.0, 40.0, 12.0], "numerator": [3.0, 40.0, 12.0], "denominator": np.nan})
    >>> links = pd.DataFrame({"level": "municipality", "area_code": ["a", "b", "c"],
    ...                       "parent_level": "area", "parent_code": "X"})
    >>> suppress_counts(frame, 5, count_columns=("numerator",), links=links)["disclosure"].tolist()
    ['primary', '', 'secondary']
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ParameterError(f"disclosure threshold {threshold!r} is not a whole number ≥ 1 (3 and 5 are in use)")
    _check_frame(frame, need_indicator=not isinstance(count_columns, (tuple, list)))
    out = frame.copy()
    if out.empty:
        out[STATUS_COLUMN] = pd.Series(dtype=str)
        return out
    status = (out[STATUS_COLUMN].fillna("").astype(str).to_numpy(dtype=object) if STATUS_COLUMN in out
              else np.full(len(out), "", dtype=object))
    columns = _columns_by_row(out, count_columns)
    counts = {c: out[c].to_numpy(dtype=float) for c in ("value", "numerator", "denominator")}
    small = np.zeros(len(out), dtype=bool)
    key = np.full(len(out), np.nan)
    kinds = pd.Series(columns, dtype=object)
    for own in dict.fromkeys(columns):
        rows = np.flatnonzero((kinds == own).to_numpy()) if len(set(columns)) > 1 else np.arange(len(out))
        for column in own:
            x = counts[column][rows]
            small[rows] |= (x > 0) & (x < threshold)
        for column in ("value", "denominator", "numerator"):  # the first present wins: numerator first
            if column in own:
                x = counts[column][rows]
                key[rows] = np.where(np.isnan(x), key[rows], x)
    status = np.where(small & (status == ""), PRIMARY, status).astype(object)
    status = _secondary(out, status, key, parent_links() if links is None else links)
    return _mark(out, status, threshold)


def _secondary(frame: pd.DataFrame, status: np.ndarray, key: np.ndarray, links: pd.DataFrame) -> np.ndarray:
    """Suppress the next smallest member wherever a group has exactly one suppressed member."""
    group, row, parent_row, group_slice, code_rank = _groups(frame, links)
    if not len(group):
        return status
    for _ in range(len(frame) + 1):
        suppressed = status[row] != ""
        lone = np.bincount(group, weights=suppressed.astype(float), minlength=len(parent_row)) == 1
        has_parent = parent_row >= 0
        parent_published = ~has_parent | (
            (status[np.where(has_parent, parent_row, 0)] == "") & ~np.isnan(key[np.where(has_parent, parent_row, 0)]))
        need = lone & parent_published
        if not need.any():
            break
        needing = np.flatnonzero(need)
        _, first = np.unique(group_slice[needing], return_index=True)  # the first group of each slice
        need = np.zeros_like(need)
        need[needing[first]] = True
        candidate = np.flatnonzero(need[group] & ~suppressed & ~np.isnan(key[row]))
        values = key[row[candidate]]
        ranked = candidate[np.lexsort((code_rank[candidate], values, values <= 0, group[candidate]))]
        chosen_groups, first_of_group = np.unique(group[ranked], return_index=True)
        new = set(row[ranked[first_of_group]].tolist())
        orphan = [g for g in np.flatnonzero(need & has_parent) if g not in set(chosen_groups.tolist())]
        new |= {int(parent_row[g]) for g in orphan}
        new = [r for r in new if status[r] == ""]
        if not new:
            break
        status[new] = SECONDARY
    return status


def _strings(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as an array of Python strings ('' for every row when the frame has no such column)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return np.asarray([str(value) for value in frame[column].to_numpy(dtype=object)], dtype=object)


def _coded(*arrays) -> list[np.ndarray]:
    """Integer codes of string arrays in one code space, in the strings' sort order."""
    codes = pd.factorize(np.concatenate(arrays), sort=True)[0]
    return np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])


def _tuples(*codes) -> np.ndarray:
    """One integer per tuple of codes, numbered in the order the tuples first appear."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for column in codes:
        key = pd.factorize(key * (int(column.max(initial=0)) + 1) + column)[0].astype(np.int64)
    return key


def _groups(frame: pd.DataFrame, links: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The groups of :func:`_secondary`: the members of one parent in one hierarchy, for one
    indicator and period.

    Returns the arrays ``group, row, parent_row, group_slice, code_rank``: per membership (a
    row of the frame in one of its parents' groups) its group and frame row, and its member
    code's rank in code order; per group, the frame row of the parent's value (-1 when the
    frame has none) and its slice (indicator, period). The memberships are ordered by
    hierarchy (the order of the links' member and parent levels), parent code, member code,
    then frame row and link: the groups of a lower hierarchy come first, so that one
    secondary suppression can protect a cell in every group it shares with it; groups and
    slices are numbered in that order.
    """
    indicator, period = (_coded(_strings(frame, c))[0] for c in ("indicator", "period"))
    level, link_level, parent_level = _coded(_strings(frame, "level"), *(_strings(links, c) for c in
                                                                        ("level", "parent_level")))
    code, link_code, parent_code = _coded(_strings(frame, "area_code"), *(_strings(links, c) for c in
                                                                         ("area_code", "parent_code")))
    # memberships: each row with each of its links (rows in order, a row's links in order)
    unit, link_unit = np.split(_tuples(np.concatenate([level, link_level]), np.concatenate([code, link_code])),
                               [len(level)])
    by_unit = np.argsort(link_unit, kind="stable")
    start = np.searchsorted(link_unit[by_unit], unit, side="left")
    stop = np.searchsorted(link_unit[by_unit], unit, side="right")
    row = np.repeat(np.arange(len(frame)), stop - start)
    if not len(row):
        empty = np.zeros(0, dtype=int)
        return empty, empty, empty, empty, empty
    offset = np.arange(len(row)) - np.repeat(np.cumsum(stop - start) - (stop - start), stop - start)
    link = by_unit[np.repeat(start, stop - start) + offset]
    hierarchy = _tuples(link_level, parent_level)[link]
    order = np.lexsort((link, row, code[row], parent_code[link], hierarchy))
    row, link = row[order], link[order]
    group = _tuples(indicator[row], period[row], parent_level[link], parent_code[link], level[row])
    first = np.unique(group, return_index=True)[1]
    head_row, head_link = row[first], link[first]
    # the parent's value: the frame's first row with the parent's indicator, period, level and code
    cell = _tuples(np.concatenate([indicator, indicator[head_row]]), np.concatenate([period, period[head_row]]),
                   np.concatenate([level, parent_level[head_link]]), np.concatenate([code, parent_code[head_link]]))
    own, wanted = cell[:len(frame)], cell[len(frame):]
    first_row = np.full(int(cell.max()) + 1, -1)
    cells, first_of_cell = np.unique(own, return_index=True)
    first_row[cells] = first_of_cell
    parent_row = first_row[wanted]
    group_slice = _tuples(indicator[head_row], period[head_row])
    return group.astype(int), row.astype(int), parent_row.astype(int), group_slice.astype(int), code[row].astype(int)


def _mark(frame: pd.DataFrame, status: np.ndarray, threshold) -> pd.DataFrame:
    """Clear suppressed rows' values and say why in the note (frame is modified: a copy)."""
    hidden = status != ""
    frame[STATUS_COLUMN] = status.astype(str)
    if not hidden.any():
        return frame
    for column in CLEARED_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype(float).where(~hidden)
    if "significance" in frame:
        frame["significance"] = frame["significance"].where(~hidden, "not compared")
    reason = np.where(status == PRIMARY, NOTE_PRIMARY.format(threshold=int(threshold)), NOTE_SECONDARY)
    old = frame["note"].fillna("").astype(str).to_numpy() if "note" in frame else np.full(len(frame), "")
    already = np.char.startswith(old.astype(str), SUPPRESSED_PREFIX)
    joined = np.where(old == "", reason, np.char.add(np.char.add(reason.astype(str), "; "), old.astype(str)))
    frame["note"] = np.where(hidden & ~already, joined, old)
    return frame


# --- the gate ---------------------------------------------------------------------------------

def is_suppressed(notes) -> np.ndarray:
    """Which values the gate suppressed, read from their notes.

    The gate records every suppression in the value's note (see the module docstring), so a
    frame that has passed it (e.g. :func:`ohti.indicators.comparison.compare_values`, which drops the
    ``disclosure`` column) still tells a suppressed value from one the data lack: a chart then
    says that its figures are suppressed instead of drawing nothing.

    Parameters
    ----------
    notes : array_like of str
        Notes of values that passed :func:`apply_disclosure`; missing notes are allowed.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> is_suppressed(["suppressed: fewer than 5 persons", "", None, "incomplete sum"]).tolist()
    [True, False, False, False]
    """
    text = pd.Series(np.asarray(notes, dtype=object).ravel(), dtype=object).fillna("").astype(str)
    return text.str.startswith(SUPPRESSED_PREFIX).to_numpy(dtype=bool)


def apply_disclosure(frame: pd.DataFrame, *, threshold: int | None = None) -> pd.DataFrame:
    """The one gate every published frame of values passes: suppress small counts of persons.

    Suppression is decided on the whole division, not on the rows given, so that a table of
    one area's municipalities and a table of all municipalities suppress the same cells (else
    two publications together would reveal what each hides): for each indicator and period of
    the frame, every unit of every level is computed and suppressed
    (:func:`suppress_counts`), with what derived values inherit from their inputs; then the
    frame's own rows are checked as well.

    Parameters
    ----------
    frame : DataFrame
        Values as :func:`ohti.indicators.compute.compute_values` or
        :func:`ohti.indicators.comparison.compare_values` return them (other columns are kept).
    threshold : int, optional
        Counts of persons below it are suppressed; each indicator's registry
        ``suppression_threshold`` by default.

    Returns
    -------
    DataFrame
        A new frame (see :func:`suppress_counts`), with the column ``disclosure``.
    """
    _check_frame(frame, need_indicator=True)
    pieces, positions = [], []
    for indicator_id, where in frame.groupby("indicator", sort=False, dropna=False).indices.items():
        rows = frame.iloc[where]
        positions.append(where)
        limit = threshold_for(indicator_id) if threshold is None else threshold
        own = person_columns(indicator_id)
        periods = tuple(sorted(rows["period"].astype(str).unique()))
        context = _context_status(indicator_id, periods, limit)
        index = pd.MultiIndex.from_arrays([rows["level"].astype(str), rows["area_code"].astype(str),
                                           rows["period"].astype(str)])
        inherited = context.reindex(index).fillna("").to_numpy(dtype=object)
        if STATUS_COLUMN in rows:
            earlier = rows[STATUS_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
            inherited = np.where([_RANK[a] >= _RANK[b] for a, b in zip(earlier, inherited)], earlier, inherited)
        seeded = rows.assign(**{STATUS_COLUMN: inherited})
        pieces.append(suppress_counts(seeded, limit, count_columns={indicator_id: own}))
    if not pieces:
        out = frame.copy()
        out[STATUS_COLUMN] = pd.Series(dtype=str)
        return out
    out = pd.concat(pieces).iloc[np.argsort(np.concatenate(positions), kind="stable")]
    out.index = frame.index
    return out


def _frequency(period: str) -> str:
    return "year" if files.YEAR_PATTERN.match(period) else "month"


def _inputs(indicator_id: str, period: str) -> list[tuple[str, str]]:
    """The (indicator, period) values a published value is computed from, besides its own."""
    indicator = get_indicator(indicator_id)
    frequency = _frequency(period)
    if indicator.derive:
        op, inputs = indicator.derive["op"], indicator.derive_inputs
        if op == "change_year":
            return [(inputs[0], period), (inputs[0], shift_period(period, -1 if frequency == "year" else -12))]
        if op == "ratio":
            return [(i, period) for i in inputs]
        if op == "annual_average":
            return [(inputs[0], period)]
        if op == "moving_average_12":
            return [(inputs[0], shift_period(period, -k)) for k in range(12)]
        return []
    if frequency == "year" and indicator_frequency(indicator_id) == "month":
        return [(indicator_id, f"{period}-{month:02d}") for month in range(1, 13)]
    return []


@functools.lru_cache(maxsize=512)
def _context_status(indicator_id: str, periods: tuple, threshold: int) -> pd.Series:
    """Suppression of one indicator over every unit of every level for some periods.

    Returns
    -------
    Series
        Indexed by (level, area_code, period): "primary", "secondary" or "".
    """
    frames = []
    for level in areas.ALL_LEVELS:
        try:
            frames.append(compute_values(indicator_id, level, periods=list(periods)))
        except (PeriodError, ParameterError):
            continue  # no value at this level for these periods
    if not frames:
        return pd.Series(dtype=object)
    context = pd.concat(frames, ignore_index=True)
    inherited = pd.Series("", index=context.index, dtype=object)
    pairs = [(p, source, q) for p in periods for source, q in _inputs(indicator_id, p)]
    for source in dict.fromkeys(s for _, s, _ in pairs):
        wanted = [(p, q) for p, s, q in pairs if s == source and q in set(axis(_frequency(q)))]
        if not wanted:
            continue
        upstream = _context_status(source, tuple(sorted({q for _, q in wanted})), threshold)
        if upstream.empty:
            continue
        table = upstream.rename("status").reset_index()
        table.columns = ["level", "area_code", "q", "status"]
        table = table.merge(pd.DataFrame(wanted, columns=["period", "q"]), on="q")
        table["rank"] = table["status"].map(_RANK)
        worst = table.sort_values("rank").drop_duplicates(["level", "area_code", "period"], keep="last")
        worst = worst.set_index(["level", "area_code", "period"])["status"]
        index = pd.MultiIndex.from_frame(context[["level", "area_code", "period"]].astype(str))
        found = worst.reindex(index).fillna("").to_numpy(dtype=object)
        inherited = pd.Series(np.where([_RANK[a] >= _RANK[b] for a, b in zip(inherited, found)], inherited, found),
                              index=context.index, dtype=object)
    context[STATUS_COLUMN] = inherited.to_numpy()
    result = suppress_counts(context, threshold, count_columns={indicator_id: person_columns(indicator_id)})
    return result.set_index(["level", "area_code", "period"])[STATUS_COLUMN]
