"""Assembling the daemon from settings: store, cipher, clients, workers, scheduler, intake."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry

from daemon.clock import Clock, utcnow
from daemon.crypto import TokenCipher
from daemon.customers.schedule import respread_overdue
from daemon.instagram import InstagramClient, InstagramEndpoints
from daemon.instagram.client import RetiredFields
from daemon.instagram.insights import INSIGHTS_SCOPE
from daemon.intake.catchup import QueueCatchUp
from daemon.intake.codes import code_state, remember_webhook
from daemon.intake.group_commit import GroupCommit
from daemon.metrics import Metrics
from daemon.ops.golive import instagram_status, requested_scopes
from daemon.ops.housekeeping import run_housekeeping
from daemon.ops.pairing import log_unpairing
from daemon.pipeline.deliveries import DeliveryWorker, delivered_since
from daemon.pipeline.exchange import CodePipeline
from daemon.pipeline.outcomes import CodeOutcomes
from daemon.privacy.erasure import ErasureWorker, deauthorize, request_erasure
from daemon.privacy.meta_callbacks import create_meta_router
from daemon.runtime.sandbox_mode import start_sandbox
from daemon.runtime.scheduler import (
    HOUSEKEEPING_INTERVAL_SECONDS,
    REFRESH_INTERVAL_SECONDS,
    Scheduler,
    Timed,
    Wakeups,
    Work,
)
from daemon.runtime.serving import serve_until_signalled
from daemon.runtime.systemd import notify
from daemon.settings import Settings
from daemon.store.database import Store
from daemon.store.db_lock import InUse, in_use_path
from daemon.store.leases import Holder, release_dead_local_owners, worker_name
from daemon.store.models import WORK_TABLES
from daemon.sync.budget import ApiBudget
from daemon.sync.profile_sync import ProfileSyncer
from daemon.sync.refresh import TokenRefresher
from wp_bridge.intake import create_intake_app
from wp_bridge.plugin_calls import create_plugin_router
from wp_bridge.signing import Signer
from wp_bridge.wordpress import WordPressClient

log = logging.getLogger(__name__)


def unpaired_by_wordpress(settings: Settings, site_url: str, by: str) -> None:
    """WordPress forgot the shared secret: from now on it refuses our pushes (401)."""
    log_unpairing(settings.state_dir, site_url, by=f"{by} in wp-admin")
    log.warning(
        "WordPress at %s unpaired this daemon (%s in wp-admin): its leads are refused until "
        "`igsync pair` pairs again",
        site_url,
        by,
    )


def code_intake_app(
    store: Store,
    cipher: TokenCipher,
    *,
    signer: Signer,
    redirect_uri: str,
    on_accepted: Callable[[int], None] = lambda _code_id: None,
    clock: Clock = utcnow,
    metrics: CollectorRegistry | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The intake app over this store: forwards committed by one group-commit writer, a code's
    state read from its row, signed requests' ids remembered (wp_bridge.intake is handed each)."""
    writer = GroupCommit(store, cipher, clock=clock)
    return create_intake_app(
        signer=signer,
        redirect_uri=redirect_uri,
        submit=writer.submit,
        read_code=functools.partial(code_state, store),
        remember=lambda webhook_id: remember_webhook(store, webhook_id, now=clock()),
        on_accepted=on_accepted,
        clock=clock,
        metrics=metrics,
        routers=routers,
    )


@dataclass(frozen=True)
class Clients:
    """What the daemon talks through: its database, the cipher of its secrets, Instagram and
    WordPress, the API budget and the metrics they all report to."""

    store: Store
    cipher: TokenCipher
    signer: Signer
    instagram: InstagramClient
    wordpress: WordPressClient
    budget: ApiBudget
    metrics: Metrics

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> Clients:
        store = Store(settings.database_url)
        signer = Signer(settings.shared_secret.reveal())
        # Connections per upstream: every pool that calls it (codes, and half as many each for
        # refreshes and syncs, or for leads) plus the timed jobs, so none is opened and dropped.
        pool = 2 * settings.concurrency + 4
        budget = ApiBudget(settings.api_budget_percent)
        metrics = Metrics()
        metrics.watch_store(store, clock)
        metrics.watch_graph_version(settings.graph_api_version, clock)
        instagram = InstagramClient(
            InstagramEndpoints.from_settings(settings),
            timeout=settings.http_timeout_seconds,
            pool_size=pool,
            on_usage=lambda usage: budget.observe(usage, clock()),
            on_error=lambda error: metrics.upstream_errors.labels("instagram", error.kind).inc(),
            retired=RetiredFields(
                lambda version, field: metrics.graph_fields_retired.labels(version, field).inc()
            ),
        )
        wordpress = WordPressClient(
            settings.wp_url, signer, timeout=settings.http_timeout_seconds, pool_size=pool
        )
        return cls(
            store,
            TokenCipher(settings.encryption_keys),
            signer,
            instagram,
            wordpress,
            budget,
            metrics,
        )


