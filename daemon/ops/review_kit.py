"""`igsync review-kit DIR`: what Meta's App Review and the yearly Data Use Checkup ask of this
shop, written from the daemon's real scopes, settings and this shop's URLs.

Five Markdown files: the justification of each permission requested, a screencast script with
this shop's pages, the data inventory (every stored field of the daemon's tables, read from
the models, and of the plugin's, read from its schema, so neither can go stale), a self-test
of the deauthorize and data-deletion callbacks, and draft answers for the Data Use Checkup.
No secret is ever written: the kit is meant to be shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlmodel import SQLModel

import daemon.store.models  # noqa: F401 (registers every table on SQLModel.metadata)
from daemon.clock import isoformat_utc
from daemon.customers.followers import FOLLOWER_HISTORY
from daemon.ops.golive import requested_scopes
from daemon.privacy.meta import build_signed_request
from daemon.settings import Settings
from wp_bridge.plugin import PLUGIN_DIR
from wp_bridge.wordpress import route_url

PLUGIN_SCHEMA = PLUGIN_DIR / "includes" / "class-igsync-schema.php"  # shipped with the package
SELF_TEST_USER = "0"  # no Instagram account has this id: the self-test erases nobody


@dataclass(frozen=True)
class Table:
    """What a table holds, for whom, and for how long."""

    purpose: str
    kept: str
    columns: dict[str, str]  # column -> what it holds
    encrypted: frozenset[str] = frozenset()  # columns stored encrypted (Fernet, or sodium)


LEASE = {  # the claim columns every worker's table shares
    "attempts": "attempts made so far",
    "next_attempt_at": "when the next attempt is due",
    "lease_owner": "which daemon works the row now (host and process)",
    "lease_expires_at": "when that daemon's claim lapses",
    "last_error": "the last failure, in words (never a secret)",
}

DAEMON_TABLES: dict[str, Table] = {
    "customers": Table(
        "one row per connected Instagram account: what the shop knows of the person",
        "until the person is erased (WordPress's eraser, Meta's data-deletion callback, "
        "`igsync forget`)",
        {
            "id": "row id",
            "ig_user_id": "the Instagram professional account's user id",
            "username": "Instagram username",
            "name": "name on the Instagram profile",
            "account_type": "BUSINESS or CREATOR",
            "api_flavour": "which Instagram API connected it",
            "wp_user_id": "the shop's WordPress user, when the shopper was logged in",
            "email": "the email WordPress vouched for (Instagram never gives one)",
            "source": "which button the shopper used",
            "status": "connected, needs_reconnect or disconnected",
            "version": "how many changes WordPress has been told of",
            "followers_count": "followers, from the profile",
            "follows_count": "accounts followed, from the profile",
            "media_count": "posts, from the profile",
            "profile_picture_url": "the profile picture's address on Instagram's CDN",
            "biography": "the profile's biography",
            "website": "the profile's website",
            "engagement_rate": "likes and comments of recent posts per follower (when enabled)",
            "created_at": "first connection",
            "updated_at": "last change",
            "connected_at": "when the current connection began",
            "unavailable_fields": "profile fields the Graph API version no longer serves",
            "insights": "daily reach and new followers, and once a week the followers by "
            "country, age and gender, where insights are asked for (a number, suppressed or "
            "unavailable)",
        },
    ),
    "tokens": Table(
        "the person's Instagram access token, to re-read the profile and refresh the token",
        "until it expires (60 days, refreshed while the person stays connected), is revoked "
        "(deauthorize, Disconnect) or the person is erased",
        {
            "id": "row id",
            "customer_id": "whose token",
            "access_token_ciphertext": "the long-lived access token",
            "permissions": "the permissions Instagram granted",
            "status": "active, revoked, expired",
            "obtained_at": "when Instagram issued it",
            "expires_at": "when it stops working",
            "refreshed_at": "last refresh",
            **LEASE,
        },
        frozenset({"access_token_ciphertext"}),
    ),
    "received_codes": Table(
        "each authorization code WordPress forwarded, while it is exchanged",
        "the code and the short-lived token are erased once exchanged or after its hour; the "
        "row (no secret) stays as the record of the connection until the person is erased",
        {
            "id": "row id",
            "code_hash": "SHA-256 of the code (to recognise it again)",
            "code_ciphertext": "the authorization code (one hour, single use)",
            "redirect_uri": "the shop's redirect URI",
            "received_at": "when the shopper came back",
            "accepted_at": "when the daemon stored it",
            "expires_at": "the code's deadline",
            "context": "what WordPress vouched for: user id, email, return page, button, order",
            "status": "where the code is in its way to a lead",
            "ig_user_id": "the Instagram user id the exchange returned",
            "permissions": "the permissions the exchange granted",
            "token_ciphertext": "the short-lived, then long-lived token, until stored",
            "token_expires_at": "that token's expiry",
            "customer_id": "the customer it became",
            "updated_at": "last change",
            "wordpress_told_at": "when WordPress was told how a code that made no lead ended",
            **LEASE,
        },
        frozenset({"code_ciphertext", "token_ciphertext"}),
    ),
    "deliveries": Table(
        "each lead or change on its way to WordPress",
        "until the person is erased (the payload is what WordPress stores)",
        {
            "id": "row id",
            "idempotency_key": "the lead's key, derived from the code's hash",
            "customer_id": "whose lead",
            "code_id": "the code it came from",
            "payload": "the lead as sent: the customer's fields above, the context, the event",
            "status": "pending, delivered, failed, parked",
            "last_http_status": "WordPress's last answer",
            "created_at": "queued at",
            "delivered_at": "when WordPress had it",
            "failing_since": "since when WordPress has taken none of its pushes (parked later)",
            **LEASE,
        },
    ),
    "profile_syncs": Table(
        "when each customer's profile is read again",
        "while the customer exists",
        {
            "id": "row id",
            "customer_id": "whose profile",
            "status": "active or paused",
            "synced_at": "last read",
            **LEASE,
        },
    ),
    "follower_counts": Table(
        "the follower count each time it changed, to tell growth",
        f"{FOLLOWER_HISTORY.days} days (the one in force then is kept)",
        {
            "id": "row id",
            "customer_id": "whose count",
            "counted_at": "when",
            "followers_count": "followers then",
        },
    ),
    "erasures": Table(
        "each erasure asked for (WordPress's eraser, Meta's data deletion), with its receipt",
        "kept as the record Meta's status page reads (no profile data in it)",
        {
            "id": "row id",
            "confirmation_code": "the code Meta shows the person",
            "subject_hash": "SHA-256 of who was erased (to answer the status page)",
            "ig_user_id": "the Instagram user id, until the erasure is done",
            "source": "who asked",
            "status": "pending or done",
            "customers_erased": "how many customers it erased",
            "wp_leads_erased": "how many WordPress leads it erased",
            "requested_at": "asked at",
            "completed_at": "done at",
            **LEASE,
        },
    ),
    "acted_meta_requests": Table(
        "Meta callbacks already acted on, so a replay acts on nothing",
        "while the callback would still verify",
        {
            "digest": "SHA-256 of the callback's signature",
            "kind": "deauthorize or data deletion",
            "expires_at": "when it is forgotten",
            "confirmation_code": "a data deletion's receipt",
        },
    ),
    "seen_webhooks": Table(
        "ids of signed requests from WordPress, to refuse replays",
        "15 minutes",
        {"webhook_id": "the request's id", "seen_at": "when"},
    ),
}

PLUGIN_TABLES: dict[str, Table] = {
    "leads": Table(
        "the leads WordPress shows (Instagram leads screen, orders, users, My Account)",
        "until the person is erased (WordPress's eraser, Meta's data deletion) or the plugin "
        "is deleted",
        {
            "id": "row id",
            "idempotency_key": "the lead's key",
            "ig_user_id": "the Instagram user id",
            "username": "Instagram username",
            "name": "name on the Instagram profile",
            "account_type": "BUSINESS or CREATOR",
            "api": "which Instagram API connected it",
            "email": "the email WordPress vouched for",
            "wp_user_id": "the WordPress user",
            "source": "which button",
            "return_url": "the page the shopper came from (order keys removed)",
            "wc_order_id": "the WooCommerce order the shopper connected from",
            "profile_picture_url": "the profile picture's address",
            "followers_count": "followers",
            "followers_change": "followers gained or lost lately",
            "followers_change_days": "over how many days",
            "engagement_rate": "engagement rate, when enabled",
            "version": "the newest change stored",
            "status": "connected, needs_reconnect or disconnected",
            "status_reason": "why a connection was lost, in words",
            "connected_at": "when the connection began",
            "sandbox": "made up on the igsync sandbox, not Instagram",
            "permissions": "the permissions Instagram granted",
            "unavailable_fields": "profile fields the Graph API version no longer serves",
            "insights": "reach, new followers and followers by country, age and gender, as the "
            "daemon pushed them (with instagram_business_manage_insights)",
            "consent_version": "the version of the consent text the shopper saw",
            "consent_hash": "SHA-256 of that text",
            "consented_at": "when the shopper agreed (came back with a code)",
            "created_at": "first stored",
            "updated_at": "last change",
        },
    ),
    "codes": Table(
        "codes Instagram sent back, queued until the daemon has them",
        "the code is erased once the daemon has it, or after its hour; the row (no secret, the "
        "context names the shopper) is deleted after 30 days",
        {
            "id": "row id",
            "code_hash": "SHA-256 of the code",
            "code_enc": "the authorization code",
            "redirect_uri": "the redirect URI",
            "context": "what WordPress vouched for: user id, email, return page, button, order",
            "received_at": "when the shopper came back",
            "forward_attempts": "forwards tried",
            "daemon_id": "the daemon's id for it",
            "acked_at": "when the daemon had it",
            "last_error": "why a forward failed",
            "consent_version": "the consent text's version the shopper saw",
            "consent_hash": "SHA-256 of that text",
        },
        frozenset({"code_enc"}),
    ),
    "meta": Table(
        "Meta's callbacks kept while the daemon could not be reached",
        "until the daemon has them, then two days (the signed request is blanked)",
        {
            "id": "row id",
            "kind": "deauthorize or data deletion",
            "signed_request": "Meta's signed request (the person's Instagram user id in it)",
            "confirmation_code": "a data deletion's receipt",
            "received_at": "when Meta called",
            "acked_at": "when the daemon had it",
        },
    ),
    "seen": Table(
        "ids of signed requests from the daemon, to refuse replays",
        "a few minutes past the signature tolerance",
        {"webhook_id": "the request's id", "seen_at": "when"},
    ),
    "creators": Table(
        "the creator program's creators (WooCommerce > Instagram creators, My Account)",
        "until the person is erased (their unused code goes with it) or the plugin is deleted",
        {
            "id": "row id",
            "ig_user_id": "the Instagram user id",
            "wp_user_id": "the WordPress user",
            "username": "Instagram username",
            "name": "name on the Instagram profile",
            "status": "invited, pending, active or declined",
            "tier": "the tier their figures earn",
            "followers_count": "followers, as the last profile sync read them",
            "followers_change": "followers gained or lost lately",
            "followers_change_days": "over how many days",
            "engagement_rate": "engagement rate, when enabled",
            "coupon_id": "their WooCommerce coupon",
            "code": "their coupon's code",
            "sandbox": "made up on the igsync sandbox, not Instagram",
            "orders_count": "paid orders with their code",
            "revenue": "those orders' sales",
            "commission": "commission accrued",
            "commission_paid": "commission paid as store credit",
            "top_country": "the country most of the creator's followers are in (with "
            "instagram_business_manage_insights)",
            "last_order_at": "when their code was last used",
            "created_at": "when they applied or were invited",
            "updated_at": "last change",
        },
    ),
    "creator_orders": Table(
        "orders placed with a creator's code (no buyer's details: those stay WooCommerce's)",
        "until the creator is erased or the plugin is deleted",
        {
            "order_id": "the WooCommerce order",
            "creator_id": "the creator",
            "code": "the code it used",
            "order_status": "the order's status",
            "revenue": "what it counts",
            "commission_rate": "the tier's rate when it was ordered",
            "commission": "commission accrued",
            "ordered_at": "when",
            "updated_at": "last change",
        },
    ),
    "creator_events": Table(
        "a creator's history (applied, approved, code, tier changes)",
        "until the creator is erased or the plugin is deleted",
        {
            "id": "row id",
            "creator_id": "the creator",
            "kind": "what happened",
            "detail": "the new code or tier",
            "happened_at": "when",
        },
    ),
    "creator_followers": Table(
        "a creator's follower count, one a day, for their chart",
        "until the creator is erased or the plugin is deleted",
        {
            "creator_id": "the creator",
            "day": "the day",
            "followers_count": "followers that day",
        },
    ),
}

USER_META = {
    "igsync_ig_user_id": "the Instagram user id connected to this WordPress user",
    "igsync_ig_username": "its username",
    "igsync_ig_picture": "its profile picture's address",
    "igsync_connected_at": "when it connected",
    "igsync_status": "the connection's status, for My Account",
    "igsync_status_at": "when the status changed",
}

PERMISSIONS = {
    "instagram_business_basic": (
        "igsync reads the connecting account's profile (user id, username, name, account "
        "type, profile picture, follower, following and post counts, biography, website) once "
        "when the shopper connects and again on a schedule while they stay connected, and "
        "stores it with the shop's own customer record. The shop owner sees it on the "
        "WordPress leads screen, on the customer's orders and user profile, and the shopper "
        "sees their own connection on My Account > Instagram, where they can disconnect. "
        "Nothing is posted, messaged or published, and nothing is shared outside the shop."
    ),
    "instagram_business_manage_insights": (
        "igsync reads the account's audience insights (followers by country, age and gender; "
        "reach) on the profile's schedule, so the shop can see which connected creators reach "
        "its customers. Shown only to the shop owner in wp-admin; never shared."
    ),
}


def plugin_columns(schema: str) -> dict[str, list[str]]:
    """The plugin's tables and their columns, read from its dbDelta schema."""
    tables: dict[str, list[str]] = {}
    for match in re.finditer(r"CREATE TABLE \{\$t\['(\w+)'\]\} \((.*?)\n\)", schema, re.S):
        tables[match.group(1)] = [
            line.split()[0]
            for line in match.group(2).strip().splitlines()
            if line.strip() and not re.match(r"\s*(PRIMARY|UNIQUE|FULLTEXT|KEY)\b", line)
        ]
    return tables


