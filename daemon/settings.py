"""Settings: one frozen object read from IGSYNC_* environment variables and a dotenv file.

The real environment wins over the file (python-dotenv semantics, override=False). A missing or
malformed setting raises SettingsError whose message is one line naming the variable; the
CLI prints that line and exits, so a service never starts half-configured.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from dotenv import dotenv_values

from daemon.graph_versions import DEFAULT_VERSION, parse_version
from daemon.redact import Secret

PREFIX = "IGSYNC_"
ApiFlavour = Literal["instagram_login", "basic_display"]
FLAVOURS: tuple[ApiFlavour, ...] = ("instagram_login", "basic_display")

T = TypeVar("T")


class SettingsError(Exception):
    """A setting is missing or malformed; str() is one line that names it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{PREFIX}{name}: {reason}")
        self.name = PREFIX + name


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    instagram_app_id: str
    instagram_app_secret: Secret
    redirect_uri: str
    wp_url: str
    shared_secret: Secret
    encryption_keys: tuple[Secret, ...]
    state_dir: Path
    database_url: str
    instagram_api: ApiFlavour = "instagram_login"
    instagram_oauth_url: str = "https://api.instagram.com"
    instagram_graph_url: str = "https://graph.instagram.com"
    instagram_authorize_url: str = "https://www.instagram.com/oauth/authorize"
    listen: Listen = field(default_factory=lambda: Listen("127.0.0.1", 8765))
    public_url: str = ""  # where WordPress reaches the intake, when not http://{listen}
    sandbox: bool = False  # `igsync run` also serves the sandbox; Instagram's URLs point at it
    sandbox_listen: Listen = field(default_factory=lambda: Listen("127.0.0.1", 8766))
    sandbox_url: str = ""  # where shoppers' browsers reach the sandbox, when not http://{listen}
    concurrency: int = 8
    refresh_window_days: int = 10
    sweep_interval_seconds: float = 15.0
    http_timeout_seconds: float = 10.0
    lease_seconds: float = 120.0
    stop_seconds: float = 20.0
    park_after_hours: float = 72.0
    profile_sync_hours: float = 24.0
    api_budget_percent: int = 75
    engagement: bool = False
    log_level: str = "INFO"
    graph_api_version: str = DEFAULT_VERSION  # named in every Graph call's path
    scopes: tuple[str, ...] = ()  # () = the flavour's default (instagram_business_basic)
    # Meta's enable_fb_login authorize parameter: None leaves it out (Instagram's default).
    enable_fb_login: bool | None = None


DEFAULT_AUTHORIZE_URL: dict[ApiFlavour, str] = {
    "instagram_login": "https://www.instagram.com/oauth/authorize",
    "basic_display": "https://api.instagram.com/oauth/authorize",
}


def sandbox_urls(listen: Listen, public_url: str) -> dict[str, str]:
    """In sandbox mode the daemon calls its own sandbox on the address it listens on (loopback
    when it listens everywhere); shoppers' browsers go to the public address when there is one."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen.host, listen.host)  # noqa: S104
    local = f"http://[{host}]:{listen.port}" if ":" in host else f"http://{host}:{listen.port}"
    return {
        "oauth": local,
        "graph": local,
        "authorize": f"{public_url or local}/oauth/authorize",
    }


def default_state_dir(env: Mapping[str, str]) -> Path:
    """systemd's StateDirectory when run as a unit, else the XDG state home."""
    if env.get("STATE_DIRECTORY"):
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    xdg = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "igsync"


def state_dir_of(env: Mapping[str, str]) -> Path:
    """IGSYNC_STATE_DIR, else the default: where the database and the daemon's own files live."""
    reader = _Reader(env)
    return Path(reader.optional("STATE_DIR") or default_state_dir(env))


