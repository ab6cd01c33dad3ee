"""Recall and precision of a screening against a reference list of conjunctions.

The acceptance rule for screening: an event counts as found when the found list has an
event of the same unordered pair whose TCA is within ``tca_tol_s`` (60 s) of the
reference's; events whose true miss distance is within ``edge_m`` (1 m) of the
threshold count neither way (a metre of SGP4 round-off or refinement tolerance must not
decide them); and no reported event may truly lie farther than the threshold plus
``edge_m``.

"Truly" means re-checked with ``sgp4``: :func:`recheck` finds, for each event, the
range minimum nearest its reported TCA (range rate sampled every second over
``± search_s``, then ``brentq`` to 1 µs) and recomputes the miss there. A reported
event with no range minimum within the TCA tolerance of its TCA is false, unless the
range stays within the threshold + edge there: two docked vehicles sharing one element
set are at a constant range with no minimum at all, and count neither way (a
reference event without a minimum is left out of the reference).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sda.analyses.screening.bruteforce import closest_approach, conjunction_at
from sda.catalog.records import Conjunction, ElementSet
from sda.core.times import US_PER_S, us_to_jd_fr
from sda.propagation.sgp4 import satrec_of

__all__ = ["RecallReport", "recheck", "union_events", "match_events"]


@dataclass(frozen=True)
class RecallReport:
    """Outcome of :func:`match_events`.

    ``recall``: matched / counted reference events (1.0 when there are none);
    ``precision``: 1 − false / counted found events (1.0 when there are none).
    Counted reference events have a true miss at most threshold − edge; counted found
    events are those whose true miss is not within edge of the threshold. ``matched``
    holds ``(found, reference)`` pairs; ``missed`` the counted reference events with no
    match; ``false`` the found events truly farther than threshold + edge (or with no
    range minimum near their TCA); ``extra`` the found events truly within threshold −
    edge that the reference lacks. ``n_edge_reference`` / ``n_edge_found``: events left
    out for lying within edge of the threshold. ``n_no_minimum_reference``: reference
    events dropped because the re-check finds no range minimum within the TCA tolerance
    of their TCA; ``n_no_minimum_found``: found events with no range minimum there but
    whose range stays within threshold + edge (docked vehicles sharing one element set
    are at a constant range), counted neither way. ``worst_tca_diff_s`` (s) and
    ``worst_miss_diff_m`` (m): largest differences of reported TCA and miss between
    matched events (found as reported, reference as re-checked).
    """

    recall: float
    precision: float
    n_reference: int
    n_found: int
    matched: list[tuple[Conjunction, Conjunction]] = field(repr=False)
    missed: list[Conjunction] = field(repr=False)
    false: list[Conjunction] = field(repr=False)
    extra: list[Conjunction] = field(repr=False)
    n_edge_reference: int
    n_edge_found: int
    n_no_minimum_reference: int
    n_no_minimum_found: int
    worst_tca_diff_s: float
    worst_miss_diff_m: float

    def summary(self) -> str:
        """One line with the counts and worst differences."""
        return (f"recall {self.recall:.6f} ({len(self.matched)}/{self.n_reference} matched, "
                f"{len(self.missed)} missed), precision {self.precision:.6f} ({len(self.false)} false of "
                f"{self.n_found}), {len(self.extra)} extra, "
                f"{self.n_edge_reference}+{self.n_edge_found} within edge, "
                f"{self.n_no_minimum_reference}+{self.n_no_minimum_found} without a range minimum, "
                f"worst TCA diff {self.worst_tca_diff_s:.4f} s, worst miss diff {self.worst_miss_diff_m:.4f} m")


def _pair(c: Conjunction) -> tuple[int, int]:
    return (c.norad_id_1, c.norad_id_2) if c.norad_id_1 <= c.norad_id_2 else (c.norad_id_2, c.norad_id_1)


def _sats(sets: Sequence[ElementSet]):
    by_id = {es.norad_id: es for es in sets}
    cache: dict[int, object] = {}

    def sat(norad_id: int):
        if norad_id not in cache:
            cache[norad_id] = satrec_of(by_id[norad_id])
        return cache[norad_id]

    return by_id, sat


def _recheck_one(c: Conjunction, by_id, sat, search_s: float) -> tuple[Conjunction | None, float]:
    """(the event at its true TCA or ``None``, smallest range (km) sampled each second
    over ``± search_s``; NaN where SGP4 fails throughout)."""
    s1, s2 = sat(c.norad_id_1), sat(c.norad_id_2)
    offsets_s = np.arange(-math.floor(search_s), math.floor(search_s) + 1, dtype=np.float64)
    jd, fr = us_to_jd_fr(c.tca_us + np.round(offsets_s * US_PER_S).astype(np.int64))
    e1, r1, v1 = s1.sgp4_array(jd, fr)
    e2, r2, v2 = s2.sgp4_array(jd, fr)
    bad = (e1 != 0) | (e2 != 0)
    f = np.einsum("ij,ij->i", r2 - r1, v2 - v1)
    f[bad] = np.nan
    rng = np.linalg.norm(r2 - r1, axis=1)
    smallest = float(np.min(rng[~bad])) if (~bad).any() else math.nan
    turns = np.flatnonzero((f[:-1] < 0.0) & (f[1:] >= 0.0))
    for k in turns[np.argsort(np.abs(offsets_s[turns] + 0.5))]:
        tca_us = closest_approach(s1, s2, c.tca_us, float(offsets_s[k]), float(offsets_s[k + 1]))
        if tca_us is not None:
            return conjunction_at(by_id[c.norad_id_1], by_id[c.norad_id_2], s1, s2, tca_us,
                                  c.screening_threshold_km), smallest
    return None, smallest


def recheck(
    events: Sequence[Conjunction], sets: Sequence[ElementSet], *, search_s: float = 60.0
) -> list[Conjunction | None]:
    """Each event re-computed with ``sgp4`` at its true TCA: the range minimum nearest
    the reported TCA within ``± search_s`` (s). ``None`` for an event with no range
    minimum there: a TCA reported more than ``search_s`` off, objects SGP4 cannot
    propagate there, or two objects whose range does not change (docked vehicles
    sharing one element set). ``sets`` must hold the element sets of every object
    named in ``events`` (by catalog number); the returned conjunctions keep each
    event's object order."""
    by_id, sat = _sats(sets)
    return [_recheck_one(c, by_id, sat, search_s)[0] for c in events]


