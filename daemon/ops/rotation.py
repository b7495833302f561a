"""Re-encrypting everything under the current key (`igsync keys rotate`), with no downtime.

While IGSYNC_ENCRYPTION_KEYS lists the new key first and the old one after it, the running
daemon reads both and writes with the new one. Rotation walks every encrypted column in
batches and rewrites the values still under an old key. Each write is a compare-and-swap on the
old ciphertext, so a value the daemon changed meanwhile (a refreshed token) is left to it.
Once rotation reports nothing left, the old key can be removed from the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from daemon.crypto import CipherError, TokenCipher
from daemon.store.database import Store
from daemon.store.models import ReceivedCode, Token

BATCH = 500
ENCRYPTED_COLUMNS: tuple[tuple[Any, str], ...] = (
    (Token, "access_token_ciphertext"),
    (ReceivedCode, "code_ciphertext"),
    (ReceivedCode, "token_ciphertext"),
)


@dataclass
class RotationReport:
    rotated: int = 0
    current: int = 0  # already under the first key
    unreadable: int = 0  # under no configured key: left as they are, and reported
    changed_meanwhile: int = 0  # rewritten by the daemon during the rotation (so current)


def rotate_all(
    store: Store, cipher: TokenCipher, *, progress: Callable[[int], None] = lambda _n: None
) -> RotationReport:
    report = RotationReport()
    for model, column_name in ENCRYPTED_COLUMNS:
        column = getattr(model, column_name)
        last_id = 0
        while True:
            with store.read() as session:
                rows = session.execute(
                    select(model.id, column)
                    # An erased value ("" after a deauthorize) is not ciphertext: nothing to do.
                    .where(model.id > last_id, column.is_not(None), column != "")
                    .order_by(model.id)
                    .limit(BATCH)
                ).all()
            if not rows:
                break
            last_id = rows[-1][0]
            with store.write() as session:
                for row_id, ciphertext in rows:
                    _rotate_one(session, model, column, row_id, ciphertext, cipher, report)
            progress(len(rows))
    return report


def _rotate_one(
    session: Any,
    model: Any,
    column: Any,
    row_id: int,
    ciphertext: str,
    cipher: TokenCipher,
    report: RotationReport,
) -> None:
    if not cipher.needs_rotation(ciphertext):
        report.current += 1
        return
    try:
        fresh = cipher.rotate(ciphertext)
    except CipherError:
        report.unreadable += 1
        return
    result = session.execute(
        update(model).where(model.id == row_id, column == ciphertext).values({column.key: fresh})
    )
    if getattr(result, "rowcount", 0) == 1:
        report.rotated += 1
    else:
        report.changed_meanwhile += 1
