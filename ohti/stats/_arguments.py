"""Checks and conversions of the arguments the statistical functions share (levels, multipliers,
arrays), with messages that name the function and the argument; SciPy loaded on first use.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ohti.errors import ParameterError
from ohti.lazy import LazyModule

# SciPy and statsmodels take over a second to import: loaded on first use, so that commands that
# compute nothing (a build with every document up to date) start fast.
special = LazyModule("scipy.special")

distributions = LazyModule("scipy.stats")


def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _one_level(confidence, where):
    if not _is_real(confidence) or not 0 < confidence < 1:
        raise ParameterError(
            f"{where}: confidence must be a number strictly between 0 and 1 (e.g. 0.95), "
            f"not {confidence!r}"
        )
    return float(confidence)


def _levels(confidence, where):
    """One level, or a tuple of two distinct levels, each in (0, 1)."""
    if isinstance(confidence, (tuple, list)):
        if len(confidence) not in (1, 2):
            raise ParameterError(f"{where}: give one or two confidence levels, not "
                                 f"{len(confidence)}: {confidence!r}")
        levels = tuple(_one_level(c, where) for c in confidence)
        if len(set(levels)) != len(levels):
            raise ParameterError(f"{where}: the two confidence levels are the same: {confidence!r}")
        return levels
    return (_one_level(confidence, where),)


def _multiplier(multiplier, where):
    if not _is_real(multiplier) or not math.isfinite(multiplier) or multiplier <= 0:
        raise ParameterError(f"{where}: multiplier must be a positive number, not {multiplier!r}")
    return multiplier


def _float_array(values, name):
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{name} must be numbers: {error}") from error


def _check_not_negative(values, name, where):
    with np.errstate(invalid="ignore"):
        bad = values < 0
    if bad.any():
        raise ParameterError(f"{where}: {name} must be zero or more; found "
                             f"{values[bad].ravel()[0]:g} at position "
                             f"{int(np.flatnonzero(bad.ravel())[0])}")


def _check_positive(values, name, where):
    with np.errstate(invalid="ignore"):
        bad = values <= 0
    if bad.any():
        raise ParameterError(f"{where}: {name} must be greater than zero; found "
                             f"{values[bad].ravel()[0]:g} at position "
                             f"{int(np.flatnonzero(bad.ravel())[0])}")


def _two_sided_z(level):
    # the standard normal quantile, bit for bit what scipy.stats.norm.ppf returns, without
    # importing scipy.stats (half a second) where nothing else needs it
    return special.ndtri(0.5 + level / 2)


def _percent(level):
    return f"{level * 100:g}%"


def _level_name(level):
    """0.95 → "95", 0.998 → "99_8": a column-name suffix."""
    return f"{level * 100:g}".replace(".", "_")


def _number(multiplier):
    return f"{int(multiplier):,}" if float(multiplier).is_integer() else f"{multiplier:g}"

