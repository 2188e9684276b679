"""Audit published files: no count of persons below the disclosure threshold may be in them.

``ohti audit outputs/<period>`` reads every file ohti publishes under the folder (or the files
given) and lists each count of persons from 1 to the threshold − 1 it finds, with the file,
where in it and the value; it exits with status 1 if it finds any. It is the check after the
gate (:func:`ohti.indicators.disclosure.apply_disclosure`), not a replacement for it.

What is read
------------
Each file is read by its suffix; a folder, recursively, for the files of these suffixes (its
``.stamps`` and ``.cache`` folders are skipped, they are ohti's bookkeeping, not publications;
links to folders inside it are not followed):

``.html``, ``.htm``
    Tables, the alt texts of images, the SVG images embedded in ``<img src="data:image/svg+xml…">``
    and the inline ``<svg>`` elements (see *SVG images* below).
``.svg``
    As an SVG image of a document.
``.pdf``
    The text of every page, laid out again from the position of each glyph (PDFium, through pypdfium2):
    see *Laid-out text* below. A page that holds pictures and no text cannot be audited.
``.csv``, ``.xlsx``
    Every sheet of a workbook is read like a CSV file (see *CSV files and workbooks*).
``.ipynb``
    The outputs of an executed notebook: ``text/html`` as an HTML document, ``image/svg+xml``
    as an SVG image, ``text/plain`` where an output has neither, streams and errors as text
    lines; the Markdown cells as text lines. Numbers as the notebook's ``language`` parameter
    (Papermill's) writes them.
``.txt``
    As text lines.
``.zip``
    Each member by its suffix, nested archives too (at most :data:`MAX_DEPTH` deep).
``.gz``
    Unpacked, then read by the suffix before ``.gz`` (``values.csv.gz`` as a CSV file).

Raster images (PNG and JPEG, in a document or a notebook) are pictures without text: they are
not read; the gate upstream covers what they show.

A file that cannot be read is a *problem*, never a file checked: a suffix not listed above, a
damaged file (a zip or gzip archive that does not unpack, a PDF that does not parse, a notebook
that is not JSON), a file that is not a regular file (a FIFO, a device, a socket, a symbolic
link that loops or points nowhere), and an archive that would unpack to more than
:data:`MAX_UNPACKED_BYTES` or hold more than :data:`MAX_MEMBERS` members (a zip bomb: refused
from the sizes its directory declares, before anything is unpacked; a member that unpacks to
more than it declares is damaged). :func:`audit` reads every file, then raises one
:class:`~ohti.errors.SourceDataError` that lists every problem, each naming the file, what
failed and how to fix it; ``ohti audit`` exits with status 2.

How a cell is recognised as a count of persons
----------------------------------------------
The names come from the registry and the label table, never from a list in the code. A
*person label* is the name (fi, sv, en) of an indicator whose value counts persons
(:func:`ohti.indicators.disclosure.person_columns` has ``value``), alone, followed by ", <unit>" (the
documents' tables) or followed by " (<unit>)" (the charts' axes, :mod:`ohti.documents.charts`), its id,
and the id or label (``variable_<name>`` in labels.yaml) of a source variable that counts
persons. Footnote markers ('[1]') and the '▶ ' highlight are ignored, and case too.

HTML tables
    - a column whose header is a person label: every number in it;
    - a row whose first cell is a person label: the numbers in its value columns, those
      headed by the labels ``area_value``, ``national_value``, ``peers`` or ``observed``, or
      by a period ('10/2023', '2023'). Intervals ('1 688–1 854'), ranks ('38/45'), changes,
      differences and ratios are not counts and are not read.
    Numbers are read as the document's language writes them (``<html lang>``): a narrow
    no-break space between thousands and a decimal comma in Finnish and Swedish.
Chart alt texts
    An image whose alt text follows a line-chart template (``chart_alt_area``,
    ``chart_alt_series``) for a person label: its latest values. So is the ``<title>``,
    ``<desc>`` or ``aria-label`` of an SVG image.
SVG images
    The ``<text>`` elements, placed where they are drawn: a number drawn on the row of a
    person label and right of it (the values beside a spine chart's rows); and, in a chart
    whose axis is labelled with a person label ('Työttömät työnhakijat (henkilöä)'), every
    number drawn that is not a tick label (an annotation, a data label). Tick labels are the
    scale of an axis, not values, and are not read. A label wrapped on several lines (one
    matplotlib text, or lines stacked in a column) is read whole.
Laid-out text (PDF pages)
    A PDF is read as the HTML table it was printed from. Glyphs on a baseline make a line; a
    gap wider than :data:`CELL_GAP` font sizes splits it into cells (the documents' table
    cells are padded 0.5 em each side); a column runs between the vertical rules drawn around
    a cell (its borders, its header's background), else under its text. A cell, or up to
    three cells stacked in a column (a label wrapped in its table cell), that is a person
    label starts a row: the numbers on its row to its right whose column header (the nearest
    text above them in their column) is a value column as in HTML tables; and a column: the
    numbers below it, down to a line with text in the column other than "no data" or a gap
    taller than :data:`COLUMN_GAP` font sizes. A cell that begins with a person label followed
    only by numbers (a table drawn without padding, whose cells run together) is read like a
    text line: all its numbers, as their columns cannot be told apart. The charts of a PDF
    (their text is drawn in figures) are read by the SVG row rule, their rotated axis labels
    not at all.
    Only numbers written as a count are read: no sign (changes are written '+3'), no interval,
    rank, percentage or parenthesis.
Text lines
    A line that starts with a person label: the numbers after it, in cells separated by a tab,
    two spaces or '|' (a Markdown table, a printed data frame), or, where the line has no
    cells, the words after the label if they are all numbers (so prose is not read).
CSV files and workbooks
    Numbers are read with a decimal point in comma-separated files and with a decimal comma in
    semicolon-separated ones (the Finnish spreadsheet dialect of the data packages,
    :mod:`ohti.publish.packages`); every sheet of an XLSX workbook is read like a CSV file.
    A long file with an ``indicator`` column: on each row, the columns of
    :func:`~ohti.indicators.disclosure.person_columns` for that indicator (``value``, ``numerator``,
    ``denominator``), also under the Finnish and Swedish headers of the data packages (the value
    rounded and at full precision, :func:`ohti.publish.package_dialects.audited_headers`). Any other file: the columns whose header is a person label, or the id
    of a person indicator or variable.

The threshold is each indicator's registry ``suppression_threshold`` where the cell's
indicator is known, else 5; ``--threshold`` sets one for all. Zero is not a finding (it
reveals no person; StatFin publishes zeros).
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import csv
import ctypes
import dataclasses
import errno
import functools
import gzip
import io
import json
import multiprocessing
import os
import re
import stat
import urllib.parse
import warnings
import zipfile
import zlib
from pathlib import Path

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

from ohti._files import SKIPPED_NAMES
from ohti.build.stamps import STAMPS_FOLDER
from ohti.errors import ParameterError, SourceDataError
from ohti.i18n import LANGUAGES, label
from ohti.indicators.disclosure import DEFAULT_THRESHOLD, person_columns, threshold_for
from ohti.indicators.registry import load_registry
from ohti.publish.package_dialects import audited_headers
from ohti.sources import access, variables
from ohti.sources.files import decode_text

#: Label keys of the columns that hold an indicator's own value in row-per-indicator tables.
VALUE_COLUMN_KEYS = ("area_value", "national_value", "peers", "observed")
#: Label keys of the alt texts of line charts: their ``*_last`` fields are values.
CHART_ALT_KEYS = ("chart_alt_area", "chart_alt_series")
#: Label keys of the texts a table writes for a value it does not have.
NO_VALUE_KEYS = ("no_data", "sig_not_compared")
PERIOD_HEADER = re.compile(r"^(\d{1,2}/\d{4}|\d{4}(-\d{2})?)$")
FOOTNOTE = re.compile(r"(\s*\[\d+\])+$")

#: Suffixes read, and as what. A ``.gz`` file is read by the suffix before it.
KINDS = {".html": "html", ".htm": "html", ".svg": "svg", ".pdf": "pdf", ".csv": "csv", ".xlsx": "xlsx",
         ".ipynb": "notebook", ".txt": "text", ".zip": "zip"}
AUDITED_SUFFIXES = (*KINDS, ".gz")
#: Folders of a build that are ohti's bookkeeping, not publications: never read.
SKIPPED_FOLDERS = frozenset({STAMPS_FOLDER, access.SOURCE_CACHE_DIR.parent.name}) | SKIPPED_NAMES

#: Most bytes unpacked from one file's archives (zip members, gzip streams, workbooks) in all.
MAX_UNPACKED_BYTES = 100 * 2**20
#: Most members of one file's archives, those of nested archives included.
MAX_MEMBERS = 10_000
#: Deepest nesting of archives read (a zip in a zip …).
MAX_DEPTH = 4

#: A gap between two glyphs of a PDF line wider than this many font sizes separates two cells.
CELL_GAP = 0.6
#: A space between two glyphs narrower than this many font sizes joins the thousands of a number.
THIN_SPACE = 0.25
#: Lines whose baselines are at most this many font sizes apart and overlap may be one label.
WRAPPED_LINE = 1.75
#: A column of a laid-out table ends at a gap taller than this many font sizes.
COLUMN_GAP = 4.0
#: Width of a glyph of SVG text, in font sizes, where only its anchor is known.
GLYPH_WIDTH = 0.55


@dataclasses.dataclass(frozen=True)
class Finding:
    """A count of persons below the threshold in a published file."""

    file: str
    where: str
    value: str
    threshold: int

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.value!r} is a count of persons below the threshold {self.threshold}"


# --------------------------------------------------------------------------- labels and numbers


def _label(key: str, language: str) -> str | None:
    """A label of the label table, or None where it has no such key."""
    try:
        return label(key, language)
    except KeyError:
        return None


def _normal(text: str) -> str:
    text = FOOTNOTE.sub("", " ".join(str(text).replace("\u00a0", " ").replace("\u202f", " ").split()))
    return text.removeprefix("▶ ").strip().casefold()


def person_labels() -> dict:
    """Normalised person label → the indicator id it names (None for a source variable).

    Examples
    --------
    >>> labels = person_labels()
    >>> labels["työttömät työnhakijat (henkilöä)"], labels["arbetslösa arbetssökande, personer"]
    ('unemployed', 'unemployed')
    """
    found = {}
    for indicator in load_registry().values():
        if "value" not in person_columns(indicator.id):
            continue
        found[_normal(indicator.id)] = indicator.id
        for language in LANGUAGES:
            name = indicator.name[language]
            found[_normal(name)] = indicator.id
            unit = indicator.unit[language]
            if unit:
                found[_normal(f"{name}, {unit}")] = indicator.id   # the documents' tables
                found[_normal(f"{name} ({unit})")] = indicator.id  # the charts' axes
    for variable in variables.PERSON_VARIABLES:
        found.setdefault(_normal(variable), None)
        for language in LANGUAGES:
            text = _label(f"variable_{variable}", language)
            if text:
                found.setdefault(_normal(text), None)
    return found


def _value_headers() -> set:
    return {_normal(text) for key in VALUE_COLUMN_KEYS for language in LANGUAGES
            if (text := _label(key, language)) is not None}


def _no_value_texts() -> set:
    return {_normal(text) for key in NO_VALUE_KEYS for language in LANGUAGES
            if (text := _label(key, language)) is not None}


def _alt_patterns() -> list:
    patterns = []
    for key in CHART_ALT_KEYS:
        for language in LANGUAGES:
            template = _label(key, language)
            if not template:
                continue
            parts, seen = [], set()
            for literal, field in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
                parts.append(re.escape(literal))
                if field:
                    parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
                    seen.add(field)
            # a chart with series breaks names them after its own sentence
            breaks = re.escape(_label("series_breaks", language) or "Series breaks")
            patterns.append((language, re.compile("^" + "".join(parts) + rf"(?: {breaks}: .*)?$", re.DOTALL)))
    return patterns


def parse_number(text: str, language: str = "fi") -> float | None:
    """A number as a document writes it ('1 770', '7,9', '−220', '1,770' in English), or None."""
    text = str(text).strip().replace("\u2212", "-").lstrip("+")
    if language in ("fi", "sv"):
        text = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", text)
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        return None
    return float(text)


def _count(text: str, language: str) -> float | None:
    """A number written as a count ('3', '1 770', '3,5'), or None: not a change ('+3', '−2'),
    nor '1.' of a numbered list."""
    text = FOOTNOTE.sub("", str(text)).strip()
    if not text or text[0] in "+-\u2212" or text[-1] in ".,":
        return None
    return parse_number(text, language)


def _numeric_like(text: str) -> bool:
    """A cell of a column of numbers: a number, an interval, a rank, a change, a percentage."""
    return bool(re.fullmatch(r"[\d\s\u00a0\u202f.,:+\-\u2212–—/%‰()\[\]…]+", FOOTNOTE.sub("", text).strip()))


def _small(number, threshold) -> bool:
    return number is not None and 0 < number < threshold


def _threshold(indicator_id, override):
    if override is not None:
        return override
    return threshold_for(indicator_id) if indicator_id else DEFAULT_THRESHOLD


def _language(text, default: str = "fi") -> str:
    text = str(text or "")[:2].lower()
    return text if text in LANGUAGES else default


def _at(where: str, text: str) -> str:
    return f"{where}, {text}" if where else text


@dataclasses.dataclass(frozen=True)
class _Rules:
    """What a count of persons is: the labels, headers and templates of the registry and the
    label table, read once per file."""

    labels: dict
    values: set
    no_value: set
    patterns: list
    threshold: int | None

    @classmethod
    def load(cls, threshold: int | None) -> _Rules:
        return cls(person_labels(), _value_headers(), _no_value_texts(), _alt_patterns(), threshold)


@dataclasses.dataclass
class _Reading:
    """What reading one file found: its findings, the parts it could not read and how much its
    archives unpacked."""

    rules: _Rules
    findings: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)  # (file, what failed and how to fix it)
    unpacked: int = 0
    members: int = 0

    def check(self, file: str, where: str, text: str, number, indicator) -> None:
        limit = _threshold(indicator, self.rules.threshold)
        if _small(number, limit):
            self.findings.append(Finding(file, where, text, limit))

    def problem(self, file: str, text: str) -> None:
        self.problems.append((str(file), text))

    def result(self, file: str) -> list[Finding]:
        """The findings, or a SourceDataError listing what could not be read."""
        if self.problems:
            raise SourceDataError(file, [text if name == file else f"{name}: {text}" for name, text in self.problems])
        return self.findings


def _described(text: str, file: str, where: str, reading: _Reading) -> None:
    """A text following a line chart's alt-text template for a person label: its latest values.
    `where` has a ``{field}`` placeholder."""
    labels = reading.rules.labels
    for language, pattern in reading.rules.patterns:
        match = pattern.match(text or "")
        if not match or _normal(match.group("indicator")) not in labels:
            continue
        indicator = labels[_normal(match.group("indicator"))]
        for field, value in match.groupdict().items():
            if field.endswith("_last"):
                reading.check(file, where.format(field=field), value, parse_number(value, language), indicator)
        return


# --------------------------------------------------------------------------- HTML


def _table_rows(table):
    """A table's header texts and body rows (lists of cell texts), colspans expanded."""
    header, body = [], []
    for tr in table.find_all("tr"):
        cells = []
        for cell in tr.find_all(["th", "td"]):
            cells += [cell.get_text(" ", strip=True)] * int(cell.get("colspan", 1) or 1)
        in_head = tr.find_parent("thead") is not None
        if in_head or (not header and not body and all(c.name == "th" for c in tr.find_all(["th", "td"]))):
            header = cells
        else:
            body.append(cells)
    return header, body


