"""Build the published documents: run the notebooks, convert them to HTML and PDF, index them.

One document is one run of a notebook template with one set of parameters (a :class:`Job`).
The steps are separate functions so that each can be called alone:

1. :func:`render_notebook` executes the notebook with Papermill and keeps the executed copy;
2. :func:`notebook_to_html` turns the outputs (never the code) into one self-contained HTML page;
3. :func:`html_to_pdf` prints that page to PDF with WeasyPrint;
4. :func:`write_index` lists the documents of a period in ``index.html``.

:func:`build_documents` runs steps 1-3 for many documents and records a failing document as
failed instead of stopping the build. Its design, for speed:

- **A process pool, one worker per core** (:class:`WorkerPool`; or a Dask cluster,
  :mod:`ohti.build.distributed`). Each worker runs steps 1-3 in its own process: Papermill's Python
  API, nbconvert's exporter and WeasyPrint are imported once per worker, never started as
  commands. A caller that knows every document will be built starts the workers before it has
  planned the documents. Documents start in the order of their ``priority`` (see :class:`Job`),
  so that, e.g., short ones fill the end.
- **Warm kernels** (:mod:`ohti.build.kernels`): each worker keeps one Jupyter kernel for all its
  documents and resets it to its start-up state before each, so modules are imported once per
  worker instead of once per document, and the period's shared results (every indicator at
  every level, comparisons of all areas) are computed once per build: the kernels share them
  through a folder of the build's own. The kernel starts, and imports ohti, while its worker
  imports the conversion libraries.
- **Incremental builds** (:mod:`ohti.build.stamps`): a document whose inputs (notebook, parameters,
  assessment text, data, registry, ohti's source, the software's versions) have the same
  content hash as at its last build, and whose outputs are unchanged, is not built again.

And for trust:

- **Reproducible outputs.** Building twice from the same inputs gives byte-identical
  ``.ipynb``, HTML and PDF: :func:`normalise_notebook` removes Papermill's and nbclient's
  timestamps and durations, gives the injected-parameters and error cells fixed ids and
  records paths relative to the project; kernels get ``SOURCE_DATE_EPOCH`` (see
  :func:`source_date_epoch`) and charts are drawn with a fixed SVG hash salt and no date.
- **Atomic files.** Every file is written to a temporary file in the same folder, then moved
  into place with :func:`os.replace`, so a reader never sees half a document.
- **Failures are isolated, published work is kept.** A failing document keeps its executed
  notebook (with Papermill's error markers) and the HTML and PDF of its last good build (its
  stamp vouches for them; anything else under its name is removed), is marked failed in the
  build report, and the command exits non-zero with a summary. A kernel that cannot start is started
  again once; a document whose kernel died or timed out fails alone, and the next document
  gets a new kernel.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from ohti import _lifetime
from ohti._files import file_digest, write_text
from ohti.build import distributed, stamps
from ohti.build.convert import FORMATS, LABELS, _exporter, html_to_pdf, notebook_to_html
from ohti.build.execute import KERNEL_ARGUMENTS, KERNEL_ENVIRONMENT, KERNEL_NAME, render_notebook, source_date_epoch
from ohti.build.kernels import SHARED_FOLDER_VARIABLE, KernelStartError, kill_kernels, shutdown_kernels, thread_kernel
from ohti.build.results import (
    _document_paths,
    _expected_outputs,
    _failed_result,
    _keep_last_good,
    _result_base,
    _result_from_stamp,
    _stamped_outputs,
)
from ohti.errors import BuildError, ParameterError
from ohti.paths import AREA_NOTEBOOK, OUTPUTS_DIR


@dataclasses.dataclass(frozen=True)
class Job:
    """One document of a build: a notebook template, its parameters, and the name it has.

    Build specifications are plain dicts with the same keys (see :func:`build_documents`);
    other notebooks (regional, national) are added to a build as jobs with their own
    ``notebook`` and ``parameters``.

    Attributes
    ----------
    code : str
        The document's code; with the language it names the files (``<code>_<language>.*``).
    name : str
        The document's name in the index.
    parameters : dict
        Values injected into the notebook; must include ``period`` and ``language``.
    notebook : pathlib.Path
        The notebook template.
    title : str, optional
        Text of the page's ``<title>``; ``"<name> <period>"`` by default.
    group : str, optional
        Heading the document is listed under in the index.
    inputs : tuple of str
        Further files the document reads, as glob patterns relative to the project folder
        (e.g. its assessment text, ``parameters/assessments/2023-10/36.*``): a change to them,
        or a file appearing or disappearing, rebuilds the document.
    about : str, optional
        HTML fragment placed at the end of the page (see :func:`notebook_to_html`).
    priority : float
        Documents of higher priority are started first (0 by default; equals in the order
        given). A build orders its documents so that those that compute the period's shared
        results come first, those that reuse them later, and short ones last, so that no worker
        waits long for the others at the end.
    """

    code: str
    name: str
    parameters: Mapping
    notebook: Path
    title: str | None = None
    group: str | None = None
    inputs: tuple = ()
    about: str | None = None
    priority: float = 0.0

    @property
    def language(self) -> str:
        return self.parameters["language"]

    @property
    def stem(self) -> str:
        return f"{self.code}_{self.language}"


@dataclasses.dataclass(frozen=True)
class _Settings:
    """What every document of one build shares (sent to worker processes)."""

    period_dir: Path
    period: str
    formats: tuple
    reuse_kernels: bool = True
    environment: tuple = ()  # (name, value) pairs set for the kernels and the workers


def build_documents(
    jobs_spec: Sequence[Mapping],
    *,
    period: str,
    formats: Iterable[str] = FORMATS,
    jobs: int = 1,
    outputs_dir=None,
    notebook=None,
    progress: bool = True,
    about: Callable[[dict], str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
    reuse_kernels: bool = True,
    pool: WorkerPool | None = None,
) -> list[dict]:
    """Build many documents in parallel; a failing one does not stop the rest.

    For a document with code ``01`` in language ``fi`` the files are
    ``<outputs_dir>/<period>/notebooks/01_fi.ipynb`` (kept also when it fails),
    ``<outputs_dir>/<period>/01_fi.html`` and ``<outputs_dir>/<period>/01_fi.pdf``. A failed
    document keeps the HTML and PDF of its last good build, if any. A document whose inputs and
    outputs are unchanged since it was last built is not built again (see :mod:`ohti.build.stamps`);
    its stamp is in ``<outputs_dir>/<period>/.stamps/``.

    Parameters
    ----------
    jobs_spec : sequence of dict
        One per document: ``{"code": "01", "name": "Helsinki", "parameters": {...}}`` and
        optionally ``"notebook"`` (the template; `notebook` by default), ``"title"`` (the page
        title; by default ``"<name> <period>"``), ``"group"``, ``"inputs"`` and ``"priority"`` (see
        :class:`Job`). The parameters go to the notebook and must include ``period`` (equal to
        `period`) and ``language``. Documents are started in decreasing priority (the order of
        `jobs_spec` among equals).
    period : str
        The period being built, e.g. ``"2023-10"``; names the output folder.
    formats : iterable of {'html', 'pdf'}
        What to publish. The HTML page is made in any case, as the PDF is printed from it.
    jobs : int
        Number of worker processes; 1 builds in this process, one document after another.
    outputs_dir : str or pathlib.Path, optional
        Root of the outputs; by default :data:`ohti.paths.OUTPUTS_DIR`.
    notebook : str or pathlib.Path, optional
        The notebook of jobs that name none; by default :data:`ohti.paths.AREA_NOTEBOOK`.
    progress : bool
        Show a progress bar on stderr: documents done out of the total, failures, and how many
        were up to date.
    about : callable, optional
        ``about(parameters) -> str`` returns the HTML fragment placed at the end of each page
        (see :func:`notebook_to_html`). It is called in this process, before the document is
        built, so it may be any callable (a lambda too). If it raises, that document fails.
    force : bool
        Build every document, also those that are up to date.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``): the documents are built
        on its workers instead of a local process pool (`jobs` is then unused). The workers
        need ohti installed and must see `outputs_dir` and the notebooks at the same paths.
    reuse_kernels : bool
        Keep one warm kernel per worker (:mod:`ohti.build.kernels`); False starts a new kernel for
        every document, as the ``papermill`` command does.
    pool : WorkerPool, optional
        Workers to build on (perhaps started already, see :class:`WorkerPool`); the caller
        closes it. By default the build starts `jobs` workers when it has documents to build
        and stops them at the end.

    Returns
    -------
    list of dict
        One per document, in the order of `jobs_spec`, with keys ``code``, ``name``,
        ``language``, ``group``, ``status`` (``"ok"`` or ``"failed"``), ``html``, ``pdf``,
        ``ipynb`` (absolute paths as str, or None when not written), ``error`` (one line, or
        None), ``rebuilt`` (False when it was up to date), ``seconds`` (wall time of the
        document) and ``timings`` (seconds per step: ``render``, ``html``, ``pdf``).

    Raises
    ------
    ParameterError
        The specification is not valid: every problem is listed (missing keys or parameters,
        a period that differs, an unsupported language, two documents writing the same files,
        a missing notebook, unknown formats, `jobs` below 1).
    """
    formats = tuple(formats)
    specs = [dict(spec) for spec in jobs_spec]
    default_notebook = Path(notebook if notebook is not None else AREA_NOTEBOOK).resolve()
    problems = _build_problems(specs, period=period, formats=formats, jobs=jobs)
    notebooks = dict.fromkeys(
        Path(spec["notebook"]).resolve() if spec.get("notebook") else default_notebook
        for spec in specs
    )
    missing = [str(path) for path in notebooks or [default_notebook] if not path.is_file()]
    if missing:
        problems.insert(0, f"notebook {', '.join(missing)} not found; give an existing notebook")
    if problems:
        raise ParameterError(
            f"build specification: {len(problems)} problem(s): " + "; ".join(problems)
        )

    settings = _Settings(
        period_dir=Path(outputs_dir if outputs_dir is not None else OUTPUTS_DIR).resolve() / period,
        period=period,
        formats=formats,
        reuse_kernels=pool.reuse_kernels if pool is not None else reuse_kernels,
        environment=tuple(_worker_environment().items()),
    )
    (settings.period_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    store = stamps.StampStore(settings.period_dir / stamps.STAMPS_FOLDER)
    shared = stamps.shared_digests()

    results: list[dict | None] = [None] * len(specs)
    pending = []  # (position, job, (digest, parts)) of documents to build
    with tqdm(
        total=len(specs), desc="documents", unit="doc", file=sys.stderr, disable=not progress
    ) as bar:

        def record(position, result):
            results[position] = result
            bar.update(1)
            done = [r for r in results if r is not None]
            failed = sum(1 for r in done if r["status"] == "failed")
            current = sum(1 for r in done if not r["rebuilt"])
            postfix = {"failed": failed} if failed else {}
            if current:
                postfix["up to date"] = current
            if postfix:
                bar.set_postfix(postfix, refresh=False)

        def finish(position, job, key, result):
            """Record a built document, and stamp it (or forget its stamp)."""
            digest, parts = key
            try:
                if result["status"] == "ok":
                    store.record(job.stem, digest, status="ok", outputs=_stamped_outputs(result, settings), parts=parts)
                else:
                    result = _keep_last_good(job, settings, store, result)
                    kept = {kind: Path(result[kind]) for kind in result["kept"]}
                    outputs = {"ipynb": Path(result["ipynb"])} if result.get("ipynb") else {}
                    if result.get("cell_error") and outputs:
                        # A cell raised: the same inputs would fail the same way.
                        store.record(job.stem, digest, status="failed", outputs=outputs,
                                     error=result["error"], parts=parts, kept=kept)
                    elif kept:  # the kernel or the machine failed: try again next time, keep the last good
                        store.record(job.stem, "", status="failed", outputs=outputs, error=result["error"],
                                     parts=parts, kept=kept)
                    else:
                        store.forget(job.stem)
            except OSError:  # e.g. a file removed meanwhile: the document is built next time
                store.forget(job.stem)
            result.pop("cell_error", None)
            record(position, result)

        for position, spec in enumerate(specs):
            job = _job(spec, default_notebook)
            try:
                job = dataclasses.replace(
                    job, about=about(dict(job.parameters)) if about is not None else None
                )
            except Exception as error:
                failed = _keep_last_good(job, settings, store, _failed_result(job, settings, error, started=time.perf_counter()))
                if not failed["kept"]:
                    store.forget(job.stem)
                record(position, failed)
                continue
            parts = stamps.document_parts(
                shared,
                notebook=job.notebook,
                parameters=job.parameters,
                inputs=job.inputs,
                settings={"formats": list(formats), "title": _title(job, settings),
                          "about": job.about, "code": job.code},
            )
            digest = stamps.combine_parts(parts)
            stamp = None if force else store.current(job.stem, digest, _expected_outputs(job, settings))
            if stamp is not None:
                record(position, _result_from_stamp(job, settings, stamp))
            else:
                pending.append((position, job, (digest, parts)))

        pending.sort(key=lambda item: -item[1].priority)  # stable: equals keep their order
        if scheduler:
            with _sharing_results(settings.reuse_kernels) as shared:
                settings = dataclasses.replace(settings, environment=(*settings.environment, *shared))
                distributed.run_jobs(scheduler, pending, settings, finish, document=_build_document)
        else:
            _run_locally(pending, settings, jobs, finish, pool)
    return results


def published_results(jobs_spec: Sequence[Mapping], *, period: str, outputs_dir=None,
                      formats: Iterable[str] = FORMATS, notebook=None) -> list[dict]:
    """The results of documents of the period that an earlier build published: those whose
    stamp vouches for their pages as they are now (whatever their inputs since). A build of a
    few documents lists them too, so that the index never loses published work."""
    settings = _Settings(period_dir=Path(outputs_dir if outputs_dir is not None else OUTPUTS_DIR).resolve() / period,
                         period=period, formats=tuple(formats))
    store = stamps.StampStore(settings.period_dir / stamps.STAMPS_FOLDER)
    default_notebook = Path(notebook if notebook is not None else AREA_NOTEBOOK).resolve()
    found = []
    for spec in jobs_spec:
        job = _job(spec, default_notebook)
        stamp = store.read(job.stem)
        if stamp is None:
            continue
        vouched = stamp.get("outputs") if stamp.get("status") == "ok" else stamp.get("kept") or {}
        paths = _document_paths(job, settings)
        pages = {kind: paths[kind] for kind in ("html", "pdf") if kind in (vouched or {})}
        if "html" not in pages or not all(
                p.is_file() and file_digest(p) == vouched[k]["sha256"] for k, p in pages.items()):
            continue
        found.append({**_result_base(job, paths), "status": stamp["status"],
                      "html": str(pages["html"]), "pdf": str(pages["pdf"]) if "pdf" in pages else None,
                      "error": stamp.get("error"), "rebuilt": False, "seconds": 0.0, "timings": {}})
    return found


def _worker_environment() -> dict:
    """Variables set in the workers and their kernels (besides a shared-results folder)."""
    return {**KERNEL_ENVIRONMENT, "SOURCE_DATE_EPOCH": source_date_epoch()}


@contextlib.contextmanager
def _sharing_results(reuse_kernels: bool = True) -> Iterator[tuple]:
    """The variable that has warm kernels share the period's results through a folder of the
    build's own (see :mod:`ohti.build.warm`), as ``(name, value)`` pairs; the folder
    is removed when the block ends. Nothing without warm kernels."""
    if not reuse_kernels:
        yield ()
        return

    with tempfile.TemporaryDirectory(prefix="ohti-shared-") as folder:
        yield ((SHARED_FOLDER_VARIABLE, folder),)


class WorkerPool:
    """Build worker processes, each with its warm kernel, that may be started before the
    documents of the build are known.

    Starting a worker (a Python process, its kernel, and the imports of both) takes a few
    seconds of CPU. A build starts its workers once it knows that it has documents to build; a
    caller that knows it earlier (``ohti build`` into a folder with no stamps yet: everything
    will be built) calls :meth:`start` first, so that the workers start on the cores the caller
    leaves idle while it checks the period and plans the documents. Give the pool to
    :func:`build_documents` (``pool=``); close it afterwards (or use it as a context manager).
    The workers' kernels share the build's results through a folder the pool removes when it
    is closed.

    Parameters
    ----------
    jobs : int
        Number of worker processes.
    reuse_kernels : bool
        Keep one warm kernel per worker (see :func:`build_documents`).
    """

    def __init__(self, jobs: int, *, reuse_kernels: bool = True):
        if jobs < 1:
            raise ParameterError(f"a worker pool needs at least 1 worker, not {jobs}")
        self.jobs = jobs
        self.reuse_kernels = reuse_kernels
        self._resources = contextlib.ExitStack()  # the shared folder, removed by close()
        shared = self._resources.enter_context(_sharing_results(reuse_kernels))
        self.environment = tuple(_worker_environment().items()) + shared
        self._executor = None

    def start(self) -> WorkerPool:
        """Start the workers now (they start their kernels and import while the caller goes on)."""
        if self._executor is None:
            # "spawn": workers start clean, whatever threads this process runs.
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.environment, self.reuse_kernels),
            )
            for _ in range(self.jobs):  # the pool starts one worker per task waiting, up to jobs
                self._executor.submit(int)
        return self

    @property
    def started(self) -> bool:
        return self._executor is not None

    def submit(self, function, *args):
        return self.start()._executor.submit(function, *args)

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers (each shuts its kernel down) and remove the shared folder; with
        ``wait=False``, return without waiting for the workers to end (this process waits for
        them before it exits)."""
        if self._executor is not None:
            self._executor.shutdown(wait=wait)
            self._executor = None
        self._resources.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None and self._executor is not None:
            self.terminate()  # interrupted or failed: the workers stop now, not after their documents
        self.close()

    def terminate(self) -> None:
        """Stop the workers at once (each kills its kernels): for an interrupted build."""
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                process.terminate()
            except (OSError, AttributeError):
                pass
        for process in processes:
            process.join(timeout=5)
        self._executor = None


