"""The intake's side of its contract with the engine: what a validated forward is, what storing
it answers, and the two functions the engine hands the intake (store a forward, read a code).

The intake (wp_bridge.intake) checks and parses; the engine (daemon.intake.codes,
daemon.intake.group_commit) stores. Neither imports the other's internals: these types are the
whole of what passes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
class Submission:
    """One forward to store, with the webhook id of the signed request that carried it (the
    catch-up poll, which signed nothing to us, has none)."""

    forward: CodeForward
    webhook_id: str | None


@dataclass(frozen=True)
class Acceptance:
    id: int
    status: str
    created: bool  # False: the same code was forwarded before; `id` is the first one's


Outcome = Acceptance | ReplayedRequest


@dataclass(frozen=True)
class CodeState:
    """What `GET /v1/codes/{id}` tells WordPress of a code."""

    id: int
    status: str
    received_at: datetime
    expires_at: datetime
    attempts: int
    last_error: str | None
    customer_id: int | None


@dataclass(frozen=True)
class LeadsPage:
    """A page of the reconciliation read: leads WordPress already had, as its lead route takes
    them, in the order they were first sent; `next` is the cursor to ask from."""

    leads: list[dict[str, Any]]
    next: int
    more: bool


SubmitForward = Callable[[Submission], "Future[Outcome]"]
"""Store a forward; the future resolves once it is committed (or with the database's error)."""

ReadCode = Callable[[int], CodeState | None]
"""A code's state by id, or None."""

RememberWebhook = Callable[[str], bool]
"""Record a signed request's webhook-id: True if new, False for a replay."""

LeadsSince = Callable[[int, int], LeadsPage]
"""The leads delivered after a cursor (0: from the first), at most a limit of them."""
