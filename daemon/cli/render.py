"""Tables: boxed by rich on a terminal, one tab-separated line per row anywhere else (cron, a
pipe, ssh without a tty), where a wrapped table is unreadable and a script wants lines. Tokens
arrive here already masked. Every cell is plain text (rich.text.Text): an Instagram name such
as "[/i]" or "[link=...]" is shown as typed, never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from daemon.clock import isoformat_utc

if TYPE_CHECKING:  # the ORM loads only for the commands that need it
    from daemon.cli.views import CustomerView
    from daemon.store.models import Delivery
    from daemon.store.queries import StatusCounts

ERROR_CELL_CHARS = 120  # a long error, shortened at a word, in a table (complete in --json)


@dataclass
class Rows:
    """A table's content, before it is drawn for a terminal or written as lines. `optional`
    names the columns a narrow terminal may leave out, the first to go first."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    optional: tuple[str, ...] = ()

    def as_table(self, width: int | None = None) -> Table:
        """The boxed table; within `width` columns, the optional columns that do not fit are
        left out (said in the caption) rather than every cell cut mid-word."""
        shown = self.fitting(width)
        hidden = len(self.headers) - len(shown)
        table = Table(
            title=self.title,
            title_justify="left",
            caption=f"{hidden} column(s) left out to fit: widen the terminal, or use --json"
            if hidden
            else None,
            caption_justify="left",
        )
        for n in shown:
            table.add_column(self.headers[n], overflow="ellipsis", no_wrap=True)
        for row in self.rows:
            table.add_row(*(Text(row[n]) for n in shown))
        return table

    def fitting(self, width: int | None) -> list[int]:
        """The columns (by index) whose cells fit whole within `width` (a box border and
        padding of 3 per column), leaving out optional ones in their order as needed."""
        natural = [
            max([len(header), *(len(row[n]) for row in self.rows)]) + 3
            for n, header in enumerate(self.headers)
        ]
        shown = list(range(len(self.headers)))
        for name in self.optional:
            if width is None or sum(natural[n] for n in shown) + 1 <= width:
                break
            shown.remove(self.headers.index(name))
        return shown

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
    # On a narrow terminal these go first, least useful first; the rest fit 80 columns.
    optional = ("Token", "Expires", "WP user", "Type", "Lead", "Name", "Followers")
    rows = Rows(title, (*headers, "Token", "Expires", "Lead"), optional=optional)
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


@dataclass
class Pairs:
    """A list of (what, value): a two-column box on a terminal, `what<TAB>value` lines
    anywhere else (as Rows, so that cron and scripts read the same lines)."""

    title: str
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def as_table(self, width: int | None = None) -> Table:
        table = Table(title=self.title, title_justify="left", show_header=False)
        table.add_column("what", style="bold")
        table.add_column("value", overflow="fold")
        for what, value in self.pairs:
            table.add_row(Text(what), Text(value))
        return table

    def as_lines(self) -> list[str]:
        return [
            f"{what}\t{value.replace(chr(9), ' ').replace(chr(10), ' ')}"
            for what, value in self.pairs
        ]


def customer_detail(view: CustomerView) -> Pairs:
    detail = Pairs(f"Customer {view.customer.id}")
    for key, value in view.as_dict().items():
        if key == "followers_count":
            detail.pairs.append(("followers", followers_cell(view)))
        elif key == "insights" and value:
            daily = {m: v for m, v in value.items() if m != "audience"}
            detail.pairs.append((key, ", ".join(f"{m} {v}" for m, v in sorted(daily.items()))))
            if "audience" in value:
                detail.pairs.append(("audience", audience_cell(value["audience"])))
        elif key == "engagement_rate" and value is not None:
            detail.pairs.append((key, f"{value:.2f}% (likes + comments per post, per follower)"))
        elif key not in ("followers_change", "followers_change_days"):
            detail.pairs.append((key, "-" if value in (None, "") else str(value)))
    if view.token is not None and view.token.last_error:
        detail.pairs.append(("token_last_error", view.token.last_error))
    return detail


def audience_cell(audience: dict[str, Any]) -> str:
    """Pure: each breakdown's largest group and its share, or why there is none."""
    from daemon.instagram.audience import BREAKDOWNS, READ_ON, top_group  # only for `show`

    parts = []
    for breakdown in BREAKDOWNS:
        groups = audience.get(breakdown)
        top = top_group(groups) if isinstance(groups, dict) else None
        if isinstance(groups, dict) and top is not None:
            share = 100 * groups[top] / sum(groups.values())
            parts.append(f"{breakdown} {top} {share:.0f}%")
        else:
            parts.append(f"{breakdown} {groups}")
    return ", ".join(parts) + f" (read {audience.get(READ_ON, '-')})"


def status_table(counts: StatusCounts) -> Pairs:
    status = Pairs("igsync status")
    add = status.pairs.append
    for code_status, n in counts.codes.items():
        add((f"codes {code_status}", str(n)))
    add(("customers", str(counts.customers)))
    for connection, n in counts.connections.items():
        add((f"customers {connection}", str(n)))
    for token_status, n in counts.tokens.items():
        add((f"tokens {token_status}", str(n)))
    add(("tokens due for refresh", str(counts.tokens_due)))
    for delivery_status, n in counts.deliveries.items():
        add((f"deliveries {delivery_status}", str(n)))
    for sync_status, n in counts.profile_syncs.items():
        label = f"profile syncs {sync_status}"
        add((label + (" (not connected)" if sync_status == "paused" else ""), str(n)))
    add(("profile syncs due now", str(counts.syncs_due)))
    add(("next profile sync", isoformat_utc(counts.next_sync_at) if counts.next_sync_at else "-"))
    for username, until in counts.budget_waits:
        add((f"@{username} waits for Instagram's API budget", f"until {isoformat_utc(until)}"))
    return status


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
