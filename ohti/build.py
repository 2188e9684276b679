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
  :mod:`ohti.distributed`). Each worker runs steps 1-3 in its own process: Papermill's Python
  API, nbconvert's exporter and WeasyPrint are imported once per worker, never started as
  commands. A caller that knows every document will be built starts the workers before it has
  planned the documents. Documents start in the order of their ``priority`` (see :class:`Job`),
  so that, e.g., short ones fill the end.
- **Warm kernels** (:mod:`ohti.kernels`): each worker keeps one Jupyter kernel for all its
  documents and resets it to its start-up state before each, so modules are imported once per
  worker instead of once per document, and the period's shared results (every indicator at
  every level, comparisons of all areas) are computed once per build: the kernels share them
  through a folder of the build's own. The kernel starts, and imports ohti, while its worker
  imports the conversion libraries.
- **Incremental builds** (:mod:`ohti.stamps`): a document whose inputs (notebook, parameters,
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
import copy
import csv
import dataclasses
import datetime
import functools
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

# jsonschema (used by nbformat) imports the optional rfc3987-syntax package when it is
# installed, which costs 1.4-1.8 s in every process; nbformat never checks those formats.
sys.modules.setdefault("rfc3987_syntax", None)

import jinja2  # noqa: E402
import nbformat  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from markupsafe import Markup  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ohti.errors import BuildError, OhtiError, ParameterError  # noqa: E402
from ohti.paths import AREA_NOTEBOOK, MANIFEST_PATH, OUTPUTS_DIR, PROJECT_DIR, TEMPLATES_DIR  # noqa: E402

# Papermill, nbconvert and WeasyPrint take about a second to import; they are imported inside the
# functions that use them so that commands which build nothing stay quick.

#: Output formats a build can publish.
FORMATS = ("html", "pdf")

#: Jupyter kernel the notebooks run in.
KERNEL_NAME = "python3"

#: Environment set for the kernels: matplotlib draws without a display.
KERNEL_ENVIRONMENT = {"MPLBACKEND": "Agg"}

#: Command-line options of the kernels: only errors of the kernel itself reach stderr (ipykernel
#: 7 warns at every start that its local TCP sockets are not encrypted). Cell outputs, warnings
#: included, are recorded in the executed notebook as usual.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)

#: Papermill metadata that differs between two runs of the same notebook (notebook and cells).
VOLATILE_PAPERMILL_KEYS = ("start_time", "end_time", "duration")

#: Fixed ids of the cells Papermill adds (it gives them random ones).
INJECTED_CELL_ID = "injected-parameters"
ERROR_CELL_ID = "papermill-error-cell-{number}"

#: Permissions of published files (temporary files are created private).
PUBLISHED_FILE_MODE = 0o644

DOCUMENT_TEMPLATE = "document.html.j2"
INDEX_TEMPLATE = "index.html.j2"

#: Cell tags honoured when converting to HTML (the Jupyter Book spellings and their snake_case).
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})

#: Output types chosen for the page, best first. JavaScript and widgets are left out: the page
#: carries no scripts, so an output that also has a static form shows that form instead.
DISPLAY_PRIORITY = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/latex",
    "text/plain",
)

#: The alternative text nbconvert gives an image that has none; it is replaced by ours.
NBCONVERT_PLACEHOLDER_ALT = "No description has been provided for this image"

#: Words of the page templates by language.
LABELS = {
    "fi": {
        "figure": "Kuvio",
        "title": "Alueraportit {period}",
        "summary": "Asiakirjoja: {total}, epäonnistuneita: {failed}",
        "code": "Koodi",
        "name": "Alue",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Tila",
        "ok": "Valmis",
        "failed": "Epäonnistui",
        "other": "Muut",
    },
    "sv": {
        "figure": "Figur",
        "title": "Regionala rapporter {period}",
        "summary": "Dokument: {total}, misslyckade: {failed}",
        "code": "Kod",
        "name": "Område",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Status",
        "ok": "Klar",
        "failed": "Misslyckades",
        "other": "Övriga",
    },
    "en": {
        "figure": "Figure",
        "title": "Area reports {period}",
        "summary": "Documents: {total}, failed: {failed}",
        "code": "Code",
        "name": "Area",
        "html": "HTML",
        "pdf": "PDF",
        "status": "Status",
        "ok": "Done",
        "failed": "Failed",
        "other": "Other",
    },
}