def union_events(*lists: Sequence[Conjunction], tca_tol_s: float = 60.0) -> list[Conjunction]:
    """Events of several lists without duplicates: an event is dropped when one of the
    same unordered pair with TCA within ``tca_tol_s`` (s) came in an earlier list."""
    kept: dict[tuple[int, int], list[Conjunction]] = defaultdict(list)
    out = []
    for events in lists:
        fresh = []
        for c in events:
            if all(abs(c.tca_us - k.tca_us) > tca_tol_s * US_PER_S for k in kept[_pair(c)]):
                fresh.append(c)
        for c in fresh:
            kept[_pair(c)].append(c)
        out.extend(fresh)
    return out


def _match(found: Sequence[Conjunction], reference: Sequence[Conjunction], tol_us: float) -> list[tuple[int, int]]:
    """One-to-one ``(found index, reference index)`` matches: same pair, TCA within
    ``tol_us``, closest first."""
    by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
    for n, c in enumerate(reference):
        by_pair[_pair(c)].append(n)
    options = []
    for m, c in enumerate(found):
        for n in by_pair.get(_pair(c), ()):
            dt = abs(c.tca_us - reference[n].tca_us)
            if dt <= tol_us:
                options.append((dt, m, n))
    options.sort()
    used_f, used_r, pairs = set(), set(), []
    for _, m, n in options:
        if m not in used_f and n not in used_r:
            used_f.add(m)
            used_r.add(n)
            pairs.append((m, n))
    return pairs


def match_events(
    found: Sequence[Conjunction],
    reference: Sequence[Conjunction],
    *,
    tca_tol_s: float = 60.0,
    threshold_km: float,
    edge_m: float = 1.0,
    sets: Sequence[ElementSet] | None = None,
) -> RecallReport:
    """Compare ``found`` against ``reference`` by the acceptance rule (module docstring).

    With ``sets`` (the element sets screened) every event of both lists is re-checked
    with :func:`recheck` first; without, each event's own ``miss_distance_km`` is taken
    as its true miss (for lists already re-checked, such as the brute-force reference).
    ``tca_tol_s`` (s), ``threshold_km`` (km), ``edge_m`` (m).
    """
    edge_km = edge_m / 1000.0
    n_no_min_ref = n_no_min_found = 0
    if sets is not None:
        by_id, sat = _sats(sets)
        checked_ref = [_recheck_one(c, by_id, sat, tca_tol_s)[0] for c in reference]
        n_no_min_ref = sum(c is None for c in checked_ref)
        reference = [c for c in checked_ref if c is not None]
        true_miss = []
        for c in found:
            true_event, smallest_km = _recheck_one(c, by_id, sat, tca_tol_s)
            if true_event is not None:
                true_miss.append(true_event.miss_distance_km)
            elif smallest_km <= threshold_km + edge_km:  # no minimum, yet within the threshold: neither way
                n_no_min_found += 1
                true_miss.append(math.nan)
            else:
                true_miss.append(math.inf)
    else:
        true_miss = [c.miss_distance_km for c in found]
    counted_ref = [c.miss_distance_km <= threshold_km - edge_km for c in reference]
    n_edge_ref = sum(abs(c.miss_distance_km - threshold_km) <= edge_km for c in reference)

    pairs = _match(found, reference, tca_tol_s * US_PER_S)
    matched_ref = {n for _, n in pairs}
    matched_found = {m for m, _ in pairs}
    matched = [(found[m], reference[n]) for m, n in pairs if counted_ref[n]]
    missed = [c for n, c in enumerate(reference) if counted_ref[n] and n not in matched_ref]
    false = [found[m] for m in range(len(found)) if true_miss[m] > threshold_km + edge_km]
    extra = [found[m] for m in range(len(found))
             if true_miss[m] <= threshold_km - edge_km and m not in matched_found]
    n_edge_found = sum(abs(x - threshold_km) <= edge_km for x in true_miss)
    n_ref = sum(counted_ref)
    n_found = len(found) - n_edge_found - n_no_min_found
    return RecallReport(
        recall=len(matched) / n_ref if n_ref else 1.0,
        precision=1.0 - len(false) / n_found if n_found else 1.0,
        n_reference=n_ref,
        n_found=n_found,
        matched=matched,
        missed=missed,
        false=false,
        extra=extra,
        n_edge_reference=n_edge_ref,
        n_edge_found=n_edge_found,
        n_no_minimum_reference=n_no_min_ref,
        n_no_minimum_found=n_no_min_found,
        worst_tca_diff_s=max((abs(f.tca_us - r.tca_us) / US_PER_S for f, r in matched), default=0.0),
        worst_miss_diff_m=max((abs(f.miss_distance_km - r.miss_distance_km) * 1000.0 for f, r in matched), default=0.0),
    )
