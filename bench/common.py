"""Helpers shared by the benchmarks: timing and the printed result line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
FULL_CATALOG = SHARED_DATA / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt"


def best_of(fn: Callable[[], object], repeat: int = 3, setup: Callable[[], object] | None = None) -> float:
    """Shortest wall time (s) of ``repeat`` runs of ``fn`` (``setup`` runs untimed before each)."""
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def report(name: str, value: float, unit: str, *, reference: str | None = None, ref_value: float | None = None,
           target: str | None = None) -> dict:
    """Print one result line (and its ratio to the reference) and return it as a dict."""
    line = f"{name:<48} {value:>12,.1f} {unit}"
    ratio = None
    if ref_value:
        ratio = value / ref_value
        line += f"   ({ratio:.2f} x {reference}: {ref_value:,.1f} {unit})"
    if target:
        line += f"   target: {target}"
    print(line, flush=True)
    return {"name": name, "value": value, "unit": unit, "reference": reference, "ref_value": ref_value,
            "ratio": ratio, "target": target}