STATUSES = ("ok", "failed")


# --------------------------------------------------------------------------- single steps


def render_notebook(input_path, output_ipynb, parameters: dict, *, cwd=None, kernel=None):
    """Execute a notebook with Papermill and keep the executed copy.

    Parameters
    ----------
    input_path : str or pathlib.Path
        The notebook to run (committed without outputs, with a cell tagged ``parameters``).
    output_ipynb : str or pathlib.Path
        Where the executed notebook is written. It is written atomically once execution ends,
        also when a cell fails, so that the traceback can be read there. Volatile metadata is
        removed first (:func:`normalise_notebook`).
    parameters : dict
        Values injected after the ``parameters`` cell, e.g. ``area_code``, ``period``,
        ``language``.
    cwd : str or pathlib.Path, optional
        Working directory of the kernel; by default the folder of `input_path`.
    kernel : ohti.kernels.WarmKernel, optional
        Run in this warm kernel (reset to its start-up state first) instead of starting a new
        one. A kernel that dies or times out is shut down; its next use starts a new one.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, as written.

    Raises
    ------
    BuildError
        The notebook is missing, the kernel cannot start (twice) or dies, or a cell raises.
        The error names the area and parameters, the failing cell and the first line of its
        error, and carries them as attributes ``area``, ``parameters``, ``notebook``,
        ``executed``, ``cell_index``, ``ename`` and ``evalue``.

    Examples
    --------
    >>> nb = render_notebook("notebooks/area_evaluation.ipynb", "outputs/2023-10/01_fi.ipynb",
    ...                      {"area_code": "01", "period": "2023-10", "language": "fi"})
    ... # doctest: +SKIP
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from ohti.kernels import KernelStartError, warm_engine_name

    input_path = Path(input_path).resolve()
    output_ipynb = Path(output_ipynb).resolve()
    cwd = Path(cwd).resolve() if cwd is not None else input_path.parent
    parameters = dict(parameters)
    where = _describe_run(input_path, parameters)
    attributes = {
        "area": parameters.get("area_code"),
        "parameters": parameters,
        "notebook": str(input_path),
        "executed": str(output_ipynb),
        "cell_index": None,
        "ename": None,
        "evalue": None,
    }
    if not input_path.is_file():
        raise _build_error(
            f"{where}: notebook not found; check the path or build the notebook first",
            **attributes,
        )

    if kernel is not None:
        engine = {"engine_name": warm_engine_name(), "warm_kernel": kernel, "kernel_cwd": str(cwd)}
        environment = contextlib.nullcontext()  # the warm kernel has its environment already
    else:
        engine = {"cwd": str(cwd), "extra_arguments": list(KERNEL_ARGUMENTS)}
        environment = _kernel_environment()

    failure = None
    with _replacing(output_ipynb, suffix=".ipynb") as temporary, environment:
        for attempt in (1, 2):
            try:
                nb = papermill.execute_notebook(
                    str(input_path),
                    str(temporary),
                    parameters=parameters,
                    kernel_name=KERNEL_NAME,
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    **engine,
                )
                break
            except PapermillExecutionError as error:
                # Papermill has written the notebook up to the failing cell: publish it for reading.
                failure = error
                nb = nbformat.read(temporary, as_version=nbformat.NO_CONVERT)
                break
            except NoSuchKernel as error:
                raise _build_error(
                    f"{where}: Jupyter kernel '{KERNEL_NAME}' is not installed; "
                    "install it with: python -m ipykernel install --user",
                    **attributes,
                ) from error
            except (DeadKernelError, CellTimeoutError) as error:
                if kernel is not None:
                    kernel.shutdown()
                raise _build_error(
                    f"{where}: the kernel stopped ({type(error).__name__}: {_first_line(error)})",
                    **attributes,
                ) from error
            except KernelStartError as error:  # a warm kernel has tried twice already
                raise _build_error(f"{where}: {error}", **attributes) from error
            except RuntimeError as error:
                # A new kernel that did not answer (e.g. "Address already in use" on one of its
                # ports when kernels start in parallel): start another once.
                if attempt == 1 and _is_kernel_start_failure(error):
                    continue
                problem = "did not start" if _is_kernel_start_failure(error) else "failed"
                raise _build_error(
                    f"{where}: the kernel {problem} ({_first_line(error)})", **attributes
                ) from error
        nb = normalise_notebook(nb, input_path=input_path, output_path=output_ipynb)
        nbformat.write(nb, temporary)

    if failure is not None:
        first_line = _first_line(f"{failure.ename}: {failure.evalue}")
        attributes.update(
            cell_index=failure.cell_index, ename=failure.ename, evalue=failure.evalue
        )
        raise _build_error(
            f"{where}: cell {failure.cell_index} (In [{failure.exec_count}]) raised "
            f"{first_line}; the traceback is in {output_ipynb}",
            **attributes,
        ) from failure
    return nb


def normalise_notebook(nb, *, input_path=None, output_path=None):
    """Remove what differs between two runs of the same notebook with the same parameters.

    Papermill's and nbclient's timestamps and durations (notebook and cell metadata) are
    removed; the cells Papermill adds get fixed ids (``injected-parameters``,
    ``papermill-error-cell-1`` …) instead of random ones; ``metadata.papermill.input_path``
    and ``output_path`` are recorded relative to the project folder (the file name when
    outside it), so that the bytes do not depend on where the project is checked out.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook; it is changed in place and returned.
    input_path, output_path : str or pathlib.Path, optional
        The notebook's template and published file.

    Returns
    -------
    nbformat.NotebookNode
        `nb`.
    """
    recorded = nb.metadata.get("papermill")
    if recorded is not None:
        for key in VOLATILE_PAPERMILL_KEYS:
            recorded.pop(key, None)
        if input_path is not None:
            recorded["input_path"] = _stable_path(input_path)
        if output_path is not None:
            recorded["output_path"] = _stable_path(output_path)
    errors = 0
    for cell in nb.cells:
        metadata = cell.get("metadata", {})
        metadata.pop("execution", None)  # nbclient's timings
        for key in VOLATILE_PAPERMILL_KEYS:
            metadata.get("papermill", {}).pop(key, None)
        tags = metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = INJECTED_CELL_ID
        elif "papermill-error-cell-tag" in tags:
            errors += 1
            cell["id"] = ERROR_CELL_ID.format(number=errors)
    return nb


def source_date_epoch() -> str:
    """The ``SOURCE_DATE_EPOCH`` the build gives its kernels and conversions.

    Tools that write a date into a file (matplotlib's SVG and PDF backends, WeasyPrint through
    the HTML's metadata) use it instead of the clock, so that the same inputs give the same
    bytes. The value of the environment wins; otherwise it is the latest extraction date of the
    shipped data (``ohti/data/MANIFEST.csv``), at midnight UTC: a date that changes only with
    the data.
    """
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        return os.environ["SOURCE_DATE_EPOCH"].strip()
    latest = None
    try:
        with open(MANIFEST_PATH, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                try:
                    day = datetime.date.fromisoformat((row.get("extracted") or "").strip()[:10])
                except ValueError:
                    continue
                latest = day if latest is None or day > latest else latest
    except OSError:
        pass
    latest = latest or datetime.date(2025, 1, 1)  # the TE24 reform; only without a manifest
    moment = datetime.datetime.combine(latest, datetime.time(), tzinfo=datetime.timezone.utc)
    return str(int(moment.timestamp()))


_epoch_lock = threading.Lock()
_epoch_users = 0
_epoch_saved = None


@contextlib.contextmanager
def _source_date_epoch_set() -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` while the block runs (fontTools, which WeasyPrint subsets fonts
    with, stamps each embedded font with it instead of the clock), then restore the
    environment. Threads that print at the same time share one setting."""
    global _epoch_users, _epoch_saved
    with _epoch_lock:
        if _epoch_users == 0:
            _epoch_saved = os.environ.get("SOURCE_DATE_EPOCH")
            os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch()
        _epoch_users += 1
    try:
        yield
    finally:
        with _epoch_lock:
            _epoch_users -= 1
            if _epoch_users == 0:
                if _epoch_saved is None:
                    os.environ.pop("SOURCE_DATE_EPOCH", None)
                else:
                    os.environ["SOURCE_DATE_EPOCH"] = _epoch_saved


def _stable_path(path) -> str:
    """`path` relative to the project folder, or its name when outside it (POSIX form)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return path.name


def _is_kernel_start_failure(error: BaseException) -> bool:
    text = str(error)
    return text.startswith(("Kernel didn't respond", "Kernel died before replying")) or (
        "Address already in use" in text
    )


def notebook_to_html(nb, *, title: str, language: str = "fi", about: str | None = None) -> str:
    """Turn an executed notebook into one self-contained HTML page, showing outputs only.

    Code cells show their outputs, never their code; markdown cells are shown. Outputs to
    stderr (warnings) are left out, as are cells tagged ``remove-cell`` and outputs of cells
    tagged ``remove-output``. The page has no scripts and loads nothing: the stylesheet is
    embedded and images must be data URLs. Every image gets an alternative text: one without
    gets the word for "figure" in `language`.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook; it is not modified.
    title : str
        Text of the page's ``<title>`` (the notebook shows its own headings).
    language : {'fi', 'sv', 'en'}
        Language of the page (its ``lang`` attribute and the fallback alternative text).
    about : str, optional
        An HTML fragment placed at the end of the page in ``<footer class="about">`` (sources,
        methods, date). It is inserted as given, not escaped.

    Returns
    -------
    str
        The page, starting with ``<!DOCTYPE html>``.

    Raises
    ------
    ParameterError
        `language` is not one of the supported languages.
    """
    labels = _labels(language)
    body, _ = _exporter().from_notebook_node(_without_stderr(nb))
    body = _clean_body(body, fallback_alt=labels["figure"])
    return (
        _templates()
        .get_template(DOCUMENT_TEMPLATE)
        .render(
            language=language,
            title=title,
            body=Markup(body),  # noqa: S704 - our own exporter's output, cleaned above
            about=Markup(about) if about else None,  # noqa: S704 - trusted fragment, see docstring
        )
    )


def local_only_fetcher():
    """WeasyPrint's URL fetcher for ohti's pages, which carry everything they show: ``data:``
    URIs are read, anything else (http, file, ftp) is refused, so printing a page never
    fetches or embeds content from elsewhere."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and newer
        return urls.URLFetcher(allowed_protocols=("data",))

    def fetch(url, *args, **kwargs):  # older WeasyPrint: a function
        if not str(url).startswith("data:"):
            raise ValueError(f"{str(url)[:80]!r}: ohti's documents load nothing from outside the page")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def html_to_pdf(html: str, pdf_path, *, base_url=None) -> Path:
    """Print an HTML page to PDF with WeasyPrint, writing the file atomically.

    The same page gives the same bytes: the fonts embedded in the PDF carry the date
    :func:`source_date_epoch`, not the time of printing.

    Parameters
    ----------
    html : str
        The page, e.g. from :func:`notebook_to_html`.
    pdf_path : str or pathlib.Path
        The PDF file to write; its folder is created if needed.
    base_url : str, optional
        Base for relative URLs in `html`. Pages from :func:`notebook_to_html` have none.

    Returns
    -------
    pathlib.Path
        `pdf_path`.

    Raises
    ------
    BuildError
        WeasyPrint could not lay out or write the page.
    """
    import weasyprint

    pdf_path = Path(pdf_path)
    with _replacing(pdf_path) as temporary, _source_date_epoch_set():
        try:
            weasyprint.HTML(string=html, base_url=base_url, url_fetcher=local_only_fetcher()).write_pdf(str(temporary))
        except Exception as error:  # WeasyPrint has no error hierarchy of its own
            raise BuildError(
                f"{pdf_path}: WeasyPrint could not print the page "
                f"({type(error).__name__}: {_first_line(error)})"
            ) from error
    return pdf_path


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/;,:'\"()]+/)+([^\s/;,:'\"()]+)")


