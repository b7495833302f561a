"""The work in flight: `igsync status`, leads on their way (`deliveries list|retry|replay`),
`tokens refresh`, and `forget` (a data-deletion request by hand)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from daemon.cli.app import (
    JsonFlag,
    app,
    deliveries_app,
    tokens_app,
)
from daemon.cli.context import admin, fail, out, print_rows
from daemon.cli.render import deliveries_rows, status_table
from daemon.clock import utcnow
from daemon.store.statuses import DeliveryStatus, ErasureStatus


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Counts of codes, customers, tokens due for refresh, deliveries pending and failed."""
    from daemon.store.queries import status_counts

    with admin() as ctx, ctx.store.read() as session:
        counts = status_counts(
            session, now=utcnow(), refresh_window=timedelta(days=ctx.settings.refresh_window_days)
        )
    if as_json:
        out.print_json(json.dumps(counts.as_dict()))
    else:
        print_rows(status_table(counts))


@deliveries_app.command("list")
def deliveries_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only those WordPress refused.")] = False,
    parked: Annotated[
        bool, typer.Option("--parked", help="Only those parked after failing for days.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent deliveries with their status and WordPress's last answer."""
    from daemon.store.queries import list_deliveries

    only = DeliveryStatus.FAILED if failed else DeliveryStatus.PARKED if parked else None
    with admin() as ctx, ctx.store.read() as session:
        rows = list_deliveries(session, status=only, limit=limit)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": d.id,
                        "customer": u,
                        "status": d.status,
                        "attempts": d.attempts,
                        "http_status": d.last_http_status,
                        "last_error": d.last_error,
                    }
                    for d, u in rows
                ]
            )
        )
    elif not rows:
        out.print(f"No {only} deliveries." if only else "No deliveries.")
    else:
        print_rows(deliveries_rows(rows))


@deliveries_app.command("retry")
def deliveries_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Delivery ids (default: every failed one).")
    ] = None,
) -> None:
    """Queue refused deliveries again (after fixing the WordPress side)."""
    from daemon.pipeline.deliveries import retry_failed

    with admin() as ctx:
        count = retry_failed(ctx.store, now=utcnow(), delivery_ids=ids)
    out.print(f"{count} delivery(ies) queued again; a running daemon sends them within a sweep.")


@deliveries_app.command("replay")
def deliveries_replay(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Delivery ids (default: every parked one).")
    ] = None,
) -> None:
    """Send parked leads again, each customer's in order (once WordPress is back)."""
    from daemon.pipeline.deliveries import replay_parked

    with admin() as ctx:
        count = replay_parked(ctx.store, now=utcnow(), delivery_ids=ids)
    out.print(
        f"{count} parked delivery(ies) queued again, in order; a running daemon sends them "
        "within a sweep."
    )


@app.command()
def forget(
    customer: Annotated[str, typer.Argument(help="Customer id, @username or Instagram user id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a customer's Instagram data here and in WordPress (a data-deletion request by hand)."""
    from daemon.cli.views import find_customer
    from daemon.privacy.erasure import ErasureWorker, request_erasure
    from daemon.store.leases import worker_name
    from daemon.store.reader import open_reader
    from wp_bridge.signing import Signer
    from wp_bridge.wordpress import WordPressClient

    with admin() as ctx:
        with open_reader(ctx.settings.database_url) as reader:
            view = find_customer(reader, None, customer)
        if view is None:
            raise fail(f"no customer matches {customer!r}")
        found = view.customer
        who = f"@{found.username} (customer {found.id}, Instagram user {found.ig_user_id})"
        if not yes and not typer.confirm(f"Erase {who} here and in WordPress?"):
            raise typer.Exit(1)
        receipt = request_erasure(ctx.store, found.ig_user_id, source="cli", now=utcnow())
        out.print(f"Erased {who} here; confirmation code {receipt.confirmation_code}.")
        wordpress = WordPressClient(
            ctx.settings.wp_url,
            Signer(ctx.settings.shared_secret.reveal()),
            timeout=ctx.settings.http_timeout_seconds,
        )
        worker = ErasureWorker(ctx.store, wordpress, owner=worker_name())
        outcome = worker.process(receipt.id)
        wordpress.close()
    if outcome == ErasureStatus.COMPLETED:
        out.print("WordPress erased the lead and the user meta too.")
    elif receipt.due_at > utcnow():
        out.print(
            "A lead push to WordPress is in flight; the running daemon tells WordPress to erase "
            f"once it has ended (by {receipt.due_at:%H:%M:%S} UTC)."
        )
    else:
        out.print(
            "WordPress could not be told yet; the running daemon keeps trying "
            "(`igsync status` shows pending erasures)."
        )


@tokens_app.command("refresh")
def tokens_refresh(
    limit: Annotated[int, typer.Option(min=1, help="At most this many tokens.")] = 1000,
) -> None:
    """Refresh the long-lived tokens that are due now (the daemon does this on its own too)."""
    from daemon.instagram import InstagramClient, InstagramEndpoints
    from daemon.store.leases import worker_name
    from daemon.sync.refresh import TokenRefresher

    with admin() as ctx:
        client = InstagramClient(
            InstagramEndpoints.from_settings(ctx.settings),
            timeout=ctx.settings.http_timeout_seconds,
        )
        refresher = TokenRefresher(
            ctx.store,
            ctx.cipher,
            client,
            owner=worker_name(),
            window=timedelta(days=ctx.settings.refresh_window_days),
        )
        outcomes = [refresher.run_claimed(token_id) for token_id in refresher.claim_due(limit)]
        client.close()
    refreshed = outcomes.count("active")
    out.print(
        f"{len(outcomes)} token(s) due: {refreshed} refreshed, "
        f"{outcomes.count('invalid')} invalid (customer must reconnect), "
        f"{len(outcomes) - refreshed - outcomes.count('invalid')} to retry later."
    )
