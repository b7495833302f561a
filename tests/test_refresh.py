"""Long-lived tokens are refreshed when due (24 h old, expiring within the window); invalid
ones are marked for reconnection; housekeeping expires stale codes and tokens."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import select

from daemon.crypto import TokenCipher
from daemon.ops.housekeeping import run_housekeeping
from daemon.pipeline.exchange import CodePipeline
from daemon.privacy.erasure import deauthorize
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery, ReceivedCode, Token
from daemon.store.statuses import CodeStatus, TokenStatus
from daemon.sync.refresh import TokenRefresher
from tests.conftest import FakeClock, Sandbox, row_id, store_code

WINDOW = timedelta(days=10)


@pytest.fixture
def connected(store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock) -> Token:
    """One customer connected through the pipeline, with a fresh 60-day token."""
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="p", clock=clock)
    code_id = store_code(
        store, cipher, sandbox.new_code("refresh.me"), sandbox.redirect_uri, now=clock()
    )
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    with store.read() as session:
        return session.execute(select(Token)).scalar_one()


def refresher(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> TokenRefresher:
    return TokenRefresher(
        store, cipher, sandbox.client(), owner="r", window=WINDOW, clock=clock, rng=random.Random(5)
    )


def token(store: Store) -> Token:
    with store.read() as session:
        return session.execute(select(Token)).scalar_one()


def test_a_token_is_due_only_inside_the_window(
    connected: Token, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    worker = refresher(store, cipher, sandbox, clock)
    assert worker.claim_due(10) == []  # fresh: 60 days left
    clock.now = connected.expires_at - WINDOW - timedelta(minutes=1)
    assert worker.claim_due(10) == []
    clock.now = connected.expires_at - WINDOW + timedelta(minutes=1)
    sandbox.state.advance((clock() - connected.obtained_at).total_seconds())
    assert worker.claim_due(10) == [connected.id]
    old_plaintext = cipher.decrypt(connected.access_token_ciphertext)
    assert worker.run_claimed(row_id(connected)) == TokenStatus.ACTIVE
    fresh = token(store)
    assert fresh.expires_at == clock() + timedelta(days=60) and fresh.refreshed_at == clock()
    assert cipher.decrypt(fresh.access_token_ciphertext) != old_plaintext
    assert worker.claim_due(10) == []


def test_a_token_younger_than_a_day_is_never_due(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, connected: Token
) -> None:
    with store.write() as session:  # a token that is about to expire but was obtained an hour ago
        row = session.get(Token, connected.id)
        assert row is not None
        row.obtained_at = clock() - timedelta(hours=1)
        row.expires_at = clock() + timedelta(days=2)
        session.add(row)
    assert refresher(store, cipher, sandbox, clock).claim_due(10) == []
    clock.advance(hours=23, minutes=1)
    assert refresher(store, cipher, sandbox, clock).claim_due(10) == [connected.id]


def test_an_invalid_token_is_marked_for_reconnection(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, connected: Token
) -> None:
    with store.write() as session:
        row = session.get(Token, connected.id)
        assert row is not None
        row.access_token_ciphertext = cipher.encrypt("IGAArevoked-by-the-user")
        row.obtained_at = clock() - timedelta(days=55)
        row.expires_at = clock() + timedelta(days=5)
        session.add(row)
    worker = refresher(store, cipher, sandbox, clock)
    assert worker.claim_due(10) == [connected.id]
    assert worker.run_claimed(row_id(connected)) == TokenStatus.INVALID
    assert token(store).status == TokenStatus.INVALID and "code 190" in (
        token(store).last_error or ""
    )
    assert worker.claim_due(10) == []
    # WordPress is told once: the customer needs to reconnect, at the next version.
    with store.read() as session:
        customer = session.execute(select(Customer)).scalar_one()
        events = [
            d.payload
            for d in session.execute(select(Delivery)).scalars()
            if d.payload.get("event") == "connection_lost"
        ]
    assert (customer.status, customer.version) == ("needs_reconnect", 2)
    assert len(events) == 1 and events[0]["status"] == "needs_reconnect"
    assert events[0]["version"] == 2 and "code 190" in events[0]["reason"]
    assert events[0]["ig_user_id"] == customer.ig_user_id
    # Meta's deauthorize arriving too says nothing new to WordPress.
    assert deauthorize(store, customer.ig_user_id, now=clock()) == 1
    with store.read() as session:
        lost = [d for d in session.execute(select(Delivery)).scalars() if d.payload.get("event")]
    assert len(lost) == 1


def test_a_failed_refresh_is_retried_later(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, connected: Token
) -> None:
    clock.now = connected.expires_at - timedelta(days=3)
    sandbox.state.advance((clock() - connected.obtained_at).total_seconds())
    sandbox.state.faults.update({"fail_next": 1})
    worker = refresher(store, cipher, sandbox, clock)
    assert worker.claim_due(10) == [connected.id]
    assert worker.run_claimed(row_id(connected)) == TokenStatus.ACTIVE
    row = token(store)
    assert row.attempts == 1 and row.next_attempt_at > clock() and row.refreshed_at is None
    assert worker.claim_due(10) == []  # backing off
    clock.now = row.next_attempt_at
    assert worker.claim_due(10) == [connected.id]
    worker.run_claimed(row_id(connected))
    assert token(store).refreshed_at == clock()


def test_housekeeping_expires_codes_and_tokens_and_forgets_old_ids(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, connected: Token
) -> None:
    code_id = store_code(store, cipher, "AQnever-processed", sandbox.redirect_uri, now=clock())
    assert run_housekeeping(store, now=clock() + timedelta(minutes=14)).webhook_ids_forgotten == 0
    report = run_housekeeping(store, now=clock() + timedelta(minutes=59))
    assert (report.codes_expired, report.tokens_expired, report.webhook_ids_forgotten) == (0, 0, 2)
    report = run_housekeeping(store, now=clock() + timedelta(minutes=61))
    assert report.codes_expired == 1
    with store.read() as session:
        row = session.get(ReceivedCode, code_id)
    assert row is not None and row.status == CodeStatus.EXPIRED and row.code_ciphertext is None
    assert run_housekeeping(store, now=connected.expires_at).tokens_expired == 1
    assert token(store).status == TokenStatus.INVALID


def test_the_refresh_selection_uses_the_index(store: Store) -> None:
    with store.read() as session:
        plan = " ".join(
            str(r)
            for r in session.connection()
            .exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM tokens WHERE status='active' "
                "AND expires_at <= '2030' AND expires_at > '2026' AND obtained_at <= '2029'"
            )
            .all()
        )
    assert "ix_tokens_refresh_due" in plan
