"""A module imported on first use of one of its attributes."""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name``; imports it when an attribute is first asked for.

    >>> math = LazyModule("math")
    >>> math.sqrt(9.0)
    3.0
    """

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazily imported module {self._name!r}>"
