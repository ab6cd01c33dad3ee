"""Overflights of 1,000 LEO payloads over 10 areas of interest for 7 days, from 2022-01-22T00:00:00Z.

Satellites: 1,000 payloads drawn at random (seed 1) among the LEO payloads of the public
full catalog of 2022-01-22 (apogee below 2,000 km, names without DEB or R/B). Areas: ten
polygons from 0.2° to 20° across with off-nadir limits from 0° (nadir inside) to 45°,
one with an altitude limit.

Figures:
* SDA's :func:`find_passes` over all 1,000 x 10 x 7 days (one process; wall time, and
  the process's CPU time, which the other work on a shared machine disturbs less), after
  a warm-up call on 5 satellites x 1 day that loads the compiled kernels (or compiles
  them, about 15 s of CPU, the first time after an install; numba caches them on disk);
* the reference: skyfield's pass finder ``EarthSatellite.find_events`` for each area's
  centre with the elevation matching the off-nadir limit, per satellite and area, timed
  on the first ``SDA_BENCH_OVERFLIGHT_REF`` satellites (default 20) x 10 areas and scaled
  to 1,000 (it is linear in the number of satellites); ratio = reference / SDA;
* agreement: on the first 5 satellites x 10 areas x 7 days, SDA's passes against the
  independent skyfield reference of :func:`skyfield_passes` (skyfield SGP4, frames and
  geodesy, bisection of the same margin on a 10 s grid): every reference pass must have
  an SDA pass with entry and exit within 1 s; the largest difference is printed.

The load average is printed before and after: on a shared machine, compare CPU-time ratios.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench.common import FULL_CATALOG, report
from sda.analyses.overflight.aoi import AreaOfInterest
from sda.analyses.overflight.passes import find_passes
from sda.analyses.overflight.reference import skyfield_find_events, skyfield_passes
from sda.core.orbits import orbit_shape
from sda.core.times import parse_utc_us
from sda.ingest.tle import iter_tle

START_US = parse_utc_us("2022-01-22T00:00:00Z")
WINDOW_S = 7 * 86400.0
N_SATELLITES = 1000
N_AGREEMENT = 5


def _box(name, lon0, lat0, lon1, lat1, **limits) -> AreaOfInterest:
    return AreaOfInterest(name, (np.array([[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]),), **limits)


AREAS = [
    _box("Korean peninsula", 124.5, 33.0, 130.0, 38.7, max_off_nadir_deg=30.0),
    _box("Sea of Japan", 131.0, 36.0, 140.0, 44.0, max_off_nadir_deg=20.0),
    _box("Taiwan Strait", 117.5, 22.5, 121.0, 26.0, max_off_nadir_deg=45.0),
    _box("Black Sea", 28.0, 41.0, 41.5, 46.5, max_off_nadir_deg=10.0),
    _box("Baltic", 12.0, 54.0, 30.0, 60.0),
    _box("Strait of Hormuz", 55.5, 25.5, 57.5, 27.0, max_off_nadir_deg=35.0),
    _box("Pearl Harbor", -158.1, 21.3, -157.9, 21.5, max_off_nadir_deg=40.0),
    _box("Guam", 144.6, 13.2, 145.0, 13.7, max_off_nadir_deg=25.0, max_altitude_km=800.0),
    AreaOfInterest("Gulf of Mexico", (np.array([[-97.0, 19.0], [-81.0, 24.0], [-83.0, 30.0], [-94.0, 29.5]]),),
                   max_off_nadir_deg=15.0),
    _box("Southern Ocean", -20.0, -70.0, 0.0, -55.0, max_off_nadir_deg=5.0),
]


def _satellites() -> list:
    sets = [e for e in iter_tle(FULL_CATALOG.read_text().splitlines(), file=FULL_CATALOG.name)
            if not isinstance(e, Exception)]
    leo = [e for e in sets if orbit_shape(e.mean_motion_rev_day, e.eccentricity)[3] < 2000.0
           and e.name and "DEB" not in e.name and "R/B" not in e.name and e.object_type in (None, "PAYLOAD")]
    rng = np.random.default_rng(1)
    return [leo[i] for i in sorted(rng.choice(len(leo), N_SATELLITES, replace=False))]


def run() -> list[dict]:
    sats = _satellites()
    print("  load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    find_passes(sats[:N_AGREEMENT], AREAS, START_US, 86400.0)  # warm-up: compiled kernels loaded
    t, cpu = time.perf_counter(), time.process_time()
    passes = find_passes(sats, AREAS, START_US, WINDOW_S)
    sda_s, sda_cpu = time.perf_counter() - t, time.process_time() - cpu

    n_ref = int(os.environ.get("SDA_BENCH_OVERFLIGHT_REF", "20"))
    t, cpu = time.perf_counter(), time.process_time()
    n_events = 0
    for es in sats[:n_ref]:
        height = orbit_shape(es.mean_motion_rev_day, es.eccentricity)[2]
        for area in AREAS:
            n_events += len(skyfield_find_events(es.tle_line1, es.tle_line2, area, START_US, WINDOW_S, height))
    ref_s = (time.perf_counter() - t) * len(sats) / n_ref
    ref_cpu = (time.process_time() - cpu) * len(sats) / n_ref

    worst, missing, n_checked, extra_short = 0.0, 0, 0, 0
    by_pair: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for p in passes:
        if p.index < N_AGREEMENT:
            by_pair.setdefault((p.index, p.area_index), []).append(((p.entry_us - START_US) / 1e6,
                                                                     (p.exit_us - START_US) / 1e6))
    for si, es in enumerate(sats[:N_AGREEMENT]):
        for ai, ref in enumerate(skyfield_passes(es.tle_line1, es.tle_line2, AREAS, START_US, WINDOW_S)):
            mine = by_pair.get((si, ai), [])
            for t0, t1 in ref:
                n_checked += 1
                d = [max(abs(a - t0), abs(b - t1)) for a, b in mine]
                if not d or min(d) > 1.0:
                    missing += 1
                else:
                    worst = max(worst, min(d))
            extra_short += max(0, len(mine) - len(ref))
    print("  load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    print(f"  SDA {sda_s:.2f} s wall, {sda_cpu:.2f} s CPU; skyfield (scaled) {ref_s:.1f} s wall, {ref_cpu:.1f} s CPU",
          flush=True)
    print(f"  {len(passes):,} passes; skyfield find_events on {n_ref} satellites x {len(AREAS)} areas "
          f"({n_events} events), scaled x{len(sats) / n_ref:g}", flush=True)
    print(f"  agreement on {N_AGREEMENT} satellites x {len(AREAS)} areas: {n_checked} reference passes, "
          f"{missing} without an SDA pass within 1 s, largest entry/exit difference {worst * 1000:.1f} ms; "
          f"{extra_short} SDA pass(es) beyond the reference's (shorter than its 10 s grid)", flush=True)
    return [
        report("overflights 1,000 sats x 10 areas x 7 d", sda_s, "s", reference="skyfield find_events (scaled)",
               ref_value=ref_s, target="reference/SDA >= 20"),
        report("  speed-up vs skyfield per-satellite (wall)", ref_s / sda_s, "x", target=">= 20"),
        report("  same, in CPU time of this process", ref_cpu / sda_cpu, "x", target=">= 20"),
        report("  worst entry/exit difference vs reference", worst * 1000, "ms", target="< 1000"),
        report("  reference passes without an SDA pass within 1 s", float(missing), "passes", target="0"),
    ]
