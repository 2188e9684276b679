"""What ``make bench`` feeds ohti must pass ohti's own rules (it is not run in CI)."""

import importlib.util
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ohti.indicators.registry import parse_registry
from ohti.sources.access import source_variables

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("ohti_bench", ROOT / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_benchmarks_scaled_registry_is_a_valid_registry():
    bench = load_bench()
    registry = parse_registry(bench.scaled_registry(ROOT / "ohti" / "indicators.yaml", 250), set(source_variables()))
    assert len(registry) == 250


def test_the_large_process_run_measures_every_area_and_month_of_an_extract(tmp_path):
    """The child process of ``process_100m_s``, on a two-row extract: 45 areas × 60 months."""
    bench = load_bench()
    table = pa.table({"table": ["spell", "event"], "person_id": ["A", "A"], "area_code": ["01", "01"],
                      "type": [None, "initial_interview"],
                      "start_date": pa.array([19345, 19346], pa.date32()), "end_date": pa.array([None, None], pa.date32()),
                      "end_reason": pa.array([None, None], pa.string())})
    path = tmp_path / "extract.parquet"
    pq.write_table(table.replace_schema_metadata({"ohti.extract_date": "2023-10-31"}), path)
    run = bench.large_process_run(str(path))
    assert (run["rows"], run["areas"], run["months"], run["indicators"]) == (2, 45, bench.LARGE_MONTHS, 9)
    assert run["peak_mb"] > 0 and run["load_s"] >= 0 and run["compute_s"] >= 0 and run["memory_limit"]
