"""Catching up with the plugin's queue: codes WordPress holds that never reached the intake.

The plugin keeps every code it receives until the daemon has it. A forward that failed (the
daemon was down or restarting) leaves the code queued there; this poll fetches such codes,
stores them exactly as the intake would (the same validation, the same dedupe by code), kicks
their exchange and acknowledges them, so they are exchanged within their hour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from daemon.clock import Clock, utcnow
from daemon.codes import accept_code
from daemon.crypto import TokenCipher
from daemon.models import CodeStatus
from daemon.store import Store
from wp_bridge.intake import InvalidForward, validate_forward
from wp_bridge.wordpress import WordPressClient, WordPressError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatchUpReport:
    fetched: int
    stored: int  # new to the daemon
    refused: int  # can never be exchanged (malformed, another redirect URI): acknowledged, dropped


class QueueCatchUp:
    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        wordpress: WordPressClient,
        *,
        redirect_uri: str,
        clock: Clock = utcnow,
        on_accepted: Callable[[int], None] = lambda _code_id: None,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.wordpress = wordpress
        self.redirect_uri = redirect_uri
        self.clock = clock
        self.on_accepted = on_accepted

    def run_once(self) -> CatchUpReport | None:
        """One poll; None when WordPress could not be asked (the next poll tries again)."""
        try:
            queued = self.wordpress.fetch_queue()
        except WordPressError as error:
            log.info("catch-up: WordPress queue not reachable: %s", error.reason)
            return None
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
        if done:
            try:
                self.wordpress.ack_queue(done)
            except WordPressError as error:  # stored already; the next poll acknowledges again
                log.info("catch-up: acknowledging failed: %s", error.reason)
        if stored or refused:
            log.info(
                "catch-up: %d code(s) fetched from WordPress, %d new, %d refused",
                len(queued),
                stored,
                refused,
            )
        return CatchUpReport(len(queued), stored, refused)