def without_paths(text: str | None) -> str | None:
    """A message with every absolute path shortened to its file name: a published page never
    shows the folders of the machine that built it."""
    return None if text is None else _ABSOLUTE_PATH.sub(r"\1", str(text))


def write_index(entries, period, path, *, title=None, language="fi", links=(), packages=None,
                directory=None, summary=None, data_sources=None) -> Path:
    """Write the index page of one period's documents.

    Parameters
    ----------
    entries : iterable of dict
        One per document, with keys ``code``, ``name``, ``html`` and ``pdf`` (paths, relative
        to the folder of `path` or absolute; None when not published), ``status`` (``"ok"`` or
        ``"failed"``), ``error`` (text or None) and optionally ``group`` (e.g. the ELY centre):
        when any entry has a group, rows are shown under one heading per group, groups in
        alphabetical order and entries without one last. The results of
        :func:`build_documents` can be passed as they are.
    period : str
        The period of the documents, e.g. ``"2023-10"``, used in the default title.
    path : str or pathlib.Path
        The file to write, usually ``outputs/<period>/index.html``.
    title : str, optional
        Page title; by default "Alueraportit <period>" in `language`.
    language : {'fi', 'sv', 'en'}
        Language of the page.
    links : iterable of (text, href)
        Further pages to link from the top of the index (e.g. the indicator catalogue).
    packages : dict, optional
        Area code → ``{"xlsx": path, "zip": path}`` of its data package
        (:mod:`ohti.packages`), linked from the area's rows.
    directory : dict, optional
        Area code → names of its municipalities and regions (:func:`ohti.site.area_directory`):
        listed in the area's rows and matched by the search.
    summary : dict, optional
        The national summary table of key indicators (:func:`ohti.site.summary_table`).

    The page searches and sorts with a script embedded in it, with the search data embedded as
    JSON: it works from the file system and loads nothing. Without a script every document is
    listed.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    ParameterError
        `language` is not supported, or entries lack a key or have an unknown status (all such
        problems are listed at once).
    """
    labels = _labels(language)
    path = Path(path)
    entries = list(entries)
    problems = []
    for number, entry in enumerate(entries, start=1):
        problems.extend(_index_entry_problems(number, entry))
    if problems:
        raise ParameterError(f"index entries: {len(problems)} problem(s): " + "; ".join(problems))

    from ohti.site import search_data, site_labels

    base_dir = path.parent.resolve()
    packages, directory = dict(packages or {}), dict(directory or {})
    rows = [
        {
            "code": str(entry["code"]),
            "name": str(entry["name"]),
            "html": _href(entry.get("html"), base_dir),
            "pdf": _href(entry.get("pdf"), base_dir),
            "failed": entry["status"] == "failed",
            "error": without_paths(entry.get("error")),
            "group": entry.get("group") or "",
            "language": entry.get("language") or "",
            **_index_area_columns(str(entry["code"]), entry.get("language"), packages, directory, base_dir),
        }
        for entry in entries
    ]
    rows.sort(key=lambda row: _code_sort_key(row["code"]))
    failed = sum(row["failed"] for row in rows)
    if summary is not None:
        summary = dict(summary)
        summary["rows"] = [
            {**row, "href": _href(row.get("href"), base_dir)} for row in summary.get("rows", [])
        ]
    page = (
        _templates()
        .get_template(INDEX_TEMPLATE)
        .render(
            language=language,
            title=title or labels["title"].format(period=period),
            summary=labels["summary"].format(total=len(rows), failed=failed),
            labels=labels,
            groups=_group_rows(rows, other=labels["other"]),
            links=list(links),
            site=site_labels(language),
            languages=sorted({row["language"] for row in rows if row["language"]}),
            search_json=Markup(search_data(entries, directory)),  # noqa: S704 - JSON, '<' escaped
            key_table=summary,
            period=period,
            data_sources=data_sources or [],
        )
    )
    _write_text(path, page)
    return path