def _run_locally(pending, settings: _Settings, jobs: int, finish, pool: WorkerPool | None = None) -> None:
    """Build `pending` documents in this process (jobs=1) or on worker processes: `pool`, else
    a pool of `jobs` workers started here."""
    if not pending:
        return
    if pool is None and (jobs == 1 or len(pending) <= 1):
        try:
            for position, job, key in pending:
                finish(position, job, key, _build_document(job, settings))
        finally:
            if settings.reuse_kernels:
                shutdown_kernels()
        return
    owned = pool is None
    if owned:
        pool = WorkerPool(min(jobs, len(pending)), reuse_kernels=settings.reuse_kernels)
    settings = dataclasses.replace(settings, environment=pool.environment)
    try:
        futures = {
            pool.submit(_build_document, job, settings): (position, job, key)
            for position, job, key in pending
        }
        for future in concurrent.futures.as_completed(futures):
            position, job, key = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                problem = BuildError(
                    "a worker process ended abruptly (out of memory, killed, or the "
                    "calling script runs the build without an "
                    "`if __name__ == \"__main__\":` guard); rerun with jobs=1 to see why"
                )
                result = _failed_result(job, settings, problem, started=None)
            except Exception as error:  # e.g. the result could not be sent back
                result = _failed_result(job, settings, error, started=None)
            finish(position, job, key, result)
    finally:
        if owned:
            pool.close()


