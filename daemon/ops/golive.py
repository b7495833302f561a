"""What the daemon tells wp-admin about the Instagram side, with each Test connection: are the
app's credentials accepted, is the pinned Graph API version still served, which app and
permissions are configured here. The plugin's go-live guide ticks its steps from this."""

from __future__ import annotations

from datetime import date
from typing import Any

from daemon.graph_versions import graph_version, judge_version
from daemon.instagram.credentials import CredentialCheck, Verdict, probe
from daemon.instagram.flavours import FLAVOURS
from daemon.settings import Settings

# Inside the ping, whose first call after pairing WordPress gives 5 s in all.
PING_PROBE_SECONDS = 3.0


def instagram_status(settings: Settings, today: date) -> dict[str, Any]:
    """The `instagram` part of POST /v1/ping's answer (no secret in it)."""
    check = probe_credentials(settings, timeout=PING_PROBE_SECONDS)
    version = judge_version(settings.graph_api_version, today)
    until = graph_version(settings.graph_api_version).available_until
    return {
        "app_id": settings.instagram_app_id,
        "sandbox": settings.sandbox,
        "redirect_uri": settings.redirect_uri,
        "scopes": list(requested_scopes(settings)),
        "credentials": {
            "verdict": str(check.verdict),
            "ok": check.verdict == Verdict.OK,
            "detail": check.detail,
            "instagram_said": check.instagram_said,
        },
        "graph_api": {
            "version": settings.graph_api_version,
            "available_until": until.isoformat() if until else None,
            "days_left": version.days_left,
            "verdict": version.verdict,
            "detail": version.detail,
        },
    }


def probe_credentials(settings: Settings, *, timeout: float = 5.0) -> CredentialCheck:
    """Instagram's word on this daemon's app id, secret and redirect URI (for doctor too)."""
    return probe(
        settings.instagram_oauth_url,
        settings.instagram_app_id,
        settings.instagram_app_secret.reveal(),
        settings.redirect_uri,
        timeout=timeout,
    )


def requested_scopes(settings: Settings) -> tuple[str, ...]:
    """IGSYNC_SCOPES, else the flavour's own."""
    return settings.scopes or FLAVOURS[settings.instagram_api].scopes
