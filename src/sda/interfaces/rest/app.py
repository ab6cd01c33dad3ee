"""The SDA REST API (FastAPI): the catalog, conjunctions, CDMs, alerts and warnings a
partner may see, uploads of a partner's own data, and a live alert stream.

Everything is under ``/api/v1`` and needs ``Authorization: Bearer KEY`` except
``/api/v1/health`` and the OpenAPI document (``/api/v1/openapi.json``, browsable at
``/api/v1/docs``). Errors are RFC 9457 problem documents
(:mod:`sda.interfaces.rest.problems`). ``sda serve`` runs it with uvicorn.

The read routes are ``async``: their queries take about a millisecond, and running them on
the event loop cost a third to a half less CPU than handing each to a worker thread (the hop
and the contention for the interpreter lock); each worker process answers its requests in
turn. Uploads, which parse whole files, and the alert stream's polls run in worker threads.
"""

from __future__ import annotations

from fastapi import FastAPI

from sda import __version__
from sda.catalog.store import Store
from sda.interfaces.rest.deps import KeyCache
from sda.interfaces.rest.limits import BodySizeLimit, RateLimiter
from sda.interfaces.rest.problems import install_handlers, problem_responses
from sda.interfaces.rest.routes import alerts, conjunctions, health, objects, uploads, warnings
from sda.interfaces.web.mount import mount_picture

__all__ = ["API_PREFIX", "create_app", "app_from_environment", "SERVE_ENVIRONMENT"]

API_PREFIX = "/api/v1"

DESCRIPTION = """The shared space-domain picture for partners: catalog objects and their element sets
(TLE/3LE, OMM JSON/XML/KVN, CSV), conjunctions and their CDMs, owners' alerts (also live, as
server-sent events), warnings, and uploads of a partner's own data.

Every answer contains only what the caller's partner may see; a record it may not see is
answered exactly like one that does not exist. Errors are `application/problem+json`
(RFC 9457) with a stable `code`."""


def create_app(store_url: str | Store, *, rate_per_s: float = 100.0, burst: int = 200,
               max_body_bytes: int = 64 * 1024, max_upload_bytes: int = 32 * 1024 * 1024,
               stream_poll_s: float = 0.5, key_cache_s: float = 10.0) -> FastAPI:
    """The API application over the catalog at ``store_url`` (or an open :class:`Store`).

    ``rate_per_s``/``burst``: each principal's rate limit (requests per second, and how
    many at once); ``max_body_bytes``: largest request body (bytes), ``max_upload_bytes``
    for uploads; ``stream_poll_s``: how often (s) the alert stream looks for new alerts;
    ``key_cache_s``: how long (s) a key's principal is remembered.
    """
    store = store_url if isinstance(store_url, Store) else Store(store_url)
    app = FastAPI(
        title="SDA", version=__version__, description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None,
    )
    app.state.store = store
    app.state.rate_limiter = RateLimiter(rate_per_s, burst)
    app.state.principals = KeyCache(key_cache_s)
    app.state.stream_poll_s = stream_poll_s
    install_handlers(app)
    for module in (health, objects, conjunctions, alerts, warnings, uploads):
        app.include_router(module.router, prefix=API_PREFIX)
    mount_picture(app, API_PREFIX)  # the operational picture: /picture/ and /api/v1/picture/...
    _document_problems(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, upload_max_bytes=max_upload_bytes,
                       upload_prefixes=(f"{API_PREFIX}/uploads",))
    return app


#: Environment variables :func:`app_from_environment` reads (``sda serve --workers`` sets them).
SERVE_ENVIRONMENT = {"url": "SDA_DATABASE_URL", "rate_per_s": "SDA_API_RATE_PER_S", "burst": "SDA_API_BURST"}


def app_from_environment() -> FastAPI:
    """The application for one of several uvicorn worker processes: the catalog at
    ``$SDA_DATABASE_URL`` (else the default), rate limit from ``$SDA_API_RATE_PER_S`` and
    ``$SDA_API_BURST`` (each worker keeps its own rate-limit buckets)."""
    import os

    from sda.catalog.store import default_database_url

    env = os.environ
    return create_app(env.get(SERVE_ENVIRONMENT["url"]) or default_database_url(),
                      rate_per_s=float(env.get(SERVE_ENVIRONMENT["rate_per_s"], 100.0)),
                      burst=int(env.get(SERVE_ENVIRONMENT["burst"], 200)))


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document list the problem answers of every API operation (whichever
    router added it), replacing FastAPI's default 422 body, which the API never sends."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = generate()
            for path, operations in doc["paths"].items():
                public = path == f"{API_PREFIX}/health"
                statuses = (422, 429, 500) if public else (401, 404, 406, 413, 422, 429, 500)
                for op in operations.values():
                    documented = {str(k): v for k, v in problem_responses(*statuses).items()}
                    op["responses"] = {**documented, **{k: v for k, v in op["responses"].items() if k != "422"}}
            for name in ("HTTPValidationError", "ValidationError"):
                doc.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi
