"""`igsync pair CODE`: the daemon and the WordPress bridge plugin settle, once, what used to be
copied by hand: a new shared secret (made here, sent once, never shown), the address at which
WordPress reaches the daemon, the Instagram app id and API flavour; WordPress answers with its
redirect URI. The one-time code, made by an administrator in Settings > igsync, proves the
request is wanted; it travels only over HTTPS, or plain HTTP on loopback (or a private network
the administrator allows), since the new secret travels with it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from daemon.crypto import generate_key
from daemon.outbound import outbound_session
from daemon.settings import parse_listen, parse_scopes, sandbox_urls
from daemon.store.ownership import give_to_folder_owner
from wp_bridge.signing import BOUND
from wp_bridge.wordpress import route_url

PAIR_ROUTE = "/igsync/v1/pair"


class PairingError(Exception):
    """Why the pairing did not happen (nothing was changed on either side)."""


@dataclass(frozen=True)
class Paired:
    redirect_uri: str
    site_url: str
    site_name: str


@dataclass(frozen=True)
class Instagram:
    """What the daemon tells WordPress about the Instagram side, and what it writes for itself."""

    app_id: str
    flavour: str
    authorize_url: str  # "" leaves WordPress on Instagram's own page for the flavour
    sandbox: bool
    env_updates: dict[str, str]  # besides the shared secret, WP URL and redirect URI
    scopes: str = ""  # IGSYNC_SCOPES as the plugin asks shoppers for them; "": the flavour's
    enable_fb_login: str = ""  # "on", "off", or "" (the parameter left out)


SANDBOX_SECRET_PREFIX = "sandbox-"  # noqa: S105 (marks an app secret made up for the sandbox)


def plan_instagram(
    env: Mapping[str, str],
    *,
    sandbox: bool,
    app_id: str | None,
    app_secret: str | None,
    sandbox_url: str | None = None,
) -> Instagram:
    """Which app, flavour and authorize page the pairing settles. With `sandbox`, the daemon
    serves the sandbox itself (IGSYNC_SANDBOX=on) and makes up an app for it when it has none;
    without, it needs a real app, and leaving the sandbox takes one (`--app-id`)."""
    updates: dict[str, str] = {}
    if not env.get("IGSYNC_ENCRYPTION_KEYS"):
        updates["IGSYNC_ENCRYPTION_KEYS"] = generate_key()  # a fresh daemon has none yet
    if app_id:
        if not app_secret:
            raise PairingError("--app-id needs the app's secret too")
        updates["IGSYNC_INSTAGRAM_APP_ID"] = app_id
        updates["IGSYNC_INSTAGRAM_APP_SECRET"] = app_secret
    elif sandbox and not env.get("IGSYNC_INSTAGRAM_APP_ID"):
        updates["IGSYNC_INSTAGRAM_APP_ID"] = "9" + "".join(
            secrets.choice("0123456789") for _ in range(15)
        )
        updates["IGSYNC_INSTAGRAM_APP_SECRET"] = SANDBOX_SECRET_PREFIX + secrets.token_hex(16)
    merged = {**env, **updates}
    made_up = merged.get("IGSYNC_INSTAGRAM_APP_SECRET", "").startswith(SANDBOX_SECRET_PREFIX)
    if not sandbox:
        if made_up:
            raise PairingError(
                "this daemon uses the app igsync made up for the sandbox: pass --app-id with "
                "your Meta app's id (igsync then asks for its secret), or --sandbox to stay"
            )
        app = (merged.get("IGSYNC_INSTAGRAM_APP_ID"), merged.get("IGSYNC_INSTAGRAM_APP_SECRET"))
        if not all(app):
            raise PairingError(
                "no Instagram app yet: pass --app-id with your Meta app's id (igsync then asks "
                "for its secret), or try igsync first with --sandbox"
            )
    if sandbox or env.get("IGSYNC_SANDBOX", "off") != "off":
        updates["IGSYNC_SANDBOX"] = "on" if sandbox else "off"
    if sandbox_url:
        updates["IGSYNC_SANDBOX_URL"] = merged["IGSYNC_SANDBOX_URL"] = sandbox_url.rstrip("/")
    authorize = merged.get("IGSYNC_INSTAGRAM_AUTHORIZE_URL", "")
    if sandbox and not authorize:
        listen = parse_listen(merged.get("IGSYNC_SANDBOX_LISTEN") or "127.0.0.1:8766")
        authorize = sandbox_urls(listen, merged.get("IGSYNC_SANDBOX_URL", ""))["authorize"]
    return Instagram(
        app_id=merged["IGSYNC_INSTAGRAM_APP_ID"],
        flavour=merged.get("IGSYNC_INSTAGRAM_API") or "instagram_login",
        authorize_url=authorize,
        sandbox=sandbox,
        env_updates=updates,
        scopes=",".join(_scopes(merged.get("IGSYNC_SCOPES", ""))),
        enable_fb_login={"on": "on", "off": "off"}.get(
            merged.get("IGSYNC_ENABLE_FB_LOGIN", ""), ""
        ),
    )


def _scopes(raw: str) -> tuple[str, ...]:
    """IGSYNC_SCOPES as the daemon reads it (daemon.settings), () when unset or unreadable:
    `igsync pair` runs before the settings are complete, and `igsync doctor` names the error."""
    try:
        return parse_scopes(raw) if raw.strip() else ()
    except ValueError:
        return ()


PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)  # RFC 1918 and unique local IPv6: a shop's own network
PLAIN_HTTP = "{url} is plain HTTP: the shared secret would cross the network readable; use https://"
PRIVATE_HTTP = "{url} is plain HTTP on a private network: pass --allow-private-http if you trust it"


def insecure_transport(url: str, *, allow_private: bool) -> str | None:
    """Why `url` must not carry a secret, or None when it may."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return None
    if parts.scheme != "http" or not parts.hostname:
        return f"{url} is not an http:// or https:// URL"
    if _is_loopback(parts.hostname):
        return None
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return PLAIN_HTTP.format(url=url)
    private = any(address in network for network in PRIVATE_NETWORKS)
    if private and allow_private:
        return None
    return (PRIVATE_HTTP if private else PLAIN_HTTP).format(url=url)


