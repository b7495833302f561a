"""Accepting forwarded codes: one transaction that refuses replays, dedupes and stores encrypted.

The intake answers 202 only after this transaction committed; SQLite runs with
synchronous=FULL, so a committed code survives a crash or a power cut.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from daemon.crypto import TokenCipher
from daemon.instagram.types import CODE_LIFETIME
from daemon.store.database import Store
from daemon.store.models import ReceivedCode, SeenWebhook, core_table
from daemon.store.statuses import CodeStatus
from wp_bridge.wire import Acceptance, CodeForward, CodeState, ReplayedRequest, Submission

REPLAY_MEMORY = timedelta(minutes=15)  # well past the 5-minute signature tolerance


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
                return _accept_batch(session, submissions, rows, now)
        except IntegrityError:
            # A concurrent daemon stored the same code or id first (PostgreSQL); look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_SEEN = core_table(SeenWebhook)
_CODES = core_table(ReceivedCode)
# Built once: the intake's writer runs them for every batch, inside the writer's lock.
_SEEN_AMONG = select(_SEEN.c.webhook_id).where(
    _SEEN.c.webhook_id.in_(bindparam("ids", expanding=True))
)
_CODES_AMONG = select(_CODES.c.code_hash, _CODES.c.id, _CODES.c.status).where(
    _CODES.c.code_hash.in_(bindparam("digests", expanding=True))
)
_REMEMBER = insert(_SEEN)
_STORE = insert(_CODES).returning(
    _CODES.c.code_hash, _CODES.c.id, _CODES.c.status, sort_by_parameter_order=True
)


def _accept_batch(
    session: Session,
    submissions: Sequence[Submission],
    rows: Sequence[dict[str, Any]],
    now: datetime,
) -> list[Acceptance | ReplayedRequest]:
    """The batch in at most four statements, whatever its size (the writer's lock is held as
    briefly as possible): which ids and codes are known, then one multi-row INSERT each for
    the new ones. A replayed request stores nothing; a code already stored, or twice in the
    batch, is answered with the first one's row."""
    connection = session.connection()
    ids = [s.webhook_id for s in submissions if s.webhook_id is not None]
    seen = set(connection.execute(_SEEN_AMONG, {"ids": ids}).scalars()) if ids else set()
    stored: dict[str, tuple[int, str]] = {
        digest: (row_id, status)
        for digest, row_id, status in connection.execute(
            _CODES_AMONG, {"digests": list({row["code_hash"] for row in rows})}
        )
    }
    new_ids: list[dict[str, Any]] = []
    new_rows: dict[str, dict[str, Any]] = {}
    plan: list[tuple[str, bool] | ReplayedRequest] = []  # (digest, created) per submission
    for submission, row in zip(submissions, rows, strict=True):
        if submission.webhook_id is not None:
            if submission.webhook_id in seen:
                plan.append(ReplayedRequest(submission.webhook_id))
                continue
            seen.add(submission.webhook_id)
            new_ids.append({"webhook_id": submission.webhook_id, "seen_at": now})
        digest = row["code_hash"]
        created = digest not in stored and digest not in new_rows
        if created:
            new_rows[digest] = row
        plan.append((digest, created))
    if new_ids:
        connection.execute(_REMEMBER, new_ids)
    if new_rows:
        for digest, row_id, status in connection.execute(_STORE, list(new_rows.values())):
            stored[digest] = (row_id, status)
    return [
        step if isinstance(step, ReplayedRequest) else Acceptance(*stored[step[0]], created=step[1])
        for step in plan
    ]


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


def remember_webhook(store: Store, webhook_id: str, *, now: datetime) -> bool:
    """Record an accepted signed request's id: True if new, False for a replay (the other
    signed routes' check; codes have theirs in the writer's batch)."""
    with store.write() as session:
        known = session.execute(
            select(_SEEN.c.webhook_id).where(_SEEN.c.webhook_id == webhook_id)
        ).first()
        if known is not None:
            return False
        session.execute(_REMEMBER, [{"webhook_id": webhook_id, "seen_at": now}])
        return True


def code_state(store: Store, code_id: int) -> CodeState | None:
    """What the intake tells WordPress of a code (`GET /v1/codes/{id}`)."""
    with store.read() as session:
        row = session.get(ReceivedCode, code_id)
    if row is None or row.id is None:
        return None
    return CodeState(
        id=row.id,
        status=row.status,
        received_at=row.received_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        last_error=row.last_error,
        customer_id=row.customer_id,
    )


def forget_seen_webhooks(store: Store, *, now: datetime) -> int:
    """Drop remembered ids older than any signature that could still verify."""
    with store.write() as session:
        result = session.execute(
            delete(SeenWebhook).where(col(SeenWebhook.seen_at) < now - REPLAY_MEMORY)
        )
        return int(getattr(result, "rowcount", 0) or 0)
