"""`igsync customers list|show|sync|search|export`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from daemon.cli.context import admin, err, fail, out, print_rows, reading
from daemon.cli.render import customer_detail, customers_rows
from daemon.cli.spreadsheet import SafeCsvWriter
from daemon.cli.views import (
    EXPORT_FIELDS,
    count_customers,
    find_customer,
    iter_customers,
    list_customers,
    search_customers,
)
from daemon.clock import utcnow
from daemon.store.reader import open_reader
from daemon.store.statuses import ConnectionStatus

app = typer.Typer(help="Inspect, search and export stored customers.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Limit = Annotated[int, typer.Option(min=1, max=10_000, help="How many rows at most.")]


def private_file(path: Path) -> IO[str]:
    """An export's file, readable by its owner only (it holds personal data), even when a file
    of that name was there with a wider mode."""
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "w", newline="", encoding="utf-8")


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


class SortOrder(StrEnum):
    id = "id"
    followers = "followers"
    engagement = "engagement"
    connected = "connected"


@app.command("list")
def list_(
    limit: Limit = 50,
    page: Annotated[int, typer.Option(min=1, help="Page number (of --limit rows).")] = 1,
    status: Annotated[
        ConnectionStatus | None,
        typer.Option(help="Only customers whose connection has this status."),
    ] = None,
    sort: Annotated[
        SortOrder,
        typer.Option(
            help="id (oldest first), followers or engagement (highest first), connected "
            "(newest first)."
        ),
    ] = SortOrder.id,
    as_json: JsonFlag = False,
) -> None:
    """List customers one page at a time."""
    with reading() as ctx:
        views = list_customers(
            ctx.reader,
            ctx.cipher,
            limit=limit,
            offset=(page - 1) * limit,
            status=status.value if status else None,
            sort=sort.value,
        )
        if as_json:
            out.print_json(json.dumps([v.as_dict() for v in views]))
        elif not views:
            out.print("No customers yet." if page == 1 else f"Page {page} is empty.")
        else:
            engagement = sort == SortOrder.engagement  # the column it is sorted by, shown
            print_rows(
                customers_rows(views, title=f"Customers (page {page})", engagement=engagement)
            )


@app.command()
def show(
    customer: Annotated[str, typer.Argument(help="Customer id, @username or Instagram user id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one customer in full (the token masked)."""
    with reading() as ctx:
        view = find_customer(ctx.reader, ctx.cipher, customer)
        if view is None:
            raise fail(f"no customer matches {customer!r}", code=1)
        if as_json:
            out.print_json(json.dumps(view.as_dict()))
        else:
            print_rows(customer_detail(view))


@app.command()
def sync(
    customer: Annotated[
        str | None, typer.Argument(help="Customer id, @username or Instagram user id.")
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Make every connected customer's sync due now: the running daemon works them "
            "within Instagram's API budget.",
        ),
    ] = False,
) -> None:
    """Fetch one customer's profile from Instagram now (a change is pushed to WordPress by the
    running daemon), or with --all make every connected customer's sync due now."""
    from daemon.customers.schedule import make_all_due
    from daemon.instagram import InstagramClient, InstagramEndpoints
    from daemon.store.leases import worker_name
    from daemon.sync.budget import ApiBudget
    from daemon.sync.profile_sync import ProfileSyncer

    if every == (customer is not None):
        raise fail("name one customer, or pass --all (not both)")
    if customer is None:
        with admin() as ctx, ctx.store.write() as session:
            due = make_all_due(session, utcnow())
        out.print(
            f"{due} customer(s) due now: the running daemon syncs them within Instagram's API "
            "budget (igsync status shows how many are still due)."
        )
        return
    with admin() as ctx:
        with open_reader(ctx.settings.database_url) as reader:
            view = find_customer(reader, None, customer)
        if view is None:
            raise fail(f"no customer matches {customer!r}", code=1)
        settings = ctx.settings
        budget = ApiBudget(settings.api_budget_percent)
        client = InstagramClient(
            InstagramEndpoints.from_settings(settings),
            timeout=settings.http_timeout_seconds,
            on_usage=lambda usage: budget.observe(usage, utcnow()),
        )
        syncer = ProfileSyncer(
            ctx.store,
            ctx.cipher,
            client,
            owner=worker_name(),
            interval=timedelta(hours=settings.profile_sync_hours),
            budget=budget,
            engagement=settings.engagement,
        )
        try:
            outcome = syncer.sync_now(view.customer.id)
        finally:
            client.close()
        with open_reader(ctx.settings.database_url) as reader:
            after = find_customer(reader, None, str(view.customer.id))
    said = SYNC_OUTCOMES.get(outcome, outcome)
    if outcome in ("not_active", "paused", "connection_lost", "lease_lost", "retrying"):
        raise fail(f"@{view.customer.username}: {said}", code=1)
    out.print(f"@{view.customer.username}: {said}")
    if after is not None:
        print_rows(customer_detail(after))


SYNC_OUTCOMES = {
    "updated": "profile changed; the update is queued for WordPress",
    "unchanged": "profile unchanged",
    "deferred": "not now: Instagram's API budget is spent; the daemon syncs it later",
    "retrying": "Instagram did not answer usably; the daemon retries later (see last_error)",
    "paused": "the connection is not live (needs reconnect or disconnected)",
    "not_active": "the connection is not live (needs reconnect or disconnected)",
    "connection_lost": "Instagram refused the token: the customer must connect again",
    "lease_lost": "the running daemon is syncing this customer right now",
}


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Start of a username, or a full email address.")],
    limit: Limit = 50,
    as_json: JsonFlag = False,
) -> None:
    """Find customers by username prefix or by email."""
    with reading() as ctx:
        views = search_customers(ctx.reader, ctx.cipher, text, limit=limit)
        if as_json:
            out.print_json(json.dumps([v.as_dict() for v in views]))
        elif not views:
            out.print(f"No customer matches {text!r}.")
        else:
            print_rows(customers_rows(views, title=f"Customers matching {text!r}"))


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export every customer (no tokens), streaming: memory stays flat however many there are."""
    with reading() as ctx:
        total = count_customers(ctx.reader)
        stream: IO[str] = private_file(output) if output else sys.stdout
        show_progress = err.is_terminal and output is not None
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            with Progress(
                TextColumn("exporting"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                disable=not show_progress,
            ) as progress:
                task = progress.add_task("export", total=total)
                rows = (v.as_dict() for v in iter_customers(ctx.reader))
                written = _write(stream, fmt, rows, advance=lambda: progress.advance(task))
        finally:
            if output:
                stream.close()
        if output:
            err.print(f"exported {written} customer(s) to {output}")


def _write(
    stream: IO[str],
    fmt: ExportFormat,
    rows: Iterable[dict[str, Any]],
    *,
    advance: Callable[[], None],
) -> int:
    written = 0
    if fmt is ExportFormat.csv:
        writer = SafeCsvWriter(stream, EXPORT_FIELDS)
        writer.writeheader()
    else:
        stream.write("[")
    for row in rows:
        if fmt is ExportFormat.csv:
            writer.writerow(row)
        else:
            stream.write(
                ("," if written else "") + "\n" + json.dumps({k: row[k] for k in EXPORT_FIELDS})
            )
        written += 1
        advance()
    if fmt is ExportFormat.json:
        stream.write("\n]\n")
    return written
