"""Shared fixtures: reference data, and catalog stores on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sda.catalog.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
FULL_CATALOG = SHARED_DATA / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public reference data folder (``../shared/data`` beside the checkout)."""
    assert SHARED_DATA.is_dir(), f"reference data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(autouse=True)
def audit_key_file(tmp_path_factory, monkeypatch):
    """Each test's stores sign their audit log with a key in the test's own folder (not in
    the user's configuration folder), set before any store opens."""
    path = tmp_path_factory.mktemp("audit") / "audit.key"
    monkeypatch.setenv("SDA_AUDIT_KEY_FILE", str(path))
    return path


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for this test process (each xdist worker has its own)."""
    from tests.pgserver import PostgresServer

    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server) -> str:
    """URL of a fresh, empty PostgreSQL database on the session's server."""
    return postgres_server.new_database(f"test_{uuid.uuid4().hex}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """Database URL of an empty catalog: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    """An empty catalog store on each backend."""
    st = Store(store_url)
    yield st
    st.close()