def daemon_columns() -> dict[str, list[str]]:
    return {t.name: [c.name for c in t.columns] for t in SQLModel.metadata.sorted_tables}


@dataclass(frozen=True)
class SelfTest:
    route: str
    url: str
    status: int | None
    said: str


@dataclass(frozen=True)
class Shop:
    """This shop's facts the kit names."""

    wp_url: str
    redirect_uri: str
    scopes: tuple[str, ...]
    graph_api_version: str
    database: str  # where the daemon keeps its data, without credentials
    sandbox: bool


def shop_of(settings: Settings) -> Shop:
    return Shop(
        wp_url=settings.wp_url,
        redirect_uri=settings.redirect_uri,
        scopes=requested_scopes(settings),
        graph_api_version=settings.graph_api_version,
        database=_without_credentials(settings.database_url),
        sandbox=settings.sandbox,
    )


def run_self_test(settings: Settings, now: datetime, timeout: float = 15.0) -> list[SelfTest]:
    """Meta's two callbacks, signed as Meta signs them (the app secret) for an account that
    does not exist and marked as a self-test, posted to the plugin's relay URLs (the ones the
    go-live guide gives Meta): what each answered."""
    results = []
    for route in ("/igsync/v1/meta/deauthorize", "/igsync/v1/meta/data-deletion"):
        url = route_url(settings.wp_url, route)
        signed = build_signed_request(
            SELF_TEST_USER,
            settings.instagram_app_secret.reveal(),
            issued_at=now,
            self_test=True,
        )
        try:
            answer = requests.post(url, data={"signed_request": signed}, timeout=timeout)
        except requests.RequestException as exc:
            results.append(SelfTest(route, url, None, f"no answer ({type(exc).__name__})"))
            continue
        results.append(SelfTest(route, url, answer.status_code, answer.text[:300]))
    return results


