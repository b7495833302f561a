"""The intake's group commit and the store's writer lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import select

from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.intake.codes import accept_codes
from daemon.intake.group_commit import GroupCommit
from daemon.store.database import Store, WriterLock
from daemon.store.models import ReceivedCode
from tests.conftest import eventually
from wp_bridge.wire import Acceptance, CodeForward, ReplayedRequest, Submission

URI = "https://shop.example/cb"


def forward(code: str) -> CodeForward:
    return CodeForward(code, URI, utcnow(), {"source": "test"})


def test_one_batch_refuses_a_replay_and_stores_a_repeated_code_once(
    store: Store, cipher: TokenCipher
) -> None:
    outcomes = accept_codes(
        store,
        cipher,
        [
            Submission(forward("AQ-one"), "msg_1"),
            Submission(forward("AQ-two"), "msg_1"),  # the same signed request again
            Submission(forward("AQ-one"), "msg_3"),  # the same code in another request
            Submission(forward("AQ-three"), None),  # from the catch-up poll: no webhook id
        ],
        now=utcnow(),
    )
    first, replay, repeat, polled = outcomes
    assert isinstance(first, Acceptance) and first.created
    assert isinstance(replay, ReplayedRequest)
    assert isinstance(repeat, Acceptance) and not repeat.created and repeat.id == first.id
    assert isinstance(polled, Acceptance) and polled.created
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one() == 2


def test_concurrent_forwards_are_all_committed_before_they_are_answered(
    store: Store, cipher: TokenCipher
) -> None:
    writer = GroupCommit(store, cipher)

    def submit(n: int) -> Acceptance | ReplayedRequest:
        outcome = writer.submit(Submission(forward(f"AQ-{n}"), f"msg_{n}")).result(timeout=30)
        with store.read() as session:  # answered only once it is there
            assert session.get(ReceivedCode, outcome.id) is not None  # type: ignore[union-attr]
        return outcome

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(submit, range(300)))
    assert all(isinstance(o, Acceptance) and o.created for o in outcomes)
    assert len({o.id for o in outcomes if isinstance(o, Acceptance)}) == 300


def test_urgent_writers_go_before_ordinary_ones() -> None:
    lock = WriterLock()
    order: list[str] = []
    lock.acquire(urgent=False)

    def take(name: str, urgent: bool) -> None:
        lock.acquire(urgent=urgent)
        order.append(name)
        lock.release()

    ordinary = threading.Thread(target=take, args=("worker", False))
    ordinary.start()
    urgent = threading.Thread(target=take, args=("intake", True))
    urgent.start()
    eventually(lambda: len(lock._urgent) == 1, what="the intake waiting")
    lock.release()
    ordinary.join(timeout=10)
    urgent.join(timeout=10)
    assert order == ["intake", "worker"]


def test_the_writer_lock_is_reentrant() -> None:
    lock = WriterLock()
    lock.acquire(urgent=False)
    lock.acquire(urgent=True)  # a nested write in the same thread does not deadlock
    lock.release()
    assert lock._owner == threading.get_ident()  # still held once
    lock.release()
    assert lock._owner is None
