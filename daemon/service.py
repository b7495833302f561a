"""Assembling the daemon from settings: store, cipher, clients, workers, scheduler, intake."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from daemon.budget import ApiBudget
from daemon.catchup import QueueCatchUp
from daemon.clock import Clock, utcnow
from daemon.codes import remember_webhook
from daemon.crypto import TokenCipher
from daemon.db_lock import InUse, in_use_path
from daemon.deliveries import DeliveryWorker
from daemon.erasure import ErasureWorker, deauthorize, request_erasure
from daemon.golive import instagram_status, requested_scopes
from daemon.instagram import InstagramClient, InstagramEndpoints
from daemon.instagram.client import RetiredFields
from daemon.instagram.insights import INSIGHTS_SCOPE
from daemon.leases import release_dead_local_owners, worker_name
from daemon.meta_callbacks import create_meta_router
from daemon.metrics import Metrics
from daemon.models import WORK_TABLES
from daemon.outcomes import CodeOutcomes
from daemon.pairing import log_unpairing
from daemon.pipeline import CodePipeline
from daemon.profile_sync import ProfileSyncer
from daemon.refresh import TokenRefresher
from daemon.sandbox_mode import start_sandbox
from daemon.scheduler import Scheduler
from daemon.serving import serve_until_signalled
from daemon.settings import Settings
from daemon.store import Store
from daemon.sync_schedule import respread_overdue
from daemon.systemd import notify
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
        store = Store(settings.database_url)
        cipher = TokenCipher(settings.encryption_keys)
        signer = Signer(settings.shared_secret.reveal())
        pool = settings.concurrency + 4
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
        owner = worker_name()
        lease = timedelta(seconds=settings.lease_seconds)
        # The workers and the scheduler refer to each other (a finished code kicks its
        # delivery; a failed attempt is kicked again later), hence the late binding below.
        kicks: dict[str, Scheduler] = {}

        def kick_delivery(delivery_id: int, when: datetime | None = None) -> None:
            kicks["scheduler"].kick_delivery(delivery_id, when)

        def kick_erasure(erasure_id: int, when: datetime | None = None) -> None:
            kicks["scheduler"].kick_erasure(erasure_id, when)

        def kick_code(code_id: int, when: datetime | None = None) -> None:
            kicks["scheduler"].kick_code(code_id, when)

        def forget_person(ig_user_id: str) -> tuple[str, int]:
            """WordPress's personal data eraser: erase here, then tell WordPress as usual."""
            receipt = request_erasure(store, ig_user_id, source="wordpress", now=clock())
            kick_erasure(receipt.id, receipt.due_at)
            return receipt.confirmation_code, receipt.customers_erased

        def disconnect_person(ig_user_id: str) -> int:
            """The shopper's Disconnect in WordPress: their token revoked and erased."""
            return deauthorize(
                store, ig_user_id, now=clock(), why="disconnected by the shopper", by_shopper=True
            )

        sync_interval = timedelta(hours=settings.profile_sync_hours)

        def accepted(code_id: int) -> None:
            metrics.codes_received.inc()
            kick_code(code_id)

        pipeline = CodePipeline(
            store,
            cipher,
            instagram,
            owner=owner,
            lease=lease,
            clock=clock,
            on_completed=kick_delivery,
            on_retry=kick_code,
            metrics=metrics,
            sync_interval=sync_interval,
            engagement=settings.engagement,
        )
        deliveries = DeliveryWorker(
            store,
            wordpress,
            owner=owner,
            lease=lease,
            clock=clock,
            on_retry=kick_delivery,
            metrics=metrics,
        )
        refresher = TokenRefresher(
            store,
            cipher,
            instagram,
            owner=owner,
            lease=lease,
            clock=clock,
            window=timedelta(days=settings.refresh_window_days),
        )
        erasures = ErasureWorker(
            store, wordpress, owner=owner, lease=lease, clock=clock, on_retry=kick_erasure
        )
        catch_up = QueueCatchUp(
            store,
            cipher,
            wordpress,
            redirect_uri=settings.redirect_uri,
            app_secret=settings.instagram_app_secret.reveal(),
            clock=clock,
            on_accepted=accepted,
            on_erasure=kick_erasure,
        )
        profiles = ProfileSyncer(
            store,
            cipher,
            instagram,
            owner=owner,
            lease=lease,
            clock=clock,
            interval=sync_interval,
            budget=budget,
            engagement=settings.engagement,
            insights=INSIGHTS_SCOPE in requested_scopes(settings),
            on_updated=kick_delivery,
        )
        outcomes = CodeOutcomes(store, wordpress, clock=clock)
        scheduler = Scheduler(
            catch_up=catch_up.run_once,
            outcomes=outcomes.run_once,
            store=store,
            owner=owner,
            codes=pipeline,
            deliveries=deliveries,
            tokens=refresher,
            erasures=erasures,
            profiles=profiles,
            concurrency=settings.concurrency,
            sweep_interval=settings.sweep_interval_seconds,
            clock=clock,
        )
        kicks["scheduler"] = scheduler
        intake = create_intake_app(
            store=store,
            cipher=cipher,
            signer=signer,
            redirect_uri=settings.redirect_uri,
            on_accepted=accepted,
            clock=clock,
            metrics=metrics.registry,
            routers=[
                create_plugin_router(
                    signer=signer,
                    ping_wordpress=wordpress.ping,
                    forget=forget_person,
                    disconnect=disconnect_person,
                    unpaired=lambda site, by: unpaired_by_wordpress(settings, site, by),
                    remember=lambda webhook_id: remember_webhook(store, webhook_id, now=clock()),
                    clock=clock,
                    instagram_status=lambda: instagram_status(settings, clock().date()),
                ),
                create_meta_router(
                    store=store,
                    app_secret=settings.instagram_app_secret.reveal(),
                    on_erasure=kick_erasure,
                    clock=clock,
                ),
            ],
        )
        return cls(settings, store, scheduler, intake, instagram, wordpress)

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
