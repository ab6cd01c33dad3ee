"""The throwaway PostgreSQL server of the test run (tests/pgserver.py, scripts/ensure-postgres)."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import pgserver
from tests.pgserver import ENSURE_POSTGRES, PostgresServer, PostgresServerError

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server():
    with PostgresServer() as started:
        yield started


@pytest.fixture
def open_base_dir():
    """An empty directory the ``postgres`` system user can enter (pytest's tmp_path is 0700)."""
    with tempfile.TemporaryDirectory(prefix="sda-pg-base-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _scalar(url: str, query: str):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_ensure_postgres_prints_bindir_quietly_and_idempotently():
    runs = [
        subprocess.run([str(ENSURE_POSTGRES)], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    bindir = Path(runs[0].stdout.strip())
    for name in ("initdb", "pg_ctl", "postgres"):
        assert os.access(bindir / name, os.X_OK), name
    assert runs[0].stdout == runs[1].stdout == f"{bindir}\n"
    assert runs[0].stderr == runs[1].stderr == ""


def test_table_round_trip(server):
    engine = sa.create_engine(server.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE objects (norad_id INTEGER PRIMARY KEY, name TEXT)"))
            conn.execute(
                sa.text("INSERT INTO objects VALUES (:id, :name)"),
                [{"id": 25544, "name": "ISS (ZARYA)"}, {"id": 20580, "name": "HST"}],
            )
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT norad_id, name FROM objects ORDER BY norad_id"))
            assert rows.all() == [(20580, "HST"), (25544, "ISS (ZARYA)")]
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == server.dbname
    finally:
        engine.dispose()


def test_server_version_is_the_binaries_version(server):
    reported = _scalar(server.url, "SHOW server_version").split()[0]
    binary = subprocess.run(
        [str(server.bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"(PostgreSQL) {reported}" in binary


def test_speed_settings_loopback_and_socket_in_directory(server):
    for name in ("fsync", "synchronous_commit", "full_page_writes"):
        assert _scalar(server.url, f"SHOW {name}") == "off", name
    assert _scalar(server.url, "SHOW listen_addresses") == "127.0.0.1"
    assert (server.directory / f".s.PGSQL.{server.port}").is_socket()


def test_server_runs_unprivileged(server):
    expected_uid = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert expected_uid != 0
    pid = int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    real_uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
    assert real_uid == expected_uid


def test_new_databases_are_isolated(server):
    url_a = server.new_database("isolation_a")
    url_b = server.new_database("isolation_b")
    engine_a = sa.create_engine(url_a)
    try:
        with engine_a.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_in_a (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO only_in_a VALUES (1)"))
    finally:
        engine_a.dispose()
    assert _scalar(url_a, "SELECT count(*) FROM only_in_a") == 1
    assert _scalar(url_b, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    assert _scalar(server.url, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'") == 0
    with pytest.raises(ValueError):
        server.new_database("Not-A-Plain-Name")


def test_failed_start_reports_log_tail_and_cleans_up(open_base_dir):
    broken = PostgresServer(base_dir=open_base_dir, settings={"no_such_setting": "1"})
    with pytest.raises(PostgresServerError, match='unrecognized configuration parameter "no_such_setting"'):
        broken.start()
    assert list(open_base_dir.iterdir()) == []


def test_retries_a_taken_port_and_is_gone_after_an_error(open_base_dir, monkeypatch):
    """The first port offered is already taken: the server starts on another one. The test
    body then fails, and the server must still be stopped and its directory removed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        real_free_port = pgserver._free_port
        monkeypatch.setattr(pgserver, "_free_port", lambda: next(ports, None) or real_free_port())
        with pytest.raises(RuntimeError, match="test body failed"):
            with PostgresServer(base_dir=open_base_dir) as started:
                port, directory = started.port, started.directory
                assert port != taken
                assert _scalar(started.url, "SELECT 1") == 1
                logs = sorted(p.name for p in directory.glob("server-*.log"))
                assert logs == sorted([f"server-{taken}.log", f"server-{port}.log"])
                assert "could not bind" in (directory / f"server-{taken}.log").read_text()
                raise RuntimeError("test body failed")
    assert not _port_open(port)
    assert not directory.exists()
    assert list(open_base_dir.iterdir()) == []
