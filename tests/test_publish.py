"""Tests of ohti.publish.edition: the area jobs, the summary, what is remembered between builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from ohti.cli import make_parser
from ohti.paths import AREA_NOTEBOOK
from ohti.publish import edition
from ohti.publish.plan import area_codes


def test_area_jobs_name_the_notebook_parameters_and_assessment_text():
    (job,) = edition.area_jobs(["36"], "2023-10", "fi")
    assert job["code"] == "36" and job["name"] == "Savonlinna"  # readers see no language tag
    assert job["group"] == "Etelä-Savon ELY-keskus"
    assert Path(job["notebook"]) == AREA_NOTEBOOK
    assert job["parameters"] == {"area_code": "36", "period": "2023-10", "language": "fi"}
    assert job["inputs"] == ["parameters/assessments/2023-10/36.*"]


def test_summary_counts_documents_up_to_date_and_failed():
    results = [
        {"code": "01", "name": "Helsinki", "status": "ok", "rebuilt": False, "seconds": 0.0, "error": None},
        {"code": "02", "name": "Vantaa", "status": "ok", "rebuilt": True, "seconds": 4.0, "error": None},
        {"code": "03", "name": "Espoo", "status": "failed", "rebuilt": True, "seconds": 2.0,
         "error": "cell 3 raised ValueError"},
    ]
    summary = edition.BuildSummary("2023-10", results, "outputs/2023-10/index.html")
    assert not summary.ok and len(summary.up_to_date) == 1
    text = summary.text()
    assert text.startswith("2 of 3 documents ready for 2023-10 (2 built, 1 up to date; 6 s of work)")
    assert "FAILED 03 (Espoo): cell 3 raised ValueError" in text


def test_default_period_is_found_once_while_ohti_is_unchanged(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(edition, "latest_complete_period", lambda: calls.append(1) or "2023-10")
    assert edition.default_period(tmp_path) == "2023-10"
    assert edition.default_period(tmp_path) == "2023-10"
    assert len(calls) == 1
    assert (tmp_path / edition.STAMPS_FOLDER / "latest_complete_period.json").is_file()


def test_a_given_period_is_checked_once_while_ohti_is_unchanged(tmp_path, monkeypatch):
    import pytest

    from ohti.errors import PeriodError

    calls = []
    real = edition.check_periods
    monkeypatch.setattr(edition, "check_periods", lambda periods: calls.append(1) or real(periods))
    assert edition.checked_period("2023-10", tmp_path) == "2023-10"
    assert edition.checked_period("2023-10", tmp_path) == "2023-10"
    assert len(calls) == 1
    with pytest.raises(PeriodError):
        edition.checked_period("2099-01", tmp_path)  # an error is never remembered
    with pytest.raises(PeriodError):
        edition.checked_period("2099-01", tmp_path)
    assert len(calls) == 3


def test_catalogue_is_written_again_only_when_it_changed(tmp_path, monkeypatch):
    calls = []

    def write_catalogue(outputs_dir):
        calls.append(1)
        path = Path(outputs_dir) / "catalogue" / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("catalogue", encoding="utf-8")
        return path

    monkeypatch.setattr(edition, "write_catalogue", write_catalogue)
    path = edition.publish_catalogue(tmp_path)
    assert edition.publish_catalogue(tmp_path) == path and len(calls) == 1
    path.write_text("edited", encoding="utf-8")
    edition.publish_catalogue(tmp_path)
    assert len(calls) == 2
    edition.publish_catalogue(tmp_path, force=True)
    assert len(calls) == 3


def test_build_command_passes_scheduler_and_force(monkeypatch):
    import ohti.publish.edition

    seen = {}

    def build_area_documents(**options):
        seen.update(options)
        return edition.BuildSummary("2023-10", [], "index.html")

    monkeypatch.setattr(ohti.publish.edition, "build_area_documents", build_area_documents)
    args = make_parser().parse_args(["build", "--areas", "36", "--scheduler", "tcp://10.0.0.5:8786",
                                     "--force", "--quiet"])
    assert args.run(args) == 0
    assert seen["scheduler"] == "tcp://10.0.0.5:8786" and seen["force"] is True
    assert seen["codes"] == "36" and seen["progress"] is False
    args = make_parser().parse_args(["build"])
    assert args.scheduler is None and args.force is False


def test_workers_start_early_only_when_nothing_was_built_yet(tmp_path):
    assert edition._nothing_built_yet(tmp_path, "2023-10")  # an empty folder: every document is built
    assert edition._nothing_built_yet(tmp_path, None)
    (tmp_path / "2023-10" / edition.STAMPS_FOLDER).mkdir(parents=True)
    (tmp_path / edition.STAMPS_FOLDER).mkdir()
    assert not edition._nothing_built_yet(tmp_path, "2023-10")  # a rebuild may have nothing to do
    assert not edition._nothing_built_yet(tmp_path, None)
    assert edition._nothing_built_yet(tmp_path, "2023-09")
    assert not edition._nothing_built_yet(tmp_path, "../2023-10")  # refused by the period check anyway


def test_documents_are_ordered_areas_first_and_national_overviews_last():
    jobs = edition.area_jobs(["36"], "2023-10", None, "ely", validity=True)
    priority = {job["code"]: job["priority"] for job in jobs}
    assert priority["36"] > priority["ely-10"] > priority["validity"] > priority["national"]


def test_an_empty_selection_of_areas_is_refused():
    import pytest

    from ohti.cli import main
    from ohti.errors import ParameterError

    with pytest.raises(ParameterError, match="--areas is empty"):
        area_codes(" , ")
    assert main(["build", "--areas", "", "--quiet"]) == 2


def test_jobs_zero_is_refused(capsys):
    from ohti.cli import main

    assert main(["build", "--areas", "36", "--jobs", "0", "--quiet"]) == 2
    assert "--jobs must be at least 1, not 0" in capsys.readouterr().err


@pytest.mark.slow
def test_a_second_build_into_the_same_period_stops_with_one_line(tmp_path):
    import subprocess
    import sys

    from ohti.errors import BuildError

    folder = tmp_path / "2026-06"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from ohti.publish.edition import period_lock\n"
        f"with period_lock(Path({str(folder)!r})):\n    print('held', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildError, match=rf"another ohti build is writing .*2026-06 \(process {holder.pid}\)"):
            with edition.period_lock(folder):
                pass
    finally:
        holder.kill()
        holder.wait()
    with edition.period_lock(folder):  # free again once the holder is gone
        assert (folder / edition.LOCK_NAME).read_text().strip() == str(__import__("os").getpid())


def test_temporary_files_of_an_interrupted_build_are_removed(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data").mkdir()
    left = [tmp_path / "notebooks" / ".01_fi-k2j4h_x9.ipynb", tmp_path / ".01_fi-abcdefgh.html.tmp",
            tmp_path / "data" / ".01_espoo-zz9y8x7w.zip.tmp"]
    kept = [tmp_path / "01_fi.html", tmp_path / "notebooks" / "01_fi.ipynb", tmp_path / edition.LOCK_NAME]
    for path in left + kept:
        path.write_text("x", encoding="utf-8")
    (tmp_path / ".stamps").mkdir()
    assert sorted(edition.remove_temporary_files(tmp_path)) == sorted(left)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in left)


def test_workers_are_capped_by_documents_and_cpus():
    assert edition.worker_count(6, 1, cpus=2) == 2  # one area: at most two documents, two CPUs
    assert edition.worker_count(6, 1, cpus=8) == 2
    assert edition.worker_count(6, 1, cpus=8, language="fi") == 1  # one area in one language: one document
    assert edition.worker_count(None, 3, cpus=8, language="sv") == 3
    assert edition.worker_count(None, 45, grouping="evk", validity=True, cpus=2) == 2
    assert edition.worker_count(1, 45, cpus=8) == 1


def test_a_file_where_the_period_folder_should_be_is_one_line(tmp_path, monkeypatch, capsys):
    from ohti.cli import main

    (tmp_path / "2026-06").write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(edition, "OUTPUTS_DIR", tmp_path)
    assert main(["build", "--areas", "36", "--period", "2026-06", "--formats", "html", "--jobs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2026-06: a file stands where the outputs need a folder" in err[0]


def test_assessments_are_checked_before_the_build(tmp_path, monkeypatch):
    import pytest

    from ohti.documents.assessments import check_assessments, render_assessment
    from ohti.errors import ParameterError

    folder = tmp_path / "2026-06"
    folder.mkdir()
    (folder / "36.md").write_bytes("Vahvuudet: hyvä \xe4".encode("latin-1"))
    (folder / "01.md").write_text("![kaavio](http://127.0.0.1/x.png) ja ![oma](kuva.png)", encoding="utf-8")
    (folder / "02.md").write_text("x" * 300_000, encoding="utf-8")
    problems = check_assessments(sorted(folder.glob("*.md")))
    assert any("01.md: image 'http://127.0.0.1/x.png' is not a file inside" in p for p in problems)
    assert any("02.md: 300,000 bytes" in p for p in problems)
    assert any("36.md: byte 14 is not UTF-8 text" in p for p in problems)
    monkeypatch.setattr(edition, "_assessments_dir", lambda: tmp_path)
    with pytest.raises(ParameterError, match="assessment texts: 2 problem"):
        edition._checked_assessments([{"code": c} for c in ("01", "02", "36")], "2026-06")
    dropped = []
    html = render_assessment("![kaavio](http://127.0.0.1/x.png)", {}, folder=tmp_path, dropped=dropped)
    assert "<img" not in html and "kaavio" in html and dropped == ["http://127.0.0.1/x.png"]
    (folder / "kuva.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # a file beside the text is embedded
    html = render_assessment("![oma](kuva.png) ![ulos](../2026-05/x.png)", {}, folder=folder, dropped=dropped)
    assert 'src="data:image/png;base64,' in html and "ulos" in html and html.count("<img") == 1


def test_a_read_only_folder_or_a_full_disk_is_one_line(monkeypatch, capsys):
    """As root a read-only folder cannot be made in a test, so the system's own errors are
    raised where a build writes: each is one line with the path, exit status 2."""
    import errno

    import ohti.publish.edition
    from ohti.cli import main

    for code, text in ((errno.EACCES, "Permission denied"), (errno.ENOSPC, "No space left on device")):
        def build_area_documents(**options):
            raise OSError(code, text, "/srv/ohti/outputs/2026-06/36_fi.pdf")

        monkeypatch.setattr(ohti.publish.edition, "build_area_documents", build_area_documents)
        assert main(["build", "--areas", "36", "--quiet"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"ohti: error: /srv/ohti/outputs/2026-06/36_fi.pdf: {text}"]
