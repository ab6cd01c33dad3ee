"""``sda admin``: partners, their principals and API keys (local operator only)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sda.core.times import format_utc
from sda.errors import StoreError
from sda.interfaces.cli.common import DbOption, JsonOption, console, err_console, fail, print_json, store_from
from sda.policy.principals import ROLES

app = typer.Typer(help="Administer partners, principals and API keys.", no_args_is_help=True)
partner_app = typer.Typer(help="Partners: the organisations that share data.", no_args_is_help=True)
key_app = typer.Typer(help="API keys of partners' users and services.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
app.add_typer(key_app, name="key")


@partner_app.command("add")
def partner_add(
    name: Annotated[str, typer.Argument(help="Partner name: upper-case letters, digits, hyphens (e.g. KR-MND).")],
    description: Annotated[str | None, typer.Option(help="What the partner is.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Register a partner."""
    store = store_from(db)
    try:
        store.create_partner(name.strip().upper(), description)
    except StoreError as exc:
        fail(str(exc))
    if json_out:
        print_json({"name": name.strip().upper(), "description": description})
    else:
        console.print(f"partner {name.strip().upper()} added", highlight=False)


@partner_app.command("list")
def partner_list(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Every partner."""
    found = store_from(db).partners()
    if json_out:
        print_json(found)
        return
    table = Table(title=f"{len(found)} partner(s)")
    for col in ("Name", "Principals", "Created (UTC)", "Description"):
        table.add_column(col)
    for p in found:
        table.add_row(p["name"], str(p["n_principals"]), p["created_at"], p["description"] or "")
    console.print(table)


@key_app.command("create")
def key_create(
    partner: Annotated[str, typer.Option("--partner", help="Partner the key acts for.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")] = "viewer",
    name: Annotated[str | None, typer.Option("--name", help="Principal (user or service) the key belongs to; "
                                                           "created if new.")] = None,
    user: Annotated[bool, typer.Option("--user", help="The principal is a person, not a service.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create an API key and print it once: it is stored only as a hash and cannot be shown again."""
    if role not in ROLES:
        fail(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    store = store_from(db)
    try:
        principal, key = store.create_api_key(partner.strip().upper(), role, name, kind="user" if user else "service")
    except StoreError as exc:
        fail(str(exc))
    if json_out:
        print_json({"key": key, "principal": principal.as_dict()})
        return
    console.print(key, highlight=False, markup=False)
    err_console.print(f"API key for {principal.name} ({principal.partner}, {principal.role}); it will not be "
                      "shown again.", highlight=False)


@key_app.command("list")
def key_list(
    partner: Annotated[str | None, typer.Option("--partner", help="Only this partner's keys.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every API key (its first characters only), with its principal."""
    found = store_from(db).api_keys(partner.strip().upper() if partner else None)
    if json_out:
        print_json([k.as_dict() for k in found])
        return
    table = Table(title=f"{len(found)} key(s)")
    for col in ("Id", "Prefix", "Principal", "Partner", "Role", "Kind", "Created (UTC)", "Revoked (UTC)"):
        table.add_column(col)
    for k in found:
        p = k.principal
        table.add_row(str(k.id), k.prefix + "...", p.name, p.partner, p.role, p.kind,
                      format_utc(k.created_at_us, digits=0),
                      "" if k.revoked_at_us is None else format_utc(k.revoked_at_us, digits=0))
    console.print(table)


@key_app.command("revoke")
def key_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id (see `sda admin key list`).")],
    db: DbOption = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    if not store_from(db).revoke_api_key(key_id):
        fail(f"no active API key with id {key_id}")
    console.print(f"API key {key_id} revoked", highlight=False)
