"""Tables: boxed by rich on a terminal, one tab-separated line per row anywhere else (cron, a
pipe, ssh without a tty), where a wrapped table is unreadable and a script wants lines. Tokens
arrive here already masked. Every cell is plain text (rich.text.Text): an Instagram name such
as "[/i]" or "[link=...]" is shown as typed, never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from daemon.clock import isoformat_utc

if TYPE_CHECKING:  # the ORM loads only for the commands that need it
    from daemon.customer_views import CustomerView
    from daemon.models import Delivery
    from daemon.queries import StatusCounts

ERROR_CELL_CHARS = 120  # a long error, shortened at a word, in a table (complete in --json)


@dataclass
class Rows:
    """A table's content, before it is drawn for a terminal or written as lines."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def as_table(self) -> Table:
        table = Table(title=self.title, title_justify="left")
        for header in self.headers:
            table.add_column(header, overflow="fold")
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))
        return table

    def as_lines(self) -> list[str]:
        """The header and each row on one line, tab-separated, nothing cut or wrapped."""
        return ["\t".join(self.headers)] + [
            "\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row)
            for row in self.rows
        ]


def shorten(text: str, limit: int = ERROR_CELL_CHARS) -> str:
    """`text` cut to at most `limit` characters at a space, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def customers_rows(
    views: Sequence[CustomerView], title: str = "Customers", *, engagement: bool = False
) -> Rows:
    """`engagement`: an Engagement column after Followers (when the list is sorted by it)."""
    headers = ["ID", "Username", "Name", "Type", "Email", "WP user", "Status", "Followers"]
    headers += ["Engagement"] if engagement else []
    rows = Rows(title, (*headers, "Token", "Expires", "Lead"))
    for view in views:
        c, t = view.customer, view.token
        cells = [
            str(c.id),
            "@" + c.username,
            c.name or "-",
            c.account_type or "-",
            c.email or "-",
            str(c.wp_user_id or "-"),
            c.status,
            followers_cell(view),
        ]
        if engagement:
            cells.append("-" if c.engagement_rate is None else f"{c.engagement_rate:.2f}%")
        cells += [
            view.token_masked,
            isoformat_utc(t.expires_at)[:10] if t else "-",
            view.lead_status or "-",
        ]
        rows.rows.append(tuple(cells))
    return rows


def followers_cell(view: CustomerView) -> str:
    """ "12,345 (+210 in 30 d)": the count and its trend, where known."""
    count = view.customer.followers_count
    if count is None:
        return "-"
    trend = view.growth
    if trend is None or trend.days == 0:
        return f"{count:,}"
    return f"{count:,} ({trend.change:+,} in {trend.days} d)"


def customer_detail(view: CustomerView) -> Table:
    table = Table(show_header=False, title=f"Customer {view.customer.id}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in view.as_dict().items():
        if key == "followers_count":
            table.add_row("followers", followers_cell(view))
        elif key == "engagement_rate" and value is not None:
            table.add_row(key, f"{value:.2f}% (likes + comments per post, per follower)")
        elif key not in ("followers_change", "followers_change_days"):
            table.add_row(key, Text("-" if value in (None, "") else str(value)))
    if view.token is not None and view.token.last_error:
        table.add_row("token_last_error", Text(view.token.last_error))
    return table


def status_table(counts: StatusCounts) -> Table:
    table = Table(title="igsync status", title_justify="left", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    for status, n in counts.codes.items():
        table.add_row(f"codes {status}", str(n))
    table.add_row("customers", str(counts.customers))
    for status, n in counts.connections.items():
        table.add_row(f"customers {status}", str(n))
    for status, n in counts.tokens.items():
        table.add_row(f"tokens {status}", str(n))
    table.add_row("tokens due for refresh", str(counts.tokens_due))
    for status, n in counts.deliveries.items():
        table.add_row(f"deliveries {status}", str(n))
    for status, n in counts.profile_syncs.items():
        label = f"profile syncs {status}"
        table.add_row(label + (" (not connected)" if status == "paused" else ""), str(n))
    table.add_row("profile syncs due now", str(counts.syncs_due))
    table.add_row(
        "next profile sync",
        isoformat_utc(counts.next_sync_at) if counts.next_sync_at else "-",
    )
    for username, until in counts.budget_waits:
        table.add_row(
            Text(f"@{username} waits for Instagram's API budget"),
            f"until {isoformat_utc(until)}",
        )
    return table


def deliveries_rows(deliveries: Sequence[tuple[Delivery, str]]) -> Rows:
    rows = Rows(
        "Deliveries (newest first)",
        ("ID", "Customer", "Status", "Attempts", "HTTP", "Next attempt", "Last error"),
    )
    for delivery, username in deliveries:
        rows.rows.append(
            (
                str(delivery.id),
                "@" + username,
                delivery.status,
                str(delivery.attempts),
                str(delivery.last_http_status or "-"),
                isoformat_utc(delivery.next_attempt_at) if delivery.status == "pending" else "-",
                shorten(delivery.last_error) if delivery.last_error else "-",
            )
        )
    return rows
