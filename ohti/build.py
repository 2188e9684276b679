"""Build the published documents: run the notebook, convert it to HTML and PDF, index them.

One document is one run of the area notebook with one set of parameters. The steps are separate
functions so that each can be called alone:

1. :func:`render_notebook` executes the notebook with Papermill and keeps the executed copy;
2. :func:`notebook_to_html` turns the outputs (never the code) into one self-contained HTML page;
3. :func:`html_to_pdf` prints that page to PDF with WeasyPrint;
4. :func:`write_index` lists the documents of a period in ``index.html``.

:func:`build_documents` runs steps 1-3 for many documents, in parallel processes if asked, and
records a failing document as failed instead of stopping the build.

Every file is written atomically: to a temporary file in the same folder, then moved into place
with :func:`os.replace`, so a reader never sees half a document.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import dataclasses
import functools
import multiprocessing
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import jinja2
import nbformat
from bs4 import BeautifulSoup
from markupsafe import Markup
from tqdm import tqdm

from ohti.errors import BuildError, OhtiError, ParameterError
from ohti.paths import AREA_NOTEBOOK, OUTPUTS_DIR, TEMPLATES_DIR

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


def render_notebook(input_path, output_ipynb, parameters: dict, *, cwd=None):
    """Execute a notebook with Papermill and keep the executed copy.

    Parameters
    ----------
    input_path : str or pathlib.Path
        The notebook to run (committed without outputs, with a cell tagged ``parameters``).
    output_ipynb : str or pathlib.Path
        Where the executed notebook is written. It is written atomically once execution ends,
        also when a cell fails, so that the traceback can be read there.
    parameters : dict
        Values injected after the ``parameters`` cell, e.g. ``area_code``, ``period``,
        ``language``.
    cwd : str or pathlib.Path, optional
        Working directory of the kernel; by default the folder of `input_path`.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    BuildError
        The notebook is missing, the kernel cannot start or dies, or a cell raises. The error
        names the area and parameters, the failing cell and the first line of its error, and
        carries them as attributes ``area``, ``parameters``, ``notebook``, ``executed``,
        ``cell_index``, ``ename`` and ``evalue``.

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

    failure = None
    with _replacing(output_ipynb, suffix=".ipynb") as temporary, _kernel_environment():
        try:
            nb = papermill.execute_notebook(
                str(input_path),
                str(temporary),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                cwd=str(cwd),
                extra_arguments=list(KERNEL_ARGUMENTS),
            )
        except PapermillExecutionError as error:
            # Papermill has written the notebook up to the failing cell: publish it for reading.
            failure = error
            nb = nbformat.read(temporary, as_version=nbformat.NO_CONVERT)
        except NoSuchKernel as error:
            raise _build_error(
                f"{where}: Jupyter kernel '{KERNEL_NAME}' is not installed; "
                "install it with: python -m ipykernel install --user",
                **attributes,
            ) from error
        except (DeadKernelError, CellTimeoutError) as error:
            raise _build_error(
                f"{where}: the kernel stopped ({type(error).__name__}: {_first_line(error)})",
                **attributes,
            ) from error
        # Papermill recorded the temporary name; record the name the notebook is published under.
        nb.metadata.setdefault("papermill", {})["output_path"] = str(output_ipynb)
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


