"""The forms of a package's tables: plain CSV for programs, Finnish and Swedish CSV and
workbooks for people; the all-areas table of a period; suppressed figures stay empty in all."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import csv_rows

from ohti.indicators import disclosure
from ohti.indicators.disclosure import person_columns
from ohti.publish import packages as packages_module
from ohti.publish.audit import audit
from ohti.publish.package_dialects import header, localize, localized_csv, number_text
from ohti.publish.package_tables import SERIES_INDICATORS
from ohti.publish.packages import TABLE_COLUMNS, all_areas_files, write_packages

PERIOD = "2023-10"
FINNISH, BILINGUAL = "36", "01"  # Savonlinna; Espoo-Kauniainen (Finnish and Swedish documents)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    outputs = tmp_path_factory.mktemp("outputs")
    return write_packages([FINNISH, BILINGUAL], PERIOD, outputs, progress=False)


def test_localized_csv_dialect():
    frame = pd.DataFrame({"indicator": ["unemployment_rate", "unemployed"], "name": ["x", "y"],
                          "value": [12.25, float("nan")], "significance": ["worse", "not compared"],
                          "suppression": ["", "primary"], "note": ["", "suppressed: fewer than 5 persons"],
                          "decimals": [1, 0]})
    columns = localize(frame, "values", "fi")
    assert [c.header for c in columns] == ["Indikaattorin tunnus", "Indikaattori", "Arvo", "Arvo, tarkka arvo",
                                           "Ero koko maahan", "Salaus", "Huomautus", "Desimaalit asiakirjassa"]
    text = localized_csv(columns).decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[1] == "unemployment_rate;Työttömyysaste;12,2;12,25;huonompi;;;1"
    assert lines[2].startswith("unemployed;Työttömät työnhakijat;;;ei verrata;salattu: alle kynnysarvon;")
    swedish = localize(frame, "values", "sv")
    assert [c.header for c in swedish][:4] == ["Indikatorns kod", "Indikator", "Värde", "Värde, exakt värde"]
    assert swedish[4].cells == ["sämre", "jämförs inte"]
    assert number_text(-0.04, "rounded", 1) == "0,0" and number_text(1234.5, "exact") == "1234,5"


def test_plain_csv_is_english_full_precision(written):
    package = written[FINNISH]
    for table in TABLE_COLUMNS:
        raw = package.csv[table].read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        rows = csv_rows(package.csv[table])
        with open(package.csv[table], encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == TABLE_COLUMNS[table]
        finnish = csv_rows(package.csv_fi[table], delimiter=";", encoding="utf-8-sig")
        assert len(rows) == len(finnish), table
    rows = csv_rows(package.csv["indicator_table"])
    rate = next(r for r in rows if r["indicator"] == "unemployment_rate")
    assert len(rate["value"].split(".")[1]) > 1  # unrounded
    assert rate["significance"] in {"better", "similar", "worse"} and rate["rank"] and rate["n_ranked"] == "45"


def test_localized_headers_and_values(written):
    package = written[BILINGUAL]
    assert set(package.csv_sv) == set(TABLE_COLUMNS) and not written[FINNISH].csv_sv
    for language, files in (("fi", package.csv_fi), ("sv", package.csv_sv)):
        with open(files["indicator_table"], encoding="utf-8-sig") as handle:
            head = handle.readline().rstrip("\r\n").split(";")
        assert head[:4] == [header("indicator_table", c, language) for c in ("area_code", "area_name", "indicator", "name")]
        assert not set(head) & set(TABLE_COLUMNS["indicator_table"]) - {"Pseudo-R²"}  # no English header
    swedish = csv_rows(package.csv_sv["indicator_table"], delimiter=";", encoding="utf-8-sig")
    rate = next(r for r in swedish if r["Indikatorns kod"] == "unemployment_rate")
    assert rate["Indikator"] == "Arbetslöshetsgrad" and rate["Område"] == "Esbo-Grankulla"
    assert rate["Skillnad mot hela landet"] in {"bättre", "ingen skillnad", "sämre"}
    assert rate["Nyckelindikator"] in {"ja", "nej"}
    members = csv_rows(package.csv_sv["members"], delimiter=";", encoding="utf-8-sig")
    assert {r["Kommun"] for r in members} == {"Esbo", "Grankulla"}
    assert package.workbooks["sv"].name == "01_espoo_kauniainen_sv.xlsx" and package.workbooks["sv"].exists()


def test_workbook_formats(written):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    package = written[FINNISH]
    workbook = load_workbook(package.xlsx)
    sheet = workbook["indikaattoritaulukko"]
    head = [cell.value for cell in sheet[1]]
    rows = len(csv_rows(package.csv["indicator_table"]))
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(head))}{rows + 1}"
    assert sheet.freeze_panes == f"{get_column_letter(head.index('Indikaattori') + 2)}2"  # header, codes and names
    codes = [cell.value for cell in sheet["C"]]
    value = head.index("Arvo") + 1
    rate, count = codes.index("unemployment_rate") + 1, codes.index("unemployed") + 1
    assert sheet.cell(rate, value).number_format == "#,##0.0"  # one decimal, as the document
    assert sheet.cell(count, value).number_format == "#,##0"
    assert sheet.cell(rate, value + 1).number_format == "General"  # the full-precision twin
    assert sheet.cell(rate, value).value == round(sheet.cell(rate, value + 1).value, 1)
    assert sheet.column_dimensions["D"].width > 10
    for name in workbook.sheetnames:
        assert workbook[name].auto_filter.ref and workbook[name].freeze_panes
    workbook.close()


def test_all_areas_table(written):
    found = all_areas_files(written[FINNISH].folder.parent.parent)
    rows = csv_rows(found.csv)
    assert list(rows[0]) == TABLE_COLUMNS["indicator_table"]
    assert len({r["area_code"] for r in rows}) == 45
    own = csv_rows(written[FINNISH].csv["indicator_table"])
    assert [r for r in rows if r["area_code"] == FINNISH] == own  # the same rows as the area's package
    for language in ("fi", "sv"):
        assert found.localized[language].exists() and found.workbooks[language].exists()


@pytest.fixture
def strict(monkeypatch):
    """A disclosure threshold of 1 000 persons for every indicator in this process (tables
    computed again with it, and again after): the smaller areas' counts are suppressed."""
    packages_module.clear_caches()
    monkeypatch.setattr(disclosure, "threshold_for", lambda indicator_id=None: 1000)
    yield 1000
    monkeypatch.undo()
    packages_module.clear_caches()


