"""The ``ohti`` command: a thin layer over the library.

Every error ohti raises on purpose is printed as one line, and the command exits with
status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from ohti._lifetime import VARIABLE
from ohti._version import __version__
from ohti.analysis.ranks import rank_values
from ohti.analysis.validity import analyse, check_budget, propose, scorecard_text
from ohti.errors import OhtiError, ParameterError, SourceDataError
from ohti.indicators.comparison import compare_values
from ohti.indicators.compute import check_periods
from ohti.indicators.disclosure import STATUS_COLUMN, apply_disclosure
from ohti.paths import OUTPUTS_DIR
from ohti.publish import edition
from ohti.publish.audit import audit
from ohti.publish.catalogue import catalogue_table, write_catalogue
from ohti.publish.packages import CSV_FLOAT_FORMAT
from ohti.register.demo import DEFAULT_SEED, PARTITIONS, demo_extract_path
from ohti.register.extract import validate_extract
from ohti.register.process import compute_process
from ohti.sources import checks, refresh
from ohti.sources.areas import ALL_LEVELS, LEVELS, check_codes, units


def _write_csv(frame) -> None:
    frame.to_csv(sys.stdout, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def cmd_areas(args) -> int:
    table = units(args.level).reset_index()
    _write_csv(table.drop(columns=["name_en"]))
    return 0


def cmd_values(args) -> int:
    if getattr(args, "extract", None):
        return cmd_extract_values(args)

    codes = [c for c in args.area.split(",") if c] if args.area else None
    periods = check_periods([args.period]) if args.period else None  # a month of a gap in the data is refused here
    # Every unit of the level: a rank is a place among all of them, whichever are printed.
    values = compare_values(args.indicator, args.level, periods=periods, disclosure=False)
    if values.empty:
        raise ParameterError(f"indicator '{args.indicator}' has no values at the level {args.level}: the public "
                             "statistics hold it for other levels only; see ohti indicators for where it can be computed")
    if not args.no_disclosure:
        values = apply_disclosure(values, threshold=args.threshold).drop(columns=STATUS_COLUMN)
    values = rank_values(values)  # after the gate: a suppressed value has no rank
    if codes is not None:
        wanted = sorted(check_codes(args.level, codes))
        values = values[values["area_code"].isin(wanted)].reset_index(drop=True)  # already in code order
    _write_csv(values)
    return 0


def cmd_extract_values(args) -> int:
    """Customer-process indicators from an extract (aggregates only, through the disclosure gate)."""
    if args.level not in ("area", "national"):
        raise ParameterError(f"--extract: process indicators are computed for the levels area and national, "
                             f"not {args.level!r}")
    values = compute_process(args.extract, indicators=[args.indicator],
                             periods=[args.period] if args.period else None,
                             disclosure=not args.no_disclosure, threshold=args.threshold)
    values = values[values["level"] == args.level]
    if args.area:
        values = values[values["area_code"].isin([c for c in args.area.split(",") if c])]
    _write_csv(values.drop(columns=["disclosure"], errors="ignore"))
    return 0


def cmd_extract(args) -> int:
    if args.extract_command == "demo":
        path = demo_extract_path(args.period, seed=args.seed if args.seed is not None else DEFAULT_SEED,
                                 events=args.events, months=args.months, partition=args.partition,
                                 force=args.force)
        print(path)
        return 0

    summary = validate_extract(args.path)
    for key, value in summary.items():
        print(f"{key}={value}")
    return 0


def cmd_validate(args) -> int:
    results = checks.validate_files(args.paths or None)
    for line in checks.problem_lines(results):
        print(line)
    print(checks.summary(results))
    return 2 if any(results.values()) else 0


def cmd_audit(args) -> int:
    return _report_audit(args.paths, threshold=args.threshold)


def _report_audit(paths, *, threshold=None) -> int:
    """Audit `paths` (:func:`ohti.publish.audit.audit`), print the findings; 1 if any, else 0."""
    try:
        files, findings = audit(paths, threshold=threshold)
    except SourceDataError as error:  # a file it cannot read is refused, never counted as checked
        return _report_problems(error)
    for finding in findings:
        print(finding)
    if findings:
        print(f"audit: {len(findings)} count(s) of persons below the threshold in {len(files)} file(s); "
              "publish nothing until the disclosure gate suppresses them")
        return 1
    print(f"audit: {len(files)} file(s) checked, no count of persons below the threshold")
    return 0


def cmd_indicators(args) -> int:
    table = catalogue_table(args.key)
    if args.format == "md":
        cells = [table.columns.tolist(), ["---"] * len(table.columns), *table.astype(str).values.tolist()]
        sys.stdout.write("".join("| " + " | ".join(row) + " |\n" for row in cells))
    else:
        _write_csv(table)
    return 0


def cmd_catalogue(args) -> int:
    print(write_catalogue(args.outputs or OUTPUTS_DIR))
    return 0


def cmd_validity(args) -> int:
    import time


    check_budget(args.budget)
    started = time.perf_counter()
    result = analyse(progress=not args.quiet)
    proposal = propose(result.scorecard, result.correlation, args.budget)
    if args.format == "md":
        sys.stdout.write(scorecard_text(proposal.table, "md"))
    else:
        _write_csv(proposal.table)
    print(f"validity: {len(result.scorecard)} indicators scored, {len(result.not_computable)} not computable; "
          f"proposal: {len(proposal.chosen)} of budget {proposal.budget} ({proposal.clusters} redundancy clusters), "
          f"explaining {proposal.explained:.0%} of the variance of the indicators left out; "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


INTERRUPTED = "ohti: interrupted; documents finished before it are published, no file is left half-written"


def _stop_on_interrupt() -> None:
    """Ctrl-C (SIGINT) ends a build within a moment, with one line: every published file is
    written atomically, so nothing half-written is left in place; the workers and kernels end
    with this process (:mod:`ohti._lifetime`) and the next build removes the temporary files."""
    import signal


    os.environ[VARIABLE] = "1"  # kernels this process starts itself (--jobs 1) end with it too
    # the pool's resource tracker cleans up after an interrupted build: without a warning
    filters = [f for f in os.environ.get("PYTHONWARNINGS", "").split(",") if f]
    os.environ["PYTHONWARNINGS"] = ",".join([*filters, "ignore::UserWarning:multiprocessing.resource_tracker"])

    def interrupted(signum, frame):
        os.write(2, (INTERRUPTED + "\n").encode())  # not print(): the handler may interrupt a write to stderr
        _exit_now(130)

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, interrupted)


def cmd_build(args) -> int:
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    summary = edition.build_area_documents(
        codes=args.areas, period=args.period, formats=formats, jobs=args.jobs,
        language=args.language, progress=not args.quiet, force=args.force, scheduler=args.scheduler,
        grouping=args.grouping, validity=args.validity, **({"extract": args.extract} if args.extract else {}),
        **({"compare_with": args.compare_with} if args.compare_with else {}),
    )
    print(summary.text(), file=sys.stderr)
    audited = _report_audit([os.path.dirname(summary.index)]) if args.audit else 0
    return 0 if summary.ok and audited == 0 else 1


def _report_problems(error) -> int:
    """Print an error's problems one line each (then its summary); exit status 2."""
    for problem in error.problems:
        print(f"ohti: error: {problem}", file=sys.stderr)
    if getattr(error, "summary", ""):
        print(f"ohti: {error.summary}", file=sys.stderr)
    return 2


