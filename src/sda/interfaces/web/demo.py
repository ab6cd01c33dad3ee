"""The end of ``sda demo``: the operational picture of the bundled catalog, served on this machine."""

from __future__ import annotations

from sda.catalog.store import Store
from sda.errors import StoreError

__all__ = ["DEMO_PARTNER", "demo_key", "serve_picture"]

#: The partner the demo logs in as (it sees what is releasable to every partner).
DEMO_PARTNER = "DEMO"


def demo_key(store: Store) -> str:
    """A new viewer API key of the demo partner (created if missing); shown once, stored hashed."""
    if DEMO_PARTNER not in {p["name"] for p in store.partners()}:
        try:
            store.create_partner(DEMO_PARTNER, "the partner of `sda demo`")
        except StoreError:  # created meanwhile by another demo run on the same catalog
            pass
    return store.create_api_key(DEMO_PARTNER, "viewer", "demo-viewer")[1]


def serve_picture(store: Store, *, host: str = "127.0.0.1", port: int = 8000, echo=print) -> None:
    """Print the picture's URL and a demo partner's key with ``echo``, then serve until interrupted."""
    import uvicorn

    from sda.interfaces.rest.app import create_app

    key = demo_key(store)
    app = create_app(store)
    echo(f"The common operational picture: http://{host}:{port}/picture/")
    echo(f"Log in with the API key of partner {DEMO_PARTNER}: {key}")
    echo("(Ctrl-C stops the server; `sda demo --no-serve` skips it.)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
