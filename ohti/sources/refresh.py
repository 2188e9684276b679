"""Refresh StatFin tables from the PxWeb API into the data folder, and import PxWeb files.

``ohti refresh`` brings the tables declared in ``ohti/pxweb_tables.yaml`` up to date:

1. the API's limits: ``GET …/api/v1/fi/?config`` gives ``maxValues`` (cells a query),
   ``maxCalls`` and ``timeWindow`` (calls a window of seconds); without them, 100,000 cells
   and one call each 1.5 s;
2. each table's folder listing (``updated``: when the table last changed) and its metadata
   (its variables), from which the variables are found by role, never by code: time by its
   ``time`` flag, content by the code ``contentscode`` or by the declared content codes, area
   by values such as ``SSS`` and ``KU091`` (its code carries a date: ``alue_23_20260101``);
   any other variable is eliminated, or selected by the declaration's ``split``;
3. a plan: every area value with a declared prefix, the declared contents, every period
   from the declared first one, split into queries of at most ``maxValues`` cells, by
   months first and by contents when one month is too big;
4. each query as ``json-stat2``, paced so that no more than ``maxCalls`` calls fall in any
   ``timeWindow``; 429 and 5xx are retried with exponential backoff (honouring
   ``Retry-After``), a truncated body once; any other status stops with one line naming the
   table and the status;
5. each answer kept as a part in ``<data dir>/.staging/<table>/`` (an interrupted refresh
   resumes there while the table's ``updated`` is unchanged), then all parts combined into
   one PxWeb ``json`` file, validated by :func:`ohti.sources.loaders.tidy_response` before it
   replaces ``<data dir>/<table>/<table>.json``, and recorded in ``<data dir>/MANIFEST.csv``,
   which :func:`ohti.sources.loaders.data_dir_files` reads so that the loaders use the new data.

``ohti import FILE …`` validates PxWeb files saved by hand (``json``, ``json-stat2``, CSV
exports) the same way and copies them into the data folder; a file with a problem is
refused and nothing is written.

The HTTP transport and the clock are parameters (:class:`RequestsTransport`,
:class:`SystemClock` by default), so that the client can be tested without a network.

References
----------
Statistics Finland, "PxWeb API" (api1.html) and "Changes to interface use of PxWeb databases
on 8 June" (2026); R pxweb (rOpenGov), ``pxweb_add_config``: the fields of ``?config``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import email.utils
import http
import io
import json
import math
import os
import re
import shutil
import sys
import time
from collections import deque
from pathlib import Path

import pandas as pd

from ohti._files import bytes_digest, write_bytes
from ohti._version import __version__
from ohti.errors import ParameterError, RefreshError, SourceDataError, TransportError
from ohti.paths import DATA_DIR_USER
from ohti.sources import pxweb
from ohti.sources.loaders import DATA_DIR_MANIFEST_COLUMNS, tidy_response

LICENCE = "CC BY 4.0"
#: The format data is asked in: compact, and read by :func:`ohti.sources.pxweb.read_response`.
RESPONSE_FORMAT = "json-stat2"
#: Limits when ``?config`` does not say (the documented cell limit; a call each 1.5 s).
FALLBACK_MAX_VALUES = 100_000
FALLBACK_INTERVAL_S = 1.5
#: Added to the API's time window when pacing: the server counts calls as they arrive.
PACING_MARGIN_S = 0.2
#: Attempts of one call on 429, 5xx or a broken connection, and the waits between them.
MAX_ATTEMPTS = 5
FIRST_BACKOFF_S = 2.0
MAX_WAIT_S = 300.0
#: Seconds to connect and to read; the API itself answers 503 after 60 s.
TIMEOUT_S = (10.0, 90.0)
#: The time one response is assumed to take, for the estimates of ``--dry-run`` (not measured).
ASSUMED_CALL_S = 1.0
STAGING_DIR = ".staging"
MANIFEST_NAME = "MANIFEST.csv"
STATE_NAME = "state.json"
#: What an HTTP status that is not retried means for a refresh, and what to do.
HTTP_HINTS = {
    400: "the API knows no such table, variable or value, or the query is invalid: Statistics Finland "
         "may have renamed or removed the table or one of its codes; look the table up on "
         "https://pxdata.stat.fi/PxWeb/pxweb/fi/StatFin/ and update ohti/pxweb_tables.yaml",
    403: "the query is larger than the API allows: the limits of ?config were not honoured or have "
         "changed; run ohti refresh --dry-run to see the plan",
    404: "no such folder or table at this address: check --api and the table's folder in "
         "ohti/pxweb_tables.yaml",
}


# --- transport, clock, limits ------------------------------------------------------------------

class RequestsTransport:
    """HTTP through :mod:`requests`, with timeouts.

    ``get(url)`` and ``post(url, json_body)`` return ``(status, headers, body)``: the status
    code, a dict of headers and the body as bytes; a failed connection raises
    :class:`TransportError`.
    """

    def __init__(self, timeout=TIMEOUT_S):
        import requests

        self._requests = requests
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"ohti/{__version__} (+PxWeb refresh)"

    def get(self, url: str):
        return self._send("GET", url, None)

    def post(self, url: str, json_body):
        return self._send("POST", url, json_body)

    def _send(self, method: str, url: str, body):
        try:
            response = self.session.request(method, url, json=body, timeout=self.timeout)
        except self._requests.Timeout as error:
            raise TransportError(f"no answer within {self.timeout} s ({type(error).__name__})") from error
        except self._requests.RequestException as error:
            cause = re.search(r"\[Errno -?\d+\] [^'\")\]]+", str(error))
            raise TransportError(f"{type(error).__name__}: {cause.group(0) if cause else str(error)[:200]}") from error
        return response.status_code, dict(response.headers), response.content


class SystemClock:
    """The wall clock: ``now()`` in seconds since the epoch, ``sleep(seconds)``."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclasses.dataclass(frozen=True)
