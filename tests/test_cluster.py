"""``ohti build --scheduler`` on a Dask cluster of separate processes, one of which is lost.

A scheduler and two workers run as the ``dask`` commands on 127.0.0.1, each in a process
group of its own, started and always stopped by :func:`_running_cluster` (every wait is
bounded, so a hung cluster fails the test instead of hanging it). The workers run without a nanny, which
would start a killed worker again: here a worker killed stays dead. ``ohti build`` builds
four area documents on them into a folder the workers share with it, and the test kills
(SIGKILL) one worker while that worker runs a document in its kernel; the worker's kernel
must die with it. Then:

- by default Dask gives the lost tasks (the document the worker ran, and the one assigned to it
  next) to the other worker (``distributed.scheduler.allowed-failures``, 3), so the batch ends
  with every document built, and a second build finds them up to date;
- a scheduler that allows no failure gives up on them (``KilledWorker``): the build reports
  those documents failed, stamps none of them and exits 1, and the next build builds them.

Either way the documents, their executed notebooks, their stamps, the data packages and the
index end byte-identical to a local build of the same areas (``ohti build --jobs 1``), with
no file of the killed worker left.

The documents are the real area notebook on the shipped data, in Finnish HTML only, to keep
the file to about three and a half minutes on 2 cores (the local build a minute, each test one
to one and a half).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import soup_of

from ohti.paths import PROJECT_DIR

distributed = pytest.importorskip("distributed")  # dask[distributed] is a dependency of ohti
psutil = pytest.importorskip("psutil")  # a dependency of distributed

pytestmark = [
    pytest.mark.build,
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and signals as on Linux"),
]

#: Four employment areas, built on the cluster and locally.
AREAS = ("01", "02", "23", "36")
BUILD = ["build", "--areas", ",".join(AREAS), "--formats", "html", "--language", "fi", "--quiet"]
OHTI = [sys.executable, "-m", "ohti"]
DASK = [sys.executable, "-m", "dask"]
#: Seconds to wait for the scheduler and the workers to start.
START_TIMEOUT = 90
#: Seconds a build of the four documents may take on 2 cores before the test fails.
BUILD_TIMEOUT = 600
#: Seconds a worker has been running a document before it is killed (inside the notebook run).
RUNNING_S = 3


class Cluster:
    """A Dask scheduler and workers running as commands, each in a process group of its own."""

    def __init__(self, folder: Path, environment: dict):
        self.folder = folder
        self.environment = environment  # of the workers and of the builds
        self.processes: dict[str, subprocess.Popen] = {}
        self.address = None
        self.orphans: list[int] = []  # processes of a killed worker that the test must end too

    def start(self, name: str, *arguments: str, environment: dict | None = None) -> subprocess.Popen:
        cwd = self.folder / name
        cwd.mkdir()
        with open(self.folder / f"{name}.log", "wb") as log:  # the process keeps its own copy
            process = subprocess.Popen([*DASK, *arguments], cwd=cwd, env={**self.environment, **(environment or {})},
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n" + (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
                         for name in self.processes)

    def stop(self) -> None:
        """Kill every process of the cluster and everything they started (their kernels run in
        sessions of their own), and wait for them."""
        victims = []
        for process in self.processes.values():
            with contextlib.suppress(psutil.Error):
                victims += psutil.Process(process.pid).children(recursive=True)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        for pid in self.orphans:
            with contextlib.suppress(psutil.Error):
                victims.append(psutil.Process(pid))
        for victim in victims:
            with contextlib.suppress(psutil.Error):
                victim.kill()
        psutil.wait_procs(victims, timeout=10)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def _wait_for(condition, timeout: float, what: str, cluster: Cluster):
    """The first true value of ``condition()``, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout} s\n{cluster.logs()}")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def _running_cluster(tmp_path: Path, scheduler_environment: dict | None = None):
    """A scheduler on a free port of 127.0.0.1 and two one-thread workers without a nanny, with
    the environment of this session and an outputs folder of the test (``OHTI_OUTPUTS_DIR``):
    what a cluster's workers share with the machine that runs ``ohti build``."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    running = Cluster(folder, {**os.environ, "OHTI_OUTPUTS_DIR": str(tmp_path / "outputs")})
    try:
        scheduler_file = folder / "scheduler.json"
        running.start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(scheduler_file), "--idle-timeout", "300s",  # should pytest die
                      environment=scheduler_environment)
        running.address = _wait_for(lambda: _read_json(scheduler_file).get("address"), START_TIMEOUT,
                                    "the scheduler did not write its address", running)
        for number in (1, 2):
            running.start(f"worker-{number}", "worker", running.address, "--name", f"worker-{number}",
                          "--nthreads", "1", "--no-nanny", "--no-dashboard", "--memory-limit", "0",
                          "--death-timeout", "60",  # the workers end a minute after the scheduler
                          "--local-directory", str(folder / f"worker-{number}"))
        yield running
    finally:
        running.stop()


@pytest.fixture
def cluster(tmp_path):
    """A cluster whose scheduler runs a lost task again (Dask's default)."""
    with _running_cluster(tmp_path) as running:
        yield running


@pytest.fixture
def cluster_without_retries(tmp_path):
    """A cluster whose scheduler gives up on a task at the first worker lost while it runs it."""
    with _running_cluster(tmp_path, {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}) as running:
        yield running


@pytest.fixture(scope="module")
def local_build(tmp_path_factory) -> Path:
    """The period's folder of a local build of the four areas (``ohti build --jobs 1``)."""
    outputs = tmp_path_factory.mktemp("local")
    done = subprocess.run([*OHTI, *BUILD, "--jobs", "1"], env={**os.environ, "OHTI_OUTPUTS_DIR": str(outputs)},
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return next(p for p in outputs.iterdir() if p.is_dir() and p.name[:2] == "20")


def _executing(client) -> dict[str, list[str]]:
    """The tasks each worker (by name) is running now."""

    def running(dask_worker):
        return sorted(str(task.key) for task in dask_worker.state.executing)

    names = {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}
    return {names.get(address, address): keys for address, keys in client.run(running).items()}


def _build(cluster: Cluster) -> subprocess.CompletedProcess:
    return subprocess.run([*OHTI, *BUILD, "--scheduler", cluster.address], env=cluster.environment,
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=BUILD_TIMEOUT)


def _build_losing_a_worker(cluster: Cluster) -> tuple[int, str]:
    """Run ``ohti build`` on `cluster` and kill one worker while it runs a document; return the
    build's exit status and its report, once the killed worker's kernel is seen to have died."""
    with distributed.Client(cluster.address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(2, timeout=START_TIMEOUT)
        build = subprocess.Popen([*OHTI, *BUILD, "--scheduler", cluster.address], env=cluster.environment,
                                 cwd=PROJECT_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            since: dict[str, float] = {}  # when each worker started the document it runs

            def running_a_while():
                now = time.monotonic()
                for name, keys in _executing(client).items():
                    if not any(key.startswith("ohti-document-") for key in keys):
                        since.pop(name, None)
                    elif now - since.setdefault(name, now) >= RUNNING_S:
                        return name, keys
                return None

            victim, keys = _wait_for(running_a_while, START_TIMEOUT + 60, "no worker ran a document", cluster)
            worker = psutil.Process(cluster.processes[victim].pid)
            kernels = worker.children(recursive=True)
            assert kernels, f"{victim} runs {keys} without a kernel"
            cluster.orphans += [kernel.pid for kernel in kernels]
            worker.kill()  # SIGKILL: nothing of the worker runs after it
            cluster.processes[victim].wait(timeout=10)
            _, alive = psutil.wait_procs(kernels, timeout=15)
            assert alive == [], f"the kernel of the killed {victim} outlived it: {alive}"

            _, err = build.communicate(timeout=BUILD_TIMEOUT)
        finally:
            if build.poll() is None:
                os.killpg(build.pid, signal.SIGKILL)
                build.wait(timeout=10)
        survivor = next(name for name in cluster.processes if name.startswith("worker-") and name != victim)
        assert [info["name"] for info in client.scheduler_info()["workers"].values()] == [survivor]
        assert psutil.Process(cluster.processes[survivor].pid).children() == []  # its kernel ended with the batch
    return build.returncode, err + "\n" + cluster.logs()


def _period_files(period: Path) -> dict[str, bytes]:
    """Every file under a period's folder but its lock, by path relative to it."""
    return {path.relative_to(period).as_posix(): path.read_bytes() for path in sorted(period.rglob("*"))
            if path.is_file() and path.name != ".lock"}


def _listed_pages(period: Path) -> set[str]:
    return {link["href"] for link in soup_of(period / "index.html").find_all("a", href=True)
            if link["href"].endswith("_fi.html")}


def _assert_like_local(period: Path, local: Path) -> None:
    """The period's folder holds the files of the local build, byte for byte, and no other."""
    files, expected = _period_files(period), _period_files(local)
    assert sorted(files) == sorted(expected)  # nothing of the killed worker is left
    assert [name for name in expected if files[name] != expected[name]] == []
    assert _listed_pages(period) == {f"{code}_fi.html" for code in AREAS}


def test_a_document_lost_with_its_worker_is_built_by_the_other_worker(cluster, local_build):
    status, report = _build_losing_a_worker(cluster)
    assert status == 0, report
    assert f"{len(AREAS)} of {len(AREAS)} documents ready" in report
    period = Path(cluster.environment["OHTI_OUTPUTS_DIR"]) / local_build.name
    _assert_like_local(period, local_build)  # documents, notebooks, stamps, data packages, index

    again = _build(cluster)
    assert again.returncode == 0, again.stderr
    assert f"0 built, {len(AREAS)} up to date" in again.stderr


def test_a_document_the_scheduler_gives_up_on_fails_and_the_next_build_builds_it(cluster_without_retries,
                                                                                   local_build):
    cluster = cluster_without_retries
    status, report = _build_losing_a_worker(cluster)
    failed = sorted(line.split()[1] for line in report.splitlines() if line.startswith("FAILED "))
    assert status == 1 and failed, report  # the killed worker's documents (one or two: queued ones too)
    assert all("KilledWorker" in line for line in report.splitlines() if line.startswith("FAILED "))
    assert f"{len(AREAS) - len(failed)} of {len(AREAS)} documents ready" in report
    period = Path(cluster.environment["OHTI_OUTPUTS_DIR"]) / local_build.name
    for code in failed:  # not stamped, so built next time; nothing half-written left
        assert not (period / ".stamps" / f"{code}_fi.json").exists()
        assert not (period / f"{code}_fi.html").exists()
    assert [p.name for p in period.rglob(".*") if p.is_file() and p.name != ".lock"] == []
    assert _listed_pages(period) == {f"{code}_fi.html" for code in AREAS if code not in failed}

    again = _build(cluster)
    assert again.returncode == 0, again.stderr
    assert f"{len(failed)} built, {len(AREAS) - len(failed)} up to date" in again.stderr
    _assert_like_local(period, local_build)
