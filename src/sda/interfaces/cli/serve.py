"""``sda serve``: run the REST API (and the operational picture) with uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from sda.interfaces.cli.common import DbOption, console, store_from


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    rate_limit: Annotated[float, typer.Option("--rate-limit", help="Requests per second allowed to each principal.",
                                              min=0.1)] = 100.0,
    burst: Annotated[int, typer.Option(help="Requests each principal may make at once above the rate.", min=1)] = 200,
    workers: Annotated[int, typer.Option(help="Worker processes (each has its own rate-limit buckets).", min=1,
                                         max=64)] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level: warning, info, debug "
                                           "(info and below also log every request).")] = "info",
    db: DbOption = None,
) -> None:
    """Serve the REST API under /api/v1 on the catalog (SQLite by default, PostgreSQL by --db URL)."""
    import uvicorn

    from sda.interfaces.rest.app import SERVE_ENVIRONMENT, create_app

    store = store_from(db)  # opens (creating or upgrading) the catalog before any worker starts
    console.print(f"SDA API on http://{host}:{port}/api/v1 (OpenAPI at /api/v1/docs), catalog {store.display_url}",
                  highlight=False, soft_wrap=True)
    level = log_level.lower()
    # uvloop and httptools where installed; no per-request access log above the info level
    options = {"host": host, "port": port, "log_level": level, "proxy_headers": False,
               "access_log": level in ("trace", "debug", "info")}
    if workers == 1:
        uvicorn.run(create_app(store, rate_per_s=rate_limit, burst=burst), **options)
        return
    os.environ.update({SERVE_ENVIRONMENT["url"]: store.url, SERVE_ENVIRONMENT["rate_per_s"]: str(rate_limit),
                       SERVE_ENVIRONMENT["burst"]: str(burst)})
    store.close()
    uvicorn.run("sda.interfaces.rest.app:app_from_environment", factory=True, workers=workers, **options)
