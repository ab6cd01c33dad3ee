"""``sda audit``: read and verify the audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sda.core.times import format_utc
from sda.interfaces.cli.common import DbOption, JsonOption, console, err_console, print_json, store_from

app = typer.Typer(help="The audit log of every write and every read of protected data.", no_args_is_help=True)

MAX_PROBLEMS_SHOWN = 20


@app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option(help="Show at most this many entries, newest first.")] = 50,
    since: Annotated[int | None, typer.Option("--since-seq", help="Entries from this sequence number on.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Audit entries, newest first: who did what, when, from where."""
    found = store_from(db).audit_entries(since_seq=since, limit=limit, newest_first=True)
    if json_out:
        print_json([e.as_dict() for e in found])
        return
    table = Table(title=f"{len(found)} audit entr{'y' if len(found) == 1 else 'ies'}")
    for col in ("Seq", "At (UTC)", "Principal", "Partner", "Action", "Target", "Origin"):
        table.add_column(col)
    for e in found:
        table.add_row(str(e.seq), format_utc(e.at_us, digits=3), e.principal, e.partner or "-", e.action, e.target,
                      e.origin)
    console.print(table)


@app.command("verify")
def audit_verify(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Check the chain and signatures of the whole log; exit 1 and say where it breaks if it does."""
    report = store_from(db).audit_verify()
    if json_out:
        print_json(report.as_dict())
    elif report.ok:
        head = f"; head {report.head.seq} {report.head.hash}" if report.head else ""
        console.print(f"audit log intact: {report.n_entries} entries, chain and signatures verified{head}",
                      highlight=False)
    else:
        where = f" at entry {report.first_break}" if report.first_break is not None else ""
        err_console.print(f"[bold red]audit log broken{where}:[/] {len(report.problems)} problem(s) in "
                          f"{report.n_entries} entries", highlight=False)
        for p in report.problems[:MAX_PROBLEMS_SHOWN]:
            err_console.print(f"  {p.message}", highlight=False, markup=False)
        if len(report.problems) > MAX_PROBLEMS_SHOWN:
            err_console.print(f"  ... and {len(report.problems) - MAX_PROBLEMS_SHOWN} more", highlight=False)
    if not report.ok:
        raise typer.Exit(1)
