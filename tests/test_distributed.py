"""ohti build on a Dask distributed cluster (a small in-process LocalCluster); no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from ohti.build.batch import build_documents
from ohti.errors import BuildError

distributed = pytest.importorskip("distributed")  # dask[distributed] is a dependency of ohti

MINI = Path(__file__).parent / "fixtures" / "mini.ipynb"
PERIOD = "2023-10"


@pytest.mark.build
@pytest.mark.slow
def test_build_on_a_dask_cluster(tmp_path):
    from ohti.build import kernels

    specs = [{"code": code, "name": f"Alue {code}",
              "parameters": {"area_code": code, "period": PERIOD, "language": "fi", "fail": code == "02"}}
             for code in ("01", "02")]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        results = build_documents(specs, period=PERIOD, formats=("html",), outputs_dir=tmp_path,
                                  notebook=MINI, progress=False, scheduler=cluster.scheduler_address)
    assert [r["status"] for r in results] == ["ok", "failed"]
    assert "Alue 01, 2023-10" in Path(results[0]["html"]).read_text(encoding="utf-8")
    assert "planted failure" in results[1]["error"]
    assert (tmp_path / PERIOD / ".stamps" / "01_fi.json").is_file()
    assert kernels._all_kernels == []  # the workers' kernels were shut down with the batch


@pytest.mark.slow
def test_an_unreachable_scheduler_is_reported(tmp_path, monkeypatch):
    import ohti.build.distributed

    monkeypatch.setattr(ohti.build.distributed, "CONNECT_TIMEOUT", "1s")
    specs = [{"code": "01", "name": "A", "parameters": {"area_code": "01", "period": PERIOD, "language": "fi"}}]
    with pytest.raises(BuildError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build_documents(specs, period=PERIOD, outputs_dir=tmp_path, notebook=MINI, progress=False,
                        scheduler="tcp://127.0.0.1:9")


def test_the_kernels_on_the_workers_get_the_builds_ohti_variables(monkeypatch):
    """A Dask worker was started with an environment of its own: its kernels get the build
    machine's OHTI_* variables (data, registry, outputs), as a local pool's workers inherit them."""
    from ohti.build.distributed import _forwarded_environment

    monkeypatch.setenv("OHTI_DATA_DIR", "/shared/ohti/data")
    monkeypatch.setenv("OHTI_DIE_WITH_PARENT", "1")  # this process's own lifetime, not a worker's
    monkeypatch.setenv("NOT_OHTI", "x")
    forwarded = dict(_forwarded_environment())
    assert forwarded["OHTI_DATA_DIR"] == "/shared/ohti/data"
    assert "OHTI_DIE_WITH_PARENT" not in forwarded and "NOT_OHTI" not in forwarded


def test_a_batch_removes_the_temporary_files_of_lost_workers(tmp_path):
    """A worker killed while it writes leaves its temporary file; the batch removes it when
    every task has ended, and nothing else."""
    from ohti.build.batch import Job, _Settings
    from ohti.build.distributed import _remove_lost_writes

    settings = _Settings(period_dir=tmp_path, period=PERIOD, formats=("html",))
    job = Job(code="01", name="A", parameters={"period": PERIOD, "language": "fi"}, notebook=MINI)
    (tmp_path / "notebooks").mkdir()
    lost = [tmp_path / "notebooks" / ".01_fi-87g_9j7b.ipynb", tmp_path / ".01_fi-a1b2c3d4.html.tmp"]
    kept = [tmp_path / "01_fi.html", tmp_path / ".01_fi-short.html.tmp", tmp_path / ".02_fi-a1b2c3d4.html.tmp",
            tmp_path / "notebooks" / ".01_fi_sv-a1b2c3d4.ipynb"]
    for path in lost + kept:
        path.write_text("x", encoding="utf-8")
    assert sorted(_remove_lost_writes([job], settings)) == sorted(lost)
    assert [path.exists() for path in lost + kept] == [False] * len(lost) + [True] * len(kept)
