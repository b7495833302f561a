"""What the shop's WordPress pays per request (issue 28), on nginx + PHP-FPM
(tests/fpm.py): the boot floor (an unsigned push, refused), a signed lead push, the
shopper's return from Instagram (the callback) with the daemon answering at once, in 2 s, hung
or down, and a logged-in My Account page. One client, requests in turn; wall p50/p99 and the PHP
and database CPU per request, with the ratios to the floor and to the callback with a prompt
daemon.

    python -m bench.wordpress [--requests N]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from tests.fpm import ServedShop, StandInIntake, serve
from tests.wordpress import SHOPPER
from tests.wp.pushes import LEADS, a_lead
from tests.wp.shopper import start_flow
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import LEADS_ROUTE, encode_json

INSTAGRAM_AUTHORIZE = "https://www.instagram.com/oauth/authorize"


def measured(
    shop: ServedShop, requests_: int, prepare: Callable[[], object], send: Callable[[object], int]
) -> dict[str, float]:
    """`requests_` rounds of prepare (not counted) then send (timed, its CPU read from /proc)."""
    walls, php, db, answers = [], 0.0, 0.0, set()
    for _ in range(requests_):
        prepared = prepare()
        php0, db0, started = shop.php_cpu(), shop.db_cpu(), time.perf_counter()
        answers.add(send(prepared))
        walls.append(time.perf_counter() - started)
        php += shop.php_cpu() - php0
        db += shop.db_cpu() - db0
    walls.sort()
    return {
        "p50_ms": statistics.median(walls) * 1000,
        "p99_ms": walls[min(len(walls) - 1, int(len(walls) * 0.99))] * 1000,
        "php_cpu_ms": php / requests_ * 1000,
        "db_cpu_ms": db / requests_ * 1000,
        "status": float(sorted(answers)[0]) if len(answers) == 1 else -1.0,
    }


@contextmanager
def shop_with_daemon(work: Path) -> Iterator[tuple[ServedShop, StandInIntake, Signer]]:
    shop = serve(work)
    daemon = StandInIntake()
    secret = generate_secret()
    try:
        admin = shop.site.admin()
        saved = shop.site.configure(
            admin,
            daemon_url=daemon.url,
            shared_secret=secret,
            app_id="1790000000000042",
            api_flavour="instagram_login",
            authorize_url=INSTAGRAM_AUTHORIZE,
        )
        assert "Settings saved." in saved.text, saved.text[-500:]
        yield shop, daemon, Signer(secret)
    finally:
        daemon.stop()
        shop.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    options = parser.parse_args()
    n = options.requests
    with tempfile.TemporaryDirectory() as tmp, shop_with_daemon(Path(tmp)) as running:
        shop, daemon, signer = running
        http = requests.Session()
        route = shop.site.rest(LEADS_ROUTE)

        def unsigned(_: object) -> int:
            return http.post(route, data=b"{}", timeout=30).status_code

        def signed(_: object) -> int:
            body = encode_json(a_lead())
            headers = {**signer.headers(body, LEADS), "Content-Type": "application/json"}
            return http.post(route, data=body, headers=headers, timeout=30).status_code

        shopper = shop.site.login(*SHOPPER)

        def started_flow() -> tuple[requests.Session, str]:
            """A guest who clicked Connect: their session and the state Instagram echoes."""
            guest = requests.Session()
            authorize = start_flow(shop.site, guest)
            return guest, parse_qs(urlsplit(authorize).query)["state"][0]

        def callback(prepared: object) -> int:
            assert isinstance(prepared, tuple)
            guest, state = prepared
            query = {"code": "AQ" + secrets.token_hex(40), "state": state}
            answer = guest.get(
                shop.site.callback_url, params=query, allow_redirects=False, timeout=30
            )
            return answer.status_code

        for _ in range(10):  # OPcache warm
            unsigned(None)
        rows: dict[str, dict[str, float]] = {}
        rows["boot floor (unsigned push, 401)"] = measured(shop, n, lambda: None, unsigned)
        rows["a lead push (guest)"] = measured(shop, n, lambda: None, signed)
        rows["My Account, logged in"] = measured(
            shop,
            n,
            lambda: None,
            lambda _: shopper.get(shop.site.account_url or "", timeout=30).status_code,
        )
        for label, delay in (("at once", 0.0), ("in 2 s", 2.0), ("hung", None)):
            daemon.delay = delay
            rows[f"callback, daemon answering {label}"] = measured(
                shop, max(5, n // 10) if delay != 0.0 else n, started_flow, callback
            )
        daemon.stop()
        rows["callback, daemon down"] = measured(shop, max(5, n // 10), started_flow, callback)
    floor = rows["boot floor (unsigned push, 401)"]
    prompt = rows["callback, daemon answering at once"]
    print(f"{'what':40} {'p50':>8} {'p99':>8} {'PHP CPU':>8} {'DB CPU':>7}  ratios")
    for label, row in rows.items():
        print(
            f"{label:40} {row['p50_ms']:7.1f}ms {row['p99_ms']:7.1f}ms {row['php_cpu_ms']:7.1f}ms"
            f" {row['db_cpu_ms']:6.1f}ms  {row['p50_ms'] / floor['p50_ms']:.2f}x floor,"
            f" {row['p50_ms'] / prompt['p50_ms']:.2f}x prompt callback (HTTP {row['status']:.0f})"
        )
    print(
        json.dumps({label: {k: round(v, 2) for k, v in row.items()} for label, row in rows.items()})
    )


if __name__ == "__main__":
    main()