def _index_area_columns(code, language, packages, directory, base_dir) -> dict:
    """The index row's municipalities and data-package links of an employment area."""
    info = directory.get(code)
    municipalities = []
    if info:
        by_language = info["municipalities"]
        municipalities = by_language.get(language) or by_language.get("fi") or []
    package = packages.get(code) or {}
    return {
        "municipalities": list(municipalities),
        "xlsx": _href(package.get("xlsx"), base_dir),
        "zip": _href(package.get("zip"), base_dir),
    }


# --------------------------------------------------------------------------- many documents


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
    outputs are unchanged since it was last built is not built again (see :mod:`ohti.stamps`);
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
        Keep one warm kernel per worker (:mod:`ohti.kernels`); False starts a new kernel for
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
    from ohti import stamps

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
            from ohti import distributed

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
    from ohti import stamps

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
                p.is_file() and stamps.file_digest(p) == vouched[k]["sha256"] for k, p in pages.items()):
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
    build's own (see :data:`ohti.kernels.WARMUP_CODE`), as ``(name, value)`` pairs; the folder
    is removed when the block ends. Nothing without warm kernels."""
    if not reuse_kernels:
        yield ()
        return
    from ohti.kernels import SHARED_FOLDER_VARIABLE

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
                from ohti.kernels import shutdown_kernels

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
    from ohti import _lifetime

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
    from ohti.kernels import kill_kernels

    kill_kernels()
    os._exit(128 + signum)


def _worker_kernel(environment: tuple):
    """This worker thread's warm kernel (started on first use)."""
    from ohti.kernels import thread_kernel

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
            from ohti.kernels import KernelStartError

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
            _write_text(paths["html"], html)
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