@dataclass(frozen=True)
class Workers:
    """One worker per work table, and the poll of the plugin's queue."""

    codes: CodePipeline
    deliveries: DeliveryWorker
    erasures: ErasureWorker
    outcomes: CodeOutcomes
    tokens: TokenRefresher
    profiles: ProfileSyncer
    catch_up: QueueCatchUp

    @classmethod
    def build(
        cls, settings: Settings, clients: Clients, wake: Wakeups, owner: str, clock: Clock
    ) -> Workers:
        """Each worker is told which doorbell its finished work rings: a completed code and an
        updated profile ring the leads' pool; a failed attempt its own pool, at its retry time."""
        store, cipher, metrics = clients.store, clients.cipher, clients.metrics
        held = Holder(owner=owner, lease=timedelta(seconds=settings.lease_seconds), clock=clock)
        sync_interval = timedelta(hours=settings.profile_sync_hours)
        return cls(
            codes=CodePipeline(
                store,
                cipher,
                clients.instagram,
                **held,
                on_completed=wake.deliveries,
                on_retry=wake.codes,
                metrics=metrics,
                sync_interval=sync_interval,
                engagement=settings.engagement,
            ),
            deliveries=DeliveryWorker(
                store,
                clients.wordpress,
                **held,
                on_retry=wake.deliveries,
                metrics=metrics,
                park_after=timedelta(hours=settings.park_after_hours),
            ),
            erasures=ErasureWorker(store, clients.wordpress, **held, on_retry=wake.erasures),
            outcomes=CodeOutcomes(store, clients.wordpress, **held),
            tokens=TokenRefresher(
                store,
                cipher,
                clients.instagram,
                **held,
                window=timedelta(days=settings.refresh_window_days),
            ),
            profiles=ProfileSyncer(
                store,
                cipher,
                clients.instagram,
                **held,
                interval=sync_interval,
                budget=clients.budget,
                engagement=settings.engagement,
                insights=INSIGHTS_SCOPE in requested_scopes(settings),
                on_updated=wake.deliveries,
            ),
            catch_up=QueueCatchUp(
                store,
                cipher,
                clients.wordpress,
                redirect_uri=settings.redirect_uri,
                app_secret=settings.instagram_app_secret.reveal(),
                clock=clock,
                on_accepted=lambda code_id: _accepted(metrics, wake, code_id),
                on_erasure=wake.erasures,
            ),
        )

    def scheduler(self, settings: Settings, store: Store, wake: Wakeups, owner: str) -> Scheduler:
        """A pool per work table (codes have the most workers: an hour to live each; WordPress
        work has pools of its own, so a slow shop never holds a code), and the timed jobs."""
        concurrency, sweep = settings.concurrency, settings.sweep_interval_seconds
        half = max(1, concurrency // 2)
        return Scheduler(
            store=store,
            owner=owner,
            work=[
                Work("codes", self.codes, concurrency, sweep, wake.codes),
                Work("deliveries", self.deliveries, max(2, half), sweep, wake.deliveries),
                Work("erasures", self.erasures, 1, sweep, wake.erasures),
                Work("outcomes", self.outcomes, 1, sweep),
                Work("tokens", self.tokens, half, REFRESH_INTERVAL_SECONDS),
                Work("profiles", self.profiles, half, sweep),
            ],
            timed=[
                Timed("catch-up", self.catch_up.run_once, sweep),
                Timed(
                    "housekeeping",
                    lambda: run_housekeeping(store, now=utcnow()),
                    HOUSEKEEPING_INTERVAL_SECONDS,
                ),
            ],
        )


def _accepted(metrics: Metrics, wake: Wakeups, code_id: int) -> None:
    """A new code, from the intake or the catch-up poll: counted, and its pool woken."""
    metrics.codes_received.inc()
    wake.codes(code_id)


def _http(settings: Settings, clients: Clients, wake: Wakeups, clock: Clock) -> FastAPI:
    """The intake, with the plugin's calls and Meta's callbacks on the same listener."""
    store = clients.store

    def forget_person(ig_user_id: str) -> tuple[str, int]:
        """WordPress's personal data eraser: erase here, then tell WordPress as usual."""
        receipt = request_erasure(store, ig_user_id, source="wordpress", now=clock())
        wake.erasures(receipt.id, receipt.due_at)
        return receipt.confirmation_code, receipt.customers_erased

    def disconnect_person(ig_user_id: str) -> int:
        """The shopper's Disconnect in WordPress: their token revoked and erased."""
        return deauthorize(
            store, ig_user_id, now=clock(), why="disconnected by the shopper", by_shopper=True
        )

    return code_intake_app(
        store,
        clients.cipher,
        signer=clients.signer,
        redirect_uri=settings.redirect_uri,
        on_accepted=lambda code_id: _accepted(clients.metrics, wake, code_id),
        clock=clock,
        metrics=clients.metrics.registry,
        routers=[
            create_plugin_router(
                signer=clients.signer,
                ping_wordpress=clients.wordpress.ping,
                forget=forget_person,
                disconnect=disconnect_person,
                unpaired=lambda site, by: unpaired_by_wordpress(settings, site, by),
                remember=lambda webhook_id: remember_webhook(store, webhook_id, now=clock()),
                clock=clock,
                instagram_status=lambda: instagram_status(settings, clock().date()),
                leads_since=functools.partial(delivered_since, store),
            ),
            create_meta_router(
                store=store,
                app_secret=settings.instagram_app_secret.reveal(),
                on_erasure=wake.erasures,
                clock=clock,
            ),
        ],
    )


@dataclass
class Daemon:
    settings: Settings
    store: Store
    scheduler: Scheduler
    intake: FastAPI
    instagram: InstagramClient
    wordpress: WordPressClient
    _in_use: InUse | None = None  # the SQLite database's "a daemon runs here" lock

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock = utcnow) -> Daemon:
        """The clients first, then the doorbells, then the workers that ring them, then the
        pools that answer (the scheduler) and the HTTP side."""
        clients = Clients.from_settings(settings, clock)
        wake = Wakeups.new(clock)
        owner = worker_name()
        workers = Workers.build(settings, clients, wake, owner, clock)
        scheduler = workers.scheduler(settings, clients.store, wake, owner)
        intake = _http(settings, clients, wake, clock)
        return cls(settings, clients.store, scheduler, intake, clients.instagram, clients.wordpress)

    def start(self) -> None:
        """Migrate, take back the work of crashed local daemons, start the workers. The intake
        is served separately."""
        if self.store.is_sqlite and self.store.url.database:  # `igsync restore` waits for us
            self._in_use = InUse(in_use_path(Path(self.store.url.database)))
        self.store.migrate()
        with self.store.write() as session:
            released = sum(release_dead_local_owners(session, model) for model in WORK_TABLES)
            interval = timedelta(hours=self.settings.profile_sync_hours)
            respread = respread_overdue(session, utcnow(), interval)
        if released:
            log.warning(
                "resumed %d row(s) left leased by a daemon that died on this host", released
            )
        if respread:
            log.info(
                "%d profile sync(s) missed while no daemon ran go back to their places in the "
                "interval (not all at once)",
                respread,
            )
        self.scheduler.start()

    def stop(self, within: float | None = None) -> None:
        """Work in flight finishes or is handed back within `within` seconds (default
        IGSYNC_STOP_SECONDS), then every connection closes."""
        self.scheduler.stop(self.settings.stop_seconds if within is None else within)
        self.instagram.close()
        self.wordpress.close()
        self.store.dispose()
        if self._in_use is not None:
            self._in_use.release()
            self._in_use = None

    def serve_forever(self) -> None:
        """`igsync run`: migrate, start the workers, serve the intake until SIGTERM or SIGINT,
        then stop cleanly (jobs in flight finished, leases handed back, exit status 0).
        Under systemd (Type=notify) READY=1 follows migrations and listening, STOPPING=1 the
        signal."""
        sandbox = start_sandbox(self.settings) if self.settings.sandbox else None
        try:
            self._serve_intake()
        finally:
            if sandbox is not None:
                sandbox.stop()

    def _serve_intake(self) -> None:
        self.start()
        within = None
        try:
            signalled = serve_until_signalled(self.intake, self.settings.listen, self._ready)
            notify("STOPPING=1", "STATUS=stopping")
            log.info("shutting down")
            spent = time.monotonic() - signalled  # closing the intake comes first
            within = max(1.0, self.settings.stop_seconds - spent)
        finally:
            self.stop(within)

    def _ready(self, url: str) -> None:
        log.info(
            "igsync listening on %s (database: %s)",
            url,
            self.store.url.render_as_string(hide_password=True),
        )
        notify("READY=1", f"STATUS=listening on {url}")
