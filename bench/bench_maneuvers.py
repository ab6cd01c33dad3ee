"""Maneuver detection over the four benchmark histories (CryoSat-2, Jason-3, Sentinel-3A,
Fengyun-2F: 12,096 element sets), with precision and recall against the operators' logs.

Reference measured in the same run: reading the same TLE files with the ``sgp4``
library alone (``Satrec.twoline2rv`` per TLE, nothing else).
"""

from __future__ import annotations

from sgp4.api import Satrec

from bench.common import SHARED_DATA, best_of, report
from sda.analyses.maneuvers import detect_maneuvers, element_series, read_maneuver_log, score_detections
from sda.ingest.tle import iter_tle

BENCH = SHARED_DATA / "maneuvers" / "tle_benchmark"
LOGS = {"CryoSat-2": "cs2man.txt", "Jason-3": "ja3man.txt", "Sentinel-3A": "s3aman.txt",
        "Fengyun-2F": "manFY2F.txt.fy"}


def run() -> list[dict]:
    texts = {name: BENCH.joinpath(f"{name}.tle").read_text().splitlines() for name in LOGS}
    n = sum(len(lines) // 2 for lines in texts.values())

    def sgp4_parse() -> None:
        for lines in texts.values():
            for i in range(0, len(lines), 2):
                Satrec.twoline2rv(lines[i], lines[i + 1])

    ref_rate = n / best_of(sgp4_parse, repeat=3)
    results = [report("plain sgp4 TLE parsing (reference)", ref_rate, "element sets/s")]
    parsed = {name: list(iter_tle(lines, file=name)) for name, lines in texts.items()}

    def detect_all() -> dict:
        return {name: detect_maneuvers(element_series(sets)) for name, sets in parsed.items()}

    rate = n / best_of(detect_all, repeat=3)
    results.append(report("maneuver detection (parsed histories)", rate, "element sets/s",
                          reference="sgp4 parsing", ref_value=ref_rate))

    def parse_and_detect() -> None:
        for name, lines in texts.items():
            detect_maneuvers(element_series(list(iter_tle(lines, file=name))))

    rate = n / best_of(parse_and_detect, repeat=3)
    results.append(report("TLE text to maneuvers (parse + detect)", rate, "element sets/s",
                          reference="sgp4 parsing", ref_value=ref_rate))
    found = detect_all()
    totals = [0, 0, 0, 0]
    for name, maneuvers in found.items():
        span = (parsed[name][0].epoch_us, parsed[name][-1].epoch_us)
        logged = [m.start_us for m in read_maneuver_log(BENCH / "raw_manoeuvre_files" / LOGS[name])
                  if span[0] < m.start_us < span[1]]
        s = score_detections([m.time_us for m in maneuvers], logged)
        d = s.as_dict()
        print(f"  {name:<12} detections {d['detections']:>4}  logged {d['logged']:>4}  precision {d['precision']:.3f}  "
              f"recall {d['recall']:.3f}  |timing error| median {d['median_abs_timing_error_h']} h, "
              f"90th pct {d['p90_abs_timing_error_h']} h", flush=True)
        results.append({"name": f"maneuvers {name}", **d})
        totals = [a + b for a, b in zip(totals, (s.true_detections, s.n_detections, s.matched_logged, s.n_logged))]
    pooled = {"name": "maneuvers pooled", "precision": totals[0] / totals[1], "recall": totals[2] / totals[3],
              "target": "precision >= 0.90, recall >= 0.75 (within 12 h)"}
    print(f"  pooled       precision {pooled['precision']:.3f}  recall {pooled['recall']:.3f}   "
          f"target: {pooled['target']}", flush=True)
    results.append(pooled)
    return results
