"""Tests of ohti.build on a tiny notebook (tests/fixtures/mini.ipynb); no network."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import soup_of

from ohti.build.batch import build_documents
from ohti.build.convert import html_to_pdf, notebook_to_html
from ohti.build.execute import render_notebook
from ohti.errors import BuildError, ParameterError
from ohti.publish.index import write_index

MINI = Path(__file__).parent / "fixtures" / "mini.ipynb"
PERIOD = "2023-10"


def _parameters(area_code, **extra):
    return {"area_code": area_code, "period": PERIOD, "language": "fi", **extra}


def _assert_self_contained(html):
    soup = soup_of(html)
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


@pytest.mark.build
@pytest.mark.slow
def test_render_writes_executed_notebook_with_parameters(executed):
    nb, output = executed
    assert output.is_file()
    written = nbformat.read(output, as_version=4)
    injected = [c for c in written.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'area_code = "99"' in injected[0].source
    assert written.metadata.papermill.output_path == "99_fi.ipynb"  # outside the project: the name
    assert written.metadata.papermill.input_path == "tests/fixtures/mini.ipynb"
    assert injected[0].id == "injected-parameters"  # fixed, not random
    for volatile in ("start_time", "end_time", "duration"):
        assert volatile not in written.metadata.papermill
        assert all(volatile not in c.metadata.get("papermill", {}) for c in written.cells)
    assert all("execution" not in c.metadata for c in written.cells)  # nbclient's timings
    assert not list(output.parent.glob(".*"))  # no temporary file left behind
    assert MINI.read_text(encoding="utf-8").count('"outputs": []') == 3  # input left unexecuted


@pytest.mark.build
@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
def test_every_image_has_alternative_text(executed):
    nb, _ = executed
    for language, word in [("fi", "Kuvio"), ("sv", "Figur"), ("en", "Figure")]:
        soup = soup_of(notebook_to_html(nb, title="t", language=language))
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


@pytest.mark.build
@pytest.mark.slow
def test_notebook_to_html_does_not_modify_notebook(executed):
    nb, _ = executed
    before = nbformat.writes(nb)
    notebook_to_html(nb, title="t")
    assert nbformat.writes(nb) == before


@pytest.mark.build
@pytest.mark.slow
def test_notebook_to_html_rejects_unknown_language(executed):
    nb, _ = executed
    with pytest.raises(ParameterError, match=r"unsupported language 'de'; choose one of fi, sv"):
        notebook_to_html(nb, title="t", language="de")


@pytest.mark.build
@pytest.mark.slow
def test_html_to_pdf_writes_pdf(executed, tmp_path):
    nb, _ = executed
    pdf = tmp_path / "deeper" / "99_fi.pdf"
    assert html_to_pdf(notebook_to_html(nb, title="t"), pdf) == pdf
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in pdf.parent.iterdir()] == ["99_fi.pdf"]


@pytest.mark.build
@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
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


@pytest.mark.build
@pytest.mark.slow
def test_write_index_lists_documents_and_marks_failures(built):
    folder, results = built
    index = write_index(results, PERIOD, folder / "index.html")
    html = index.read_text(encoding="utf-8")
    soup = soup_of(html)

    assert '<html lang="fi">' in html
    assert soup.title.string == "Alueraportit 2023-10"
    # the index searches and sorts with its own inline script; it loads nothing
    assert all(not script.get("src") for script in soup.find_all("script"))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    rows = soup.find("tbody").find_all("tr")
    assert [row.find("td").get_text() for row in rows] == ["01", "02"]  # sorted by code
    good, failing = rows
    assert [a["href"] for a in good.find_all("a")] == ["01_fi.html", "01_fi.pdf"]  # relative
    # readers see documents, not the build: a failed document has no links and no error text
    # (the build's report says why), and the page shows no status or counts
    assert failing.find_all("a") == []
    assert "planted failure" not in html and "Epäonnistui" not in html and "Valmis" not in html
    assert "Asiakirjoja:" not in html


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
    soup = soup_of(html)
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


# --------------------------------------------------------------------------- reproducible builds


def _spec(code, **parameters):
    return {"code": code, "name": f"Alue {code}", "parameters": _parameters(code, **parameters)}


def _files(folder, stem):
    return {kind: folder / name for kind, name in [
        ("ipynb", f"notebooks/{stem}.ipynb"), ("html", f"{stem}.html"), ("pdf", f"{stem}.pdf")]}


@pytest.mark.build
@pytest.mark.slow
def test_two_builds_of_the_same_inputs_are_byte_identical(tmp_path):
    first = build_documents([_spec("01")], period=PERIOD, outputs_dir=tmp_path / "a",
                            notebook=MINI, progress=False, reuse_kernels=False)
    second = build_documents([_spec("01")], period=PERIOD, outputs_dir=tmp_path / "b",
                             notebook=MINI, progress=False)  # warm kernel this time
    assert first[0]["status"] == second[0]["status"] == "ok"
    a, b = _files(tmp_path / "a" / PERIOD, "01_fi"), _files(tmp_path / "b" / PERIOD, "01_fi")
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


@pytest.mark.build
@pytest.mark.slow
def test_unchanged_documents_are_not_built_again(tmp_path):
    specs = [_spec("01"), _spec("02")]
    build = lambda specs, **options: build_documents(  # noqa: E731
        specs, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False,
        reuse_kernels=False, **options)
    first = build(specs)
    assert [r["rebuilt"] for r in first] == [True, True]
    html = Path(first[0]["html"])
    written = html.stat().st_mtime_ns

    again = build(specs)
    assert [r["rebuilt"] for r in again] == [False, False]
    assert [r["status"] for r in again] == ["ok", "ok"]
    assert again[0]["html"] == first[0]["html"] and html.stat().st_mtime_ns == written

    changed = build([_spec("01"), _spec("02", fail=False, extra="x")])  # new parameters for 02
    assert [r["rebuilt"] for r in changed] == [False, True]

    Path(first[0]["pdf"]).unlink()  # a published file missing: built again
    assert [r["rebuilt"] for r in build(specs[:1])] == [True]
    Path(first[0]["html"]).write_text("edited by hand", encoding="utf-8")  # changed: built again
    assert [r["rebuilt"] for r in build(specs[:1])] == [True]
    assert "edited by hand" not in html.read_text(encoding="utf-8")

    assert [r["rebuilt"] for r in build(specs[:1], formats=("html",))] == [True]  # other formats
    assert [r["rebuilt"] for r in build(specs[:1], force=True)] == [True]


@pytest.mark.build
@pytest.mark.slow
def test_a_changed_input_file_rebuilds_only_its_document(tmp_path, monkeypatch):
    import ohti.build.stamps

    monkeypatch.setattr(ohti.build.stamps, "PROJECT_DIR", tmp_path)
    (tmp_path / "texts").mkdir()
    specs = [{**_spec(code), "inputs": [f"texts/{code}.*"]} for code in ("01", "02")]
    build = lambda: build_documents(  # noqa: E731
        specs, period=PERIOD, outputs_dir=tmp_path / "out", notebook=MINI, progress=False,
        formats=("html",), reuse_kernels=False)
    build()
    (tmp_path / "texts" / "02.md").write_text("Arvio", encoding="utf-8")  # a new text
    assert [r["rebuilt"] for r in build()] == [False, True]
    (tmp_path / "texts" / "02.md").write_text("Uusi arvio", encoding="utf-8")  # an edited text
    assert [r["rebuilt"] for r in build()] == [False, True]
    assert [r["rebuilt"] for r in build()] == [False, False]


@pytest.mark.build
@pytest.mark.slow
def test_a_failing_document_stays_failed_until_its_inputs_change(tmp_path):
    specs = [_spec("01"), _spec("02", fail=True)]
    build = lambda specs: build_documents(  # noqa: E731
        specs, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False,
        reuse_kernels=False)
    first = build(specs)
    assert [r["status"] for r in first] == ["ok", "failed"]
    notebook = Path(first[1]["ipynb"])
    written = nbformat.read(notebook, as_version=4)
    assert written.cells[0].id == "papermill-error-cell-1"  # papermill's marker, a fixed id
    assert "papermill-error-cell-tag" in written.cells[0].metadata.tags

    again = build(specs)  # the same inputs fail the same way: reported, not run again
    assert [(r["status"], r["rebuilt"]) for r in again] == [("ok", False), ("failed", False)]
    assert again[1]["error"] == first[1]["error"] and "planted failure" in again[1]["error"]
    assert again[1]["html"] is None and not (tmp_path / PERIOD / "02_fi.html").exists()

    fixed = build([_spec("01"), _spec("02", fail=False)])
    assert [(r["status"], r["rebuilt"]) for r in fixed] == [("ok", False), ("ok", True)]


def test_source_date_epoch_comes_from_the_data_or_the_environment(monkeypatch):
    from ohti.build.execute import source_date_epoch

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    epoch = int(source_date_epoch())
    assert epoch % 86400 == 0 and epoch >= 1_700_000_000  # midnight UTC of an extraction date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert source_date_epoch() == "1234567890"


@pytest.fixture(scope="module")
def real_builds(tmp_path_factory):
    """Savonlinna (36) built second in a warm kernel (after Helsinki, 01), and alone in a
    fresh kernel as the papermill command would, into two folders."""
    from ohti.paths import AREA_NOTEBOOK
    from ohti.publish.edition import area_jobs

    folder = tmp_path_factory.mktemp("real")
    warm = build_documents(area_jobs(["01", "36"], PERIOD), period=PERIOD, jobs=1,
                           outputs_dir=folder / "warm", notebook=AREA_NOTEBOOK, progress=False)
    fresh = build_documents(area_jobs(["36"], PERIOD), period=PERIOD, jobs=1,
                            outputs_dir=folder / "fresh", notebook=AREA_NOTEBOOK, progress=False,
                            reuse_kernels=False)
    return folder, warm, fresh


@pytest.mark.build
@pytest.mark.slow
def test_warm_kernel_gives_the_same_bytes_as_a_fresh_kernel(real_builds):
    folder, warm, fresh = real_builds
    assert [r["status"] for r in warm + fresh] == ["ok", "ok", "ok"], [r["error"] for r in warm + fresh]
    a = _files(folder / "warm" / PERIOD, "36_fi")
    b = _files(folder / "fresh" / PERIOD, "36_fi")
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), f"{kind} differs"
    nb = nbformat.read(a["ipynb"], as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))  # numbered as in a fresh kernel


@pytest.mark.build
@pytest.mark.slow
def test_rebuilding_a_real_period_with_nothing_changed_is_quick(real_builds):
    import time

    from ohti.paths import AREA_NOTEBOOK
    from ohti.publish.edition import area_jobs

    folder, warm, _ = real_builds
    started = time.perf_counter()
    again = build_documents(area_jobs(["01", "36"], PERIOD), period=PERIOD, jobs=2,
                            outputs_dir=folder / "warm", notebook=AREA_NOTEBOOK, progress=False)
    assert time.perf_counter() - started < 2
    assert [r["rebuilt"] for r in again] == [False, False]
    assert [r["html"] for r in again] == [r["html"] for r in warm]


# --------------------------------------------------------------------------- order and workers


@pytest.mark.build
@pytest.mark.slow
def test_documents_start_in_order_of_priority(tmp_path):
    specs = [{**_spec("01"), "priority": -1}, {**_spec("02"), "priority": 2}, _spec("03"), {**_spec("04"), "priority": 2}]
    results = build_documents(specs, period=PERIOD, formats=("html",), outputs_dir=tmp_path,
                              notebook=MINI, progress=False)
    assert [r["code"] for r in results] == ["01", "02", "03", "04"]  # reported in the order given
    written = sorted(results, key=lambda r: Path(r["ipynb"]).stat().st_mtime_ns)
    assert [r["code"] for r in written] == ["02", "04", "03", "01"]  # built by priority, ties in order


def test_a_priority_that_is_not_a_number_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"document 1 \(code '01'\): priority must be a number, not 'high'"):
        build_documents([{**_spec("01"), "priority": "high"}], period=PERIOD, outputs_dir=tmp_path,
                        notebook=MINI, progress=False)


@pytest.mark.build
@pytest.mark.slow
def test_a_pool_started_before_the_build_builds_its_documents(tmp_path):
    from ohti.build.batch import WorkerPool

    with WorkerPool(2) as pool:
        pool.start()  # as ohti build does into an empty folder, before it knows the documents
        assert pool.started
        results = build_documents([_spec("01"), _spec("02")], period=PERIOD, formats=("html",),
                                  jobs=2, outputs_dir=tmp_path, notebook=MINI, progress=False, pool=pool)
        assert [r["status"] for r in results] == ["ok", "ok"], [r["error"] for r in results]
        assert pool.started  # the build leaves a pool it was given to its owner
        shared = dict(pool.environment)
        from ohti.build.kernels import SHARED_FOLDER_VARIABLE

        assert Path(shared[SHARED_FOLDER_VARIABLE]).is_dir()
    assert not pool.started
    assert not Path(shared[SHARED_FOLDER_VARIABLE]).exists()  # the kernels' shared folder is removed


@pytest.mark.build
@pytest.mark.slow
def test_a_failed_document_keeps_its_last_good_pages(tmp_path):
    """Published work is never lost: a document that fails after a good build keeps that
    build's HTML and PDF, and its result says so; a page its stamp does not vouch for goes."""
    good = [{"code": "05", "name": "Viides", "parameters": _parameters("05")}]
    (first,) = build_documents(good, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False)
    assert first["status"] == "ok"
    html, pdf = Path(first["html"]).read_bytes(), Path(first["pdf"]).read_bytes()

    failing = [{"code": "05", "name": "Viides", "parameters": _parameters("05", fail=True)}]
    (second,) = build_documents(failing, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False)
    assert second["status"] == "failed" and "planted failure" in second["error"]
    assert second["kept"] == ["html", "pdf"] and second["html"] == first["html"]
    assert Path(second["html"]).read_bytes() == html and Path(second["pdf"]).read_bytes() == pdf
    (again,) = build_documents(failing, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False)
    assert (again["status"], again["rebuilt"], again["html"]) == ("failed", False, first["html"])

    stray = tmp_path / PERIOD / "06_fi.html"
    stray.write_text("<p>not built by ohti</p>", encoding="utf-8")
    (third,) = build_documents([{"code": "06", "name": "Kuudes", "parameters": _parameters("06", fail=True)}],
                               period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False)
    assert third["status"] == "failed" and third["html"] is None and not stray.exists()