def audit_html(text: str, file: str, *, threshold: int | None = None, language: str | None = None) -> list[Finding]:
    """Findings in one HTML document (see the module docstring for what is read).

    Parameters
    ----------
    text : str
        The document.
    file : str
        Its name in the findings.
    threshold : int, optional
        One threshold for every count; each indicator's registry threshold by default.
    language : str, optional
        How numbers are written where the document has no ``<html lang>`` (a fragment, a
        notebook's output); Finnish by default.

    Raises
    ------
    SourceDataError
        If an embedded SVG image does not decode.
    """
    reading = _Reading(_Rules.load(threshold))
    _read_html(text, file, "", reading, language)
    return reading.result(file)


def _read_html(text: str, file: str, where: str, reading: _Reading, language: str | None = None) -> None:
    soup = BeautifulSoup(text, "html.parser")
    root = soup.find("html")
    language = _language(root.get("lang") if root else None, _language(language))
    labels, values = reading.rules.labels, reading.rules.values
    for number, table in enumerate(soup.find_all("table"), start=1):
        header, body = _table_rows(table)
        normal_header = [_normal(h) for h in header]
        for cells in body:
            if not cells:
                continue
            row_name = _normal(cells[0])
            for position, cell in enumerate(cells[1:], start=1):
                head = normal_header[position] if position < len(normal_header) else ""
                if head in labels:
                    indicator = labels[head]
                elif row_name in labels and (head in values or PERIOD_HEADER.match(head)):
                    indicator = labels[row_name]
                else:
                    continue
                shown = header[position] if position < len(header) else f"column {position + 1}"
                reading.check(file, _at(where, f"table {number}, row {cells[0]!r}, column {shown!r}"), cell,
                              parse_number(cell, language), indicator)
    for number, image in enumerate(soup.find_all("img"), start=1):
        image_where = _at(where, f"image {number}")
        _described(image.get("alt", ""), file, image_where + " (alt text, {field})", reading)
        source = image.get("src", "")
        if source.lower().startswith("data:image/svg+xml"):
            try:
                svg = _data_uri_text(source)
            except ValueError as error:
                reading.problem(file, f"{image_where}: its SVG data URI does not decode ({error}); build the document again")
                continue
            _read_svg(svg, file, image_where, reading, language)
    for number, svg in enumerate((s for s in soup.find_all("svg") if s.find_parent("svg") is None), start=1):
        _read_svg_element(svg, file, _at(where, f"svg {number}"), reading, language)


