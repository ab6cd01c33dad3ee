"""The ``sda`` command: entry point and command groups."""

from __future__ import annotations

from importlib import resources

import typer

from sda import __version__
from sda.errors import IngestError
from sda.ingest.pipeline import ingest_bytes
from sda.interfaces.cli import catalog
from sda.interfaces.cli.common import DbOption, JsonOption, console, fail, print_json, store_from
from sda.interfaces.cli.ingest import ingest

BUNDLED_CATALOG = "spacetrack_full_catalog_3le_2022-01-22.txt.gz"

app = typer.Typer(
    name="sda",
    help="SDA: the shared space-domain picture — catalog, conjunctions, warnings, sharing.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command()(ingest)
app.add_typer(catalog.app, name="catalog")


def _mount_fetch() -> None:
    from sda.interfaces.cli import fetch

    app.add_typer(fetch.app, name="fetch")


_mount_fetch()


def _mount_screen() -> None:
    from sda.interfaces.cli.screen import screen

    app.command()(screen)


_mount_screen()


def _mount_conjunctions() -> None:
    from sda.interfaces.cli import conjunctions

    app.command("pc")(conjunctions.pc)
    app.add_typer(conjunctions.conjunctions_app, name="conjunctions")
    app.add_typer(conjunctions.alerts_app, name="alerts")


_mount_conjunctions()


def _mount_sharing() -> None:
    from sda.interfaces.cli import admin, audit

    app.add_typer(admin.app, name="admin")
    app.add_typer(audit.app, name="audit")


_mount_sharing()


def _mount_maneuvers() -> None:
    from sda.interfaces.cli.maneuvers import maneuvers

    app.command()(maneuvers)


_mount_maneuvers()


def _mount_overflights_proximity() -> None:
    from sda.interfaces.cli.overflights import overflights
    from sda.interfaces.cli.proximity import proximity

    app.command()(overflights)
    app.command()(proximity)


_mount_overflights_proximity()


def _mount_breakups_reentries() -> None:
    from sda.interfaces.cli.breakups import breakups
    from sda.interfaces.cli.reentries import reentries

    app.command()(breakups)
    app.command()(reentries)


_mount_breakups_reentries()


def _mount_serve() -> None:
    from sda.interfaces.cli.serve import serve

    app.command()(serve)


_mount_serve()


@app.command()
def demo(db: DbOption = None, json_out: JsonOption = False,
         serve: bool = typer.Option(True, "--serve/--no-serve",
                                    help="End by serving the operational picture on 127.0.0.1 (not with --json)."),
         port: int = typer.Option(8000, "--port", help="TCP port of the picture.", min=1, max=65535)) -> None:
    """Load the bundled real catalog (Space-Track, 2022-01-22), summarise and screen it, and serve
    the operational picture of it on this machine. No network needed."""
    store = store_from(db)
    data = resources.files("sda.data").joinpath(BUNDLED_CATALOG).read_bytes()
    with console.status("loading the bundled catalog (23,939 objects)...", spinner="dots"):
        try:
            report = ingest_bytes(store, data, name=BUNDLED_CATALOG, origin=f"sda.data/{BUNDLED_CATALOG}",
                                  source="space-track (bundled 2022-01-22)", mode="REAL")
        except IngestError as exc:
            fail(str(exc))
    summary = store.summary()
    if json_out:
        print_json({"ingest": report.as_dict(), "summary": catalog.summary_dict(summary)})
        return
    if report.already_ingested:
        console.print(f"bundled catalog already in {store.display_url}")
    else:
        console.print(f"loaded {report.n_records} element sets ({report.n_new} new) into {store.display_url} "
                      f"in {report.elapsed_s:.2f} s")
    catalog.print_summary(summary)
    _demo_screening(store, json_out=False)
    if serve:
        from sda.interfaces.web.demo import serve_picture

        serve_picture(store, port=port, echo=lambda text: console.print(text, highlight=False, soft_wrap=True))


#: Korean programmes in the bundled catalog (national civil, military and commercial satellites).
KOREAN_PROGRAMMES = ("KOMPSAT", "GEO-KOMPSAT", "KOREASAT", "COMS", "STSAT", "NEXTSAT", "CAS500", "KITSAT")
#: Start of the demo screening: the bundled catalog's median epoch.
DEMO_START = "2022-01-22T00:00:00Z"


def _demo_screening(store, *, json_out: bool) -> None:
    """Screen the Korean satellites of the bundled catalog against everything for 24 hours."""
    import os

    from sda.analyses.screening.job import screen_catalog
    from sda.catalog.queries import CatalogQuery
    from sda.core.times import parse_utc_us
    from sda.interfaces.cli.screen import print_result

    korean = sorted({o.norad_id for p in KOREAN_PROGRAMMES
                     for o in store.objects(CatalogQuery(name=p + "*", object_types=("PAYLOAD",)))})
    start_us = parse_utc_us(DEMO_START)
    with console.status(f"screening {len(korean)} Korean satellites against the catalog for 24 h...",
                        spinner="dots"):
        result = screen_catalog(store, start_us=start_us, window_s=86400.0, threshold_km=5.0, primaries=korean,
                                workers=os.cpu_count() or 1)
    print_result(store, result, start_us=start_us, window_s=86400.0, threshold_km=5.0, top=10)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        console.print(f"sda {__version__}")
        raise typer.Exit()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
