"""Each connected customer's profile is fetched again on its own schedule: a real change
becomes an `updated` event with the next version, nothing else is pushed; follower growth is
kept; a dead token loses the connection; Instagram's API budget is kept to (issue 14, points 2,
3, 4, 5)."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select

from daemon.crypto import TokenCipher
from daemon.customers.engagement import engagement_rate
from daemon.customers.followers import (
    FOLLOWER_HISTORY,
    growth,
    prune_follower_history,
    record_followers,
)
from daemon.customers.schedule import (
    JITTER,
    first_sync_due,
    next_place,
    next_sync_due,
    respread_overdue,
)
from daemon.instagram import InstagramClient
from daemon.instagram.types import Post
from daemon.instagram.usage import AccountUsage, Usage
from daemon.pipeline.exchange import CodePipeline
from daemon.privacy.erasure import deauthorize, request_erasure
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery, FollowerCount, ProfileSync, Token
from daemon.store.queries import status_counts
from daemon.store.statuses import SyncStatus
from daemon.sync.budget import ApiBudget
from daemon.sync.profile_sync import ProfileSyncer
from tests.conftest import FakeClock, Sandbox, connect_customer

DAY = timedelta(days=1)
INTERVAL = timedelta(hours=24)


class World:
    """The daemon's clock and the sandbox's, moved together."""

    def __init__(self, store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock):
        self.store, self.cipher, self.sandbox, self.clock = store, cipher, sandbox, clock
        self.budget = ApiBudget(75)
        self.client = InstagramClient(
            sandbox.endpoints(), on_usage=lambda usage: self.budget.observe(usage, clock())
        )
        self.pipeline = CodePipeline(store, cipher, sandbox.client(), owner="p", clock=clock)

    def connect(self, username: str) -> Customer:
        connect_customer(
            self.pipeline, self.store, self.cipher, self.sandbox, username, now=self.clock()
        )
        with self.store.read() as session:
            return session.execute(
                select(Customer).where(Customer.username == username)
            ).scalar_one()

    def syncer(self, *, engagement: bool = False) -> ProfileSyncer:
        return ProfileSyncer(
            self.store,
            self.cipher,
            self.client,
            owner="s",
            interval=INTERVAL,
            budget=self.budget,
            engagement=engagement,
            clock=self.clock,
            rng=random.Random(14),
        )

    def advance(self, delta: timedelta) -> None:
        self.clock.now += delta
        self.sandbox.state.advance(delta.total_seconds())

    def customer(self, customer_id: int | None) -> Customer:
        with self.store.read() as session:
            found = session.get(Customer, customer_id)
            assert found is not None
            return found

    def updates(self, customer_id: int | None) -> list[dict[str, object]]:
        with self.store.read() as session:
            rows = session.execute(
                select(Delivery)
                .where(col(Delivery.customer_id) == customer_id)
                .order_by(col(Delivery.id))
            ).scalars()
            return [d.payload for d in rows if d.payload.get("event") == "updated"]

    def sync_row(self, customer_id: int | None) -> ProfileSync:
        with self.store.read() as session:
            return session.execute(
                select(ProfileSync).where(ProfileSync.customer_id == customer_id)
            ).scalar_one()

    def run_due(self, syncer: ProfileSyncer, places: int = 8) -> list[str]:
        """One sweep: as many syncs as a daemon of 8 workers has places for (4 + 4 waiting)."""
        return [syncer.run_claimed(sync_id) for sync_id in syncer.claim_due(places)]


@pytest.fixture
def world(store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock) -> World:
    """Both clocks two hours into an Instagram day, whatever the time the tests run: the
    sandbox's audiences grow once a day, and a test that moves an hour on must not cross
    midnight by chance (these tests failed between 23:00 and 00:00 UTC)."""
    world = World(store, cipher, sandbox, clock)
    into_day = sandbox.state.now() % 86_400
    world.advance(timedelta(seconds=86_400 - into_day + 2 * 3_600))
    return world


def test_a_changed_profile_pushes_an_updated_event_with_the_next_version(world: World) -> None:
    customer = world.connect("grows.daily")
    syncer = world.syncer()
    assert syncer.claim_due(10) == []  # just fetched: not due before its first interval
    first_due = world.sync_row(customer.id).next_attempt_at
    assert world.clock() + INTERVAL * JITTER <= first_due <= world.clock() + INTERVAL

    world.advance(INTERVAL + timedelta(hours=1))  # a day on: the sandbox's audience has grown
    assert world.run_due(syncer) == ["updated"]
    fresh = world.customer(customer.id)
    assert fresh.followers_count is not None and customer.followers_count is not None
    assert fresh.followers_count > customer.followers_count
    assert fresh.version == customer.version + 1
    [update] = world.updates(customer.id)
    assert update["version"] == fresh.version and update["event"] == "updated"
    assert update["followers_count"] == fresh.followers_count
    assert update["followers_change"] == fresh.followers_count - customer.followers_count
    assert update["followers_change_days"] == 1
    # The connection's time, as the first lead said it, not the update's (the wire contract).
    with world.store.read() as session:
        [lead] = [
            d.payload
            for d in session.execute(select(Delivery).where(Delivery.customer_id == customer.id))
            .scalars()
            .all()
            if "event" not in d.payload
        ]
    assert update["connected_at"] == lead["connected_at"]

    # Due again about an interval on (its place give or take the jitter, but no sooner than
    # the interval less the jitter after this run, which was an hour or more late): never
    # fetched twice within an interval. Nothing changed the same day on Instagram: no push.
    sync = world.sync_row(customer.id)
    gap = sync.next_attempt_at - world.clock()
    assert INTERVAL * (1 - JITTER) <= gap <= INTERVAL * (1 + JITTER)
    world.clock.now = sync.next_attempt_at  # the daemon's clock only: Instagram's day is the same
    assert world.run_due(syncer) == ["unchanged"]
    assert len(world.updates(customer.id)) == 1
    assert world.customer(customer.id).version == fresh.version


def test_syncs_fall_due_spread_over_the_interval_never_together() -> None:
    rng = random.Random(1)
    now = FakeClock().now
    firsts = [first_sync_due(now, INTERVAL, rng=rng) for _ in range(10_000)]
    hours = Counter(int((due - now) / timedelta(hours=1)) for due in firsts)
    # Ten thousand customers who connected at once: none due at once, then about as many in
    # each hour of the day (the expectation is 10,000 / 21.6 = 463 an hour).
    assert min(firsts) >= now + INTERVAL * JITTER
    assert max(firsts) <= now + INTERVAL
    assert all(380 <= hours[h] <= 550 for h in range(3, 24)), hours
    later = [next_sync_due(now, INTERVAL, rng) for _ in range(1000)]
    assert all(INTERVAL * 0.9 <= due - now <= INTERVAL * 1.1 for due in later)
    assert len({due for due in later}) == len(later)

    # A daemon back after three days down sends every overdue sync to its next place in the
    # day without running it (respread_overdue): they stay spread instead of bunching up.
    back = now + 3 * DAY
    after = [next_place(due, back, INTERVAL) for due in firsts]
    assert all(back < due <= back + INTERVAL for due in after)
    hours_after = Counter(int((due - back) / timedelta(hours=1)) % 24 for due in after)
    assert hours_after == hours  # each at its own hour of the day, as spread as they were


def test_a_revoked_token_found_by_a_resync_loses_the_connection(world: World) -> None:
    customer = world.connect("changed.password")
    world.sandbox.state.revoke_tokens_of("changed.password")  # a password change on Instagram
    world.advance(INTERVAL)
    assert world.run_due(world.syncer()) == ["connection_lost"]
    lost = world.customer(customer.id)
    assert lost.status == "needs_reconnect" and lost.version == customer.version + 1
    with world.store.read() as session:
        events = [
            d.payload
            for d in session.execute(
                select(Delivery).where(Delivery.customer_id == customer.id)
            ).scalars()
        ]
    [event] = [e for e in events if e.get("event") == "connection_lost"]
    assert event["status"] == "needs_reconnect" and "460" not in str(event.get("reason", ""))
    assert "code 190" in str(event["reason"])
    assert world.sync_row(customer.id).status == SyncStatus.PAUSED
    world.advance(INTERVAL * 2)
    assert world.syncer().claim_due(10) == []  # nothing to sync a dead token with

    world.connect("changed.password")  # the shopper connects again: syncs start again
    assert world.sync_row(customer.id).status == SyncStatus.ACTIVE
    assert world.customer(customer.id).status == "connected"


def test_an_account_at_its_limit_waits_for_the_time_instagram_names_others_do_not(
    world: World,
) -> None:
    busy, calm = world.connect("busy.account"), world.connect("calm.account")
    world.advance(timedelta(hours=1, seconds=1))  # the connections' calls leave the window
    world.sandbox.state.config = type(world.sandbox.state.config)(
        **{**vars(world.sandbox.state.config), "calls_per_user_per_hour": 3}
    )
    syncer = world.syncer()
    assert busy.id is not None and calm.id is not None
    outcomes = [syncer.sync_now(busy.id) for _ in range(4)]
    # Three calls spend the account's hour; the header says so, and the fourth never goes out.
    assert outcomes[:3] == ["unchanged"] * 3 and outcomes[3] == "deferred"
    assert world.sandbox.state.stats()["rate_limited"] == 0
    resume = world.sync_row(busy.id).next_attempt_at
    assert world.clock() + timedelta(minutes=59) <= resume <= world.clock() + timedelta(hours=1)
    assert syncer.sync_now(calm.id) == "unchanged"  # only the affected account waits
    # igsync status names the account that waits, and until when.
    with world.store.read() as session:
        counts = status_counts(session, now=world.clock(), refresh_window=timedelta(days=7))
    assert counts.budget_waits == [("busy.account", resume)]


def test_a_bogus_time_to_regain_access_parks_an_account_for_a_day_at_most(world: World) -> None:
    """One answer said 1,000,000,000 minutes (1,900 years): taken as a day, counted and logged."""
    now = world.clock()
    spent = AccountUsage(percent=100, regain_seconds=1_000_000_000 * 60)
    world.budget.observe(Usage(accounts={"17841400000000042": spent}), now)
    resume = world.budget.resume_at("17841400000000042", now)
    assert resume is not None and resume - now == timedelta(days=1)
    assert world.budget.regain_capped == 1
    honest = AccountUsage(percent=100, regain_seconds=30 * 60)
    world.budget.observe(Usage(accounts={"17841400000000043": honest}), now)
    assert world.budget.resume_at("17841400000000043", now) == now + timedelta(minutes=30)
    assert world.budget.regain_capped == 1


def test_the_syncer_slows_near_the_apps_budget_stops_at_it_and_catches_up(world: World) -> None:
    """Another tool of the shop shares the Instagram app and has spent most of its hour: the
    syncer reads X-App-Usage, slows above 75%, stops at 100% and syncs everyone once the
    budget is back, with hardly a refused call."""
    customers = [world.connect(f"shop.fan{i}") for i in range(30)]
    config = world.sandbox.state.config
    world.sandbox.state.config = type(config)(**{**vars(config), "app_calls_per_hour": 40})
    world.advance(INTERVAL + timedelta(hours=1))  # everyone due; the hour's calls forgotten
    other_tool = world.sandbox.client()
    token = other_tool.exchange_long_lived(
        other_tool.exchange_code(
            world.sandbox.new_code("other.tool"), world.sandbox.redirect_uri
        ).access_token
    ).access_token
    for _ in range(24):  # 60% of the app's hour, spent before the syncer starts
        other_tool.profile(token)

    syncer = world.syncer()
    first_synced: dict[int, float] = {}  # sync id: seconds into the run it was first synced
    start = world.clock()
    while len(first_synced) < len(customers) and world.clock() - start < timedelta(hours=3):
        # (A customer whose place in the day comes up again within these hours may be synced
        # a second time: only the first counts here.)
        for sync_id in syncer.claim_due(8):
            if syncer.run_claimed(sync_id) in ("updated", "unchanged"):
                first_synced.setdefault(sync_id, (world.clock() - start).total_seconds())
        world.advance(timedelta(seconds=5))
    synced_at = sorted(first_synced.values())
    assert len(synced_at) == len(customers)  # caught up: every customer synced
    # X-App-Usage names no reset time: the syncer probes after 1, 2, 4... minutes, so an hour
    # costs at most six refused calls (a syncer deaf to the headers: one every sweep).
    assert world.sandbox.state.stats()["rate_limited"] <= 6
    # The hour had 16 calls left, each 2.5% of it. Syncs start at once until an answer reports
    # the threshold (the sixth says 75%): the seventh is the first paced start, and the eighth,
    # claimed in the same sweep, waits its turn instead of starting with it...
    assert synced_at[:7] == [0.0] * 7 and synced_at[7] > 0
    # ... then one at a time, after pauses that grow with the usage.
    paced = [b - a for a, b in itertools.pairwise(synced_at[6:16])]
    assert all(later >= earlier for earlier, later in itertools.pairwise(paced)), paced
    assert paced[-1] > paced[0] and synced_at[15] >= 60
    # ... then a stop until the other tool's calls leave the hour, then the rest.
    gap, resumed = max((b - a, b) for a, b in itertools.pairwise(synced_at))
    assert gap >= 30 * 60 and synced_at.index(resumed) == 16


def test_engagement_is_measured_stored_and_sent_when_switched_on(world: World) -> None:
    customer = world.connect("creator.one")
    assert customer.engagement_rate is None
    world.advance(INTERVAL)
    assert world.run_due(world.syncer(engagement=True)) == ["updated"]
    fresh = world.customer(customer.id)
    posts = world.client.recent_media(world.cipher.decrypt(_token_of(world, customer.id)), limit=25)
    assert len(posts) == 25
    assert fresh.engagement_rate == engagement_rate(posts, fresh.followers_count)
    assert fresh.engagement_rate is not None and 0.5 < fresh.engagement_rate < 15
    assert world.updates(customer.id)[-1]["engagement_rate"] == fresh.engagement_rate


def test_engagement_rate_is_likes_plus_comments_per_post_per_follower() -> None:
    posts = [Post(100, 5), Post(50, None), Post(None, None)]  # likes hidden on the last one
    assert engagement_rate(posts, 1000) == 7.75  # (105 + 50) / 2 posts / 1000 followers
    assert engagement_rate(posts, 0) is None
    assert engagement_rate([], 1000) is None


def test_follower_history_gives_growth_and_is_pruned_keeping_its_base(
    store: Store, world: World
) -> None:
    customer = world.connect("history.keeper")
    assert customer.id is not None
    start = world.clock()
    counts = [1000, 1000, 1010, 1030, 1030, 1100]
    with store.write() as session:
        session.execute(FollowerCount.__table__.delete())  # type: ignore[attr-defined]
        written = [
            record_followers(session, customer.id, count, start + DAY * 20 * i)
            for i, count in enumerate(counts)
        ]
    assert written == [True, False, True, True, False, True]  # only changes are kept
    now = start + DAY * 100
    with store.read() as session:
        trend = growth(session, customer.id, now)
    assert trend is not None and (trend.change, trend.days) == (1100 - 1030, 30)
    with store.write() as session:
        # 90 days after day 50: the counts of days 0 and 40 are older, and the one of day 40
        # is still in force at the cutoff (the base of any growth measured from it): it stays.
        assert prune_follower_history(session, start + DAY * 50 + FOLLOWER_HISTORY) == 1
    with store.read() as session:
        left = session.execute(
            select(FollowerCount.followers_count).where(FollowerCount.customer_id == customer.id)
        ).scalars()
        assert list(left) == [1010, 1030, 1100]
        assert growth(session, customer.id, now) == trend


def _token_of(world: World, customer_id: int | None) -> str:
    with world.store.read() as session:
        return session.execute(
            select(Token.access_token_ciphertext).where(Token.customer_id == customer_id)
        ).scalar_one()


def test_a_deauthorized_customer_is_not_synced_and_an_erased_one_leaves_nothing(
    world: World,
) -> None:
    gone, erased = world.connect("removed.the.app"), world.connect("asked.for.deletion")
    assert gone.id is not None and erased.id is not None
    deauthorize(world.store, gone.ig_user_id, now=world.clock(), why="deauthorize callback")
    assert world.sync_row(gone.id).status == SyncStatus.PAUSED
    request_erasure(world.store, erased.ig_user_id, source="meta", now=world.clock())
    world.advance(INTERVAL * 2)
    assert world.syncer().claim_due(10) == []
    with world.store.read() as session:
        for model in (ProfileSync, FollowerCount):
            left = session.execute(select(model).where(model.customer_id == erased.id)).all()
            assert left == [], model.__name__


def test_a_resync_with_a_username_instagram_would_not_allow_keeps_the_rest_current(
    world: World,
) -> None:
    """The profile answer's username is unusable this time: the customer keeps the one it has,
    and the rest of the profile (the followers) is still brought up to date."""
    customer = world.connect("keeps.its.name")
    state = world.sandbox.state
    for token, issued in list(state._tokens.items()):
        if issued.account.username == "keeps.its.name":
            state._tokens[token] = dataclasses.replace(
                issued, account=dataclasses.replace(issued.account, username="not allowed!")
            )
    assert customer.id is not None
    assert world.syncer().sync_now(customer.id) == "updated"
    fresh = world.customer(customer.id)
    assert fresh.username == "keeps.its.name"
    assert fresh.followers_count != customer.followers_count


def test_after_downtime_overdue_syncs_go_back_to_their_places_and_none_runs_twice(
    world: World,
) -> None:
    """The daemon was stopped for two days: at its start the missed syncs move to their next
    places in the interval, none due at once; run each when it falls due, and the next falls
    an interval (give or take the jitter) later, never minutes later."""
    customers = [world.connect(f"was.down{n}") for n in range(12)]
    places = {c.id: world.sync_row(c.id).next_attempt_at for c in customers}
    world.advance(2 * INTERVAL + timedelta(hours=3))
    with world.store.write() as session:
        moved = respread_overdue(session, world.clock(), INTERVAL)
    assert moved == len(customers)
    syncer = world.syncer()
    assert syncer.claim_due(100) == []  # nobody fetched at once
    for customer in customers:
        due = world.sync_row(customer.id).next_attempt_at
        assert world.clock() < due <= world.clock() + INTERVAL
        assert (due - places[customer.id]) % INTERVAL == timedelta(0)  # its own place
    # A sync that runs late still waits an interval before the next.
    late = next_sync_due(world.clock(), INTERVAL, random.Random(3), was_due=world.clock() - DAY)
    assert late >= world.clock() + INTERVAL * (1 - JITTER)
    ran_at = world.clock()
    for seed in range(200):
        was_due = ran_at - timedelta(hours=seed % 30)
        assert next_sync_due(ran_at, INTERVAL, random.Random(seed), was_due=was_due) >= (
            ran_at + INTERVAL * (1 - JITTER)
        )