@pytest.mark.slow
def test_suppressed_figures_stay_empty_in_every_table(tmp_path, strict):
    package = write_packages([FINNISH], PERIOD, tmp_path, progress=False)[FINNISH]
    municipalities = csv_rows(package.csv["municipalities"])
    assert {"046", "768"} <= {r["area_code"] for r in municipalities if r["suppression"] and r["indicator"] == "unemployed"}
    table = csv_rows(all_areas_files(tmp_path / PERIOD).csv)
    suppressed = [r for r in table if r["suppression"]]
    assert suppressed  # the smaller areas' counts and what is computed from them
    for row in suppressed:  # no value, interval, rank or change where the value is suppressed
        assert all(row[c] == "" for c in ("value", "lower", "upper", "rank", "rank_lower", "rank_upper", "change"))
    for row in table:  # nor a count below the threshold in the spread of the areas
        if "value" in person_columns(row["indicator"]):
            for column in ("value", "minimum", "q25", "q75", "maximum"):
                assert row[column] == "" or float(row[column]) == 0 or float(row[column]) >= strict, (row, column)
    for row in csv_rows(package.csv["series"]):
        assert not (row["suppressed"] == "True" and row["value"] != "")
        if row["value"] and "value" in person_columns(row["indicator"]):
            assert float(row["value"]) >= strict
    peers = csv_rows(package.csv["peers"])
    assert all(not math.isnan(float(r["value"])) for r in peers if r["value"])
    files, findings = audit([tmp_path / PERIOD / "data"], threshold=strict)
    assert findings == []
    assert any(f.name == "indicator_table_fi.csv" for f in files) and any(f.name == "all_areas.xlsx" for f in files)


def test_audit_reads_the_localized_headers(tmp_path):
    from ohti.publish.audit import audit_csv

    text = ("\ufeffIndikaattorin tunnus;Indikaattori;Arvo;Arvo, tarkka arvo\r\n"
            "unemployed;Työttömät työnhakijat;3;3\r\nunemployed;Työttömät työnhakijat;30;30\r\n")
    findings = audit_csv(text, "x_fi.csv")
    assert [f.where for f in findings] == ["row 2, column value (Arvo) (indicator unemployed)",
                                          "row 2, column value (Arvo, tarkka arvo) (indicator unemployed)"]


def test_series_are_those_of_the_document(written):
    from ohti.documents.content import area_series

    rows = [r for r in csv_rows(written[FINNISH].csv["series"]) if r["indicator"] == SERIES_INDICATORS[0]]
    series = area_series(FINNISH, SERIES_INDICATORS[0], PERIOD)
    assert [r["period"] for r in rows] == [p.strftime("%Y-%m") for p in series["period"]]
    for row, (_, want) in zip(rows, series.iterrows()):
        for column, theirs in (("value", "area"), ("national", "national"), ("value_adjusted", "area_adjusted")):
            if math.isnan(want[theirs]):
                assert row[column] == ""
            else:
                assert math.isclose(float(row[column]), want[theirs], rel_tol=1e-8)
        assert row["suppressed"] == str(bool(want["suppressed"]))