def build_kit(shop: Shop, tests: Iterable[SelfTest], now: datetime) -> dict[str, str]:
    """Pure: file name -> Markdown."""
    tests = list(tests)
    return {
        "README.md": _readme(shop, now),
        "permissions.md": _permissions(shop),
        "screencast.md": _screencast(shop),
        "data-inventory.md": _inventory(shop, plugin_columns(PLUGIN_SCHEMA.read_text())),
        "callbacks-self-test.md": _self_test(tests, now),
        "data-use-checkup.md": _checkup(shop),
    }


def write_kit(directory: Path, files: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _readme(shop: Shop, now: datetime) -> str:
    sandbox = (
        "\n> This daemon runs in **sandbox mode**: the kit describes the setup, but App Review "
        "needs a screencast made with your Meta app and a real Instagram account.\n"
        if shop.sandbox
        else ""
    )
    return f"""# App Review kit for {shop.wp_url}

Written by `igsync review-kit` on {isoformat_utc(now)} from this daemon's settings.
{sandbox}
| File | For |
|---|---|
| [permissions.md](permissions.md) | App Review > Requests: the justification of each permission |
| [screencast.md](screencast.md) | App Review: what to record, with this shop's pages |
| [data-inventory.md](data-inventory.md) | App Review and the Data Use Checkup: every field stored |
| [callbacks-self-test.md](callbacks-self-test.md) | Meta's two callbacks, tried |
| [data-use-checkup.md](data-use-checkup.md) | Draft answers for Meta's yearly Data Use Checkup |

Permissions requested: {", ".join(f"`{s}`" for s in shop.scopes)}.
Graph API version: `{shop.graph_api_version}`. Redirect URI: `{shop.redirect_uri}`.
"""


def _permissions(shop: Shop) -> str:
    parts = ["# Permissions and why igsync needs each\n"]
    for scope in shop.scopes:
        why = PERMISSIONS.get(
            scope,
            "igsync does not use this permission: remove it from IGSYNC_SCOPES rather than "
            "ask Meta for it (App Review refuses permissions an app does not use).",
        )
        parts.append(f"## `{scope}`\n\nAccess level needed: **Advanced Access**.\n\n{why}\n")
    parts.append(
        "The shop is a Tech Provider in Meta's terms: it serves Instagram professional "
        "accounts it does not own (its customers'), so Standard Access (accounts with a role "
        "on the app) is not enough once the shop is open to the public.\n"
    )
    return "\n".join(parts)


def _screencast(shop: Shop) -> str:
    account = f"{shop.wp_url}/my-account/instagram/"
    scopes = ", ".join(f"`{s}`" for s in shop.scopes)
    return f"""# Screencast script

Record in one take, in English or with captions, at a readable size. Use an Instagram
professional account that is a tester of the app (App roles > Roles > Instagram Tester).

1. Open the shop, {shop.wp_url}, and a page with the **Connect with Instagram** button (with
   WooCommerce: My Account > Instagram, {account}). Show the text under the button: what
   connecting shares.
2. Click **Connect with Instagram**. Instagram's consent page opens: show the app's name and
   the permissions asked for ({scopes}).
3. Log in and click **Allow**. Instagram sends the browser back to {shop.redirect_uri}; the
   shop shows "Connecting", then "Connected as @username".
4. In wp-admin, open **Instagram leads** ({shop.wp_url}/wp-admin/admin.php?page=igsync-leads):
   show the lead (username, name, followers) and say what the shop uses it for: recognising
   the customer's Instagram presence beside their orders.
5. Open the customer's order or user profile: the Instagram box shows the same account.
6. Back on My Account > Instagram, click **Disconnect**: the token is revoked and the status
   reads "Disconnected".
7. In Instagram, Settings > Apps and websites, remove the app: Meta calls the deauthorize
   callback, and the lead reads "Disconnected" in wp-admin. Mention the data deletion
   request URL, which erases the person everywhere.
"""


def _inventory(shop: Shop, plugin: dict[str, list[str]]) -> str:
    lines = [
        "# Data inventory\n",
        "Every field igsync stores, where, for how long, and whether it is encrypted. Tokens and "
        "codes are encrypted at rest (Fernet, AES-128-CBC with HMAC-SHA256, keys in "
        "IGSYNC_ENCRYPTION_KEYS; the plugin's queued codes with libsodium under a key of the "
        "site). Instagram never gives an email address: an email comes only from the shop.\n",
        f"## The igsync daemon ({shop.database})\n",
        "Readable by the `igsync` service user and root on the daemon's server; the shop owner "
        "reads customers through `igsync customers` (tokens masked).\n",
    ]
    lines += _tables(DAEMON_TABLES, daemon_columns())
    lines += [
        "## The WordPress bridge plugin (the shop's WordPress database)\n",
        "Readable by WordPress administrators (`manage_options`) in wp-admin and by whoever "
        "can read the shop's database; the shopper sees their own connection on My Account.\n",
    ]
    lines += _tables(PLUGIN_TABLES, {f"wp_igsync_{name}": cols for name, cols in plugin.items()})
    lines += [
        "## WordPress user meta (the shopper's WordPress user)\n",
        "Kept until the person is erased or the plugin is deleted. Not encrypted.\n",
        "| Field | What |\n|---|---|",
        *(f"| `{key}` | {what} |" for key, what in USER_META.items()),
        "",
        "## WooCommerce (when the connection reward is on)\n",
        "A single-use coupon restricted to the customer's email, and claim rows keyed by an "
        "HMAC of the account, user, email and order (no readable personal data), so one "
        "reward is given per person. Coupons naming an erased person are deleted.\n",
    ]
    return "\n".join(lines)


def _tables(described: dict[str, Table], columns: dict[str, list[str]]) -> list[str]:
    lines = []
    for table, names in columns.items():
        key = table.removeprefix("wp_igsync_")
        about = described.get(key)
        if about is None:
            lines.append(f"### `{table}`\n\nNot described yet.\n")
            continue
        purpose = about.purpose[:1].upper() + about.purpose[1:]
        lines.append(f"### `{table}`\n\n{purpose}. Kept: {about.kept}.\n")
        lines.append("| Field | What | Encrypted |\n|---|---|---|")
        for name in names:
            what = about.columns.get(name, "not described yet")
            lines.append(f"| `{name}` | {what} | {'yes' if name in about.encrypted else 'no'} |")
        lines.append("")
    return lines


def _self_test(tests: list[SelfTest], now: datetime) -> str:
    lines = [
        "# Callbacks self-test\n",
        f"On {isoformat_utc(now)}, igsync signed each callback as Meta does (with the app "
        "secret), for an account that does not exist, and posted it to the URL the go-live "
        "guide gives Meta. A 200 means the plugin relayed it and the daemon verified the "
        "signature and acted (on nobody).\n",
        "| Callback | URL | Answer |\n|---|---|---|",
    ]
    if not tests:
        lines.append("| - | - | not run (--no-self-test) |")
    for test in tests:
        verdict = "no answer" if test.status is None else f"HTTP {test.status}"
        ok = " (works)" if test.status == 200 else " (**fix this before App Review**)"
        lines.append(f"| `{test.route.rsplit('/', 1)[-1]}` | {test.url} | {verdict}{ok} |")
    lines.append("")
    for test in tests:
        said = test.said.replace("\n", " ").replace("|", "/")
        lines.append(f"- `{test.route}` answered: `{said}`")
    return "\n".join(lines) + "\n"


def _checkup(shop: Shop) -> str:
    return f"""# Data Use Checkup: draft answers

Meta asks these once a year in the App Dashboard. Check each against how the shop works.

**What data does the app get from Meta, and why?** The profile of the Instagram professional
accounts that shoppers connect at {shop.wp_url} ({", ".join(shop.scopes)}): to link a
customer's Instagram account to their customer record in the shop, and to show the shop owner
the account's public figures (followers, posts).

**Who can access it?** The shop's administrators in WordPress and the shop's own server that
runs the igsync daemon. No third party: igsync is software the shop runs itself, not a
service that receives the data.

**Is it shared, sold or used for advertising or profiling by others?** No.

**How long is it kept?** While the customer stays connected. Disconnecting (My Account),
removing the app in Instagram (the deauthorize callback) or a data deletion request (the data
deletion callback, WordPress's personal data eraser) revoke the token and erase the data; see
data-inventory.md for every field.

**How is it protected?** Access tokens and authorization codes are encrypted at rest; every
request between WordPress and the daemon is signed (HMAC-SHA256) and refused when replayed;
secrets never appear in logs.

**Data deletion**: the data deletion request URL ({_deletion_url(shop)})
erases the person and answers Meta with a confirmation code and a status page.
"""


def _deletion_url(shop: Shop) -> str:
    return route_url(shop.wp_url, "/igsync/v1/meta/data-deletion")


def _without_credentials(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//", url)
