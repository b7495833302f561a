"""A received code becomes a customer, a token and a queued lead, step by step, with retries
within the code's hour, never exchanging a code twice, and never logging a secret."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from daemon.crypto import TokenCipher
from daemon.instagram import UpstreamUnavailable
from daemon.instagram.flavours import FLAVOURS
from daemon.intake.codes import code_digest
from daemon.pipeline.exchange import CodePipeline
from daemon.pipeline.outcomes import CodeOutcomes
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery, ProfileSync, ReceivedCode, Token
from daemon.store.statuses import CodeStatus
from tests.conftest import FakeClock, Sandbox, Shop, store_code
from tests.wordpress import free_port
from wp_bridge.signing import Signer
from wp_bridge.wordpress import WordPressClient


@dataclass
class Recorder:
    completed: list[int] = field(default_factory=list)
    retries: list[tuple[int, datetime]] = field(default_factory=list)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_pipeline(
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    recorder: Recorder,
    owner: str = "worker-a",
    timeout: float = 5.0,
) -> CodePipeline:
    return CodePipeline(
        store,
        cipher,
        sandbox.client(timeout=timeout),
        owner=owner,
        clock=clock,
        on_completed=recorder.completed.append,
        on_retry=lambda i, when: recorder.retries.append((i, when)),
        rng=random.Random(1),
    )


@pytest.fixture
def pipeline(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> CodePipeline:
    return make_pipeline(store, cipher, sandbox, clock, recorder)


def code_row(store: Store, code_id: int) -> ReceivedCode:
    with store.read() as session:
        row = session.get(ReceivedCode, code_id)
    assert row is not None
    return row


def test_a_code_becomes_a_customer_a_token_and_a_lead(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    recorder: Recorder,
) -> None:
    code = sandbox.new_code("lena.bakes")
    code_id = store_code(
        store,
        cipher,
        code,
        sandbox.redirect_uri,
        now=clock(),
        wp_user_id=7,
        email="lena@example.com",
        return_url="https://shop.example/account",
        source="button",
        wc_order_id=1234,
    )
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    row = code_row(store, code_id)
    assert row.code_ciphertext is None and row.token_ciphertext is None and row.lease_owner is None
    with store.read() as session:
        customer = session.execute(select(Customer)).scalar_one()
        token = session.execute(select(Token)).scalar_one()
        delivery = session.execute(select(Delivery)).scalar_one()
    assert (customer.username, customer.name, customer.account_type) == (
        "lena.bakes",
        "Lena Bakes",
        "BUSINESS",
    )
    assert (customer.email, customer.wp_user_id, customer.source) == (
        "lena@example.com",
        7,
        "button",
    )
    assert row.customer_id == customer.id
    plaintext = cipher.decrypt(token.access_token_ciphertext)
    assert plaintext not in token.access_token_ciphertext
    assert (
        sandbox.client().profile(plaintext).user_id == customer.ig_user_id
    )  # a working long-lived token
    assert (token.expires_at - clock()).days == 60
    assert recorder.completed == [delivery.id]
    assert delivery.idempotency_key == f"igsync-lead-{code_digest(code)[:40]}"
    assert delivery.payload == {
        "version": 1,
        "idempotency_key": f"igsync-lead-{code_digest(code)[:40]}",
        "ig_user_id": customer.ig_user_id,
        "username": "lena.bakes",
        "name": "Lena Bakes",
        "account_type": "BUSINESS",
        "api": "instagram_login",
        "wp_user_id": 7,
        "email": "lena@example.com",
        "return_url": "https://shop.example/account",
        "source": "button",
        "wc_order_id": 1234,  # a thank-you page's order, for WooCommerce to link the lead to
        "connected_at": delivery.payload["connected_at"],
        "followers_count": customer.followers_count,
        "follows_count": customer.follows_count,
        "media_count": customer.media_count,
        "profile_picture_url": customer.profile_picture_url,
        "biography": customer.biography,
        "website": customer.website,
        "engagement_rate": None,  # measured with the profile only with IGSYNC_ENGAGEMENT=on
        "unavailable_fields": None,  # every profile field is served by the pinned version
        "permissions": "instagram_business_basic",  # what Instagram granted, for the lead
    }
    # Instagram Login's richer profile, as the sandbox serves it.
    assert isinstance(customer.followers_count, int) and customer.followers_count >= 100
    assert isinstance(customer.media_count, int) and isinstance(customer.follows_count, int)
    assert customer.profile_picture_url == f"{sandbox.url}/pictures/lena.bakes.svg"
    assert customer.biography and customer.website == "https://lena.bakes.example"
    assert sandbox.state.exchanges_of(code) == 1


def test_basic_display_codes_complete_too(
    store: Store, cipher: TokenCipher, basic_sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> None:
    pipeline = make_pipeline(store, cipher, basic_sandbox, clock, recorder)
    code_id = store_code(
        store,
        cipher,
        basic_sandbox.new_code("legacy.user", "PERSONAL"),
        basic_sandbox.redirect_uri,
        now=clock(),
    )
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    with store.read() as session:
        customer = session.execute(select(Customer)).scalar_one()
    assert (customer.username, customer.account_type, customer.api_flavour, customer.name) == (
        "legacy.user",
        "PERSONAL",
        "basic_display",
        None,
    )


def test_a_used_code_fails_at_once_without_retrying(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    recorder: Recorder,
) -> None:
    code = sandbox.new_code()
    sandbox.client().exchange_code(code, sandbox.redirect_uri)  # someone else used it
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    assert pipeline.process(code_id) == CodeStatus.FAILED
    row = code_row(store, code_id)
    assert (
        row.last_error
        == "code_rejected HTTP 400 code 400: Matching code was not found or was already used"
    )
    assert row.code_ciphertext is None and row.attempts == 1
    assert recorder.retries == []


def test_upstream_errors_are_retried_with_backoff_until_success(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    recorder: Recorder,
) -> None:
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    sandbox.state.faults.update({"fail_next": 3, "fail_status": 502})
    waits = []
    for attempt in (1, 2, 3):
        assert pipeline.process(code_id) == CodeStatus.PENDING
        row = code_row(store, code_id)
        assert row.attempts == attempt and "HTTP 502" in (row.last_error or "")
        assert recorder.retries[-1] == (code_id, row.next_attempt_at)
        waits.append((row.next_attempt_at - clock()).total_seconds())
        clock.advance(seconds=waits[-1])
    assert all(0 <= wait <= 2 ** (n - 1) for n, wait in enumerate(waits, start=1))
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    assert sandbox.state.exchanges_of(code) == 1


def test_rate_limits_wait_at_least_what_instagram_asks(
    pipeline: CodePipeline, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    code_id = store_code(store, cipher, sandbox.new_code(), sandbox.redirect_uri, now=clock())
    sandbox.state.faults.update({"rate_limit_next": 1})  # answered with X-App-Usage at 100%
    assert pipeline.process(code_id) == CodeStatus.PENDING
    row = code_row(store, code_id)
    assert "rate_limited" in (row.last_error or "")
    assert (row.next_attempt_at - clock()).total_seconds() >= 60
    clock.advance(seconds=61)
    assert pipeline.process(code_id) == CodeStatus.COMPLETED


def test_an_exchange_left_unanswered_is_never_sent_again(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> None:
    """A timeout may hide an exchange Instagram carried out: the code is spent there. Sending it
    again would be refused (and OAuth lets a server revoke what a reused code issued), so the
    code ends interrupted, sent exactly once; the shopper connects again."""
    pipeline = make_pipeline(store, cipher, sandbox, clock, recorder, timeout=0.5)
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    sandbox.state.faults.update({"hang_next": 1, "hang_seconds": 2})
    assert pipeline.process(code_id) == CodeStatus.INTERRUPTED
    row = code_row(store, code_id)
    assert "no answer within 0.5s" in (row.last_error or "")
    assert row.code_ciphertext is None and row.token_ciphertext is None
    clock.advance(seconds=5)
    assert pipeline.process(code_id) is None  # terminal: nothing left to claim
    assert sandbox.state.exchange_attempts[code] == 1  # every attempt that reached Instagram


def test_an_exchange_refused_before_it_was_sent_is_retried(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> None:
    """Instagram answered with an error, so it did not spend the code: pending again, retried,
    exchanged once."""
    pipeline = make_pipeline(store, cipher, sandbox, clock, recorder)
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    sandbox.state.faults.update({"fail_next": 1})
    assert pipeline.process(code_id) == CodeStatus.PENDING
    clock.now = code_row(store, code_id).next_attempt_at
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    assert sandbox.state.exchanges_of(code) == 1


def test_retries_go_on_with_backoff_until_the_codes_hour_runs_out(
    pipeline: CodePipeline, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    code_id = store_code(store, cipher, sandbox.new_code(), sandbox.redirect_uri, now=clock())
    deadline = code_row(store, code_id).expires_at
    sandbox.state.faults.update({"fail_next": 10_000})
    while (status := pipeline.process(code_id)) == CodeStatus.PENDING:
        row = code_row(store, code_id)
        assert row.next_attempt_at < deadline
        clock.now = row.next_attempt_at
    row = code_row(store, code_id)
    assert status == CodeStatus.EXPIRED and clock() < deadline
    assert row.attempts > 10  # backoff capped at a minute keeps trying through the hour
    assert row.code_ciphertext is None and "deadline passed" in (row.last_error or "")


def test_a_step_in_flight_is_resumed_not_repeated(
    pipeline: CodePipeline, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    """The exchange succeeds, then the long-lived upgrade fails: the retry resumes there."""
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    original = pipeline.client.exchange_long_lived
    calls = []

    def failing_once(token: str):  # type: ignore[no-untyped-def]
        calls.append(token)
        if len(calls) == 1:
            raise UpstreamUnavailable("injected")
        return original(token)

    pipeline.client.exchange_long_lived = failing_once  # type: ignore[method-assign,assignment]
    assert pipeline.process(code_id) == CodeStatus.EXCHANGED
    row = code_row(store, code_id)
    assert row.code_ciphertext is None and row.token_ciphertext is not None
    clock.advance(seconds=2)
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    assert sandbox.state.exchanges_of(code) == 1 and len(calls) == 2


def test_a_leased_code_is_left_alone_until_the_lease_runs_out(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> None:
    """A worker that died mid-job holds its lease; another takes over only after it expires."""
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    dead = make_pipeline(store, cipher, sandbox, clock, recorder, owner="dead-worker")
    assert dead.claim_due(10) == [code_id]
    alive = make_pipeline(store, cipher, sandbox, clock, recorder, owner="alive-worker")
    assert alive.process(code_id) is None and alive.claim_due(10) == []
    clock.advance(seconds=leases.DEFAULT_LEASE.total_seconds() + 1)
    assert alive.claim_due(10) == [code_id]
    assert alive.run_claimed(code_id) == CodeStatus.COMPLETED
    assert sandbox.state.exchanges_of(code) == 1
    # the dead worker, coming back, cannot write over the work that was taken over
    with store.write() as session:
        assert not leases.finish(session, ReceivedCode, code_id, "dead-worker", status="failed")
    assert code_row(store, code_id).status == CodeStatus.COMPLETED


def test_the_same_instagram_user_twice_is_one_customer_with_two_leads(
    pipeline: CodePipeline, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    first = store_code(
        store,
        cipher,
        sandbox.new_code("repeat.buyer"),
        sandbox.redirect_uri,
        now=clock(),
        email="first@example.com",
    )
    second = store_code(
        store,
        cipher,
        sandbox.new_code("repeat.buyer"),
        sandbox.redirect_uri,
        now=clock(),
        wp_user_id=9,
    )
    assert pipeline.process(first) == pipeline.process(second) == CodeStatus.COMPLETED
    with store.read() as session:
        customers = session.execute(select(Customer)).scalars().all()
        deliveries = session.execute(select(Delivery)).scalars().all()
        tokens = session.execute(select(Token)).scalars().all()
    assert len(customers) == 1 and len(tokens) == 1 and len(deliveries) == 2
    assert (customers[0].email, customers[0].wp_user_id) == ("first@example.com", 9)


def test_no_secret_reaches_the_log(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    codes = [sandbox.new_code(f"user{n}") for n in range(3)]
    sandbox.state.faults.update({"fail_next": 2})
    for code in codes:
        code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
        while pipeline.process(code_id) not in (CodeStatus.COMPLETED, CodeStatus.FAILED):
            clock.advance(seconds=70)
    used = sandbox.new_code()
    sandbox.client().exchange_code(used, sandbox.redirect_uri)
    pipeline.process(store_code(store, cipher, used, sandbox.redirect_uri, now=clock()))
    tokens = list(sandbox.state._tokens)
    secrets_used = [*codes, used, *tokens, sandbox.app_secret]
    assert len(tokens) >= 6 and "code 3: customer @user2 stored" in caplog.text
    for secret in secrets_used:
        assert secret not in caplog.text


def test_usernames_instagram_never_allows_are_a_malformed_answer_never_stored(
    pipeline: CodePipeline, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    """Instagram usernames are 1 to 30 letters, digits, periods and underscores: a profile with
    another is Instagram's fault, recorded and retried, and no customer is stored with it."""
    for bad in ("=cmd|' /c calc'!a0", "with space", "o'brien!", "x" * 31):
        code = sandbox.state.grant(
            sandbox.redirect_uri, ("instagram_business_basic",), bad, "BUSINESS"
        )
        code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
        # The token is kept; the profile step is retried later (status "upgraded").
        assert pipeline.process(code_id) == CodeStatus.UPGRADED
        row = code_row(store, code_id)
        assert "username is not one Instagram allows" in (row.last_error or "")
        assert row.next_attempt_at is not None and row.next_attempt_at > clock()
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 0


