"""Indications and warnings: what an analysis detected, when, how sure, on what evidence.

A :class:`Warning` is the one record every detector of SDA emits (maneuvers,
proximity operations, breakups, overflights, re-entries). It names the object it is
about, the time of the event (UTC µs), an optional window around it, a confidence in
``[0, 1]``, a one-line ``summary`` an analyst reads first and ``evidence``: a JSON
object with whatever supports the detection (element-set ids and epochs, residuals,
estimated sizes with units in their names, paths of plots). Its ``marking`` is the
strictest combination of the markings of its inputs (:func:`warning_marking`).

Warnings are stored by :meth:`sda.catalog.store.Store.write_warnings`, idempotently:
the same detection (same kind, object, time and evidence) is stored once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Sequence

from sda.catalog.records import DEFAULT_MARKING
from sda.core.times import format_utc
from sda.policy.markings import Marking

__all__ = ["WARNING_KINDS", "Warning", "warning_marking"]

#: The kinds of warning SDA raises.
WARNING_KINDS = ("MANEUVER", "PROXIMITY", "BREAKUP", "OVERFLIGHT", "REENTRY")


@dataclass(frozen=True, slots=True)
class Warning:  # noqa: A001 - the domain's own word; never imported with ``*``
    """One detection.

    ``kind`` one of :data:`WARNING_KINDS`; ``norad_id`` the object it is about
    (``None`` when unknown, e.g. a breakup's parent not yet identified);
    ``related_ids`` other objects involved (the approaching object, fragments);
    ``time_us`` the event's best-estimate time (UTC µs); ``window_start_us`` /
    ``window_stop_us`` its uncertainty or extent (UTC µs, either may be ``None``);
    ``confidence`` in ``[0, 1]``; ``evidence`` a JSON-serialisable dict;
    ``marking`` JSON text; ``id`` set once stored.
    """

    kind: str
    norad_id: int | None
    time_us: int
    confidence: float
    summary: str
    evidence: dict = field(default_factory=dict)
    related_ids: tuple[int, ...] = ()
    window_start_us: int | None = None
    window_stop_us: int | None = None
    marking: str = DEFAULT_MARKING
    data_mode: str = "REAL"
    created_at_us: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in WARNING_KINDS:
            raise ValueError(f"warning kind must be one of {', '.join(WARNING_KINDS)}, not {self.kind!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"warning confidence must be within [0, 1], not {self.confidence!r}")

    @property
    def content_hash(self) -> str:
        """SHA-256 of what identifies the detection: kind, objects, times, evidence, mode.

        The evidence's ``plot`` entry (the file a user had the detection drawn to) is left
        out: drawing the same detection again is not a new detection."""
        evidence = {k: v for k, v in self.evidence.items() if k != "plot"}
        key = json.dumps([self.kind, self.norad_id, sorted(self.related_ids), self.time_us, self.window_start_us,
                          self.window_stop_us, evidence, self.data_mode], sort_keys=True, default=str)
        return hashlib.sha256(key.encode()).hexdigest()

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "norad_id": self.norad_id,
            "related_ids": list(self.related_ids),
            "time": format_utc(self.time_us),
            "window_start": None if self.window_start_us is None else format_utc(self.window_start_us),
            "window_stop": None if self.window_stop_us is None else format_utc(self.window_stop_us),
            "confidence": self.confidence,
            "summary": self.summary,
            "evidence": self.evidence,
            "created_at": None if self.created_at_us is None else format_utc(self.created_at_us),
            "data_mode": self.data_mode,
            "marking": json.loads(self.marking),
        }


def warning_marking(input_markings: Sequence[str]) -> str:
    """The marking of a warning derived from records with ``input_markings`` (JSON texts):
    the strictest combination (:meth:`Marking.strictest`); the default marking when there are no inputs."""
    return Marking.strictest(*input_markings).to_json() if input_markings else DEFAULT_MARKING
