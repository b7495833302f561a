"""Meta's deauthorize and data-deletion requests, and `igsync forget`.

Deauthorize: the person removed the app, so their token is revoked and its ciphertext erased;
the lead stays (it is the shop's record of a customer). Data deletion: everything igsync holds
from Instagram about the person is erased here in one transaction (customer, token, queued and
delivered leads, the codes' context), then an Erasure is pushed to WordPress until the plugin
confirms; its confirmation code is what Meta shows the person.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Unpack

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlmodel import Session, col

from daemon.customers.connection import disconnected, lose_connection
from daemon.customers.followers import forget_followers
from daemon.pipeline.deliveries import record_failed_push
from daemon.privacy.meta import SignedRequest
from daemon.store import leases
from daemon.store.database import Store, insert_or_ignore
from daemon.store.models import (
    ActedMetaRequest,
    Customer,
    Delivery,
    Erasure,
    ProfileSync,
    ReceivedCode,
    Token,
)
from daemon.store.statuses import (
    ACTIVE_CODE_STATUSES,
    CodeStatus,
    ErasureStatus,
    LeadEvent,
    TokenStatus,
)
from wp_bridge.wordpress import WordPressClient, WordPressError

log = logging.getLogger(__name__)

LATER_EVENTS = frozenset({LeadEvent.CONNECTION_LOST, LeadEvent.UPDATED})
"""Pushes that only update a lead WordPress has; they never create one."""


def subject_hash(ig_user_id: str) -> str:
    return hashlib.sha256(ig_user_id.encode()).hexdigest()


def _codes_of(
    ig_user_id: str, customer: Customer | None, *, by_context: bool = True
) -> ColumnElement[bool]:
    """The person's codes: by Instagram id once known, by customer, and (`by_context`, for an
    erasure: codes not exchanged yet) by the WordPress user or email their context carries, as
    the customer's."""
    matches = [col(ReceivedCode.ig_user_id) == ig_user_id]
    if customer is not None:
        matches.append(col(ReceivedCode.customer_id) == customer.id)
    if customer is not None and by_context:
        context = col(ReceivedCode.context)
        if customer.wp_user_id:
            matches.append(context["wp_user_id"].as_integer() == customer.wp_user_id)
        if customer.email:
            matches.append(context["email"].as_string() == customer.email)
    return or_(*matches)


def _stop_codes_in_flight(
    session: Session, ig_user_id: str, customer: Customer | None, why: str, *, by_context: bool
) -> None:
    """Codes still being exchanged for this person must not recreate what was just removed."""
    session.execute(
        update(ReceivedCode)
        .where(
            _codes_of(ig_user_id, customer, by_context=by_context),
            col(ReceivedCode.status).in_(ACTIVE_CODE_STATUSES),
        )
        .values(
            status=CodeStatus.FAILED,
            last_error=why,
            token_ciphertext=None,
            code_ciphertext=None,
            lease_owner=None,
            lease_expires_at=None,
        )
    )


