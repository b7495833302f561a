"""Catching up with the plugin's queue: what WordPress holds that never reached the daemon.

The plugin keeps every code it receives until the daemon has it. A forward that failed (the
daemon was down or restarting) leaves the code queued there; this poll fetches such codes,
stores them exactly as the intake would (the same validation, the same dedupe by code), kicks
their exchange and acknowledges them, so they are exchanged within their hour.

Meta's deauthorize and data-deletion callbacks that reached the plugin while the daemon was
unreachable wait in the same queue, unchanged: they are verified here as if they had just
arrived (their age counted from when WordPress received them), acted on once, and
acknowledged; a forged one is dropped.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from daemon.clock import Clock, to_utc, utcnow
from daemon.crypto import TokenCipher
from daemon.intake.codes import accept_code
from daemon.privacy.erasure import deauthorize, request_erasure
from daemon.privacy.meta import BadSignedRequest, parse_signed_request
from daemon.store.database import Store
from daemon.store.statuses import CodeStatus
from wp_bridge.intake import InvalidForward, validate_forward
from wp_bridge.wordpress import WordPressClient, WordPressError

log = logging.getLogger(__name__)

REFUSAL_LOG_SECONDS = 60.0  # a refused signature is logged at most this often
CODE = re.compile(r"[a-f0-9]{16,32}")  # a confirmation code, as the plugin makes them


@dataclass(frozen=True)
class CatchUpReport:
    fetched: int
    stored: int  # new to the daemon
    refused: int  # can never be exchanged (malformed, another redirect URI): acknowledged, dropped
    meta_callbacks: int = 0  # Meta callbacks WordPress held, acted on (or dropped as forged)


class QueueCatchUp:
    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        wordpress: WordPressClient,
        *,
        redirect_uri: str,
        app_secret: str = "",
        clock: Clock = utcnow,
        on_accepted: Callable[[int], None] = lambda _code_id: None,
        on_erasure: Callable[[int, datetime | None], None] = lambda _id, _when: None,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.wordpress = wordpress
        self.redirect_uri = redirect_uri
        self.app_secret = app_secret
        self.clock = clock
        self.on_accepted = on_accepted
        self.on_erasure = on_erasure
        self._last_refusal_logged = -REFUSAL_LOG_SECONDS

    def run_once(self) -> CatchUpReport | None:
        """One poll; None when WordPress could not be asked (the next poll tries again)."""
        try:
            work = self.wordpress.fetch_work()
        except WordPressError as error:
            self._unreachable(error)
            return None
        queued = work.codes
        meta_done = [item["id"] for item in work.meta if self._meta_callback(item)]
        done: list[int] = []
        stored = refused = 0
        for item in queued:
            queue_id = item.get("id")
            payload = {k: item.get(k) for k in ("code", "redirect_uri", "received_at", "context")}
            try:
                forward = validate_forward(payload, self.redirect_uri)
            except InvalidForward as invalid:
                log.warning(
                    "catch-up: queued code %s can never be used (%s); dropping it",
                    queue_id,
                    invalid.error,
                )
                refused += 1
            else:
                acceptance = accept_code(
                    self.store, self.cipher, forward, webhook_id=None, now=self.clock()
                )
                if acceptance.created:
                    stored += 1
                    if acceptance.status == CodeStatus.PENDING:
                        self.on_accepted(acceptance.id)
            if isinstance(queue_id, int):
                done.append(queue_id)
        if done or meta_done:
            try:
                self.wordpress.ack_queue(done, meta_done)
            except WordPressError as error:  # stored already; the next poll acknowledges again
                log.info("catch-up: acknowledging failed: %s", error.reason)
        if stored or refused:
            log.info(
                "catch-up: %d code(s) fetched from WordPress, %d new, %d refused",
                len(queued),
                stored,
                refused,
            )
        return CatchUpReport(len(queued), stored, refused, len(meta_done))

    def _unreachable(self, error: WordPressError) -> None:
        """A refused signature is an operator's problem (the shared secrets differ): a WARNING,
        at most once a minute; anything else (WordPress down) stays at INFO."""
        if error.http_status != 401:
            log.info("catch-up: WordPress queue not reachable: %s", error.reason)
            return
        now = time.monotonic()
        if now - self._last_refusal_logged >= REFUSAL_LOG_SECONDS:
            self._last_refusal_logged = now
            log.warning(
                "WordPress refused the daemon's signature: %s (do IGSYNC_SHARED_SECRET and the "
                "plugin's shared secret differ?)",
                error.reason,
            )

    def _meta_callback(self, item: dict[str, Any]) -> bool:
        """Acts on one queued Meta callback; whether it is done with (and may be acknowledged)."""
        if not isinstance(item.get("id"), int):
            return False
        kind, value = item.get("kind"), item.get("signed_request")
        try:
            received = to_utc(datetime.fromisoformat(str(item.get("received_at"))))
        except ValueError:
            received = self.clock()
        try:
            verified = parse_signed_request(str(value or ""), self.app_secret, now=received)
        except BadSignedRequest as bad:
            log.warning("catch-up: a queued Meta %s callback was refused (%s); dropped", kind, bad)
            return True
        now = self.clock()
        if kind == "deauthorize":
            deauthorize(self.store, verified.user_id, now=now, request=verified)
        elif kind == "data-deletion":
            code = item.get("confirmation_code")
            receipt = request_erasure(
                self.store,
                verified.user_id,
                source="meta",
                now=now,
                confirmation_code=code if isinstance(code, str) and CODE.fullmatch(code) else None,
                request=verified,
            )
            self.on_erasure(receipt.id, receipt.due_at)
        else:
            log.warning("catch-up: a queued Meta callback of unknown kind %r; dropped", kind)
            return True
        log.info("catch-up: a Meta %s callback queued by WordPress was acted on", kind)
        return True
