"""Finnish working days: the calendar the deadlines of the customer process are counted in.

A working day (arkipäivä) is a day from Monday to Friday that is not a Finnish public holiday.
The Act on calculating statutory time limits (150/1930) also moves a deadline falling on
Midsummer Eve or Christmas Eve to the next working day; the Finland calendar of the
`holidays` package lists both, so they count as non-working days here too.

Counting: a deadline of N working days from a day D is the N-th working day after D (D itself
is not counted), so registering on a Friday with a 5-day deadline gives the next Friday.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd

from ohti.errors import ParameterError


@functools.lru_cache(maxsize=32)
def _holidays(first_year: int, last_year: int) -> frozenset:
    import holidays

    return frozenset(holidays.Finland(years=range(first_year, last_year + 1)).keys())


def holidays_between(start, end) -> list[dt.date]:
    """Finnish public holidays (and Midsummer and Christmas Eve) from `start` to `end`."""
    start, end = _date(start), _date(end)
    return sorted(d for d in _holidays(start.year, end.year) if start <= d <= end)


def is_working_day(day) -> bool:
    """True if `day` is a Finnish working day.

    Examples
    --------
    >>> is_working_day("2025-12-24"), is_working_day("2025-12-29")
    (False, True)
    """
    day = _date(day)
    return day.weekday() < 5 and day not in _holidays(day.year, day.year)


def add_working_days(day, n: int) -> dt.date:
    """The `n`-th working day after `day` (`day` itself not counted).

    Examples
    --------
    >>> add_working_days("2025-12-19", 5)  # Fri; Christmas Eve, Day and Boxing Day are off
    datetime.date(2025, 12, 31)
    """
    if n < 0:
        raise ParameterError(f"working days to add must be ≥ 0, not {n}")
    day = _date(day)
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def calendar(start, end) -> pd.DataFrame:
    """Every day from `start` to `end` with its working-day index.

    Returns
    -------
    DataFrame
        ``day`` (date), ``working`` (bool) and ``workday_index``: the number of working days
        from `start` up to and including the day. The N-th working day after D is the first
        working day whose index is the index of D plus N.
    """
    start, end = _date(start), _date(end)
    if end < start:
        raise ParameterError(f"calendar end {end} is before its start {start}")
    days = pd.date_range(start, end, freq="D")
    off = _holidays(start.year, end.year)
    working = (days.day_of_week < 5) & ~np.isin(days.date, list(off))
    return pd.DataFrame({"day": days.date, "working": working, "workday_index": np.cumsum(working)})


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ParameterError(f"{value!r} is not a date (YYYY-MM-DD)") from error
