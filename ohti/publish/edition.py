"""Build the evaluation documents of a period: one per employment area, the index, the catalogue.

The documents are listed as build jobs (:func:`area_jobs`: a notebook, its parameters and the
files it reads) and built by :func:`ohti.build.batch.build_documents`, which skips those whose inputs
have not changed since their last build (:mod:`ohti.build.stamps`). Other kinds of document (regional,
national) are added as further jobs with their own notebook and parameters.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import re
from pathlib import Path

from ohti import cache, paths
from ohti.build import batch, stamps, warm
from ohti.build.convert import FORMATS
from ohti.build.kernels import SHARED_FOLDER_VARIABLE, SHARED_RESULTS, SHARED_RESULTS_SIZE
from ohti.build.stamps import STAMPS_FOLDER
from ohti.documents.assessments import assessment_path, check_assessments
from ohti.documents.content import comparison_edition
from ohti.documents.process_section import extract_values
from ohti.errors import BuildError, ParameterError
from ohti.i18n import check_language, label
from ohti.indicators.compute import check_periods
from ohti.paths import (
    AREA_NOTEBOOK,
    CATALOGUE_DIR,
    CATALOGUE_FILE,
    NATIONAL_NOTEBOOK,
    OUTPUTS_DIR,
    PARAMETERS_DIR,
    PROJECT_DIR,
)
from ohti.publish.catalogue import write_catalogue
from ohti.publish.index import write_index
from ohti.publish.packages import all_areas_files, package_files, period_values, write_package
from ohti.publish.plan import area_codes, plan_documents
from ohti.publish.site import index_extras
from ohti.register.demo import demo_extract_path
from ohti.register.extract import ENV_VARIABLE, describe_extract, resolve
from ohti.sources import areas
from ohti.sources.access import READING_CODE, latest_complete_period, load_all_sources
from ohti.sources.checks import check_parameters
from ohti.sources.files import MONTH_PATTERN, YEAR_PATTERN
from ohti.sources.provenance import regional_division

#: The order in which a build starts each kind of document (higher first; see
#: :class:`ohti.build.batch.Job`). The area documents compute the period's shared results and the
#: regional documents reuse many of them; the national overview, which reuses the most, comes
#: last, in all its languages at once (the longest documents, about 5 s each on 2 cores), so
#: that the workers finish together; before it the validity document (about 2 s), which reads
#: the analysis the catalogue computes at the start of a build.
DOCUMENT_PRIORITY = {"area": 3, "region": 2, "validity": 1, "national": 0}


@dataclasses.dataclass
class BuildSummary:
    """What a build produced: one result per document, and where the index is."""

    period: str
    results: list
    index: str
    warnings: tuple = ()

    @property
    def failed(self) -> list:
        return [r for r in self.results if r["status"] != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def up_to_date(self) -> list:
        return [r for r in self.results if not r.get("rebuilt", True)]

    def text(self) -> str:
        done = len(self.results) - len(self.failed)
        seconds = sum(r.get("seconds") or 0 for r in self.results)
        current = len(self.up_to_date)
        rebuilt = f"{len(self.results) - current} built, {current} up to date; " if current else ""
        lines = [f"{done} of {len(self.results)} documents ready for {self.period} "
                 f"({rebuilt}{seconds:.0f} s of work); index: {self.index}"]
        lines += [f"FAILED {r['code']} ({_named(r)}): {r['error']}" for r in self.failed]
        lines += [f"WARNING {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _named(result) -> str:
    """A document's name in the build's report, with its language where it has one."""
    return f"{result['name']} [{result['language']}]" if result.get("language") else str(result["name"])


def parse_formats(formats) -> tuple:
    """Check the requested output formats (html, pdf)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ParameterError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(FORMATS)}")
    if "pdf" in formats and "html" not in formats:
        formats = ("html", *formats)  # the PDF is made from the HTML
    return tuple(formats)


