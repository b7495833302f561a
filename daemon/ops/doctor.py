"""`igsync doctor`: checks of an installed daemon, each with a verdict and one line of detail.

Every check is a function returning a Check; none changes anything (the database write test
rolls back).
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import func, inspect, text
from sqlmodel import SQLModel, col, select

from daemon.clock import isoformat_utc, utcnow
from daemon.crypto import CipherError, TokenCipher
from daemon.graph_versions import judge_version
from daemon.instagram.credentials import Verdict
from daemon.ops.golive import probe_credentials, requested_scopes
from daemon.settings import Settings, SettingsError, load_settings
from daemon.store.database import Store
from daemon.store.models import Delivery, Token
from daemon.store.statuses import DeliveryStatus, TokenStatus
from wp_bridge.signing import Signer
from wp_bridge.wordpress import (
    QUEUE_ROUTE,
    WordPressClient,
    WordPressError,
    WordPressRejected,
    route_url,
)

OK, WARN, FAIL = "ok", "warn", "fail"
IGSYNC_TABLES = frozenset(SQLModel.metadata.tables)  # every table daemon.store.models defines


@dataclass(frozen=True)
class Check:
    name: str
    verdict: str
    detail: str


def run_checks(load: Callable[[], Settings] = load_settings) -> Iterator[Check]:
    try:
        settings = load()
    except SettingsError as exc:
        yield Check("settings", FAIL, str(exc))
        return
    yield Check(
        "settings", OK, f"loaded ({settings.instagram_api}, app {settings.instagram_app_id})"
    )
    store = Store(settings.database_url, busy_timeout=5)
    try:
        database, usable = _database(store)
        yield database
        if usable:
            yield _keys(store, TokenCipher(settings.encryption_keys))
            yield _permissions(store, requested_scopes(settings))
            yield _leads(store)
        else:
            yield Check("encryption keys", OK, "valid Fernet keys (no stored token to try yet)")
    finally:
        store.dispose()
    yield _wordpress(settings)
    if settings.sandbox:
        yield Check(
            "sandbox",
            WARN,
            f"sandbox mode: `igsync run` serves an emulator of Instagram (not Instagram) on "
            f"{settings.sandbox_listen}; to go live, pair again with --app-id",
        )
    yield from _instagram(settings)
    yield _intake(settings)


def _database(store: Store) -> tuple[Check, bool]:
    """The database's verdict, and whether it holds igsync's tables as this version reads them.
    No tables yet, or an older schema, is a warning: `igsync run` migrates when it starts."""
    where = store.url.render_as_string(hide_password=True)
    try:
        current, head = store.schema_revision()
        not_ready = _schema_not_ready(store, where, current, head)
        if not_ready is not None:
            return not_ready, False
        with store.engine.connect() as connection, connection.begin() as transaction:
            connection.execute(
                text(
                    "INSERT INTO seen_webhooks (webhook_id, seen_at) "
                    "VALUES ('doctor-write-test', CURRENT_TIMESTAMP)"
                )
            )
            transaction.rollback()
    except Exception as exc:  # any driver error is the verdict itself
        return Check(
            "database", FAIL, f"{where}: {type(exc).__name__}: cannot read and write"
        ), False
    if store.is_sqlite and store.url.database:
        mode = stat.S_IMODE(Path(store.url.database).stat().st_mode)
        if mode & 0o077:
            return Check(
                "database", WARN, f"{where}: writable, but the file mode is {mode:o}, not 600"
            ), True
    return Check("database", OK, f"{where}: schema {current}, writable"), True


def _schema_not_ready(
    store: Store, where: str, current: str | None, head: str | None
) -> Check | None:
    """What is wrong with the schema, or None when it is this version's."""
    if current == head:
        return None
    if current is None:
        foreign = sorted(set(inspect(store.engine).get_table_names()) & IGSYNC_TABLES)
        if foreign:
            return Check(
                "database",
                FAIL,
                f"{where}: holds tables of another program ({', '.join(foreign)}): point "
                "IGSYNC_DATABASE_URL at a database of igsync's own",
            )
        return Check(
            "database",
            WARN,
            f"{where}: no igsync tables yet: `igsync run` creates them when it starts "
            "(or run `igsync db upgrade` now)",
        )
    if head is not None and current.isdigit() and current < head:
        return Check(
            "database",
            WARN,
            f"{where}: schema {current}, older than {head}: `igsync run` upgrades it when it "
            "starts (or run `igsync db upgrade` now)",
        )
    return Check(
        "database", FAIL, f"{where}: schema {current} is not one this igsync knows (a newer one's?)"
    )


