"""Fault injection: a build killed, interrupted or started twice loses no published work,
leaves no process or half-written file behind, and says what happened in one line.

Each test runs the real ``ohti`` command in a subprocess on real shipped data, with the outputs
in a temporary folder; they take seconds each, so they are marked slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import soup_of

pytestmark = [pytest.mark.build, pytest.mark.slow]  # each test runs `ohti build` in a process of its own

OHTI = [sys.executable, "-m", "ohti"]
#: Long enough for the workers and kernels to be running a document.
SETTLE_S = 12


def _start(outputs, *arguments):
    environment = {**os.environ, "OHTI_OUTPUTS_DIR": str(outputs)}
    return subprocess.Popen([*OHTI, "build", *arguments, "--formats", "html", "--quiet"], env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout.split()
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def _alive(pids) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()
            and "zombie" not in Path(f"/proc/{pid}/status").read_text(errors="replace").lower()]


def _wait_for_workers(process, count: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        descendants = _descendants(process.pid)
        if len(descendants) >= count:
            time.sleep(SETTLE_S)
            return _descendants(process.pid)
        time.sleep(0.5)
    pytest.fail(f"the build started {len(_descendants(process.pid))} of {count} processes in {timeout} s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_sigkill_of_the_build_leaves_no_worker_or_kernel_and_the_next_build_cleans_up(tmp_path):
    process = _start(tmp_path, "--areas", "01,02,03", "--jobs", "2")
    descendants = _wait_for_workers(process, 4)  # two workers and their kernels at least
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(descendants) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(descendants) == []  # workers and kernels died with their parent
    again = subprocess.run([*OHTI, "build", "--areas", "01", "--formats", "html", "--jobs", "1", "--quiet"],
                           env={**os.environ, "OHTI_OUTPUTS_DIR": str(tmp_path)}, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    period = next(p for p in tmp_path.iterdir() if p.is_dir() and p.name[:2] == "20")
    leftovers = [p.name for folder in (period, period / "notebooks") for p in folder.iterdir()
                 if p.is_file() and p.name.startswith(".") and p.name != ".lock"]
    assert leftovers == []  # the killed build's temporary files were removed


def test_sigint_stops_the_build_within_seconds_with_one_line(tmp_path):
    process = _start(tmp_path, "--areas", "04,05,06", "--jobs", "2")
    descendants = _wait_for_workers(process, 4)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    took = time.monotonic() - started
    err = process.stderr.read().strip().splitlines()
    assert process.returncode == 130 and took < 3, (process.returncode, took)
    assert err == ["ohti: interrupted; documents finished before it are published, no file is left half-written"]
    time.sleep(2)
    assert _alive(descendants) == []


def test_a_second_build_into_the_same_period_says_one_is_running(tmp_path):
    first = _start(tmp_path, "--areas", "07,08,10,11,12", "--jobs", "1")  # long enough to be still writing
    try:
        _wait_for_workers(first, 1)
        second = subprocess.run([*OHTI, "build", "--areas", "09", "--formats", "html", "--jobs", "1", "--quiet"],
                                env={**os.environ, "OHTI_OUTPUTS_DIR": str(tmp_path)}, capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "another ohti build is writing" in lines[0] and f"(process {first.pid})" in lines[0]
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0, first.stderr.read()


def test_a_build_of_one_area_keeps_the_other_documents_in_the_index(tmp_path):
    """A partial build lists every published document of the period, not only its own."""
    environment = {**os.environ, "OHTI_OUTPUTS_DIR": str(tmp_path)}
    for areas in ("01,02", "02"):
        done = subprocess.run([*OHTI, "build", "--areas", areas, "--formats", "html", "--jobs", "1", "--quiet"],
                              env=environment, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    period = next(p for p in tmp_path.iterdir() if p.is_dir() and p.name[:2] == "20")
    soup = soup_of(period / "index.html")
    listed = {(row["data-code"], row["data-language"]) for row in soup.find_all("tr", attrs={"data-code": True})
              if row.find("a", string="HTML")}
    assert {("01", "fi"), ("01", "sv"), ("02", "fi")} <= listed
    assert str(tmp_path) not in (period / "index.html").read_text(encoding="utf-8")  # no machine paths
