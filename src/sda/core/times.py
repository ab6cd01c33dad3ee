"""Time representations and every conversion between them.

SDA keeps one time representation per layer:

* storage and arrays: UTC as integer **microseconds since 1970-01-01T00:00:00Z**
  (POSIX, no leap seconds), the same count as ``numpy.datetime64[us]``;
* text boundaries (CLI ``--json``, REST): ISO-8601 with a trailing ``Z``;
* SGP4: split Julian dates ``(jd, fr)`` in UTC, as ``sgp4.api.jday`` gives them.

Every conversion is integer arithmetic where the input is exact, so an epoch
survives a round trip through any format without drifting by a microsecond.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import numpy as np

__all__ = [
    "US_PER_S",
    "US_PER_DAY",
    "UNIX_EPOCH_JD",
    "days_from_civil",
    "us_from_ymd_hms",
    "tle_epoch_us",
    "parse_utc_us",
    "format_utc",
    "us_to_datetime",
    "datetime_to_us",
    "us_to_datetime64",
    "us_to_jd_fr",
    "now_us",
    "parse_duration_s",
]

US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
UNIX_EPOCH_JD = 2440587.5  # Julian date of 1970-01-01T00:00:00 UTC

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Calendar form YYYY-MM-DDThh:mm:ss[.f...] or day-of-year form YYYY-DDDThh:mm:ss[.f...],
# optional trailing Z (CCSDS files carry their time system separately).
_ISO = re.compile(
    r"(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]00:?00)?",
    re.ASCII,
)


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def us_from_ymd_hms(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> int:
    """Microseconds since the Unix epoch of a UTC calendar date and time."""
    return (((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s) * US_PER_S + us


def _fraction_us(digits: str) -> int:
    """Microseconds of a decimal fraction of a second; beyond 1 µs rounds half up."""
    if len(digits) <= 6:
        return int(digits.ljust(6, "0"))
    whole = int(digits[:6])
    return whole + (1 if digits[6] >= "5" else 0)


def tle_epoch_us(year2: int, day_text: str) -> int:
    """Exact epoch of a TLE from its two-digit year and ``DDD.DDDDDDDD`` day field.

    Years 57-99 are 1957-1999 and 00-56 are 2000-2056 (the NORAD pivot). Day 1.0 is
    January 1, 00:00 UTC. With eight decimals the fraction is a whole number of
    864 µs steps, so the result is exact.
    """
    year = year2 + (1900 if year2 >= 57 else 2000)
    day_text = day_text.strip()
    whole, _, frac = day_text.partition(".")
    frac = (frac + "00000000")[:8] if len(frac) <= 8 else frac
    if len(frac) == 8:
        frac_us = int(frac) * 864  # 1e-8 day = 864 µs exactly
    else:  # more than 8 decimals: round to the microsecond
        frac_us = round(int(frac) * US_PER_DAY / 10 ** len(frac))
    return (days_from_civil(year, 1, 1) + int(whole) - 1) * US_PER_DAY + frac_us


def parse_utc_us(text: str, *, require_zone: bool = False) -> int:
    """Parse an ISO-8601 / CCSDS UTC time into microseconds since the Unix epoch.

    Accepts ``YYYY-MM-DDThh:mm:ss[.fff...]`` and the day-of-year form
    ``YYYY-DDDThh:mm:ss``, with an optional ``Z`` (or ``+00:00``). With
    ``require_zone`` a time without ``Z`` is rejected (REST boundary rule).
    Fractions finer than a microsecond are rounded. Raises ``ValueError`` with the
    expected form on anything else.
    """
    m = _ISO.fullmatch(text.strip())
    if not m:
        raise ValueError(f"expected an ISO-8601 UTC time such as 2022-01-22T13:23:06.215904Z, found {text!r}")
    y, mo, d, doy, hh, mi, ss, frac, zone = m.groups()
    if require_zone and not zone:
        raise ValueError(f"expected a UTC time ending in Z, found {text!r}")
    y = int(y)
    h = int(hh or 0)
    mn = int(mi or 0)
    s = int(ss or 0)
    if h > 23 or mn > 59 or s > 60:
        raise ValueError(f"time of day out of range in {text!r}")
    if doy is not None:
        n = int(doy)
        if not 1 <= n <= (366 if _is_leap(y) else 365):
            raise ValueError(f"day of year out of range in {text!r}")
        days = days_from_civil(y, 1, 1) + n - 1
    else:
        mo_i, d_i = int(mo), int(d)
        if not 1 <= mo_i <= 12:
            raise ValueError(f"month out of range in {text!r}")
        mdays = (31, 29 if _is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[mo_i - 1]
        if not 1 <= d_i <= mdays:
            raise ValueError(f"day of month out of range in {text!r}")
        days = days_from_civil(y, mo_i, d_i)
    us = _fraction_us(frac) if frac else 0
    return ((days * 24 + h) * 60 + mn) * 60 * US_PER_S + s * US_PER_S + us


def us_to_datetime(us: int) -> datetime:
    """Timezone-aware UTC ``datetime`` of a microsecond count."""
    return _EPOCH + timedelta(microseconds=int(us))


def datetime_to_us(dt: datetime) -> int:
    """Microseconds since the Unix epoch of an aware ``datetime``; naive ones are refused."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: give a timezone (UTC)")
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def format_utc(us: int | None, *, digits: int = 6) -> str | None:
    """ISO-8601 text with ``Z`` of a microsecond count (``None`` passes through)."""
    if us is None:
        return None
    dt = us_to_datetime(us)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{dt.microsecond:06d}"[:digits]
    return text + "Z"


