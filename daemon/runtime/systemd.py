"""Talking to systemd (Type=notify): readiness, stopping, watchdog pings.

The protocol is one datagram of newline-separated KEY=VALUE lines to $NOTIFY_SOCKET (a path,
or an abstract socket written with a leading @). Outside systemd there is no socket and these
functions do nothing.
"""

from __future__ import annotations

import os
import socket


def notify(*states: str) -> bool:
    """Send states such as "READY=1"; False when not run under systemd."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall("\n".join(states).encode())
    return True


def watchdog_interval() -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WatchdogSec=), or None without a watchdog."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not (usec.isascii() and usec.isdigit()) or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 1_000_000 / 2
