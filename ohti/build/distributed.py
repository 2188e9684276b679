"""Build documents on a Dask distributed cluster, for batches too large for one machine.

``ohti build --scheduler tcp://host:8786`` (or ``build_documents(..., scheduler=...)``) sends
each document to the cluster as one task instead of to a local process pool. A task is the
same function a local worker runs (:func:`ohti.build.batch._build_document`): it executes the
notebook in the worker thread's warm kernel (:mod:`ohti.build.kernels`), converts it to HTML and PDF
and writes the files; it returns the document's result and never raises. This process stamps
and indexes the results as they arrive, exactly as for a local build.

Requirements: every worker has ohti installed (the same version), and sees the notebooks and
the outputs folder at the same paths as this process (a shared file system). When the batch
ends, the warm kernels are shut down on every worker (:func:`ohti.build.kernels.shutdown_kernels`),
so that a long-lived cluster never builds the next batch with code imported for this one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ohti.build.kernels import shutdown_kernels
from ohti.build.results import _failed_result
from ohti.errors import BuildError

#: How long to try reaching the scheduler before giving up.
CONNECT_TIMEOUT = "20s"


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
        finally:
            try:
                client.run(shutdown_kernels)
            except Exception:  # workers that are gone have no kernels left to stop
                pass
