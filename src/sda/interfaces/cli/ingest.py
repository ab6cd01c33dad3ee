"""``sda ingest``: store element sets and ephemerides from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sda.errors import IngestError, SDAError
from sda.ingest.pipeline import IngestReport, ingest_file
from sda.interfaces.cli.common import (DbOption, JsonOption, ModeOption, console, err_console, fail, print_json,
                                       store_from)
from sda.policy.markings import ALL, Marking, check_partner_name, licence_caveat, parse_partner_list

MAX_ERRORS_SHOWN = 20


def ingest(
    files: Annotated[list[Path], typer.Argument(help="TLE/3LE, OMM (KVN, XML, JSON), OEM or OPM files; .gz is fine.",
                                                 show_default=False)],
    source: Annotated[str, typer.Option(help="Provider or partner the data came from.")] = "file",
    mode: ModeOption = "REAL",
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Partner that owns the data (e.g. KR-MND); it always sees its own records.")] = None,
    releasable_to: Annotated[str, typer.Option(
        "--releasable-to", help="Partners it is releasable to, comma-separated, or ALL.")] = ALL,
    licensed_to: Annotated[str | None, typer.Option(
        "--licensed-to", help="Commercial licence: only these partners (comma-separated) may see it.")] = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid",
                                               help="Store the valid records and write a rejects report.")] = False,
    rejects_dir: Annotated[Path, typer.Option(help="Folder for rejects reports.")] = Path("."),
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Ingest files into the catalog: each file is stored whole or not at all, with its releasability marking."""
    marking = _marking(owner, releasable_to, licensed_to, mode)
    store = store_from(db)
    reports: list[dict] = []
    failed = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, disable=json_out, transient=True) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=f"ingesting {path.name}")
            try:
                report = ingest_file(store, path, source=source, mode=mode, skip_invalid=skip_invalid,
                                     rejects_dir=rejects_dir, marking=marking)
            except IngestError as exc:
                failed += 1
                report = exc.report
                reports.append(report.as_dict() if report else {"file": str(path), "error": str(exc)})
                if not json_out:
                    _print_rejection(exc)
            except SDAError as exc:
                failed += 1
                reports.append({"file": str(path), "error": str(exc)})
                if not json_out:
                    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            else:
                reports.append(report.as_dict())
                if not json_out:
                    _print_report(report)
            progress.advance(task)
    if json_out:
        print_json(reports)
    if failed:
        raise typer.Exit(1)


def _marking(owner: str | None, releasable_to: str, licensed_to: str | None, mode: str) -> str:
    """Marking (JSON text) of the ingest options, or exit with what is wrong."""
    try:
        return Marking(owner=check_partner_name(owner.upper()) if owner else "",
                       releasable_to=parse_partner_list(releasable_to), mode=mode.upper(),
                       caveats=(licence_caveat(parse_partner_list(licensed_to)),) if licensed_to else ()).to_json()
    except ValueError as exc:
        fail(f"invalid marking: {exc}")


def _print_report(r: IngestReport) -> None:
    if r.already_ingested:
        console.print(f"[dim]{r.file}: already ingested (batch {r.batch_id}), nothing changed[/]", highlight=False)
        return
    line = (f"[green]{r.file}[/]: {r.format}, {r.n_records} record(s), {r.n_new} new, "
            f"{r.n_duplicate} already known, {r.elapsed_s:.2f} s")
    if r.n_rejected:
        line += f", [yellow]{r.n_rejected} rejected[/] (see {r.rejects_report})"
    console.print(line, highlight=False)


def _print_rejection(exc: IngestError) -> None:
    err_console.print(f"[bold red]rejected:[/] {exc}", highlight=False, soft_wrap=True)
    for e in exc.errors[:MAX_ERRORS_SHOWN]:
        err_console.print(f"  {e}", highlight=False, soft_wrap=True, markup=False)
    if len(exc.errors) > MAX_ERRORS_SHOWN:
        err_console.print(f"  ... and {len(exc.errors) - MAX_ERRORS_SHOWN} more", highlight=False)
