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
from wp_bridge.wordpress import LEADS_BATCH_ROUTE, LEADS_ROUTE, WordPressClient


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


def due_leads(store: Store, clock: FakeClock, count: int, prefix: str) -> list[int]:
    """`count` leads of as many customers, all due now (a burst after a campaign post)."""
    return [
        add_delivery(store, add_customer(store, f"{prefix}{n}"), f"igsync-{prefix}-{n}", clock())
        for n in range(count)
    ]


def test_leads_due_together_go_in_one_request_and_one_bad_lead_refuses_only_itself(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    shop.state.batch_limit = 50
    first = due_leads(store, clock, 1, "first")
    assert worker.process(first[0]) == DeliveryStatus.DELIVERED  # alone: at once, and it learns
    assert (shop.state.batches, worker.wordpress.batch_limit) == ([], 50)
    burst = due_leads(store, clock, 6, "burst")
    shop.state.refused_keys = {"igsync-burst-2"}
    claimed = worker.claim_due(100)
    assert sorted(claimed) == burst
    worker.run_batch(claimed)
    assert shop.state.batches == [6]  # one request for six leads
    rows = {row_id: delivery(store, row_id) for row_id in burst}
    assert {row_id: row.status for row_id, row in rows.items()} == {
        row_id: "failed" if n == 2 else "delivered" for n, row_id in enumerate(burst)
    }
    refused = rows[burst[2]]
    assert (refused.last_http_status, refused.last_error) == (
        422,
        "HTTP 422: igsync_invalid_lead: username: not a valid username",
    )
    assert {rows[burst[0]].last_http_status, rows[burst[5]].last_http_status} == {201}
    assert worker.metrics.deliveries_delivered._value.get() == 6  # 1 + 5


def test_a_batch_wordpress_did_not_take_is_sent_again_and_lands_once_per_lead(
    worker: DeliveryWorker,
    store: Store,
    shop: Shop,
    clock: FakeClock,
    kicks: list[tuple[int, datetime]],
) -> None:
    shop.state.batch_limit = 50
    worker.wordpress.batch_limit = 50  # learned from an earlier answer
    burst = due_leads(store, clock, 3, "down")
    shop.state.fail_next = 1
    worker.run_batch(worker.claim_due(10))
    assert {delivery(store, i).status for i in burst} == {"pending"}
    assert sorted(i for i, _ in kicks) == burst  # each retry rings for its time
    clock.now = max(delivery(store, i).next_attempt_at for i in burst)
    worker.run_batch(worker.claim_due(10))
    assert {delivery(store, i).status for i in burst} == {"delivered"}
    assert shop.state.batches == [3] and set(shop.state.pushes.values()) == {1}
    with store.write() as session:  # the answer lost: the same batch is sent again
        for row_id in burst:
            row = session.get(Delivery, row_id)
            assert row is not None
            row.status = DeliveryStatus.PENDING
            session.add(row)
    worker.run_batch(worker.claim_due(10))
    assert shop.state.batches == [3, 3] and len(shop.state.leads) == 3
    assert {delivery(store, i).last_http_status for i in burst} == {200}  # updated, not created


def test_an_older_plugin_gets_every_lead_on_its_own(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    burst = due_leads(store, clock, 3, "old")  # the stand-in as a 0.5 plugin: no batch route
    worker.run_batch(worker.claim_due(10))
    assert {delivery(store, i).status for i in burst} == {"delivered"}
    assert shop.state.routes_seen == {LEADS_ROUTE: 3}  # not even a try at the batch route


def test_a_plugin_downgraded_after_it_took_batches_gets_the_leads_one_by_one(
    worker: DeliveryWorker, store: Store, shop: Shop, clock: FakeClock
) -> None:
    worker.wordpress.batch_limit = 50  # said so before the owner installed an older plugin
    burst = due_leads(store, clock, 3, "downgraded")
    worker.run_batch(worker.claim_due(10))
    assert {delivery(store, i).status for i in burst} == {"delivered"}
    assert shop.state.routes_seen == {LEADS_BATCH_ROUTE: 1, LEADS_ROUTE: 3}
    assert worker.wordpress.batch_limit == 0  # and the next burst goes one by one at once