def read_environment(
    environ: Mapping[str, str] | None = None, *, env_file_may_be_missing: bool = False
) -> dict[str, str]:
    """The environment merged over the dotenv file (IGSYNC_ENV_FILE, else ./.env if present).
    `env_file_may_be_missing`: for `igsync pair`, which creates the file IGSYNC_ENV_FILE names."""
    env = dict(os.environ if environ is None else environ)
    env_file = env.get(PREFIX + "ENV_FILE")
    path: Path | None
    if env_file:
        # Any readable file will do: an empty one, /dev/null (no settings from a file at all).
        path = Path(env_file)
        if not path.exists():
            if env_file_may_be_missing:
                return env
            raise SettingsError("ENV_FILE", f"file not found: {env_file}")
        if path.is_dir() or not os.access(path, os.R_OK):
            raise SettingsError("ENV_FILE", f"not a readable file: {env_file}")
    else:
        path = Path(".env") if Path(".env").is_file() else None
    if path is not None:
        for key, value in dotenv_values(path).items():
            if value is not None:
                env.setdefault(key, value)
    return env


REQUIRED = (
    "INSTAGRAM_APP_ID",
    "INSTAGRAM_APP_SECRET",
    "REDIRECT_URI",
    "WP_URL",
    "SHARED_SECRET",
    "ENCRYPTION_KEYS",
)