def test_profile_text_is_stripped_of_control_characters_and_capped() -> None:
    profile = FLAVOURS["instagram_login"].parse_profile(
        {
            "user_id": "17841400000000001",
            "username": "lena.bakes",
            "name": "Lena\x00 \u202eBakes\x1b[31m" + "!" * 400,
            "account_type": "BUSINESS\n",
        }
    )
    assert profile.name == "Lena Bakes[31m" + "!" * (255 - len("Lena Bakes[31m"))
    assert profile.account_type == "BUSINESS"


def test_wordpress_is_told_of_an_interrupted_code_until_it_has_heard(
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    recorder: Recorder,
    shop: Shop,
    signer: Signer,
) -> None:
    """No lead will ever tell WordPress that this shopper's connection failed: the code's
    outcome is pushed instead (signed), retried with backoff while WordPress is unreachable."""
    pipeline = make_pipeline(store, cipher, sandbox, clock, recorder, timeout=0.5)
    code = sandbox.new_code()
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    sandbox.state.faults.update({"hang_next": 1, "hang_seconds": 2})
    assert pipeline.process(code_id) == CodeStatus.INTERRUPTED
    unreachable = CodeOutcomes(
        store, WordPressClient(f"http://127.0.0.1:{free_port()}", signer), clock=clock
    )
    assert unreachable.run_once() == 0
    row = code_row(store, code_id)
    assert row.wordpress_told_at is None and row.attempts == 1 and row.next_attempt_at > clock()
    outcomes = CodeOutcomes(store, WordPressClient(shop.url, signer), clock=clock)
    assert outcomes.run_once() == 0  # not due yet: backoff
    clock.now = row.next_attempt_at
    assert outcomes.run_once() == 1
    assert shop.state.outcomes == {code_digest(code): "interrupted"}
    assert outcomes.run_once() == 0  # told once