class Limits:
    """The API's limits: cells a query, and calls a time window.

    Attributes
    ----------
    max_values : int
        Most cells one query may ask for.
    max_calls : int
        Most calls in any ``time_window`` seconds.
    time_window : float
        Seconds.
    origin : str
        Where the limits come from ('?config', or why the fallback was used).
    """

    max_values: int
    max_calls: int
    time_window: float
    origin: str = "?config"

    def text(self) -> str:
        return (f"at most {self.max_values:,} cells a query, {self.max_calls} call(s) in any "
                f"{self.time_window:g} s ({self.origin})")

    def estimate_seconds(self, calls: int, call_seconds: float = ASSUMED_CALL_S) -> float:
        """Seconds that ``calls`` calls take, one after another, paced as :class:`RateLimiter`
        paces them, if each response takes ``call_seconds``."""
        starts: list[float] = []
        end = 0.0
        for number in range(calls):
            start = end
            if number >= self.max_calls:
                start = max(start, starts[number - self.max_calls] + self.time_window + PACING_MARGIN_S)
            starts.append(start)
            end = start + call_seconds
        return end


def fallback_limits(reason: str) -> Limits:
    """The limits to keep when ``?config`` does not give them: 100,000 cells, a call each 1.5 s."""
    return Limits(FALLBACK_MAX_VALUES, 1, FALLBACK_INTERVAL_S, f"fallback: {reason}")


def parse_limits(document) -> Limits:
    """The limits in a ``?config`` document; a missing or unreadable value falls back.

    ``maxValues`` (or ``maxCells``) is the cell limit; ``maxCalls`` and ``timeWindow`` the
    calls a window. Pacing falls back to a call each 1.5 s unless both are positive numbers.
    """
    if not isinstance(document, dict):
        return fallback_limits("?config is not a JSON object")
    cells = document.get("maxValues", document.get("maxCells"))
    calls, window = document.get("maxCalls"), document.get("timeWindow")
    notes = []
    try:
        cells = int(cells)
        if cells <= 0:
            raise ValueError
    except (TypeError, ValueError):
        notes.append(f"maxValues {cells!r} unreadable")
        cells = FALLBACK_MAX_VALUES
    try:
        calls, window = int(calls), float(window)
        if calls <= 0 or window <= 0 or not math.isfinite(window):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        notes.append(f"maxCalls {calls!r} / timeWindow {window!r} unreadable")
        calls, window = 1, FALLBACK_INTERVAL_S
    return Limits(cells, calls, window, "?config" if not notes else "?config, fallback for " + ", ".join(notes))


class RateLimiter:
    """Paces calls so that no more than ``max_calls`` fall in any ``time_window`` (sliding).

    :meth:`wait` is called before each call: it sleeps on the clock until the call may go,
    and records it.
    """

    def __init__(self, limits: Limits, clock, margin: float = PACING_MARGIN_S):
        self.limits = limits
        self.clock = clock
        self.margin = margin
        self.calls: deque = deque()

    def wait(self) -> None:
        window = self.limits.time_window + self.margin
        while True:
            now = self.clock.now()
            while self.calls and self.calls[0] <= now - window:
                self.calls.popleft()
            if len(self.calls) < self.limits.max_calls:
                self.calls.append(now)
                return
            # at least a millisecond: a float clock may not move for a smaller step
            self.clock.sleep(max(self.calls[0] + window - now, 1e-3))


