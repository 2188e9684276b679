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
