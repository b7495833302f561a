"""Prometheus metrics (GET /metrics): counters the workers bump, and gauges read from the
database at scrape time, so that every daemon sharing a database reports the same backlog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from daemon.clock import Clock, to_utc, utcnow
from daemon.graph_versions import graph_version
from daemon.store.database import Store
from daemon.store.models import Delivery, ReceivedCode, Token
from daemon.store.statuses import ACTIVE_CODE_STATUSES, DeliveryStatus, TokenStatus

EXPIRY_HORIZON = timedelta(days=7)


class Metrics:
    """One registry per daemon (tests run several daemons in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.codes_received = Counter(
            "igsync_codes_received",
            "Codes newly stored (intake or catch-up)",
            registry=self.registry,
        )
        self.codes_exchanged = Counter(
            "igsync_codes_exchanged",
            "Codes exchanged for a token at Instagram",
            registry=self.registry,
        )
        self.codes_failed = Counter(
            "igsync_codes_failed",
            "Codes that ended without a customer",
            ["status"],
            registry=self.registry,
        )
        self.exchange_seconds = Histogram(
            "igsync_exchange_seconds",
            "Duration of the code exchange call to Instagram",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.deliveries_delivered = Counter(
            "igsync_deliveries_delivered", "Leads WordPress accepted", registry=self.registry
        )
        self.deliveries_parked = Counter(
            "igsync_deliveries_parked",
            "Leads parked: WordPress refused or was unreachable for IGSYNC_PARK_AFTER_HOURS",
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "igsync_upstream_errors",
            "Errors from Instagram and WordPress, by kind",
            ["upstream", "kind"],
            registry=self.registry,
        )

        self.graph_fields_retired = Counter(
            "igsync_graph_fields_retired",
            "Profile fields Instagram no longer serves on the pinned Graph API version",
            ["version", "field"],
            registry=self.registry,
        )

    def watch_store(self, store: Store, clock: Clock = utcnow) -> None:
        self.registry.register(_StoreCollector(store, clock))

    def watch_graph_version(self, version: str, clock: Clock = utcnow) -> None:
        self.registry.register(_GraphVersionCollector(version, clock))


class _GraphVersionCollector(Collector):
    """Days until Meta stops serving the pinned Graph API version (absent while Meta has not
    announced the date): the alert rule's input."""

    def __init__(self, version: str, clock: Clock) -> None:
        self.version, self.clock = version, clock

    def collect(self) -> Iterator[Metric]:
        days = graph_version(self.version).days_left(self.clock().date())
        gauge = GaugeMetricFamily(
            "igsync_graph_api_days_left",
            "Days until Meta stops serving the Graph API version igsync calls",
            labels=["version"],
        )
        if days is not None:
            gauge.add_metric([self.version], days)
        yield gauge


class _StoreCollector(Collector):
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        with self.store.read() as session:
            deliveries = dict(
                session.execute(
                    select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
                ).all()
            )
            expiring = session.execute(
                select(func.count())
                .select_from(Token)
                .where(
                    col(Token.status) == TokenStatus.ACTIVE,
                    col(Token.expires_at) <= now + EXPIRY_HORIZON,
                )
            ).scalar_one()
            oldest_pending = session.execute(
                select(func.min(col(Delivery.created_at))).where(
                    col(Delivery.status) == DeliveryStatus.PENDING
                )
            ).scalar_one()
            in_flight = session.execute(
                select(func.count())
                .select_from(ReceivedCode)
                .where(col(ReceivedCode.status).in_(ACTIVE_CODE_STATUSES))
            ).scalar_one()
        gauge = GaugeMetricFamily("igsync_deliveries", "Deliveries by status", labels=["status"])
        for status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.PARKED):
            gauge.add_metric([status], int(deliveries.get(status, 0)))
        yield gauge
        waited = (now - to_utc(oldest_pending)).total_seconds() if oldest_pending else 0.0
        yield GaugeMetricFamily(
            "igsync_deliveries_oldest_pending_seconds",
            "How long the oldest lead still on its way to WordPress has waited (0: none)",
            value=max(0.0, waited),
        )
        yield GaugeMetricFamily(
            "igsync_tokens_expiring_7d", "Active tokens expiring within 7 days", value=int(expiring)
        )
        yield GaugeMetricFamily(
            "igsync_codes_in_flight",
            "Codes not yet completed, failed or expired",
            value=int(in_flight),
        )
