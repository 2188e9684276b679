"""Running one notebook: Papermill with a fixed kernel environment, the executed notebook
normalised so that two runs give the same bytes, and ``SOURCE_DATE_EPOCH`` from the inputs.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat

from ohti._files import replacing
from ohti.build.kernels import KernelStartError, warm_engine_name
from ohti.build.results import _first_line
from ohti.errors import BuildError
from ohti.paths import MANIFEST_PATH, PROJECT_DIR

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
    kernel : ohti.build.kernels.WarmKernel, optional
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
    with replacing(output_ipynb, suffix=".ipynb") as temporary, environment:
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

