"""ohti's benchmark: how long loading, computing and building take on this machine.

Run with `make bench` (``python benchmarks/bench.py [--n N] [--jobs J] [--rounds R]``). It prints
one line per measurement, then the build timings of issue 7 on a sample of N employment areas,
all in one run on the same machine:

(a) ``naive_s``: the naive loop, per area in turn: the ``papermill`` command, then
    ``jupyter nbconvert --to html --no-input``, then the ``weasyprint`` command;
(b) ``build_s``: ``ohti build --areas <the sample>`` into an empty outputs folder (process
    pool, warm kernels, in-process conversion; the index and the catalogue included);
(c) ``floor_s``: Papermill's Python API on a pool of the same number of workers, executing N
    times a notebook with the area notebook's parameters cell and import lines only (a fresh
    kernel each time, as the papermill command does): what running N notebooks that import
    ohti costs before they compute anything;

(a) runs once; (b), the no-change rebuild and (c) run R times (3 by default), one after another,
and their medians are the figures (each run's time is in ``build_runs_s``, ``floor_runs_s`` and
``incremental_runs_s``): the machine's speed drifts by a fifth within minutes, and a ratio of two
single runs drifted with it. Then ``incremental_s`` (``ohti build`` again, nothing changed) and ``engine_s`` (every
indicator of the shipped registry at every level and period, evaluated from loaded sources
with the engine's caches emptied, in a fresh process), and ``process_s``: the customer-process
indicators of 45 areas × 12 months from a 10-million-row synthetic extract (target under 10 s),
then ``process_100m_s``: the same indicators of 45 areas × 60 months from a 100-million-row
synthetic extract (``--process-events N``, ``make bench PROCESS_EVENTS=N``, changes its size; the
keys keep their names and ``process_100m_rows`` says the size), out of core in DuckDB within its
memory limit (env OHTI_DUCKDB_MEMORY), load + validate (``process_100m_load_s``) and compute
(``process_100m_compute_s``) timed apart in a fresh process whose peak memory (max RSS, DuckDB
included) is ``process_100m_peak_mb`` (target under 60 s and 6 GB); the extract is generated once
and cached by seed, size and window (``process_100m_generate_s``: the time it took when generated
in this run, else missing). ``--only process`` runs both process parts, ``--only process100m``
the large one alone. The refresh figures (``--only refresh``): ``refresh_plan_cells`` and ``refresh_full_estimate_s``, the plan of a full StatFin 12r5
refresh from the recorded metadata (no network), and ``pxweb_load_s``, reading and validating the
shipped PxWeb files. Nothing is asserted: the targets
(b/a ≤ 0.15, b/c ≤ 1.2, engine under 1 s, incremental under 2 s; with --full, full_build_s under 60 s) are read off these figures.
With ``--full`` (``make bench FULL=1``), ``full_build_s``: the full default ``make reports``
build (``ohti build --areas all --grouping auto --validity --audit``, warm .venv) into an
emptied outputs folder, timed once, with ``full_build_documents`` (its PDF documents) and
``full_build_ok``. The last lines are ``key=value``, for machines; everything is also written to
``outputs/bench.json`` (in the folder ``OHTI_OUTPUTS_DIR`` names, when set).

The 250-indicator registry of the first part is the shipped catalogue's public indicators
repeated under numbered ids (real data, a registry the size of KEHA-keskus's), so that loading
and computing it costs what a full catalogue would.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from ohti import paths
from ohti.sources import access, files, loaders
from ohti.sources.variables import SOURCES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIZE = 250
PERIOD = "2023-10"
LANGUAGE = "fi"
#: Areas in the build sample by default: enough that the fixed costs of a build (workers and
#: kernels starting, the first document of each worker, the catalogue) are shared out.
DEFAULT_N = 12
#: Times (b) and (c) are measured by default; the medians are reported.
DEFAULT_ROUNDS = 3


def scaled_registry(source: Path, size: int) -> str:
    """The shipped registry's public indicators repeated under numbered ids up to ``size``."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    public = [e for e in document["indicators"] if e.get("availability", "public") == "public"]
    entries = []
    copy = 0
    while len(entries) < size:
        suffix = "" if copy == 0 else f"_v{copy}"
        for entry in public:
            if len(entries) >= size:
                break
            clone = dict(entry, id=entry["id"] + suffix)
            if entry.get("derive"):
                of = entry["derive"]["of"]
                clone["derive"] = dict(entry["derive"], of=[o + suffix for o in of] if isinstance(of, list) else of + suffix)
                if any(o + suffix not in {e["id"] + suffix for e in public} for o in (of if isinstance(of, list) else [of])):
                    continue
            entries.append(clone)
        copy += 1
    return yaml.dump({"indicators": entries}, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)


