"""The statuses a row moves through, apart from the tables (daemon.store.models) so that code that
only reads them (the CLI's read commands) need not load SQLModel."""

from __future__ import annotations

from enum import StrEnum


class ConnectionStatus(StrEnum):
    """A customer's connection, shown the same way in the CLI and in wp-admin: a contract (the
    plugin's Igsync_Status names the same values)."""

    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # the token died: the shopper must connect again
    DISCONNECTED = "disconnected"  # the shopper disconnected in WordPress


class LeadEvent(StrEnum):
    """What a push tells WordPress of a connection (the lead's `event`): a contract too."""

    CONNECTED = "connected"  # a new connection: the lead itself (sent without an `event`)
    RECONNECTED = "reconnected"  # a new code of a customer whose connection was not live
    UPDATED = "updated"  # the profile changed
    CONNECTION_LOST = "connection_lost"  # the token died


class CodeStatus(StrEnum):
    PENDING = "pending"  # stored encrypted, waiting for the exchange
    EXCHANGING = "exchanging"  # sent (or about to be) to Instagram: never sent a second time
    EXCHANGED = "exchanged"  # short-lived token held, waiting for the long-lived upgrade
    UPGRADED = "upgraded"  # long-lived token held, waiting for the profile
    COMPLETED = "completed"  # customer and token stored, lead queued
    FAILED = "failed"  # terminal: Instagram refused, see last_error
    EXPIRED = "expired"  # terminal: the code's hour (or the short token's) ran out
    INTERRUPTED = "interrupted"  # terminal: its exchange may have reached Instagram, unanswered

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_CODE_STATUSES


TERMINAL_CODE_STATUSES = frozenset(
    {CodeStatus.COMPLETED, CodeStatus.FAILED, CodeStatus.EXPIRED, CodeStatus.INTERRUPTED}
)
ACTIVE_CODE_STATUSES = (
    CodeStatus.PENDING,
    CodeStatus.EXCHANGING,
    CodeStatus.EXCHANGED,
    CodeStatus.UPGRADED,
)


class TokenStatus(StrEnum):
    ACTIVE = "active"
    INVALID = "invalid"  # Instagram said the token is no longer valid: the customer reconnects
    REVOKED = "revoked"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # WordPress refused it (4xx); `igsync deliveries retry` re-queues
    # WordPress refused or was unreachable for IGSYNC_PARK_AFTER_HOURS: kept, no longer retried
    # (an alert says so); `igsync deliveries replay` sends the parked ones again, in order.
    PARKED = "parked"


class ErasureStatus(StrEnum):
    PENDING = "pending"  # erased here, WordPress not yet told
    COMPLETED = "completed"  # erased here and in WordPress
    FAILED = "failed"  # WordPress refused the erasure (4xx); see last_error


class SyncStatus(StrEnum):
    ACTIVE = "active"  # the profile is fetched again every IGSYNC_PROFILE_SYNC_HOURS
    PAUSED = "paused"  # the connection is not live (lost, disconnected): nothing to fetch with


# A profile sync deferred because Instagram's API budget is spent keeps this as its last_error
# until it runs: `igsync status` names those accounts and until when they wait.
BUDGET_WAIT = "waiting for Instagram's API budget"
