"""Tables for the terminal (rich). Tokens arrive here already masked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from daemon.clock import isoformat_utc
from daemon.models import Delivery
from daemon.queries import CustomerView, StatusCounts


def customers_table(views: Sequence[CustomerView], title: str = "Customers") -> Table:
    table = Table(title=title, title_justify="left")
    for column in (
        "ID",
        "Username",
        "Name",
        "Type",
        "Email",
        "WP user",
        "Token",
        "Expires",
        "Lead",
    ):
        table.add_column(column, overflow="fold")
    for view in views:
        c, t = view.customer, view.token
        table.add_row(
            str(c.id),
            "@" + c.username,
            c.name or "-",
            c.account_type or "-",
            c.email or "-",
            str(c.wp_user_id or "-"),
            view.token_masked,
            isoformat_utc(t.expires_at)[:10] if t else "-",
            view.lead_status or "-",
        )
    return table


def customer_detail(view: CustomerView) -> Table:
    table = Table(show_header=False, title=f"Customer {view.customer.id}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in view.as_dict().items():
        table.add_row(key, "-" if value in (None, "") else str(value))
    if view.token is not None and view.token.last_error:
        table.add_row("token_last_error", view.token.last_error)
    return table


def status_table(counts: StatusCounts) -> Table:
    table = Table(title="igsync status", title_justify="left", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    for status, n in counts.codes.items():
        table.add_row(f"codes {status}", str(n))
    table.add_row("customers", str(counts.customers))
    for status, n in counts.tokens.items():
        table.add_row(f"tokens {status}", str(n))
    table.add_row("tokens due for refresh", str(counts.tokens_due))
    for status, n in counts.deliveries.items():
        table.add_row(f"deliveries {status}", str(n))
    return table


def deliveries_table(rows: Sequence[tuple[Delivery, str]]) -> Table:
    table = Table(title="Deliveries (newest first)", title_justify="left")
    for column in ("ID", "Customer", "Status", "Attempts", "HTTP", "Next attempt", "Last error"):
        table.add_column(column, overflow="fold")
    for delivery, username in rows:
        table.add_row(
            str(delivery.id),
            "@" + username,
            delivery.status,
            str(delivery.attempts),
            str(delivery.last_http_status or "-"),
            isoformat_utc(delivery.next_attempt_at) if delivery.status == "pending" else "-",
            delivery.last_error or "-",
        )
    return table
