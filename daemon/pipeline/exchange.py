"""Moving a received code to a stored customer: exchange -> long-lived -> profile -> store.

Each step's result is committed before the next begins (status pending -> exchanging ->
exchanged -> upgraded -> completed), so a crash repeats at most the step in flight. The
exchange is the one step never repeated: "exchanging" is committed before the code is sent, and
a code found exchanging after a crash, or whose exchange got no usable answer, may have been
spent at Instagram; it ends "interrupted" (the shopper connects again) and is never sent twice.
The worker holds a lease on the row throughout; see daemon.store.leases.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Unpack

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from daemon.clock import to_utc
from daemon.crypto import CipherError, TokenCipher
from daemon.customers.connection import reconnected
from daemon.customers.engagement import engagement_rate
from daemon.customers.followers import record_followers
from daemon.customers.leads import build_lead, idempotency_key
from daemon.customers.profiles import apply_profile
from daemon.customers.schedule import first_sync_due, schedule_sync
from daemon.instagram import InstagramClient, InstagramError, Profile, UpstreamUnavailable
from daemon.instagram.types import CODE_LIFETIME, SHORT_LIVED_LIFETIME
from daemon.metrics import Metrics
from daemon.pipeline.backoff import CODE_BACKOFF
from daemon.pipeline.retry import decide_retry
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery, ReceivedCode, Token
from daemon.store.statuses import ACTIVE_CODE_STATUSES, CodeStatus, LeadEvent, TokenStatus

log = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL = timedelta(hours=24)
ERASED_SECRETS: dict[str, Any] = {"code_ciphertext": None, "token_ciphertext": None}


class LeaseLost(Exception):
    """Another worker took the row over (our lease ran out); stop without writing."""


class CodePipeline(leases.LeasedWorker):
    work = leases.WorkTable(ReceivedCode, ACTIVE_CODE_STATUSES)
    process_waits = False  # a code named by the CLI or a test goes now: its shopper waits

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        client: InstagramClient,
        *,
        on_completed: Callable[[int], None] | None = None,
        on_retry: Callable[[int, datetime], None] | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        sync_interval: timedelta = DEFAULT_SYNC_INTERVAL,
        engagement: bool = False,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.sync_interval = sync_interval  # a new customer's profile is synced again after it
        # IGSYNC_ENGAGEMENT: the recent posts are read with the profile, so that the first lead
        # carries the figure (one push, not a lead then an `updated` two seconds later).
        self.engagement = engagement
        self.cipher = cipher
        self.client = client
        self.metrics = metrics or Metrics()
        self.on_completed = on_completed  # called with the new Delivery id
        self.on_retry = on_retry  # called with (code id, when) after a retryable failure

    def run_claimed(self, code_id: int) -> str | None:
        """Advance a code this worker holds until it completes, fails or must wait."""
        try:
            return self._advance(code_id)
        except LeaseLost:
            log.warning("code %s: lease lost to another worker; leaving it", code_id)
            return None

    def _advance(self, code_id: int) -> str:
        with self.store.read() as session:
            row = session.get(ReceivedCode, code_id)
        assert row is not None
        while True:
            # The row is read once and then carried from step to step: every write below is
            # conditional on this worker's lease, and anything else that changes a code in
            # flight (an erasure, a worker taking an expired lease over) takes the lease away,
            # so the next write raises LeaseLost instead of overwriting it.
            status = CodeStatus(row.status)
            if status.is_terminal:
                return status
            if row.lease_owner != self.owner or (
                row.lease_expires_at is not None and row.lease_expires_at <= self.clock()
            ):
                # Never call Instagram on a lease that ran out while the job waited its turn:
                # another worker may hold the code now.
                raise LeaseLost(code_id)
            if status is CodeStatus.EXCHANGING:  # a crash, or a lost lease, mid-exchange
                return self._interrupted(row, "the daemon stopped while the exchange was in flight")
            try:
                if status is CodeStatus.UPGRADED:
                    token = self._token(row)
                    profile = self.client.profile(token)
                    if not profile.username:  # a customer must have one Instagram would allow
                        raise UpstreamUnavailable(
                            "the profile answer's username is not one Instagram allows"
                        )
                    return self._complete(row, profile, self._engagement(token, profile))
                values = self._exchange(row) if status is CodeStatus.PENDING else self._upgrade(row)
            except (InstagramError, CipherError) as error:
                spent = isinstance(error, InstagramError) and error.maybe_processed
                if status is CodeStatus.PENDING and spent:
                    assert isinstance(error, InstagramError)
                    return self._interrupted(row, error.describe())
                return self._failed(row, error)
            with self.store.write() as session:
                # Each step renews the lease: the next step's call gets a whole lease too.
                renewed = {**values, "lease_expires_at": self.clock() + self.lease}
                if not leases.extend(session, ReceivedCode, code_id, self.owner, **renewed):
                    raise LeaseLost(code_id)
            for name, value in renewed.items():
                setattr(row, name, value)

    def _exchange(self, row: ReceivedCode) -> dict[str, Any]:
        assert row.code_ciphertext is not None and row.id is not None
        code = self.cipher.decrypt(row.code_ciphertext)
        with self.store.write() as session:  # durable before the code leaves this process
            if not leases.extend(
                session,
                ReceivedCode,
                row.id,
                self.owner,
                status=CodeStatus.EXCHANGING,
                updated_at=self.clock(),
            ):
                raise LeaseLost(row.id)
        with self.metrics.exchange_seconds.time():
            short = self.client.exchange_code(code, row.redirect_uri)
        self.metrics.codes_exchanged.inc()
        now = self.clock()
        log.info("code %s: exchanged for a short-lived token (user %s)", row.id, short.user_id)
        return self._step_done(
            CodeStatus.EXCHANGED,
            now,
            code_ciphertext=None,
            ig_user_id=short.user_id,
            permissions=",".join(short.permissions) or None,
            token_ciphertext=self.cipher.encrypt(short.access_token),
            token_expires_at=now + SHORT_LIVED_LIFETIME,
            expires_at=now + SHORT_LIVED_LIFETIME,
        )

    def _upgrade(self, row: ReceivedCode) -> dict[str, Any]:
        long_lived = self.client.exchange_long_lived(self._token(row))
        now = self.clock()
        expires_at = now + timedelta(seconds=long_lived.expires_in)
        log.info("code %s: upgraded to a long-lived token", row.id)
        return self._step_done(
            CodeStatus.UPGRADED,
            now,
            token_ciphertext=self.cipher.encrypt(long_lived.access_token),
            token_expires_at=expires_at,
            expires_at=expires_at,
        )

    @staticmethod
    def _step_done(status: CodeStatus, now: datetime, **values: Any) -> dict[str, Any]:
        return {
            "status": status,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "updated_at": now,
            **values,
        }

    def _token(self, row: ReceivedCode) -> str:
        assert row.token_ciphertext is not None
        return self.cipher.decrypt(row.token_ciphertext)

    def _engagement(self, token: str, profile: Profile) -> float | None:
        """The engagement rate for the first lead, when asked for; None when it cannot be had
        now (the first profile sync measures it then: the lead does not wait for it)."""
        if not self.engagement or not profile.followers_count:
            return None
        try:
            return engagement_rate(self.client.recent_media(token), profile.followers_count)
        except InstagramError as error:
            log.info("engagement left for the first profile sync: %s", error.describe())
            return None

    def _complete(self, row: ReceivedCode, profile: Profile, engagement: float | None) -> str:
        """Customer, token and the lead's delivery in one transaction with the status change."""
        for attempt in range(2):
            try:
                with self.store.write() as session:
                    delivery_id = self._store_customer(
                        session, row, profile, engagement, self.clock()
                    )
                break
            except IntegrityError:  # the same Instagram user connected twice at once
                if attempt == 1:
                    raise
        log.info("code %s: customer @%s stored, lead queued", row.id, profile.username)
        if self.on_completed is not None:
            self.on_completed(delivery_id)
        return CodeStatus.COMPLETED

    def _store_customer(
        self,
        session: Session,
        row: ReceivedCode,
        profile: Profile,
        engagement: float | None,
        now: datetime,
    ) -> int:
        assert row.id is not None and row.token_ciphertext and row.token_expires_at
        customer = session.exec(
            select(Customer).where(Customer.ig_user_id == profile.user_id)
        ).first() or Customer(
            ig_user_id=profile.user_id,
            username=profile.username.lower(),
            api_flavour=self.client.flavour.name,
            created_at=now,
            updated_at=now,
        )
        context = row.context or {}
        apply_profile(customer, profile, engagement)
        customer.wp_user_id = context.get("wp_user_id") or customer.wp_user_id
        customer.email = context.get("email") or customer.email
        customer.source = context.get("source") or customer.source
        customer.updated_at = now
        event = LeadEvent.RECONNECTED if reconnected(customer, now) else LeadEvent.CONNECTED
        customer.connected_at = now
        session.add(customer)
        session.flush()
        assert customer.id is not None

        token = session.exec(select(Token).where(Token.customer_id == customer.id)).first()
        token = token or Token(
            customer_id=customer.id,
            access_token_ciphertext="",
            obtained_at=now,
            expires_at=now,
            next_attempt_at=now,
        )
        token.access_token_ciphertext = row.token_ciphertext
        token.permissions = row.permissions
        token.status = TokenStatus.ACTIVE
        token.obtained_at = row.updated_at
        token.expires_at = row.token_expires_at
        token.attempts, token.next_attempt_at, token.last_error = 0, now, None
        session.add(token)
        schedule_sync(
            session,
            customer.id,
            first_sync_due(now, self.sync_interval, rng=self.rng),
        )
        record_followers(session, customer.id, customer.followers_count, now)

        key = idempotency_key(row.code_hash)
        delivery = Delivery(
            idempotency_key=key,
            customer_id=customer.id,
            code_id=row.id,
            payload=build_lead(
                customer,
                context,
                key=key,
                connected_at=now,
                event=event,
                permissions=token.permissions,
            ),
            created_at=now,
            next_attempt_at=now,
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        done = leases.finish(
            session,
            ReceivedCode,
            row.id,
            self.owner,
            customer_id=customer.id,
            **self._step_done(CodeStatus.COMPLETED, now, **ERASED_SECRETS),
        )
        if not done:
            raise LeaseLost(row.id)
        return delivery.id

    def _failed(self, row: ReceivedCode, error: InstagramError | CipherError) -> str:
        assert row.id is not None
        now = self.clock()
        if isinstance(error, InstagramError):  # counted by the client (see daemon.service)
            retryable, reason, floor = error.retryable, error.describe(), error.retry_after
        else:  # a key was removed too early: retry while the operator can still restore it
            retryable, reason, floor = True, str(error), None
        decision = decide_retry(
            retryable=retryable,
            reason=reason,
            attempts=row.attempts,
            now=now,
            backoff=CODE_BACKOFF,
            # A code's retries end with its hour, whatever step it is at (an upgraded code holds
            # a 60-day token, which is no reason to keep its shopper waiting for 60 days).
            deadline=min(to_utc(row.expires_at), to_utc(row.received_at) + CODE_LIFETIME),
            floor_seconds=floor,
            rng=self.rng,
        )
        values: dict[str, Any] = {
            "status": row.status,  # an exchange Instagram answered with an error: pending again
            "attempts": decision.attempts,
            "last_error": decision.reason,
            "next_attempt_at": decision.next_attempt_at,
            "updated_at": now,
        }
        if decision.give_up:
            # Past the exchange the code is spent: it failed (WordPress is told,
            # daemon.pipeline.outcomes), whereas a code that was never exchanged simply expired.
            spent = row.status in (CodeStatus.EXCHANGED, CodeStatus.UPGRADED)
            terminal = CodeStatus.FAILED if not retryable or spent else CodeStatus.EXPIRED
            values.update(status=terminal, **ERASED_SECRETS)
        with self.store.write() as session:
            if not leases.finish(session, ReceivedCode, row.id, self.owner, **values):
                raise LeaseLost(row.id)
        if decision.give_up:
            self.metrics.codes_failed.labels(str(values["status"])).inc()
            log.warning("code %s: %s (%s)", row.id, values["status"], decision.reason)
            return str(values["status"])
        log.info(
            "code %s: attempt %d failed, retrying at %s: %s",
            row.id,
            decision.attempts,
            decision.next_attempt_at.isoformat(timespec="seconds"),
            decision.reason,
        )
        if self.on_retry is not None:
            self.on_retry(row.id, decision.next_attempt_at)
        return row.status

    def _interrupted(self, row: ReceivedCode, reason: str) -> str:
        """The code may have been spent at Instagram without a token reaching us: it is never
        sent again; the shopper connects again."""
        assert row.id is not None
        now = self.clock()
        values = self._step_done(CodeStatus.INTERRUPTED, now, **ERASED_SECRETS)
        values["last_error"] = f"interrupted: {reason}; not sent twice, the shopper connects again"
        with self.store.write() as session:
            if not leases.finish(session, ReceivedCode, row.id, self.owner, **values):
                raise LeaseLost(row.id)
        self.metrics.codes_failed.labels(CodeStatus.INTERRUPTED.value).inc()
        log.warning("code %s: interrupted (%s)", row.id, reason)
        return CodeStatus.INTERRUPTED