class _PlainDumper(yaml.SafeDumper):
    """Writes every value out: the registry refuses YAML aliases, which PyYAML would emit for
    the entries that share an object."""

    def ignore_aliases(self, data):
        return True


def timed(label, function, results, key=None):
    start = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - start
    results[key or label] = round(seconds, 3)
    print(f"{label:58s} {seconds:8.3f} s", flush=True)
    return value


# --------------------------------------------------------------------------- part 1: engine


def registry_figures(results) -> None:
    """Loading, validating and computing a registry of 250 indicators (in this process)."""
    with tempfile.TemporaryDirectory() as folder:
        registry_path = Path(folder) / "indicators_250.yaml"
        registry_path.write_text(scaled_registry(ROOT / "ohti" / "indicators.yaml", SIZE), encoding="utf-8")
        os.environ["OHTI_REGISTRY"] = str(registry_path)

        start = time.perf_counter()
        from ohti.indicators import compute
        from ohti.indicators.registry import indicator_ids, load_registry
        results["import_ohti_s"] = round(time.perf_counter() - start, 3)
        print(f"{'import ohti':58s} {results['import_ohti_s']:8.3f} s")

        cached_dir = access.SOURCE_CACHE_DIR
        access.SOURCE_CACHE_DIR = Path(folder) / "sources"  # empty: read and validate every file
        timed("load and validate the six shipped sources", lambda: [access.load_source(s) for s in SOURCES], results)
        access.load_source.cache_clear()
        timed("  the same, read back from the validated cache",
              lambda: [access.load_source(s) for s in SOURCES], results)
        access.SOURCE_CACHE_DIR = cached_dir
        registry = timed(f"load and validate a registry of {SIZE} indicators", load_registry, results)
        ids = indicator_ids(computable=True)
        print(f"  {len(registry)} indicators, {len(ids)} computable")

        def compute_all(level):
            cells = 0
            for ident in ids:
                wide = compute.evaluate(ident, level, compute.indicator_frequency(ident))
                cells += wide.value.size
            return cells

        cells = timed(f"compute {len(ids)} indicators × 45 areas × all periods", lambda: compute_all("area"), results)
        print(f"  {cells:,} area × period values")
        results["area_values"] = cells
        cells = timed(f"compute {len(ids)} indicators × 308 municipalities × all periods", lambda: compute_all("municipality"), results)
        results["municipality_values"] = cells
        compute.evaluate.cache_clear()
        timed("one indicator, all areas, all months, as a table (cold)",
              lambda: compute.compute_values("unemployment_rate", "area"), results)
        results["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(f"{'peak memory (max RSS)':58s} {results['max_rss_mb']:8.1f} MB")
    os.environ.pop("OHTI_REGISTRY", None)


def engine_figures() -> dict:
    """Run in a fresh process (``--engine``): the shipped registry, every level, every period."""
    from ohti.indicators import compute
    from ohti.indicators.registry import indicator_ids
    from ohti.sources import areas

    for source in SOURCES:
        access.load_source(source)
    for level in areas.ALL_LEVELS:
        areas.units(level)
        areas.check_level(level)
    ids = indicator_ids(computable=True)

    def evaluate_all():
        cells = 0
        for level in areas.ALL_LEVELS:
            for ident in ids:
                cells += compute.evaluate(ident, level, compute.indicator_frequency(ident)).value.size
        return cells

    def clear():
        compute.evaluate.cache_clear()
        compute.component.cache_clear()
        compute.expression.cache_clear()
        compute._current.cache_clear()
        compute._earlier_columns.cache_clear()
        compute.axis.cache_clear()
        access.clear_matrices()

    evaluate_all()  # imports and one-off set-up (membership matrices) out of the way
    seconds = []
    for _ in range(3):
        clear()
        start = time.perf_counter()
        cells = evaluate_all()
        seconds.append(time.perf_counter() - start)
    municipalities = len(areas.units("municipality"))
    return {"engine_s": round(min(seconds), 3), "engine_indicators": len(ids),
            "engine_levels": len(areas.ALL_LEVELS), "engine_values": cells,
            "engine_municipalities": municipalities, "engine_months": len(compute.axis("month"))}


# --------------------------------------------------------------------------- part 2: builds


def sample_areas(n: int) -> list[str]:
    """N employment areas spread over the code list (the same sample every run)."""
    from ohti.sources import areas

    codes = list(areas.units("area").index)
    n = max(1, min(n, len(codes)))
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def naive_loop(codes, folder: Path) -> None:
    """papermill, then jupyter nbconvert, then weasyprint, as commands, per area in turn."""
    from ohti.paths import AREA_NOTEBOOK

    environment = {**os.environ, "MPLBACKEND": "Agg"}
    for code in codes:
        executed = folder / f"{code}_{LANGUAGE}.ipynb"
        html = folder / f"{code}_{LANGUAGE}.html"
        commands = [
            # -r: raw strings (with -p, papermill would read the code "01" as the number 1)
            [str(BIN / "papermill"), str(AREA_NOTEBOOK), str(executed), "-r", "area_code", code,
             "-r", "period", PERIOD, "-r", "language", LANGUAGE, "--cwd", str(AREA_NOTEBOOK.parent),
             "--no-progress-bar"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
             "--output", html.name, "--output-dir", str(folder)],
            [str(BIN / "weasyprint"), str(html), str(folder / f"{code}_{LANGUAGE}.pdf")],
        ]
        for command in commands:
            subprocess.run(command, check=True, env=environment, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ohti_build(codes, outputs: Path, jobs: int) -> subprocess.CompletedProcess:
    command = [str(BIN / "ohti"), "build", "--areas", ",".join(codes), "--period", PERIOD,
               "--language", LANGUAGE, "--jobs", str(jobs), "--quiet"]
    return subprocess.run(command, env={**os.environ, "OHTI_OUTPUTS_DIR": str(outputs)}, cwd=ROOT,
                          capture_output=True, text=True, check=False)


def floor_notebook(path: Path) -> Path:
    """The area notebook's parameters cell and import lines, nothing else."""
    import nbformat

    from ohti.paths import AREA_NOTEBOOK

    template = nbformat.read(AREA_NOTEBOOK, as_version=4)
    cells = [c for c in template.cells if c.cell_type == "code"]
    parameters = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    imports = [line for c in cells if c is not parameters for line in c.source.splitlines()
               if line.startswith(("import ", "from "))]
    nb = nbformat.v4.new_notebook(metadata=template.metadata)
    nb.cells = [nbformat.from_dict(dict(parameters)), nbformat.v4.new_code_cell("\n".join(imports))]
    nb.cells[1].id = "imports"
    nbformat.write(nb, path)
    return path


def _floor_run(notebook: str, output: str, code: str, cwd: str) -> None:
    import papermill

    papermill.execute_notebook(notebook, output, parameters={"area_code": code, "period": PERIOD,
                                                             "language": LANGUAGE},
                               kernel_name="python3", progress_bar=False, cwd=cwd)


def floor_runs(codes, folder: Path, jobs: int) -> None:
    from ohti.paths import AREA_NOTEBOOK

    notebook = floor_notebook(folder / "floor.ipynb")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(_floor_run, str(notebook), str(folder / f"{code}.ipynb"), code,
                               str(AREA_NOTEBOOK.parent)) for code in codes]
        for future in futures:
            future.result()


def build_figures(results, n: int, jobs: int, rounds: int = 1) -> None:
    """(a) once; then (b), the no-change rebuild and (c) `rounds` times, one after another,
    each build into an empty outputs folder: the figures kept are the medians, so that the
    ratio b/c compares the two under the same conditions even when the machine's speed drifts
    (on the 2-core machine of November 2026 the same floor took 18.6 to 23.7 s within minutes)."""
    codes = sample_areas(n)
    results["n"] = len(codes)
    results["jobs"] = jobs
    results["rounds"] = rounds
    print(f"\nbuilds: {len(codes)} areas ({', '.join(codes)}), {jobs} worker(s), period {PERIOD}, "
          f"(b) and (c) {rounds} time(s) each, medians kept")
    os.environ["MPLBACKEND"] = "Agg"
    runs = {"build_s": [], "incremental_s": [], "floor_s": []}
    ok = True
    with tempfile.TemporaryDirectory(prefix="ohti-bench-") as folder:
        folder = Path(folder)
        (folder / "naive").mkdir()
        timed("(a) naive: papermill, nbconvert, weasyprint commands", lambda: naive_loop(codes, folder / "naive"),
              results, "naive_s")
        for round_ in range(1, rounds + 1):
            outputs, floor = folder / f"build-{round_}", folder / f"floor-{round_}"
            floor.mkdir()
            suffix = f" [{round_}/{rounds}]" if rounds > 1 else ""
            build = timed("(b) ohti build" + suffix, lambda: ohti_build(codes, outputs, jobs), results, "build_s")
            if build.returncode != 0:
                print(build.stderr[-2000:], file=sys.stderr)
            again = timed("    ohti build again, nothing changed" + suffix,
                          lambda: ohti_build(codes, outputs, jobs), results, "incremental_s")
            ok = ok and build.returncode == 0 and again.returncode == 0
            timed("(c) floor: papermill API, notebook importing ohti" + suffix,
                  lambda: floor_runs(codes, floor, jobs), results, "floor_s")
            for key in runs:
                runs[key].append(results[key])
    results["build_ok"] = ok
    for key, values in runs.items():
        results[key] = round(statistics.median(values), 3)
        results[key.replace("_s", "_runs_s")] = values
    if rounds > 1:
        print(f"medians: (b) {results['build_s']:.3f} s, no change {results['incremental_s']:.3f} s, "
              f"(c) {results['floor_s']:.3f} s")


#: Rows of the synthetic demonstration extract the process indicators are timed on.
PROCESS_EVENTS = 10_000_000


def process_figures(results: dict, events: int = PROCESS_EVENTS) -> None:
    """``process_s``: the customer-process indicators of 45 areas × 12 months from a synthetic
    demonstration extract of `events` rows (spells, events and services), end to end from the
    Parquet file: loading into DuckDB with every schema rule checked, then computing every
    process indicator (with the disclosure gate). The extract is generated once (fixed seed)
    and cached under outputs/extracts/; generating it is not timed."""
    import ohti.indicators.disclosure  # noqa: F401  (imports are timed as import_ohti_s, not here)
    import ohti.stats.intervals  # noqa: F401
    from ohti.register.demo import demo_extract_path
    from ohti.register.extract import load_extract
    from ohti.register.process import compute_process

    started = time.perf_counter()
    path = demo_extract_path(PERIOD, events=events)
    print(f"{'synthetic extract (generated or cached, not timed)':58s} {time.perf_counter() - started:8.3f} s")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    extract = load_extract(path)
    loaded = time.perf_counter()
    try:
        values = compute_process(extract)
    finally:
        extract.close()
    done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    areas = values.loc[values["level"] == "area", "area_code"].nunique()
    months = values["period"].nunique()
    results.update({"process_s": round(done - started, 3), "process_load_s": round(loaded - started, 3),
                    "process_compute_s": round(done - loaded, 3), "process_cpu_s": round(cpu, 3),
                    "process_load_average": round(os.getloadavg()[0], 2), "process_rows": extract.rows,
                    "process_areas": int(areas), "process_months": int(months)})
    print(f"{'process: load + validate extract':58s} {loaded - started:8.3f} s")
    print(f"{'process: indicators, every area × month':58s} {done - loaded:8.3f} s")
    print(f"  {extract.rows:,} rows (synthetic demonstration data), {areas} areas × {months} months, "
          f"{values['indicator'].nunique()} indicators; {cpu:.1f} s of CPU (all threads), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


#: Rows and months of the large extract of ``process_100m_s`` (issue 21: the national register scale).
LARGE_EVENTS = 100_000_000
LARGE_MONTHS = 60


def large_process_run(path: str) -> dict:
    """In a fresh process (``--process-child PATH``): load + validate the extract, then every
    process indicator of 45 areas × the extract's 60 months; times and peak memory."""
    import numpy as np
    import pandas as pd

    from ohti.indicators.disclosure import parent_links
    from ohti.indicators.registry import load_registry
    from ohti.register.extract import duckdb_settings, load_extract
    from ohti.register.process import compute_process, load_rules
    from ohti.stats.intervals import wilson_limits

    # imports and one-off set-up (the registry, the area links, the rules) are not what is timed
    wilson_limits(np.array([1.0]), np.array([2.0]))
    load_registry(), parent_links(), load_rules()
    started = time.perf_counter()
    extract = load_extract(Path(path))
    loaded = time.perf_counter()
    try:
        end = pd.Period(extract.extract_date, "M")
        periods = [str(end - k) for k in range(LARGE_MONTHS - 1, -1, -1)]
        values = compute_process(extract, periods=periods)
        rows = extract.rows
    finally:
        extract.close()
    done = time.perf_counter()
    return {"load_s": round(loaded - started, 3), "compute_s": round(done - loaded, 3), "rows": rows,
            "areas": int(values.loc[values["level"] == "area", "area_code"].nunique()),
            "months": int(values["period"].nunique()), "indicators": int(values["indicator"].nunique()),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "memory_limit": duckdb_settings()[0]}


def large_process_figures(results: dict, events: int = LARGE_EVENTS) -> None:
    """``process_100m_*``: the customer-process indicators of 45 areas × 60 months from a
    synthetic extract of `events` rows, measured in a fresh process (so that nothing earlier in
    the bench counts in its peak memory). The extract is generated once and cached under
    outputs/extracts/ (``process_100m_generate_s`` when it is generated in this run)."""
    from ohti.register.demo import demo_extract_path

    started = time.perf_counter()
    path = demo_extract_path(PERIOD, events=events, months=LARGE_MONTHS, generate=False)
    if not path.exists():
        demo_extract_path(PERIOD, events=events, months=LARGE_MONTHS)
        results["process_100m_generate_s"] = round(time.perf_counter() - started, 3)
        print(f"{'large synthetic extract: generated (once, then cached)':58s} "
              f"{results['process_100m_generate_s']:8.3f} s")
    child = subprocess.run([sys.executable, __file__, "--process-child", str(path)], capture_output=True, text=True,
                           check=False, cwd=ROOT)
    if child.returncode != 0:
        print(child.stderr[-3000:], file=sys.stderr)
        child.check_returncode()
    run = json.loads(child.stdout.strip().splitlines()[-1])
    results.update({"process_100m_s": round(run["load_s"] + run["compute_s"], 3),
                    "process_100m_load_s": run["load_s"], "process_100m_compute_s": run["compute_s"],
                    "process_100m_peak_mb": run["peak_mb"], "process_100m_rows": run["rows"],
                    "process_100m_areas": run["areas"], "process_100m_months": run["months"],
                    "process_100m_memory_limit": run["memory_limit"],
                    "process_100m_load_average": round(os.getloadavg()[0], 2)})
    print(f"{'process, large: load + validate extract':58s} {run['load_s']:8.3f} s")
    print(f"{'process, large: indicators, every area × month':58s} {run['compute_s']:8.3f} s")
    print(f"  {run['rows']:,} rows (synthetic demonstration data), {run['areas']} areas × {run['months']} months, "
          f"{run['indicators']} indicators; peak memory {run['peak_mb']:,.0f} MB (DuckDB memory limit "
          f"{run['memory_limit']}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def full_build_figures(results: dict) -> None:
    """``full_build_s``: the full default build of ``make reports`` into an emptied outputs
    folder, timed once; ``full_build_documents``: the PDF documents it wrote."""
    command = [str(BIN / "ohti"), "build", "--areas", "all", "--grouping", "auto", "--validity", "--audit"]
    with tempfile.TemporaryDirectory(prefix="ohti-bench-full-") as folder:
        outputs = Path(folder) / "outputs"
        outputs.mkdir()
        build = timed("full build: ohti build --areas all --grouping auto --validity --audit",
                      lambda: subprocess.run(command, env={**os.environ, "OHTI_OUTPUTS_DIR": str(outputs),
                                                           "MPLBACKEND": "Agg"},
                                             cwd=ROOT, capture_output=True, text=True, check=False),
                      results, "full_build_s")
        if build.returncode != 0:
            print(build.stderr[-2000:], file=sys.stderr)
        results["full_build_ok"] = build.returncode == 0
        results["full_build_documents"] = sum(1 for _ in outputs.rglob("*.pdf"))
    print(f"  {results['full_build_documents']} documents (PDF), exit status {build.returncode}")


#: The recorded PxWeb responses a refresh is planned from without a network (see their README).
PXWEB_FIXTURES = ROOT / "tests" / "fixtures" / "pxweb"


def refresh_figures(results: dict) -> None:
    """``refresh_plan_cells`` and ``refresh_full_estimate_s``: the plan of a full refresh of
    StatFin 12r5 (every declared area, content and month since 2006-01) from the recorded
    metadata and limits, no network: its cells, and the time the calls take paced by the
    limits (one response assumed to take ``ohti.sources.refresh.ASSUMED_CALL_S``); ``pxweb_load_s``:
    reading and validating the shipped PxWeb json files through ``tidy_response``."""
    from ohti.sources import pxweb, refresh

    spec = pxweb.load_table_specs()["12r5"]
    metadata = json.loads((PXWEB_FIXTURES / "statfin_12r5_v1_metadata_fi_constructed.json").read_text(encoding="utf-8"))
    limits = refresh.parse_limits(json.loads((PXWEB_FIXTURES / "config_fi_constructed.json").read_text(encoding="utf-8")))
    variables = refresh.resolve_variables(metadata, spec)
    whole = refresh.select_values(variables, spec)
    queries = refresh.split_query(whole, variables, limits.max_values, f"StatFin {spec.id}")
    calls = 3 + len(queries)  # ?config, the folder listing, the metadata, then the queries
    results.update({"refresh_plan_cells": sum(q.cells for q in queries), "refresh_plan_queries": len(queries),
                    "refresh_full_estimate_s": round(limits.estimate_seconds(calls), 1)})
    print(f"{'refresh: a full 12r5 refresh, estimated from its plan':58s} {results['refresh_full_estimate_s']:8.1f} s")
    print(f"  {len(queries)} queries, {results['refresh_plan_cells']:,} cells; {limits.text()}")
    names = [name for source in SOURCES.values() for name in source.files
             if loaders.is_pxweb_file(paths.DATA_DIR / name)]
    started = time.perf_counter()
    for name in names:
        response = pxweb.read_response(files.shipped_path(name))
        loaders.tidy_response(response, pxweb.spec_for_response(response))
    results["pxweb_load_s"] = round(time.perf_counter() - started, 3)
    print(f"{'pxweb: read + validate ' + str(len(names)) + ' shipped PxWeb json files':58s} {results['pxweb_load_s']:8.3f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N") or DEFAULT_N),
                        help=f"areas in the build sample (default {DEFAULT_N})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers (default: CPU count)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS") or DEFAULT_ROUNDS),
                        help=f"times (b) and (c) are run, medians kept (default {DEFAULT_ROUNDS})")
    parser.add_argument("--engine", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--documents", action="store_true", help="(kept for compatibility; builds always run)")
    parser.add_argument("--only", choices=("process", "process100m", "refresh"),
                        help="run only this part (process: customer-process indicators, the 10-million and the large "
                             "extract; process100m: the large one; refresh: the refresh plan and the PxWeb files)")
    parser.add_argument("--process-events", type=int, default=int(os.environ.get("PROCESS_EVENTS") or LARGE_EVENTS),
                        help=f"rows of the large extract of process_100m_s (default {LARGE_EVENTS:,})")
    parser.add_argument("--full", action="store_true", default=os.environ.get("FULL", "") not in ("", "0"),
                        help="also time the full default build (full_build_s)")
    parser.add_argument("--process-child", metavar="PATH", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.engine:
        print(json.dumps(engine_figures()))
        return 0
    if args.process_child:
        print(json.dumps(large_process_run(args.process_child)))
        return 0
    if args.only in ("process", "process100m"):
        results = {}
        if args.only == "process":
            process_figures(results)
        large_process_figures(results, args.process_events)
        for key in ("process_s", "process_100m_s", "process_100m_load_s", "process_100m_compute_s",
                    "process_100m_peak_mb", "process_100m_rows"):
            if key in results:
                print(f"{key}={results[key]}")
        return 0
    if args.only == "refresh":
        results = {}
        refresh_figures(results)
        for key in ("refresh_plan_cells", "refresh_full_estimate_s", "pxweb_load_s"):
            print(f"{key}={results[key]}")
        return 0

    results = {}
    registry_figures(results)
    refresh_figures(results)

    child = subprocess.run([sys.executable, __file__, "--engine"], capture_output=True, text=True, check=True, cwd=ROOT)
    engine = json.loads(child.stdout.strip().splitlines()[-1])
    results.update(engine)
    print(f"{'engine: every indicator × every level × every period':58s} {engine['engine_s']:8.3f} s")
    print(f"  {engine['engine_indicators']} indicators × {engine['engine_levels']} levels "
          f"({engine['engine_municipalities']} municipalities, {engine['engine_months']} months): "
          f"{engine['engine_values']:,} values, from loaded sources, caches emptied")

    process_figures(results)
    large_process_figures(results, args.process_events)
    build_figures(results, args.n, args.jobs, max(1, args.rounds))
    if args.full:
        full_build_figures(results)
    results["ratio_build_vs_naive"] = round(results["build_s"] / results["naive_s"], 3)
    results["ratio_build_vs_floor"] = round(results["build_s"] / results["floor_s"], 3)
    print(f"\nb/a = {results['ratio_build_vs_naive']:.3f} (target ≤ 0.15); "
          f"b/c = {results['ratio_build_vs_floor']:.3f} (target ≤ 1.2); "
          f"engine {results['engine_s']:.3f} s (target < 1 s); "
          f"no-change rebuild {results['incremental_s']:.3f} s (target < 2 s)")

    out = paths.OUTPUTS_DIR / "bench.json"  # outputs/, or the folder OHTI_OUTPUTS_DIR names
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}\n")
    for key in ("naive_s", "build_s", "floor_s", "ratio_build_vs_naive", "ratio_build_vs_floor",
                "engine_s", "incremental_s", "n", "rounds", "process_s", "process_100m_s", "process_100m_peak_mb",
                "refresh_plan_cells", "refresh_full_estimate_s", "pxweb_load_s", "full_build_s"):
        if key in results:
            print(f"{key}={results[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
