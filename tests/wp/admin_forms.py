"""Pressing a button of Settings > igsync that posts to admin-post.php, as the browser would."""

from __future__ import annotations

import re

import requests

from tests.wordpress import WordPress

SETTINGS = "/wp-admin/options-general.php?page=igsync"


def press(
    wp: WordPress,
    admin: requests.Session,
    action: str,
    *,
    page: str = SETTINGS,
    data: dict[str, str | list[str]] | None = None,
) -> requests.Response:
    """Post the form for `action` on `page` (Settings > igsync unless told) with its nonce and
    `data`; the page WordPress answers."""
    text = admin.get(wp.url + page, timeout=30).text
    start = text.find(f'name="action" value="{action}"')
    assert start >= 0, f"no {action} form on {page}"
    nonce = re.search(r'name="_wpnonce" value="([^"]+)"', text[start:])
    assert nonce, f"the {action} form has no nonce"
    return admin.post(
        f"{wp.url}/wp-admin/admin-post.php",
        data={"action": action, "_wpnonce": nonce.group(1), **(data or {})},
        timeout=60,
    )
