"""Warm Jupyter kernels: run many notebooks one after another in one kernel, each as if fresh.

Why
---
A document's notebook spends most of a fresh run starting a kernel (0.7 s), importing pandas,
matplotlib, statsmodels and ohti (2-3 s) and recomputing what every document of a period
shares: the sources, every indicator at every level (the engine's caches), comparisons of all
areas, model fits. A :class:`WarmKernel` is started once per build worker and kept for all the
documents that worker builds, so only the first document pays for that (about 3 s of imports
and 5 s for the first area document, against under 1 s of the kernel's time for each later
one, measured in November 2026 on 2 cores); the others reuse the imported modules,
ohti's in-memory caches (``functools.lru_cache`` of pure functions of the shipped data) and the
shared results described below.

How a document stays identical to a fresh run
---------------------------------------------
The notebook still runs through Papermill's Python API: :class:`WarmEngine` is a Papermill
engine (``engine_name="ohti-warm"``) that hands Papermill's own notebook client the warm kernel
instead of starting one, so parameters are injected, cells executed, errors marked and metadata
recorded exactly as Papermill does. What runs inside the kernel is the module
:mod:`ohti.build.warm`, which the kernel imports: once after start-up
(:func:`ohti.build.warm.start`), and before each document, when :meth:`WarmKernel.prepare` has
it put the kernel back in the state it had right after start-up and warm-up imports
(:func:`ohti.build.warm.restore`):

- IPython's ``reset(new_session=True)`` empties the user namespace, the output cache and the
  history, and restarts the execution counter at 1 (so ``In [n]`` numbers match a fresh run);
- the working directory, ``os.environ`` and ``sys.path`` are restored;
- open matplotlib figures are closed and ``rcParams`` restored; pandas options, NumPy print
  options and floating-point error handling restored;
- warning filters are restored and the "already shown" registries invalidated, so a warning a
  library gives is shown (and recorded in the notebook) in every document, not only the first;
- garbage is collected, and what survives (modules, caches, shared results) is frozen
  (``gc.freeze``), so that the collector's passes during the next document scan only what that
  document creates: without it they took about a third of a warm document's time. The price:
  a frozen object that later becomes cyclic garbage (a shared result the size limit evicts) is
  not collected before the kernel ends, at most a few tens of megabytes over a build.

What is kept between documents is imported modules with their caches, and the *shared
results*: the functions listed in :data:`SHARED_RESULTS` (indicator values and comparisons of
all areas, funnel data, model fits, peer groups) give every document of a period the same
results, so the kernel remembers them by their arguments and hands each caller a deep copy.
That is safe because those functions are pure (their results depend only on their arguments
and on the build's inputs, which do not change during a build) and no caller can modify what
the next document gets. The kernels of one build also share these results with each other
through a folder of the build's own (see :mod:`ohti.build.warm`): the first kernel to need a
result computes it, the others read it, so that the period's results are computed once per
build rather than once per worker. The test
``tests/test_build.py::test_warm_kernel_gives_the_same_bytes_as_a_fresh_kernel`` runs a real
document second in a warm kernel and compares its bytes with a fresh Papermill run. Known
differences, by design: output printed while a module is *first imported*, or a warning given
inside a remembered or cached function, appears only in the first document of a kernel (no
ohti module prints at import; warnings are recorded in the ``.ipynb`` only, never published);
and a warm kernel has imported :mod:`ohti.build.warm`, and with it ``ohti.build``, which keeps
jsonschema from importing the optional ``rfc3987_syntax`` (no document validates JSON).

A kernel is only ever used by one thread at a time. Kernels talk to their worker over IPC
sockets in a private folder, not TCP, so parallel kernels never race for ports (the
``[IPKernelApp] ... Address already in use`` failures); a kernel that fails to start is started
again once. A kernel that dies or times out is replaced before the next document. Kernels are
shut down at the end of every build (:func:`shutdown_kernels`), so a build never runs code
imported by an earlier one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence

from ohti.build import warm

#: Modules imported into a kernel as soon as it starts, while its worker prepares the
#: conversion libraries; the area notebook imports these. A module that cannot be imported is
#: skipped (the notebook's own import then shows the error; ``tests/test_kernels.py`` checks
#: that each one imports).
WARM_IMPORTS = (
    "IPython.display",
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "ohti.documents.charts",
    "ohti.documents.sections",
    "ohti.sources.provenance",
    "ohti.documents.content",
    "ohti.analysis.expected",
    "ohti.analysis.peers",
    "ohti.indicators.registry",
)

#: Functions whose results every document of a build shares: pure functions of their arguments
#: and of the build's inputs (data, registry, models), given as ``module:function``. A warm
#: kernel remembers their results across documents (see :mod:`ohti.build.warm`); a function that
#: is missing is skipped (``tests/test_kernels.py`` checks that each one resolves).
SHARED_RESULTS = (
    "ohti.indicators.compute:compute_values",
    "ohti.indicators.compute:coverage",
    "ohti.indicators.comparison:compare_values",
    "ohti.documents.content:area_indicator_tables",
    "ohti.documents.content:area_indicator_figures",
    "ohti.documents.content:funnel_data",
    "ohti.documents.content:league_table",
    # every area's changes since the previous edition, per language: the same for all the
    # documents of a language (each keeps its own area's rows), a quarter of a second each
    "ohti.documents.content:changes_since",
    "ohti.analysis.expected:fit_expected",
    "ohti.analysis.peers:peer_groups",
    "ohti.analysis.structure:covariates",
)

#: How many results a warm kernel remembers (the least recently used are forgotten first).
SHARED_RESULTS_SIZE = 20_000

#: Environment variable naming a folder through which a build's kernels share results (see
#: :mod:`ohti.build.warm`); unset or not a folder: each kernel computes its own.
SHARED_FOLDER_VARIABLE = "OHTI_SHARED_RESULTS"

#: Seconds to wait for a kernel to start and answer, and for a reset to finish.
STARTUP_TIMEOUT = 60
RESET_TIMEOUT = 60

#: Kernel code run once after start-up: import the warm modules, remember the shared results,
#: and record the state that :data:`RESTORE_CALL` puts back before each document
#: (:func:`ohti.build.warm.start`). Nothing is bound in the user namespace.
WARMUP_CALL = (f"__import__({warm.__name__!r}, fromlist=['start'])"
               ".start(%(modules)r, %(shared)r, %(size)r, %(folder_variable)r)")

#: Kernel code run before each document (``%(cwd)r`` is the document's working directory):
#: :func:`ohti.build.warm.restore`.
RESTORE_CALL = f"__import__({warm.__name__!r}, fromlist=['restore']).restore(%(cwd)r)"


class KernelStartError(RuntimeError):
    """A kernel could not be started (or did not answer) twice in a row."""


class WarmKernel:
    """One Jupyter kernel kept for many notebooks, reset to its start-up state before each.

    Parameters
    ----------
    kernel_name : str
        The Jupyter kernel to start (``python3``).
    extra_arguments : sequence of str
        Command-line options of the kernel.
    environment : mapping, optional
        Variables added to the kernel's environment (on top of this process's).
    warm_imports : sequence of str
        Modules imported as soon as the kernel starts (:data:`WARM_IMPORTS`).
    shared_results : sequence of str
        Functions whose results the kernel remembers across documents (:data:`SHARED_RESULTS`);
        empty to remember none.
    cwd : str, optional
        Working directory the kernel starts in.

    Examples
    --------
    >>> with WarmKernel() as kernel:                          # doctest: +SKIP
    ...     papermill.execute_notebook(..., engine_name="ohti-warm", warm_kernel=kernel)
    """

    def __init__(self, kernel_name: str = "python3", *, extra_arguments: Sequence[str] = (),
                 environment: Mapping[str, str] | None = None, warm_imports: Sequence[str] = WARM_IMPORTS,
                 shared_results: Sequence[str] = SHARED_RESULTS, cwd: str | None = None):
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments)
        self.environment = dict(environment or {})
        self.warm_imports = tuple(warm_imports)
        self.shared_results = tuple(shared_results)
        self.cwd = cwd
        self.km = None
        self.kc = None
        self.documents = 0  # documents run since the kernel (re)started
        self.starts = 0
        self._folder = None
        self._warmed = False

    # ------------------------------------------------------------------ life cycle

    @property
    def alive(self) -> bool:
        if self.km is None or self.kc is None:
            return False
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def start(self) -> WarmKernel:
        """Start the kernel (again, if one ran), send the warm-up; retry once on failure.

        Raises
        ------
        KernelStartError
            The kernel could not be started or did not answer, twice.
        """
        problem = None
        for _ in range(2):
            self.shutdown()
            try:
                self._start_once()
                return self
            except Exception as error:  # zmq, process or timeout errors of jupyter_client
                problem = error
        self.shutdown()
        raise KernelStartError(
            f"the Jupyter kernel '{self.kernel_name}' did not start or answer within "
            f"{STARTUP_TIMEOUT} s, twice ({type(problem).__name__}: {problem})"
        ) from problem

    def _start_once(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._folder = tempfile.mkdtemp(prefix="ohti-kernel-")
        # IPC sockets in a private folder: no TCP ports, so no race between parallel kernels.
        self.km = AsyncKernelManager(
            kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._folder, "kernel")
        )
        arguments = list(self.extra_arguments)
        if not any(a.startswith("--HistoryManager.hist_file") for a in arguments):
            arguments.append("--HistoryManager.hist_file=:memory:")  # as nbclient does
        run_sync(self.km.start_kernel)(
            extra_arguments=arguments, env={**os.environ, **self.environment}, cwd=self.cwd
        )
        self.starts += 1
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=STARTUP_TIMEOUT)
        self.kc.allow_stdin = False
        self.documents = 0
        self._warmed = False
        # Sent now, awaited in prepare(): the kernel imports while its worker does other work.
        self._warmup_id = self.kc.execute(
            WARMUP_CALL % {"modules": self.warm_imports, "shared": self.shared_results,
                           "size": SHARED_RESULTS_SIZE, "folder_variable": SHARED_FOLDER_VARIABLE},
            silent=True, store_history=False,
        )

    def prepare(self, cwd) -> None:
        """Put the kernel in its start-up state for the next document (see the module doc).

        Starts the kernel first if it is not running (never started, died or timed out).
        """
        if self.km is None or not self.alive:
            self.start()
        from jupyter_core.utils import run_sync

        try:
            if not self._warmed:
                run_sync(self._await_reply)(self._warmup_id, STARTUP_TIMEOUT + 120, "warm-up")
                self._warmed = True
            msg_id = self.kc.execute(RESTORE_CALL % {"cwd": str(cwd)}, silent=True, store_history=False)
            run_sync(self._await_reply)(msg_id, RESET_TIMEOUT, "reset")
        except Exception:
            self.shutdown()  # never run a document in a kernel in an unknown state
            raise
        self.documents += 1

    async def _await_reply(self, msg_id: str, timeout: float, what: str) -> None:
        """Wait for the shell reply to `msg_id`; fail if the kernel code raised."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the kernel did not finish its {what} within {timeout:.0f} s")
            try:
                reply = await self.kc.get_shell_msg(timeout=min(remaining, 1.0))
            except Exception:  # queue.Empty: keep waiting, unless the kernel died
                if not await self.km.is_alive():
                    raise RuntimeError(f"the kernel died during its {what}") from None
                continue
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            content = reply["content"]
            if content.get("status") != "ok":
                raise RuntimeError(
                    f"the kernel's {what} failed: {content.get('ename')}: {content.get('evalue')}"
                )
            return

    def shutdown(self) -> None:
        """Stop the kernel and remove its socket folder (safe to call twice)."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
            self.km = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


# --------------------------------------------------------------------------- Papermill engine

_ENGINE_NAME = "ohti-warm"
_engine_lock = threading.Lock()
_engine_registered = False


def warm_engine_name() -> str:
    """Register :class:`WarmEngine` with Papermill (once) and return its name."""
    global _engine_registered
    with _engine_lock:
        if not _engine_registered:
            from papermill.engines import papermill_engines

            papermill_engines.register(_ENGINE_NAME, _warm_engine_class())
            _engine_registered = True
    return _ENGINE_NAME


def _warm_engine_class():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class WarmEngine(NBClientEngine):
        """Papermill's nbclient engine, run in a :class:`WarmKernel` instead of a new kernel.

        Engine arguments: ``warm_kernel`` (the kernel) and ``kernel_cwd`` (the document's
        working directory; Papermill's own ``cwd`` changes this process's directory, which
        threads cannot share).
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     **kwargs):
            kernel = kwargs.pop("warm_kernel")
            cwd = kwargs.pop("kernel_cwd", None) or os.getcwd()
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            final.setdefault("record_timing", False)  # wall-clock stamps make outputs differ
            kernel.prepare(cwd)
            client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
            client.kc = kernel.kc  # the warm client: nbclient then neither starts nor stops one
            return client.execute()

    return WarmEngine


