"""A data package reproduces its area document: every figure of the document's tables is
rebuilt from the package's files alone (and the label table that words them), formatted as the
document formats it."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import csv_rows, soup_of

from ohti.i18n import format_number, label
from ohti.publish.package_dialects import header

LANGUAGE = "fi"
CODE, STEM = "36", "36_savonlinna"
FOOTNOTE = re.compile(r"\s*\[\d+\]$")


def localized(folder, table):
    """A table of the package's Finnish files as dictionaries keyed by column (not header)."""
    rows = csv_rows(folder / f"{table}_{LANGUAGE}.csv", delimiter=";", encoding="utf-8-sig")
    if not rows:
        return []
    columns = {header(table, column, LANGUAGE): column for column in _columns(table, rows[0])}
    return [{columns[key]: value for key, value in row.items()} for row in rows]


def _columns(table, row):
    from ohti.publish.package_dialects import EXACT_SUFFIX
    from ohti.publish.packages import TABLE_COLUMNS

    known = [c for column in TABLE_COLUMNS[table] for c in (column, column + EXACT_SUFFIX)]
    found = [c for c in known if header(table, c, LANGUAGE) in row] if known else []
    assert len(found) == len(row), f"{table}: headers not all known: {sorted(row)}"
    return found


def number(text):
    return None if text == "" else float(text.replace(",", "."))


def shown(text, decimals, *, sign=False):
    """A package's rounded number as the document writes it ('' stays the "no data" text)."""
    return format_number(number(text) if text != "" else float("nan"), int(decimals), LANGUAGE, sign=sign)


def period_text(period):
    return f"{int(period[5:])}/{period[:4]}" if len(period) == 7 else period


def rows_of(table):
    """A document table's header texts and body rows (cell texts)."""
    head = [cell.get_text(" ", strip=True) for cell in table.find("thead").find_all("th")]
    body = [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for tbody in table.find_all("tbody") for row in tbody.find_all("tr")]
    return head, body


def significance_text(text):
    """The comparison as the document's tables write it (a dash where there is none)."""
    return label("sig_not_compared", LANGUAGE) if text == label("package_not_compared", LANGUAGE) else text


def expected_indicator_row(row, columns):
    """An indicator-table row rebuilt from ``indicator_table``: the cells of `columns` (keys)."""
    decimals = row["decimals"]
    significance = significance_text(row["significance"])
    rank = "" if row["rank"] == "" else f"{row['rank']} ({row['rank_lower']}–{row['rank_upper']}) / {row['n_ranked']}"
    interval = ("" if row["lower"] == "" or row["upper"] == "" else
                f"{shown(row['lower'], decimals)}–{shown(row['upper'], decimals)}")
    trend = "" if row["trend_label"] == label("trend_marker_not_calculated", LANGUAGE) else row["trend_label"]
    cells = {"period": period_text(row["period"]), "value": shown(row["value"], decimals), "interval": interval,
             "national": shown(row["national"], decimals), "significance": significance, "rank": rank,
             "change": shown(row["change"], decimals, sign=True), "trend": trend}
    return [cells[key] for key in columns]


INDICATOR_COLUMNS = {"period": "period", "area_value": "value", "interval": "interval", "national_value": "national",
                     "significance": "significance", "rank": "rank", "change_year": "change", "trend_heading": "trend"}