def _failed_result(job, settings, error, *, started, timings=None) -> dict:
    """The result of a failed document. Its published HTML and PDF are left alone here: the
    build keeps them if they are the last good build's, and removes them otherwise (see
    :func:`_keep_last_good`)."""
    paths = _document_paths(job, settings)
    if isinstance(error, OhtiError):
        message = _first_line(error)
    else:
        message = f"{type(error).__name__}: {_first_line(error)}"
    return {
        **_result_base(job, paths),
        "status": "failed",
        "html": None,
        "pdf": None,
        "error": message,
        "rebuilt": True,
        "seconds": time.perf_counter() - started if started is not None else None,
        "timings": dict(timings or {}),
    }


def _keep_last_good(job, settings, store, result: dict) -> dict:
    """A failed document keeps the HTML and PDF of its last good build, where its stamp vouches
    for them (same name and content): the result then links them and says ``kept``. Any other
    page of the document (a stray or a half-written one) is removed, never published as its."""
    from ohti.stamps import file_digest

    previous = store.read(job.stem) or {}
    vouched = previous.get("outputs") if previous.get("status") == "ok" else previous.get("kept")
    vouched = vouched or {}
    paths = _document_paths(job, settings)
    kept = {}
    for kind in ("html", "pdf"):
        path = paths[kind]
        recorded = vouched.get(kind) or {}
        if path.is_file() and recorded.get("name") == path.name and file_digest(path) == recorded.get("sha256"):
            kept[kind] = path
        else:
            path.unlink(missing_ok=True)
    result = {**result, "html": str(kept["html"]) if "html" in kept else None,
              "pdf": str(kept["pdf"]) if "pdf" in kept else None, "kept": sorted(kept)}
    return result