def _keys(store: Store, cipher: TokenCipher) -> Check:
    with store.read() as session:
        # The newest token that holds a value (a deauthorize leaves "", which is no ciphertext).
        sample = session.execute(
            select(col(Token.access_token_ciphertext))
            .where(col(Token.access_token_ciphertext) != "")
            .order_by(col(Token.id).desc())
            .limit(1)
        ).scalar()
    if sample is None:
        return Check("encryption keys", OK, "valid Fernet keys (no stored token to try yet)")
    try:
        cipher.decrypt(sample)
    except CipherError:
        return Check(
            "encryption keys", FAIL, "stored tokens cannot be decrypted with IGSYNC_ENCRYPTION_KEYS"
        )
    rotation = (
        " (the newest stored token uses an older key)" if cipher.needs_rotation(sample) else ""
    )
    return Check("encryption keys", OK, f"they decrypt the stored tokens{rotation}")


def _permissions(store: Store, requested: tuple[str, ...]) -> Check:
    """Whether Instagram granted what igsync asks for: a scope shoppers could not grant (no
    Advanced Access yet, or left out of App Review) shows as connections that lack it."""
    with store.read() as session:
        granted = session.execute(
            select(col(Token.permissions)).where(col(Token.status) == TokenStatus.ACTIVE)
        ).scalars()
        lacking = scopes_not_granted(requested, granted)
    asked = ", ".join(requested)
    if not lacking:
        return Check("permissions", OK, f"asked for {asked}; every connection granted them")
    said = "; ".join(f"{scope}: {n} connection(s) without it" for scope, n in lacking.items())
    return Check(
        "permissions",
        WARN,
        f"asked for {asked}, not all granted ({said}): a permission needs Advanced Access "
        "(App Review) before shoppers who are not testers can grant it",
    )


def _leads(store: Store) -> Check:
    """Leads that are not on their way: parked (WordPress took none of their pushes for
    IGSYNC_PARK_AFTER_HOURS) or refused by WordPress."""
    waiting = (DeliveryStatus.PARKED, DeliveryStatus.FAILED)
    with store.read() as session:
        counts = dict(
            session.execute(
                select(col(Delivery.status), func.count())
                .where(col(Delivery.status).in_(waiting))
                .group_by(col(Delivery.status))
            ).all()
        )
        since = session.execute(
            select(func.min(col(Delivery.failing_since))).where(
                col(Delivery.status) == DeliveryStatus.PARKED
            )
        ).scalar()
    parked, refused = counts.get(DeliveryStatus.PARKED, 0), counts.get(DeliveryStatus.FAILED, 0)
    if parked:
        when = f" since {isoformat_utc(since)}" if since is not None else ""
        return Check(
            "leads",
            FAIL,
            f"{parked} lead(s) parked: WordPress has taken none of their pushes{when}; once it "
            "answers (the wordpress check), `igsync deliveries replay` sends them again, in order",
        )
    if refused:
        return Check(
            "leads",
            WARN,
            f"{refused} lead(s) refused by WordPress: `igsync deliveries list --failed` says "
            "why; fix it, then `igsync deliveries retry`",
        )
    return Check("leads", OK, "none parked, none refused")


def scopes_not_granted(requested: tuple[str, ...], granted: Iterable[str | None]) -> dict[str, int]:
    """Pure: for each requested scope, how many connections' grants lack it (None: unknown,
    an older daemon did not record it, so not counted)."""
    lacking: dict[str, int] = {}
    for permissions in granted:
        if permissions is None:
            continue
        have = set(permissions.split(","))
        for scope in requested:
            if scope not in have:
                lacking[scope] = lacking.get(scope, 0) + 1
    return lacking


