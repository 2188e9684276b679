"""What ``make bench`` feeds ohti must pass ohti's own rules (it is not run in CI)."""

import importlib.util
from pathlib import Path

from ohti.indicators.registry import parse_registry
from ohti.sources.access import source_variables

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmarks_scaled_registry_is_a_valid_registry():
    spec = importlib.util.spec_from_file_location("ohti_bench", ROOT / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    registry = parse_registry(bench.scaled_registry(ROOT / "ohti" / "indicators.yaml", 250), set(source_variables()))
    assert len(registry) == 250
