"""Accepting forwarded codes: one transaction that refuses replays, dedupes and stores encrypted.

The intake answers 202 only after this transaction committed; SQLite runs with
synchronous=FULL, so a committed code survives a crash or a power cut.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from daemon.crypto import TokenCipher
from daemon.models import CodeStatus, ReceivedCode, SeenWebhook
from daemon.store import Store, insert_or_ignore

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


@dataclass(frozen=True)
class Submission:
    """One forward to store, with the webhook id of the signed request that carried it (the
    catch-up poll, which signed nothing to us, has none)."""

    forward: CodeForward
    webhook_id: str | None


def accept_code(
    store: Store,
    cipher: TokenCipher,
    forward: CodeForward,
    *,
    webhook_id: str | None,
    now: datetime,
) -> Acceptance:
    """Store the code once and remember the signed request's webhook id (ReplayedRequest if it
    was seen)."""
    (outcome,) = accept_codes(store, cipher, [Submission(forward, webhook_id)], now=now)
    if isinstance(outcome, ReplayedRequest):
        raise outcome
    return outcome


def accept_codes(
    store: Store, cipher: TokenCipher, submissions: Sequence[Submission], *, now: datetime
) -> list[Acceptance | ReplayedRequest]:
    """Store many forwards in one transaction (one commit, one fsync: the intake's group
    commit); an outcome per submission, in order. A database error fails them all."""
    rows = [_new_row(cipher, s.forward, code_digest(s.forward.code), now) for s in submissions]
    for attempt in range(3):
        try:
            with store.write(urgent=True) as session:
                return [
                    _accept_one(session, submission.webhook_id, row, now)
                    for submission, row in zip(submissions, rows, strict=True)
                ]
        except IntegrityError:
            # A concurrent daemon stored the same code or id first (PostgreSQL); look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _accept_one(
    session: Session, webhook_id: str | None, row: dict[str, Any], now: datetime
) -> Acceptance | ReplayedRequest:
    if webhook_id is not None:
        remembered = session.execute(
            insert_or_ignore(session, SeenWebhook)
            .values(webhook_id=webhook_id, seen_at=now)
            .on_conflict_do_nothing()
            .returning(col(SeenWebhook.webhook_id))
        ).first()
        if remembered is None:
            return ReplayedRequest(webhook_id)
    stored = session.execute(
        insert_or_ignore(session, ReceivedCode)
        .values(**row)
        .on_conflict_do_nothing()
        .returning(col(ReceivedCode.id), col(ReceivedCode.status))
    ).first()
    if stored is not None:
        return Acceptance(stored.id, stored.status, created=True)
    existing = session.execute(
        select(col(ReceivedCode.id), col(ReceivedCode.status)).where(
            col(ReceivedCode.code_hash) == row["code_hash"]
        )
    ).one()
    return Acceptance(existing.id, existing.status, created=False)


def _new_row(
    cipher: TokenCipher, forward: CodeForward, digest: str, now: datetime
) -> dict[str, Any]:
    received_at = min(forward.received_at, now)
    expires_at = received_at + CODE_LIFETIME
    alive = expires_at > now
    return {
        "code_hash": digest,
        "code_ciphertext": cipher.encrypt(forward.code) if alive else None,
        "redirect_uri": forward.redirect_uri,
        "received_at": received_at,
        "accepted_at": now,
        "expires_at": expires_at,
        "context": forward.context,
        "status": CodeStatus.PENDING if alive else CodeStatus.EXPIRED,
        "last_error": None if alive else "the code was older than one hour when it was forwarded",
        "attempts": 0,
        "next_attempt_at": now,
        "updated_at": now,
    }


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