def deauthorize(
    store: Store,
    ig_user_id: str,
    *,
    now: datetime,
    request: SignedRequest | None = None,
    why: str = "deauthorized on Instagram",
    by_shopper: bool = False,
) -> int:
    """Revoke the person's token (its ciphertext erased); the number of tokens revoked.

    For a request from Meta: only a token obtained before the request was issued (to its
    second, issued_at's resolution) is revoked, since a later one is a reconnection the request
    knew nothing of; and a request already acted on acts on nothing (a replay)."""
    with store.write() as session:
        if request is not None and not _first_time(session, request, "deauthorize"):
            log.warning("deauthorize: this signed_request was already acted on; ignored")
            return 0
        customer = _customer(session, ig_user_id)
        # Not by context: a code in flight for the same shop account may be a reconnection
        # the request knew nothing of.
        _stop_codes_in_flight(session, ig_user_id, customer, why, by_context=False)
        if customer is None:
            return 0
        issued_before = (
            []
            if request is None
            else [col(Token.obtained_at) < request.issued_at + timedelta(seconds=1)]
        )
        result = session.execute(
            update(Token)
            .where(
                col(Token.customer_id) == customer.id,
                col(Token.status) != TokenStatus.REVOKED,
                *issued_before,
            )
            .values(
                status=TokenStatus.REVOKED,
                access_token_ciphertext="",
                last_error=why,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        revoked = int(getattr(result, "rowcount", 0) or 0)
        assert customer.id is not None
        if by_shopper:  # WordPress asked, and shows it already
            disconnected(session, customer.id, now=now)
        elif revoked:
            lose_connection(session, customer.id, reason=why, now=now)
    log.info("deauthorize: %d token(s) revoked for customer %s", revoked, customer.id)
    return revoked


def _first_time(
    session: Session, request: SignedRequest, kind: str, confirmation_code: str | None = None
) -> bool:
    """Remember the request until it expires; False if it was remembered already."""
    remembered = session.execute(
        insert_or_ignore(session, ActedMetaRequest)
        .values(
            digest=request.digest,
            kind=kind,
            expires_at=request.expires_at,
            confirmation_code=confirmation_code,
        )
        .on_conflict_do_nothing()
        .returning(col(ActedMetaRequest.digest))
    ).first()
    return remembered is not None


def forget_expired_meta_requests(store: Store, *, now: datetime) -> int:
    """Requests past their day can no longer verify: no need to remember them."""
    with store.write() as session:
        result = session.execute(
            delete(ActedMetaRequest).where(col(ActedMetaRequest.expires_at) < now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class ErasureReceipt:
    id: int
    confirmation_code: str
    customers_erased: int
    due_at: datetime  # when WordPress is told: now, or when a lead push in flight has ended


def request_erasure(
    store: Store,
    ig_user_id: str,
    *,
    source: str,
    now: datetime,
    confirmation_code: str | None = None,
    request: SignedRequest | None = None,
) -> ErasureReceipt:
    """Erase the person's data here and queue the erasure for WordPress. A request for someone
    whose erasure is still on its way to WordPress answers that erasure's confirmation code.

    `confirmation_code` is one WordPress already gave Meta (a request it queued while the
    daemon was down): the erasure takes it, so the status URL Meta shows the person works, and
    the same code again is the same erasure. `request`, Meta's: acted on once; the same request
    again (a copy from a log, a late retry) erases nothing more, not even a reconnection made
    since, and answers the first erasure's code."""
    digest = subject_hash(ig_user_id)
    with store.write() as session:
        if request is not None:
            acted = session.get(ActedMetaRequest, request.digest)
            if acted is not None and acted.confirmation_code is not None:
                log.warning("data deletion: this signed_request was already acted on; ignored")
                confirmation_code = acted.confirmation_code
        if confirmation_code is not None:
            known = session.execute(
                select(Erasure).where(col(Erasure.confirmation_code) == confirmation_code)
            ).scalar()
            if known is not None:
                assert known.id is not None
                return ErasureReceipt(
                    known.id, known.confirmation_code, known.customers_erased, known.next_attempt_at
                )
        open_erasure = None
        if confirmation_code is None:
            open_erasure = session.execute(
                select(Erasure).where(
                    col(Erasure.subject_hash) == digest,
                    col(Erasure.status) == ErasureStatus.PENDING,
                )
            ).scalar()
        customer = _customer(session, ig_user_id)
        customer_id = customer.id if customer else None
        _stop_codes_in_flight(
            session, ig_user_id, customer, "data deletion requested", by_context=True
        )
        session.execute(
            update(ReceivedCode)
            .where(_codes_of(ig_user_id, customer))
            .values(ig_user_id=None, customer_id=None, context={}, permissions=None)
        )
        wait_until = now
        if customer is not None:
            # A lead push already in flight may land after this and create the lead again:
            # WordPress is told once its lease ends. A later event (connection_lost, updated)
            # cannot: WordPress ignores one for an account it has no lead of.
            in_flight = session.execute(
                select(col(Delivery.lease_expires_at), col(Delivery.payload)).where(
                    col(Delivery.customer_id) == customer_id, col(Delivery.lease_expires_at) > now
                )
            ).all()
            wait_until = max(
                [now]
                + [
                    until
                    for until, payload in in_flight
                    if payload.get("event") not in LATER_EVENTS and until is not None
                ]
            )
            session.execute(delete(Delivery).where(col(Delivery.customer_id) == customer_id))
            session.execute(delete(Token).where(col(Token.customer_id) == customer_id))
            session.execute(delete(ProfileSync).where(col(ProfileSync.customer_id) == customer_id))
            forget_followers(session, customer_id)
            session.delete(customer)
        erased = 1 if customer is not None else 0
        if open_erasure is not None:
            open_erasure.customers_erased += erased
            open_erasure.next_attempt_at = max(open_erasure.next_attempt_at, wait_until)
            erasure = open_erasure
        else:
            erasure = Erasure(
                confirmation_code=confirmation_code or secrets.token_hex(8),
                subject_hash=digest,
                ig_user_id=ig_user_id,
                source=source,
                customers_erased=erased,
                requested_at=now,
                next_attempt_at=wait_until,
            )
            session.add(erasure)
        session.flush()
        assert erasure.id is not None
        if request is not None:
            _first_time(session, request, "data-deletion", erasure.confirmation_code)
        receipt = ErasureReceipt(
            erasure.id, erasure.confirmation_code, erasure.customers_erased, erasure.next_attempt_at
        )
    log.info("data deletion %s: %d customer(s) erased here", receipt.id, erased)
    return receipt


def erasure_status(store: Store, confirmation_code: str) -> Erasure | None:
    with store.read() as session:
        return session.execute(
            select(Erasure).where(col(Erasure.confirmation_code) == confirmation_code)
        ).scalar()


def _customer(session: Session, ig_user_id: str) -> Customer | None:
    return session.execute(select(Customer).where(col(Customer.ig_user_id) == ig_user_id)).scalar()


class ErasureWorker(leases.LeasedWorker):
    """Tells WordPress to erase the person's leads and user meta, until it confirms."""

    work = leases.WorkTable(Erasure, (ErasureStatus.PENDING,))

    def __init__(
        self,
        store: Store,
        wordpress: WordPressClient,
        *,
        on_retry: Callable[[int, datetime], None] | None = None,
        rng: random.Random | None = None,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.wordpress = wordpress
        self.on_retry = on_retry

    def run_claimed(self, erasure_id: int) -> str | None:
        with self.store.read() as session:
            erasure = session.get(Erasure, erasure_id)
        assert erasure is not None and erasure.ig_user_id is not None
        try:
            erased = self.wordpress.erase(erasure.ig_user_id, erasure.confirmation_code)
        except WordPressError as error:
            decision = record_failed_push(
                self.store,
                Erasure,
                erasure_id,
                owner=self.owner,
                attempts=erasure.attempts,
                error=error,
                now=self.clock(),
                rng=self.rng,
                statuses=(ErasureStatus.PENDING, ErasureStatus.FAILED),
            )
            if decision is None:
                return None
            log.warning("data deletion %s: WordPress: %s", erasure_id, decision.reason)
            if not decision.give_up and self.on_retry is not None:
                self.on_retry(erasure_id, decision.next_attempt_at)
            return ErasureStatus.FAILED if decision.give_up else ErasureStatus.PENDING
        with self.store.write() as session:
            leases.finish(
                session,
                Erasure,
                erasure_id,
                self.owner,
                status=ErasureStatus.COMPLETED,
                ig_user_id=None,  # nothing of the person is kept once both sides erased
                wp_leads_erased=erased,
                completed_at=self.clock(),
                attempts=erasure.attempts + 1,
                last_error=None,
            )
        log.info("data deletion %s: WordPress erased %d lead(s)", erasure_id, erased)
        return ErasureStatus.COMPLETED
