"""Series breaks (``ohti/breaks.yaml``): where a series stops being comparable with its past.

A break applies to an indicator when one of its components comes from a source the break
names, when it is a customer-register indicator and the break concerns the register, or when the
level shown is one whose division changed. The charts mark the breaks inside their window;
a trend marker is not calculated across a break, and a change across one says so.
"""

from __future__ import annotations

import dataclasses
import functools

from ohti.errors import DefinitionError
from ohti.i18n import LANGUAGES, check_language
from ohti.indicators.registry import get_indicator
from ohti.paths import PACKAGE_DIR
from ohti.sources.variables import SOURCES, VARIABLES
from ohti.yamlsafe import load_yaml

BREAKS_PATH = PACKAGE_DIR / "breaks.yaml"


@dataclasses.dataclass(frozen=True)
class Break:
    """One series break: its id, first period after it, what it touches and its label."""

    id: str
    period: str
    sources: tuple
    register: bool
    levels: tuple
    label: dict

    def text(self, language: str = "fi") -> str:
        return self.label[check_language(language)]


@functools.lru_cache(maxsize=1)
def load_breaks() -> tuple[Break, ...]:
    """Every break of ``ohti/breaks.yaml``, checked (all problems at once)."""
    document = load_yaml(BREAKS_PATH.read_text(encoding="utf-8"), str(BREAKS_PATH))
    problems, breaks = [], []
    for number, entry in enumerate(document.get("breaks") or [], start=1):
        where = f"{BREAKS_PATH.name}, break {number} ({entry.get('id', '?')})"
        period = str(entry.get("period", ""))
        if not (len(period) in (4, 7) and period[:4].isdigit()):
            problems.append(f"{where}: period {period!r} is not YYYY or YYYY-MM")
        unknown = [s for s in entry.get("sources", []) if s not in SOURCES]
        if unknown:
            problems.append(f"{where}: unknown source(s) {', '.join(unknown)}")
        label = entry.get("label") or {}
        if any(not isinstance(label.get(lang), str) or not label[lang].strip() for lang in LANGUAGES):
            problems.append(f"{where}: label needs a text in each of {', '.join(LANGUAGES)}")
        breaks.append(Break(str(entry.get("id")), period, tuple(entry.get("sources", ())), bool(entry.get("register")),
                            tuple(entry.get("levels", ())), label))
    if problems:
        raise DefinitionError(problems)
    return tuple(sorted(breaks, key=lambda b: b.period))


def breaks_for(indicator_id: str, level: str = "area") -> tuple[Break, ...]:
    """The breaks that apply to an indicator's series at ``level``."""
    indicator = get_indicator(indicator_id)
    if indicator.derive_inputs:
        sources = set()
        for ident in indicator.derive_inputs:
            sources |= {b.id for b in breaks_for(ident, level)}
        return tuple(b for b in load_breaks() if b.id in sources or level in b.levels)
    components = [*indicator.numerator, *indicator.denominator]
    sources = {VARIABLES[v].source for v in components if v in VARIABLES} | \
        {s for v in components if v in VARIABLES for s in VARIABLES[v].also}
    return tuple(b for b in load_breaks()
                 if sources & set(b.sources) or (b.register and not indicator.computable) or level in b.levels)


def breaks_between(indicator_id: str, start: str, end: str, level: str = "area") -> tuple[Break, ...]:
    """The breaks of an indicator after ``start`` and up to ``end`` (periods 'YYYY' or
    'YYYY-MM'; a year compares with a break's year): a comparison of ``start`` with ``end``
    crosses them."""
    def key(period: str, upper: bool) -> str:
        return period if len(period) == 7 else f"{period}-{'12' if upper else '01'}"

    low, high = key(start, True), key(end, True)
    return tuple(b for b in breaks_for(indicator_id, level) if low < key(b.period, False) <= high)
