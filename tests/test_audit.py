"""`ohti audit`: published HTML and CSV files hold no count of persons below the threshold."""

import shutil

import pytest
from bs4 import BeautifulSoup

from ohti import cli
from ohti.audit import audit, audit_csv, audit_html, parse_number
from ohti.errors import ParameterError
from ohti.publish import build_area_documents


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """outputs/<period> of a real build of one area document (Savonlinna, 36), in HTML."""
    outputs = tmp_path_factory.mktemp("outputs")
    summary = build_area_documents(codes="36", formats=("html",), jobs=1, progress=False, outputs_dir=outputs)
    assert summary.ok, summary.text()
    return outputs / summary.period


def planted(built, tmp_path, edit):
    """A copy of the build where ``edit(soup)`` changed the document."""
    copy = tmp_path / "2023-10"
    shutil.copytree(built, copy)
    page = copy / "36_fi.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    edit(soup)
    page.write_text(str(soup), encoding="utf-8")
    return copy


def column_cells(soup, header):
    """The body cells of the first table column headed ``header``."""
    for table in soup.find_all("table"):
        heads = [th.get_text(strip=True) for th in table.find("thead").find_all("th")] if table.find("thead") else []
        if header in heads:
            position = heads.index(header)
            return [tr.find_all(["th", "td"])[position] for tr in table.find("tbody").find_all("tr")]
    raise AssertionError(f"no column {header!r}")


def row_cells(soup, name):
    """The cells of the first table row whose header starts with ``name``."""
    for th in soup.find_all("th", scope="row"):
        if th.get_text(strip=True).startswith(name):
            return th.find_parent("tr").find_all(["th", "td"])
    raise AssertionError(f"no row {name!r}")


def test_full_build_passes(capsys, built):
    assert cli.main(["audit", str(built)]) == 0
    out = capsys.readouterr().out
    # the document and the index, and the area's data package: 8 CSV files and a workbook
    assert out.startswith("audit: 11 file(s) checked, no count of persons below the threshold")


def test_audit_reads_the_person_counts_of_a_real_document(built):
    # with an absurd threshold every count of persons is a finding: the audit does look at them
    _, findings = audit([built], threshold=10**9)
    where = " | ".join(f.where for f in findings)
    assert "row 'Työttömät työnhakijat, henkilöä', column 'Alue'" in where      # indicator table
    assert "row 'Työvoima, henkilöä', column 'Koko maa'" in where               # the nation's count too
    assert "column 'Työttömät työnhakijat'" in where                            # municipalities' table
    assert "alt text, area_last" in where                                       # a line chart's label
    assert not any("Työttömyysaste" in f.where or "Avoimet" in f.where for f in findings)  # rates, vacancies


