"""Which period an indicator is shown for in a document of a given period, and which periods
have values at all: a figure older than :data:`MAX_AGE` says nothing of the period.
"""

from __future__ import annotations

import functools

from ohti.indicators.compute import evaluate, indicator_frequency, shift_period

RANK_LEVEL = "area"


#: How much older than the document's own period a figure may be and still be shown: a
#: monthly one up to 12 months (a refresh that lags), an annual one up to 2 years (the
#: population of last year in this year's document). Older figures say nothing of the period
#: and are listed as not measured instead.
MAX_AGE = {"month": 12, "year": 2}


def resolve_period(indicator_id: str, period: str, level: str = RANK_LEVEL, *, any_age: bool = False) -> str | None:
    """The period to show an indicator for, given the document's month.

    A monthly indicator is shown for the month itself; an annual one for that month's year.
    Where the data ends earlier, the latest period with data is used instead (the document
    shows which), but no older than :data:`MAX_AGE` allows unless ``any_age`` (the frame
    conditions of a model); ``None`` if there is no such period at the level.
    """
    frequency = indicator_frequency(indicator_id)
    target = period if frequency == "month" else period[:4]
    earlier = [p for p in periods_with_values(indicator_id, level, frequency) if p <= target]
    if not earlier:
        return None
    latest = earlier[-1]  # the data may have a gap: the latest period at or before the target
    if not any_age and shift_period(target, -MAX_AGE[frequency]) > latest:
        return None
    return latest


@functools.lru_cache(maxsize=1024)
def periods_with_values(indicator_id: str, level: str, frequency: str) -> tuple:
    """The periods at which any unit of ``level`` has a value of the indicator, in order."""
    has = evaluate(indicator_id, level, frequency).value.notna().any(axis=0)
    return tuple(has.index[has])

