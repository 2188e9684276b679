"""Data packages: an area's values, its municipalities', definitions and sources as CSV and XLSX."""

from __future__ import annotations

import math
import zipfile

import pytest
from conftest import csv_rows

from ohti.indicators import disclosure
from ohti.indicators.comparison import compare_values
from ohti.publish import packages as packages_module
from ohti.publish.audit import audit, audit_csv, audit_xlsx
from ohti.publish.package_dialects import header
from ohti.publish.packages import PACKAGE_COLUMNS, TABLES, package_stem, slug, write_packages
from ohti.sources import areas

PERIOD = "2023-10"
CODE = "36"  # Savonlinna: Enonkoski, Rantasalmi, Savonlinna, Sulkava


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    outputs = tmp_path_factory.mktemp("outputs")
    return write_packages([CODE], PERIOD, outputs, progress=False)[CODE]


def test_slug_and_stem():
    assert slug("Etelä-Häme") == "etela_hame"
    assert slug("Espoo–Kauniainen ") == "espoo_kauniainen"
    assert package_stem("36") == "36_savonlinna"


def test_files_of_a_package(package):
    assert package.folder.name == "36_savonlinna"
    names = sorted(p.name for p in package.folder.iterdir())
    tables = ["values", "indicator_table", "series", "expected", "peers", "changes", "members", "municipalities",
              "definitions", "sources"]
    assert list(TABLES) == tables
    assert names == sorted(["36_savonlinna.xlsx", "LUEMINUT.txt", *(f"{t}.csv" for t in tables),
                            *(f"{t}_fi.csv" for t in tables)])  # a Finnish-speaking area: no Swedish files
    with zipfile.ZipFile(package.zip) as archive:
        assert sorted(archive.namelist()) == sorted(f"36_savonlinna/{name}" for name in names)
        assert archive.read("36_savonlinna/values.csv") == package.csv["values"].read_bytes()


def test_values_are_the_gated_comparison(package):
    rows = csv_rows(package.csv["values"])
    assert list(rows[0]) == PACKAGE_COLUMNS
    assert {row["level"] for row in rows} == {"area", "national"}
    assert {row["area_code"] for row in rows if row["level"] == "area"} == {CODE}
    rate = next(r for r in rows if r["indicator"] == "unemployment_rate" and r["level"] == "area")
    expected = compare_values("unemployment_rate", "area", periods=[PERIOD], codes=[CODE]).iloc[0]
    assert rate["period"] == PERIOD
    assert math.isclose(float(rate["value"]), expected["value"], rel_tol=1e-9)
    assert math.isclose(float(rate["lower"]), expected["lower"], rel_tol=1e-8)
    assert math.isclose(float(rate["upper"]), expected["upper"], rel_tol=1e-8)
    assert rate["significance"] == expected["significance"]
    # published figure: Savonlinna had 1 770 unemployed job seekers in 10/2023 (tyonv 12r5)
    unemployed = next(r for r in rows if r["indicator"] == "unemployed" and r["level"] == "area")
    assert unemployed["value"] == "1770"


@pytest.fixture(params=[None, 100], ids=["registry", "threshold-100"])
def threshold(request, monkeypatch):
    """The disclosure threshold of every indicator: the registry's (5 persons), or 100 in this
    process; the period's package values (kept per period) are computed again with it, and
    again after."""
    if request.param is None:
        yield None
        return
    packages_module.clear_caches()
    monkeypatch.setattr(disclosure, "threshold_for", lambda indicator_id=None: request.param)
    yield request.param
    monkeypatch.undo()
    packages_module.clear_caches()


#: The municipalities of Savonlinna whose unemployed are suppressed in 2023-10: none below the
#: registry's 5 persons; with 100, Enonkoski's 41 and Sulkava's 81.
SUPPRESSED = {None: set(), 100: {("046", "primary"), ("768", "primary")}}


def test_municipalities_of_the_area_with_suppression(tmp_path, threshold):
    package = write_packages([CODE], PERIOD, tmp_path, progress=False)[CODE]
    rows = csv_rows(package.csv["municipalities"])
    members = set(areas.members("area", CODE).index)
    assert {row["area_code"] for row in rows} == members
    assert all(row["level"] == "municipality" for row in rows)
    suppressed = [row for row in rows if row["suppression"]]
    assert {(row["area_code"], row["suppression"]) for row in suppressed
            if row["indicator"] == "unemployed"} == SUPPRESSED[threshold]
    assert bool(suppressed) == bool(threshold)
    for row in suppressed:  # a suppressed value is missing, not zero, and says why
        assert row["value"] == "" and row["numerator"] == "" and row["note"].startswith("suppressed")
    gated = compare_values("unemployed", "municipality", periods=[PERIOD], codes=sorted(members))
    by_code = {r["area_code"]: r["value"] for r in rows if r["indicator"] == "unemployed"}
    assert len(gated) == len(members) == 4
    for _, expected in gated.iterrows():
        shown = by_code[expected["area_code"]]
        assert (shown == "") if math.isnan(expected["value"]) else float(shown) == expected["value"]