def _data_uri_text(uri: str) -> str:
    """The text of a ``data:`` URI (base64 or percent-encoded)."""
    header, _, payload = uri.partition(",")
    if ";base64" in header.lower():
        try:
            raw = base64.b64decode(payload, validate=True)
        except binascii.Error as error:
            raise ValueError(f"not base64: {error}") from error
    else:
        raw = urllib.parse.unquote_to_bytes(payload)
    return _decode(raw)


# --------------------------------------------------------------------------- SVG


def audit_svg(text: str, file: str, *, threshold: int | None = None, language: str = "fi") -> list[Finding]:
    """Findings in one SVG image: its title, description and drawn texts (see the module
    docstring).

    Raises
    ------
    SourceDataError
        If the text has no ``<svg>`` element.
    """
    reading = _Reading(_Rules.load(threshold))
    _read_svg(text, file, "", reading, language)
    return reading.result(file)


def _read_svg(text: str, file: str, where: str, reading: _Reading, language: str) -> None:
    with warnings.catch_warnings():
        # SVG is XML; the lenient HTML parser reads its elements and attributes all the same
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        svg = BeautifulSoup(text, "html.parser").find("svg")
    if svg is None:
        reading.problem(file, f"{_at(where, 'the image')} has no <svg> element; write it again as SVG")
        return
    _read_svg_element(svg, file, where, reading, language)


def _read_svg_element(svg, file: str, where: str, reading: _Reading, language: str) -> None:
    described = [("aria-label", svg.get("aria-label", ""))]
    described += [(element.name, element.get_text(" ", strip=True)) for element in svg.find_all(["title", "desc"])]
    described += [("aria-label", element["aria-label"]) for element in svg.find_all(attrs={"aria-label": True})]
    for kind, text in described:
        _described(text, file, (where or "image") + f" ({kind}, {{field}})", reading)
    _read_layout(_svg_cells(svg), file, where, reading, language, table=False)


