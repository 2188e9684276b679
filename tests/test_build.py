"""Tests of ohti.build on a tiny notebook (tests/fixtures/mini.ipynb); no network."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from ohti.build import (
    build_documents,
    html_to_pdf,
    notebook_to_html,
    render_notebook,
    write_index,
)
from ohti.errors import BuildError, ParameterError

MINI = Path(__file__).parent / "fixtures" / "mini.ipynb"
PERIOD = "2023-10"


def _parameters(area_code, **extra):
    return {"area_code": area_code, "period": PERIOD, "language": "fi", **extra}


def _assert_self_contained(html):
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == []
    assert "<script" not in html.lower()
    for link in soup.find_all("link"):
        assert not re.match(r"(https?:)?//", link.get("href", ""))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The fixture notebook run once for area 99, shared by the conversion tests."""
    folder = tmp_path_factory.mktemp("render")
    output = folder / "99_fi.ipynb"
    nb = render_notebook(MINI, output, _parameters("99"))
    return nb, output


def test_render_writes_executed_notebook_with_parameters(executed):
    nb, output = executed
    assert output.is_file()
    written = nbformat.read(output, as_version=4)
    injected = [c for c in written.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'area_code = "99"' in injected[0].source
    assert written.metadata.papermill.output_path == str(output.resolve())
    assert not list(output.parent.glob(".*"))  # no temporary file left behind
    assert MINI.read_text(encoding="utf-8").count('"outputs": []') == 3  # input left unexecuted


def test_html_shows_outputs_not_code(executed):
    nb, _ = executed
    html = notebook_to_html(nb, title="Alue 99", language="fi", about="<p>Lähde: testi</p>")

    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fi">' in html
    assert '<meta charset="utf-8">' in html
    assert "<title>Alue 99</title>" in html
    assert "Alue 99, 2023-10" in html  # the heading made from the injected parameter
    assert "Testiasiakirja" in html  # markdown cells are kept
    assert "import matplotlib" not in html
    assert 'area_code = "99"' not in html  # the injected parameters cell is code too
    assert "stderr-noise" not in html
    assert "hidden-cell-output" not in html  # cell tagged remove-cell
    assert '<footer class="about">' in html and "Lähde: testi" in html
    assert html.count("<style>") == 1 and "@page" in html
    _assert_self_contained(html)


def test_every_image_has_alternative_text(executed):
    nb, _ = executed
    for language, word in [("fi", "Kuvio"), ("sv", "Figur"), ("en", "Figure")]:
        soup = BeautifulSoup(notebook_to_html(nb, title="t", language=language), "html.parser")
        alts = [image.get("alt", "").strip() for image in soup.find_all("img")]
        assert len(alts) == 2
        assert all(alts)
        assert "Testikuvio alueelle 99" in alts  # the notebook's own text is kept
        assert word in alts  # the plain PNG output without one gets the fallback


def test_notebook_to_html_drops_scripts_and_external_stylesheets():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/javascript": "alert(1)", "text/html": "<p>static table</p>"},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": '<link rel="stylesheet" href="https://cdn.example/x.css">'
                '<script src="https://cdn.example/x.js"></script><p>after scripts</p>'
                '<img src="data:image/png;base64,AAAA" alt="">'
            },
        ),
    ]
    nb.cells = [cell]
    html = notebook_to_html(nb, title="t", language="en")
    _assert_self_contained(html)
    assert "static table" in html and "alert(1)" not in html  # the static form is chosen
    assert "after scripts" in html
    assert 'alt="Figure"' in html  # an empty alternative text is replaced


def test_notebook_to_html_does_not_modify_notebook(executed):
    nb, _ = executed
    before = nbformat.writes(nb)
    notebook_to_html(nb, title="t")
    assert nbformat.writes(nb) == before