def area_jobs(codes, period: str, language: str | None = "fi", grouping: str | None = None,
              validity: bool = False) -> list[dict]:
    """The build jobs: one per document of :func:`ohti.publish.plan.plan_documents` (the area notebook
    per area and language; with a grouping also the regional notebooks and the national
    overview), each with its notebook and parameters.

    Each job also names the files the document reads besides ohti's own: its expert assessment
    (``parameters/assessments/<period>/<code>.*``, see :mod:`ohti.documents.assessments`), so that
    writing or editing one rebuilds that document only.

    Returns
    -------
    list of dict
        Job specifications for :func:`ohti.build.batch.build_documents`.
    """
    assessments = _input_pattern(_assessments_dir() / period)
    plan = plan_documents(period, codes=",".join(codes), grouping=grouping, language=language, validity=validity)
    return [
        {
            "code": document["code"],
            "name": document["name"],  # in the document's own language: no language tag for readers
            "group": document["group"],
            "notebook": str(document["notebook"]),
            "parameters": document["parameters"],
            "inputs": [f"{assessments}/{document['code']}.*"],
            "priority": DOCUMENT_PRIORITY.get(document["kind"], 0),
        }
        for document in plan
    ]


def configured_extract(extract: str | None, period: str) -> Path | None:
    """The customer-register extract a build uses: `extract` (a file or ``demo``), else the
    environment variable ``OHTI_EXTRACT``, else None. ``demo`` is the synthetic demonstration
    extract of the 12 months ending at `period` (generated on first use)."""
    extract = extract if extract else os.environ.get(ENV_VARIABLE, "").strip()
    if extract == "demo":
        return demo_extract_path(period)
    return resolve(extract) if extract else None


def with_extract(specs, path: Path | None) -> list[dict]:
    """The area documents' jobs with the extract `path` as the notebook parameter ``extract``
    and as an input file, so that its content hash is part of each document's stamp and a
    changed extract rebuilds them. No extract: the jobs unchanged."""
    if path is None:
        return specs
    out = []
    for spec in specs:
        if Path(spec["notebook"]).resolve() == Path(AREA_NOTEBOOK).resolve():
            spec = {**spec, "parameters": {**spec["parameters"], "extract": str(path)},
                    "inputs": [*spec.get("inputs", []), str(path)]}
        out.append(spec)
    return out


def with_comparison(specs, period: str, compare_with: str | None) -> list[dict]:
    """The area and national documents' jobs with ``compare_with`` as their notebook parameter
    (checked first: a month earlier than ``period``); none given: the jobs unchanged, and each
    document compares with its default edition."""
    if not compare_with:
        return specs
    comparison_edition(period, compare_with)  # refuses a malformed month or one not before the period
    takes = {Path(AREA_NOTEBOOK).resolve(), Path(NATIONAL_NOTEBOOK).resolve()}
    return [{**spec, "parameters": {**spec["parameters"], "compare_with": str(compare_with)}}
            if Path(spec["notebook"]).resolve() in takes else spec for spec in specs]


def _assessments_dir() -> Path:
    return Path(getattr(paths, "ASSESSMENTS_DIR", PARAMETERS_DIR / "assessments"))


def _input_pattern(folder: Path) -> str:
    """`folder` as an input pattern: relative to the project folder when inside it."""
    folder = Path(folder).resolve()
    try:
        return folder.relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return folder.as_posix()


def default_period(outputs_dir=None) -> str:
    """The latest month with complete data, remembered while the data and the code that reads
    them are unchanged (finding it reads the largest source, about a second)."""
    key = cache.key(code=READING_CODE, data=True)
    folder = Path(outputs_dir or OUTPUTS_DIR) / STAMPS_FOLDER
    return cache.memo(folder, "latest_complete_period", key, latest_complete_period)


