"""A cap on the size of a request's head (its request line and headers), answered with
`431 Request Header Fields Too Large`.

uvicorn's h11 protocol alone drops a connection whose head grows past h11's buffer, and closing
a socket with unread input makes the kernel send a reset: the client sees "connection reset"
and no answer. Here the head is counted as it arrives; past the cap the answer is a 431, and
the rest of what the client sends is read and dropped until it stops (at most DRAIN_SECONDS),
so the answer is read before the connection closes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 16 * 1024
QUIET_SECONDS = 0.5  # no input for this long: the client has finished sending
DRAIN_SECONDS = 10.0  # and never longer than this

END_OF_HEAD = b"\r\n\r\n"
_REFUSAL_BODY = b'{"error": "headers_too_large", "detail": "request line and headers over 16 KiB"}'
REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_REFUSAL_BODY), _REFUSAL_BODY)
)


class HeadLimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with MAX_HEAD_BYTES enforced (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._tail = b""
        self._refusing = False
        self._quiet: asyncio.TimerHandle | None = None
        self._drain_deadline = 0.0

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            self._close_when_quiet()
            return
        if self.conn.their_state is h11.IDLE and self._head_too_large(data):
            self._refuse()
            return
        super().data_received(data)

    def _head_too_large(self, data: bytes) -> bool:
        """Counts the head's bytes in `data`; whether they now exceed the cap."""
        seen = self._tail + data
        end = seen.find(END_OF_HEAD)
        if end == -1:
            self._head_bytes += len(data)
            self._tail = seen[-(len(END_OF_HEAD) - 1) :]
        else:
            self._head_bytes += end + len(END_OF_HEAD) - len(self._tail)
        too_large = self._head_bytes > MAX_HEAD_BYTES
        if end != -1:
            self._head_bytes, self._tail = 0, b""
        return too_large

    def _refuse(self) -> None:
        self._refusing = True
        self.transport.write(REFUSAL)
        self._drain_deadline = self.loop.time() + DRAIN_SECONDS
        self._close_when_quiet()

    def _close_when_quiet(self) -> None:
        if self._quiet is not None:
            self._quiet.cancel()
        delay = min(QUIET_SECONDS, max(0.0, self._drain_deadline - self.loop.time()))
        self._quiet = self.loop.call_later(delay, self.transport.close)
