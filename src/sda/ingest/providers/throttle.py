"""Request pacing for data providers: sliding-window rate limits and per-class intervals.

Two published rules are enforced here, both with an injectable clock (monotonic
seconds) and sleep function so the pacing can be tested without waiting:

* :class:`RateLimiter` keeps every request under a set of sliding-window limits.
  Space-Track's API usage guidance asks for *less than* 30 requests per minute and
  300 requests per hour, counted across all query classes (its "API use guidelines"
  and the throttle error text it answers with), hence :data:`SPACETRACK_LIMITS`.
* :class:`ClassPacer` keeps a minimum interval between two queries of the same
  class, for the bulk queries Space-Track asks users to repeat rarely; the values
  and their source are in :data:`SPACETRACK_MIN_INTERVALS_S`.

Both either sleep until the request is allowed (the default) or, when told not to
wait, raise :class:`sda.errors.RateLimitError` carrying ``retry_after_s``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from sda.errors import RateLimitError

__all__ = [
    "SPACETRACK_LIMITS",
    "SPACETRACK_MIN_INTERVALS_S",
    "RateLimiter",
    "ClassPacer",
]

#: Space-Track's global limits as ``(count, window_s)``: strictly fewer than ``count``
#: requests in any window of ``window_s`` seconds ("less than 30 requests per minute /
#: 300 requests per hour", Space-Track API documentation, "API Use Guidelines").
SPACETRACK_LIMITS: tuple[tuple[int, float], ...] = ((30, 60.0), (300, 3600.0))

#: Minimum seconds between two queries of one class, from Space-Track's
#: "Recommended API Queries" guidance:
#:
#: * ``gp_full`` — the whole current ``gp`` catalog (a ``gp`` query not restricted to
#:   named objects): at most once an hour.
#: * ``gp_history`` — per object: the history of one object at most once a day
#:   (Space-Track treats full-history pulls as once-per-lifetime and asks for
#:   incremental, sparing use of ``gp_history``; a day is the project's choice).
#: * ``satcat_full`` — the whole satellite catalog: at most once a day (Space-Track
#:   updates it daily and asks for one download per day).
SPACETRACK_MIN_INTERVALS_S: Mapping[str, float] = {
    "gp_full": 3600.0,
    "gp_history": 86_400.0,
    "satcat_full": 86_400.0,
}


class RateLimiter:
    """Sliding-window limiter: strictly fewer than ``n`` requests in any ``window_s``.

    ``limits`` is a sequence of ``(n, window_s)`` pairs, e.g. ``[(30, 60.0),
    (300, 3600.0)]``. A window is half-open, ``(t - window_s, t]``: a request made
    exactly ``window_s`` seconds after another no longer shares its window.
    ``clock`` returns monotonic seconds; ``sleep`` waits a number of seconds. With
    ``wait=False`` a request that would break a limit raises
    :class:`~sda.errors.RateLimitError` instead of sleeping.
    """

    def __init__(
        self,
        limits: Sequence[tuple[int, float]] = SPACETRACK_LIMITS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wait: bool = True,
        name: str = "provider",
    ):
        if not limits:
            raise ValueError("expected at least one (count, window_s) limit")
        for n, window_s in limits:
            if n < 2 or window_s <= 0:
                raise ValueError(f"expected count >= 2 and window_s > 0, found ({n}, {window_s})")
        self.limits = tuple((int(n), float(w)) for n, w in limits)
        self.clock = clock
        self.sleep = sleep
        self.wait = wait
        self.name = name
        self._times: deque[float] = deque()
        self._horizon_s = max(w for _, w in self.limits)

    def delay_s(self, now: float | None = None) -> float:
        """Seconds to wait from ``now`` before one more request keeps every limit."""
        now = self.clock() if now is None else now
        while self._times and self._times[0] + self._horizon_s <= now:
            self._times.popleft()
        delay = 0.0
        for n, window_s in self.limits:
            in_window = [t for t in self._times if t + window_s > now]
            excess = len(in_window) - (n - 2)  # after this request at most n - 1 remain
            if excess > 0:
                # the excess-th oldest request must leave the window first
                delay = max(delay, in_window[excess - 1] + window_s - now)
        return delay

    def acquire(self, *, wait: bool | None = None) -> float:
        """Record one request, sleeping first if a limit needs it; returns its clock time.

        Raises :class:`~sda.errors.RateLimitError` (with ``retry_after_s``) when the
        request is not allowed now and waiting is off.
        """
        wait = self.wait if wait is None else wait
        while True:
            now = self.clock()
            delay = self.delay_s(now)
            if delay <= 0:
                self._times.append(now)
                return now
            if not wait:
                raise RateLimitError(
                    f"{self.name}: one more request now would break the limit of "
                    + ", ".join(f"fewer than {n} per {w:g} s" for n, w in self.limits)
                    + f"; retry in {delay:.1f} s",
                    retry_after_s=delay,
                )
            self.sleep(delay)


class ClassPacer:
    """Minimum interval between two queries of one class (and optional key).

    ``min_interval_s`` maps a query class to seconds; classes not listed are not
    paced. A key (for example a NORAD id) paces each object separately within its
    class. ``clock`` returns monotonic seconds; ``sleep`` waits; with ``wait=False``
    a query too soon raises :class:`~sda.errors.RateLimitError`.
    """

    def __init__(
        self,
        min_interval_s: Mapping[str, float] = SPACETRACK_MIN_INTERVALS_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wait: bool = True,
        name: str = "provider",
    ):
        self.min_interval_s = dict(min_interval_s)
        self.clock = clock
        self.sleep = sleep
        self.wait = wait
        self.name = name
        self._last: dict[tuple[str, str], float] = {}

    def delay_s(self, query_class: str, key: str = "", now: float | None = None) -> float:
        """Seconds to wait from ``now`` before a query of this class and key is allowed."""
        interval = self.min_interval_s.get(query_class)
        last = self._last.get((query_class, key))
        if interval is None or last is None:
            return 0.0
        now = self.clock() if now is None else now
        return max(0.0, last + interval - now)

    def acquire(self, query_class: str, key: str = "", *, wait: bool | None = None) -> float:
        """Record a query of ``query_class``/``key``, waiting first if it comes too soon.

        Returns the clock time recorded. Raises :class:`~sda.errors.RateLimitError`
        when the query is too soon and waiting is off.
        """
        wait = self.wait if wait is None else wait
        while True:
            now = self.clock()
            delay = self.delay_s(query_class, key, now)
            if delay <= 0:
                if query_class in self.min_interval_s:
                    self._last[(query_class, key)] = now
                return now
            if not wait:
                what = query_class + (f" {key}" if key else "")
                raise RateLimitError(
                    f"{self.name}: {what} may be queried once every "
                    f"{self.min_interval_s[query_class]:g} s; retry in {delay:.0f} s",
                    retry_after_s=delay,
                )
            self.sleep(delay)
