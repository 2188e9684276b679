"""One hierarchy of errors: every failure ohti reports on purpose is an ``OhtiError``.

The command line prints ``str(error)`` on one line and exits with status 2.
"""

from __future__ import annotations


class OhtiError(Exception):
    """Base class of every error ohti raises on purpose."""


class SourceDataError(OhtiError):
    """A shipped or given data file breaks a rule.

    Attributes
    ----------
    path : str
        The file.
    problems : list of str
        Every problem found, each naming row, column, value and rule.
    """

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{self.path}: {len(self.problems)} problem(s): {shown}{more}")


class DefinitionError(OhtiError):
    """The indicator registry, or another declaration ohti reads (the models, the rules, the
    table declarations), breaks a rule. ``what`` names it in the message."""

    def __init__(self, problems, what: str = "indicator registry"):
        self.problems = list(problems)
        super().__init__(f"{what}: " + "; ".join(self.problems))


class ParameterError(OhtiError):
    """A parameter given by the user is not valid (unknown indicator, area, level, period)."""


class UnknownIndicatorError(ParameterError):
    def __init__(self, indicator, known):
        self.indicator = indicator
        super().__init__(
            f"unknown indicator '{indicator}'; known indicators: {', '.join(sorted(known))}"
        )


class UnknownLevelError(ParameterError):
    def __init__(self, level, known):
        self.level = level
        super().__init__(f"unknown level '{level}'; choose one of: {', '.join(known)}")


class UnknownAreaError(ParameterError):
    def __init__(self, area, level):
        self.area = area
        self.level = level
        super().__init__(
            f"unknown {level} code '{area}' (not in the 2025 key); "
            f"list the codes with: ohti areas --level {level}"
        )


class PeriodError(ParameterError):
    def __init__(self, period, first, last, gap=None):
        self.period = period
        self.gap = gap
        kind = 'year YYYY' if len(str(first)) == 4 else 'month YYYY-MM'
        if gap:
            message = (f"period '{period}' has no data: the loaded statistics have a gap {gap[0]} … {gap[1]} "
                       f"(ohti refresh fills it from Statistics Finland); give a {kind} with data in {first} … {last}")
        else:
            message = f"period '{period}' is outside the data ({first} … {last}); give a {kind} within that range"
        super().__init__(message)


class BuildError(OhtiError):
    """One or more documents of a build failed."""


class RefreshError(OhtiError):
    """``ohti refresh`` or ``ohti import`` could not finish; the data folder's files and
    manifest are as they were.

    Attributes
    ----------
    problems : list of str
        One line each, naming the table or file, the rule, the value and how to fix it.
    summary : str
        What was (not) done, printed after the problems.
    status : int or None
        The HTTP status, for an error of the API.
    unavailable : bool
        True when the API did not answer after every retry (busy, down, unreachable).
    """

    def __init__(self, problems, summary: str = "", *, status: int | None = None, unavailable: bool = False):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.summary = summary
        self.status = status
        self.unavailable = unavailable
        super().__init__("; ".join(self.problems + ([summary] if summary else [])))


class TransportError(OhtiError):
    """The HTTP transport could not complete a call (no connection, a timeout); a refresh
    retries it before it gives up with a :class:`RefreshError`."""
