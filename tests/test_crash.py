"""``kill -9`` in the middle of a large ingest leaves the catalog consistent: each file all or nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from sda.catalog import schema as s
from sda.catalog.store import Store
from tests.conftest import FULL_CATALOG

N_FILES = 4


@pytest.fixture(scope="module")
def catalog_parts(tmp_path_factory):
    """The full catalog split into N_FILES 3LE files of whole records."""
    lines = FULL_CATALOG.read_text(encoding="ascii").splitlines()
    records = [lines[i:i + 3] for i in range(0, len(lines), 3)]
    folder = tmp_path_factory.mktemp("parts")
    size = -(-len(records) // N_FILES)
    paths = []
    for k in range(N_FILES):
        p = folder / f"part{k}.tle"
        p.write_text("\n".join(ln for r in records[k * size:(k + 1) * size] for ln in r) + "\n")
        paths.append(p)
    return paths, len(records)


def _assert_consistent(url: str, files: list) -> int:
    """Every batch is complete and every element set belongs to a complete batch; returns the batch count."""
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            if store.dialect == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            batches = conn.execute(select(s.ingest_batches)).all()
            sizes = {str(p.resolve()): sum(1 for ln in p.read_text().splitlines() if ln.startswith("1 ")) for p in files}
            for b in batches:
                n = conn.execute(select(func.count()).select_from(s.element_sets)
                                 .where(s.element_sets.c.batch_id == b.id)).scalar_one()
                assert n == b.n_new == b.n_records == sizes[b.origin], (b.origin, n, b.n_new)
            total = conn.execute(select(func.count()).select_from(s.element_sets)).scalar_one()
            assert total == sum(b.n_new for b in batches)
            latest = conn.execute(select(func.count()).select_from(s.latest_element_sets)).scalar_one()
            assert latest == total
        return len(batches)
    finally:
        store.close()


def _batches(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.ingest_batches)).scalar_one()


@pytest.mark.slow
@pytest.mark.parametrize("after_files", [1, 2, 3])
def test_kill_9_during_ingest(store_url, catalog_parts, after_files):
    """SIGKILL right after ``after_files`` files are committed, while the next one is being written."""
    files, n_records = catalog_parts
    Store(store_url).close()  # schema in place, so the kill lands in the ingest itself
    cmd = [sys.executable, "-m", "sda.interfaces.cli.main", "ingest", *map(str, files), "--db", store_url]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    watcher = create_engine(store_url)
    while _batches(watcher) < after_files and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    watcher.dispose()
    proc.wait(timeout=30)
    done_before = _assert_consistent(store_url, files)
    assert after_files <= done_before < N_FILES, "the kill did not land inside the ingest"
    # Re-running finishes the job without duplicating anything.
    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
    assert _assert_consistent(store_url, files) == N_FILES
    store = Store(store_url)
    assert store.table_counts()["element_sets"] == n_records
    store.close()
