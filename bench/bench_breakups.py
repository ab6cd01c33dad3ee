"""Breakup back-tracing of the Cosmos 1408 cloud (1,214 fragments in the bundled 2022-01-22 catalog).

Timed: :func:`sda.analyses.breakups.backtrace.backtrace` with the parent, searching the
year before the oldest fragment epoch (node convergence over 6 decay scales, then
along-track convergence minute by minute over 8 days), as ``sda breakups`` runs it.
Reference measured in the same run: a plain per-object ``sgp4`` loop
(``Satrec.sgp4_array``) propagating every fragment over the same 8 days every minute,
the brute-force way of looking for the moment the cloud was together.
"""

from __future__ import annotations

import gzip

import numpy as np
from sgp4.api import Satrec

from bench.common import REPO, best_of, report
from sda.analyses.breakups.backtrace import backtrace
from sda.analyses.breakups.cluster import launch_designator
from sda.catalog.records import ElementSet
from sda.core.times import US_PER_DAY, parse_utc_us, us_to_jd_fr
from sda.ingest.tle import iter_tle

BUNDLED = REPO / "src" / "sda" / "data" / "spacetrack_full_catalog_3le_2022-01-22.txt.gz"
EVENT = parse_utc_us("2021-11-15T02:47:00Z")


def run() -> list[dict]:
    with gzip.open(BUNDLED, "rt") as f:
        pieces = [r for r in iter_tle(f) if isinstance(r, ElementSet) and launch_designator(r.intl_designator) == "1982-092"]
    fragments = [e for e in pieces if e.object_type == "DEBRIS"]
    parent = next(e for e in pieces if e.norad_id == 13552)
    start = min(e.epoch_us for e in fragments) - 365 * US_PER_DAY
    times = EVENT + np.arange(-4 * 1440, 4 * 1440 + 1) * 60_000_000
    jd, fr = us_to_jd_fr(times)
    sats = [Satrec.twoline2rv(e.tle_line1, e.tle_line2) for e in fragments]

    def plain_loop() -> None:
        for s in sats:
            s.sgp4_array(jd, fr)

    ref_s = best_of(plain_loop, repeat=1)
    results = [report(f"plain sgp4 loop, {len(sats)} fragments x {len(times)} minutes (reference)", ref_s, "s")]
    found = {}

    def trace() -> None:
        found["estimate"] = backtrace(fragments, parent, search_start_us=start)

    t_s = best_of(trace, repeat=1)
    results.append(report("Cosmos 1408 back-trace (node + along-track)", t_s, "s", reference="plain sgp4 loop",
                          ref_value=ref_s))
    e = found["estimate"]
    off_h = (e.time_us - EVENT) / 3.6e9
    results.append(report("  event time minus the real time", off_h, "h"))
    print(f"  fragments {e.n_fragments}, breakup altitude {e.breakup_altitude_km:.0f} km, delta-v median "
          f"{e.delta_v_summary()['median_m_s']:.0f} m/s", flush=True)
    return results