@dataclasses.dataclass(frozen=True)
class _Cell:
    """A run of text where it is drawn: left and right, its baseline (growing downwards)."""

    text: str
    x0: float
    x1: float
    y: float
    size: float
    group: str | None = None  # the drawn text (one matplotlib artist) whose line this is
    tick: bool = False  # a tick label: the scale of an axis
    axis: bool = False  # an axis label


_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _svg_place(element) -> tuple[float, float, bool]:
    """Where an SVG element is drawn (x, y; translations of it and its groups added) and
    whether it is rotated."""
    x = _svg_number(element.get("x"))
    y = _svg_number(element.get("y"))
    rotated = False
    for node in [element, *element.parents]:
        transform = node.get("transform", "") if hasattr(node, "get") else ""
        for name, arguments in re.findall(r"(\w+)\s*\(([^)]*)\)", transform or ""):
            values = [float(match.group(0)) for match in _NUMBER.finditer(arguments)]
            if name == "translate" and values:
                x += values[0]
                y += values[1] if len(values) > 1 else 0.0
            elif name == "matrix" and len(values) == 6:
                rotated = rotated or abs(values[1]) > 1e-6 or abs(values[2]) > 1e-6
                x, y = values[0] * x + values[2] * y + values[4], values[1] * x + values[3] * y + values[5]
            elif name == "rotate" and values and values[0] % 360:
                rotated = True
    return x, y, rotated


def _svg_number(text) -> float:
    match = _NUMBER.match(str(text or "").strip())
    return float(match.group(0)) if match else 0.0


def _svg_style(element, name: str, default: str) -> str:
    """A presentation property of an element, from its style or attribute, else inherited."""
    for node in [element, *element.parents]:
        if not hasattr(node, "get"):
            continue
        match = re.search(rf"(?:^|;)\s*{name}\s*:\s*([^;]+)", node.get("style", "") or "")
        if match:
            return match.group(1).strip()
        if node.get(name):
            return str(node.get(name)).strip()
    return default


def _svg_cells(svg) -> list[_Cell]:
    cells = []
    for element in svg.find_all("text"):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        x, y, rotated = _svg_place(element)
        size_text = _svg_style(element, "font-size", "10")
        size = _svg_number(size_text) * (4 / 3 if size_text.endswith("pt") else 1) or 10.0
        width = GLYPH_WIDTH * size * len(text)
        anchor = _svg_style(element, "text-anchor", "start")
        x0 = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        ids = [str(node.get("id", "")) for node in element.parents if hasattr(node, "get")]
        classes = [" ".join(node.get("class", []) or []) for node in element.parents if hasattr(node, "get")]
        tick = any(re.match(r"[xy]tick_\d+$", i) for i in ids) or any("tick" in c for c in classes)
        in_axis = any(i.startswith("matplotlib.axis") for i in ids)
        parent_id = str(element.parent.get("id", "")) if element.parent is not None else ""
        group = parent_id if re.fullmatch(r"text_\d+", parent_id) else None
        cells.append(_Cell(text, x0, x0 + width, y, size, group, tick, rotated or (in_axis and not tick)))
    return cells


# --------------------------------------------------------------------------- laid-out text


@dataclasses.dataclass(frozen=True)
class _Block:
    """A person label among laid-out cells: one cell or several lines of one label."""

    text: str
    indicator: str | None
    members: frozenset
    x0: float
    x1: float
    top: float  # baseline of its first line
    bottom: float  # baseline of its last line
    size: float
    axis: bool  # an axis label of a chart
    heads: bool = True  # may head a column (a label alone in its cell)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1


def _label_blocks(cells: list[_Cell], counts: dict, labels: dict) -> list[_Block]:
    """The person labels among the cells: the lines of one drawn text, or a cell with up to two
    cells stacked under it (a label wrapped in its table cell); the longest that is a label."""
    texts = [i for i, cell in enumerate(cells) if i not in counts]
    runs = {}
    for group in {cells[i].group for i in texts} - {None}:
        runs[group] = [[i for i in sorted(texts, key=lambda i: cells[i].y) if cells[i].group == group]]
    under = {}  # a cell → the nearest cell stacked under it
    loose = sorted((i for i in texts if cells[i].group is None), key=lambda i: (cells[i].y, cells[i].x0))
    for position, i in enumerate(loose):
        for j in loose[position + 1:]:
            if cells[j].y - cells[i].y > WRAPPED_LINE * cells[i].size:
                break
            if cells[j].y > cells[i].y and _overlap(cells[i], cells[j]):
                under[i] = j
                break
    for i in loose:
        run, chain = [i], []
        while len(run) <= 3:
            chain.append(list(run))
            if run[-1] not in under:
                break
            run.append(under[run[-1]])
        runs[i] = chain
    blocks, used = [], set()
    for chain in runs.values():
        best = None
        for run in chain:
            name = _normal(" ".join(cells[i].text for i in run))
            if name in labels and not used & set(run):
                best = (run, name)
        if best is None:
            continue
        run, name = best
        used.update(run)
        members = [cells[i] for i in run]
        blocks.append(_Block(" ".join(c.text for c in members), labels[name], frozenset(run),
                             min(c.x0 for c in members), max(c.x1 for c in members),
                             members[0].y, members[-1].y, max(c.size for c in members),
                             any(c.axis for c in members)))
    return blocks


def _read_layout(cells: list[_Cell], file: str, where: str, reading: _Reading, language: str, *,
                 table: bool, edges=()) -> None:
    """Counts of persons among laid-out cells (see the module docstring).

    ``table=True`` for a page of text (rows, columns, and cells that begin with a label); False
    for the texts of a chart (rows, and the numbers of a chart whose axis is a person label).
    `edges` are the vertical rules of a page ``(x, top, bottom)``: a header's column runs
    between those around it.
    """
    labels = reading.rules.labels
    counts = {i: number for i, cell in enumerate(cells)
              if not cell.tick and not cell.axis and (number := _count(cell.text, language)) is not None}
    blocks = _label_blocks(cells, counts, labels)
    read = set()

    def check(i, block, how):
        if i not in read:
            read.add(i)
            reading.check(file, _at(where, how), cells[i].text, counts[i], block.indicator)

    if table:
        in_blocks = set().union(*(block.members for block in blocks))
        for i, cell in enumerate(cells):
            split = None if i in counts or i in in_blocks else _split_label(cell.text, labels)
            if split:
                name, numbers = split
                for number in numbers:
                    reading.check(file, _at(where, f"row {name!r}"), number, _count(number, language), labels[_normal(name)])
                blocks.append(_Block(name, labels[_normal(name)], frozenset({i}), cell.x0, cell.x1, cell.y, cell.y,
                                     cell.size, axis=False, heads=False))
    for block in blocks:
        if block.axis:
            continue
        slack = 0.6 * block.size
        for i in counts:
            cell = cells[i]
            if not (cell.x0 > block.x0 and cell.x1 > block.x1 + slack and block.top - slack <= cell.y <= block.bottom + slack):
                continue
            if not table:
                check(i, block, f"text beside {block.text!r}")
                continue
            header = _header_above(i, cells, counts, edges, reading.rules.no_value)
            if header is not None and (_normal(header) in reading.rules.values or PERIOD_HEADER.match(_normal(header))):
                check(i, block, f"row {block.text!r}, column {header!r}")
        if table and block.heads:
            for i in _column_cells(block, cells, counts, edges, reading.rules.no_value):
                check(i, block, f"column {block.text!r}")
    for block in blocks:
        if block.axis:
            for i in counts:
                check(i, block, f"text in a chart of {block.text!r}")


