"""Instagram's OAuth and Graph endpoints: a typed client for both API flavours."""

from daemon.instagram.client import InstagramClient, InstagramEndpoints
from daemon.instagram.errors import (
    ClientRejected,
    CodeRejected,
    InstagramError,
    RateLimited,
    RequestRejected,
    TokenInvalid,
    UpstreamUnavailable,
)
from daemon.instagram.flavours import FLAVOURS, Flavour
from daemon.instagram.types import LongLivedToken, Profile, ShortLivedToken

__all__ = [
    "FLAVOURS",
    "ClientRejected",
    "CodeRejected",
    "Flavour",
    "InstagramClient",
    "InstagramEndpoints",
    "InstagramError",
    "LongLivedToken",
    "Profile",
    "RateLimited",
    "RequestRejected",
    "ShortLivedToken",
    "TokenInvalid",
    "UpstreamUnavailable",
]
