"""``sda fetch``: download element sets from CelesTrak or Space-Track and ingest them.

Each command fetches with a provider (:mod:`sda.ingest.providers`), hands the bytes
to :func:`sda.ingest.pipeline.ingest_bytes` and prints a short summary, or the
ingest report as JSON with ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer

from sda.errors import IngestError, SDAError
from sda.ingest.pipeline import IngestReport, ingest_bytes, write_rejects
from sda.ingest.providers import FetchResult
from sda.ingest.providers.celestrak import FORMATS as CELESTRAK_FORMATS
from sda.ingest.providers.celestrak import CelesTrakClient
from sda.ingest.providers.dropfolder import DropFolder
from sda.ingest.providers.spacetrack import GP_FORMATS, SpaceTrackClient
from sda.interfaces.cli.common import DbOption, JsonOption, ModeOption, console, fail, print_json, store_from

__all__ = ["app", "default_cache_dir"]

app = typer.Typer(
    help="Fetch element sets from CelesTrak or Space-Track and ingest them into the catalog.",
    no_args_is_help=True,
)

#: Seconds before an HTTP request is abandoned (connect, read, write, pool).
HTTP_TIMEOUT_S = 60.0

SkipInvalidOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Store the valid records and report the invalid ones.")
]
RejectsDirOption = Annotated[
    Path, typer.Option("--rejects-dir", help="Folder for the rejects report written with --skip-invalid.")
]


def default_cache_dir() -> Path:
    """Per-user cache folder of CelesTrak answers."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sda", appauthor=False)) / "celestrak"


def _http_client() -> httpx.Client:
    return httpx.Client(
        timeout=HTTP_TIMEOUT_S, follow_redirects=True, headers={"User-Agent": "sda (space-domain awareness)"}
    )


def _ingest_and_report(
    result: FetchResult,
    *,
    db: str | None,
    source: str,
    mode: str,
    skip_invalid: bool,
    rejects_dir: Path,
    as_json: bool,
) -> None:
    """Ingest a fetched answer and print what happened."""
    fetched = "cache" if result.from_cache else "download"
    if result.is_empty:
        if as_json:
            print_json({"file": result.name, "origin": result.origin, "source": source, "n_records": 0,
                        "from_cache": result.from_cache, "empty": True})
        else:
            console.print(f"[yellow]no data[/] for {result.origin} ({fetched}); nothing ingested",
                          highlight=False, soft_wrap=True)
        return
    store = store_from(db)
    try:
        report: IngestReport = ingest_bytes(
            store, result.content, name=result.name, origin=result.origin, source=source, mode=mode,
            skip_invalid=skip_invalid,
        )
    except IngestError as exc:
        lines = [str(exc), *(str(e) for e in exc.errors[:20])]
        if len(exc.errors) > 20:
            lines.append(f"... and {len(exc.errors) - 20} more")
        fail("\n".join(lines))
    finally:
        store.close()
    if report.rejects:
        report.rejects_report = str(write_rejects(report, rejects_dir))
    if as_json:
        print_json({**report.as_dict(), "from_cache": result.from_cache, "fetched_at_us": result.fetched_at_us})
        return
    if report.already_ingested:
        console.print(f"{result.name} ({fetched}): already ingested as batch {report.batch_id}",
                      highlight=False, soft_wrap=True)
        return
    console.print(
        f"[green]ingested[/] {result.name} ({fetched}, {report.format}): {report.n_records} record(s), "
        f"{report.n_new} new, {report.n_duplicate} duplicate, {report.n_rejected} rejected, "
        f"batch {report.batch_id}",
        highlight=False,
        soft_wrap=True,
    )
    if report.rejects_report:
        console.print(f"rejects report: {report.rejects_report}", highlight=False, soft_wrap=True)


