"""ohti: indicator-based evaluation of Finland's employment areas.

The functions a researcher calls most are available from the package itself, e.g.
``ohti.compute_values("unemployment_rate", "area", periods=["2026-06"])``; each is imported
from its own module on first use, so that ``import ohti`` stays fast. The modules are grouped by
role: ``ohti.sources`` (data), ``ohti.stats`` (methods), ``ohti.indicators``, ``ohti.analysis``,
``ohti.register``, ``ohti.documents``, ``ohti.build`` and ``ohti.publish``.
"""

from __future__ import annotations

import importlib

from ohti._version import __version__

#: The public API: name → the module that defines it.
PUBLIC = {
    "load_source": "ohti.sources.access",
    "latest_complete_period": "ohti.sources.access",
    "members": "ohti.sources.areas",
    "load_registry": "ohti.indicators.registry",
    "get_indicator": "ohti.indicators.registry",
    "indicator_ids": "ohti.indicators.registry",
    "compute_values": "ohti.indicators.compute",
    "apply_disclosure": "ohti.indicators.disclosure",
    "compare_values": "ohti.indicators.comparison",
    "calculate_proportion": "ohti.stats.intervals",
    "calculate_rate": "ohti.stats.intervals",
    "funnel_limits": "ohti.stats.funnels",
    "trend_marker": "ohti.stats.trends",
    "seasonally_adjust": "ohti.stats.seasonal",
    "fit_expected": "ohti.analysis.expected",
    "rank_values": "ohti.analysis.ranks",
    "analyse": "ohti.analysis.validity",
    "build_area_documents": "ohti.publish.edition",
}

__all__ = ["__version__", *PUBLIC]


def __getattr__(name: str):
    if name in PUBLIC:
        value = getattr(importlib.import_module(PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ohti' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(PUBLIC))
