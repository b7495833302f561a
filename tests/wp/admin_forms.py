"""Pressing a button of Settings > igsync that posts to admin-post.php, as the browser would."""

from __future__ import annotations

import re

import requests

from tests.wordpress import WordPress

SETTINGS = "/wp-admin/options-general.php?page=igsync"


def press(wp: WordPress, admin: requests.Session, action: str) -> requests.Response:
    """Post the settings page's form for `action` with its nonce; the page WordPress answers."""
    page = admin.get(wp.url + SETTINGS, timeout=30).text
    form = re.search(
        rf'name="action" value="{re.escape(action)}">\s*'
        r'<input type="hidden" id="_wpnonce" name="_wpnonce" value="([^"]+)"',
        page,
    )
    assert form, f"no {action} form on the settings page"
    return admin.post(
        f"{wp.url}/wp-admin/admin-post.php",
        data={"action": action, "_wpnonce": form.group(1)},
        timeout=60,
    )
