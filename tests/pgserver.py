"""A throwaway PostgreSQL server for the test run.

``PostgresServer`` creates a fresh cluster in a temporary directory, starts ``postgres``
on 127.0.0.1 with a free port (its unix socket in the same directory), and removes
everything on exit::

    with PostgresServer() as server:
        engine = sqlalchemy.create_engine(server.url)
        other_url = server.new_database("isolated")

The binaries come from ``scripts/ensure-postgres`` (Debian's ``/usr/lib/postgresql/*/bin``
or PATH; installs Debian's ``postgresql`` package when run as root and they are absent).

* **Root.** ``initdb`` and ``postgres`` refuse to run as root; the server binaries then run
  as the ``postgres`` system user that Debian's package creates (via ``setpriv``), and the
  temporary directory is handed to that user.
* **Authentication.** ``trust`` for every connection: the cluster listens on loopback only,
  lives for one test run and holds no data worth protecting.
* **Speed.** ``fsync``, ``synchronous_commit`` and ``full_page_writes`` are off; a crash loses
  the cluster, which is thrown away anyway.
* **pytest-xdist.** Each worker process starts its own server (a session-scoped fixture is
  per process), on its own free port and directory; nothing is shared between workers.
* **Cleanup.** Leaving the ``with`` block (also through an exception) stops the server with
  a fast shutdown and removes the directory. Should the test process die without cleaning
  up, the server gets SIGINT (fast shutdown) from the kernel, via ``setpriv --pdeathsig``.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

ENSURE_POSTGRES = Path(__file__).resolve().parents[1] / "scripts" / "ensure-postgres"

#: System user the server runs as when the tests run as root (created by Debian's package).
SERVER_OS_USER = "postgres"

#: Database role every URL connects as (the cluster's superuser).
SUPERUSER = "postgres"

#: Durability off: a crash loses the cluster, which is thrown away anyway.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

_LOG_TAIL_LINES = 40
_PORT_ATTEMPTS = 3
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresServerError(RuntimeError):
    """The throwaway server could not be set up, started or stopped."""


def find_bindir() -> Path:
    """Directory holding ``initdb``, ``pg_ctl`` and ``postgres``, from ``scripts/ensure-postgres``."""
    result = subprocess.run(
        [str(ENSURE_POSTGRES)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PostgresServerError(
            f"{ENSURE_POSTGRES} failed (exit {result.returncode}): {result.stderr.strip()}"
        )
    return Path(result.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, served on ``127.0.0.1:port``.

    Parameters
    ----------
    dbname:
        Database created at start; ``url`` points at it.
    bindir:
        Directory of the server binaries; found with ``scripts/ensure-postgres`` if None.
    settings:
        Extra server settings (``name -> value``, as in ``postgresql.conf``), applied over
        ``FAST_SETTINGS``.
    base_dir:
        Where the temporary directory is made (default: the system temp dir). When running
        as root it must be reachable by the ``postgres`` user, and short enough for a unix
        socket path (about 100 characters).
    start_timeout_s, stop_timeout_s:
        Bounds, in seconds, on waiting for the server to accept connections and to exit.
    """

    host = "127.0.0.1"
    user = SUPERUSER

    def __init__(
        self,
        *,
        dbname: str = "sda",
        bindir: Path | None = None,
        base_dir: Path | None = None,
        settings: dict[str, str] | None = None,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 30.0,
    ) -> None:
        self.dbname = _check_db_name(dbname)
        self.settings = {**FAST_SETTINGS, **(settings or {})}
        self.bindir = bindir
        self.base_dir = base_dir
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.directory: Path | None = None
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Create the cluster, start the server, wait until it accepts connections, create ``dbname``."""
        if self.directory is not None:
            raise PostgresServerError("server already started")
        if self.bindir is None:
            self.bindir = find_bindir()
        self.directory = Path(tempfile.mkdtemp(prefix="sda-pg-", dir=self.base_dir))
        try:
            self._prepare_directory()
            self._initdb()
            self._start_server()
            self._create_database(self.dbname)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Fast shutdown of the server, then remove its directory. Safe to call twice."""
        try:
            self._stop_server()
        finally:
            if self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = None

    # ------------------------------------------------------------------ databases

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database created at start."""
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database ``dbname`` on this server."""
        if self.port is None:
            raise PostgresServerError("server not started")
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def new_database(self, name: str) -> str:
        """Create an empty database ``name`` (``[a-z_][a-z0-9_]*``, at most 63) and return its URL."""
        self._create_database(_check_db_name(name))
        return self.url_for(name)

    def _create_database(self, name: str) -> None:
        with self._admin_connection() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _admin_connection(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    # ------------------------------------------------------------------ internals

    def _server_user_ids(self) -> tuple[int, int] | None:
        """(uid, gid) to run the server binaries as, or None to run them as ourselves."""
        if os.geteuid() != 0:
            return None
        try:
            entry = pwd.getpwnam(SERVER_OS_USER)
        except KeyError:
            raise PostgresServerError(
                f"running as root, and PostgreSQL refuses to: need the unprivileged "
                f"'{SERVER_OS_USER}' system user (created by Debian's postgresql package)"
            ) from None
        return entry.pw_uid, entry.pw_gid

    def _prepare_directory(self) -> None:
        ids = self._server_user_ids()
        if ids is not None:
            os.chown(self.directory, *ids)

    def _command(self, *argv: str) -> list[str]:
        """``argv`` prefixed so that it runs as the server user, dying with this process."""
        prefix: list[str] = []
        setpriv = shutil.which("setpriv")
        ids = self._server_user_ids()
        if setpriv is not None:
            prefix = [setpriv, "--pdeathsig", "INT"]
            if ids is not None:
                prefix += [f"--reuid={ids[0]}", f"--regid={ids[1]}", "--clear-groups"]
            prefix.append("--")
        elif ids is not None:
            raise PostgresServerError("running as root needs 'setpriv' (util-linux) to drop privileges")
        return prefix + list(argv)

    def _initdb(self) -> None:
        result = subprocess.run(
            self._command(
                str(self.bindir / "initdb"),
                "--pgdata", str(self.directory / "data"),
                "--username", SUPERUSER,
                "--auth", "trust",
                "--encoding", "UTF8",
                "--no-locale",
                "--no-sync",
            ),
            cwd=self.directory,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresServerError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _start_server(self) -> None:
        """Start ``postgres`` on a free port; retry on another port if that one got taken."""
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self.port = _free_port()
            log_path = self.directory / f"server-{self.port}.log"
            with open(log_path, "wb") as log:
                self._process = subprocess.Popen(
                    self._command(
                        str(self.bindir / "postgres"),
                        "-D", str(self.directory / "data"),
                        "-c", f"listen_addresses={self.host}",
                        "-c", f"port={self.port}",
                        "-c", f"unix_socket_directories={self.directory}",
                        *(arg for item in self.settings.items() for arg in ("-c", "=".join(item))),
                    ),
                    cwd=self.directory,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._wait_ready():
                return
            exit_code = self._process.poll()
            self._stop_server()
            log_text = log_path.read_text(errors="replace")
            port_taken = exit_code is not None and "could not bind" in log_text
            if port_taken and attempt < _PORT_ATTEMPTS:
                continue
            what = (
                f"exited with status {exit_code}"
                if exit_code is not None
                else f"did not accept connections within {self.start_timeout_s} s"
            )
            tail = "\n".join(log_text.splitlines()[-_LOG_TAIL_LINES:])
            raise PostgresServerError(
                f"PostgreSQL on {self.host}:{self.port} {what}; "
                f"last lines of the server log:\n{tail}"
            )

    def _wait_ready(self) -> bool:
        """True once the server is ready for connections; False if it exits or the time is up.

        Reads the status line of ``postmaster.pid`` that the server sets to ``ready`` once it
        accepts connections (what ``pg_ctl start --wait`` checks).
        """
        pid_file = self.directory / "data" / "postmaster.pid"
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                lines = pid_file.read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) >= 8 and lines[0] == str(self._process.pid) and lines[7].strip() == "ready":
                return True
            time.sleep(0.01)
        return False

    def _stop_server(self) -> None:
        """SIGINT (fast shutdown); SIGQUIT (immediate) then SIGKILL if it does not exit in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        for sig, timeout_s in ((signal.SIGINT, self.stop_timeout_s), (signal.SIGQUIT, 5.0)):
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout_s)
                return
            except subprocess.TimeoutExpired:
                continue
        process.kill()
        process.wait()


def _check_db_name(name: str) -> str:
    if _DB_NAME.fullmatch(name) is None:
        raise ValueError(f"database name must match {_DB_NAME.pattern}, got {name!r}")
    return name
