"""A module imported on first use of one of its attributes."""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name``; imports it when an attribute is first asked for, after
    calling ``prepare`` (if given) once, e.g. to choose matplotlib's backend before pyplot loads.

    >>> math = LazyModule("math")
    >>> math.sqrt(9.0)
    3.0
    """

    def __init__(self, name: str, *, prepare=None):
        self._name = name
        self._prepare = prepare  # called once, before the module is first imported

    def __getattr__(self, attribute: str):
        if self._prepare is not None:
            prepare, self._prepare = self._prepare, None
            prepare()
        module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazily imported module {self._name!r}>"
