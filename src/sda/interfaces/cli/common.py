"""Options and output helpers shared by every ``sda`` command."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from sda.catalog.records import DataMode
from sda.catalog.store import Store, open_store
from sda.errors import SDAError

__all__ = ["DbOption", "JsonOption", "ModeOption", "console", "err_console", "print_json", "store_from", "fail",
           "window_from"]

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $SDA_DATABASE_URL, else an SQLite file in your data folder).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
ModeOption = Annotated[
    str, typer.Option("--mode", help="Data mode: REAL, TEST, EXERCISE or SIMULATED.", case_sensitive=False)
]


def modes(text: str) -> tuple[str, ...]:
    """Data modes from a comma-separated option value, validated."""
    out = []
    for part in text.split(","):
        try:
            out.append(DataMode(part.strip().upper()).value)
        except ValueError:
            fail(f"unknown data mode {part!r}: expected REAL, TEST, EXERCISE or SIMULATED")
    return tuple(out)


def print_json(value: Any) -> None:
    """Write ``value`` as JSON to standard output (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def store_from(db: str | None) -> Store:
    """Open the store named by ``--db`` (or the default), failing with a clear message."""
    try:
        return open_store(db)
    except SDAError as exc:
        fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error to standard error and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def window_from(start: str | None, window: str, max_days: float = 30.0) -> tuple[int, float]:
    """Window start (UTC µs; now without ``--start``) and length (s) of the ``--start`` and
    ``--window`` options, failing with a clear message when either is invalid or the window is
    not within ``(0, max_days]``."""
    from sda.core.times import now_us, parse_duration_s, parse_utc_us

    try:
        start_us = parse_utc_us(start, require_zone=True) if start else now_us()
        window_s = parse_duration_s(window)
    except ValueError as exc:
        fail(str(exc))
    if not 0 < window_s <= max_days * 86400:
        fail(f"window must be between 0 and {max_days:g} days, found {window}")
    return start_us, window_s


def check_plot_suffix(plot: Path | None) -> None:
    """Fail unless ``--plot`` is unset or names a .png or .svg file."""
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        fail(f"--plot: file must end in .png or .svg, found {plot.name!r}")


def store_warnings(store, warnings: list) -> list:
    """Store warnings (failing cleanly on a store error); return them with their ids (``None`` when
    the same detection was already stored)."""
    if not warnings:
        return warnings
    try:
        stored = {w.content_hash: w.id for w in store.write_warnings(warnings)}
    except SDAError as exc:
        fail(str(exc))
    return [replace(w, id=stored.get(w.content_hash)) for w in warnings]
