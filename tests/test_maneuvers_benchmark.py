"""Maneuver detection scored against the operators' own maneuver logs.

Histories and logs: ``shared/data/maneuvers/tle_benchmark`` (CryoSat-2, Jason-3,
Sentinel-3A in LEO; Fengyun-2F in GEO). Truth is the operators' raw files
(``raw_manoeuvre_files``): the YAML summaries beside them are 24 h late for the three
LEO satellites (day of year read as days after 1 January) and 8 h late for
Fengyun-2F (China Standard Time read as UTC); see docs/maneuvers.md. Only logged
burns inside the span of the element sets count. A detection matches a logged burn
within 12 hours of its start.

The per-satellite floors below are the figures this detector reaches (docs/maneuvers.md),
a few hundredths lower so that a regression fails. The pooled figures are asserted at
the project's target, precision 0.90 and recall 0.75 (reached: 0.911 and 0.779).
"""

from __future__ import annotations

import numpy as np
import pytest

from sda.analyses.maneuvers import detect_maneuvers, element_series, read_maneuver_log, score_detections
from sda.analyses.maneuvers.scoring import LoggedManeuver
from sda.core.times import parse_utc_us
from sda.ingest.tle import iter_tle
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.slow  # the four histories, 12,096 element sets: about 3 s

BENCH = SHARED_DATA / "maneuvers" / "tle_benchmark"
LOGS = {"CryoSat-2": "cs2man.txt", "Jason-3": "ja3man.txt", "Sentinel-3A": "s3aman.txt",
        "Fengyun-2F": "manFY2F.txt.fy"}
#: (precision floor, recall floor, median |timing error| ceiling in hours) per satellite.
FLOORS = {"CryoSat-2": (0.95, 0.73, 1.0), "Jason-3": (0.87, 0.58, 2.0), "Sentinel-3A": (0.92, 0.79, 1.0),
          "Fengyun-2F": (0.78, 0.90, 3.0)}


def score(name: str):
    sets = list(iter_tle(BENCH.joinpath(f"{name}.tle").read_text().splitlines(), file=name))
    assert all(not isinstance(s, Exception) for s in sets)
    series = element_series(sets)
    found = detect_maneuvers(series)
    logged = [m.start_us for m in read_maneuver_log(BENCH / "raw_manoeuvre_files" / LOGS[name])
              if series.epochs_us[0] < m.start_us < series.epochs_us[-1]]
    return score_detections([m.time_us for m in found], logged)


@pytest.fixture(scope="module")
def scores():
    return {name: score(name) for name in LOGS}


@pytest.mark.parametrize("name", list(LOGS))
def test_per_satellite_precision_recall_timing(scores, name):
    s = scores[name]
    p_min, r_min, t_max = FLOORS[name]
    assert s.precision >= p_min, s.as_dict()
    assert s.recall >= r_min, s.as_dict()
    assert float(np.median(np.abs(s.timing_errors_h))) <= t_max, s.as_dict()  # hours


def test_pooled_precision_recall(scores):
    tp = sum(s.true_detections for s in scores.values())
    nd = sum(s.n_detections for s in scores.values())
    hit = sum(s.matched_logged for s in scores.values())
    nl = sum(s.n_logged for s in scores.values())
    assert nl == 331  # logged burns inside the histories' spans
    assert tp / nd >= 0.90 and hit / nl >= 0.75, (tp / nd, hit / nl)


def test_logs_are_read_in_utc():
    cma = read_maneuver_log(BENCH / "raw_manoeuvre_files" / "manFY2F.txt.fy")
    assert len(cma) == 68 and cma[-1] == LoggedManeuver(parse_utc_us("2022-01-05T00:30:00Z"),
                                                        parse_utc_us("2022-01-05T01:30:00Z"), "GEO-EW-STATION-KEEPING")
    ids = read_maneuver_log(BENCH / "raw_manoeuvre_files" / "cs2man.txt")
    assert len(ids) == 168 and ids[0].start_us == parse_utc_us("2010-04-15T17:47:00Z")  # day 105 of 2010


def test_bad_log_line_names_file_and_line(tmp_path):
    from sda.errors import ParseError

    f = tmp_path / "x.man.txt"
    f.write_text("CRYO2 2010 105 17 47 2010 105 17 48\nCRYO2 2010 400 17 47 2010 105 17 48\n")
    with pytest.raises(ParseError) as exc:
        read_maneuver_log(f)
    assert exc.value.line == 2 and "400" in str(exc.value)


def test_score_counts_matches_within_tolerance():
    h = 3600 * 1_000_000
    s = score_detections([0, 20 * h, 100 * h], [1 * h, 50 * h], tolerance_us=12 * h)
    assert (s.n_detections, s.true_detections, s.n_logged, s.matched_logged) == (3, 1, 2, 1)
    assert s.timing_errors_h == (-1.0,)
