"""The intake of `igsync run` served alone, in a process of its own like `igsync run` (same
app, same uvicorn stack, same store), with no workers, no scheduler and no sweeps: how much of a
forward's cost is the intake's own, and how much comes from the daemon's workers exchanging
every forwarded code on the same interpreter at the same time.

    python -m bench.intake_alone PORT DATABASE SHARED_SECRET
"""

from __future__ import annotations

import sys

from bench.common import REDIRECT_URI
from daemon.crypto import TokenCipher, generate_key
from daemon.redact import Secret
from daemon.runtime.serving import serve_until_signalled
from daemon.service import code_intake_app
from daemon.settings import Listen
from daemon.store.database import Store
from wp_bridge.signing import Signer


def main() -> None:
    port, database, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    store = Store(f"sqlite:///{database}")
    store.migrate()
    app = code_intake_app(
        store=store,
        cipher=TokenCipher([Secret(generate_key())]),
        signer=Signer(secret),
        redirect_uri=REDIRECT_URI,
    )
    try:
        serve_until_signalled(app, Listen("127.0.0.1", port), lambda _url: None)
    finally:
        store.dispose()


if __name__ == "__main__":
    main()