def _header_above(i: int, cells: list[_Cell], counts: dict, edges, no_value: set) -> str | None:
    """The header of the column of cell `i`: the nearest text above it in its column past the
    numbers and "no data" of the rows between (its lines, if wrapped, joined); None if none."""
    cell = cells[i]
    left, right = _column(cell.x0, cell.x1, cell.y, cell.size, edges)
    above = sorted((j for j, c in enumerate(cells) if c.y < cell.y - 0.3 * cell.size and c.x0 < right and left < c.x1),
                   key=lambda j: -cells[j].y)
    lines = []
    for j in above:
        text = j not in counts and not _numeric_like(cells[j].text) and _normal(cells[j].text) not in no_value
        if not lines:
            if text:
                lines.append(j)
        elif text and cells[lines[-1]].y - cells[j].y <= WRAPPED_LINE * cells[j].size:
            lines.append(j)
        else:
            break
    return " ".join(cells[j].text for j in reversed(lines)) if lines else None


def _column_cells(block: _Block, cells: list[_Cell], counts: dict, edges, no_value: set) -> list[int]:
    """The numbers in the column a label heads: line by line down to a line with text in the
    column (other than "no data") or to a tall gap."""
    left, right = _column(block.x0, block.x1, block.top, block.size, edges)
    lines = {}
    for i, cell in enumerate(cells):
        if cell.y > block.bottom + 0.3 * block.size and cell.x0 < right and left < cell.x1:
            lines.setdefault(round(cell.y / (0.3 * block.size)), []).append(i)
    found, previous = [], block.bottom
    for key in sorted(lines):
        line = lines[key]
        if cells[line[0]].y - previous > COLUMN_GAP * block.size:
            break
        if not all(i in counts or _numeric_like(cells[i].text) or _normal(cells[i].text) in no_value for i in line):
            break
        found += [i for i in line if i in counts]
        previous = cells[line[0]].y
    return found


def _column(x0: float, x1: float, y: float, size: float, edges) -> tuple[float, float]:
    """The left and right of the column of text at `x0`…`x1` on baseline `y`: the nearest
    vertical rules around it that are no taller than a table's cell, else the text's own."""
    near = [x for x, top, bottom in edges if top - 1 <= y <= bottom + 1 and bottom - top <= 8 * size]
    left = max((x for x in near if x <= x0 + 0.5), default=None)
    right = min((x for x in near if x >= x1 - 0.5), default=None)
    return (left, right) if left is not None and right is not None else (x0, x1)


# --------------------------------------------------------------------------- PDF


def audit_pdf(source, file: str, *, threshold: int | None = None, language: str | None = None) -> list[Finding]:
    """Findings in one PDF document: the text of its pages, laid out again (see the module
    docstring).

    Parameters
    ----------
    source : path-like or bytes
        The PDF file or its content.
    file : str
        Its name in the findings.
    threshold : int, optional
        One threshold for every count; each indicator's registry threshold by default.
    language : str, optional
        How numbers are written where the PDF does not say its language (``/Lang``).

    Raises
    ------
    SourceDataError
        If the PDF does not parse, is encrypted, or has a page of pictures without text.
    """
    data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    reading = _Reading(_Rules.load(threshold))
    _read_pdf(bytes(data), file, reading, language)
    return reading.result(file)


def _read_pdf(data: bytes, file: str, reading: _Reading, language: str | None = None) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == raw.FPDF_ERR_PASSWORD:
            reading.problem(file, "the PDF is encrypted (it asks for a password to open); publish it unencrypted")
        else:
            reading.problem(file, f"the PDF does not parse ({error}); build the document again")
        return
    try:
        # PDFium mends a damaged file where it can; a file cut short (no end of file marker
        # after its last part) is refused, so that the pages read are all the pages written
        if raw.FPDF_GetTrailerEnds(document.raw, None, 0) == 0:
            reading.problem(file, "the PDF does not parse (it ends before its end-of-file marker); "
                                  "build the document again")
            return
        language = _language(_pdf_language(document, raw), _language(language))
        if len(document) == 0:
            reading.problem(file, "the PDF has no page; build the document again")
        for number in range(1, len(document) + 1):
            try:
                page = document[number - 1]
            except pdfium.PdfiumError as error:
                reading.problem(file, f"the PDF does not parse (page {number}: {error}); build the document again")
                return
            text, drawn, edges, pictures = _pdf_page(page, raw)
            page.close()
            if pictures and not text and not drawn:
                reading.problem(file, f"page {number} holds pictures and no text, which ohti audit cannot read; "
                                      "publish the document with its text (not scanned)")
            _read_layout(_pdf_cells(text), file, f"page {number}", reading, language, table=True, edges=edges)
            _read_layout(_pdf_cells(drawn), file, f"page {number}, chart", reading, language, table=False)
    finally:
        document.close()