def retry_after_seconds(headers, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), if any."""
    value = next((str(v) for k, v in (headers or {}).items() if str(k).lower() == "retry-after"), "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(seconds, 0.0), MAX_WAIT_S)


# --- the client --------------------------------------------------------------------------------

class PxWebClient:
    """A thin PxWeb v1 client: paced, retrying, with an injectable transport and clock.

    Parameters
    ----------
    root : str
        The database root, 'https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin'.
    transport : object, optional
        ``get(url)`` and ``post(url, json_body)`` returning ``(status, headers, body)``
        (:class:`RequestsTransport` by default).
    clock : object, optional
        ``now()`` and ``sleep(seconds)`` (:class:`SystemClock` by default).
    """

    def __init__(self, root: str, transport=None, clock=None, *, attempts: int = MAX_ATTEMPTS):
        self.root = root.rstrip("/")
        self.transport = transport if transport is not None else RequestsTransport()
        self.clock = clock if clock is not None else SystemClock()
        self.attempts = attempts
        self.limits = fallback_limits("?config not read yet")
        self.limiter = RateLimiter(self.limits, self.clock)

    @property
    def config_url(self) -> str:
        """``?config`` of the language root: the database root without its last segment."""
        return f"{self.root.rsplit('/', 1)[0]}/?config"

    def read_limits(self) -> Limits:
        """Read ``?config`` and pace every later call by it; fall back if it does not answer.

        Raises
        ------
        RefreshError
            If no connection can be made (the API is unreachable).
        """
        try:
            document, _ = self.get_json(self.config_url, "PxWeb API limits")
            self.limits = parse_limits(document)
        except RefreshError as error:
            if error.unavailable and error.status is None:  # no connection at all: nothing else will answer
                raise
            self.limits = fallback_limits(f"?config did not answer ({error.problems[0]})")
        self.limiter.limits = self.limits
        return self.limits

    def get_json(self, url: str, what: str):
        """``GET`` a JSON document; returns (document, body bytes)."""
        return self._json("GET", url, None, what)

    def post_json(self, url: str, body: dict, what: str):
        """``POST`` a query; returns (document, body bytes)."""
        return self._json("POST", url, body, what)

    def _json(self, method: str, url: str, body, what: str):
        """One call whose body must be JSON; a truncated body is asked for once more."""
        for _ in range(2):
            raw = self._call(method, url, body, what)
            try:
                return json.loads(raw.decode("utf-8-sig")), raw
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                problem = error
        raise RefreshError(f"{what}: {method} {url}: the response is not valid JSON twice in a row ({problem}; "
                           f"{len(raw):,} bytes): the answer was cut short; try again later") from problem

    def _call(self, method: str, url: str, body, what: str) -> bytes:
        """One call, paced; 429, 5xx and broken connections retried with backoff."""
        waited, last = 0.0, ""
        for attempt in range(1, self.attempts + 1):
            self.limiter.wait()
            try:
                status, headers, raw = (self.transport.get(url) if method == "GET"
                                        else self.transport.post(url, body))
            except TransportError as error:
                status, headers, raw, last = None, {}, b"", str(error)
            if status is not None and 200 <= status < 300:
                return raw
            if status is not None and status != 429 and status < 500:
                hint = HTTP_HINTS.get(status, "")
                raise RefreshError(f"{what}: {method} {url} answered HTTP {status} {_phrase(status)}"
                                   + (f": {hint}" if hint else "") + _server_says(raw), status=status)
            if status is not None:
                last = f"HTTP {status} {_phrase(status)}"
            if attempt == self.attempts:
                break
            delay = retry_after_seconds(headers, self.clock.now()) if status is not None else None
            delay = delay if delay is not None else min(FIRST_BACKOFF_S * 2 ** (attempt - 1), MAX_WAIT_S)
            self.clock.sleep(delay)
            waited += delay
        raise RefreshError(f"{what}: {method} {url}: {last} on all {self.attempts} attempts (waited {waited:.0f} s "
                           "between them): the API is busy or unreachable; check --api (or OHTI_PXWEB_API) and the "
                           "connection, or try again later", status=status, unavailable=True)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _server_says(raw: bytes) -> str:
    """The start of an error body, if it is short text (PxWeb often says which code is wrong)."""
    text = raw[:200].decode("utf-8", "replace").strip()
    return f" (the API says: {' '.join(text.split())[:160]})" if text and "<" not in text[:1] else ""


def api_url(api: str | None = None) -> str:
    """The database root: ``api``, else ``$OHTI_PXWEB_API``, else the declared one."""
    return (api or os.environ.get("OHTI_PXWEB_API") or pxweb.api_root()).rstrip("/")


def open_client(api: str | None = None, transport=None, clock=None) -> PxWebClient:
    """A client of the API root (see :func:`api_url`) that has read the API's limits."""
    client = PxWebClient(api_url(api), transport, clock)
    client.read_limits()
    return client


# --- variables by role -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TableVariables:
    """A table's variables by role, found in its metadata.

    Attributes
    ----------
    variables : tuple of ohti.sources.pxweb.Variable
        Every variable, in the metadata's order, each with its role.
    time, area, content : str
        The codes of the time, area and content variables.
    splits : dict
        Code → the values selected of a variable the declaration splits by (11re's sex).
    eliminated : tuple of str
        Codes left out of queries (their totals are returned).
    """

    variables: tuple
    time: str
    area: str
    content: str
    splits: dict
    eliminated: tuple

    def variable(self, code: str) -> pxweb.Variable:
        return next(v for v in self.variables if v.code == code)


def metadata_variables(document, where: str) -> list[pxweb.Variable]:
    """The variables of a metadata document (``{"title", "variables": [...]}``), role 'other'.

    Raises
    ------
    RefreshError
        If the document is not PxWeb metadata.
    """
    entries = document.get("variables") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RefreshError(f"{where}: the metadata has no 'variables' list: the address is no PxWeb table")
    variables, problems = [], []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), list) or "code" not in entry:
            problems.append(f"{where}: variable {number} of the metadata has no code or no list of values")
            continue
        values = tuple(str(v) for v in entry["values"])
        texts = tuple(str(t) for t in entry.get("valueTexts") or values)
        variables.append(pxweb.Variable(str(entry["code"]), str(entry.get("text", entry["code"])),
                                        "time" if entry.get("time") is True else "other", values, texts,
                                        entry.get("elimination") is True))
    if problems:
        raise RefreshError(problems)
    return variables


