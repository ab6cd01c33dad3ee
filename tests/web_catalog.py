"""A small labelled catalog for the picture's tests and benchmark: real element sets from the
bundled Space-Track catalog of 2022-01-22, some shared with every partner, some owned by
KR-MND or US-DOD and releasable only to their owner, screened for 24 hours so that real
conjunctions (found by SDA's screening, not written by hand) are in the tables: two between
shared objects, one between KR-MND's KOMPSAT 3A and a shared object (KR-MND's only)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from importlib import resources

from sda.catalog.store import Store
from sda.core.times import parse_utc_us
from sda.ingest.pipeline import ingest_bytes
from sda.policy import Marking

BUNDLED = "spacetrack_full_catalog_3le_2022-01-22.txt.gz"
#: Start of the screening: the bundled catalog's median epoch (as ``sda demo``).
SCREEN_START = "2022-01-22T00:00:00Z"
#: Screened objects: KOMPSAT, CAS500-1 and KOMPSAT 3A (owned by KR-MND below).
PRIMARIES = (26032, 47932, 40536)
#: Shared objects that `sda demo` finds passing within 5 km of the primaries in 24 h.
SHARED_PAIRS = (26032, 37547, 47932, 44797, 47544)
KR_OBJECTS = (40536, 43811, 22828, 39227, 42691)
US_OBJECTS = (25544, 20580, 43013, 27424, 25994)
PARTNERS = ("KR-MND", "US-DOD")


@dataclass(frozen=True)
class LabelledCatalog:
    shared: frozenset[int]
    owned: dict[str, frozenset[int]]  # partner -> its own objects
    keys: dict[str, str]              # partner -> API key (viewer)

    def visible_to(self, partner: str) -> frozenset[int]:
        return self.shared | self.owned[partner]

    def conjunctions_visible_to(self, store: Store, partner: str) -> list:
        """The stored conjunctions both of whose objects ``partner`` may see."""
        seen = self.visible_to(partner)
        return [sc for sc in store.conjunctions()
                if {sc.conjunction.norad_id_1, sc.conjunction.norad_id_2} <= seen]


def bundled_three_line_sets() -> dict[int, bytes]:
    """Every 3LE of the bundled catalog with a numeric catalog number (the three lines as bytes)."""
    lines = gzip.decompress(resources.files("sda.data").joinpath(BUNDLED).read_bytes()).splitlines(keepends=True)
    out = {}
    for i in range(0, len(lines) - 2, 3):
        number = lines[i + 1][2:7]
        if number.strip().isdigit():
            out[int(number)] = b"".join(lines[i:i + 3])
    return out


def build(store: Store, *, n_shared: int = 60, screen: bool = True) -> LabelledCatalog:
    """Load the labelled catalog into ``store``: the first ``n_shared`` objects of the bundled
    catalog plus :data:`SHARED_PAIRS` shared with all, and each partner's own objects."""
    from sda.analyses.screening.job import screen_catalog

    sets = bundled_three_line_sets()
    owned = {"KR-MND": frozenset(KR_OBJECTS), "US-DOD": frozenset(US_OBJECTS)}
    reserved = set(KR_OBJECTS) | set(US_OBJECTS)
    shared = [n for n in sets if n not in reserved][:n_shared] + [n for n in SHARED_PAIRS if n not in reserved]
    ingest_bytes(store, b"".join(sets[n] for n in dict.fromkeys(shared)), name="shared.tle", source="space-track")
    keys = {}
    for partner in PARTNERS:
        store.create_partner(partner)
        marking = Marking(owner=partner, releasable_to=frozenset({partner})).to_json()
        ingest_bytes(store, b"".join(sets[n] for n in owned[partner]), name=f"{partner}.tle", source=partner,
                     marking=marking)
        keys[partner] = store.create_api_key(partner, "viewer", f"{partner.lower()}-watch")[1]
    if screen:
        screen_catalog(store, start_us=parse_utc_us(SCREEN_START), window_s=86400.0, threshold_km=5.0,
                       primaries=PRIMARIES)
    return LabelledCatalog(frozenset(shared), owned, keys)
