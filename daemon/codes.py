"""Accepting forwarded codes: one transaction that refuses replays, dedupes and stores encrypted.

The intake answers 202 only after this transaction committed; SQLite runs with
synchronous=FULL, so a committed code survives a crash or a power cut.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from daemon.crypto import TokenCipher
from daemon.models import CodeStatus, ReceivedCode, SeenWebhook
from daemon.store import Store

CODE_LIFETIME = timedelta(hours=1)
REPLAY_MEMORY = timedelta(minutes=15)  # well past the 5-minute signature tolerance


class ReplayedRequest(Exception):
    """A signed request whose webhook-id was already accepted."""


@dataclass(frozen=True, repr=False)
class CodeForward:
    """A validated forward from WordPress (see wp_bridge.intake for the wire format)."""

    code: str
    redirect_uri: str
    received_at: datetime
    context: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"CodeForward(redirect_uri={self.redirect_uri!r}, received_at={self.received_at!r})"


@dataclass(frozen=True)
class Acceptance:
    id: int
    status: str
    created: bool  # False: the same code was forwarded before; `id` is the first one's


def code_digest(code: str) -> str:
    """What the store keeps to recognise a code again (codes are long random strings)."""
    return hashlib.sha256(code.encode()).hexdigest()


def accept_code(
    store: Store,
    cipher: TokenCipher,
    forward: CodeForward,
    *,
    webhook_id: str | None,
    now: datetime,
) -> Acceptance:
    """Store the code once and remember the signed request's webhook id (ReplayedRequest if it
    was seen); the catch-up poll, which signed nothing to us, passes no id."""
    digest = code_digest(forward.code)
    for attempt in range(3):
        try:
            with store.write() as session:
                if webhook_id is not None:
                    if session.get(SeenWebhook, webhook_id) is not None:
                        raise ReplayedRequest(webhook_id)
                    session.add(SeenWebhook(webhook_id=webhook_id, seen_at=now))
                existing = session.exec(
                    select(ReceivedCode).where(ReceivedCode.code_hash == digest)
                ).first()
                if existing is not None:
                    assert existing.id is not None
                    return Acceptance(existing.id, existing.status, created=False)
                row = _new_row(cipher, forward, digest, now)
                session.add(row)
                session.flush()
                assert row.id is not None
                return Acceptance(row.id, row.status, created=True)
        except IntegrityError:
            # A concurrent request stored the same code or id first (PostgreSQL); look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _new_row(cipher: TokenCipher, forward: CodeForward, digest: str, now: datetime) -> ReceivedCode:
    received_at = min(forward.received_at, now)
    expires_at = received_at + CODE_LIFETIME
    alive = expires_at > now
    return ReceivedCode(
        code_hash=digest,
        code_ciphertext=cipher.encrypt(forward.code) if alive else None,
        redirect_uri=forward.redirect_uri,
        received_at=received_at,
        accepted_at=now,
        expires_at=expires_at,
        context=forward.context,
        status=CodeStatus.PENDING if alive else CodeStatus.EXPIRED,
        last_error=None if alive else "the code was older than one hour when it was forwarded",
        next_attempt_at=now,
        updated_at=now,
    )


def get_code(store: Store, code_id: int) -> ReceivedCode | None:
    with store.read() as session:
        return session.get(ReceivedCode, code_id)


def forget_seen_webhooks(store: Store, *, now: datetime) -> int:
    """Drop remembered ids older than any signature that could still verify."""
    with store.write() as session:
        result = session.execute(
            delete(SeenWebhook).where(col(SeenWebhook.seen_at) < now - REPLAY_MEMORY)
        )
        return int(getattr(result, "rowcount", 0) or 0)
