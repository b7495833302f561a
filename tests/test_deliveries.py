"""Leads reach WordPress: signed, retried with backoff while it is down, refused ones recorded
with WordPress's reason, in order per customer, and never duplicated."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from daemon.clock import utcnow
from daemon.metrics import Metrics
from daemon.pipeline.deliveries import DeliveryWorker, replay_parked, retry_failed
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery
from daemon.store.statuses import DeliveryStatus
from tests.conftest import FakeClock, Shop
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import WordPressClient


def add_customer(store: Store, username: str) -> int:
    now = utcnow()
    with store.write() as session:
        customer = Customer(
            ig_user_id=str(abs(hash(username))),
            username=username,
            api_flavour="instagram_login",
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        session.flush()
        assert customer.id is not None
        return customer.id


def add_delivery(store: Store, customer_id: int, key: str, now: datetime) -> int:
    with store.write() as session:
        delivery = Delivery(
            idempotency_key=key,
            customer_id=customer_id,
            created_at=now,
            next_attempt_at=now,
            payload={"ig_user_id": str(customer_id), "username": "u", "idempotency_key": key},
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        return delivery.id


def delivery(store: Store, delivery_id: int) -> Delivery:
    with store.read() as session:
        row = session.get(Delivery, delivery_id)
    assert row is not None
    return row


@pytest.fixture
def kicks() -> list[tuple[int, datetime]]:
    return []


@pytest.fixture
def worker(
    store: Store, shop: Shop, signer: Signer, clock: FakeClock, kicks: list[tuple[int, datetime]]
) -> DeliveryWorker:
    return DeliveryWorker(
        store,
        WordPressClient(shop.url, signer, timeout=2),
        owner="w",
        clock=clock,
        on_retry=lambda i, when: kicks.append((i, when)),
        rng=random.Random(3),
    )


def test_a_lead_is_delivered_signed_with_its_idempotency_key(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    delivery_id = add_delivery(store, add_customer(store, "lena"), "igsync-lead-1", clock())
    assert worker.process(delivery_id) == DeliveryStatus.DELIVERED
    row = delivery(store, delivery_id)
    assert (row.status, row.last_http_status, row.attempts) == ("delivered", 201, 1)
    assert shop.state.leads["igsync-lead-1"]["idempotency_key"] == "igsync-lead-1"


def test_wordpress_down_is_retried_with_backoff_until_it_is_back(
    worker: DeliveryWorker,
    store: Store,
    shop: Shop,
    clock: FakeClock,
    kicks: list[tuple[int, datetime]],
) -> None:
    delivery_id = add_delivery(store, add_customer(store, "tom"), "igsync-lead-2", clock())
    shop.state.fail_next = 4
    for attempt in range(1, 5):
        assert worker.process(delivery_id) == DeliveryStatus.PENDING
        row = delivery(store, delivery_id)
        assert (row.attempts, row.last_http_status) == (attempt, 503)
        assert row.last_error == "HTTP 503: igsync_unavailable: Maintenance"
        assert kicks[-1] == (delivery_id, row.next_attempt_at)
        # not due yet: a kick that comes early does nothing
        assert worker.process(delivery_id) is None
        clock.now = row.next_attempt_at
    assert worker.process(delivery_id) == DeliveryStatus.DELIVERED
    assert list(shop.state.leads) == ["igsync-lead-2"]


def test_an_unreachable_wordpress_is_retried(
    store: Store, signer: Signer, clock: FakeClock
) -> None:
    worker = DeliveryWorker(
        store, WordPressClient("http://127.0.0.1:9", signer, timeout=1), owner="w", clock=clock
    )
    delivery_id = add_delivery(store, add_customer(store, "ana"), "igsync-lead-3", clock())
    assert worker.process(delivery_id) == DeliveryStatus.PENDING
    assert "connection failed" in (delivery(store, delivery_id).last_error or "")


def test_a_refusal_is_recorded_with_the_reason_and_can_be_retried(
    store: Store, shop: Shop, clock: FakeClock
) -> None:
    wrong_secret = WordPressClient(shop.url, Signer(generate_secret()), timeout=2)
    worker = DeliveryWorker(store, wrong_secret, owner="w", clock=clock)
    delivery_id = add_delivery(store, add_customer(store, "kiln"), "igsync-lead-4", clock())
    assert worker.process(delivery_id) == DeliveryStatus.FAILED
    row = delivery(store, delivery_id)
    assert row.last_http_status == 401
    assert row.last_error == "HTTP 401: igsync_bad_signature: no valid v1 signature"
    assert (
        worker.process(delivery_id) is None
    )  # failed deliveries are not picked up again by themselves
    assert retry_failed(store, now=clock()) == 1
    assert delivery(store, delivery_id).status == DeliveryStatus.PENDING


def test_a_customers_leads_arrive_in_order(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    customer = add_customer(store, "northwind")
    first = add_delivery(store, customer, "igsync-lead-10", clock())
    second = add_delivery(store, customer, "igsync-lead-11", clock())
    other = add_delivery(store, add_customer(store, "other"), "igsync-lead-12", clock())
    shop.state.fail_next = 1
    assert worker.process(first) == DeliveryStatus.PENDING
    assert worker.process(second) is None  # waits behind the first
    assert sorted(worker.claim_due(10)) == [other]  # other customers are not held up
    assert worker.run_claimed(other) == DeliveryStatus.DELIVERED
    clock.now = delivery(store, first).next_attempt_at
    assert worker.process(first) == DeliveryStatus.DELIVERED
    assert worker.process(second) == DeliveryStatus.DELIVERED
    assert shop.state.arrivals == ["igsync-lead-12", "igsync-lead-10", "igsync-lead-11"]


def test_pushing_the_same_lead_again_updates_instead_of_duplicating(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    delivery_id = add_delivery(store, add_customer(store, "dup"), "igsync-lead-20", clock())
    assert worker.process(delivery_id) == DeliveryStatus.DELIVERED
    with store.write() as session:  # as if the answer had been lost and the push ran again
        row = session.get(Delivery, delivery_id)
        assert row is not None
        row.status = DeliveryStatus.PENDING
        session.add(row)
    assert worker.process(delivery_id) == DeliveryStatus.DELIVERED
    assert len(shop.state.leads) == 1 and shop.state.requests_seen == 2
    assert delivery(store, delivery_id).last_http_status == 200  # "updated", not "created"


def test_the_claim_walks_the_due_index(store: Store) -> None:
    with store.read() as session:
        plan = " ".join(
            str(r)
            for r in session.connection()
            .exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE status='pending' "
                "AND next_attempt_at <= '2030' ORDER BY next_attempt_at LIMIT 10"
            )
            .all()
        )
    assert "ix_deliveries_due" in plan


def test_a_lead_that_cannot_land_for_three_days_is_parked_kept_and_replayed_in_order(
    store: Store, shop: Shop, signer: Signer, clock: FakeClock
) -> None:
    """WordPress unreachable for days: the lead is retried until IGSYNC_PARK_AFTER_HOURS, then
    parked (kept, no longer tried, counted for the alert); the customer's next lead waits
    behind it. `igsync deliveries replay` sends both, in order, once WordPress is back."""
    metrics = Metrics()
    worker = DeliveryWorker(
        store,
        WordPressClient(shop.url, signer, timeout=2),
        owner="w",
        clock=clock,
        rng=random.Random(3),
        metrics=metrics,
        park_after=timedelta(hours=72),
    )
    customer_id = add_customer(store, "parked.lena")
    first = add_delivery(store, customer_id, "lead-first", clock())
    second = add_delivery(store, customer_id, "lead-second", clock())
    shop.state.fail_next = 10**9
    down_since = clock()
    while delivery(store, first).status == DeliveryStatus.PENDING:
        assert worker.process(first) in (DeliveryStatus.PENDING, DeliveryStatus.PARKED)
        clock.now = max(clock(), delivery(store, first).next_attempt_at)
        assert clock() - down_since < timedelta(hours=73), "never parked"
    assert delivery(store, first).status == DeliveryStatus.PARKED
    assert clock() - down_since >= timedelta(hours=72)
    assert delivery(store, second).status == DeliveryStatus.PENDING  # kept, behind it
    assert metrics.registry.get_sample_value("igsync_deliveries_parked_total") == 1
    clock.now += timedelta(days=7)
    assert worker.claim_due(10) == []  # parked: not tried again, however long
    assert shop.state.leads == {}

    shop.state.fail_next = 0
    assert replay_parked(store, now=clock()) == 1
    while delivered := worker.claim_due(10):
        for delivery_id in delivered:
            assert worker.run_claimed(delivery_id) == DeliveryStatus.DELIVERED
    assert [k for k in shop.state.arrivals if k.startswith("lead-")] == [
        "lead-first",
        "lead-second",
    ]
    assert delivery(store, first).failing_since is None
