"""The Debian package (packaging/build-deb), installed on this machine as root: user, folders,
modes, generated secrets, the units, `igsync doctor` as the igsync user, customers stored by
the installed daemon, an upgrade that keeps them and the settings, backup and restore, remove
and purge."""

from __future__ import annotations

import os
import pwd
import re
import signal
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from daemon.crypto import TokenCipher
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from tests.conftest import APP_ID, Sandbox, eventually
from tests.test_daemon import forward_many
from tests.test_service import security_score
from tests.wordpress import free_port
from wp_bridge.signing import Signer
from wp_bridge.standin import StandinShop, create_standin_app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Path("/etc/igsync/igsync.env")
STATE = Path("/var/lib/igsync")
UNITS = Path("/lib/systemd/system")
RUN = Path("/run/igsync-test")  # where the test hands the igsync user its settings


def as_root(
    *command: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """A command as root (directly, or through passwordless sudo): the package installs."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    done = subprocess.run(
        [*prefix, *command],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)}: {done.stdout}{done.stderr}")
    return done


def purge() -> None:
    as_root("dpkg", "--purge", "igsync", check=False)
    as_root("rm", "-rf", str(RUN), check=False)


# Builds two .deb packages (dpkg-deb, a full venv each) and installs them as root.
pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two packages of different versions, built as a release would be."""
    out = tmp_path_factory.mktemp("debs")
    built = {}
    for version in ("0.0.1", "0.0.2"):
        subprocess.run(
            [str(ROOT / "packaging" / "build-deb"), "--version", version, "--output", str(out)],
            check=True,
            capture_output=True,
            timeout=900,
        )
        built[version] = next(out.glob(f"igsync_{version}_*.deb"))
    return built


@pytest.fixture
def clean_machine() -> Iterator[None]:
    purge()
    yield
    purge()


def settings_for_service(extra: dict[str, str]) -> Path:
    """The settings as systemd hands them to the service: a copy only the igsync user reads."""
    as_root("install", "-d", "-m", "0700", "-o", "igsync", "-g", "igsync", str(RUN))
    text = as_root("cat", str(SETTINGS)).stdout + "".join(f"{k}={v}\n" for k, v in extra.items())
    staged = RUN / "igsync.env"
    as_root("sh", "-c", f"umask 077 && cat > {staged} && chown igsync:igsync {staged}", stdin=text)
    return staged


def as_igsync(staged: Path, *args: str) -> list[str]:
    return ["runuser", "-u", "igsync", "--", "env", f"IGSYNC_ENV_FILE={staged}", "igsync", *args]


def setting(name: str) -> str:
    found = re.search(rf"^{name}=(.*)$", as_root("cat", str(SETTINGS)).stdout, re.M)
    assert found, name
    return found.group(1)


def test_install_upgrade_backup_restore_remove_and_purge(
    debs: dict[str, Path], clean_machine: None, sandbox: Sandbox, tmp_path: Path
) -> None:
    installed = as_root("apt-get", "install", "-y", "-q", str(debs["0.0.1"]))
    assert "igsync pair CODE --wp-url" in installed.stdout  # the next step: pairing
    assert "/usr/share/igsync/igsync-bridge.zip" in installed.stdout
    with zipfile.ZipFile("/usr/share/igsync/igsync-bridge.zip") as plugin:
        assert "igsync-bridge/igsync-bridge.php" in plugin.namelist()

    user = pwd.getpwnam("igsync")
    assert user.pw_uid < 1000 and user.pw_shell == "/usr/sbin/nologin"
    modes = as_root("stat", "-c", "%n %a %U", str(STATE), str(SETTINGS.parent), str(SETTINGS))
    assert modes.stdout.split("\n")[:3] == [
        f"{STATE} 700 igsync",
        f"{SETTINGS.parent} 700 root",
        f"{SETTINGS} 600 root",
    ]
    key, secret = setting("IGSYNC_ENCRYPTION_KEYS"), setting("IGSYNC_SHARED_SECRET")
    TokenCipher([Secret(key)])  # a valid Fernet key, made for this machine
    assert secret.startswith("whsec_") and len(secret) > 30
    text = as_root("cat", str(SETTINGS)).stdout
    for commented in ("#IGSYNC_INSTAGRAM_APP_ID=", "#IGSYNC_WP_URL=", "#IGSYNC_CONCURRENCY="):
        assert commented in text
    wants = Path("/etc/systemd/system")
    assert (wants / "multi-user.target.wants" / "igsync.service").is_symlink()
    assert (wants / "timers.target.wants" / "igsync-backup.timer").is_symlink()
    unit = UNITS / "igsync.service"
    verified = as_root("systemd-analyze", "verify", str(unit), check=False)
    assert verified.returncode == 0, verified.stderr
    assert security_score(unit) == security_score(ROOT / "systemd" / "igsync.service")

    # The owner fills in the settings (here: the sandbox and a WordPress stand-in that holds
    # the shared secret the package generated) and checks them as the service would run.
    shop = StandinShop(Signer(secret))
    with ServerThread(create_standin_app(shop)) as wordpress:
        filled = {
            "IGSYNC_INSTAGRAM_APP_ID": APP_ID,
            "IGSYNC_INSTAGRAM_APP_SECRET": sandbox.app_secret,
            "IGSYNC_REDIRECT_URI": sandbox.redirect_uri,
            "IGSYNC_WP_URL": wordpress.url,
            "IGSYNC_INSTAGRAM_OAUTH_URL": sandbox.url,
            "IGSYNC_INSTAGRAM_GRAPH_URL": sandbox.url,
            "IGSYNC_INSTAGRAM_AUTHORIZE_URL": sandbox.url + "/oauth/authorize",
        }
        as_root(
            "sh", "-c", f"cat >> {SETTINGS}", stdin="".join(f"{k}={v}\n" for k, v in filled.items())
        )
        assert as_root("igsync", "db", "upgrade").returncode == 0  # as root, from anywhere
        owners = as_root("find", str(STATE), "-mindepth", "1", "-printf", "%u\n").stdout
        assert set(owners.split()) == {"igsync"}, owners  # the service opens what root made
        port = free_port()
        staged = settings_for_service({"IGSYNC_LISTEN": f"127.0.0.1:{port}"})
        doctor = as_root(*as_igsync(staged, "doctor"), check=False)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert re.search(r"^ok +database", doctor.stdout, re.M), doctor.stdout
        assert re.search(r"^ok +wordpress", doctor.stdout, re.M), doctor.stdout
        # The going-live papers, from the installed package (the plugin's schema ships in it).
        kit = as_root("igsync", "review-kit", "--no-self-test", str(tmp_path / "kit"))
        assert kit.returncode == 0, kit.stdout + kit.stderr
        assert "`wp_igsync_leads`" in (tmp_path / "kit" / "data-inventory.md").read_text()
        assert Path("/usr/share/doc/igsync/docs/going-live.md").is_file()

        daemon = subprocess.Popen(  # the installed daemon, as the service runs it
            [*([] if os.geteuid() == 0 else ["sudo", "-n"]), *as_igsync(staged, "run")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            eventually(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), what="igsync run")
            forward_many(sandbox, f"http://127.0.0.1:{port}", Signer(secret), 3, "packaged")
            assert shop.wait_for(3, timeout=30)
        finally:
            as_root("pkill", "-TERM", "-u", "igsync", "-f", "igsync run", check=False)
            daemon.wait(timeout=30)
            if daemon.returncode is None:
                daemon.send_signal(signal.SIGKILL)

    before = as_root("cat", str(SETTINGS)).stdout
    upgraded = as_root("apt-get", "install", "-y", "-q", str(debs["0.0.2"]))
    assert "igsync pair" not in upgraded.stdout  # the next step is for a first installation only
    assert as_root("cat", str(SETTINGS)).stdout == before  # an upgrade never touches them
    assert "igsync 0.0.2" in as_root("igsync", "--version").stdout
    listed = as_root("igsync", "customers", "list").stdout
    for n in range(3):
        assert f"@packaged{n}" in listed
    assert "unreadable" not in listed and "IGSB…" in listed  # tokens still decrypt

    backup = as_root("igsync", "backup", str(STATE / "backups"))
    assert "3 customer(s)" in backup.stdout, backup.stdout
    saved = re.search(r"backup written: (\S+)", backup.stdout)
    assert saved
    restored = as_root("igsync", "restore", saved.group(1), "--yes")
    assert "3 customer(s)" in restored.stdout

    removed = as_root("apt-get", "remove", "-y", "-q", "igsync")
    assert "'/opt' not empty" not in removed.stdout + removed.stderr  # the package owns no /opt
    assert as_root("test", "-f", str(SETTINGS), check=False).returncode == 0  # remove keeps
    assert as_root("test", "-f", str(STATE / "igsync.db"), check=False).returncode == 0  # them
    assert not Path("/opt/igsync/.venv").exists()
    purged = as_root("dpkg", "--purge", "igsync")
    assert "'/opt' not empty" not in purged.stdout + purged.stderr
    assert not SETTINGS.parent.exists() and not STATE.exists()  # purge removes them too


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False


def test_the_package_builds_offline_installable(debs: dict[str, Path]) -> None:
    """Everything igsync imports is inside the package: nothing is fetched at install."""
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(debs["0.0.1"])],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    for module in (
        "sqlalchemy",
        "fastapi",
        "cryptography",
        "psycopg",
        "uvicorn",
        "daemon",
        "wp_bridge",
    ):
        assert f"/site-packages/{module}/" in listing, module
    assert "./lib/systemd/system/igsync.service" in listing
    assert "./opt/igsync/monitoring/igsync-alerts.yml" in listing
    assert not re.search(r" \./opt/$", listing, re.M)  # /opt itself is not the package's