def reproduce(page, folder):
    """Compare every table of an area document with its package; return (cells checked, tables
    read, mismatches)."""
    soup = soup_of(page)
    indicators = {(r["name"], r["unit"]): r for r in localized(folder, "indicator_table")}
    expected = {r["name"]: r for r in localized(folder, "expected")}
    peers = {r["name"]: r for r in localized(folder, "peers")}
    members = {r["name"]: r for r in localized(folder, "members")}
    municipalities = {(r["area_name"], r["name"]): r for r in localized(folder, "municipalities")}
    changes = localized(folder, "changes")
    words = {key: label(key, LANGUAGE) for key in ("indicator", "area_value", "national_value", "observed", "peers", "municipality",
                                                   "code", "change_kind")}
    checked, kinds, wrong = 0, [], []

    def compare(where, got, want):
        nonlocal checked
        checked += len(got)
        if got != want:
            wrong.append((where, got, want))

    for table in soup.find_all("table"):
        head, body = rows_of(table)
        if words["area_value"] in head and words["national_value"] in head and words["peers"] not in head:
            # the indicator tables (and the national objectives', whose rows are grouped under
            # headings that span the table)
            kinds.append("indicators")
            keys = [INDICATOR_COLUMNS[next(k for k in INDICATOR_COLUMNS if label(k, LANGUAGE) == h)] for h in head[1:]]
            for cells in (cells for cells in body if len(cells) > 1):
                name = FOOTNOTE.sub("", cells[0])
                row = next((r for (n, u), r in indicators.items() if (f"{n}, {u}" if u else n) == name), None)
                if row is None:
                    wrong.append((name, "not in the package", ""))
                    continue
                if head[0] == words["indicator"]:  # the indicator tables number the notes
                    assert bool(FOOTNOTE.search(cells[0])) == bool(row["note"]), name
                compare(name, cells[1:], expected_indicator_row(row, keys))
        elif head[0] == words["indicator"] and words["observed"] in head:
            kinds.append("expected")
            for cells in body:
                row = expected[FOOTNOTE.sub("", cells[0])]
                ratio = (f"{shown(row['ratio'], 2)} ({shown(row['ratio_lower'], 2)}–{shown(row['ratio_upper'], 2)})")
                excess = (f"{shown(row['excess'], 0, sign=True)} ({shown(row['excess_lower'], 0, sign=True)} … "
                          f"{shown(row['excess_upper'], 0, sign=True)})")
                compare(row["name"], cells[1:], [shown(row["observed"], row["decimals"]),
                                                 shown(row["expected"], row["decimals"]), ratio, excess,
                                                 significance_text(row["significance"])])
        elif head[0] == words["indicator"] and words["peers"] in head:
            kinds.append("peers")
            for cells in body:
                row = peers[FOOTNOTE.sub("", cells[0])]
                d = row["decimals"]
                compare(row["name"], cells[1:], [period_text(row["period"]), shown(row["value"], d),
                                                 shown(row["peers"], d), shown(row["national"], d),
                                                 shown(row["difference"], d, sign=True)])
        elif head[0] == words["municipality"] and len(head) > 1 and head[1] == words["code"]:
            kinds.append("members")
            for cells in body:
                row = members[cells[0]]
                compare(cells[0], cells[1:], [row["code"], row["language_status"], row["group"], row["maakunta"]])
        elif head[0] == words["municipality"]:
            kinds.append("breakdown")
            for cells in body:
                name = FOOTNOTE.sub("", cells[0])
                want = []
                for indicator_name in head[1:]:
                    row = municipalities[(name, indicator_name)]
                    want.append(shown(row["value"], row["decimals"]))
                compare(name, cells[1:], want)
        elif words["change_kind"] in head:
            kinds.append("changes")
            compare("changes", [cells[1:] for cells in body],
                    [[row["name"], row["kind"], row["before"], row["after"]] for row in changes])
        else:
            kinds.append(f"other: {head}")
    return checked, kinds, wrong


@pytest.mark.build
@pytest.mark.slow
def test_every_table_of_the_document_is_rebuilt_from_its_package(built_period):
    checked, kinds, wrong = reproduce(built_period / f"{CODE}_{LANGUAGE}.html", built_period / "data" / STEM)
    assert wrong == []
    # the document's tables: key indicators and four theme tables (and the national objectives'
    # where the document has them), members, expected, peers and
    # the breakdown by municipality (and the sources of the "about" section, which are words)
    assert kinds.count("indicators") >= 5
    assert {"members", "expected", "peers", "breakdown"} <= set(kinds)
    others = [k for k in kinds if k.startswith("other")]
    assert len(others) == 1 and "Lähde" in others[0], others  # the sources of the "about" section: words
    assert checked > 300


@pytest.mark.build
@pytest.mark.slow
def test_a_changed_figure_in_the_package_is_caught(built_period, tmp_path):
    folder = tmp_path / STEM
    shutil.copytree(built_period / "data" / STEM, folder)
    path = folder / f"indicator_table_{LANGUAGE}.csv"
    text = path.read_text(encoding="utf-8-sig")
    line = next(x for x in text.splitlines() if ";unemployment_rate;" in x)
    cells = line.split(";")
    position = [header("indicator_table", "value", LANGUAGE) == h for h in text.splitlines()[0].split(";")].index(True)
    cells[position] = shown(cells[position], 1).replace("\u202f", "")  # the same value ...
    cells[position] = f"{number(cells[position]) + 0.1:.1f}".replace(".", ",")  # ... plus 0,1
    path.write_text("\ufeff" + text.replace(line, ";".join(cells)), encoding="utf-8")
    _, _, wrong = reproduce(built_period / f"{CODE}_{LANGUAGE}.html", folder)
    assert wrong and all("Työttömyysaste" in where for where, _, _ in wrong)