def cmd_refresh(args) -> int:
    data_dir = refresh.resolve_data_dir(args.data_dir)
    try:
        client = refresh.open_client(args.api)
        plans = refresh.plan_tables(client, refresh.select_specs(args.tables))
        if args.dry_run:
            print("\n".join(refresh.describe_plans(plans, client.limits)))
            return 0
        if args.check:
            print("\n".join(refresh.check_tables(plans, data_dir)))
            return 0
        for row in refresh.refresh_tables(client, plans, data_dir, progress=not args.quiet):
            print(refresh.describe_row(row, data_dir), flush=True)
    except refresh.RefreshError as error:
        return _report_problems(error)
    if refresh.unread_note(data_dir):
        print(refresh.unread_note(data_dir), file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    data_dir = refresh.resolve_data_dir(args.data_dir)
    try:
        rows = refresh.import_files(args.files, data_dir)
    except refresh.RefreshError as error:
        return _report_problems(error)
    for row in rows:
        print(refresh.describe_row(row, data_dir))
    if refresh.unread_note(data_dir):
        print(refresh.unread_note(data_dir), file=sys.stderr)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ohti",
        description="Indicator-based evaluation of Finland's employment areas (TE and KOTO services).",
    )
    parser.add_argument("--version", action="version", version=f"ohti {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("areas", help="list the units of a level as CSV")
    p.add_argument("--level", default="area", help=f"one of {', '.join(LEVELS)} (default: area)")
    p.set_defaults(run=cmd_areas)

    p = commands.add_parser("values", help="values of an indicator at a level as CSV, with 95 %% limits, "
                                           "significance against the whole country, and ranks among the "
                                           "level's units with 95 %% confidence sets")
    p.add_argument("--indicator", required=True, help="indicator id (see: ohti indicators)")
    p.add_argument("--level", required=True, help=f"one of {', '.join(ALL_LEVELS)}")
    p.add_argument("--period", help="month YYYY-MM or year YYYY (default: every period with data)")
    p.add_argument("--area", help="unit code(s), comma-separated (default: every unit)")
    p.add_argument("--threshold", type=int, default=None,
                   help="suppress counts of persons below this (default: each indicator's suppression_threshold)")
    p.add_argument("--no-disclosure", action="store_true",
                   help="do not suppress small counts of persons (internal use only: never publish the output)")
    p.add_argument("--extract", metavar="PATH|demo",
                   help="compute a customer-process indicator from this customer-register extract")
    p.set_defaults(run=cmd_values)

    p = commands.add_parser("extract", help="customer-register extracts: the synthetic demonstration extract, validation")
    extract_commands = p.add_subparsers(dest="extract_command", required=True, metavar="SUBCOMMAND")
    q = extract_commands.add_parser("demo", help="generate the synthetic demonstration extract (cached) and print its path")
    q.add_argument("--seed", type=int, default=None, help="random seed (default: a fixed one)")
    q.add_argument("--events", type=int, default=None,
                   help="rows to reach (spells + events + services), by adding short spells; written in batches, "
                        "so memory does not grow with it")
    q.add_argument("--period", help="last month of the window (default: the latest month of the data)")
    q.add_argument("--months", type=int, default=12,
                   help="months in the window, each matched to the real stock (default 12)")
    q.add_argument("--partition", choices=PARTITIONS, default=None,
                   help="write a folder of one Parquet file per year or month of start_date (default: one file)")
    q.add_argument("--force", action="store_true", help="generate again even if cached")
    q.set_defaults(run=cmd_extract)
    q = extract_commands.add_parser("validate", help="check an extract against the schema and list every problem")
    q.add_argument("path", help="the extract (.parquet or .csv, or a folder of .parquet files), or demo")
    q.set_defaults(run=cmd_extract)

    p = commands.add_parser("validate", help="check input files (default: the shipped data) and list every problem")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files to check; each file's kind is read from its header")
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("audit", help="check published files (HTML with its SVG, PDF, CSV and .csv.gz, XLSX, zip, "
                                          "notebooks) for counts of persons below the "
                                          "disclosure threshold; exit 1 if any")
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders (e.g. outputs/2023-10) or files")
    p.add_argument("--threshold", type=int, default=None,
                   help="one threshold for every count (default: each indicator's suppression_threshold)")
    p.set_defaults(run=cmd_audit)

    p = commands.add_parser("indicators", help="list the indicator catalogue")
    p.add_argument("--key", type=int, help="only the key set of this year")
    p.add_argument("--format", choices=("csv", "md"), default="csv")
    p.set_defaults(run=cmd_indicators)

    p = commands.add_parser("catalogue", help="publish the HTML indicator catalogue under outputs/catalogue/")
    p.add_argument("--outputs", help="outputs folder (default: outputs/ of the project)")
    p.set_defaults(run=cmd_catalogue)

    p = commands.add_parser("validity", help="indicator validity scorecard (rankability, stability, ICC, funnels, "
                                             "structural share, redundancy, coverage) and a condensation proposal")
    p.add_argument("--format", choices=("csv", "md"), default="csv")
    p.add_argument("--budget", type=int, default=50, help="most indicators in the proposed key set (default: 50)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_validity)

    p = commands.add_parser("build", help="build the area evaluation documents (HTML, PDF) and the index")
    p.add_argument("--areas", default="all", help="'all' or area codes, comma-separated")
    p.add_argument("--period", help="month YYYY-MM (default: the latest month with complete data)")
    p.add_argument("--formats", default="html,pdf", help="comma-separated: html, pdf")
    p.add_argument("--jobs", type=int, default=None, help="documents built in parallel (default: CPU count)")
    p.add_argument("--language", default=None, choices=("fi", "sv", "en"),
                   help="build every document in this language (default: each area's language status; "
                        "bilingual areas in Finnish and Swedish)")
    p.add_argument("--grouping", choices=("ely", "maakunta", "evk", "auto"),
                   help="also build the regional documents of this grouping and the national overview; "
                        "auto: the division in force in the period (ELY centres up to 2025, elinvoimakeskus from 2026)")
    p.add_argument("--validity", action="store_true",
                   help="also build the indicator validity document (scorecard, redundancy, condensation proposal)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="build every document again (by default only those whose inputs changed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="build on a Dask distributed cluster (e.g. tcp://host:8786) instead of local processes")
    p.add_argument("--extract", metavar="PATH|demo",
                   help="customer-register extract for the process indicators (a file, or demo for the synthetic "
                        "demonstration extract; default: $OHTI_EXTRACT, else none)")
    p.add_argument("--compare-with", metavar="PERIOD",
                   help="the previous edition the documents' 'what changed' sections compare with (YYYY-MM; "
                        "default: the same month a year before, else the latest earlier month with figures)")
    p.add_argument("--audit", action="store_true",
                   help="then audit the period's published files as `ohti audit outputs/<period>` does (exit 1 "
                        "on a count of persons below the threshold)")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("refresh", help="download the StatFin tables of ohti/pxweb_tables.yaml from the PxWeb API "
                                            "into the data folder (validated before anything is replaced)")
    p.add_argument("--tables", help="table ids, comma-separated, e.g. 12r5,11re (default: every declared table)")
    p.add_argument("--api", help="PxWeb database root (default: $OHTI_PXWEB_API, else "
                                 "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin)")
    p.add_argument("--data-dir", help="data folder (default: $OHTI_DATA_DIR, else data/ of the project)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true",
                      help="print the plan (queries, cells, time) from the limits, listing and metadata; download nothing")
    mode.add_argument("--check", action="store_true",
                      help="print which tables changed since the data folder's manifest, and which are new")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_refresh)

    p = commands.add_parser("import", help="validate PxWeb files (json, json-stat2, CSV export) and copy them into "
                                           "the data folder")
    p.add_argument("files", nargs="+", metavar="FILE", help="PxWeb response files")
    p.add_argument("--data-dir", help="data folder (default: $OHTI_DATA_DIR, else data/ of the project)")
    p.set_defaults(run=cmd_import)
    return parser


def _exit_now(status: int) -> None:
    """End the process at once: an interrupted build does not wait for its side threads (the
    catalogue, the packages), whose files are written atomically; its workers and kernels end
    with it (:mod:`ohti._lifetime`), and its temporary files are removed by the next build."""
    os._exit(status)


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if argv is None and args.run is cmd_build:  # the command itself, not a call from a program
        _stop_on_interrupt()
    try:
        return args.run(args)
    except OhtiError as error:
        print(f"ohti: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("ohti: interrupted", file=sys.stderr)
        sys.stderr.flush()
        _exit_now(130)
        return 130
    except OSError as error:  # a file where a folder is expected, a read-only folder, a full disk
        where = f"{error.filename}: " if error.filename else ""
        print(f"ohti: error: {where}{error.strerror or error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
