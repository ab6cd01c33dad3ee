"""Helpers for the REST API tests: a catalog with partners, keys and marked records."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np
from fastapi.testclient import TestClient

from sda.catalog.records import Conjunction
from sda.catalog.store import ScreeningRunInfo, Store
from sda.core.times import now_us
from sda.ingest.pipeline import ingest_bytes
from sda.ingest.tle import iter_tle
from sda.interfaces.rest.app import create_app
from sda.policy import MODES, Marking
from sda.products.alerts import Alert
from sda.products.formats import tle_lines
from sda.products.warnings import Warning

PARTNERS = ("KR-MND", "US-DOD", "KR-KASA", "COMM-CELL")


def bundled_sets(n: int = 40) -> list:
    """The first ``n`` element sets of the bundled catalog."""
    raw = resources.files("sda.data").joinpath("spacetrack_full_catalog_3le_2022-01-22.txt.gz").read_bytes()
    out = []
    for es in iter_tle(gzip.decompress(raw).decode().splitlines()):
        out.append(es)
        if len(out) == n:
            return out
    return out


def tle_text(sets) -> bytes:
    """3LE text of element sets (lines written from the elements when renumbered)."""
    lines = []
    for es in sets:
        lines.append(f"0 {es.name}")
        lines.extend(tle_lines(es))
    return ("\n".join(lines) + "\n").encode()


def renumbered(es, norad_id: int, name: str):
    """A copy of ``es`` as another object (its TLE lines rewritten)."""
    return replace(es, norad_id=norad_id, name=name, tle_line1=None, tle_line2=None)


@dataclass
class Api:
    """A test client over a catalog with one key per partner and role."""

    store: Store
    client: TestClient
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    principals: dict[tuple[str, str], object] = field(default_factory=dict)

    def headers(self, partner: str, role: str = "viewer") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(partner, role)]}"}

    def get(self, url: str, partner: str, role: str = "viewer", **kw):
        return self.client.get(url, headers={**self.headers(partner, role), **kw.pop("headers", {})}, **kw)


def make_api(store_url: str, **app_options) -> Api:
    """An empty catalog with :data:`PARTNERS`, a viewer and a provider key each, and a test client."""
    store = Store(store_url)
    api = Api(store, TestClient(create_app(store, **app_options), raise_server_exceptions=False))
    for p in PARTNERS:
        store.create_partner(p)
        for role in ("viewer", "provider"):
            principal, key = store.create_api_key(p, role, f"{p.lower()}-{role}")
            api.keys[(p, role)], api.principals[(p, role)] = key, principal
    return api


def ingest_marked(store: Store, sets, marking: Marking, name: str, source: str = "test"):
    """Store element sets under one marking (one batch)."""
    return ingest_bytes(store, tle_text(sets), name=name, source=source, mode=marking.mode,
                        marking=marking.to_json())


def conjunction_between(store: Store, a: int, b: int, marking: Marking, *, hours_ahead: float = 6.0) -> int:
    """Store a screening run with one conjunction between ``a`` and ``b``; its id."""
    tca = now_us() + int(hours_ahead * 3.6e9)
    sets = [store.history(n, data_modes=MODES)[0] for n in (a, b)]
    c = Conjunction(a, b, tca, 0.3, 12.0, np.array([0.01, 0.2, -0.2]), np.array([6800.0, 0, 0, 0, 7.6, 0]),
                    np.array([6800.0, 0.3, 0, 0, 0, 7.6]), pc=2e-4, pc_method="FOSTER-1992", hbr_m=20.0,
                    covariance_assumed=True, element_set_id_1=sets[0].id, element_set_id_2=sets[1].id)
    run = store.write_screening_run(ScreeningRunInfo(start_us=tca - 3_600_000_000, window_s=86400.0,
                                                     threshold_km=5.0, n_objects=2, run_time_s=0.1,
                                                     data_mode=marking.mode, marking=marking.to_json()), [c])
    (stored,) = store.conjunctions(run_id=run, data_modes=None)
    return stored.id


def alert_for(store: Store, conjunction_id: int, norad_id: int, owner: str, marking: Marking) -> Alert:
    (a,) = store.write_alerts([Alert(conjunction_id, norad_id, owner, ("min_pc",), "RED", now_us(),
                                     f"RED: {norad_id} test alert", marking.to_json(), marking.mode)])
    return a


def warning_for(store: Store, norad_id: int, marking: Marking, summary: str = "test maneuver") -> Warning:
    (w,) = store.write_warnings([Warning("MANEUVER", norad_id, now_us(), 0.9, summary,
                                         {"delta_v_m_s": 1.5, "norad": norad_id}, marking=marking.to_json(),
                                         data_mode=marking.mode)])
    return w