@app.command()
def celestrak(
    group: Annotated[str | None, typer.Option("--group", help="CelesTrak group, e.g. stations, active.")] = None,
    catnr: Annotated[int | None, typer.Option("--catnr", help="NORAD catalog number.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Object name (or part of it).")] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(CELESTRAK_FORMATS)}.")] = "json",
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="Cache folder (default: the per-user cache).")
    ] = None,
    db: DbOption = None,
    mode: ModeOption = "REAL",
    as_json: JsonOption = False,
    skip_invalid: SkipInvalidOption = False,
    rejects_dir: RejectsDirOption = Path("."),
    source: Annotated[str, typer.Option("--source", help="Source name recorded with the batch.")] = "celestrak",
) -> None:
    """Fetch a CelesTrak GP query (reused from cache within 2 hours) and ingest it."""
    fmt = fmt.lower()
    if fmt not in CELESTRAK_FORMATS:
        fail(f"unknown format {fmt!r}: expected one of {', '.join(CELESTRAK_FORMATS)}")
    try:
        with _http_client() as http:
            result = CelesTrakClient(http, cache_dir or default_cache_dir()).gp(
                group=group, catnr=catnr, name=name, fmt=fmt
            )
    except (SDAError, ValueError) as exc:
        fail(str(exc))
    _ingest_and_report(result, db=db, source=source, mode=mode, skip_invalid=skip_invalid,
                       rejects_dir=rejects_dir, as_json=as_json)


@app.command()
def spacetrack(
    norad_id: Annotated[
        list[int] | None, typer.Option("--norad-id", help="NORAD catalog number (repeat for several).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only element sets with a later epoch (ISO-8601 UTC).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(GP_FORMATS)}.")] = "json",
    db: DbOption = None,
    mode: ModeOption = "REAL",
    as_json: JsonOption = False,
    skip_invalid: SkipInvalidOption = False,
    rejects_dir: RejectsDirOption = Path("."),
    source: Annotated[str, typer.Option("--source", help="Source name recorded with the batch.")] = "spacetrack",
) -> None:
    """Fetch current element sets from Space-Track and ingest them.

    Credentials come from SPACETRACK_IDENTITY and SPACETRACK_PASSWORD. Without
    --norad-id the whole catalog is fetched, at most once an hour as Space-Track asks.
    """
    fmt = fmt.lower()
    if fmt not in GP_FORMATS:
        fail(f"unknown format {fmt!r}: expected one of {', '.join(GP_FORMATS)}")
    try:
        with _http_client() as http, SpaceTrackClient(http) as st:
            result = st.gp(norad_id or None, epoch_since=since, fmt=fmt)
    except (SDAError, ValueError) as exc:
        fail(str(exc))
    _ingest_and_report(result, db=db, source=source, mode=mode, skip_invalid=skip_invalid,
                       rejects_dir=rejects_dir, as_json=as_json)


@app.command()
def folder(
    path: Annotated[Path, typer.Argument(help="Drop folder where partners leave their files.")],
    settle_s: Annotated[float, typer.Option("--settle", help="Seconds a file must stay unchanged to count as complete.")] = 1.0,
    db: DbOption = None,
    mode: ModeOption = "REAL",
    as_json: JsonOption = False,
    skip_invalid: SkipInvalidOption = False,
    source: Annotated[str, typer.Option("--source", help="Source name recorded with each batch.")] = "drop-folder",
) -> None:
    """Ingest every complete file waiting in a drop folder; move each to done/ or rejected/."""
    drop = DropFolder(path, settle_s=settle_s)
    store = store_from(db)
    reports, failed = [], 0
    try:
        for item in drop.pending():
            try:
                report = ingest_bytes(store, item.read_bytes(), name=item.name, origin=str(item.resolve()),
                                      source=source, mode=mode, skip_invalid=skip_invalid)
            except IngestError as exc:
                failed += 1
                text = "\n".join([str(exc), *(str(e) for e in exc.errors)])
                moved = drop.mark_done(item, ok=False, report=text)
                reports.append({"file": item.name, "error": str(exc), "moved_to": str(moved),
                                "rejects": [e.as_dict() for e in exc.errors]})
                if not as_json:
                    console.print(f"[red]rejected[/] {item.name}: {exc} -> {moved}", highlight=False, soft_wrap=True)
                continue
            rejects = "\n".join(str(e) for e in report.rejects) or None
            moved = drop.mark_done(item, ok=True, report=rejects)
            reports.append({**report.as_dict(), "moved_to": str(moved)})
            if not as_json:
                console.print(f"[green]ingested[/] {item.name}: {report.n_records} record(s), {report.n_new} new, "
                              f"{report.n_rejected} rejected -> {moved}", highlight=False, soft_wrap=True)
    finally:
        store.close()
    if as_json:
        print_json(reports)
    elif not reports:
        console.print(f"no complete files waiting in {path}")
    if failed:
        raise typer.Exit(1)