def test_finnish_csv_has_bom_semicolons_and_decimal_commas(package):
    raw = package.csv_fi["values"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    plain = csv_rows(package.csv["values"])
    finnish = csv_rows(package.csv_fi["values"], delimiter=";", encoding="utf-8-sig")
    assert len(plain) == len(finnish)
    value, exact, note = (header("values", c, "fi") for c in ("value", "value_exact", "note"))
    assert (value, exact, note) == ("Arvo", "Arvo, tarkka arvo", "Huomautus")
    for a, b in zip(plain, finnish):
        assert b[exact] == a["value"].replace(".", ",")  # the full-precision twin
        assert b[value] == ("" if a["value"] == "" else f"{round(float(a['value']), int(a['decimals'])):.{int(a['decimals'])}f}"
                            .replace(".", ","))  # rounded as the documents show it
        assert (b[note] == "") == (a["note"] == "")
    assert any("," in row[value] for row in finnish)  # rates have decimals
    assert not any("." in row[value] + row[exact] for row in finnish)


def test_workbook_sheets(package):
    from openpyxl import load_workbook

    workbook = load_workbook(package.xlsx, read_only=True)
    assert workbook.sheetnames == ["arvot", "indikaattoritaulukko", "aikasarjat", "odotetut arvot", "vertailualueet",
                                   "muutokset", "jäsenkunnat", "kunnat", "määritelmät", "lähteet"]
    values = list(workbook["arvot"].iter_rows(values_only=True))
    head = values[0]
    assert head[:5] == ("Taso", "Aluekoodi", "Alue", "Ajankohta", "Indikaattorin tunnus")
    assert head[5] == "Indikaattori"  # the name beside the code
    assert len(values) - 1 == len(csv_rows(package.csv["values"]))
    unemployed = next(r for r in values if r[4] == "unemployed" and r[0] == "Työllisyysalue")
    assert unemployed[head.index("Arvo")] == 1770  # a number, not text
    definitions = list(workbook["määritelmät"].iter_rows(values_only=True))
    head = definitions[0]
    rate = next(r for r in definitions if r[0] == "unemployment_rate")
    assert rate[head.index("Nimi suomeksi")] == "Työttömyysaste"
    assert rate[head.index("Suunta, joka on parempi")] == "pienempi on parempi"
    sources = list(workbook["lähteet"].iter_rows(values_only=True))
    assert sources[0][:3] == ("Tiedosto", "Julkaisija", "Lisenssi")
    assert all(row[2] == "CC BY 4.0" for row in sources[1:])
    attribution = sources[0].index("Lähdemaininta")
    assert all(row[attribution] for row in sources[1:])  # every source has its attribution
    copy, updated = sources[0].index("Aineiston kopio"), sources[0].index("Tilasto päivitetty")
    assert {row[copy] for row in sources[1:]} == {"shipped"}
    rows_12r5 = [row for row in sources[1:] if row[0] == "pxweb_2026/unemployment_register_kunnat_12r5.json"]
    assert rows_12r5 and rows_12r5[0][updated] == "2026-07-21T05:00:00Z"  # the response's own update time
    workbook.close()


def test_package_passes_the_audit(package):
    files, findings = audit([package.folder.parent])
    assert findings == []
    assert {f.suffix for f in files} == {".csv", ".xlsx", ".txt", ".zip"}


def test_audit_reads_finnish_csv_and_workbooks(tmp_path):
    text = "\ufefflevel;area_code;period;indicator;value;numerator;denominator\r\n" \
           "municipality;046;2023-10;unemployed;3;3;\r\nmunicipality;046;2023-10;unemployment_rate;3,5;3;85\r\n"
    findings = audit_csv(text, "x_fi.csv")
    assert [(f.where, f.value) for f in findings] == [
        ("row 2, column value (indicator unemployed)", "3"),
        ("row 2, column numerator (indicator unemployed)", "3"),
        ("row 3, column numerator (indicator unemployment_rate)", "3"),
    ]
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "values"
    sheet.append(["level", "area_code", "period", "indicator", "value", "numerator", "denominator"])
    sheet.append(["municipality", "046", "2023-10", "unemployed", 2, 2, None])
    sheet.append(["municipality", "046", "2023-10", "unemployed", 41, 41, None])
    workbook.save(tmp_path / "x.xlsx")
    findings = audit_xlsx(tmp_path / "x.xlsx", "x.xlsx")
    assert [f.where for f in findings] == ["row 2, column value (indicator unemployed)",
                                          "row 2, column numerator (indicator unemployed)"]
    assert findings[0].file == "x.xlsx (sheet values)"


def test_same_data_give_the_same_bytes(package, tmp_path):
    again = write_packages([CODE], PERIOD, tmp_path, progress=False)[CODE]
    assert again.zip.read_bytes() == package.zip.read_bytes()
    assert again.xlsx.read_bytes() == package.xlsx.read_bytes()
    for name in ("all_areas.csv", "all_areas_fi.csv", "all_areas_sv.csv", "all_areas.xlsx", "all_areas_sv.xlsx"):
        assert (again.folder.parent / name).read_bytes() == (package.folder.parent / name).read_bytes()


def test_unknown_area_is_a_clear_error(tmp_path):
    from ohti.errors import OhtiError

    with pytest.raises(OhtiError):
        write_packages(["99"], PERIOD, tmp_path, progress=False)
    assert not (tmp_path / PERIOD).exists()


def test_an_up_to_date_package_is_not_written_again(tmp_path, monkeypatch):
    from ohti.publish import edition

    first = edition.publish_packages(["25"], PERIOD, tmp_path)["25"]
    written = []
    monkeypatch.setattr(edition, "write_package", lambda *args: written.append(args) or first)
    again = edition.publish_packages(["25"], PERIOD, tmp_path)["25"]
    assert written == [] and again == first
    first.zip.write_bytes(b"changed")  # a damaged package is written again
    edition.publish_packages(["25"], PERIOD, tmp_path)
    assert len(written) == 1