def us_to_datetime64(us) -> np.ndarray:
    """``numpy.datetime64[us]`` array of microsecond counts (any shape)."""
    return np.asarray(us, dtype=np.int64).view("datetime64[us]")


def us_to_jd_fr(us) -> tuple[np.ndarray, np.ndarray]:
    """Split UTC Julian date ``(jd, fr)`` of microsecond counts, as SGP4 takes it.

    ``jd`` is the Julian date of the preceding midnight (ends in .5) and ``fr`` the
    fraction of the day, so no precision is lost to one large float.
    """
    us = np.asarray(us, dtype=np.int64)
    days, rem = np.divmod(us, US_PER_DAY)
    return UNIX_EPOCH_JD + days.astype(np.float64), rem / US_PER_DAY


def now_us() -> int:
    """Current UTC time in microseconds since the Unix epoch."""
    return time.time_ns() // 1000


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", re.ASCII)
_UNIT_S = {None: 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration_s(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``15m``, ``24h`` or ``7d`` (bare numbers are seconds)."""
    m = _DURATION.fullmatch(text)
    if not m:
        raise ValueError(f"expected a duration such as 24h, 7d or 90s, found {text!r}")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


# ---- time scales -------------------------------------------------------------
# CCSDS messages may give epochs in TAI, TT or GPS time. The leap-second table is the
# one skyfield ships (``load.timescale(builtin=True)``; no download). TT = TAI + 32.184 s
# and GPS = TAI - 19 s exactly. Before 1972-01-01 UTC did not differ from TAI by whole
# seconds, so no conversion is offered there.

__all__ += ["TIME_SCALES", "tai_minus_utc_us", "scale_to_utc_us", "utc_to_scale_us"]

TIME_SCALES = ("UTC", "TAI", "TT", "GPS", "MRT")
# MRT (mission relative time) written as calendar dates is read on the UTC scale, as
# Orekit reads such dates; the record keeps its TIME_SYSTEM so the choice stays visible.
_AS_UTC = ("UTC", "MRT")
_SCALE_MINUS_TAI_US = {"TAI": 0, "TT": 32_184_000, "GPS": -19_000_000}
_UTC_1972_US = 63_072_000 * US_PER_S  # 1972-01-01T00:00:00Z, when TAI - UTC became 10 s
_leap_table: tuple[np.ndarray, np.ndarray] | None = None


def _leaps() -> tuple[np.ndarray, np.ndarray]:
    """``(utc_us, tai_minus_utc_us)``: each UTC instant from which TAI - UTC takes the value."""
    global _leap_table
    if _leap_table is None:
        from skyfield.api import load

        ts = load.timescale(builtin=True)
        dates = np.rint((np.asarray(ts.leap_dates) - UNIX_EPOCH_JD) * 86_400).astype(np.int64) * US_PER_S
        offsets = np.rint(np.asarray(ts.leap_offsets)).astype(np.int64) * US_PER_S
        keep = dates >= _UTC_1972_US
        _leap_table = (
            np.concatenate(([_UTC_1972_US], dates[keep])),
            np.concatenate(([10 * US_PER_S], offsets[keep])),
        )
    return _leap_table


def _scale_name(scale: str) -> str:
    name = scale.strip().upper()
    if name not in TIME_SCALES:
        raise ValueError(f"time system {scale!r} not supported: expected one of {', '.join(TIME_SCALES)}")
    return name


def tai_minus_utc_us(utc_us) -> np.ndarray:
    """TAI - UTC in microseconds at UTC instants (µs since 1970, any shape); 1972 onward only."""
    utc = np.asarray(utc_us, dtype=np.int64)
    if np.any(utc < _UTC_1972_US):
        raise ValueError("TAI - UTC is a whole number of seconds only from 1972-01-01: expected a later time")
    dates, offsets = _leaps()
    return offsets[np.searchsorted(dates, utc, side="right") - 1]


def scale_to_utc_us(us, scale: str):
    """UTC µs of times counted in ``scale`` (``UTC``, ``TAI``, ``TT``, ``GPS``; ``MRT`` calendar dates as UTC).

    ``us`` is the time read in that scale as if it were UTC (calendar fields to µs since
    1970, as :func:`parse_utc_us` gives); an int gives an int, an array an int64 array.
    An instant inside an inserted leap second (UTC ``23:59:60.f``) maps to ``00:00:00.f``
    of the next day, as :func:`parse_utc_us` maps that text. Raises ``ValueError`` on any other scale
    and before 1972.
    """
    name = _scale_name(scale)
    scalar = np.ndim(us) == 0
    t = np.asarray(us, dtype=np.int64)
    if name not in _AS_UTC:
        tai = t - _SCALE_MINUS_TAI_US[name]
        dates, offsets = _leaps()
        if np.any(tai < _UTC_1972_US + offsets[0]):
            raise ValueError("TAI - UTC is a whole number of seconds only from 1972-01-01: expected a later time")
        # offsets[i] applies from TAI instant dates[i] + offsets[i]; inside a leap second
        # (TAI in [dates[i] + offsets[i-1], dates[i] + offsets[i])) the earlier offset applies.
        i = np.searchsorted(dates + offsets, tai, side="right") - 1
        t = tai - offsets[i]
    return int(t) if scalar else t


def utc_to_scale_us(us, scale: str):
    """Inverse of :func:`scale_to_utc_us`: UTC µs to the same instants counted in ``scale``."""
    name = _scale_name(scale)
    scalar = np.ndim(us) == 0
    t = np.asarray(us, dtype=np.int64)
    if name not in _AS_UTC:
        t = t + tai_minus_utc_us(t) + _SCALE_MINUS_TAI_US[name]
    return int(t) if scalar else t
