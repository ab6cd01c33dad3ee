"""Operators' maneuver logs and how a detector scores against them.

Two log formats are read, as the operators publish them:

* IDS/CNES ``*man.txt`` (CryoSat-2, Jason-3, Sentinel-3A): one burn per line,
  ``SAT YYYY DDD HH MM YYYY DDD HH MM ...`` with the start and end as year, day of
  year (1 = 1 January), hour and minute, UTC.
* CMA ``manFY*.txt.fy`` (Fengyun): ``TYPE COSPAR-ID "YYYY-MM-DDTHH:MM:SS CST" "... CST"``
  with China Standard Time, UTC+8.

Scoring: a detection matches a logged maneuver when within ``tolerance`` of its
start. Precision is the fraction of detections that match some logged maneuver;
recall the fraction of logged maneuvers matched by some detection; the timing error
of a matched maneuver is the nearest detection's time minus the logged start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sda.core.times import US_PER_DAY, US_PER_S, parse_utc_us, us_from_ymd_hms
from sda.errors import ParseError

__all__ = ["LoggedManeuver", "read_maneuver_log", "Score", "score_detections"]

_CST_US = 8 * 3600 * US_PER_S


@dataclass(frozen=True, slots=True)
class LoggedManeuver:
    """One burn of an operator's log: start and end (UTC µs) and the operator's type, if given."""

    start_us: int
    end_us: int
    kind: str | None = None


def read_maneuver_log(path: str | Path) -> list[LoggedManeuver]:
    """The burns of an IDS/CNES or CMA maneuver log, in time order (format by content)."""
    path = Path(path)
    out = []
    for lineno, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(_cma(line) if '"' in line else _ids(line))
        except (ValueError, IndexError) as exc:
            raise ParseError(str(exc), file=str(path), line=lineno, field="maneuver",
                             expected="an IDS 'SAT YYYY DDD HH MM YYYY DDD HH MM ...' or CMA 'TYPE ID \"ISO CST\" "
                                      "\"ISO CST\"' line", found=line[:40]) from None
    return sorted(out, key=lambda m: m.start_us)


def _ids(line: str) -> LoggedManeuver:
    p = line.split()
    start = _year_doy(*map(int, p[1:5]))
    end = _year_doy(*map(int, p[5:9]))
    return LoggedManeuver(start, end)


def _year_doy(year: int, doy: int, hour: int, minute: int) -> int:
    if not 1 <= doy <= 366:
        raise ValueError(f"day of year {doy} outside 1..366")
    return us_from_ymd_hms(year, 1, 1, hour, minute) + (doy - 1) * US_PER_DAY


def _cma(line: str) -> LoggedManeuver:
    parts = line.split('"')
    kind = parts[0].split()[0]
    start, end = (_cst(parts[i]) for i in (1, 3))
    return LoggedManeuver(start, end, kind)


def _cst(text: str) -> int:
    stamp, zone = text.split()
    if zone != "CST":
        raise ValueError(f"time zone CST expected, found {zone!r}")
    return parse_utc_us(stamp + "Z") - _CST_US


@dataclass(frozen=True)
class Score:
    """Precision, recall and timing errors (hours, detection − log) of one detector run."""

    n_detections: int
    n_logged: int
    true_detections: int
    matched_logged: int
    timing_errors_h: tuple[float, ...]

    @property
    def precision(self) -> float:
        return self.true_detections / self.n_detections if self.n_detections else float("nan")

    @property
    def recall(self) -> float:
        return self.matched_logged / self.n_logged if self.n_logged else float("nan")

    def as_dict(self) -> dict:
        err = np.abs(self.timing_errors_h)
        return {
            "detections": self.n_detections,
            "logged": self.n_logged,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "median_abs_timing_error_h": round(float(np.median(err)), 2) if len(err) else None,
            "p90_abs_timing_error_h": round(float(np.percentile(err, 90)), 2) if len(err) else None,
        }


def score_detections(detected_us, logged_us, *, tolerance_us: int = 12 * 3600 * US_PER_S) -> Score:
    """Score detection times against logged start times (both UTC µs)."""
    d = np.sort(np.asarray(detected_us, dtype=np.int64))
    g = np.sort(np.asarray(logged_us, dtype=np.int64))
    if len(d) == 0 or len(g) == 0:
        return Score(len(d), len(g), 0, 0, ())
    true_det = int(np.sum(np.abs(_nearest(d, g) - d) <= tolerance_us))
    nearest = _nearest(g, d)
    hit = np.abs(nearest - g) <= tolerance_us
    errors = tuple(float(x) / 3.6e9 for x in (nearest[hit] - g[hit]))
    return Score(len(d), len(g), true_det, int(hit.sum()), errors)


def _nearest(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """For each of ``x``, the nearest element of sorted ``ref``."""
    if len(ref) == 1:
        return np.full(len(x), ref[0])
    i = np.clip(np.searchsorted(ref, x), 1, len(ref) - 1)
    left, right = ref[i - 1], ref[i]
    return np.where(np.abs(x - left) <= np.abs(right - x), left, right)
