"""How a data package's tables are written: for programs, and for people in their language.

Three forms of one table (a frame of English codes and full-precision numbers):

- ``<table>.csv``: the frame as it is: English column names and codes, comma-separated, decimal
  point, every number at full precision (up to ten significant digits): for R, Python and
  databases (:func:`plain_csv`).
- ``<table>_fi.csv`` and ``<table>_sv.csv``: for spreadsheets in Finnish or Swedish
  (:func:`localized_csv`): UTF-8 with a byte-order mark, semicolon-separated, decimal comma; the
  headers and the categorical values (level, comparison with the country, suppression, trend,
  theme, yes/no …) and the notes in the language, the indicator's name and unit in the language
  beside its code. Each number the document shows is written rounded as the document shows it
  (the indicator's decimals; ratios with two, persons in excess with none) and followed by a
  full-precision column headed "<header>, tarkka arvo" / "<header>, exakt värde".
- one sheet of a workbook (:func:`write_workbook`): the localized table with numbers as
  numbers, each cell's number format showing the decimals the document shows, an autofilter
  on the header, the header row and the code and name columns frozen, columns sized to their
  text.

Missing and suppressed values are empty cells in every form, never zero.

The headers are the label table's ``package_column_<table>_<column>`` or
``package_column_<column>``; :func:`canonical_headers` maps every localized header back to its
column (the audit reads the localized files by it).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ohti._files import replacing
from ohti.i18n import label, translate_note
from ohti.indicators.registry import get_indicator
from ohti.sources import areas

#: The number format of full-precision numbers in the plain CSV.
CSV_FLOAT_FORMAT = "%.10g"
#: Languages a package is localized into (the documents' languages; English readers take the
#: plain CSV files).
LOCALIZED_LANGUAGES = ("fi", "sv")

#: Columns the document shows rounded to the indicator's decimals (the row's ``decimals``).
SHOWN_DECIMALS = frozenset({
    "value", "lower", "upper", "national", "change", "national_change", "minimum", "q25", "q75", "maximum",
    "observed", "expected", "peers", "difference", "value_adjusted",
})
#: Columns the document shows with fixed decimals.
FIXED_DECIMALS = {"ratio": 2, "ratio_lower": 2, "ratio_upper": 2, "pseudo_r2": 2,
                  "excess": 0, "excess_lower": 0, "excess_upper": 0}
#: Whole numbers (ranks and settings).
INTEGERS = frozenset({"rank", "rank_lower", "rank_upper", "n_ranked", "decimals", "suppression_threshold"})
#: Numbers written at full precision only (counts and multipliers are shown as they are).
EXACT_ONLY = frozenset({"numerator", "denominator", "multiplier"})
#: Columns put right after the indicator's code in the localized forms.
BESIDE_CODE = ("name", "unit")
#: Suffix of the full-precision twin of a rounded column (its canonical name).
EXACT_SUFFIX = "_exact"


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a localized table: its canonical name, header, kind and cells.

    ``kind`` is ``text``, ``rounded`` (``decimals`` per cell), ``exact`` or ``integer``; a
    missing cell is None."""

    name: str
    header: str
    kind: str
    cells: list
    decimals: list | None = None


# --------------------------------------------------------------------------- labels


def header(table: str, column: str, language: str) -> str:
    """A column's header in `language` (``package_column_<table>_<column>``, else
    ``package_column_<column>``)."""
    base = column.removesuffix(EXACT_SUFFIX)
    try:
        text = label(f"package_column_{table}_{base}", language)
    except KeyError:
        text = label(f"package_column_{base}", language)
    return label("package_exact", language, header=text) if column.endswith(EXACT_SUFFIX) else text


def canonical_headers(tables) -> dict[str, str]:
    """Every localized header of the given ``{table: columns}`` → its column (full-precision
    twins to the column they repeat), in every language, case-folded."""
    found = {}
    for table, columns in tables.items():
        for column in columns:
            for language in LOCALIZED_LANGUAGES:
                found[header(table, column, language).casefold()] = column
                if rounded_column(column):
                    found[header(table, column + EXACT_SUFFIX, language).casefold()] = column
    return found


#: The columns the audit reads in a long table (the indicator and the counts of persons).
AUDITED_COLUMNS = ("indicator", "value", "numerator", "denominator")


