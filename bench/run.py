"""Run every benchmark (``make bench``): each prints its figures beside a reference measured in the same run."""

from __future__ import annotations

import importlib
import json
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCHMARKS = ["bench.bench_ingest", "bench.bench_screening", "bench.bench_web", "bench.bench_maneuvers", "bench.bench_api",
              "bench.bench_overflights", "bench.bench_policy", "bench.bench_breakups"]


def main(argv: list[str]) -> None:
    chosen = [b for b in BENCHMARKS if not argv or any(a in b for a in argv)]
    print(f"# SDA benchmarks — Python {platform.python_version()}, {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores", flush=True)
    results = {}
    for name in chosen:
        print(f"\n## {name}", flush=True)
        results[name] = importlib.import_module(name).run()
    out = REPO / "bench" / "last-run.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