def html_to_pdf(html: str, pdf_path, *, base_url=None) -> Path:
    """Print an HTML page to PDF with WeasyPrint, writing the file atomically.

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
    with _replacing(pdf_path) as temporary:
        try:
            weasyprint.HTML(string=html, base_url=base_url).write_pdf(str(temporary))
        except Exception as error:  # WeasyPrint has no error hierarchy of its own
            raise BuildError(
                f"{pdf_path}: WeasyPrint could not print the page "
                f"({type(error).__name__}: {_first_line(error)})"
            ) from error
    return pdf_path


def write_index(entries, period, path, *, title=None, language="fi", links=()) -> Path:
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

    base_dir = path.parent.resolve()
    rows = [
        {
            "code": str(entry["code"]),
            "name": str(entry["name"]),
            "html": _href(entry.get("html"), base_dir),
            "pdf": _href(entry.get("pdf"), base_dir),
            "failed": entry["status"] == "failed",
            "error": entry.get("error"),
            "group": entry.get("group") or "",
        }
        for entry in entries
    ]
    rows.sort(key=lambda row: _code_sort_key(row["code"]))
    failed = sum(row["failed"] for row in rows)
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
        )
    )
    _write_text(path, page)
    return path


# --------------------------------------------------------------------------- many documents


@dataclasses.dataclass(frozen=True)
class _Settings:
    """What every document of one build shares (sent to worker processes)."""

    notebook: Path
    period_dir: Path
    period: str
    formats: tuple


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
) -> list[dict]:
    """Build many documents, in parallel processes if asked; a failing one does not stop the rest.

    For a document with code ``01`` in language ``fi`` the files are
    ``<outputs_dir>/<period>/notebooks/01_fi.ipynb`` (kept also when it fails),
    ``<outputs_dir>/<period>/01_fi.html`` and ``<outputs_dir>/<period>/01_fi.pdf``. A failed
    document publishes no HTML or PDF: older copies are removed.

    Parameters
    ----------
    jobs_spec : sequence of dict
        One per document: ``{"code": "01", "name": "Helsinki", "parameters": {...}}`` and
        optionally ``"title"`` (the page title; by default ``"<name> <period>"``). The
        parameters go to the notebook and must include ``area_code``, ``period`` (equal to
        `period`) and ``language``.
    period : str
        The period being built, e.g. ``"2023-10"``; names the output folder.
    formats : iterable of {'html', 'pdf'}
        What to publish. The HTML page is made in any case, as the PDF is printed from it.
    jobs : int
        Number of worker processes; 1 builds in this process, one document after another.
    outputs_dir : str or pathlib.Path, optional
        Root of the outputs; by default :data:`ohti.paths.OUTPUTS_DIR`.
    notebook : str or pathlib.Path, optional
        The notebook to run; by default :data:`ohti.paths.AREA_NOTEBOOK`.
    progress : bool
        Show a progress bar on stderr.
    about : callable, optional
        ``about(parameters) -> str`` returns the HTML fragment placed at the end of each page
        (see :func:`notebook_to_html`). It is called in this process, before the document is
        built, so it may be any callable (a lambda too). If it raises, that document fails.

    Returns
    -------
    list of dict
        One per document, in the order of `jobs_spec`, with keys ``code``, ``name``,
        ``language``, ``status`` (``"ok"`` or ``"failed"``), ``html``, ``pdf``, ``ipynb``
        (absolute paths as str, or None when not written), ``error`` (one line, or None),
        ``seconds`` (wall time of the document) and ``timings`` (seconds per step:
        ``render``, ``html``, ``pdf``).

    Raises
    ------
    ParameterError
        The specification is not valid: every problem is listed (missing keys or parameters,
        a period that differs, an unsupported language, two documents writing the same files,
        unknown formats, `jobs` below 1).
    """
    formats = tuple(formats)
    specs = [dict(spec) for spec in jobs_spec]
    notebook = Path(notebook if notebook is not None else AREA_NOTEBOOK).resolve()
    problems = _build_problems(specs, period=period, formats=formats, jobs=jobs)
    if not notebook.is_file():
        problems.insert(0, f"notebook {notebook} not found; give an existing notebook")
    if problems:
        raise ParameterError(
            f"build specification: {len(problems)} problem(s): " + "; ".join(problems)
        )

    settings = _Settings(
        notebook=notebook,
        period_dir=Path(outputs_dir if outputs_dir is not None else OUTPUTS_DIR).resolve() / period,
        period=period,
        formats=formats,
    )
    (settings.period_dir / "notebooks").mkdir(parents=True, exist_ok=True)

    results: list[dict | None] = [None] * len(specs)
    pending = []  # (position, spec, about_html) of documents ready to build
    with tqdm(
        total=len(specs), desc="documents", unit="doc", file=sys.stderr, disable=not progress
    ) as bar:

        def record(position, result):
            results[position] = result
            bar.update(1)
            failed = sum(1 for r in results if r is not None and r["status"] == "failed")
            if failed:
                bar.set_postfix(failed=failed, refresh=False)

        for position, spec in enumerate(specs):
            try:
                about_html = about(dict(spec["parameters"])) if about is not None else None
            except Exception as error:
                record(position, _failed_result(spec, settings, error, started=time.perf_counter()))
            else:
                pending.append((position, spec, about_html))

        if jobs == 1 or len(pending) <= 1:
            for position, spec, about_html in pending:
                record(position, _build_document(spec, settings, about_html))
        else:
            # "spawn": workers start clean, whatever threads this process runs.
            context = multiprocessing.get_context("spawn")
            workers = min(jobs, len(pending))
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = {
                    pool.submit(_build_document, spec, settings, about_html): (position, spec)
                    for position, spec, about_html in pending
                }
                for future in concurrent.futures.as_completed(futures):
                    position, spec = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        problem = BuildError(
                            "a worker process ended abruptly (out of memory, killed, or the "
                            "calling script runs the build without an "
                            "`if __name__ == \"__main__\":` guard); rerun with jobs=1 to see why"
                        )
                        result = _failed_result(spec, settings, problem, started=None)
                    except Exception as error:  # e.g. the result could not be sent back
                        result = _failed_result(spec, settings, error, started=None)
                    record(position, result)
    return results


def _build_document(spec: dict, settings: _Settings, about_html: str | None) -> dict:
    """Build one document; return its result, failed rather than raising."""
    started = time.perf_counter()
    paths = _document_paths(spec, settings)
    timings = {}
    try:
        nb = render_notebook(settings.notebook, paths["ipynb"], spec["parameters"])
        timings["render"] = time.perf_counter() - started

        step = time.perf_counter()
        html = notebook_to_html(
            nb,
            title=spec.get("title") or f"{spec['name']} {settings.period}",
            language=spec["parameters"]["language"],
            about=about_html,
        )
        if "html" in settings.formats:
            _write_text(paths["html"], html)
        timings["html"] = time.perf_counter() - step

        if "pdf" in settings.formats:
            step = time.perf_counter()
            html_to_pdf(html, paths["pdf"])
            timings["pdf"] = time.perf_counter() - step
    except Exception as error:
        return _failed_result(spec, settings, error, started=started, timings=timings)

    return {
        **_result_base(spec, paths),
        "status": "ok",
        "html": str(paths["html"]) if "html" in settings.formats else None,
        "pdf": str(paths["pdf"]) if "pdf" in settings.formats else None,
        "error": None,
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }


def _failed_result(spec, settings, error, *, started, timings=None) -> dict:
    """The result of a failed document, after removing any HTML or PDF published for it."""
    paths = _document_paths(spec, settings)
    for kind in ("html", "pdf"):
        paths[kind].unlink(missing_ok=True)
    if isinstance(error, OhtiError):
        message = _first_line(error)
    else:
        message = f"{type(error).__name__}: {_first_line(error)}"
    return {
        **_result_base(spec, paths),
        "status": "failed",
        "html": None,
        "pdf": None,
        "error": message,
        "seconds": time.perf_counter() - started if started is not None else None,
        "timings": dict(timings or {}),
    }


def _result_base(spec, paths) -> dict:
    return {
        "code": str(spec["code"]),
        "name": spec["name"],
        "language": spec["parameters"]["language"],
        "ipynb": str(paths["ipynb"]) if paths["ipynb"].is_file() else None,
    }


def _document_paths(spec, settings) -> dict:
    stem = f"{spec['code']}_{spec['parameters']['language']}"
    return {
        "ipynb": settings.period_dir / "notebooks" / f"{stem}.ipynb",
        "html": settings.period_dir / f"{stem}.html",
        "pdf": settings.period_dir / f"{stem}.pdf",
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
        missing = [key for key in ("area_code", "period", "language") if key not in parameters]
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
    """Set :data:`KERNEL_ENVIRONMENT` for kernels started inside the block, then restore."""
    saved = {name: os.environ.get(name) for name in KERNEL_ENVIRONMENT}
    os.environ.update(KERNEL_ENVIRONMENT)
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
