"""`igsync demo`: the whole pipeline on this machine, with nothing to configure.

It starts the sandbox (standing in for Instagram), a WordPress stand-in (standing in for the
shop), and the daemon on a fresh SQLite database. Simulated shoppers then click through the
sandbox's consent page; the shop forwards each code, signed, to the daemon's intake; the daemon
exchanges, upgrades, fetches profiles, stores customers and pushes the leads back to the shop.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from daemon.crypto import generate_key
from daemon.instagram import InstagramClient, InstagramEndpoints
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.service import Daemon
from daemon.settings import Listen, Settings
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.standin import StandinShop, create_standin_app

CALLBACK_PATH = "/wp-json/igsync/v1/callback"


@dataclass(frozen=True)
class Shopper:
    username: str
    email: str | None
    wp_user_id: int | None
    allows: bool = True


SHOPPERS = (
    Shopper("lena.bakes", "lena@example.com", 101),
    Shopper("tom_runs_far", "tom@example.com", None),
    Shopper("studio.kiln", None, 102),
    Shopper("ana_wears_green", "ana@example.com", 103),
    Shopper("northwind.coffee", "orders@northwind.example", None),
    Shopper("maybe_later", None, None, allows=False),
)


@dataclass(frozen=True)
class DemoResult:
    database_url: str
    encryption_key: Secret
    forwarded: int
    cancelled: int
    leads_received: int


def connect_shopper(
    http: requests.Session, authorize_url: str, shopper: Shopper, account_type: str = "BUSINESS"
) -> dict[str, str]:
    """Play the shopper's browser: open the consent page, click Allow or Cancel, follow back.

    Returns the query Instagram redirected to the shop with (code+state or error fields)."""
    page = http.get(authorize_url, timeout=10)
    page.raise_for_status()
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form_url = authorize_url.split("?", 1)[0]
    answer = http.post(
        form_url,
        data={
            **query,
            "username": shopper.username,
            "account_type": account_type,
            "decision": "allow" if shopper.allows else "deny",
        },
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"the consent page answered {answer.status_code}, not a redirect")
    location = answer.headers["Location"].split("#", 1)[0]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def run_demo(
    *, shoppers: int, state_dir: Path | None, say: Callable[[str], None], timeout: float = 60
) -> DemoResult:
    chosen = [s for s in SHOPPERS[: max(1, shoppers)] if s.allows] + [
        s for s in SHOPPERS if not s.allows
    ]
    work_dir = state_dir or Path(tempfile.mkdtemp(prefix="igsync-demo-"))
    shared_secret, encryption_key = generate_secret(), generate_key()
    app_id, app_secret = "1790000000000001", secrets.token_hex(16)
    signer = Signer(shared_secret)
    shop = StandinShop(signer, batch_limit=50)  # as the plugin since 0.6

    with ServerThread(create_standin_app(shop)) as wordpress:
        redirect_uri = wordpress.url + CALLBACK_PATH
        sandbox_state = SandboxState(SandboxConfig(app_id, app_secret, frozenset({redirect_uri})))
        with ServerThread(create_sandbox_app(sandbox_state)) as sandbox:
            say(f"sandbox (emulates Instagram, is not Instagram) on {sandbox.url}")
            say(f"WordPress stand-in (the shop) on {wordpress.url}")
            settings = Settings(
                instagram_app_id=app_id,
                instagram_app_secret=Secret(app_secret),
                redirect_uri=redirect_uri,
                wp_url=wordpress.url,
                shared_secret=Secret(shared_secret),
                encryption_keys=(Secret(encryption_key),),
                state_dir=work_dir,
                database_url=f"sqlite:///{work_dir / 'igsync.db'}",
                instagram_oauth_url=sandbox.url,
                instagram_graph_url=sandbox.url,
                instagram_authorize_url=sandbox.url + "/oauth/authorize",
                listen=Listen("127.0.0.1", 0),
                sweep_interval_seconds=2.0,
            )
            daemon = Daemon.build(settings)
            daemon.start()
            try:
                with ServerThread(daemon.intake) as intake:
                    say(f"igsync daemon intake on {intake.url}, database {settings.database_url}")
                    forwarded, cancelled = _shoppers_connect(
                        chosen, daemon, redirect_uri, intake.url, signer, say
                    )
                    say(f"waiting for {forwarded} lead(s) to reach the shop ...")
                    shop.wait_for(forwarded, timeout=timeout)
            finally:
                daemon.stop()
    return DemoResult(
        settings.database_url, Secret(encryption_key), forwarded, cancelled, len(shop.leads)
    )


def _shoppers_connect(
    chosen: list[Shopper],
    daemon: Daemon,
    redirect_uri: str,
    intake_url: str,
    signer: Signer,
    say: Callable[[str], None],
) -> tuple[int, int]:
    client = InstagramClient(InstagramEndpoints.from_settings(daemon.settings))
    forwarded = cancelled = 0
    with requests.Session() as http:
        for shopper in chosen:
            state = secrets.token_urlsafe(16)
            back = connect_shopper(http, client.authorize_url(redirect_uri, state), shopper)
            if back.get("state") != state:
                raise RuntimeError("the sandbox returned a different state")
            if "error" in back:
                cancelled += 1
                say(
                    f"  @{shopper.username}: cancelled at the consent page "
                    f"({back['error']}/{back.get('error_reason')}); "
                    "the shop shows a notice, nothing is forwarded"
                )
                continue
            body = forward_body(
                back["code"],
                redirect_uri,
                wp_user_id=shopper.wp_user_id,
                email=shopper.email,
                return_url=redirect_uri.rsplit("/wp-json", 1)[0] + "/my-account/",
                source="demo",
            )
            answer = forward_code(http, intake_url, signer, body)
            if answer.status_code != 202:
                raise RuntimeError(f"the intake answered {answer.status_code}: {answer.text}")
            forwarded += 1
            say(
                f"  @{shopper.username}: allowed; code forwarded, "
                f"intake answered 202 (id {answer.json()['id']})"
            )
    client.close()
    return forwarded, cancelled
