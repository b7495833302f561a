"""Secrets at rest and key rotation: nothing readable without the key, rotation with no downtime."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from sqlmodel import col, select
from typer.testing import CliRunner

from daemon.cli import app
from daemon.crypto import TokenCipher, generate_key
from daemon.ops.doctor import OK, run_checks
from daemon.ops.rotation import rotate_all
from daemon.pipeline.exchange import CodePipeline
from daemon.privacy.erasure import deauthorize
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.store.database import Store
from daemon.store.models import Customer, ReceivedCode, Token
from tests.conftest import (
    SECRETS,
    FakeClock,
    Sandbox,
    Shop,
    connect_customer,
    make_settings,
    store_code,
)
from tests.test_daemon import daemon_env, forward_many
from wp_bridge.signing import Signer


def test_tokens_and_pending_codes_are_unreadable_in_the_database_file(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, tmp_path: Path
) -> None:
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t", clock=clock)
    for n in range(3):
        assert (
            pipeline.process(
                store_code(
                    store,
                    cipher,
                    sandbox.new_code(f"at.rest{n}"),
                    sandbox.redirect_uri,
                    now=clock(),
                )
            )
            == "completed"
        )
    pending = [sandbox.new_code(f"waiting{n}") for n in range(2)]
    for code in pending:
        store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    store.dispose()  # flush everything to the files
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("igsync.db*"))
    secrets_held = [*sandbox.state._tokens, *pending]
    assert len(secrets_held) >= 8
    for secret in secrets_held:
        assert secret.encode() not in raw


def test_rotation_rewrites_everything_while_the_daemon_keeps_working(
    sandbox: Sandbox, shop: Shop, shared_secret: str, tmp_path: Path, signer: Signer
) -> None:
    old_key, new_key = generate_key(), generate_key()
    SECRETS.update({old_key, new_key})
    before = make_settings(
        sandbox,
        wp_url=shop.url,
        shared_secret=shared_secret,
        encryption_key=old_key,
        state_dir=tmp_path,
        sweep_interval_seconds=3600,
    )
    daemon = Daemon.build(before)
    daemon.start()
    with ServerThread(daemon.intake) as intake:
        forward_many(sandbox, intake.url, signer, 20, prefix="old.key")
        assert shop.state.wait_for(20, timeout=30)
    daemon.stop()

    # Restart with the new key first, the old one still listed; rotate while it takes new codes.
    during = replace(before, encryption_keys=(Secret(new_key), Secret(old_key)))
    daemon = Daemon.build(during)
    daemon.start()
    store = Store(during.database_url)
    both = TokenCipher(during.encryption_keys)
    try:
        with ServerThread(daemon.intake) as intake:
            reports = []
            rotation = threading.Thread(target=lambda: reports.append(rotate_all(store, both)))
            rotation.start()
            forward_many(sandbox, intake.url, signer, 10, prefix="new.key")
            rotation.join(timeout=60)
            assert shop.state.wait_for(30, timeout=30)
    finally:
        daemon.stop()
    assert reports and reports[0].unreadable == 0 and reports[0].rotated >= 20

    only_new = TokenCipher([Secret(new_key)])
    with store.read() as session:
        tokens = session.execute(select(col(Token.access_token_ciphertext))).scalars().all()
        codes = (
            session.execute(
                select(ReceivedCode).where(col(ReceivedCode.code_ciphertext).is_not(None))
            )
            .scalars()
            .all()
        )
    store.dispose()
    assert len(tokens) == 30 and codes == []
    assert all(only_new.decrypt(token).startswith("IGSBXL") for token in tokens)

    # The CLI says so too, with only the new key configured.
    env = {**daemon_env(replace(during, encryption_keys=(Secret(new_key),))), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["keys", "rotate"], env=env)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "0 value(s) re-encrypted, 30 already under the current key, 0 unreadable"
    )
    listed = CliRunner().invoke(app, ["customers", "list", "--json"], env=env).stdout
    assert "unreadable" not in listed and listed.count("IGSB…") == 30


def test_rotation_reports_values_no_key_can_read(
    sandbox: Sandbox, shop: Shop, shared_secret: str, tmp_path: Path, clock: FakeClock
) -> None:
    lost_key, current = generate_key(), generate_key()
    SECRETS.update({lost_key, current})
    settings = make_settings(
        sandbox,
        wp_url=shop.url,
        shared_secret=shared_secret,
        encryption_key=lost_key,
        state_dir=tmp_path,
    )
    store = Store(settings.database_url)
    store.migrate()
    store_code(
        store,
        TokenCipher([Secret(lost_key)]),
        sandbox.new_code(),
        sandbox.redirect_uri,
        now=clock(),
    )
    store.dispose()
    env = daemon_env(replace(settings, encryption_keys=(Secret(current),)))
    result = CliRunner().invoke(app, ["keys", "rotate"], env=env)
    assert result.exit_code == 1
    assert "1 unreadable with any configured key" in result.stdout
    assert "keep looking for the key" in result.stderr


def test_key_rotation_finishes_after_a_deauthorize(
    sandbox: Sandbox, shop: Shop, shared_secret: str, tmp_path: Path, clock: FakeClock
) -> None:
    """A deauthorize erases a token's value: that is not ciphertext, and must not keep an old
    key from being retired (rotation, doctor, customers show)."""
    old_key, new_key = generate_key(), generate_key()
    SECRETS.update({old_key, new_key})
    settings = make_settings(
        sandbox,
        wp_url=shop.url,
        shared_secret=shared_secret,
        encryption_key=old_key,
        state_dir=tmp_path,
    )
    store = Store(settings.database_url)
    store.migrate()
    old = TokenCipher([Secret(old_key)])
    pipeline = CodePipeline(store, old, sandbox.client(), owner="t", clock=clock)
    for username in ("stays.here", "removed.the.app"):
        connect_customer(pipeline, store, old, sandbox, username, now=clock())
    with store.read() as session:
        gone = session.execute(
            select(Customer).where(col(Customer.username) == "removed.the.app")
        ).scalar_one()
    assert deauthorize(store, gone.ig_user_id, now=clock()) == 1
    store.dispose()

    both = daemon_env(replace(settings, encryption_keys=(Secret(new_key), Secret(old_key))))
    rotated = CliRunner().invoke(app, ["keys", "rotate"], env={**both, "COLUMNS": "200"})
    assert rotated.exit_code == 0, rotated.stdout + rotated.stderr
    assert "1 value(s) re-encrypted" in rotated.stdout and "0 unreadable" in rotated.stdout

    only_new = replace(settings, encryption_keys=(Secret(new_key),))
    checks = {check.name: check for check in run_checks(lambda: only_new)}
    assert checks["encryption keys"].verdict == OK, checks["encryption keys"].detail
    env = {**daemon_env(only_new), "COLUMNS": "200"}
    shown = CliRunner().invoke(app, ["customers", "show", "@removed.the.app"], env=env)
    assert shown.exit_code == 0 and "revoked" in shown.stdout
    assert "unreadable" not in shown.stdout