def test_planted_small_count_in_the_municipality_table_fails(capsys, built, tmp_path):
    def edit(soup):
        column_cells(soup, "Työttömät työnhakijat")[1].string = "3"

    folder = planted(built, tmp_path, edit)
    assert cli.main(["audit", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "36_fi.html: table " in lines[0] and "column 'Työttömät työnhakijat': '3' is a count of persons below the threshold 5" in lines[0]
    assert lines[1].startswith("audit: 1 count(s) of persons below the threshold in 11 file(s)")


def test_planted_small_count_in_the_indicator_table_fails(built, tmp_path):
    def edit(soup):
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[1].string = "4"

    _, findings = audit([planted(built, tmp_path, edit)])
    assert [(f.value, f.threshold) for f in findings] == [("4", 5)]
    assert "row 'Työttömät työnhakijat, henkilöä', column 'Alue'" in findings[0].where


def test_small_numbers_that_are_not_counts_of_persons_pass(built, tmp_path):
    def edit(soup):
        row_cells(soup, "Työttömyysaste")[1].string = "3,2"           # a rate
        row_cells(soup, "Avoimet työpaikat, kpl")[1].string = "3"      # vacancies, not persons
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[5].string = "3/45"  # a rank
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[2].string = "1–4"   # an interval
        column_cells(soup, "Työttömät työnhakijat")[0].string = "0"   # a zero reveals nobody

    assert audit([planted(built, tmp_path, edit)]) [1] == []


def test_threshold_is_a_setting(built, tmp_path):
    def edit(soup):
        column_cells(soup, "Työttömät työnhakijat")[1].string = "4"

    folder = planted(built, tmp_path, edit)
    assert len(audit([folder])[1]) == 1
    assert audit([folder], threshold=3)[1] == []


@pytest.mark.parametrize("text,language,number", [
    ("1\u202f770", "fi", 1770), ("7,9", "fi", 7.9), ("\u2212220", "sv", -220), ("+193", "fi", 193),
    ("1,770", "en", 1770), ("7.9", "en", 7.9), ("ei tietoa", "fi", None), ("1 688–1 854", "fi", None),
    ("38/45", "fi", None), ("", "fi", None),
])
def test_numbers_are_read_as_documents_write_them(text, language, number):
    assert parse_number(text, language) == number


def test_chart_alt_text_of_a_person_count_is_read():
    page = ('<html lang="sv"><body><img alt="Linjediagram: Arbetslösa arbetssökande, Sottunga per månad '
            '11/2018–10/2023. Senaste värde 3." src="x.svg"></body></html>')
    findings = audit_html(page, "doc.html")
    assert [(f.where, f.value) for f in findings] == [("image 1 (alt text, area_last)", "3")]


def test_csv_of_values_is_read_by_indicator(tmp_path):
    text = ("level,area_code,area_name,period,indicator,value,numerator,denominator,note\n"
            "municipality,435,Luhanka,2016,foreign_citizens_share,0.4,3.024,756,\n"
            "municipality,435,Luhanka,2023-10,vacancies,3,3,,\n"
            "municipality,435,Luhanka,2023-10,unemployed,0,0,,\n")
    findings = audit_csv(text, "values.csv")
    assert [str(f) for f in findings] == [
        "values.csv: row 2, column numerator (indicator foreign_citizens_share): '3.024' is a count of persons "
        "below the threshold 5"]


def test_csv_with_person_columns_is_read_by_header(capsys, tmp_path):
    (tmp_path / "breakdown.csv").write_text("Kunta;Työttömät työnhakijat;Avoimet työpaikat\nLuhanka;2;1\n", encoding="utf-8")
    assert cli.main(["audit", str(tmp_path)]) == 1
    assert "breakdown.csv: row 2, column Työttömät työnhakijat: '2'" in capsys.readouterr().out


def test_csv_written_by_ohti_values_passes(capsys, tmp_path):
    assert cli.main(["values", "--indicator", "foreign_citizens_share", "--level", "municipality", "--period", "2016"]) == 0
    (tmp_path / "values.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    assert audit([tmp_path])[1] == []
    assert cli.main(["values", "--indicator", "foreign_citizens_share", "--level", "municipality", "--period", "2016",
                     "--no-disclosure"]) == 0
    (tmp_path / "values.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    assert len(audit([tmp_path])[1]) == 2  # Luhanka and Pelkosenniemi, unprotected


def test_missing_folder_is_an_error(capsys, tmp_path):
    assert cli.main(["audit", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="is not a whole number"):
        audit([tmp_path], threshold=0)


def test_reading_in_parallel_finds_the_same_in_the_same_order(tmp_path):
    # Hand-made CSV files: every third has a small count, in a different row each.
    header = "level,area_code,period,indicator,value,numerator,denominator\n"
    for number in range(100):
        small = number % 3 == 0
        rows = [f"area,{code:02d},2023-10,unemployed,{3 if small and code == number % 7 else 250},"
                f"{3 if small and code == number % 7 else 250}," for code in range(7)]
        (tmp_path / f"values_{number:03d}.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    serial_files, serial = audit([tmp_path], jobs=1)
    parallel_files, parallel = audit([tmp_path], jobs=2)
    assert parallel_files == serial_files and len(serial_files) == 100
    assert len(serial) == 2 * 34  # value and numerator of each planted count
    assert parallel == serial


@pytest.mark.parametrize("plant", [False, True])
def test_build_with_audit_checks_what_it_built(monkeypatch, capsys, built, tmp_path, plant):
    """`ohti build --audit` (what `make reports` runs) audits the period's folder of the build."""
    from ohti import publish

    folder = built
    if plant:
        folder = planted(built, tmp_path, lambda soup: column_cells(soup, "Työttömät työnhakijat")[0].string.replace_with("3"))
    summary = publish.BuildSummary(folder.name, [], str(folder / "index.html"))
    monkeypatch.setattr(publish, "build_area_documents", lambda **_: summary)
    assert cli.main(["build", "--areas", "36", "--audit", "--quiet"]) == (1 if plant else 0)
    out = capsys.readouterr().out
    assert ("count(s) of persons below the threshold" in out) == plant
    assert ("no count of persons below the threshold" in out) != plant