def _pdf_language(document, raw) -> str | None:
    """The document's language (the catalog's ``/Lang``), if it says one."""
    size = raw.FPDFCatalog_GetLanguage(document.raw, None, 0)
    if size <= 2:
        return None
    buffer = (ctypes.c_ushort * (size // 2))()
    raw.FPDFCatalog_GetLanguage(document.raw, buffer, size)
    return bytes(buffer).decode("utf-16-le").rstrip("\0") or None


def _pdf_page(page, raw) -> tuple[list, list, list, bool]:
    """A page's own glyphs ``(x0, x1, top, size, text)``, the glyphs drawn in its figures
    (charts: form XObjects), the vertical rules of its tables ``(x, top, bottom)`` and whether
    it has pictures. Only upright glyphs are kept (a rotated axis label is not read)."""
    height = page.get_height()
    in_figure, edges, pictures = set(), [], False
    for item in page.get_objects(max_depth=32):
        if item.type == raw.FPDF_PAGEOBJ_IMAGE:
            pictures = True
        elif item.level > 0:
            if item.type == raw.FPDF_PAGEOBJ_TEXT:
                in_figure.add(ctypes.cast(item.raw, ctypes.c_void_p).value)
        elif item.type == raw.FPDF_PAGEOBJ_PATH:
            edges.extend(_path_edges(item, raw, height))
    textpage = page.get_textpage()
    handle, box, matrix = textpage.raw, raw.FS_RECTF(), raw.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    text, drawn = [], []
    try:
        for index in range(textpage.count_chars()):
            code = raw.FPDFText_GetUnicode(handle, index)
            if raw.FPDFText_IsGenerated(handle, index) or code in (0, 0x0A, 0x0D, 0xFFFE, 0xFFFF):
                continue  # spaces and line ends PDFium adds by itself
            raw.FPDFText_GetMatrix(handle, index, matrix)
            if not (matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0):
                continue
            raw.FPDFText_GetLooseCharBox(handle, index, box)
            raw.FPDFText_GetCharOrigin(handle, index, x, y)
            size = raw.FPDFText_GetFontSize(handle, index) * matrix.d
            glyph = (x.value, box.right, height - box.bottom, size or 1.0, chr(code))
            figure = ctypes.cast(raw.FPDFText_GetTextObject(handle, index), ctypes.c_void_p).value in in_figure
            (drawn if figure else text).append(glyph)
    finally:
        textpage.close()
    return text, drawn, edges, pictures


def _path_edges(item, raw, height: float) -> list[tuple[float, float, float]]:
    """The vertical rules a path draws on the page ``(x, top, bottom)``: a thin vertical line,
    or the two sides of an upright rectangle (a cell's box or background). Curves draw none."""
    handle, x, y, points = item.raw, ctypes.c_float(), ctypes.c_float(), []
    a, b, c, d, e, f = item.get_matrix().get()
    for index in range(raw.FPDFPath_CountSegments(handle)):
        segment = raw.FPDFPath_GetPathSegment(handle, index)
        if raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_BEZIERTO:
            return []
        raw.FPDFPathSegment_GetPoint(segment, x, y)
        points.append((a * x.value + c * y.value + e, b * x.value + d * y.value + f))
    if len(points) < 2:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    left, right, top, bottom = min(xs), max(xs), height - max(ys), height - min(ys)
    if right - left < 2:
        return [((left + right) / 2, top, bottom)]
    corners = {(round(p[0], 3), round(p[1], 3)) for p in points}
    if len(corners) == 4 and len({p[0] for p in corners}) == 2 and len({p[1] for p in corners}) == 2:
        return [(left, top, bottom), (right, top, bottom)]
    return []


def _pdf_cells(glyphs) -> list[_Cell]:
    """Cells of glyphs ``(x0, x1, baseline, size, text)``: lines by baseline, split at wide gaps."""
    lines = []
    for glyph in sorted(glyphs, key=lambda g: (g[2], g[0])):
        if lines and abs(glyph[2] - lines[-1][0][2]) <= 0.3 * glyph[3]:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    cells = []
    for line in lines:
        current, right, spaced = [], None, False
        for x0, x1, y, size, text in sorted(line, key=lambda g: g[0]):
            if not text.strip():
                spaced = True
                continue
            gap = x0 - right if right is not None else 0.0
            if current and gap > CELL_GAP * size:
                cells.append(_glyph_cell(current))
                current = []
            elif current and (spaced or gap > 0.1 * size):
                current.append((right, right, y, size, "\u202f" if gap < THIN_SPACE * size else " "))
            current.append((x0, x1, y, size, text))
            right, spaced = x1, False
        if current:
            cells.append(_glyph_cell(current))
    return cells


def _glyph_cell(glyphs) -> _Cell:
    return _Cell("".join(g[4] for g in glyphs), glyphs[0][0], max(g[1] for g in glyphs), glyphs[0][2],
                 max(g[3] for g in glyphs))


# --------------------------------------------------------------------------- text lines


def audit_text(text: str, file: str, *, threshold: int | None = None, language: str = "fi") -> list[Finding]:
    """Findings in plain text, read line by line (see the module docstring)."""
    reading = _Reading(_Rules.load(threshold))
    _read_text(text, file, "", reading, language)
    return reading.result(file)


def _read_text(text: str, file: str, where: str, reading: _Reading, language: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        _read_line(line, file, _at(where, f"line {number}"), reading, language)


def _read_line(line: str, file: str, where: str, reading: _Reading, language: str) -> None:
    """The numbers after a person label that starts a line, or a cell of a line."""
    labels = reading.rules.labels
    cells = [cell for cell in re.split(r"\t| {2,}|\s*\|\s*", line.strip()) if cell.strip()]
    found = next((position for position, cell in enumerate(cells) if _normal(cell) in labels), None)
    if found is not None:
        name, rest = cells[found], cells[found + 1:]
    elif len(cells) == 1 and (split := _split_label(cells[0], labels)):
        name, rest = split
    else:
        return
    indicator = labels[_normal(name)]
    for cell in rest:
        reading.check(file, _at(where, f"row {name!r}"), cell, _count(cell, language), indicator)


def _split_label(text: str, labels: dict) -> tuple[str, list[str]] | None:
    """A person label that begins `text` and the words after it, if they are all numbers (a
    table row written without cells; never prose). A thin space joins digits only."""
    words = [word for word in re.split(r" |(?<!\d)\u202f|\u202f(?!\d)", text.strip()) if word]
    if len(words) < 2 or not _numeric_like(words[-1]):
        return None
    for k in range(len(words) - 1, 0, -1):
        if _normal(" ".join(words[:k])) in labels:
            rest = words[k:]
            return (" ".join(words[:k]), rest) if all(_numeric_like(word) for word in rest) else None
    return None


# --------------------------------------------------------------------------- CSV and workbooks


def audit_csv(text: str, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in one CSV file (see the module docstring for what is read)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return audit_rows(rows, file, threshold=threshold, language="fi" if delimiter == ";" else "en")


def audit_xlsx(path, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in every sheet of an XLSX workbook (a path or a binary file), each read as a
    CSV file.

    Raises
    ------
    SourceDataError
        If the workbook does not open (damaged, or not a workbook).
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, SyntaxError, OSError) as error:
        raise SourceDataError(file, [f"the workbook does not open ({type(error).__name__}: {error}); write it again"]) from error
    findings = []
    try:
        for sheet in workbook.worksheets:
            rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
            findings += audit_rows(rows, f"{file} (sheet {sheet.title})", threshold=threshold, language="en")
    finally:
        workbook.close()
    return findings


def audit_rows(rows, file: str, *, threshold: int | None = None, language: str = "en") -> list[Finding]:
    """Findings in a table given as rows of cell texts, the header first; numbers as `language`
    writes them ('en': decimal point, 'fi': decimal comma)."""
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    findings = []
    registry = load_registry()
    # the data packages' Finnish and Swedish files head the same columns in their language
    # (a value twice: rounded as shown, and at full precision)
    aliases = audited_headers()
    columns_of = {}
    for position, name in enumerate(header):
        columns_of.setdefault(aliases.get(str(name).strip().casefold(), name), []).append(position)
    if "indicator" in columns_of and {"value", "numerator", "denominator"} & set(columns_of):
        (at_indicator, *_) = columns_of["indicator"]
        for line, cells in enumerate(body, start=2):
            indicator = cells[at_indicator] if at_indicator < len(cells) else ""
            if indicator not in registry:
                continue
            limit = _threshold(indicator, threshold)
            for column in person_columns(indicator):
                for position in columns_of.get(column, []):
                    if position < len(cells) and _small(_csv_number(cells[position], language), limit):
                        where = column if header[position] == column else f"{column} ({header[position]})"
                        findings.append(Finding(file, f"row {line}, column {where} (indicator {indicator})",
                                                cells[position], limit))
        return findings
    labels = person_labels()
    columns = {position: labels[_normal(name)] for position, name in enumerate(header) if _normal(name) in labels}
    for line, cells in enumerate(body, start=2):
        for position, indicator in columns.items():
            limit = _threshold(indicator, threshold)
            if position < len(cells) and _small(_csv_number(cells[position], language), limit):
                findings.append(Finding(file, f"row {line}, column {header[position]}", cells[position], limit))
    return findings


def _csv_number(text: str, language: str = "en"):
    number = parse_number(text, language)
    return number if number is not None else parse_number(text, "fi" if language == "en" else "en")


# --------------------------------------------------------------------------- notebooks


def audit_notebook(text: str, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in the outputs of an executed notebook (see the module docstring).

    Raises
    ------
    SourceDataError
        If the text is not a notebook (not JSON, or no list of cells).
    """
    reading = _Reading(_Rules.load(threshold))
    _read_notebook(text, file, reading)
    return reading.result(file)


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else str(text or "")


def _read_notebook(text: str, file: str, reading: _Reading) -> None:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        reading.problem(file, f"not a notebook: its JSON breaks at line {error.lineno}, column {error.colno} "
                              f"({error.msg}); run the notebook again")
        return
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        reading.problem(file, "not a notebook: no list of cells; run the notebook again")
        return
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    parameters = (metadata.get("papermill") or {}).get("parameters") or {}
    language = _language(parameters.get("language") if isinstance(parameters, dict) else None)
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "markdown":
            _read_text(_joined(cell.get("source")), file, f"cell {number} (Markdown)", reading, language)
        for output_number, output in enumerate(cell.get("outputs") or [], start=1):
            if not isinstance(output, dict):
                continue
            where = f"cell {number}, output {output_number}"
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if "text/html" in data:
                _read_html(_joined(data["text/html"]), file, where, reading, language)
            if "image/svg+xml" in data:
                _read_svg(_joined(data["image/svg+xml"]), file, _at(where, "image"), reading, language)
            if "text/plain" in data and not {"text/html", "image/svg+xml"} & set(data):
                _read_text(_joined(data["text/plain"]), file, where, reading, language)
            if output.get("output_type") == "stream":
                _read_text(_joined(output.get("text")), file, where, reading, language)
            if output.get("output_type") == "error":
                traceback = "\n".join(_joined(line) for line in output.get("traceback") or [])
                _read_text(re.sub(r"\x1b\[[0-9;]*m", "", traceback), file, where, reading, language)


# --------------------------------------------------------------------------- archives


def audit_zip(source, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in every member of a zip archive, each read by its suffix (nested archives too).

    Parameters
    ----------
    source : path-like, bytes or binary file
        The archive.
    file : str
        Its name in the findings; a member is named ``<file>:<member>``.
    threshold : int, optional
        One threshold for every count; each indicator's registry threshold by default.

    Raises
    ------
    SourceDataError
        If the archive does not unpack, would unpack to more than :data:`MAX_UNPACKED_BYTES` or
        hold more than :data:`MAX_MEMBERS` members, or a member cannot be read; every problem
        of the archive at once.
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    reading = _Reading(_Rules.load(threshold))
    _read_zip(source, file, reading, depth=1)
    return reading.result(file)


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _open_zip(source, file: str, reading: _Reading):
    """The archive, its members checked against the limits; None (and a problem) if refused."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as error:
        reading.problem(file, f"not a readable zip archive ({error}); build or download it again")
        return None
    members = [info for info in archive.infolist() if not info.is_dir()]
    declared = sum(info.file_size for info in members)
    reading.members += len(members)
    if reading.members > MAX_MEMBERS:
        reading.problem(file, f"holds {len(members):,} members, more than the {MAX_MEMBERS:,} ohti audit reads from "
                              "one file (a zip bomb?); if it is genuine, unpack it and audit the folder")
    elif reading.unpacked + declared > MAX_UNPACKED_BYTES:
        reading.problem(file, f"unpacks to {_mebibytes(declared)}, more than the {_mebibytes(MAX_UNPACKED_BYTES)} "
                              "ohti audit unpacks from one file (a zip bomb?); nothing was unpacked; if it is "
                              "genuine, unpack it and audit the folder")
    else:
        return archive
    archive.close()
    return None


def _read_zip(source, file: str, reading: _Reading, depth: int) -> None:
    archive = _open_zip(source, file, reading)
    if archive is None:
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = f"{file}:{info.filename}"
            if _kind(info.filename) is None:
                reading.problem(name, _unknown_kind(info.filename))
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as error:
                reading.problem(name, f"the member does not unpack ({error}); build the archive again")
                continue
            reading.unpacked += len(data)
            _read_bytes(data, info.filename, name, reading, depth)


def _gunzip(data: bytes, file: str, reading: _Reading) -> bytes | None:
    """A gzip stream unpacked, at most to what is left of :data:`MAX_UNPACKED_BYTES`."""
    left = MAX_UNPACKED_BYTES - reading.unpacked
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            unpacked = stream.read(left + 1)
    except (OSError, EOFError, zlib.error) as error:
        reading.problem(file, f"the gzip archive is damaged ({error}); compress the file again")
        return None
    if len(unpacked) > left:
        reading.problem(file, f"unpacks to more than the {_mebibytes(MAX_UNPACKED_BYTES)} ohti audit unpacks from one "
                              "file (a gzip bomb?); if it is genuine, unpack it and audit the file")
        return None
    reading.unpacked += len(unpacked)
    return unpacked


# --------------------------------------------------------------------------- files


def _kind(name: str) -> str | None:
    """What a file is read as, from its name ("gz" for any gzipped file); None if unknown."""
    lower = name.lower()
    if lower.endswith(".gz"):
        return "gz"
    return next((kind for suffix, kind in KINDS.items() if lower.endswith(suffix)), None)


def _unknown_kind(name: str) -> str:
    suffix = "".join(Path(name).suffixes[-2:]) or "no suffix"
    return (f"not a kind of file ohti audit reads ({suffix}); give HTML, SVG, PDF, CSV, XLSX, IPYNB, TXT or ZIP "
            "files (also gzipped: .csv.gz), or remove the file from what is published")


def _decode(raw: bytes) -> str:
    """Text of a file's bytes, decoded as the loaders decode them."""
    return decode_text(raw)


def _read_bytes(data: bytes, name: str, file: str, reading: _Reading, depth: int) -> None:
    """Read a file's content by the suffix of its `name`; `file` names it in the findings."""
    kind = _kind(name)
    if kind is None:
        reading.problem(file, _unknown_kind(name))
    elif kind == "gz":
        inner = name[:-3]
        if _kind(inner) in (None, "gz"):
            reading.problem(file, _unknown_kind(inner) if _kind(inner) is None
                            else "gzipped twice; compress the file once")
            return
        unpacked = _gunzip(data, file, reading)
        if unpacked is not None:
            _read_bytes(unpacked, inner, file, reading, depth)
    elif kind == "zip":
        if depth > MAX_DEPTH:
            reading.problem(file, f"archives nested more than {MAX_DEPTH} deep (a zip bomb?); unpack them and audit the folder")
        else:
            _read_zip(io.BytesIO(data), file, reading, depth + 1)
    elif kind == "pdf":
        _read_pdf(data, file, reading)
    elif kind == "xlsx":
        if not zipfile.is_zipfile(io.BytesIO(data)):
            reading.problem(file, "the workbook does not open: it is not a zip archive, as an XLSX file is; write it again")
            return
        archive = _open_zip(io.BytesIO(data), file, reading)
        if archive is None:
            return
        archive.close()
        reading.unpacked += sum(info.file_size for info in archive.infolist())
        try:
            reading.findings += audit_xlsx(io.BytesIO(data), file, threshold=reading.rules.threshold)
        except SourceDataError as error:
            reading.problems += [(file, problem) for problem in error.problems]
    else:
        text = _decode(data)
        if kind == "html":
            _read_html(text, file, "", reading)
        elif kind == "svg":
            _read_svg(text, file, "", reading, "fi")
        elif kind == "csv":
            reading.findings += audit_csv(text, file, threshold=reading.rules.threshold)
        elif kind == "notebook":
            _read_notebook(text, file, reading)
        else:
            _read_text(text, file, "", reading, "fi")


def _not_a_file(path: Path) -> str | None:
    """Why `path` is not a regular file that can be read, or None if it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself; point it at the published file or remove it"
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist; point it at the published file"
        return f"cannot be read ({error.strerror}); check that the file is there and readable"
    for test, kind in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return f"{kind}, not a file; give the published files or their folder"
    return None if stat.S_ISREG(mode) else "not a regular file; give the published files or their folder"


def _read_path(path: Path, reading: _Reading) -> None:
    file = str(path)
    why = _not_a_file(path)
    if why:
        reading.problem(file, why)
    elif _kind(path.name) is None:
        reading.problem(file, _unknown_kind(path.name))
    else:
        try:
            if _kind(path.name) == "zip":
                with open(path, "rb") as handle:
                    _read_zip(handle, file, reading, depth=1)
            else:
                _read_bytes(path.read_bytes(), path.name, file, reading, depth=1)
        except OSError as error:
            reading.problem(file, f"cannot be read ({error.strerror or error}); check that the file is readable")


def audited_files(paths) -> list[Path]:
    """The files of the audited suffixes under the given folders (recursively; ohti's
    ``.stamps`` and ``.cache`` folders skipped) and the files given, whatever they are.

    Raises
    ------
    ParameterError
        If a path does not exist.
    """
    files = []
    for path in map(Path, paths):
        if not os.path.lexists(path):
            raise ParameterError(f"{path}: no such file or folder; give outputs/<period> of a build")
        if path.is_dir():
            found = []
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS]
                found += [Path(folder) / name for name in names
                          if name not in SKIPPED_NAMES and name.lower().endswith(AUDITED_SUFFIXES)]
            files += sorted(found)
        else:
            files.append(path)
    return files


def audit(paths, *, threshold: int | None = None, jobs: int | None = None) -> tuple[list[Path], list[Finding]]:
    """Audit published files for counts of persons below the threshold.

    Parameters
    ----------
    paths : list of path-like
        Folders (all files of the audited suffixes in them, recursively) or files.
    threshold : int, optional
        One threshold for every count; each indicator's registry threshold by default.
    jobs : int, optional
        Processes reading the files (one per CPU by default); a few files are read in this
        process. The findings are the same, in the same order, however many read them.

    Returns
    -------
    files : list of Path
        The files read.
    findings : list of Finding
        Every count of persons from 1 to the threshold − 1 (empty if the files pass).

    Raises
    ------
    ParameterError
        If a path does not exist or the threshold is not a whole number ≥ 1.
    SourceDataError
        If any file cannot be read (see the module docstring): after every file was read,
        listing each problem as ``<file>: <what failed>; <how to fix it>``.
    """
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1):
        raise ParameterError(f"threshold {threshold!r} is not a whole number ≥ 1")
    files = audited_files(paths)
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(files) // PARALLEL_FROM))
    if jobs > 1:
        # "spawn": the readers start clean, whatever threads the caller runs.
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            per_file = list(pool.map(functools.partial(_audit_one, threshold=threshold), files, chunksize=8))
    else:
        per_file = [_audit_one(file, threshold=threshold) for file in files]
    findings = [finding for found, _ in per_file for finding in found]
    problems = [problem for _, unread in per_file for problem in unread]
    if problems:
        if findings:
            problems.append(f"besides, {len(findings)} count(s) of persons below the threshold in the files that "
                            f"could be read, the first: {findings[0]}")
        given = [os.fspath(path) for path in paths]
        raise SourceDataError(given[0] if len(given) == 1 else os.path.commonpath(given), problems)
    return files, findings


#: Files per reading process: fewer files than twice this are read in the calling process.
PARALLEL_FROM = 40


def _audit_one(file: Path, *, threshold: int | None = None) -> tuple[list[Finding], list[str]]:
    """Findings in one file, and its problems as ``<file>: <problem>`` (picklable, for the pool)."""
    reading = _Reading(_Rules.load(threshold))
    _read_path(Path(file), reading)
    return reading.findings, [f"{name}: {text}" for name, text in reading.problems]


def audit_file(file: Path, *, threshold: int | None = None) -> list[Finding]:
    """Findings in one file of any audited kind (see the module docstring).

    Raises
    ------
    SourceDataError
        If the file, or a part of it, cannot be read: every problem of the file at once.
    """
    reading = _Reading(_Rules.load(threshold))
    _read_path(Path(file), reading)
    return reading.result(str(file))