def _wordpress(settings: Settings) -> Check:
    client = WordPressClient(settings.wp_url, Signer(settings.shared_secret.reveal()), timeout=5)
    try:
        client.fetch_queue(limit=1)
    except WordPressRejected as error:
        hint = (
            "the shared secret differs from the plugin's"
            if error.http_status == 401
            else "is the igsync bridge plugin active?"
        )
        where = route_url(settings.wp_url, QUEUE_ROUTE)
        return Check("wordpress", FAIL, f"{where}: {error.reason} ({hint})")
    except WordPressError as error:
        return Check("wordpress", FAIL, f"{settings.wp_url}: {error.reason}")
    finally:
        client.close()
    return Check(
        "wordpress", OK, f"{settings.wp_url}: the bridge plugin answers and the signatures match"
    )


def _instagram(settings: Settings) -> Iterator[Check]:
    yield _instagram_oauth(settings)
    yield _instagram_graph(settings)
    yield graph_version_check(settings.graph_api_version, utcnow().date())


def _instagram_oauth(settings: Settings) -> Check:
    """A code exchange with a code that cannot exist: Instagram's refusal says whether the app
    id, the secret or the redirect URI is wrong (daemon.instagram.credentials)."""
    url = f"{settings.instagram_oauth_url}/oauth/access_token"
    check = probe_credentials(settings)
    if check.verdict == Verdict.UNREACHABLE and settings.sandbox:
        return _sandbox_down("instagram oauth", url)
    verdict = {Verdict.OK: OK, Verdict.UNEXPECTED: WARN}.get(check.verdict, FAIL)
    setting = _SETTING_AT_FAULT.get(check.verdict)
    said = f' (Instagram: "{check.instagram_said}")' if check.instagram_said else ""
    detail = f"{setting}: {check.detail}" if setting else check.detail
    return Check("instagram oauth", verdict, f"{url}: {detail}{said}")


_SETTING_AT_FAULT = {
    Verdict.UNKNOWN_APP: "IGSYNC_INSTAGRAM_APP_ID",
    Verdict.WRONG_SECRET: "IGSYNC_INSTAGRAM_APP_SECRET",
    Verdict.REDIRECT_NOT_REGISTERED: "IGSYNC_REDIRECT_URI",
    Verdict.REDIRECT_MISMATCH: "IGSYNC_REDIRECT_URI",
}


def graph_version_check(version: str, today: date) -> Check:
    judged = judge_version(version, today)
    return Check("graph version", judged.verdict, judged.detail)


def _instagram_graph(settings: Settings) -> Check:
    """Reachability: an unauthenticated call must come back as Instagram's own error JSON."""
    url = f"{settings.instagram_graph_url}/{settings.graph_api_version}/me"
    try:
        answer = requests.get(url, timeout=5)
        payload = answer.json()
    except requests.RequestException as exc:
        return _unreachable("instagram graph", settings, url, exc)
    except ValueError:
        return Check("instagram graph", FAIL, f"{url}: answered HTTP {answer.status_code}, no JSON")
    shaped = isinstance(payload, dict) and "error" in payload
    return Check(
        "instagram graph", OK if shaped else WARN, f"{url}: reachable (HTTP {answer.status_code})"
    )


def _unreachable(name: str, settings: Settings, url: str, exc: Exception) -> Check:
    """Instagram not answering: a failure, except in sandbox mode, where the sandbox is served
    by the daemon itself and is down with it (as the intake is) until `igsync run` starts."""
    if settings.sandbox:
        return _sandbox_down(name, url)
    return Check(name, FAIL, f"{url}: unreachable ({type(exc).__name__})")


def _sandbox_down(name: str, url: str) -> Check:
    return Check(
        name,
        WARN,
        f"{url}: nothing answers (the sandbox is served by the daemon: fine if it is not "
        "started yet)",
    )


def _intake(settings: Settings) -> Check:
    url = f"http://{settings.listen}/healthz"
    try:
        answer = requests.get(url, timeout=3)
    except requests.RequestException:
        return Check(
            "intake", WARN, f"{url}: nothing answers (fine if the daemon is not started yet)"
        )
    if answer.ok:
        return Check("intake", OK, f"{url}: the daemon is running")
    return Check("intake", FAIL, f"{url}: HTTP {answer.status_code}")
