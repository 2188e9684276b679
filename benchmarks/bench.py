"""ohti's benchmark: how long loading, computing and building take on this machine.

Run with `make bench`. It prints one line per measurement and writes them to
outputs/bench.json. Nothing here is asserted: targets are read off these figures.

The 250-indicator registry is the shipped catalogue's public indicators repeated under
numbered ids (real data, a registry the size of KEHA-keskus's), so that loading and
computing it costs what a full catalogue would.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SIZE = 250


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
    return yaml.safe_dump({"indicators": entries}, allow_unicode=True, sort_keys=False)


def timed(label, function, results):
    start = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - start
    results[label] = round(seconds, 3)
    print(f"{label:58s} {seconds:8.3f} s", flush=True)
    return value


def main() -> int:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        registry_path = Path(folder) / "indicators_250.yaml"
        registry_path.write_text(scaled_registry(ROOT / "ohti" / "indicators.yaml", SIZE), encoding="utf-8")
        os.environ["OHTI_REGISTRY"] = str(registry_path)

        start = time.perf_counter()
        from ohti import compute, sources
        from ohti.registry import indicator_ids, load_registry
        results["import_ohti_s"] = round(time.perf_counter() - start, 3)
        print(f"{'import ohti':58s} {results['import_ohti_s']:8.3f} s")

        timed("load and validate the six shipped sources", lambda: [sources.load_source(s) for s in sources.SOURCES], results)
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
    if "--documents" in sys.argv:
        import subprocess

        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ohti", "build", "--areas", "all", "--quiet"], cwd=ROOT, check=False)
        results["build_45_documents_s"] = round(time.perf_counter() - start, 1)
        print(f"{'build 45 area documents (HTML + PDF)':58s} {results['build_45_documents_s']:8.1f} s")

    out = ROOT / "outputs" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