def test_notebook_to_html_rejects_unknown_language(executed):
    nb, _ = executed
    with pytest.raises(ParameterError, match=r"unsupported language 'de'; choose one of fi, sv"):
        notebook_to_html(nb, title="t", language="de")


def test_html_to_pdf_writes_pdf(executed, tmp_path):
    nb, _ = executed
    pdf = tmp_path / "deeper" / "99_fi.pdf"
    assert html_to_pdf(notebook_to_html(nb, title="t"), pdf) == pdf
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in pdf.parent.iterdir()] == ["99_fi.pdf"]


def test_render_failure_raises_build_error_and_keeps_notebook(tmp_path):
    output = tmp_path / "98_fi.ipynb"
    with pytest.raises(BuildError, match=r"area 98 .*ValueError: planted failure") as caught:
        render_notebook(MINI, output, _parameters("98", fail=True))
    error = caught.value
    assert error.area == "98"
    assert error.ename == "ValueError" and error.evalue == "planted failure"
    assert error.parameters["fail"] is True
    assert error.__cause__ is not None  # chained to papermill's error
    assert output.is_file()  # the failed notebook is kept for reading the traceback
    assert "planted failure" in output.read_text(encoding="utf-8")


def test_render_missing_notebook(tmp_path):
    with pytest.raises(BuildError, match=r"missing\.ipynb for area 01 .*notebook not found"):
        render_notebook(tmp_path / "missing.ipynb", tmp_path / "out.ipynb", _parameters("01"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build, in two processes, of a good and a failing document."""
    outputs = tmp_path_factory.mktemp("outputs")
    stale = outputs / PERIOD / "02_fi.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("stale", encoding="utf-8")
    specs = [
        {"code": "02", "name": "Failing", "parameters": _parameters("02", fail=True)},
        {"code": "01", "name": "Helsinki", "parameters": _parameters("01")},
    ]
    results = build_documents(
        specs,
        period=PERIOD,
        jobs=2,
        outputs_dir=outputs,
        notebook=MINI,
        progress=False,
        about=lambda parameters: f"<p>Tietoja alueesta {parameters['area_code']}</p>",
    )
    return outputs / PERIOD, results


def test_build_documents_isolates_a_failing_document(built):
    folder, results = built
    failing, good = results  # in the order given
    assert [r["code"] for r in results] == ["02", "01"]

    assert good["status"] == "ok" and good["error"] is None
    assert good["html"] == str(folder / "01_fi.html")
    assert good["pdf"] == str(folder / "01_fi.pdf")
    assert good["ipynb"] == str(folder / "notebooks" / "01_fi.ipynb")
    assert Path(good["pdf"]).read_bytes().startswith(b"%PDF")
    html = Path(good["html"]).read_text(encoding="utf-8")
    assert "Alue 01, 2023-10" in html and "Tietoja alueesta 01" in html
    assert good["seconds"] > 0 and set(good["timings"]) == {"render", "html", "pdf"}

    assert failing["status"] == "failed"
    assert "planted failure" in failing["error"]
    assert failing["html"] is None and failing["pdf"] is None
    assert not (folder / "02_fi.html").exists()  # the stale page was removed
    assert not (folder / "02_fi.pdf").exists()
    assert failing["ipynb"] == str(folder / "notebooks" / "02_fi.ipynb")


def test_build_documents_in_process_and_about_failure(tmp_path):
    def about(parameters):
        raise RuntimeError(f"no metadata for {parameters['area_code']}")

    specs = [{"code": "03", "name": "Kolmas", "parameters": _parameters("03", fail=True)}]
    (result,) = build_documents(
        specs, period=PERIOD, formats=("html",), outputs_dir=tmp_path, notebook=MINI,
        progress=False,
    )
    assert result["status"] == "failed" and "planted failure" in result["error"]

    (result,) = build_documents(
        specs, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False, about=about
    )
    assert result["status"] == "failed"
    assert result["error"] == "RuntimeError: no metadata for 03"


def test_build_documents_lists_every_problem_of_the_spec(tmp_path):
    specs = [
        {"code": "01", "name": "A", "parameters": _parameters("01")},
        {"code": "01", "name": "A again", "parameters": _parameters("01")},
        {"code": "02", "name": "B", "parameters": {"area_code": "02", "language": "fi"}},
        {"code": "03", "name": "C", "parameters": {**_parameters("03"), "period": "2023-09"}},
        {"code": "04", "parameters": _parameters("04")},
    ]
    with pytest.raises(ParameterError, match=r"build specification: 7 problem\(s\)") as caught:
        build_documents(
            specs, period=PERIOD, formats=("html", "docx"), jobs=0, outputs_dir=tmp_path,
            notebook=tmp_path / "missing.ipynb", progress=False,
        )
    message = str(caught.value)
    assert "missing.ipynb not found" in message
    assert "formats ['html', 'docx']" in message
    assert "jobs 0" in message
    assert "document 2 (code '01'): writes 01_fi.* like document 1" in message
    assert "document 3 (code '02'): missing parameter(s) period" in message
    assert "document 4 (code '03'): parameter period '2023-09' differs" in message
    assert "document 5 (code '04'): missing key(s) name" in message
    assert not (tmp_path / PERIOD).exists()


def test_write_index_lists_documents_and_marks_failures(built):
    folder, results = built
    index = write_index(results, PERIOD, folder / "index.html")
    html = index.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")

    assert '<html lang="fi">' in html
    assert soup.title.string == "Alueraportit 2023-10"
    _assert_self_contained(html)
    rows = soup.find("tbody").find_all("tr")
    assert [row.find("td").get_text() for row in rows] == ["01", "02"]  # sorted by code
    good, failing = rows
    assert [a["href"] for a in good.find_all("a")] == ["01_fi.html", "01_fi.pdf"]  # relative
    assert "Valmis" in good.get_text()
    assert failing.find_all("a") == []
    assert "Epäonnistui" in failing.get_text()  # marked in words, not by colour only
    assert "planted failure" in failing.get_text()
    assert "Asiakirjoja: 2, epäonnistuneita: 1" in html


def test_write_index_groups_and_escapes(tmp_path):
    entries = [
        {"code": "10", "name": "<b>Ten</b>", "html": "10_sv.html", "pdf": None, "status": "ok",
         "error": None, "group": "Pohjanmaan ELY"},
        {"code": "2", "name": "Two", "html": None, "pdf": None, "status": "ok", "error": None,
         "group": "Etelä-Savon ELY"},
        {"code": "20", "name": "Twenty", "html": None, "pdf": None, "status": "ok", "error": None},
        {"code": "3", "name": "Three", "html": None, "pdf": None, "status": "ok", "error": None},
    ]
    path = write_index(entries, PERIOD, tmp_path / "index.html", language="sv", title="Rapporter")
    html = path.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings == ["Etelä-Savon ELY", "Pohjanmaan ELY", "Övriga"]  # others last
    codes = [row.find("td").get_text() for row in soup.find_all("tr") if row.find("td")]
    assert codes == ["2", "10", "3", "20"]  # numeric order within each group
    assert "&lt;b&gt;Ten&lt;/b&gt;" in html  # autoescaped
    assert soup.title.string == "Rapporter" and '<html lang="sv">' in html


def test_write_index_reports_all_bad_entries(tmp_path):
    entries = [
        {"code": "01", "name": "A", "status": "done"},
        {"code": "02", "status": "ok"},
    ]
    expected = (
        r"2 problem\(s\): entry 1 \(code '01'\): unknown status 'done'.*"
        r"entry 2 \(code '02'\): missing key 'name'"
    )
    with pytest.raises(ParameterError, match=expected):
        write_index(entries, PERIOD, tmp_path / "index.html")
    assert not (tmp_path / "index.html").exists()