def resolve_variables(document, spec: pxweb.TableSpec) -> TableVariables:
    """Find a table's variables by role in its metadata, and what to ask of each.

    Time is the variable with ``"time": true``; content the variable coded ``contentscode``,
    else the one whose values include the declared content codes; area the variable whose
    values look like areas (``SSS``, ``KU091``; :data:`ohti.sources.pxweb.AREA_VALUE`). Any other
    variable is selected by the declaration's ``split`` whose value codes it has, else
    eliminated if its metadata allows it.

    Raises
    ------
    RefreshError
        With every problem: a role found in no variable or in several, a declared content
        code the table no longer has, a variable that can be neither split nor eliminated.
    """
    where = f"StatFin {spec.id} ({spec.path})"
    variables = metadata_variables(document, where)
    problems = []
    times = [v for v in variables if v.role == "time"]
    if len(times) != 1:
        problems.append(f"{where}: {len(times)} variables have the time flag ('time': true) where one is expected "
                        f"({', '.join(v.code for v in times) or 'none'})")
    rest = [v for v in variables if v.role != "time"]
    content = next((v for v in rest if v.code.lower() == "contentscode"), None)
    if content is None:
        scored = sorted(rest, key=lambda v: -len(set(v.values) & set(spec.contents)))
        content = scored[0] if scored and set(scored[0].values) & set(spec.contents) else None
    if content is None:
        problems.append(f"{where}: no content variable: none is coded contentscode or has the declared contents "
                        f"({', '.join(list(spec.contents)[:4])}, …)")
    else:
        missing = [code for code in spec.contents if code not in content.values]
        for code in missing:
            problems.append(f"{where}: content code {code!r} declared in {pxweb.TABLES_PATH.name} is not in the table's "
                            f"variable {content.code} (its codes: {', '.join(content.values[:8])}"
                            f"{', …' if len(content.values) > 8 else ''}); Statistics Finland may have renamed it "
                            f"(as 11re's vaesto became vaerak-vaesto): update the declaration")
        rest = [v for v in rest if v is not content]
    areas = [v for v in rest if pxweb.is_area(v.values)]
    if not areas:
        problems.append(f"{where}: no variable has area values such as SSS and KU091 (other variables: "
                        f"{', '.join(v.code for v in rest) or 'none besides time and content'}); ohti reads tables "
                        "by area: declare a table with an area variable")
    elif len(areas) > 1:
        problems.append(f"{where}: more than one variable has area values such as SSS and KU091 "
                        f"({', '.join(v.code for v in areas)}); ohti cannot tell which is the area")
    area = areas[0] if len(areas) == 1 else None
    splits, eliminated = {}, []
    matched = set()
    for variable in rest:
        if variable is area:
            continue
        found = [name for name, mapping in spec.split.items() if set(mapping) <= set(variable.values)]
        if len(found) == 1:
            splits[variable.code] = tuple(v for v in variable.values if v in spec.split[found[0]])
            matched.add(found[0])
        elif len(found) > 1:
            problems.append(f"{where}: variable {variable.code} ({variable.text}) has the values of several splits "
                            f"({', '.join(found)}) in {pxweb.TABLES_PATH.name}; make their value codes distinct")
        elif variable.elimination:
            eliminated.append(variable.code)
        else:
            problems.append(f"{where}: variable {variable.code} ({variable.text}, values {', '.join(variable.values[:5])}, …) "
                            f"is neither time, area nor content, cannot be eliminated (no 'elimination': true) and no "
                            f"split in {pxweb.TABLES_PATH.name} names its values: declare a split for it")
    for name in set(spec.split) - matched:
        problems.append(f"{where}: split {name!r} ({', '.join(spec.split[name])}) in {pxweb.TABLES_PATH.name} matches no "
                        "variable of the table: Statistics Finland may have recoded its values; update the declaration")
    if problems:
        raise RefreshError(problems)
    roles = {times[0].code: "time", area.code: "area", content.code: "content"}
    return TableVariables(
        tuple(dataclasses.replace(v, role=roles.get(v.code, "other")) for v in variables),
        times[0].code, area.code, content.code, splits, tuple(eliminated),
    )


# --- the plan ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Query:
    """One data query: the values asked of each variable, in the metadata's order."""

    selection: tuple  # ((code, (value, ...)), ...)

    @property
    def cells(self) -> int:
        return math.prod(len(values) for _, values in self.selection)

    def values(self, code: str) -> tuple:
        return dict(self.selection)[code]

    def body(self) -> dict:
        """The POST body: every variable by item, and the response format."""
        return {"query": [{"code": code, "selection": {"filter": "item", "values": list(values)}}
                          for code, values in self.selection],
                "response": {"format": RESPONSE_FORMAT}}


@dataclasses.dataclass(frozen=True)
class TablePlan:
    """What a refresh of one table asks for.

    Attributes
    ----------
    spec : ohti.sources.pxweb.TableSpec
    url : str
        The table's address (metadata by GET, data by POST).
    updated : str
        When the table last changed, from the folder listing.
    variables : TableVariables
    whole : Query
        The whole selection (areas × periods × contents × splits), before splitting.
    queries : tuple of Query
        The whole selection split under the cell limit.
    limits : Limits
    """

    spec: pxweb.TableSpec
    url: str
    updated: str
    variables: TableVariables
    whole: Query
    queries: tuple
    limits: Limits

    @property
    def cells(self) -> int:
        return sum(q.cells for q in self.queries)

    def axes(self) -> str:
        """'350 areas × 246 periods × 23 contents'."""
        names = {self.variables.area: "areas", self.variables.time: "periods", self.variables.content: "contents"}
        return " × ".join(f"{len(values)} {names.get(code, code)}" for code, values in self.whole.selection)


