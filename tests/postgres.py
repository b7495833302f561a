"""Fresh databases on this machine's PostgreSQL server, for the scale-out tests.

The server is found at IGSYNC_TEST_POSTGRES (default: the local server over TCP as the
postgres role, trust auth); tests/run starts it when it is down. A test that needs it fails
with a clear message rather than skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("IGSYNC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database for one test; its SQLAlchemy URL. Dropped afterwards."""
    name = f"igsync_test_{secrets.token_hex(5)}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {ADMIN_URL} ({exc}); tests/run starts it"
        ) from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