@functools.lru_cache(maxsize=1)
def audited_headers() -> dict[str, str]:
    """The localized headers of :data:`AUDITED_COLUMNS` (and of the value's full-precision
    twin) in every language, case-folded → the column, for :mod:`ohti.publish.audit`."""
    found = {}
    for column in AUDITED_COLUMNS:
        for language in LOCALIZED_LANGUAGES:
            found[header("values", column, language).casefold()] = column
            if rounded_column(column):
                found[header("values", column + EXACT_SUFFIX, language).casefold()] = column
    return found


def rounded_column(column: str) -> bool:
    """Whether the localized forms write the column rounded, with a full-precision twin."""
    return column in SHOWN_DECIMALS or column in FIXED_DECIMALS


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _yes_no(value, language: str) -> str:
    return label("package_yes" if bool(value) else "package_no", language)


def _category(table: str, column: str, value, language: str, row: dict) -> str:
    """A categorical value in `language` ('' stays '')."""
    text = "" if _missing(value) else str(value)
    if column in ("key", "current", "red_red", "suppressed") and isinstance(value, (bool, np.bool_)):
        return _yes_no(value, language)
    if not text:
        return ""
    if column == "level":
        return label({"area": "area", "national": "national", "municipality": "municipality"}.get(text, text), language)
    if column == "significance":
        return label("package_not_compared" if text == "not compared" else "sig_" + text.replace(" ", "_"), language)
    if column == "suppression":
        return label(f"package_suppression_{text}", language)
    if column in ("trend", "trend_label"):
        text = "not calculated" if text == "could not be calculated" else text  # the direction's wording
        return label("trend_marker_" + text.replace(" ", "_"), language)
    if column == "theme":
        return label(f"package_theme_{text}", language)
    if column == "polarity":
        return label(f"package_polarity_{text}", language)
    if table == "definitions" and column == "kind":
        return label(f"package_kind_{text}", language)
    if table == "changes" and column == "kind":
        return label(f"change_{text}", language)
    if table == "changes" and column in ("before", "after") and row.get("kind") == "verdict":
        return label("sig_" + text.replace(" ", "_"), language)
    if column == "covariates":
        return "; ".join(label(f"cov_{c}", language) for c in text.split(";") if c)
    if column == "note":
        return translate_note(text, language)
    return text


# --------------------------------------------------------------------------- the three forms


def plain_csv(frame: pd.DataFrame) -> bytes:
    """The plain form: comma, decimal point, full precision, no byte-order mark."""
    return frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n").encode("utf-8")


def localize(frame: pd.DataFrame, table: str, language: str) -> list[Column]:
    """The columns of a table in `language` (see the module docstring)."""
    frame = frame.reset_index(drop=True)
    names = _names(frame, language)
    order = list(frame.columns)
    if "indicator" in order:
        for column in reversed(BESIDE_CODE):
            if column in order:
                order.remove(column)
                order.insert(order.index("indicator") + 1, column)
    rows = frame.to_dict("records")
    decimals_of_rows = [None if _missing(r.get("decimals")) else int(r["decimals"]) for r in rows]
    columns = []
    for column in order:
        values = names.get(column, frame[column].tolist())
        cells = [None if _missing(v) else v for v in values]
        if rounded_column(column):
            places = ([FIXED_DECIMALS[column]] * len(cells) if column in FIXED_DECIMALS else decimals_of_rows)
            numbers = [None if c is None else float(c) for c in cells]
            shown = [None if n is None or p is None else round(n, p) + 0.0 for n, p in zip(numbers, places)]
            columns.append(Column(column, header(table, column, language), "rounded", shown, list(places)))
            columns.append(Column(column + EXACT_SUFFIX, header(table, column + EXACT_SUFFIX, language), "exact",
                                  numbers))
        elif column in INTEGERS and not pd.api.types.is_string_dtype(frame[column]):
            columns.append(Column(column, header(table, column, language), "integer",
                                  [None if c is None else int(c) for c in cells]))
        elif column in EXACT_ONLY and pd.api.types.is_numeric_dtype(frame[column]):
            columns.append(Column(column, header(table, column, language), "exact",
                                  [None if c is None or c == "" else float(c) for c in cells]))
        else:
            texts = [_category(table, column, value, language, row) for value, row in zip(values, rows)]
            columns.append(Column(column, header(table, column, language), "text", texts))
    return columns


