"""Ingest of the full public catalog (23,939 element sets) into SQLite and PostgreSQL.

Reference measured in the same run: parsing the same file with the ``sgp4`` library
alone (``Satrec.twoline2rv`` per TLE, its C++ reader, nothing stored).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sgp4.api import Satrec

from bench.common import FULL_CATALOG, best_of, report
from sda.catalog.store import Store
from sda.ingest.pipeline import ingest_bytes


def _sgp4_parse(lines: list[str]) -> None:
    for i in range(0, len(lines), 3):
        Satrec.twoline2rv(lines[i + 1], lines[i + 2])


def run() -> list[dict]:
    data = FULL_CATALOG.read_bytes()
    lines = data.decode("ascii").splitlines()
    n = len(lines) // 3
    ref_rate = n / best_of(lambda: _sgp4_parse(lines), repeat=3)
    results = [report("plain sgp4 TLE parsing (reference)", ref_rate, "element sets/s")]

    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1000))
        stores: list[Store] = []

        def fresh_sqlite() -> None:
            stores.append(Store(f"sqlite:///{Path(tmp) / f'c{next(counter)}.db'}"))

        def ingest() -> None:
            ingest_bytes(stores[-1], data, name=FULL_CATALOG.name)

        rate = n / best_of(ingest, repeat=3, setup=fresh_sqlite)
        results.append(report("ingest full catalog into SQLite", rate, "element sets/s",
                              reference="sgp4 parsing", ref_value=ref_rate, target=">= 20,000 element sets/s"))
        for st in stores:
            st.close()

    from tests.pgserver import PostgresServer

    with PostgresServer() as server:
        names = iter(f"bench_{i}" for i in range(1000))
        pg: list[Store] = []

        def fresh_pg() -> None:
            pg.append(Store(server.new_database(next(names))))

        def ingest_pg() -> None:
            ingest_bytes(pg[-1], data, name=FULL_CATALOG.name)

        rate = n / best_of(ingest_pg, repeat=3, setup=fresh_pg)
        results.append(report("ingest full catalog into PostgreSQL", rate, "element sets/s",
                              reference="sgp4 parsing", ref_value=ref_rate))
        for st in pg:
            st.close()
    return results
