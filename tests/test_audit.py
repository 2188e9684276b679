"""`ohti audit`: published files (HTML, SVG, PDF, CSV, XLSX, notebooks, text, zip and gzip
archives) hold no count of persons below the threshold, and what cannot be read is refused."""

import base64
import gzip
import io
import json
import os
import re
import struct
import time
import zipfile

import matplotlib.pyplot as plt
import pytest
from conftest import edit_page

from ohti import cli
from ohti.documents.charts import STYLE, figure_html
from ohti.errors import ParameterError, SourceDataError
from ohti.paths import PACKAGE_DIR
from ohti.publish import audit as audit_module
from ohti.publish.audit import (
    audit,
    audit_csv,
    audit_file,
    audit_html,
    audit_notebook,
    audit_pdf,
    audit_svg,
    audit_text,
    audit_zip,
    audited_files,
    parse_number,
    person_labels,
)

#: What the shared build (``built_period``, areas 23 and 36) holds: each area's document in HTML
#: and PDF, its executed notebook and its data package (20 CSV files, a workbook, LUEMINUT.txt,
#: and the zip), the index and the five all-areas files.
BUILT_FILES = 2 * (2 + 1 + 23) + 1 + 5


def planted(build, edit):
    """The copy of the build `build` after ``edit(soup)`` changed Savonlinna's document."""
    edit_page(build / "36_fi.html", edit)
    return build


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