def env_example() -> str:
    """Where the documented example env file is on this machine: beside the package in a
    checkout, under /opt/igsync in the Debian package."""
    for candidate in (
        Path(__file__).resolve().parent.parent / "config" / "igsync.env.example",
        Path("/opt/igsync/config/igsync.env.example"),
    ):
        if candidate.is_file():
            return str(candidate)
    return "config/igsync.env.example in igsync's source"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment and dotenv file; raises SettingsError on the first
    problem, naming every missing required setting at once (not one per run)."""
    env = read_environment(environ)
    reader = _Reader(env)
    missing = [name for name in REQUIRED if reader.optional(name) is None]
    if missing:
        are = (
            "required setting is missing" if len(missing) == 1 else "required settings are missing"
        )
        raise SettingsError(f", {PREFIX}".join(missing), f"{are} (see {env_example()})")
    flavour = reader.choice("INSTAGRAM_API", FLAVOURS, default="instagram_login")
    state_dir = state_dir_of(env)
    sandbox = reader.choice("SANDBOX", ("off", "on"), default="off") == "on"
    sandbox_listen = reader.parsed("SANDBOX_LISTEN", parse_listen, Listen("127.0.0.1", 8766))
    sandbox_url = reader.parsed("SANDBOX_URL", _http_url, "").rstrip("/")
    instagram = sandbox_urls(sandbox_listen, sandbox_url) if sandbox else {}
    return Settings(
        instagram_app_id=reader.required("INSTAGRAM_APP_ID", _app_id),
        instagram_app_secret=Secret(reader.required("INSTAGRAM_APP_SECRET", _non_blank)),
        redirect_uri=reader.required("REDIRECT_URI", _http_url),
        wp_url=reader.required("WP_URL", _http_url).rstrip("/"),
        shared_secret=Secret(reader.required("SHARED_SECRET", _webhook_secret)),
        encryption_keys=reader.required("ENCRYPTION_KEYS", _fernet_keys),
        state_dir=state_dir,
        database_url=reader.optional("DATABASE_URL") or f"sqlite:///{state_dir / 'igsync.db'}",
        instagram_api=flavour,
        instagram_oauth_url=reader.parsed(
            "INSTAGRAM_OAUTH_URL", _http_url, instagram.get("oauth", "https://api.instagram.com")
        ).rstrip("/"),
        instagram_graph_url=reader.parsed(
            "INSTAGRAM_GRAPH_URL", _http_url, instagram.get("graph", "https://graph.instagram.com")
        ).rstrip("/"),
        instagram_authorize_url=reader.parsed(
            "INSTAGRAM_AUTHORIZE_URL",
            _http_url,
            instagram.get("authorize", DEFAULT_AUTHORIZE_URL[flavour]),
        ),
        listen=reader.parsed("LISTEN", parse_listen, Listen("127.0.0.1", 8765)),
        public_url=reader.parsed("PUBLIC_URL", _http_url, "").rstrip("/"),
        sandbox=sandbox,
        sandbox_listen=sandbox_listen,
        sandbox_url=sandbox_url,
        concurrency=reader.parsed("CONCURRENCY", _int_between(1, 256), 8),
        refresh_window_days=reader.parsed("REFRESH_WINDOW_DAYS", _int_between(1, 59), 10),
        sweep_interval_seconds=reader.parsed("SWEEP_INTERVAL", _float_between(0.5, 3600), 15.0),
        http_timeout_seconds=(
            timeout := reader.parsed("HTTP_TIMEOUT", _float_between(0.5, 120), 10.0)
        ),
        lease_seconds=reader.parsed(
            "LEASE_SECONDS", _float_between(max(5.0, 3 * timeout + 5), 3600), 120.0
        ),
        stop_seconds=reader.parsed("STOP_SECONDS", _float_between(1, 600), 20.0),
        park_after_hours=reader.parsed("PARK_AFTER_HOURS", _float_between(1, 720), 72.0),
        profile_sync_hours=reader.parsed("PROFILE_SYNC_HOURS", _float_between(1, 720), 24.0),
        api_budget_percent=reader.parsed("API_BUDGET_PERCENT", _int_between(10, 100), 75),
        engagement=reader.choice("ENGAGEMENT", ("off", "on"), default="off") == "on",
        log_level=reader.choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO", upper=True
        ),
        graph_api_version=reader.parsed("GRAPH_API_VERSION", parse_version, DEFAULT_VERSION),
        scopes=reader.parsed("SCOPES", parse_scopes, ()),
        enable_fb_login={"on": True, "off": False, "default": None}[
            reader.choice("ENABLE_FB_LOGIN", ("default", "on", "off"), default="default")
        ],
    )


class _Reader:
    """Reads one IGSYNC_ variable at a time and turns parse failures into SettingsError."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def optional(self, name: str) -> str | None:
        value = self._env.get(PREFIX + name, "").strip()
        return value or None

    def required(self, name: str, parse: Callable[[str], T]) -> T:
        raw = self.optional(name)
        if raw is None:
            raise SettingsError(name, f"required setting is missing (see {env_example()})")
        return self._parse(name, raw, parse)

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.optional(name)
        return default if raw is None else self._parse(name, raw, parse)

    def choice(self, name: str, options: tuple[T, ...], *, default: T, upper: bool = False) -> T:
        raw = self.optional(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw
        for option in options:
            if option == value:
                return option
        raise SettingsError(name, f"must be one of {', '.join(map(str, options))}")

    @staticmethod
    def _parse(name: str, raw: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(raw)
        except ValueError as exc:
            raise SettingsError(name, str(exc)) from None


def _non_blank(raw: str) -> str:
    return raw


def _app_id(raw: str) -> str:
    if not raw.isascii() or not raw.replace("-", "").replace("_", "").isalnum():
        raise ValueError("must be the numeric app id from the Meta dashboard")
    return raw


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return raw


def parse_listen(raw: str) -> Listen:
    host, sep, port = raw.rpartition(":")
    if (
        not sep
        or not host
        or not (port.isascii() and port.isdigit())
        or not 0 <= int(port) <= 65535
    ):
        raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8765")
    return Listen(host.strip("[]"), int(port))


def _webhook_secret(raw: str) -> str:
    """A Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 random bytes."""
    if not raw.startswith("whsec_"):
        raise ValueError("must start with whsec_ (generate one with `igsync keys generate`)")
    try:
        key = base64.b64decode(raw.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64 after whsec_") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("must encode 24 to 64 bytes")
    return raw


def _fernet_keys(raw: str) -> tuple[Secret, ...]:
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, binascii.Error):
            raise ValueError(
                f"key #{position} is not a Fernet key (32 url-safe base64 bytes; "
                "generate one with `igsync keys generate`)"
            ) from None
    return tuple(Secret(key) for key in keys)


SCOPE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def parse_scopes(raw: str) -> tuple[str, ...]:
    """A comma (or space) separated list of Meta permission names, each once."""
    scopes = tuple(dict.fromkeys(s for s in re.split(r"[,\s]+", raw) if s))
    bad = [s for s in scopes if not SCOPE.fullmatch(s)]
    if bad or not scopes:
        raise ValueError(
            "must be permission names separated by commas, e.g. instagram_business_basic"
        )
    return scopes


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        digits = raw.lstrip("-")
        if not (digits.isascii() and digits.isdigit()) or not low <= int(raw) <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return int(raw)

    return parse


def _float_between(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"must be a number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"must be a number from {low} to {high}")
        return value

    return parse