def _result_from_stamp(job, settings, stamp: Mapping) -> dict:
    """The result of a document that is up to date, as its last build left it."""
    paths = _document_paths(job, settings)
    ok = stamp["status"] == "ok"
    kept = stamp.get("kept") or {}
    return {
        **_result_base(job, paths),
        "status": stamp["status"],
        "html": str(paths["html"]) if (ok and "html" in settings.formats) or "html" in kept else None,
        "pdf": str(paths["pdf"]) if (ok and "pdf" in settings.formats) or "pdf" in kept else None,
        "error": stamp.get("error"),
        "rebuilt": False,
        "seconds": 0.0,
        "timings": {},
    }


def _result_base(job, paths) -> dict:
    return {
        "code": str(job.code),
        "name": job.name,
        "language": job.language,
        "group": job.group,
        "ipynb": str(paths["ipynb"]) if paths["ipynb"].is_file() else None,
    }


def _expected_outputs(job, settings) -> dict:
    """The files an up-to-date document has: its notebook, and its pages if it succeeded."""
    paths = _document_paths(job, settings)
    return {kind: paths[kind] for kind in ("ipynb", *settings.formats)}


def _stamped_outputs(result, settings) -> dict:
    """The files a built document wrote, by kind (those its stamp vouches for)."""
    return {kind: Path(result[kind]) for kind in ("ipynb", *settings.formats) if result.get(kind)}


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


