"""Settings: required values, clear one-line errors naming the variable, dotenv, no secret leaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.crypto import generate_key
from daemon.settings import SettingsError, load_settings
from wp_bridge.signing import generate_secret


def valid_env(**extra: str) -> dict[str, str]:
    env = {
        "IGSYNC_INSTAGRAM_APP_ID": "1790000000000042",
        "IGSYNC_INSTAGRAM_APP_SECRET": "app-secret-value-123",
        "IGSYNC_REDIRECT_URI": "https://shop.example/wp-json/igsync/v1/callback",
        "IGSYNC_WP_URL": "https://shop.example/",
        "IGSYNC_SHARED_SECRET": generate_secret(),
        "IGSYNC_ENCRYPTION_KEYS": generate_key(),
        "IGSYNC_STATE_DIR": "/var/lib/igsync",
    }
    env.update(extra)
    return env


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(valid_env())
    assert settings.instagram_api == "instagram_login"
    assert settings.instagram_authorize_url == "https://www.instagram.com/oauth/authorize"
    assert settings.instagram_oauth_url == "https://api.instagram.com"
    assert settings.instagram_graph_url == "https://graph.instagram.com"
    assert str(settings.listen) == "127.0.0.1:8765"
    assert settings.database_url == "sqlite:////var/lib/igsync/igsync.db"
    assert settings.wp_url == "https://shop.example"


def test_sandbox_mode_points_instagram_at_the_sandbox_the_daemon_serves(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(valid_env(IGSYNC_SANDBOX="on", IGSYNC_SANDBOX_LISTEN="0.0.0.0:9001"))
    assert settings.sandbox and str(settings.sandbox_listen) == "0.0.0.0:9001"
    # The daemon calls its own sandbox on loopback; browsers go to the same place by default.
    assert settings.instagram_oauth_url == settings.instagram_graph_url == "http://127.0.0.1:9001"
    assert settings.instagram_authorize_url == "http://127.0.0.1:9001/oauth/authorize"
    behind_proxy = load_settings(
        valid_env(IGSYNC_SANDBOX="on", IGSYNC_SANDBOX_URL="https://sandbox.shop.example/")
    )
    assert behind_proxy.instagram_oauth_url == "http://127.0.0.1:8766"
    assert behind_proxy.instagram_authorize_url == "https://sandbox.shop.example/oauth/authorize"
    chosen = load_settings(
        valid_env(IGSYNC_SANDBOX="on", IGSYNC_INSTAGRAM_OAUTH_URL="http://10.0.0.5:7000")
    )
    assert chosen.instagram_oauth_url == "http://10.0.0.5:7000"  # what is set wins
    off = load_settings(valid_env(IGSYNC_SANDBOX_LISTEN="127.0.0.1:9001"))
    assert not off.sandbox and off.instagram_oauth_url == "https://api.instagram.com"
    with pytest.raises(SettingsError, match="IGSYNC_SANDBOX: must be one of off, on"):
        load_settings(valid_env(IGSYNC_SANDBOX="yes"))


def test_basic_display_uses_its_own_authorize_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(valid_env(IGSYNC_INSTAGRAM_API="basic_display"))
    assert settings.instagram_authorize_url == "https://api.instagram.com/oauth/authorize"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("IGSYNC_WP_URL", None, "IGSYNC_WP_URL: required setting is missing"),
        ("IGSYNC_SHARED_SECRET", None, "IGSYNC_SHARED_SECRET: required setting is missing"),
        ("IGSYNC_WP_URL", "shop.example", "IGSYNC_WP_URL: must be an http:// or https:// URL"),
        ("IGSYNC_SHARED_SECRET", "plain-secret", "IGSYNC_SHARED_SECRET: must start with whsec_"),
        (
            "IGSYNC_SHARED_SECRET",
            "whsec_c2hvcnQ=",
            "IGSYNC_SHARED_SECRET: must encode 24 to 64 bytes",
        ),
        (
            "IGSYNC_ENCRYPTION_KEYS",
            "not-a-key",
            "IGSYNC_ENCRYPTION_KEYS: key #1 is not a Fernet key",
        ),
        (
            "IGSYNC_INSTAGRAM_API",
            "graph",
            "IGSYNC_INSTAGRAM_API: must be one of instagram_login, basic_display",
        ),
        ("IGSYNC_LISTEN", "8765", "IGSYNC_LISTEN: must be HOST:PORT"),
        ("IGSYNC_CONCURRENCY", "0", "IGSYNC_CONCURRENCY: must be a whole number from 1 to 256"),
        (
            "IGSYNC_REFRESH_WINDOW_DAYS",
            "60",
            "IGSYNC_REFRESH_WINDOW_DAYS: must be a whole number from 1 to 59",
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str | None, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    env = valid_env()
    if value is None:
        del env[name]
    else:
        env[name] = value
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_a_second_key_that_is_malformed_is_reported_by_position(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="key #2 is not a Fernet key"):
        load_settings(valid_env(IGSYNC_ENCRYPTION_KEYS=f"{generate_key()},nope"))


def test_dotenv_file_fills_in_but_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = valid_env()
    file_values = {k: env.pop(k) for k in ("IGSYNC_WP_URL", "IGSYNC_SHARED_SECRET")}
    env_file = tmp_path / "igsync.env"
    env_file.write_text(
        "".join(f"{k}={v}\n" for k, v in file_values.items()) + "IGSYNC_CONCURRENCY=3\n"
    )
    env.update(IGSYNC_ENV_FILE=str(env_file), IGSYNC_CONCURRENCY="5")
    settings = load_settings(env)
    assert settings.wp_url == "https://shop.example"
    assert settings.shared_secret.reveal() == file_values["IGSYNC_SHARED_SECRET"]
    assert settings.concurrency == 5  # the real environment wins over the file


def test_dot_env_in_the_working_directory_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = valid_env()
    (tmp_path / ".env").write_text(f"IGSYNC_WP_URL={env.pop('IGSYNC_WP_URL')}\n")
    assert load_settings(env).wp_url == "https://shop.example"


def test_a_missing_env_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="IGSYNC_ENV_FILE: file not found"):
        load_settings(valid_env(IGSYNC_ENV_FILE=str(tmp_path / "nope.env")))


def test_secrets_do_not_show_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = valid_env()
    text = repr(load_settings(env)) + str(load_settings(env))
    for name in ("IGSYNC_INSTAGRAM_APP_SECRET", "IGSYNC_SHARED_SECRET", "IGSYNC_ENCRYPTION_KEYS"):
        assert env[name] not in text
    assert "1790000000000042" in text  # the app id is not a secret