# --------------------------------------------------------------------------- one per thread

_local = threading.local()
_all_kernels: list[WarmKernel] = []
_all_lock = threading.Lock()


def thread_kernel(**options) -> WarmKernel:
    """This thread's warm kernel, started on first use with `options` (see :class:`WarmKernel`).

    Build workers call this for every document; a process pool worker has one thread, a Dask
    worker one kernel per worker thread.
    """
    kernel = getattr(_local, "kernel", None)
    with _all_lock:
        current = kernel is not None and any(kernel is k for k in _all_kernels)
    if not current:  # never started in this thread, or shut down by shutdown_kernels()
        kernel = WarmKernel(**options)
        _local.kernel = kernel
        with _all_lock:
            _all_kernels.append(kernel)
        kernel.start()
    return kernel


def kill_kernels() -> int:
    """Kill every warm kernel process this process started, without waiting for them (a
    worker that must end now); return how many there were. Called from a signal handler, so it
    takes no lock (the interrupted code may hold it): copying a list is atomic."""
    kernels = list(_all_kernels)
    for kernel in kernels:
        process = getattr(getattr(getattr(kernel, "km", None), "provisioner", None), "process", None)
        try:
            if process is not None:
                process.kill()
        except (OSError, ProcessLookupError):
            pass
    return len(kernels)


def shutdown_kernels() -> int:
    """Shut down every warm kernel this process started; return how many there were."""
    with _all_lock:
        kernels = list(_all_kernels)
        _all_kernels.clear()
    for kernel in kernels:
        kernel.shutdown()
    _local.__dict__.pop("kernel", None)
    return len(kernels)


atexit.register(shutdown_kernels)