def _names(frame: pd.DataFrame, language: str) -> dict[str, list]:
    """The names in `language` of the table's indicators, units, areas and municipalities."""
    names = {}
    if "indicator" in frame:
        indicators = [get_indicator(i) for i in frame["indicator"]]
        if "name" in frame:
            names["name"] = [i.label(language) for i in indicators]
        if "unit" in frame:
            names["unit"] = [i.unit[language] for i in indicators]
    if "area_name" in frame and "area_code" in frame:
        levels = frame["level"] if "level" in frame else pd.Series("area", index=frame.index)
        names["area_name"] = [label("national", language) if level == "national" else
                              areas.unit_name(level, code, language)
                              for level, code in zip(levels, frame["area_code"])]
    if "language_status" in frame and "code" in frame:  # the member municipalities
        key = areas.load_key().reindex(frame["code"])
        names.update({"name": key[f"name_{language}"].tolist(), "language_status": key[f"language_{language}"].tolist(),
                      "group": key[f"group_{language}"].tolist(), "maakunta": key[f"maakunta_name_{language}"].tolist(),
                      "ely": key[f"ely_name_{language}"].tolist(), "evk": key[f"evk_name_{language}"].tolist()})
    if "peer_names" in frame and "peer_codes" in frame:
        names["peer_names"] = [";".join(areas.unit_name("area", c, language) for c in str(codes).split(";") if c)
                               for codes in frame["peer_codes"]]
    return names


def number_text(value, kind: str, decimals: int | None = None) -> str:
    """A cell of a localized CSV: a decimal comma, no thousands separator; '' if missing.

    Examples
    --------
    >>> number_text(12.25, "rounded", 1), number_text(-0.04, "rounded", 1), number_text(1981.0, "exact")
    ('12,2', '0,0', '1981')
    """
    if value is None:
        return ""
    if kind == "rounded":
        if decimals is None:
            return ""
        return f"{round(float(value), decimals) + 0.0:.{decimals}f}".replace(".", ",")
    if kind == "exact":
        return (CSV_FLOAT_FORMAT % float(value)).replace(".", ",")
    if kind == "integer":
        return str(int(value))
    return str(value)


def localized_csv(columns: list[Column]) -> bytes:
    """A localized table as CSV bytes: byte-order mark, semicolons, decimal commas, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    length = len(columns[0].cells) if columns else 0
    for line in range(length):
        writer.writerow([number_text(c.cells[line], c.kind, c.decimals[line] if c.decimals else None)
                         for c in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def number_format(kind: str, decimals: int | None = None) -> str:
    """The Excel number format of a cell: the decimals the document shows, thousands grouped."""
    if kind == "rounded" and decimals is not None:
        return "#,##0" + ("." + "0" * decimals if decimals else "")
    if kind == "integer":
        return "0"
    return "General"


def frozen_columns(columns: list[Column]) -> int:
    """How many columns stay in view when scrolling right: up to the indicator's or
    municipality's name (or the first column)."""
    names = [c.name for c in columns]
    for column in ("name", "area_name"):
        if column in names:
            return names.index(column) + 1
    return 1 if names else 0


def write_workbook(sheets: dict[str, list[Column]], path: Path, *, moment) -> Path:
    """A workbook of localized tables, one sheet each (see the module docstring). Written
    with XlsxWriter, whose zip entries carry a fixed date; the document properties carry
    `moment` (the build's fixed date), so that the same tables give the same bytes."""
    import xlsxwriter

    with replacing(path, suffix=Path(path).suffix) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary))
        workbook.set_properties({"author": "ohti", "created": moment})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        formats: dict[str, object] = {}

        def cell_format(code: str):
            if code not in formats:
                formats[code] = workbook.add_format({"num_format": code})
            return formats[code]

        for sheet_name, columns in sheets.items():
            sheet = workbook.add_worksheet(sheet_name[:31])
            rows = len(columns[0].cells) if columns else 0
            sheet.write_row(0, 0, [c.header for c in columns], bold)
            for position, column in enumerate(columns):
                for line, value in enumerate(column.cells, start=1):
                    if value is None or value == "":
                        continue  # missing and suppressed values stay empty cells
                    if column.kind == "text":
                        sheet.write_string(line, position, str(value))
                    else:
                        places = column.decimals[line - 1] if column.decimals else None
                        sheet.write_number(line, position, value, cell_format(number_format(column.kind, places)))
                texts = [column.header] + [number_text(v, column.kind, column.decimals[i] if column.decimals else None)
                                           for i, v in enumerate(column.cells[:200])]
                width = max((len(t) for t in texts), default=8)
                sheet.set_column(position, position, min(max(width + 2, 8), 50))
            sheet.freeze_panes(1, frozen_columns(columns))
            if columns:
                sheet.autofilter(0, 0, rows, len(columns) - 1)
        workbook.close()
    return path