def select_values(variables: TableVariables, spec: pxweb.TableSpec) -> Query:
    """The whole selection of a table: declared areas, contents and periods, and splits.

    Area values are every value with a declared prefix (unassigned codes included: the
    loader leaves them out); contents the declared codes; periods every one from the
    declared first period to the latest.

    Raises
    ------
    RefreshError
        If no area value has a declared prefix, or no period is at or after the first one.
    """
    where = f"StatFin {spec.id} ({spec.path})"
    area = variables.variable(variables.area)
    areas = tuple(v for v in area.values if v.startswith(tuple(spec.areas)))
    periods = tuple(v for v in variables.variable(variables.time).values if v >= spec.first_period)
    problems = []
    if not areas:
        problems.append(f"{where}: no value of {area.code} starts with the declared area prefixes "
                        f"{', '.join(spec.areas)} (its values: {', '.join(area.values[:6])}, …)")
    if not periods:
        problems.append(f"{where}: no period of {variables.time} is at or after first_period {spec.first_period} "
                        f"(latest: {variables.variable(variables.time).values[-1:] or 'none'})")
    if problems:
        raise RefreshError(problems)
    selection = []
    for variable in variables.variables:
        if variable.code == variables.area:
            selection.append((variable.code, areas))
        elif variable.code == variables.time:
            selection.append((variable.code, periods))
        elif variable.code == variables.content:
            selection.append((variable.code, tuple(v for v in variable.values if v in spec.contents)))
        elif variable.code in variables.splits:
            selection.append((variable.code, variables.splits[variable.code]))
    return Query(tuple(selection))


