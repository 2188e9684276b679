"""Audit published files: no count of persons below the disclosure threshold may be in them.

``ohti audit outputs/<period>`` reads every HTML and CSV file under the folder (or the files
given) and lists each count of persons from 1 to the threshold − 1 it finds, with the file,
where in it and the value; it exits with status 1 if it finds any. It is the check after the
gate (:func:`ohti.disclosure.apply_disclosure`), not a replacement for it.

How a cell is recognised as a count of persons
----------------------------------------------
The names come from the registry and the label table, never from a list in the code. A
*person label* is the name (fi, sv, en) of an indicator whose value counts persons
(:func:`ohti.disclosure.person_columns` has ``value``), alone or followed by ", <unit>", and
the label of a source variable that counts persons (``variable_<name>`` in labels.yaml).
Footnote markers ('[1]') and the '▶ ' highlight are ignored, and case too.

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
    ``chart_alt_series``) for a person label: its latest values. Numbers drawn inside the
    SVG images themselves are not read; the gate upstream covers them.
CSV files and workbooks
    Numbers are read with a decimal point in comma-separated files and with a decimal comma in
    semicolon-separated ones (the Finnish spreadsheet dialect of the data packages,
    :mod:`ohti.packages`); every sheet of an XLSX workbook is read like a CSV file.
    A long file with an ``indicator`` column: on each row, the columns of
    :func:`~ohti.disclosure.person_columns` for that indicator (``value``, ``numerator``,
    ``denominator``). Any other file: the columns whose header is a person label, or the id
    of a person indicator or variable.

The threshold is each indicator's registry ``suppression_threshold`` where the cell's
indicator is known, else 5; ``--threshold`` sets one for all. Zero is not a finding (it
reveals no person; StatFin publishes zeros).
"""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import functools
import io
import multiprocessing
import os
import re
from pathlib import Path

from bs4 import BeautifulSoup

from . import sources
from .disclosure import DEFAULT_THRESHOLD, person_columns, threshold_for
from .errors import ParameterError
from .i18n import LANGUAGES, label
from .registry import load_registry

#: Label keys of the columns that hold an indicator's own value in row-per-indicator tables.
VALUE_COLUMN_KEYS = ("area_value", "national_value", "peers", "observed")
#: Label keys of the alt texts of line charts: their ``*_last`` fields are values.
CHART_ALT_KEYS = ("chart_alt_area", "chart_alt_series")
PERIOD_HEADER = re.compile(r"^(\d{1,2}/\d{4}|\d{4}(-\d{2})?)$")
FOOTNOTE = re.compile(r"(\s*\[\d+\])+$")
AUDITED_SUFFIXES = (".html", ".htm", ".csv", ".xlsx")


@dataclasses.dataclass(frozen=True)
class Finding:
    """A count of persons below the threshold in a published file."""

    file: str
    where: str
    value: str
    threshold: int

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.value!r} is a count of persons below the threshold {self.threshold}"


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
    """Normalised person label → the indicator id it names (None for a source variable)."""
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
                found[_normal(f"{name}, {unit}")] = indicator.id
    for variable in sources.PERSON_VARIABLES:
        found.setdefault(_normal(variable), None)
        for language in LANGUAGES:
            text = _label(f"variable_{variable}", language)
            if text:
                found.setdefault(_normal(text), None)
    return found


def _value_headers() -> set:
    return {_normal(text) for key in VALUE_COLUMN_KEYS for language in LANGUAGES
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
            patterns.append((language, re.compile("^" + "".join(parts) + "$", re.S)))
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


def _small(number, threshold) -> bool:
    return number is not None and 0 < number < threshold


def _threshold(indicator_id, override):
    if override is not None:
        return override
    return threshold_for(indicator_id) if indicator_id else DEFAULT_THRESHOLD


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


def audit_html(text: str, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in one HTML document (see the module docstring for what is read)."""
    soup = BeautifulSoup(text, "html.parser")
    root = soup.find("html")
    language = (root.get("lang", "fi") if root else "fi")[:2].lower()
    language = language if language in LANGUAGES else "fi"
    labels, values = person_labels(), _value_headers()
    findings = []
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
                limit = _threshold(indicator, threshold)
                if _small(parse_number(cell, language), limit):
                    shown = header[position] if position < len(header) else f"column {position + 1}"
                    findings.append(Finding(file, f"table {number}, row {cells[0]!r}, column {shown!r}", cell, limit))
    patterns = _alt_patterns()
    for number, image in enumerate(soup.find_all("img"), start=1):
        alt = image.get("alt", "")
        for pattern_language, pattern in patterns:
            match = pattern.match(alt)
            if not match or _normal(match.group("indicator")) not in labels:
                continue
            indicator = labels[_normal(match.group("indicator"))]
            limit = _threshold(indicator, threshold)
            for field, value in match.groupdict().items():
                if field.endswith("_last") and _small(parse_number(value, pattern_language), limit):
                    findings.append(Finding(file, f"image {number} (alt text, {field})", value, limit))
            break
    return findings


def audit_csv(text: str, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in one CSV file (see the module docstring for what is read)."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return audit_rows(rows, file, threshold=threshold, language="fi" if delimiter == ";" else "en")


def audit_xlsx(path, file: str, *, threshold: int | None = None) -> list[Finding]:
    """Findings in every sheet of an XLSX workbook, each read as a CSV file."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
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
    if "indicator" in header and {"value", "numerator", "denominator"} & set(header):
        at = {name: position for position, name in enumerate(header)}
        for line, cells in enumerate(body, start=2):
            indicator = cells[at["indicator"]] if at["indicator"] < len(cells) else ""
            if indicator not in registry:
                continue
            limit = _threshold(indicator, threshold)
            for column in person_columns(indicator):
                if column in at and at[column] < len(cells) and _small(_csv_number(cells[at[column]], language), limit):
                    findings.append(Finding(file, f"row {line}, column {column} (indicator {indicator})", cells[at[column]], limit))
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


def audited_files(paths) -> list[Path]:
    """The HTML, CSV and XLSX files under the given folders (recursively) and the files given."""
    files = []
    for path in map(Path, paths):
        if not path.exists():
            raise ParameterError(f"{path}: no such file or folder; give outputs/<period> of a build")
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDITED_SUFFIXES)
        else:
            files.append(path)
    return files


def audit(paths, *, threshold: int | None = None, jobs: int | None = None) -> tuple[list[Path], list[Finding]]:
    """Audit published files for counts of persons below the threshold.

    Parameters
    ----------
    paths : list of path-like
        Folders (all HTML and CSV files in them, recursively) or files.
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
    """
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1):
        raise ParameterError(f"threshold {threshold!r} is not a whole number ≥ 1")
    files = audited_files(paths)
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(files) // PARALLEL_FROM))
    if jobs > 1:
        # "spawn": the readers start clean, whatever threads the caller runs.
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            per_file = list(pool.map(functools.partial(audit_file, threshold=threshold), files, chunksize=8))
    else:
        per_file = [audit_file(file, threshold=threshold) for file in files]
    return files, [finding for found in per_file for finding in found]


#: Files per reading process: fewer files than twice this are read in the calling process.
PARALLEL_FROM = 40


def audit_file(file: Path, *, threshold: int | None = None) -> list[Finding]:
    """Findings in one HTML, CSV or XLSX file."""
    if file.suffix.lower() == ".xlsx":
        return audit_xlsx(file, str(file), threshold=threshold)
    text = sources.read_text(file)
    check = audit_csv if file.suffix.lower() == ".csv" else audit_html
    return check(text, str(file), threshold=threshold)
