"""`igsync doctor`: checks of an installed daemon, each with a verdict and one line of detail.

Every check is a function returning a Check; none changes anything (the database write test
rolls back).
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, col, select

from daemon.crypto import CipherError, TokenCipher
from daemon.models import Token
from daemon.settings import Settings, SettingsError, load_settings
from daemon.store import Store
from wp_bridge.signing import Signer
from wp_bridge.wordpress import (
    QUEUE_ROUTE,
    WordPressClient,
    WordPressError,
    WordPressRejected,
    route_url,
)

OK, WARN, FAIL = "ok", "warn", "fail"
IGSYNC_TABLES = frozenset(SQLModel.metadata.tables)  # every table daemon.models defines


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


PROBE_CODE = "igsync-doctor-probe"  # never a real code: Instagram says which part is wrong

# Instagram's own words for each misconfiguration, as its OAuth answers put them.
_OAUTH_VERDICTS = (
    ("invalid platform app", FAIL, "Instagram does not know IGSYNC_INSTAGRAM_APP_ID"),
    ("client secret", FAIL, "Instagram refused IGSYNC_INSTAGRAM_APP_SECRET for this app"),
    ("redirect_uri", FAIL, "Instagram refused IGSYNC_REDIRECT_URI for this app"),
    ("code", OK, "the app id and secret are accepted (a probe code was refused, as it must be)"),
)


def _instagram(settings: Settings) -> Iterator[Check]:
    yield _instagram_oauth(settings)
    yield _instagram_graph(settings)


def _instagram_oauth(settings: Settings) -> Check:
    """A code exchange with a deliberately invalid code: Instagram checks the app id and secret
    first, so its refusal says which of them, if any, is wrong."""
    url = f"{settings.instagram_oauth_url}/oauth/access_token"
    form = {
        "client_id": settings.instagram_app_id,
        "client_secret": settings.instagram_app_secret.reveal(),
        "grant_type": "authorization_code",
        "redirect_uri": settings.redirect_uri,
        "code": PROBE_CODE,
    }
    try:
        answer = requests.post(url, data=form, timeout=5)
        payload = answer.json()
    except requests.RequestException as exc:
        return _unreachable("instagram oauth", settings, url, exc)
    except ValueError:
        return Check("instagram oauth", FAIL, f"{url}: answered HTTP {answer.status_code}, no JSON")
    message = str(payload.get("error_message") or payload.get("error", {}).get("message") or "")
    if answer.ok:
        return Check("instagram oauth", WARN, f"{url}: accepted a probe code (not Instagram?)")
    for words, verdict, meaning in _OAUTH_VERDICTS:
        if words in message.lower():
            return Check("instagram oauth", verdict, f"{url}: {meaning}")
    return Check("instagram oauth", WARN, f"{url}: HTTP {answer.status_code}: {message[:200]}")


def _instagram_graph(settings: Settings) -> Check:
    """Reachability: an unauthenticated call must come back as Instagram's own error JSON."""
    url = f"{settings.instagram_graph_url}/me"
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
        return Check(
            name,
            WARN,
            f"{url}: nothing answers (the sandbox is served by the daemon: fine if it is not "
            "started yet)",
        )
    return Check(name, FAIL, f"{url}: unreachable ({type(exc).__name__})")


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