def checked_period(period: str, outputs_dir=None) -> str:
    """`period` checked against the data (:func:`ohti.indicators.compute.check_periods`), remembered while
    the data and the code that reads and checks them are unchanged (checking reads every source,
    a few seconds)."""
    key = cache.key(code=(*READING_CODE, "indicators"), data=True)
    folder = Path(outputs_dir or OUTPUTS_DIR) / STAMPS_FOLDER
    name = "period-" + "".join(c if c.isalnum() or c == "-" else "_" for c in str(period))
    return cache.memo(folder, name, key, lambda: check_periods([period])[0])


def build_area_documents(codes: str = "all", period: str | None = None, formats=FORMATS, jobs: int | None = None,
                         language: str | None = "fi", progress: bool = True, outputs_dir=None, *,
                         force: bool = False, scheduler: str | None = None,
                         grouping: str | None = None, validity: bool = False,
                         extract: str | None = None, compare_with: str | None = None) -> BuildSummary:
    """Execute the area notebook once per area and publish HTML, PDF, the index and the catalogue.

    Parameters
    ----------
    codes : str
        'all' or comma-separated employment-area codes.
    period : str, optional
        Month 'YYYY-MM'; the latest month with complete data by default.
    formats : tuple of str
        Any of 'html', 'pdf'.
    jobs : int, optional
        Documents built in parallel; the number of CPUs by default.
    language : str or None
        fi, sv or en; None: each document in the languages of its language status (bilingual
        areas and regions in Finnish and Swedish).
    grouping : str, optional
        ely, maakunta or evk: also build that grouping's regional documents and the national
        overview; auto: the division in force in the period (ELY centres up to 2025,
        elinvoimakeskus areas from 2026).
    validity : bool
        Also build the indicator validity document (:mod:`ohti.analysis.validity`); the index links it.
    force : bool
        Build every document again, also those whose inputs have not changed.
    scheduler : str, optional
        Address of a Dask distributed scheduler to build on (see :mod:`ohti.build.distributed`).
    extract : str, optional
        A customer-register extract for the process indicators of the area documents: a file,
        or ``demo`` for the synthetic demonstration extract; by default the environment
        variable ``OHTI_EXTRACT``, else none (the documents then state that they are not measured).
    compare_with : str, optional
        The previous edition ('YYYY-MM') the "what changed" sections of the area documents and
        the national overview compare with; by default the same month a year before, else the
        latest earlier month with figures (:func:`ohti.documents.content.comparison_edition`).

    Returns
    -------
    BuildSummary
    """

    outputs_dir = outputs_dir or OUTPUTS_DIR
    codes = area_codes(codes)
    formats = parse_formats(formats)
    if language is not None:
        check_language(language)
    requested = jobs
    jobs = worker_count(jobs, len(codes), grouping=grouping, validity=validity, language=language)
    # The documents are built on worker processes, one document too, unless `jobs` asks for this
    # process (--jobs 1) or there is one CPU: this process writes the catalogue and the data
    # packages meanwhile, and a document built here would share its interpreter lock with them.
    separate = not scheduler and (jobs > 1 or (requested != 1 and (os.cpu_count() or 1) > 1))
    with batch.WorkerPool(jobs) as pool:
        if separate and _nothing_built_yet(outputs_dir, period):
            pool.start()  # every document will be built: the workers start while the period is checked
        return _build_period(pool, codes, period, formats, jobs, language, progress, outputs_dir,
                             force=force, scheduler=scheduler, grouping=grouping, validity=validity,
                             extract=extract, compare_with=compare_with, separate=separate)


def worker_count(jobs: int | None, areas_count: int, *, grouping=None, validity: bool = False,
                 cpus: int | None = None, language: str | None = None) -> int:
    """How many workers a build starts: `jobs` (the CPUs by default), but no more than the CPUs
    nor the documents there can be (each area in two languages, or in one when `language` is
    given; a grouping's regional documents and national overviews; the validity documents).
    A worker with no document to build would only take a core from the others while its
    kernel starts.

    Raises
    ------
    ParameterError
        For `jobs` below 1.
    """
    cpus = cpus or os.cpu_count() or 1
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, not {jobs}")
    editions = 1 if language else 2
    most = editions * (areas_count + (MAX_REGIONS + 1 if grouping else 0) + (1 if validity else 0))
    return max(1, min(jobs or cpus, cpus, most))