def split_query(whole: Query, variables: TableVariables, max_values: int, where: str) -> tuple:
    """Split a selection into queries of at most ``max_values`` cells: by periods, and by
    contents too when one period of every area and content is larger.

    Raises
    ------
    RefreshError
        If one period of one content for every area is larger than ``max_values``.
    """
    values = dict(whole.selection)
    periods, contents = values[variables.time], values[variables.content]
    per_content = whole.cells // (len(periods) * len(contents))  # one period, one content: areas × splits
    per_period = per_content * len(contents)
    if per_period <= max_values:
        blocks = [(chunk, contents) for chunk in _chunks(periods, max_values // per_period)]
    elif per_content <= max_values:
        blocks = [((period,), chunk) for period in periods for chunk in _chunks(contents, max_values // per_content)]
    else:
        raise RefreshError(f"{where}: one period of one content for every area is {per_content:,} cells, more than the "
                           f"API's limit of {max_values:,} a query: declare fewer area prefixes")
    queries = []
    for chunk_periods, chunk_contents in blocks:
        replaced = {variables.time: chunk_periods, variables.content: chunk_contents}
        queries.append(Query(tuple((code, replaced.get(code, vals)) for code, vals in whole.selection)))
    return tuple(queries)


def _chunks(items: tuple, size: int) -> list[tuple]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def listing_entry(listing, spec: pxweb.TableSpec, url: str) -> dict:
    """The folder listing's entry of a table (its id with or without '.px').

    Raises
    ------
    RefreshError
        If the listing is not a list, or has no such table.
    """
    if not isinstance(listing, list):
        raise RefreshError(f"StatFin {spec.id}: the folder listing {url} is not a list of tables")
    for entry in listing:
        if isinstance(entry, dict) and str(entry.get("id", "")).removesuffix(".px") == spec.id:
            return entry
    tables = [str(e.get("id")) for e in listing if isinstance(e, dict) and e.get("type") == "t"]
    raise RefreshError(f"StatFin {spec.id}: not in the folder listing {url} ({len(tables)} tables: "
                       f"{', '.join(tables[:8])}{', …' if len(tables) > 8 else ''}): Statistics Finland may have "
                       f"renamed or removed it; update its id or folder in {pxweb.TABLES_PATH.name}")


def plan_tables(client: PxWebClient, specs) -> list[TablePlan]:
    """Plan the refresh of each table: listing, metadata, variables, queries.

    Only the listing and the metadata are read. Every table is planned before anything is
    downloaded, so that a renamed code stops the refresh before it starts.

    Raises
    ------
    RefreshError
        With the problems of every table.
    """
    listings, plans, problems = {}, [], []
    for spec in specs:
        folder_url = f"{client.root}/{spec.folder}"
        try:
            if spec.folder not in listings:
                listings[spec.folder] = None  # a failed listing is reported once, for its first table
                listings[spec.folder], _ = client.get_json(folder_url, f"StatFin folder {spec.folder} (listing)")
            if listings[spec.folder] is None:
                continue
            entry = listing_entry(listings[spec.folder], spec, folder_url)
            url = f"{client.root}/{spec.path}"
            metadata, _ = client.get_json(url, f"StatFin {spec.id} (metadata)")
            variables = resolve_variables(metadata, spec)
            whole = select_values(variables, spec)
            queries = split_query(whole, variables, client.limits.max_values, f"StatFin {spec.id} ({spec.path})")
            plans.append(TablePlan(spec, url, str(entry.get("updated", "")), variables, whole, queries, client.limits))
        except RefreshError as error:
            problems.extend(error.problems)
            if error.unavailable:  # the other tables would wait as long for the same answer
                break
    if problems:
        raise RefreshError(problems, "nothing was downloaded")
    return plans


def select_specs(tables=None, specs=None) -> list[pxweb.TableSpec]:
    """The declared tables to refresh: ``tables`` ('12r5,11re' or a list), else all.

    Raises
    ------
    ParameterError
        If a table is not declared.
    """
    specs = specs if specs is not None else pxweb.load_table_specs()
    if not tables:
        return list(specs.values())
    ids = [t.strip() for t in (tables.split(",") if isinstance(tables, str) else tables) if t.strip()]
    unknown = [t for t in ids if t not in specs]
    if unknown:
        raise ParameterError(f"unknown table(s) {', '.join(unknown)}; declared in {pxweb.TABLES_PATH.name}: "
                             f"{', '.join(specs)}")
    return [specs[t] for t in ids]


def describe_plans(plans, limits: Limits) -> list[str]:
    """Lines of ``--dry-run``: per table the queries, cells and time, then the total."""
    lines = [f"limits: {limits.text()}"]
    for plan in plans:
        seconds = limits.estimate_seconds(len(plan.queries))
        lines.append(f"{plan.spec.id} ({plan.spec.path}, updated {plan.updated or 'unknown'}): {len(plan.queries)} "
                     f"queries, {plan.cells:,} cells ({plan.axes()}), about {seconds:.0f} s")
    calls = 1 + len({p.spec.folder for p in plans}) + len(plans) + sum(len(p.queries) for p in plans)
    lines.append(f"total: {len(plans)} table(s), {sum(len(p.queries) for p in plans)} queries, "
                 f"{sum(p.cells for p in plans):,} cells, {calls} calls, about {limits.estimate_seconds(calls):.0f} s "
                 f"(paced by the limits; {ASSUMED_CALL_S:g} s assumed for each response); nothing downloaded")
    return lines


# --- files -------------------------------------------------------------------------------------

def resolve_data_dir(data_dir=None) -> Path:
    """The data folder: ``data_dir``, else ``$OHTI_DATA_DIR``, else :data:`ohti.paths.DATA_DIR_USER`."""
    return Path(data_dir or os.environ.get("OHTI_DATA_DIR") or DATA_DIR_USER).resolve()


def utc_text(seconds: float) -> str:
    """'2026-08-20T06:00:00Z' of a clock reading."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(data_dir: Path) -> list[dict]:
    """The rows of ``<data_dir>/MANIFEST.csv`` (none if it does not exist)."""
    path = Path(data_dir) / MANIFEST_NAME
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def update_manifest(data_dir: Path, rows: list[dict], *, drop=()) -> None:
    """Put ``rows`` into the data folder's manifest, replacing the rows of the same files and
    leaving out the files in `drop`; written atomically."""
    new = {row["file"] for row in rows} | set(drop)
    kept = [row for row in read_manifest(data_dir) if row.get("file") not in new]
    columns = list(DATA_DIR_MANIFEST_COLUMNS) + sorted({k for row in kept for k in row} - set(DATA_DIR_MANIFEST_COLUMNS))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n", extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(kept + rows)
    write_bytes(Path(data_dir) / MANIFEST_NAME, text.getvalue().encode("utf-8"), sync=True)


def manifest_row(data_dir: Path, path: Path, raw: bytes, spec, response, *, origin: str, url: str = "",
                 query: str = "", fetched: str) -> dict:
    """The manifest row of a file written into the data folder."""
    periods = response.periods()
    return {
        "file": path.relative_to(data_dir).as_posix(), "sha256": bytes_digest(raw), "table": spec.id,
        "source": spec.source, "origin": origin, "url": url, "query": query, "updated": response.updated,
        "fetched": fetched, "first_period": periods[0] if periods else "", "last_period": periods[-1] if periods else "",
        "publisher": response.source or spec.publisher, "licence": LICENCE,
    }


def validate_file(path: Path, raw: bytes, spec=None, specs=None):
    """Read a PxWeb file's bytes and validate them against the table's declaration.

    Returns
    -------
    (ohti.sources.pxweb.Response, ohti.sources.pxweb.TableSpec)

    Raises
    ------
    SourceDataError
        With every problem (:func:`ohti.sources.loaders.tidy_response`).
    """
    response = pxweb.read_response(path, raw)
    spec = spec or pxweb.spec_for_response(response, specs)
    tidy_response(response, spec)
    return response, spec


# --- refresh -----------------------------------------------------------------------------------

def refresh_tables(client: PxWebClient, plans, data_dir, *, progress: bool = True):
    """Refresh each planned table in turn; yields each table's manifest row when it is in.

    Each table is replaced (file, then manifest row) only once all its parts are in and the
    combined file has passed :func:`ohti.sources.loaders.tidy_response`; a failure leaves that
    table's previous file and row as they were and stops the refresh.
    """
    data_dir = Path(data_dir)
    for plan in plans:
        yield refresh_table(client, plan, data_dir, progress=progress)


def refresh_table(client: PxWebClient, plan: TablePlan, data_dir: Path, *, progress: bool = True) -> dict:
    """Download a table's parts (resuming), combine, validate, replace; the manifest row.

    Raises
    ------
    RefreshError
        On an API error, a part that does not answer its query, parts of two releases, or
        a combined file that breaks a rule (then nothing is replaced).
    """
    spec = plan.spec
    staging = data_dir / STAGING_DIR / spec.id
    state = resume_state(staging, plan)
    parts = []
    bar = _progress_bar(len(plan.queries), spec.id, progress)
    try:
        for number, query in enumerate(plan.queries):
            name = f"part-{number:03d}.json"
            path = staging / name
            raw = path.read_bytes() if path.is_file() else None
            if raw is None or state["parts"].get(name) != bytes_digest(raw):  # not in, or not as recorded
                what = f"StatFin {spec.id}, query {number + 1} of {len(plan.queries)}"
                _, raw = client.post_json(plan.url, query.body(), what)
                response = read_part(path, raw, plan, query, what)
                write_bytes(path, raw, sync=True)
                state["parts"][name] = bytes_digest(raw)
                write_bytes(staging / STATE_NAME, json.dumps(state).encode("utf-8"), sync=True)
            else:
                response = read_part(path, raw, plan, query, f"StatFin {spec.id}, resumed part {name}")
            parts.append(response)
            bar.update(1)
    finally:
        bar.close()
    raw = json.dumps(combine_parts(parts, plan, staging), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # a new name for new content: the manifest and the files it lists agree at every moment
    # (a build reading meanwhile sees the old pair or the new one, never a file it refuses)
    target = data_dir / spec.id / f"{spec.id}-{bytes_digest(raw)[:12]}.json"
    try:
        response, _ = validate_file(target, raw, spec)
    except SourceDataError as error:
        raise RefreshError([f"StatFin {spec.id} as downloaded: {problem}" for problem in error.problems],
                           f"{target} was not replaced; the parts stay in {staging}") from error
    write_bytes(target, raw, sync=True)
    query_text = json.dumps([q.body()["query"] for q in plan.queries], ensure_ascii=False, separators=(",", ":"))
    row = manifest_row(data_dir, target, raw, spec, response, origin="refresh", url=plan.url, query=query_text,
                       fetched=utc_text(client.clock.now()))
    replaced = [old for old in read_manifest(data_dir)
                if old.get("table") == spec.id and old.get("origin") == "refresh" and old.get("file") != row["file"]]
    update_manifest(data_dir, [row], drop={old["file"] for old in replaced})
    for old in replaced:  # the previous refresh of the table, no longer listed
        (Path(data_dir) / old["file"]).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return row


def resume_state(staging: Path, plan: TablePlan) -> dict:
    """The staging state of a table: the parts already in, if the table's ``updated`` and
    the queries are those of the plan; otherwise a fresh state (old parts removed)."""
    fresh = {"table": plan.spec.id, "updated": plan.updated, "queries": [q.body() for q in plan.queries], "parts": {}}
    try:
        state = json.loads((staging / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    if (isinstance(state, dict) and state.get("updated") == fresh["updated"] and state.get("queries") == fresh["queries"]
            and isinstance(state.get("parts"), dict)):
        return state
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, exist_ok=True)
    return fresh


def _progress_bar(total: int, table: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"StatFin {table}", unit="query", file=sys.stderr, leave=False,
                disable=None if progress else True)


def read_part(path: Path, raw: bytes, plan: TablePlan, query: Query, what: str):
    """Read one answer and check it holds exactly the cells its query asked for.

    Raises
    ------
    RefreshError
        If it cannot be read, or lacks or adds values of a variable.
    """
    try:
        response = pxweb.read_response(path, raw)
    except SourceDataError as error:
        raise RefreshError([f"{what}: the answer is no readable {RESPONSE_FORMAT} dataset: {p}" for p in error.problems])
    problems = []
    for code, values in query.selection:
        if code == plan.variables.content:
            found = set(response.contents)
        elif code in response.rows.columns:
            found = set(response.rows[code].astype(str))
        else:
            problems.append(f"{what}: the answer has no variable {code}")
            continue
        missing, extra = [v for v in values if v not in found], sorted(found - set(values))
        if missing:
            problems.append(f"{what}: the answer lacks {len(missing)} value(s) of {code} that were asked for "
                            f"({', '.join(missing[:5])})")
        if extra:
            problems.append(f"{what}: the answer has {len(extra)} value(s) of {code} not asked for ({', '.join(extra[:5])})")
    if problems:
        raise RefreshError(problems)
    return response


def combine_parts(parts, plan: TablePlan, staging: Path) -> dict:
    """The parts of a table as one PxWeb ``json`` document (columns, data, metadata).

    Raises
    ------
    RefreshError
        If the parts come from two releases of the table (different ``updated``: the
        parts are removed, to be downloaded again), or overlap or leave cells out.
    """
    spec, variables = plan.spec, plan.variables
    releases = sorted({p.updated for p in parts})
    if len(releases) > 1:
        shutil.rmtree(staging, ignore_errors=True)
        raise RefreshError(f"StatFin {spec.id} changed during the refresh (parts updated {', '.join(releases)}): "
                           "its parts were removed; run ohti refresh again")
    keys = [code for code, _ in plan.whole.selection if code != variables.content]
    contents = list(plan.whole.values(variables.content))
    grouped: dict = {}
    for part in parts:
        grouped.setdefault(tuple(part.contents), []).append(part.rows.set_index(keys)[list(part.contents)])
    blocks = [pd.concat(frames) for frames in grouped.values()]
    columns_seen = [c for block in blocks for c in block.columns]
    if any(block.index.duplicated().any() for block in blocks) or len(columns_seen) != len(set(columns_seen)):
        raise RefreshError(f"StatFin {spec.id}: the parts overlap (a cell answered twice): the staging folder "
                           f"{staging} is inconsistent; delete it and run ohti refresh again")
    wide = pd.concat(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    expected = pd.MultiIndex.from_product([plan.whole.values(code) for code in keys], names=keys)
    wide = wide.reindex(index=expected, columns=contents)
    if wide.isna().any().any():
        raise RefreshError(f"StatFin {spec.id}: {int(wide.isna().sum().sum()):,} cells are in no part: the staging "
                           f"folder {staging} is inconsistent; delete it and run ohti refresh again")
    texts, comments = {}, {}
    for part in parts:
        texts.update(part.contents)
        comments.update(part.comments)
    columns = [{"code": code, "text": variables.variable(code).text, "type": "t" if code == variables.time else "d"}
               for code in keys]
    for code in contents:
        column = {"code": code, "text": texts.get(code, code)}
        if comments.get(code):
            column["comment"] = comments[code]
        columns.append(dict(column, type="c"))
    data = [{"key": list(key), "values": list(values)} for key, values in zip(wide.index, wide.to_numpy().tolist())]
    first = parts[0]
    return {"columns": columns, "comments": [], "data": data,
            "metadata": [{"updated": first.updated, "label": first.label, "source": first.source}]}


# --- check -------------------------------------------------------------------------------------

def _stamp(text: str) -> str:
    """An ``updated`` time comparable across the listing and the responses ('2026-07-21T05:00:00')."""
    return pxweb.normalise_updated(text).removesuffix("Z")[:19]


def check_tables(plans, data_dir) -> list[str]:
    """Lines of ``--check``: each table new, changed or unchanged since the data folder's manifest."""
    data_dir = Path(data_dir)
    rows = read_manifest(data_dir)
    lines = []
    for plan in plans:
        stamps = sorted(row.get("updated", "") for row in rows if row.get("table") == plan.spec.id)
        if not stamps:
            lines.append(f"{plan.spec.id}: new (not in {data_dir / MANIFEST_NAME}); StatFin updated it "
                         f"{plan.updated or 'at an unknown time'}")
        elif _stamp(plan.updated) == _stamp(stamps[-1]):
            lines.append(f"{plan.spec.id}: unchanged since {stamps[-1]}")
        else:
            lines.append(f"{plan.spec.id}: changed: StatFin updated it {plan.updated or 'at an unknown time'}; "
                         f"the data folder has {stamps[-1]}")
    return lines


# --- import ------------------------------------------------------------------------------------

def import_files(paths, data_dir=None, *, clock=None, specs=None) -> list[dict]:
    """Validate PxWeb files and copy them into the data folder, with manifest rows.

    Each file is read (``json``, ``json-stat2`` or a CSV export), its table found from its
    contents and validated by :func:`ohti.sources.loaders.tidy_response`; then copied unchanged to
    ``<table>/<table>.import-<sha12>.json`` (``.csv`` for an export, the original
    suffixes for a gzip file).

    Raises
    ------
    RefreshError
        With every problem of every file; then nothing is written.
    """
    data_dir = resolve_data_dir(data_dir)
    clock = clock if clock is not None else SystemClock()
    checked, problems = [], []
    for path in map(Path, paths):
        try:
            raw = path.read_bytes()
            response, spec = validate_file(path, raw, specs=specs)
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror or error})")
            continue
        except SourceDataError as error:
            problems.extend(f"{error.path}: {problem}" for problem in error.problems)
            continue
        checked.append((path, raw, response, spec))
    if problems:
        raise RefreshError(problems, f"nothing was imported into {data_dir}: fix the file(s) and run ohti import again")
    rows = {}
    fetched = utc_text(clock.now())
    for path, raw, response, spec in checked:
        suffix = "".join(path.suffixes[-2:]) if raw[:2] == b"\x1f\x8b" else (".csv" if response.format == "csv" else ".json")
        target = data_dir / spec.id / f"{spec.id}.import-{bytes_digest(raw)[:12]}{suffix}"
        write_bytes(target, raw, sync=True)
        rows[target] = manifest_row(data_dir, target, raw, spec, response, origin="import", fetched=fetched)
    update_manifest(data_dir, list(rows.values()))
    return list(rows.values())


def describe_row(row: dict, data_dir) -> str:
    """One line of output for a file written into the data folder."""
    return (f"{row['table']}: {row['origin']} {row['first_period']} … {row['last_period']} (updated "
            f"{row['updated'] or 'unknown'}) → {Path(data_dir) / row['file']}")


def unread_note(data_dir) -> str:
    """A note when ohti's loaders read another data folder than the one written."""
    if Path(data_dir).resolve() == DATA_DIR_USER:
        return ""
    return (f"note: ohti reads the data folder {DATA_DIR_USER}; set OHTI_DATA_DIR={Path(data_dir).resolve()} "
            "for it to use these files")
