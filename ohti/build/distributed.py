"""Build documents on a Dask distributed cluster, for batches too large for one machine.

``ohti build --scheduler tcp://host:8786`` (or ``build_documents(..., scheduler=...)``) sends
each document to the cluster as one task instead of to a local process pool. A task is the
same function a local worker runs (:func:`ohti.build.batch._build_document`): it executes the
notebook in the worker thread's warm kernel (:mod:`ohti.build.kernels`), converts it to HTML and PDF
and writes the files; it returns the document's result and never raises. This process stamps
and indexes the results as they arrive, exactly as for a local build.

Requirements: every worker has ohti installed (the same version), and sees the notebooks and
the outputs folder at the same paths as this process (a shared file system); README's
"Building on a Dask cluster" says how to start one. The kernels on the workers get this
process's ``OHTI_*`` variables (:func:`_forwarded_environment`), as a local pool's workers
inherit them, so that they read the data, registry and caches the stamps describe. When the
batch ends, the warm kernels are shut down on every worker
(:func:`ohti.build.kernels.shutdown_kernels`), so that a long-lived cluster never builds the
next batch with code imported for this one.

A worker lost while it builds a document (killed, out of memory) takes its kernel with it
(ipykernel ends when its parent does); the scheduler gives its tasks (the one it ran and those
assigned to it next) to another worker, up to ``distributed.scheduler.allowed-failures`` times,
after which the document's result is failed (``KilledWorker``) and the next build builds it
again. The temporary file the lost worker was writing is removed when the batch ends
(:func:`_remove_lost_writes`). ``tests/test_cluster.py`` kills a worker of a cluster of
separate processes while it runs a document.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ohti._lifetime import VARIABLE as DIE_WITH_PARENT_VARIABLE
from ohti.build.kernels import SHARED_FOLDER_VARIABLE, shutdown_kernels
from ohti.build.results import _document_paths, _failed_result
from ohti.errors import BuildError

#: How long to try reaching the scheduler before giving up.
CONNECT_TIMEOUT = "20s"
#: The prefix of the variables that tell ohti where its inputs and outputs are.
OHTI_PREFIX = "OHTI_"
#: Variables of this process that mean nothing on a worker (the build sets its own shared folder).
NOT_FORWARDED = frozenset({DIE_WITH_PARENT_VARIABLE, SHARED_FOLDER_VARIABLE})


def run_jobs(address: str, pending: Sequence, settings, finish: Callable, *, document: Callable) -> None:
    """Run `document(job, settings)` for every ``(position, job, key)`` of `pending` on the
    cluster at `address`, calling ``finish(position, job, key, result)`` as results arrive.

    Raises
    ------
    BuildError
        Dask is not installed, or the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, as_completed
    except ImportError as error:  # pragma: no cover - dask[distributed] is a dependency
        raise BuildError(
            "--scheduler needs Dask: install it with: pip install 'dask[distributed]'"
        ) from error
    if not pending:
        return
    settings = dataclasses.replace(settings, environment=(*_forwarded_environment(), *settings.environment))

    try:
        client = Client(address, set_as_default=False, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise BuildError(
            f"cannot reach the Dask scheduler at {address} ({type(error).__name__}: {error}); "
            "check the address (tcp://host:port) and that the scheduler is running"
        ) from error
    with client:
        futures = {}
        for position, job, key in pending:
            future = client.submit(document, job, settings, pure=False,
                                   key=f"ohti-document-{job.stem}-{position}")
            futures[future] = (position, job, key)
        try:
            for future in as_completed(futures, loop=client.loop):
                position, job, key = futures[future]
                try:
                    result = future.result()
                except Exception as error:  # a worker died (KilledWorker), a lost connection

                    result = _failed_result(job, settings, error, started=None)
                finish(position, job, key, result)
            _remove_lost_writes([job for _, job, _ in pending], settings)
        finally:
            try:
                client.run(shutdown_kernels)
            except Exception:  # workers that are gone have no kernels left to stop
                pass


def _remove_lost_writes(jobs: Sequence, settings) -> list[Path]:
    """Remove the temporary files that lost workers left of the batch's documents; return them.

    A worker killed while it writes a document leaves the temporary file it was writing (see
    :func:`ohti._files.replacing`) beside the document; another worker built the document again.
    Called once every task of the batch has ended: nothing of the batch writes any more, so
    every such file is a lost one (and ``ohti build`` holds the period's lock, so no other build
    writes there). The next ``ohti build`` would remove them too, as it removes those of an
    interrupted build; removed now, the batch leaves the folder as a local build does.
    """
    removed = []
    for job in jobs:
        pattern = re.compile(rf"^\.{re.escape(job.stem)}-[a-z0-9_]{{8}}(\.[A-Za-z0-9.]+)?$")
        for folder in {path.parent for path in _document_paths(job, settings).values()}:
            for path in folder.glob(f".{glob.escape(job.stem)}-*"):
                if pattern.match(path.name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed


def _forwarded_environment() -> tuple:
    """This process's ``OHTI_*`` variables as ``(name, value)`` pairs, for the workers' kernels.

    A Dask worker was started with an environment of its own; without these its kernels
    would read the data folder, registry or outputs folder the worker was started with, not
    those the stamps of this build describe. The build's own variables (``settings.environment``)
    come after these and win.
    """
    return tuple((name, value) for name, value in sorted(os.environ.items())
                 if name.startswith(OHTI_PREFIX) and name not in NOT_FORWARDED)