#: More regions than any grouping has (19 regions, 16 ELY areas, 10 elinvoimakeskus areas).
MAX_REGIONS = 20


def _nothing_built_yet(outputs_dir, period: str | None) -> bool:
    """True when the outputs folder has no stamps of the period (of no period at all when it is
    not given): a build will then build every document."""
    if period is None:
        return not (Path(outputs_dir) / STAMPS_FOLDER).is_dir()

    text = str(period).strip()
    if not (MONTH_PATTERN.match(text) or YEAR_PATTERN.match(text)):
        return False  # the check of the period will refuse it: no workers needed
    return not (Path(outputs_dir) / text / STAMPS_FOLDER).is_dir()


def _build_period(pool, codes, period, formats, jobs, language, progress, outputs_dir, *,
                  force, scheduler, grouping, validity, extract, compare_with=None,
                  separate: bool = True) -> BuildSummary:
    """:func:`build_area_documents` once its arguments are checked, on the workers of `pool`."""

    period = checked_period(period, outputs_dir) if period else default_period(outputs_dir)
    with period_lock(Path(outputs_dir) / period):
        remove_temporary_files(Path(outputs_dir) / period)
        return _build_locked(pool, codes, period, formats, jobs, language, progress, outputs_dir, force=force,
                             scheduler=scheduler, grouping=grouping, validity=validity, extract=extract,
                             compare_with=compare_with, separate=separate)


LOCK_NAME = ".lock"
#: The temporary files of :func:`ohti._files.replacing` and of the writers of notebooks and
#: packages: '.<name>-<8 random characters>[.<suffix>]'.
TEMPORARY_FILE = re.compile(r"^\.[^.][^/]*-[a-z0-9_]{8}(\.[A-Za-z0-9.]+)?$")