def _start_worker(environment: tuple, reuse_kernels: bool) -> None:
    """Start a worker: its kernel first (it warms up meanwhile), then the conversion libraries.

    The worker ends with the build (SIGKILL of the build included): on the SIGTERM that the
    system then sends it, it kills its kernels and exits (see :mod:`ohti._lifetime`)."""
    os.environ.update(environment)  # this process is ours: its kernels inherit them
    os.environ[_lifetime.VARIABLE] = "1"
    signal.signal(signal.SIGTERM, _end_worker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle, once
    _lifetime.die_with_parent(signal.SIGTERM)
    if reuse_kernels:
        try:
            _worker_kernel(environment)
        except Exception:  # the first document tries again and reports the error
            pass
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    _exporter()


def _end_worker(signum, frame) -> None:
    """A worker told to end (its build ended or stops it): kill its kernels, exit at once."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt this one

    kill_kernels()
    os._exit(128 + signum)


def _worker_kernel(environment: tuple):
    """This worker thread's warm kernel (started on first use)."""
    return thread_kernel(
        kernel_name=KERNEL_NAME,
        extra_arguments=KERNEL_ARGUMENTS,
        environment=dict(environment),
    )


def _build_document(job: Job, settings: _Settings) -> dict:
    """Build one document; return its result, failed rather than raising."""
    started = time.perf_counter()
    paths = _document_paths(job, settings)
    timings = {}
    try:
        kernel = None
        if settings.reuse_kernels:
            try:
                kernel = _worker_kernel(settings.environment)
            except KernelStartError as error:
                raise BuildError(f"{job.notebook.name} for {job.stem}: {error}") from error
        nb = render_notebook(job.notebook, paths["ipynb"], job.parameters, kernel=kernel)
        timings["render"] = time.perf_counter() - started

        step = time.perf_counter()
        html = notebook_to_html(
            nb, title=_title(job, settings), language=job.language, about=job.about
        )
        timings["html"] = time.perf_counter() - step

        # the PDF is printed first, so that a failing PDF leaves the last good HTML and PDF as they were
        if "pdf" in settings.formats:
            step = time.perf_counter()
            html_to_pdf(html, paths["pdf"])
            timings["pdf"] = time.perf_counter() - step
        if "html" in settings.formats:
            step = time.perf_counter()
            write_text(paths["html"], html)
            timings["html"] += time.perf_counter() - step
    except Exception as error:
        result = _failed_result(job, settings, error, started=started, timings=timings)
        result["cell_error"] = getattr(error, "cell_index", None) is not None
        return result

    return {
        **_result_base(job, paths),
        "status": "ok",
        "html": str(paths["html"]) if "html" in settings.formats else None,
        "pdf": str(paths["pdf"]) if "pdf" in settings.formats else None,
        "error": None,
        "rebuilt": True,
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }


def _job(spec: Mapping, default_notebook: Path) -> Job:
    return Job(
        code=str(spec["code"]),
        name=spec["name"],
        parameters=dict(spec["parameters"]),
        notebook=Path(spec["notebook"]).resolve() if spec.get("notebook") else default_notebook,
        title=spec.get("title"),
        group=spec.get("group"),
        inputs=tuple(spec.get("inputs") or ()),
        priority=float(spec.get("priority", 0.0)),
    )


def _title(job, settings) -> str:
    return job.title or f"{job.name} {settings.period}"


def _build_problems(specs, *, period, formats, jobs) -> list[str]:
    """Every problem of a build specification, each saying where and what is wrong."""
    problems = []
    if not isinstance(period, str) or period in ("", ".", "..") or any(
        separator in period for separator in ("/", "\\")
    ):
        problems.append(f"period {period!r} cannot name a folder; give a month as YYYY-MM")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        problems.append(f"formats {list(formats)!r}: choose from {', '.join(FORMATS)}")
    if not isinstance(jobs, int) or jobs < 1:
        problems.append(f"jobs {jobs!r}: give a whole number of processes, 1 or more")

    seen = {}
    for number, spec in enumerate(specs, start=1):
        where = f"document {number}" + (f" (code {spec['code']!r})" if "code" in spec else "")
        missing = [key for key in ("code", "name", "parameters") if key not in spec]
        if missing:
            problems.append(f"{where}: missing key(s) {', '.join(missing)}")
            continue
        parameters = spec["parameters"]
        if not isinstance(parameters, Mapping):
            problems.append(f"{where}: parameters must be a dict, not {type(parameters).__name__}")
            continue
        missing = [key for key in ("period", "language") if key not in parameters]
        if missing:
            problems.append(f"{where}: missing parameter(s) {', '.join(missing)}")
            continue
        if parameters["period"] != period:
            problems.append(
                f"{where}: parameter period {parameters['period']!r} differs from the build "
                f"period {period!r}"
            )
        if parameters["language"] not in LABELS:
            problems.append(
                f"{where}: unsupported language {parameters['language']!r}; "
                f"choose one of {', '.join(LABELS)}"
            )
        inputs = spec.get("inputs") or ()
        if isinstance(inputs, (str, bytes)) or not all(isinstance(i, str) for i in inputs):
            problems.append(f"{where}: inputs must be a list of glob patterns (str)")
        priority = spec.get("priority", 0.0)
        if isinstance(priority, bool) or not isinstance(priority, (int, float)) or priority != priority:
            problems.append(f"{where}: priority must be a number, not {priority!r}")
        stem = f"{spec['code']}_{parameters['language']}"
        if stem in seen:
            problems.append(f"{where}: writes {stem}.* like document {seen[stem]}")
        seen.setdefault(stem, number)
    return problems

