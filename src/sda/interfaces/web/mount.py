"""Serving the picture: its static files under ``/picture/`` and its API under ``/api/v1``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["PICTURE_PATH", "static_dir", "missing_assets", "mount_picture"]

#: Where the page is served.
PICTURE_PATH = "/picture"
#: Files the page cannot work without, relative to the static folder (vendored by ``make``).
REQUIRED_ASSETS = ("vendor/cesium/Cesium.js", "vendor/cesium/Assets/Textures/NaturalEarthII/tilemapresource.xml",
                   "vendor/satellite.js/index.js")


def static_dir() -> Path:
    """The folder of the page's static files, inside the installed package."""
    return Path(str(resources.files("sda.interfaces.web").joinpath("static")))


def missing_assets(root: Path | None = None) -> list[str]:
    """Required vendored files that are not installed (empty when the page can be served)."""
    root = static_dir() if root is None else root
    return [p for p in REQUIRED_ASSETS if not (root / p).is_file()]


def mount_picture(app: FastAPI, api_prefix: str = "/api/v1") -> None:
    """Add the picture's API routes and static files to ``app``.

    When the vendored browser libraries are missing the API is still added, and the page
    answers 503 with what to run, so a server without them keeps serving the REST API.
    """
    from sda.interfaces.web.router import router

    app.include_router(router, prefix=api_prefix)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse(PICTURE_PATH + "/")

    missing = missing_assets()
    if missing:
        message = ("the picture's browser libraries are not installed (missing " + ", ".join(missing) +
                   "); run `make install` in the SDA checkout to vendor them from npm\n")

        @app.get(PICTURE_PATH + "/{path:path}", include_in_schema=False)
        def _unavailable(path: str) -> PlainTextResponse:
            return PlainTextResponse(message, status_code=503)

        return
    app.mount(PICTURE_PATH, StaticFiles(directory=static_dir(), html=True), name="picture")
