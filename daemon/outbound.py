"""Sessions for the daemon's outbound HTTP: Instagram and WordPress.

requests reads the environment on every request (proxies and NO_PROXY, ~/.netrc, the CA
bundle): about 0.1 ms of CPU each time, some 4% of what a customer costs the daemon. The
daemon's targets are fixed when it starts, so the environment is read once, here, for each
target: a proxy set for the service (HTTPS_PROXY, NO_PROXY) and REQUESTS_CA_BUNDLE still apply;
~/.netrc does not (no credentials of the daemon's come from it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies


def outbound_session(
    targets: Iterable[str], *, pool_size: int = 16, pool_connections: int = 10
) -> requests.Session:
    """A session for requests to the `targets` (base URLs), with the environment's proxy
    for each one resolved now."""
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=pool_connections, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    for url in targets:
        parts = urlsplit(url)
        proxy = get_environ_proxies(url).get(parts.scheme)
        if proxy and parts.hostname:
            session.proxies[f"{parts.scheme}://{parts.hostname}"] = proxy
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session