def _document_paths(job, settings) -> dict:
    return {
        "ipynb": settings.period_dir / "notebooks" / f"{job.stem}.ipynb",
        "html": settings.period_dir / f"{job.stem}.html",
        "pdf": settings.period_dir / f"{job.stem}.pdf",
    }


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


# --------------------------------------------------------------------------- helpers


def _build_error(message: str, **attributes) -> BuildError:
    """A BuildError carrying the given attributes."""
    error = BuildError(message)
    for name, value in attributes.items():
        setattr(error, name, value)
    return error


def _describe_run(input_path: Path, parameters: Mapping) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in parameters.items())
    area = parameters.get("area_code")
    return f"{input_path.name}" + (f" for area {area}" if area is not None else "") + f" ({shown})"


def _first_line(value) -> str:
    lines = str(value).strip().splitlines()
    return lines[0].strip() if lines else ""


def _labels(language: str) -> dict:
    try:
        return LABELS[language]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unsupported language {language!r}; choose one of {', '.join(LABELS)}"
        ) from None


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Set :data:`KERNEL_ENVIRONMENT` and ``SOURCE_DATE_EPOCH`` for kernels started inside the
    block, then restore."""
    environment = {**KERNEL_ENVIRONMENT, "SOURCE_DATE_EPOCH": source_date_epoch()}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _replacing(path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary file beside `path`; when the block succeeds, move it onto `path`.

    The temporary file is removed if the block raises, so `path` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=suffix or f"{path.suffix}.tmp"
    )
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, PUBLISHED_FILE_MODE)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_text(path, text: str) -> None:
    with _replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _exporter():
    """The HTML exporter, made once per process: outputs only, no prompts, no anchors."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = list(DISPLAY_PRIORITY)
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    return exporter


def render_template(name: str, **context) -> str:
    """Render one of ohti's page templates (autoescaped; the house stylesheet is included)."""
    return _templates().get_template(name).render(**context)


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _without_stderr(nb):
    """A copy of `nb` without stderr stream outputs (warnings do not belong in the document)."""
    nb = copy.deepcopy(nbformat.from_dict(nb))
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                output
                for output in cell.get("outputs", [])
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]
    return nb


def _clean_body(body: str, *, fallback_alt: str) -> str:
    """Remove scripts and external stylesheets; give every image an alternative text."""
    soup = BeautifulSoup(body, features="html.parser")
    for element in soup.find_all(["script", "link"]):
        element.decompose()
    for image in soup.find_all("img"):
        alt = (image.get("alt") or "").strip()
        if not alt or alt == NBCONVERT_PLACEHOLDER_ALT:
            image["alt"] = fallback_alt
    return str(soup)


def _index_entry_problems(number: int, entry) -> list[str]:
    if not isinstance(entry, Mapping):
        return [f"entry {number}: expected a dict, not {type(entry).__name__}"]
    where = f"entry {number}" + (f" (code {entry['code']!r})" if "code" in entry else "")
    problems = [
        f"{where}: missing key {key!r}" for key in ("code", "name", "status") if key not in entry
    ]
    if "status" in entry and entry["status"] not in STATUSES:
        problems.append(
            f"{where}: unknown status {entry['status']!r}; use one of {', '.join(STATUSES)}"
        )
    return problems


def _href(target, base_dir: Path) -> str | None:
    """A URL for `target` relative to `base_dir` (None stays None)."""
    if target is None or str(target) == "":
        return None
    target = Path(target)
    if target.is_absolute():
        target = Path(os.path.relpath(target, base_dir))
    return urllib.parse.quote(target.as_posix())


def _code_sort_key(code: str):
    """Numeric codes in numeric order, then other codes alphabetically."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def _group_rows(rows: list[dict], *, other: str) -> list[dict]:
    """Rows under their group's heading; one unnamed group when no row has a group."""
    if not any(row["group"] for row in rows):
        return [{"name": None, "rows": rows}]
    names = sorted({row["group"] for row in rows if row["group"]}, key=str.casefold)
    groups = [
        {"name": name, "rows": [row for row in rows if row["group"] == name]} for name in names
    ]
    ungrouped = [row for row in rows if not row["group"]]
    if ungrouped:
        groups.append({"name": other, "rows": ungrouped})
    return groups