def test_the_index_never_shows_the_build_machines_paths(tmp_path):
    entries = [{"code": "05", "name": "Viides", "status": "failed", "html": None, "pdf": None, "language": "fi",
                "error": f"cell 2 raised KeyError: 'x'; the traceback is in {tmp_path}/2023-10/notebooks/05_fi.ipynb"}]
    html = write_index(entries, PERIOD, tmp_path / "index.html").read_text(encoding="utf-8")
    # the index is for readers: a failed document is a dash, its error is in the build's report
    assert "05_fi.ipynb" not in html and str(tmp_path) not in html and "KeyError" not in html
    assert "Viides" in html


def test_printing_a_page_fetches_nothing_from_elsewhere(tmp_path):
    """WeasyPrint would fetch and embed a remote image; ohti's fetcher refuses anything but data: URIs."""
    from ohti.build.convert import local_only_fetcher

    page = ('<html><body><p>kuva</p><img src="http://127.0.0.1:9/x.png" alt="x">'
            f'<img src="file://{tmp_path}/secret.png" alt="y"></body></html>')
    pdf = html_to_pdf(page, tmp_path / "page.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    fetcher = local_only_fetcher()
    fetch = getattr(fetcher, "fetch", fetcher)
    with pytest.raises(ValueError):
        fetch("http://example.org/x.png")
    with pytest.raises(ValueError):
        fetch(f"file://{tmp_path}/secret.png")
