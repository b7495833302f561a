"""A shopper's browser, played over HTTP: the connect button, the sandbox's consent page, the
way back to the shop, and what the shop then shows them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from tests.conftest import APP_ID
from tests.wordpress import WordPress

# What each notice says (a phrase of it): what a shopper reads, in either theme's markup.
NOTICES = {
    "connecting": "We are connecting your Instagram account",
    "queued": "will finish connecting your account shortly",
    "denied": "You cancelled the connection to Instagram",
    "expired": "has expired or was already used",
    "expired_link": "its connect button expired",
    "unavailable": "Connecting with Instagram is not available right now",
    "error": "Instagram did not complete the connection",
    "failed": "we could not save your Instagram connection",
}


@dataclass
class Landing:
    """Where the shop sent the shopper back to, and what that page showed."""

    url: str
    page: str

    @property
    def notices(self) -> list[str]:
        return [key for key, phrase in NOTICES.items() if phrase in html.unescape(self.page)]

    @property
    def notice(self) -> str:
        shown = self.notices
        assert len(shown) == 1, f"expected one notice, the page shows {shown}"
        return shown[0]


def connect_link(wp: WordPress, http: requests.Session, page_url: str | None = None) -> str:
    page = http.get(page_url or wp.page_url, timeout=30)
    link = re.search(r'id="igsync-connect" href="([^"]+)"', page.text)
    assert link, "no connect button on the page"
    return html.unescape(link.group(1))


def start_flow(wp: WordPress, http: requests.Session, page_url: str | None = None) -> str:
    """Click the connect button; the authorize URL the shop sent the browser to."""
    start = http.get(connect_link(wp, http, page_url), allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text
    return str(start.headers["Location"])


def state_of(authorize: str) -> str:
    return parse_qs(urlsplit(authorize).query)["state"][0]


def land(http: requests.Session, response: requests.Response) -> Landing:
    """Follow the shop's redirect back, as the browser does, and read the page."""
    assert response.status_code == 302, (
        f"expected a redirect, got {response.status_code}: {response.text[:300]}"
    )
    location = str(response.headers["Location"])
    page = http.get(location, timeout=30)
    assert page.status_code == 200, f"{location} answered {page.status_code}"
    assert "application/json" not in page.headers.get("Content-Type", "")
    return Landing(location, page.text)


def come_back(wp: WordPress, http: requests.Session, **query: str) -> Landing:
    """Arrive at the shop's callback with this query (as Instagram, or a forger, sends it)."""
    answer = http.get(wp.callback_url, params=query, allow_redirects=False, timeout=30)
    return land(http, answer)


def consent(http: requests.Session, authorize: str, username: str, *, allow: bool = True) -> str:
    """The sandbox's consent page: Allow or Cancel; the callback URL it sends the browser to."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["client_id"] == APP_ID
    assert http.get(authorize, timeout=30).status_code == 200
    decision = http.post(
        authorize.split("?", 1)[0],
        allow_redirects=False,
        timeout=30,
        data={
            **query,
            "username": username,
            "account_type": "BUSINESS",
            "decision": "allow" if allow else "deny",
        },
    )
    return str(decision.headers["Location"])


def connect(
    wp: WordPress,
    http: requests.Session,
    username: str,
    *,
    allow: bool = True,
    page_url: str | None = None,
) -> tuple[str, Landing]:
    """Click "Connect with Instagram", decide at the sandbox, come back to the shop.

    Returns the callback URL Instagram sent the browser to, and where the shopper landed."""
    authorize = start_flow(wp, http, page_url)
    assert parse_qs(urlsplit(authorize).query)["redirect_uri"][0] == wp.callback_url
    callback = consent(http, authorize, username, allow=allow)
    return callback, land(http, http.get(callback, allow_redirects=False, timeout=30))


def code_of(callback: str) -> str:
    return parse_qs(urlsplit(callback.split("#", 1)[0]).query)["code"][0]


def leads_page(admin: requests.Session, wp: WordPress) -> str:
    return admin.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads", timeout=30).text