def test_a_profile_it_cannot_store_ends_the_code_with_its_hour_and_wordpress_is_told(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    shop: Shop,
    signer: Signer,
    clock: FakeClock,
) -> None:
    """An upgraded code holds a 60-day token, but its retries still end with the code's hour:
    failed with the reason, and WordPress told, so that its shopper is asked to connect again
    instead of waiting for 60 days of retries once a minute."""
    code = sandbox.state.grant(
        sandbox.redirect_uri, ("instagram_business_basic",), "not allowed!", "BUSINESS"
    )
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=clock())
    hour_ends = code_row(store, code_id).received_at + timedelta(hours=1)
    while (status := pipeline.process(code_id)) == CodeStatus.UPGRADED:
        clock.now = code_row(store, code_id).next_attempt_at
    row = code_row(store, code_id)
    assert status == CodeStatus.FAILED and clock() < hour_ends
    assert "username is not one Instagram allows" in (row.last_error or "")
    assert row.token_ciphertext is None  # the token goes with the code
    told = CodeOutcomes(store, WordPressClient(shop.url, signer), clock=clock)
    assert told.run_once() == 1
    assert shop.state.outcomes == {row.code_hash: "failed"}


def test_with_engagement_on_a_new_connection_is_one_push_with_the_figure(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock, recorder: Recorder
) -> None:
    """IGSYNC_ENGAGEMENT=on: the recent posts are read with the profile, so the first lead
    carries the engagement rate (the new-lead hook and email see it), and no `updated` push
    follows two seconds later with a second GET /me."""
    pipeline = CodePipeline(
        store,
        cipher,
        sandbox.client(),
        owner="worker-a",
        clock=clock,
        on_completed=recorder.completed.append,
        rng=random.Random(1),
        engagement=True,
    )
    code_id = store_code(
        store, cipher, sandbox.new_code("measured.at.once"), sandbox.redirect_uri, now=clock()
    )
    before = sandbox.state.stats()["graph_calls"]
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    with store.read() as session:
        [delivery] = session.execute(select(Delivery)).scalars().all()
        [sync] = session.execute(select(ProfileSync)).scalars().all()
    assert delivery.payload["engagement_rate"] is not None
    assert "event" not in delivery.payload  # the lead itself
    assert sandbox.state.stats()["graph_calls"] - before == 2  # /me and /me/media, once each
    assert sync.next_attempt_at > clock() + timedelta(hours=1)  # not due again at once