@contextlib.contextmanager
def period_lock(folder: Path):
    """Hold the period folder for one build: a second build into it stops at once with one
    line naming the process that holds it (two builds would each write their own index).

    Raises
    ------
    BuildError
        If another build holds the folder.
    """
    folder = Path(folder)
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise BuildError(f"{blocking}: a file stands where the outputs need a folder; move it away "
                         "or choose another folder with OHTI_OUTPUTS_DIR")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_NAME, "a+", encoding="ascii")
    except OSError as error:
        raise BuildError(f"{folder}: cannot write into the outputs folder ({error.strerror or error}); "
                         "choose a writable folder with OHTI_OUTPUTS_DIR") from error
    try:
        try:
            import fcntl
        except ImportError:  # no fcntl (Windows): no lock
            yield folder
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildError(f"another ohti build is writing {folder} (process {holder}); "
                             "wait for it to finish, then build again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield folder
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def remove_temporary_files(folder: Path) -> list[Path]:
    """Remove what an interrupted build left half-written in the period folder (temporary files
    of atomic writes); called while the period's lock is held, so no writer is running."""
    removed = []
    for sub in (folder, folder / "notebooks", folder / "data"):
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            if path.is_file() and not path.is_symlink() and TEMPORARY_FILE.match(path.name):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _build_locked(pool, codes, period, formats, jobs, language, progress, outputs_dir, *,
                  force, scheduler, grouping, validity, extract, compare_with=None,
                  separate: bool = True) -> BuildSummary:
    """:func:`_build_period` while it holds the period's lock; `separate`: build the documents
    on the worker processes of `pool`, not in this process."""

    if grouping == "auto":
        grouping = regional_division(period)
    specs = area_jobs(codes, period, language, grouping, validity)
    warnings = _checked_assessments(specs, period)
    if not pool.started and len(specs) < pool.jobs:
        pool.jobs = max(1, len(specs))
    extract_path = configured_extract(extract, period)
    specs = with_extract(specs, extract_path)
    specs = with_comparison(specs, period, compare_with)
    if extract_path is not None:  # compute the extract's indicators once, before any document runs

        extract_values(str(extract_path), period)

    for spec in specs:  # refuse parameters a notebook does not declare (papermill only warns)
        check_parameters(spec["notebook"], spec["parameters"])
    # The catalogue is written meanwhile, in this process, which otherwise only waits for the
    # workers: it fills the cores the last documents leave idle. First the sources are read
    # and validated once, while the workers start their kernels, so that those read the
    # validated frames from disk instead of each reading the files again.

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ohti-catalogue") as side:
        side.submit(load_all_sources)
        catalogue_done = side.submit(publish_catalogue, outputs_dir, force=force,
                                     **({"extract": extract_path} if extract_path else {}))
        workers = pool if separate and not scheduler else None
        packages_done = side.submit(_packages_with_workers, workers, codes, period, outputs_dir, force=force)
        results = batch.build_documents(specs, period=period, formats=formats, jobs=jobs,
                                        outputs_dir=outputs_dir, notebook=AREA_NOTEBOOK, progress=progress,
                                        force=force, scheduler=scheduler, pool=workers)
        pool.close(wait=False)  # the workers stop while the index is written
        catalogue = catalogue_done.result()
        packages = packages_done.result()
    index = os.path.join(outputs_dir, period, "index.html")
    index_language = language or "fi"
    links = [(label("catalogue", index_language), os.path.relpath(catalogue, os.path.dirname(index)))]
    links += validity_links(results, index, index_language)
    links += all_areas_links(Path(outputs_dir) / period, index, index_language)

    listed = results + _published_elsewhere(results, period, outputs_dir, formats)
    extras = index_extras(listed, period, outputs_dir, language=index_language, progress=progress,
                          packages=packages)
    write_index(listed, period, index, title=f"{label('document_title', index_language)} {period}",
                      language=index_language, links=links, **extras)
    return BuildSummary(period, results, index, tuple(warnings))


def _checked_assessments(specs, period: str) -> list[str]:
    """Check the assessment texts the documents will read before any is built: a file that is
    not UTF-8 or too large stops the build (every such file named, exit 2); an image from
    outside the assessments folder is left out and reported as a warning."""
    folder = _assessments_dir() / period
    missing = sorted({str(spec["code"]) for spec in specs if str(spec["code"]).isdigit()
                      and assessment_path(str(spec["code"]), period, spec.get("parameters", {}).get("language", "fi"),
                                          folder=_assessments_dir()) is None})
    # for the people who write them: the documents only say the assessment is published separately
    notice = [f"{len(missing)} area document(s) without an expert assessment ({', '.join(missing[:10])}"
              f"{', …' if len(missing) > 10 else ''}): write {folder.relative_to(PROJECT_DIR) if folder.is_relative_to(PROJECT_DIR) else folder}/<code>.md "
              "from parameters/assessments/TEMPLATE.md"] if missing else []
    if not folder.is_dir():
        return notice
    codes = {str(spec["code"]) for spec in specs}
    files = sorted(p for p in folder.glob("*.md") if p.name.split(".")[0] in codes)
    problems = check_assessments(files)
    errors = [p for p in problems if "is left out" not in p]
    if errors:
        raise ParameterError(f"assessment texts: {len(errors)} problem(s): " + "; ".join(errors))
    return [p for p in problems if "is left out" in p] + notice


def _published_elsewhere(results, period: str, outputs_dir, formats) -> list[dict]:
    """The documents of the period that earlier builds published and this one did not build:
    every area in each language, the regional documents of every grouping, the national
    overview and the validity document, where their stamps vouch for their pages."""

    built = {(str(r["code"]), r.get("language")) for r in results}
    every = {}
    for grouping in ("ely", "maakunta", "evk"):
        for spec in area_jobs(list(areas.units("area").index), period, None, grouping, validity=True):
            every.setdefault((str(spec["code"]), spec["parameters"]["language"]), spec)
    for spec in area_jobs(list(areas.units("area").index), period, "en", None):
        every.setdefault((str(spec["code"]), "en"), spec)
    others = [spec for key, spec in every.items() if key not in built]
    return batch.published_results(others, period=period, outputs_dir=outputs_dir, formats=formats,
                                   notebook=AREA_NOTEBOOK)


def publish_catalogue(outputs_dir, *, force: bool = False, extract=None) -> Path:
    """Write the indicator catalogue (:func:`ohti.publish.catalogue.write_catalogue`) unless it is up to
    date: the same ohti files, registry and libraries as when it was written, and unchanged.
    With an `extract` (a file) the customer-register entries name it (and label a synthetic one)."""
    path = Path(outputs_dir) / CATALOGUE_DIR / CATALOGUE_FILE
    store = stamps.StampStore(Path(outputs_dir) / STAMPS_FOLDER)
    shared = stamps.shared_digests()
    shared.pop("git", None)  # the catalogue does not show the commit
    described = None
    if extract is not None:
        described = describe_extract(extract)
        shared["extract"] = described["sha256"]
    digest = stamps.combine_parts(shared)
    if not force and store.current("catalogue", digest, {"html": path}) is not None:
        return path
    written = Path(write_catalogue(outputs_dir, **({"extract": described} if described else {})))
    store.record("catalogue", digest, status="ok", outputs={"html": written}, parts=shared)
    return written


def _packages_with_workers(pool, codes, period: str, outputs_dir, *, force: bool = False) -> dict:
    """:func:`publish_packages`, sharing the period's results with the kernels of the build's
    worker `pool` (None: nothing shared): the packages and the documents show the same figures,
    computed once."""
    folder = dict(pool.environment).get(SHARED_FOLDER_VARIABLE) if pool is not None else None
    with warm.sharing(SHARED_RESULTS, folder, SHARED_RESULTS_SIZE):
        return publish_packages(codes, period, outputs_dir, force=force)


def publish_packages(codes, period: str, outputs_dir, *, force: bool = False) -> dict:
    """Write each area's data package (:mod:`ohti.publish.packages`) unless it is up to date: the same
    ohti files, registry, libraries and period as when it was written, and its files unchanged.
    Returns the packages by area code."""
    period_dir = Path(outputs_dir) / period
    store = stamps.StampStore(period_dir / STAMPS_FOLDER)
    shared = stamps.shared_digests()
    shared.pop("git", None)  # the packages do not show the commit
    packages = {}
    for code in areas.check_codes("area", list(codes)):
        digest = stamps.combine_parts({**shared, "package": f"{code} {period}"})
        package = package_files(code, period_dir)
        files = {"zip": package.zip, "xlsx": package.xlsx}
        if force or store.current(f"package-{code}", digest, files) is None:
            period_values(period)  # once for all areas (cached)
            package = write_package(code, period, period_dir)
            store.record(f"package-{code}", digest, status="ok", outputs={"zip": package.zip, "xlsx": package.xlsx},
                         parts=shared)
        packages[code] = package
    return packages


def all_areas_links(period_dir: Path, index, language: str = "fi") -> list[tuple[str, str]]:
    """Links from the index to the period's table of every area (the workbook in the index's
    language, and the CSV for programs), where the packages wrote them."""
    found = all_areas_files(period_dir)
    workbook = found.workbooks.get(language) or found.workbooks.get("fi")
    return [(label(key, language), os.path.relpath(path, os.path.dirname(index)))
            for key, path in (("all_areas_workbook_link", workbook), ("all_areas_csv_link", found.csv))
            if path is not None and Path(path).is_file()]


def validity_links(results, index, language: str = "fi") -> list[tuple[str, str]]:
    """Links from the index to the indicator validity documents of a build (if it built any)."""
    links = []
    for result in results:
        if result.get("code") == "validity" and result.get("status") == "ok" and result.get("html"):
            text = label("validity_index_link", language)
            lang = result.get("language")
            links.append((f"{text} [{lang}]" if lang else text,
                          os.path.relpath(result["html"], os.path.dirname(index))))
    return links