def sandbox_out_of_reach(authorize_url: str, wp_url: str) -> str | None:
    """Why shoppers of the shop at `wp_url` cannot open the sandbox's page, when it is on
    loopback and the shop is not (their browsers would look for it on their own machine)."""
    page, shop = urlsplit(authorize_url).hostname or "", urlsplit(wp_url).hostname or ""
    if _is_loopback(page) and not _is_loopback(shop):
        return (
            f"shoppers of {wp_url} will be sent to {authorize_url}, which only this machine "
            "reaches: pass --sandbox-url with an address their browsers reach (the sandbox "
            "behind your reverse proxy, for example)"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def pair(
    wp_url: str,
    code: str,
    *,
    secret: str,
    daemon_url: str,
    instagram: Instagram,
    private_http: bool = False,
    timeout: float = 15.0,
) -> Paired:
    """Present the code and the settings to WordPress; what it answers. `private_http` tells
    WordPress the owner allowed plain HTTP on a private network (it accepts plain HTTP from
    loopback only otherwise)."""
    body = {
        "code": code,
        "shared_secret": secret,
        "daemon_url": daemon_url,
        "app_id": instagram.app_id,
        "api_flavour": instagram.flavour,
        "authorize_url": instagram.authorize_url,
        "sandbox": instagram.sandbox,
        "scopes": instagram.scopes,
        "enable_fb_login": instagram.enable_fb_login,
        "daemon_host": socket.gethostname(),
        "private_http": private_http,
        "signing": BOUND,  # this daemon checks bound signatures (wp_bridge.signing)
    }
    session = outbound_session([wp_url])
    try:
        answer = session.post(
            route_url(wp_url, PAIR_ROUTE), json=body, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise PairingError(f"WordPress at {wp_url} did not answer ({type(exc).__name__})") from None
    finally:
        session.close()
    payload = _json(answer)
    if answer.status_code == 200 and payload.get("paired") is True:
        return Paired(
            str(payload["redirect_uri"]), str(payload["site_url"]), str(payload["site_name"])
        )
    if answer.status_code == 404:
        raise PairingError(
            f"{wp_url} has no pairing route: is the igsync bridge plugin installed, active and "
            "up to date?"
        )
    reason = str(payload.get("message") or f"HTTP {answer.status_code}")
    raise PairingError(f"WordPress refused the pairing: {reason}")


def update_env_file(path: Path, values: dict[str, str]) -> bool:
    """Set each KEY=value in the dotenv file: on the line that sets (or comments out) KEY, else
    at the end. The file is replaced whole, so a reader never sees half, and readable by its
    owner only, whatever its mode was: it now holds secrets. Whether the old mode let others read
    it (the caller says so)."""
    lines = path.read_text().splitlines() if path.exists() else []
    for key, value in values.items():
        pattern = re.compile(rf"^\s*#?\s*{re.escape(key)}=")
        for n, line in enumerate(lines):
            if pattern.match(line):
                lines[n] = f"{key}={value}"
                break
        else:
            lines.append(f"{key}={value}")
    was_open = path.exists() and bool(path.stat().st_mode & 0o077)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(lines) + "\n")
        Path(temporary).chmod(0o600)
        if path.exists() and os.geteuid() == 0:
            os.chown(temporary, path.stat().st_uid, path.stat().st_gid)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return was_open


def log_pairing(state_dir: Path, paired: Paired, daemon_url: str, *, sandbox: bool) -> Path:
    """Record a pairing in the state folder's pairings.log (never a secret)."""
    return _append_log(
        state_dir,
        {
            "event": "paired",
            "site_url": paired.site_url,
            "site_name": paired.site_name,
            "redirect_uri": paired.redirect_uri,
            "daemon_url": daemon_url,
            "sandbox": sandbox,
        },
    )


def log_unpairing(state_dir: Path, site_url: str, *, by: str) -> Path:
    """Record an unpairing, from either side (`by` says who asked)."""
    return _append_log(state_dir, {"event": "unpaired", "site_url": site_url, "by": by})


def _append_log(state_dir: Path, entry: dict[str, Any]) -> Path:
    """One JSON line per event, with its time; the file belongs to the service's user."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / "pairings.log"
    path.touch(mode=0o600)
    stamped = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
    with path.open("a") as log:
        log.write(json.dumps(stamped) + "\n")
    give_to_folder_owner(path)
    return path


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        payload = answer.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