@pytest.mark.build
@pytest.mark.slow
def test_full_build_passes(capsys, built_period):
    assert cli.main(["audit", str(built_period)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"audit: {BUILT_FILES} file(s) checked, no count of persons below the threshold")


@pytest.mark.build
@pytest.mark.slow
def test_audit_reads_the_person_counts_of_a_real_document(built_period):
    # with an absurd threshold every count of persons is a finding: the audit does look at them
    _, findings = audit([built_period], threshold=10**9)
    where = " | ".join(f.where for f in findings)
    assert "row 'Työttömät työnhakijat, henkilöä', column 'Alue'" in where      # indicator table
    assert "row 'Työvoima, henkilöä', column 'Koko maa'" in where               # the nation's count too
    assert "column 'Työttömät työnhakijat'" in where                            # municipalities' table
    assert "alt text, area_last" in where                                       # a line chart's label
    assert not any("Työttömyysaste" in f.where or "Avoimet" in f.where for f in findings)  # rates, vacancies
    # the PDF, read from its glyphs, gives what its HTML gives: the indicator tables' rows (same
    # row, same column) and the municipalities' columns
    in_pdf = sorted((f.where.split(", ", 1)[1], f.value) for f in findings if f.file.endswith("36_fi.pdf"))
    in_html = sorted((f.where.split(", ", 1)[1], f.value) for f in findings
                     if f.file.endswith("36_fi.html") and f.where.startswith("table"))
    assert ("row 'Työttömät työnhakijat, henkilöä', column 'Alue'", "1\u202f981") in in_pdf
    def in_value_columns(found):
        return [row for row in found if row[0].endswith(("column 'Alue'", "column 'Koko maa'"))]

    assert in_value_columns(in_pdf) == in_value_columns(in_html) != []
    assert sorted(v for w, v in in_pdf if w == "column 'Työttömät työnhakijat'") == sorted(
        v for w, v in in_html if w.endswith("column 'Työttömät työnhakijat'")) and len(in_pdf) == len(in_html)
    # the notebook's outputs and the zipped package, member by member
    assert any(f.file.endswith("36_fi.ipynb") and "column 'Alue'" in f.where for f in findings)
    assert any(f.file.endswith(".zip:36_savonlinna/values_fi.csv") for f in findings)


@pytest.mark.build
@pytest.mark.slow
def test_planted_small_count_in_the_municipality_table_fails(capsys, copy_of_build):
    def edit(soup):
        column_cells(soup, "Työttömät työnhakijat")[1].string = "3"

    folder = planted(copy_of_build, edit)
    assert cli.main(["audit", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "36_fi.html: table " in lines[0] and "column 'Työttömät työnhakijat': '3' is a count of persons below the threshold 5" in lines[0]
    assert lines[1].startswith(f"audit: 1 count(s) of persons below the threshold in {BUILT_FILES} file(s)")


@pytest.mark.build
@pytest.mark.slow
def test_planted_small_count_in_the_indicator_table_fails(copy_of_build):
    def edit(soup):
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[1].string = "4"

    _, findings = audit([planted(copy_of_build, edit)])
    assert [(f.value, f.threshold) for f in findings] == [("4", 5)]
    assert "row 'Työttömät työnhakijat, henkilöä', column 'Alue'" in findings[0].where


@pytest.mark.build
@pytest.mark.slow
def test_small_numbers_that_are_not_counts_of_persons_pass(copy_of_build):
    def edit(soup):
        row_cells(soup, "Työttömyysaste")[1].string = "3,2"           # a rate
        row_cells(soup, "Avoimet työpaikat, kpl")[1].string = "3"      # vacancies, not persons
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[5].string = "3/45"  # a rank
        row_cells(soup, "Työttömät työnhakijat, henkilöä")[2].string = "1–4"   # an interval
        column_cells(soup, "Työttömät työnhakijat")[0].string = "0"   # a zero reveals nobody

    assert audit([planted(copy_of_build, edit)])[1] == []


@pytest.mark.build
@pytest.mark.slow
def test_threshold_is_a_setting(copy_of_build):
    def edit(soup):
        column_cells(soup, "Työttömät työnhakijat")[1].string = "4"

    folder = planted(copy_of_build, edit)
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
        ("values.csv: row 2, column numerator (indicator foreign_citizens_share): '3.024' is a count of persons "
         "below the threshold 5")]


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


@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
@pytest.mark.parametrize("plant", [False, True])
def test_build_with_audit_checks_what_it_built(monkeypatch, capsys, built_period, copy_of_build, plant):
    """`ohti build --audit` (what `make reports` runs) audits the period's folder of the build."""
    from ohti.publish import edition

    folder = built_period
    if plant:
        folder = planted(copy_of_build, lambda soup: column_cells(soup, "Työttömät työnhakijat")[0].string.replace_with("3"))
    summary = edition.BuildSummary(folder.name, [], str(folder / "index.html"))
    monkeypatch.setattr(edition, "build_area_documents", lambda **_: summary)
    assert cli.main(["build", "--areas", "36", "--audit", "--quiet"]) == (1 if plant else 0)
    out = capsys.readouterr().out
    assert ("count(s) of persons below the threshold" in out) == plant
    assert ("no count of persons below the threshold" in out) != plant


# --------------------------------------------------------------------------- every kind of file

#: The documents' two kinds of table, with counts of persons to plant: a row per indicator (the
#: area's count, then the nation's, a change, a rank) and a column per variable (one municipality
#: without data: the column goes on past it). Vacancies, rates, changes and ranks are no counts,
#: nor are the statistics of a person count in columns that are not its values (the validity
#: document's scorecard: years, rankability, ICC).
INDICATORS = """<table><thead><tr><th>Indikaattori</th><th class="num">Alue</th><th class="num">Koko maa</th>
<th>Muutos</th><th>Sija (45)</th></tr></thead><tbody>
<tr><th scope="row">Työttömät työnhakijat, henkilöä</th><td class="num">{area}</td><td class="num">352 001</td>
<td class="num">+3</td><td>38/45</td></tr>
<tr><th scope="row">Työttömyysaste, %</th><td class="num">3,2</td><td class="num">1</td><td>−0,2</td><td>3/45</td></tr>
</tbody></table>"""
MUNICIPALITIES = """<table><thead><tr><th>Kunta</th><th>Työttömät työnhakijat</th><th>Avoimet työpaikat</th></tr>
</thead><tbody>
<tr><td>Luhanka</td><td class="num">{first}</td><td class="num">2</td></tr>
<tr><td>Joutsa</td><td class="num">ei tietoa</td><td class="num">1</td></tr>
<tr><td>Toivakka</td><td class="num">{last}</td><td class="num">3</td></tr>
</tbody></table>"""
SCORECARD = """<table><thead><tr><th>Indikaattori</th><th class="num">Vuosia</th><th class="num">Järjestettävyys</th>
<th class="num">ICC</th></tr></thead><tbody>
<tr><th scope="row">Työttömät työnhakijat, henkilöä</th><td class="num">4</td><td class="num">0,95</td>
<td class="num">0,99</td></tr></tbody></table>"""
TABLES = ('<html lang="fi"><head><meta charset="utf-8"><style>{css}</style></head><body>'
          + INDICATORS + MUNICIPALITIES + SCORECARD + "</body></html>")
PLANTED = {"area": "3", "first": "1", "last": "3"}
CLEAN = {"area": "1\u202f770", "first": "30", "last": "45"}


def document_css():
    return (PACKAGE_DIR / "templates" / "document.css").read_text(encoding="utf-8")


def pdf_of(html):
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def found(findings):
    return sorted((f.where, f.value) for f in findings)


def test_pdf_tables_are_read_by_row_and_by_column(tmp_path):
    path = tmp_path / "36_fi.pdf"
    path.write_bytes(pdf_of(TABLES.format(css=document_css(), **PLANTED)))
    assert found(audit([path])[1]) == [
        ("page 1, column 'Työttömät työnhakijat'", "1"), ("page 1, column 'Työttömät työnhakijat'", "3"),
        ("page 1, row 'Työttömät työnhakijat, henkilöä', column 'Alue'", "3")]
    path.write_bytes(pdf_of(TABLES.format(css=document_css(), **CLEAN)))
    assert audit([path])[1] == []


def test_pdf_is_read_as_the_html_it_was_printed_from():
    page = TABLES.format(css=document_css(), **PLANTED)
    in_html = [(f.where.split(", ", 1)[1], f.value) for f in audit_html(page, "x.html") if "'Alue'" in f.where]
    in_pdf = [(f.where.split(", ", 1)[1], f.value) for f in audit_pdf(pdf_of(page), "x.pdf") if "row" in f.where]
    assert in_pdf == in_html == [("row 'Työttömät työnhakijat, henkilöä', column 'Alue'", "3")]


def test_pdf_table_without_padding_is_read_by_row():
    # WeasyPrint's own style sets cells 4 px apart: a row is one run of text, its label, then numbers
    # (all read: there is no telling their columns apart), and so is its header row
    page = f'<html lang="fi"><body>{INDICATORS}</body></html>'
    assert found(audit_pdf(pdf_of(page.format(**PLANTED)), "x.pdf")) == [
        ("page 1, row 'Työttömät työnhakijat, henkilöä'", "3")]
    assert audit_pdf(pdf_of(page.format(**CLEAN)), "x.pdf") == []


def csv_text(first, last):
    return f"Kunta;Työttömät työnhakijat;Avoimet työpaikat\nLuhanka;{first};2\nJoutsa;;1\nToivakka;{last};3\n"


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_members_are_read_by_suffix(tmp_path):
    package = tmp_path / "36_savonlinna.zip"
    package.write_bytes(zipped({"36_savonlinna/": b"", "36_savonlinna/breakdown_fi.csv": csv_text(1, 3),
                                "36_savonlinna/LUEMINUT.txt": "Työttömät työnhakijat 3 kuukauden ajalta\n"}))
    assert [(f.file, f.where, f.value) for f in audit([package])[1]] == [
        (f"{package}:36_savonlinna/breakdown_fi.csv", "row 2, column Työttömät työnhakijat", "1"),
        (f"{package}:36_savonlinna/breakdown_fi.csv", "row 4, column Työttömät työnhakijat", "3")]
    package.write_bytes(zipped({"36_savonlinna/breakdown_fi.csv": csv_text(30, 45)}))
    assert audit([package])[1] == []


def test_nested_archives_are_read(tmp_path):
    inner = zipped({"values.csv.gz": gzip.compress(csv_text(1, 3).encode())})
    outer = tmp_path / "all.zip"
    outer.write_bytes(zipped({"36.zip": inner}))
    assert [(f.file, f.value) for f in audit_zip(outer, str(outer))] == [
        (f"{outer}:36.zip:values.csv.gz", "1"), (f"{outer}:36.zip:values.csv.gz", "3")]


def test_gzipped_csv_is_read(tmp_path):
    path = tmp_path / "breakdown.csv.gz"
    path.write_bytes(gzip.compress(csv_text(1, 3).encode("utf-8")))
    assert [(f.where, f.value) for f in audit([path])[1]] == [
        ("row 2, column Työttömät työnhakijat", "1"), ("row 4, column Työttömät työnhakijat", "3")]
    path.write_bytes(gzip.compress(csv_text(30, 45).encode("utf-8")))
    assert audit([path])[1] == []


def notebook(html, language="fi", stream=""):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["## Työttömät työnhakijat\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["display(table)"],
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/html": html.splitlines(True), "text/plain": ["<HTML object>"]}},
                          {"output_type": "stream", "name": "stdout", "text": [stream]}]}]
    return json.dumps({"cells": cells, "metadata": {"papermill": {"parameters": {"language": language}}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_notebook_outputs_are_read(tmp_path):
    fragment = INDICATORS + MUNICIPALITIES + SCORECARD  # an output is a fragment, without <html lang>
    path = tmp_path / "36_fi.ipynb"
    path.write_text(notebook(fragment.format(**PLANTED), stream="Työttömät työnhakijat, henkilöä  1\n"), encoding="utf-8")
    assert found(audit([path])[1]) == [
        ("cell 2, output 1, table 1, row 'Työttömät työnhakijat, henkilöä', column 'Alue'", "3"),
        ("cell 2, output 1, table 2, row 'Luhanka', column 'Työttömät työnhakijat'", "1"),
        ("cell 2, output 1, table 2, row 'Toivakka', column 'Työttömät työnhakijat'", "3"),
        ("cell 2, output 2, line 1, row 'Työttömät työnhakijat, henkilöä'", "1")]
    assert audit_notebook(notebook(fragment.format(**CLEAN)), "36_fi.ipynb") == []


def test_notebook_svg_output_is_read():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><text x="10" y="20">Työttömät työnhakijat, henkilöä</text>'
           '<text x="300" y="20">{}</text></svg>')
    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": [], "outputs": [
        {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": [svg.format(3)], "text/plain": ["3"]}}]}
    text = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    assert found(audit_notebook(text, "x.ipynb")) == [
        ("cell 1, output 1, image, text beside 'Työttömät työnhakijat, henkilöä'", "3")]
    assert audit_notebook(text.replace(">3<", ">30<"), "x.ipynb") == []


def test_notebook_numbers_are_read_in_its_language():
    row = '<table><tr><th>Kunta</th><th>Unemployed job seekers</th></tr><tr><td>Luhanka</td><td>{}</td></tr></table>'
    assert audit_notebook(notebook(row.format("1,770"), language="en"), "x.ipynb") == []   # 1770
    assert len(audit_notebook(notebook(row.format("1,770"), language="fi"), "x.ipynb")) == 1  # 1.77


INLINE_SVG = """<html lang="fi"><body><svg xmlns="http://www.w3.org/2000/svg" width="400" height="120">
<g><text x="10" y="20" style="font-size: 9px">Työttömät työnhakijat, henkilöä</text>
<text x="300" y="21" style="font-size: 9px; text-anchor: end">{first}</text></g>
<g><text x="10" y="46" style="font-size: 9px">Työttömyysaste, %</text>
<text x="300" y="47" style="font-size: 9px; text-anchor: end">2,5</text></g>
<g transform="translate(0 60)"><text x="10" y="12" style="font-size: 9px">Kokoaikaisesti lomautetut, henkilöä</text>
<text x="300" y="12" style="font-size: 9px; text-anchor: end">{last}</text></g>
</svg></body></html>"""


def test_inline_svg_text_beside_a_person_label_is_read():
    assert found(audit_html(INLINE_SVG.format(first="1", last="3"), "x.html")) == [
        ("svg 1, text beside 'Kokoaikaisesti lomautetut, henkilöä'", "3"), ("svg 1, text beside 'Työttömät työnhakijat, henkilöä'", "1")]
    assert audit_html(INLINE_SVG.format(first="1\u202f770", last="45"), "x.html") == []


def chart_html(values, notes=()):
    """A chart of counts drawn as the documents draw it (matplotlib, SVG in a data URI), its
    axis labelled "{indicator_name} ({unit})", with `notes` written at points."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.plot(range(len(values)), values)
        ax.set_ylabel("Työttömät työnhakijat (henkilöä)")
        for x, text in notes:
            ax.annotate(text, (x, values[x]))
        fig.tight_layout()
    return f'<html lang="fi"><body>{figure_html(fig, "Kuvio")}</body></html>'


def test_svg_data_uri_chart_annotations_are_read_and_ticks_are_not():
    page = chart_html([2, 4, 3, 1], notes=[(0, "3"), (3, "1")])
    assert "data:image/svg+xml;base64," in page
    assert found(audit_html(page, "x.html")) == [
        ("image 1, text in a chart of 'Työttömät työnhakijat (henkilöä)'", "1"),
        ("image 1, text in a chart of 'Työttömät työnhakijat (henkilöä)'", "3")]
    # the same chart without notes: its tick labels (1, 2, 3, 4) are the scale, not counts
    assert audit_html(chart_html([2, 4, 3, 1]), "x.html") == []


def test_svg_title_following_an_alt_text_template_is_read(tmp_path):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" aria-label="Viivakuvio: Työttömät työnhakijat, Sottunga '
           'kuukausittain 11/2018–10/2023. Viimeisin arvo {}."><title>Kuvio</title></svg>')
    path = tmp_path / "chart.svg"
    path.write_text(svg.format(3), encoding="utf-8")
    assert [(f.where, f.value) for f in audit([path])[1]] == [("image (aria-label, area_last)", "3")]
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.format(1).encode()).decode()
    assert [(f.where, f.value) for f in audit_html(f'<img alt="" src="{src}">', "x.html")] == [
        ("image 1 (aria-label, area_last)", "1")]
    assert audit_svg(svg.format(45), "chart.svg") == []


def test_text_lines_are_read_but_not_prose():
    text = ("Työttömät työnhakijat, henkilöä  3  1\u202f770\n"        # cells: a tab or two spaces apart
            "| Kokoaikaisesti lomautetut, henkilöä | 1 | +2 |\n"                  # a Markdown table
            "Työttömät työnhakijat 3\n"                               # the label's words, then a number
            "Työttömät työnhakijat 3 kuukauden ajalta\n")             # prose
    assert found(audit_text(text, "x.txt")) == [
        ("line 1, row 'Työttömät työnhakijat, henkilöä'", "3"), ("line 2, row 'Kokoaikaisesti lomautetut, henkilöä'", "1"),
        ("line 3, row 'Työttömät työnhakijat'", "3")]


@pytest.mark.parametrize("header", ["Työttömät työnhakijat (henkilöä)", "Arbetslösa arbetssökande, personer",
                                    "Unemployed job seekers (persons)", "arbetslösa", "unemployed"])
def test_headers_are_matched_by_the_registry_names_and_units_in_every_language(header):
    assert person_labels()[header.casefold()] in ("unemployed", None)
    assert [f.value for f in audit_csv(f"Kunta,{header}\nLuhanka,3\n", "x.csv")] == ["3"]


def test_folders_are_read_with_the_new_kinds_but_not_ohti_bookkeeping(tmp_path):
    for name in ("a.html", "b.pdf", "c.zip", "d.csv.gz", "e.ipynb", "f.svg", "g.txt", "h.xlsx", "i.csv",
                 ".stamps/36_fi.json", ".stamps/j.csv", ".cache/sources/k.csv", "notebooks/.ipynb_checkpoints/l.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in audited_files([tmp_path])] == [
        "a.html", "b.pdf", "c.zip", "d.csv.gz", "e.ipynb", "f.svg", "g.txt", "h.xlsx", "i.csv"]


# --------------------------------------------------------------------------- what cannot be read


def damaged(kind):
    if kind == "zip":
        return zipped({"values.csv": csv_text(30, 45)})[:-30]     # cut in its central directory
    if kind == "gz":
        return gzip.compress(csv_text(30, 45).encode())[:-6]       # cut before the end of its stream
    if kind == "pdf end":
        return pdf_of(TABLES.format(css="", **CLEAN))[:-6]          # whole but for its %%EOF line
    if kind == "pdf password":
        return password_protected_pdf()
    return pdf_of(TABLES.format(css="", **CLEAN))[:2000]            # cut in its first page


def password_protected_pdf() -> bytes:
    """A one-page PDF written by hand whose standard security handler (RC4, revision 2) asks for
    a password: its /U entry is not the one the empty password gives."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, b"00" * 16, b"00" * 16, xref)
    return bytes(out)


@pytest.mark.parametrize("name,content,reason", [
    ("36_savonlinna.zip", lambda: damaged("zip"), r"not a readable zip archive \(File is not a zip file\)"),
    ("values.csv.gz", lambda: damaged("gz"), r"the gzip archive is damaged \(Compressed file ended"),
    ("36_fi.pdf", lambda: damaged("pdf"), r"the PDF does not parse \(Failed to load document"),
    ("36_fi.pdf", lambda: damaged("pdf end"), r"the PDF does not parse \(it ends before its end-of-file marker\)"),
    ("36_fi.pdf", lambda: damaged("pdf password"), r"the PDF is encrypted \(.*password.*\); publish it unencrypted"),
    ("36_fi.ipynb", lambda: b'{"cells": [', r"not a notebook: its JSON breaks at line 1"),
    ("36.xlsx", lambda: b"not a workbook", r"the workbook does not open"),
    ("summary.json", lambda: b"{}", r"not a kind of file ohti audit reads \(\.json\)"),
    ("values.json.gz", lambda: gzip.compress(b"{}"), r"not a kind of file ohti audit reads \(\.json\)"),
])
def test_damaged_and_unknown_files_are_refused(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(SourceDataError, match=rf"1 problem\(s\): {re.escape(str(path))}: {reason}"):
        audit([path])
    with pytest.raises(SourceDataError, match=rf"^{re.escape(str(path))}: 1 problem\(s\): {reason}"):
        audit_file(path)


def test_cli_refuses_every_file_it_cannot_read_with_status_2(capsys, tmp_path):
    for name, content in (("36_savonlinna.zip", damaged("zip")), ("values.csv.gz", damaged("gz")),
                          ("36_fi.pdf", damaged("pdf")), ("notes.json", b"{}"), ("fine.csv", csv_text(30, 45).encode())):
        (tmp_path / name).write_bytes(content)
    paths = [str(tmp_path / name) for name in ("36_savonlinna.zip", "values.csv.gz", "36_fi.pdf", "notes.json", "fine.csv")]
    assert cli.main(["audit", *paths]) == 2
    out, err = capsys.readouterr()
    assert "checked" not in out and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(f"ohti: error: {tmp_path}/") for line in lines)  # one line each
    for line, reason in zip(lines, ("36_savonlinna.zip: not a readable zip archive", "values.csv.gz: the gzip archive is damaged",
                                    "36_fi.pdf: the PDF does not parse", "notes.json: not a kind of file ohti audit reads")):
        assert line.startswith(f"ohti: error: {tmp_path}/{reason}")
    assert "fine.csv:" not in err


def test_what_is_not_a_regular_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "values.csv")                   # read, it would block the audit
    os.symlink("loop.html", tmp_path / "loop.html")      # a link to itself
    os.symlink("gone.csv", tmp_path / "dangling.csv")
    with pytest.raises(SourceDataError) as raised:
        audit([tmp_path, "/dev/null"])
    assert sorted(raised.value.problems) == sorted([
        f"{tmp_path}/dangling.csv: a symbolic link to 'gone.csv', which does not exist; point it at the published file",
        f"{tmp_path}/loop.html: a symbolic link that loops back on itself; point it at the published file or remove it",
        f"{tmp_path}/values.csv: a FIFO (named pipe), not a file; give the published files or their folder",
        "/dev/null: a character device, not a file; give the published files or their folder"])


def test_zip_bomb_is_refused_before_anything_is_unpacked(monkeypatch, tmp_path):
    bomb = tmp_path / "36_savonlinna.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("values.csv", "w") as member:
        zeros = bytes(2**20)
        for _ in range(200):
            member.write(zeros)
    assert bomb.stat().st_size < 2**20  # 200 MiB of zeros in a few hundred kB
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("a member was unpacked"))
    started = time.perf_counter()
    with pytest.raises(SourceDataError, match=r"36_savonlinna\.zip: unpacks to 200\.0 MiB, more than the 100\.0 MiB "
                                              r"ohti audit unpacks from one file \(a zip bomb\?\); nothing was unpacked"):
        audit([bomb])
    assert time.perf_counter() - started < 2


def test_gzip_bomb_is_refused_at_the_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(audit_module, "MAX_UNPACKED_BYTES", 2**20)
    path = tmp_path / "values.csv.gz"
    path.write_bytes(gzip.compress(bytes(10 * 2**20)))  # a gzip stream does not say its size: read to the limit
    with pytest.raises(SourceDataError, match=r"values\.csv\.gz: unpacks to more than the 1\.0 MiB ohti audit "
                                              r"unpacks from one file \(a gzip bomb\?\)"):
        audit([path])


def test_member_that_unpacks_to_more_than_it_declares_is_refused(tmp_path):
    data = bytearray(zipped({"values.csv": bytes(10 * 2**20)}))
    entry = data.rfind(b"PK\x01\x02")  # the central directory's entry: declare 1 kB
    struct.pack_into("<I", data, entry + 24, 1000)
    path = tmp_path / "36.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(SourceDataError, match=r"36\.zip:values\.csv: the member does not unpack \(Bad CRC-32"):
        audit([path])


def test_zip_of_too_many_members_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(audit_module, "MAX_MEMBERS", 3)
    path = tmp_path / "36.zip"
    path.write_bytes(zipped({f"{n}.csv": "a,b\n" for n in range(4)}))
    with pytest.raises(SourceDataError, match=r"36\.zip: holds 4 members, more than the 3 ohti audit reads"):
        audit([path])


def test_readable_files_findings_are_not_lost_when_another_is_refused(tmp_path):
    (tmp_path / "breakdown.csv").write_text(csv_text(1, 45), encoding="utf-8")
    (tmp_path / "36.zip").write_bytes(b"PK not a zip")
    with pytest.raises(SourceDataError) as raised:
        audit([tmp_path])
    assert raised.value.problems[-1].startswith("besides, 1 count(s) of persons below the threshold in the files that "
                                                f"could be read, the first: {tmp_path}/breakdown.csv: row 2")
