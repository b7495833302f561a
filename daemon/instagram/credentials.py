"""Are the app id, app secret and redirect URI right? Asked without a shopper.

A code exchange with a code that cannot exist: Instagram refuses it, and its refusal says
which part it objected to first. Meta documents neither these messages nor the order of its
checks; the messages below are the ones Instagram is seen to send (they recur in public
issue threads of Instagram integrations) and the order the sandbox follows is app id, secret,
grant type, redirect URI registered, then the code. Should Instagram look at the code before
the redirect URI, a probe reads "credentials accepted" with an unregistered redirect URI: the
first live exchange then says so, and the go-live guide keeps that step open until one works.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import requests

PROBE_CODE = "igsync-probe-not-a-code"  # never a real code


class Verdict(enum.StrEnum):
    """One name per case Instagram tells apart, shared with the plugin (wire contract)."""

    OK = "ok"  # the code was refused, so the app id, secret and redirect URI were not
    UNKNOWN_APP = "unknown_app"
    WRONG_SECRET = "wrong_secret"  # noqa: S105 (a verdict's name, not a secret)
    REDIRECT_NOT_REGISTERED = "redirect_not_registered"
    REDIRECT_MISMATCH = "redirect_mismatch"  # only a real code's exchange can show this
    UNREACHABLE = "unreachable"
    UNEXPECTED = "unexpected"


# Instagram's words (lowercased), checked in this order, and what they mean.
_WORDS: tuple[tuple[str, Verdict], ...] = (
    ("invalid platform app", Verdict.UNKNOWN_APP),
    ("client_id", Verdict.UNKNOWN_APP),
    ("client secret", Verdict.WRONG_SECRET),
    ("client_secret", Verdict.WRONG_SECRET),
    ("identical to the one you used", Verdict.REDIRECT_MISMATCH),
    ("redirect_uri", Verdict.REDIRECT_NOT_REGISTERED),
    ("redirect uri", Verdict.REDIRECT_NOT_REGISTERED),
    ("matching code was not found", Verdict.OK),
    ("authorization code has expired", Verdict.OK),
)

ADVICE: dict[Verdict, str] = {
    Verdict.OK: "Instagram accepts the app id, the app secret and the redirect URI",
    Verdict.UNKNOWN_APP: (
        "Instagram does not know this app id: use the Instagram app ID shown under Instagram > "
        "API setup with Instagram business login in Meta's App Dashboard (not the Meta app ID "
        "at the top of the dashboard)"
    ),
    Verdict.WRONG_SECRET: (
        "Instagram refused the app secret: copy the Instagram app secret from the same page "
        "as the Instagram app ID (not the Meta app's own secret)"
    ),
    Verdict.REDIRECT_NOT_REGISTERED: (
        "Instagram refused the redirect URI: add it, character for character, under Business "
        "login settings > OAuth redirect URIs in Meta's App Dashboard"
    ),
    Verdict.REDIRECT_MISMATCH: (
        "Instagram refused a code for a redirect URI other than the one the shopper was sent "
        "with: the plugin's and the daemon's redirect URIs differ (pair again)"
    ),
    Verdict.UNREACHABLE: "Instagram did not answer",
    Verdict.UNEXPECTED: "Instagram answered something igsync does not recognise",
}


@dataclass(frozen=True)
class CredentialCheck:
    verdict: Verdict
    detail: str  # the owner's words
    instagram_said: str = ""  # Instagram's own message, for support (never a secret)


def classify(message: str) -> Verdict:
    """Pure: which part an exchange refusal's message objects to."""
    lowered = message.lower()
    for words, verdict in _WORDS:
        if words in lowered:
            return verdict
    return Verdict.UNEXPECTED


def probe(
    oauth_url: str, app_id: str, app_secret: str, redirect_uri: str, *, timeout: float = 5.0
) -> CredentialCheck:
    """One exchange with PROBE_CODE at `oauth_url`; Instagram's refusal, read."""
    url = f"{oauth_url}/oauth/access_token"
    form = {
        "client_id": app_id,
        "client_secret": app_secret,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": PROBE_CODE,
    }
    try:
        answer = requests.post(url, data=form, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return CredentialCheck(Verdict.UNREACHABLE, f"{url}: unreachable ({type(exc).__name__})")
    try:
        payload = answer.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return CredentialCheck(
            Verdict.UNEXPECTED, f"{url}: answered HTTP {answer.status_code}, not JSON"
        )
    error = payload.get("error")
    said = str(
        payload.get("error_message")
        or (error.get("message") if isinstance(error, dict) else "")
        or ""
    )[:300].replace(app_secret, "[secret]")
    if answer.ok:
        return CredentialCheck(
            Verdict.UNEXPECTED, f"{url}: accepted a code that cannot exist (not Instagram?)"
        )
    verdict = classify(said)
    detail = ADVICE[verdict] if verdict != Verdict.UNEXPECTED else f"HTTP {answer.status_code}"
    return CredentialCheck(verdict, detail, said)
