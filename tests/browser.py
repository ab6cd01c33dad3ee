"""Running the picture in a real browser for tests and benchmarks: the API served by uvicorn
on loopback in a thread, and Debian's Chromium driven headless by Playwright with
software WebGL (SwiftShader), every non-loopback request recorded and refused."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"

#: Chromium flags: headless with software WebGL, no sandbox (root in a container), and none
#: of the browser's own background traffic (updates, sync, safe browsing, QUIC probes).
CHROMIUM_ARGS = (
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--use-gl=angle", "--no-sandbox",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic", "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
)


def chromium_path() -> str:
    """Debian's Chromium, installed by ``scripts/ensure-chromium`` when missing."""
    out = subprocess.run([str(REPO / "scripts" / "ensure-chromium")], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def launch_chromium(playwright):
    """A headless Chromium (Playwright ``Browser``) with :data:`CHROMIUM_ARGS`."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS))


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` stays on this machine (loopback address, or a data:/blob: URL)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackGuard:
    """Refuses and records every request of a browser context that would leave the machine."""

    def __init__(self, context):
        self.refused: list[str] = []
        self.requests = 0
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        self.requests += 1
        url = route.request.url
        if is_loopback_url(url):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


@contextmanager
def serve(app, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def login(page, base_url: str, key: str, *, timeout_ms: float = 60_000) -> None:
    """Open the picture, log in with ``key`` and wait until the page says it is ready."""
    page.goto(f"{base_url}/picture/")
    page.fill("#login-key", key)
    page.click("#login button[type=submit]")
    page.wait_for_selector("body[data-ready='1']", timeout=timeout_ms)
