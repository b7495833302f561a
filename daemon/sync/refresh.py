"""Refreshing long-lived tokens before they expire (Instagram allows it once a token is 24 h old).

A token is due when it is active, at least 24 hours old, not yet expired, and expires within
the configured window. The selection walks the (status, expires_at) index.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Unpack

from sqlalchemy import ColumnElement

from daemon.crypto import CipherError, TokenCipher
from daemon.customers.connection import lose_connection
from daemon.instagram import InstagramClient, InstagramError, TokenInvalid
from daemon.pipeline.backoff import REFRESH_BACKOFF
from daemon.pipeline.retry import decide_retry
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import Token
from daemon.store.queries import due_conditions
from daemon.store.statuses import TokenStatus

log = logging.getLogger(__name__)


class TokenRefresher(leases.LeasedWorker):
    work = leases.WorkTable(Token, (TokenStatus.ACTIVE,))

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        client: InstagramClient,
        *,
        window: timedelta,
        rng: random.Random | None = None,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.cipher = cipher
        self.client = client
        self.window = window

    def due_now(self, now: datetime) -> Iterable[ColumnElement[bool]]:
        """A token is due inside its refresh window (and old enough to be refreshed)."""
        return due_conditions(now, self.window)

    def run_claimed(self, token_id: int) -> str | None:
        with self.store.read() as session:
            token = session.get(Token, token_id)
        assert token is not None
        try:
            fresh = self.client.refresh(self.cipher.decrypt(token.access_token_ciphertext))
        except (InstagramError, CipherError) as error:
            return self._failed(token, error)
        now = self.clock()
        with self.store.write() as session:
            leases.finish(
                session,
                Token,
                token_id,
                self.owner,
                access_token_ciphertext=self.cipher.encrypt(fresh.access_token),
                obtained_at=now,
                refreshed_at=now,
                expires_at=now + timedelta(seconds=fresh.expires_in),
                attempts=0,
                next_attempt_at=now,
                last_error=None,
            )
        log.info("token %s (customer %s): refreshed", token_id, token.customer_id)
        return TokenStatus.ACTIVE

    def _failed(self, token: Token, error: InstagramError | CipherError) -> str:
        assert token.id is not None
        now = self.clock()
        reason = error.describe() if isinstance(error, InstagramError) else str(error)
        if isinstance(error, TokenInvalid):
            status = TokenStatus.INVALID
            values = {"status": status, "last_error": reason, "attempts": token.attempts + 1}
            log.warning(
                "token %s (customer %s): invalid, customer must reconnect: %s",
                token.id,
                token.customer_id,
                reason,
            )
        else:
            # Anything else: try again later; the window leaves days of slack before expiry.
            decision = decide_retry(
                retryable=True,
                reason=reason,
                attempts=token.attempts,
                now=now,
                backoff=REFRESH_BACKOFF,
                floor_seconds=getattr(error, "retry_after", None),
                rng=self.rng,
            )
            status = TokenStatus.ACTIVE
            values = {
                "last_error": reason,
                "attempts": decision.attempts,
                "next_attempt_at": decision.next_attempt_at,
            }
            log.info(
                "token %s: refresh failed (%s), retrying at %s",
                token.id,
                reason,
                decision.next_attempt_at.isoformat(timespec="seconds"),
            )
        with self.store.write() as session:
            if leases.finish(session, Token, token.id, self.owner, **values) and (
                status is TokenStatus.INVALID
            ):
                lose_connection(session, token.customer_id, reason=reason, now=now)
        return status
