"""Owner alerts: a conjunction of an asset that meets the thresholds its owner set.

An owner (a partner) registers an asset by catalog number with any of three
thresholds (:class:`AssetThreshold`): a minimum probability of collision
``min_pc``, a maximum miss distance ``max_miss_km`` (km) and a maximum time to TCA
``max_hours_to_tca`` (hours). :func:`evaluate` raises an :class:`Alert` when the asset
is either object of a conjunction, the TCA is not in the past, and *every* threshold
the owner set is met (a Pc threshold is not met by a conjunction without a Pc). An
owner who set none of them is alerted on every future conjunction of the asset.

Alert level (:func:`alert_level`), NASA CARA's operational colour scheme, whose
thresholds are the common operational values (NASA Spacecraft Conjunction Assessment
and Collision Avoidance Best Practices Handbook, NASA/SP-20230002470, 2023, where
Pc = 1e-4 is the usual remediation threshold):

* ``RED``: Pc ≥ 1e-4;
* ``YELLOW``: 1e-7 ≤ Pc < 1e-4, or no Pc known and the owner's miss-distance
  threshold met (the close approach is all that is known);
* ``GREEN``: anything else the owner asked to hear about.

The marking of an alert is the conjunction's, passed through :func:`derive_marking`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from sda.catalog.records import DEFAULT_MARKING, Conjunction
from sda.core.times import format_utc, now_us as _now_us
from sda.policy.markings import Marking

if TYPE_CHECKING:
    from sda.catalog.store import Store, StoredConjunction

__all__ = [
    "RED_PC",
    "YELLOW_PC",
    "AssetThreshold",
    "Alert",
    "alert_level",
    "derive_marking",
    "evaluate",
    "raise_alerts",
]

#: Pc at or above which an alert is RED (NASA CARA's remediation threshold).
RED_PC = 1e-4
#: Pc at or above which an alert is at least YELLOW (NASA CARA's yellow threshold).
YELLOW_PC = 1e-7

_US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True, slots=True)
class AssetThreshold:
    """What an owner wants to be alerted about for one asset (``None``: not set).

    ``max_miss_km`` km, ``min_pc`` dimensionless, ``max_hours_to_tca`` hours;
    ``updated_at_us`` when the owner last set them (UTC µs).
    """

    norad_id: int
    owner: str
    max_miss_km: float | None = None
    min_pc: float | None = None
    max_hours_to_tca: float | None = None
    updated_at_us: int | None = None

    def as_dict(self) -> dict:
        return {
            "norad_id": self.norad_id,
            "owner": self.owner,
            "max_miss_km": self.max_miss_km,
            "min_pc": self.min_pc,
            "max_hours_to_tca": self.max_hours_to_tca,
            "updated_at": format_utc(self.updated_at_us),
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert for ``owner``'s asset ``norad_id`` raised by conjunction ``conjunction_id``.

    ``thresholds_met`` names the owner's thresholds the conjunction met (``min_pc``,
    ``max_miss_km``, ``max_hours_to_tca``); ``level`` is RED, YELLOW or GREEN (see the
    module docstring); ``marking`` is JSON text; ``id`` is set once stored.
    """

    conjunction_id: int | None
    norad_id: int
    owner: str
    thresholds_met: tuple[str, ...]
    level: str
    created_at_us: int
    message: str
    marking: str = DEFAULT_MARKING
    data_mode: str = "REAL"
    id: int | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "conjunction_id": self.conjunction_id,
            "norad_id": self.norad_id,
            "owner": self.owner,
            "thresholds_met": list(self.thresholds_met),
            "level": self.level,
            "created_at": format_utc(self.created_at_us),
            "message": self.message,
            "data_mode": self.data_mode,
            "marking": json.loads(self.marking),
        }


def alert_level(pc: float | None, miss_threshold_met: bool) -> str:
    """RED, YELLOW or GREEN for a conjunction's Pc (see the module docstring)."""
    if pc is not None and pc >= RED_PC:
        return "RED"
    if (pc is not None and pc >= YELLOW_PC) or (pc is None and miss_threshold_met):
        return "YELLOW"
    return "GREEN"


def derive_marking(*markings: str) -> str:
    """The strictest of several releasability markings (JSON text), as JSON text:
    :meth:`sda.policy.markings.Marking.strictest` (the intersection of their audiences).

    ``derive_marking('{"releasable_to":["ALL"]}', '{"releasable_to":["A","B"]}')`` is
    ``'{"releasable_to":["A","B"]}'``; disjoint sets give ``[]`` (releasable to no one).
    Raises ``ValueError`` without markings or with an invalid one.
    """
    return Marking.strictest(*markings).to_json()


def evaluate(
    conjunction: Conjunction,
    thresholds: Iterable[AssetThreshold],
    now_us: int,
    *,
    conjunction_id: int | None = None,
    marking: str = DEFAULT_MARKING,
    data_mode: str = "REAL",
) -> list[Alert]:
    """Alerts a conjunction raises against owners' thresholds at time ``now_us`` (UTC µs).

    Pure: no storage. ``conjunction_id``, ``marking`` and ``data_mode`` are copied into
    the alerts (the stored conjunction's, when there is one).
    """
    c = conjunction
    if c.tca_us < now_us:
        return []
    hours_to_tca = (c.tca_us - now_us) / _US_PER_HOUR
    out = []
    for t in thresholds:
        if t.norad_id not in (c.norad_id_1, c.norad_id_2):
            continue
        checks = {
            "min_pc": None if t.min_pc is None else (c.pc is not None and c.pc >= t.min_pc),
            "max_miss_km": None if t.max_miss_km is None else c.miss_distance_km <= t.max_miss_km,
            "max_hours_to_tca": None if t.max_hours_to_tca is None else hours_to_tca <= t.max_hours_to_tca,
        }
        if any(ok is False for ok in checks.values()):
            continue
        met = tuple(name for name, ok in checks.items() if ok)
        level = alert_level(c.pc, "max_miss_km" in met)
        other = c.norad_id_2 if t.norad_id == c.norad_id_1 else c.norad_id_1
        pc_text = "unknown" if c.pc is None else f"{c.pc:.3g}" + (f" ({c.pc_method})" if c.pc_method else "")
        message = (f"{level}: {t.norad_id} conjunction with {other} at {format_utc(c.tca_us, digits=3)} "
                   f"(in {hours_to_tca:.1f} h), miss {c.miss_distance_km * 1000:.0f} m, Pc {pc_text}; "
                   f"thresholds met: {', '.join(met) if met else 'none set'}")
        out.append(Alert(conjunction_id, t.norad_id, t.owner, met, level, now_us, message,
                         derive_marking(marking), data_mode))
    return out


def raise_alerts(store: "Store", stored: Sequence["StoredConjunction"], now_us: int | None = None) -> list[Alert]:
    """Evaluate stored conjunctions against every owner's thresholds and store the new alerts.

    Returns the alerts written (an alert already stored for the same conjunction, asset
    and owner is not written again).
    """
    if not stored:
        return []
    now = _now_us() if now_us is None else now_us
    wanted = {n for sc in stored for n in (sc.conjunction.norad_id_1, sc.conjunction.norad_id_2)}
    thresholds = [t for t in store.asset_thresholds() if t.norad_id in wanted]
    alerts = [a for sc in stored for a in evaluate(sc.conjunction, thresholds, now, conjunction_id=sc.id,
                                                   marking=sc.marking, data_mode=sc.data_mode)]
    return store.write_alerts(alerts)
