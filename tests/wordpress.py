"""A real WordPress for the bridge plugin's tests: Debian's `wordpress` package, PHP's built-in
server on loopback, a fresh MariaDB database, the plugin installed from the zip that
`igsync wp-plugin` builds. Installed headless by a PHP script (wp_install, activate_plugin).

tests/run installs the Debian packages; when something is missing the tests fail with the
reason, they do not skip.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import eventually
from wp_bridge.plugin import build_zip

WORDPRESS_SOURCE = Path("/usr/share/wordpress")
ADMIN = ("admin", "admin-" + secrets.token_hex(6))
SHOPPER = ("shopper", "shopper-" + secrets.token_hex(6))

ROUTER = r"""<?php
// PHP's built-in server: real files as they are, everything else through WordPress.
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( '/' !== $path && file_exists( __DIR__ . $path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
require __DIR__ . '/index.php';
"""

INSTALL = r"""<?php
// Headless install: the site, pretty permalinks, the plugin, a shopper and a page with the button.
define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
[ , $admin_password, $shopper_password ] = $argv;
wp_install( 'igsync test shop', 'admin', 'admin@example.com', false, '', $admin_password );
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' );
flush_rewrite_rules();
$activated = activate_plugin( 'igsync-bridge/igsync-bridge.php' );
if ( is_wp_error( $activated ) ) {
	fwrite( STDERR, $activated->get_error_message() );
	exit( 1 );
}
$shopper = wp_create_user( 'shopper', $shopper_password, 'shopper@example.com' );
$page    = wp_insert_post( array(
	'post_type'    => 'page',
	'post_name'    => 'connect',
	'post_title'   => 'Connect',
	'post_status'  => 'publish',
	'post_content' => '[igsync_connect]',
) );
echo wp_json_encode( array( 'shopper_id' => $shopper, 'page_id' => $page ) );
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mariadb(sql: str) -> None:
    subprocess.run(
        ["mariadb", "-uroot", "-e", sql], check=True, capture_output=True, text=True, timeout=60
    )


@dataclass
class WordPress:
    url: str
    root: Path
    database: str
    shopper_id: int
    process: subprocess.Popen[bytes]
    debug_log: Path
    sessions: list[requests.Session] = field(default_factory=list)

    @property
    def callback_url(self) -> str:
        return f"{self.url}/wp-json/igsync/v1/callback"

    def login(self, username: str, password: str) -> requests.Session:
        """A browser-like session logged in through wp-login.php."""
        http = requests.Session()
        http.get(f"{self.url}/wp-login.php", timeout=30)  # sets the test cookie
        answer = http.post(
            f"{self.url}/wp-login.php",
            timeout=30,
            allow_redirects=False,
            data={
                "log": username,
                "pwd": password,
                "wp-submit": "Log In",
                "testcookie": "1",
                "redirect_to": f"{self.url}/wp-admin/",
            },
        )
        assert answer.status_code == 302, f"login as {username} failed: {answer.status_code}"
        self.sessions.append(http)
        return http

    def admin(self) -> requests.Session:
        return self.login(*ADMIN)

    def configure(self, admin: requests.Session, **settings: str) -> requests.Response:
        """Save Settings > igsync through the settings page, as the shop owner would."""
        page = admin.get(f"{self.url}/wp-admin/options-general.php?page=igsync", timeout=30)
        nonce = re.search(r'name="_wpnonce" value="([^"]+)"', page.text)
        assert nonce, "the settings page has no form nonce"
        form = {
            "option_page": "igsync",
            "action": "update",
            "_wpnonce": nonce.group(1),
            "_wp_http_referer": "/wp-admin/options-general.php?page=igsync",
        }
        form.update({f"igsync_settings[{key}]": value for key, value in settings.items()})
        return admin.post(f"{self.url}/wp-admin/options.php", data=form, timeout=30)

    def stop(self) -> None:
        for http in self.sessions:
            http.close()
        self.process.terminate()
        self.process.wait(timeout=15)
        mariadb(f"DROP DATABASE IF EXISTS {self.database}")


def start_wordpress(work: Path) -> WordPress:
    missing = [
        what
        for what, ok in (
            ("Debian's wordpress package", (WORDPRESS_SOURCE / "wp-settings.php").is_file()),
            (
                "a WordPress theme (wordpress-theme-twentytwentythree)",
                any((WORDPRESS_SOURCE / "wp-content" / "themes").glob("*/style.css")),
            ),
            ("php", shutil.which("php") is not None),
            ("the mariadb client", shutil.which("mariadb") is not None),
        )
        if not ok
    ]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run tests/run, which installs them")

    database, user, password = (
        f"igsync_wp_{secrets.token_hex(4)}",
        "igsync_wp",
        secrets.token_hex(12),
    )
    mariadb(
        f"CREATE DATABASE {database}; "
        f"CREATE OR REPLACE USER '{user}'@'localhost' IDENTIFIED BY '{password}'; "
        f"GRANT ALL ON {database}.* TO '{user}'@'localhost';"
    )

    root = work / "wordpress"
    shutil.copytree(WORDPRESS_SOURCE, root, symlinks=False)
    plugin_zip = work / "igsync-bridge.zip"
    build_zip(plugin_zip)
    with zipfile.ZipFile(plugin_zip) as archive:
        archive.extractall(root / "wp-content" / "plugins")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    debug_log = work / "wp-debug.log"
    salts = "\n".join(
        f"define( '{name}', '{secrets.token_hex(32)}' );"
        for name in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    (root / "wp-config.php").write_text(f"""<?php
define( 'DB_NAME', '{database}' );
define( 'DB_USER', '{user}' );
define( 'DB_PASSWORD', '{password}' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{salts}
$table_prefix = 'wp_';
define( 'WP_HOME', '{url}' );
define( 'WP_SITEURL', '{url}' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '{debug_log}' );
define( 'WP_DEBUG_DISPLAY', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );  // loopback only: the daemon, the sandbox
define( 'WP_ACCESSIBLE_HOSTS', 'localhost,127.0.0.1' );
define( 'FS_METHOD', 'direct' );
if ( ! defined( 'ABSPATH' ) ) {{
	define( 'ABSPATH', __DIR__ . '/' );
}}
require_once ABSPATH . 'wp-settings.php';
""")
    (root / "router.php").write_text(ROUTER)
    (root / "igsync-install.php").write_text(INSTALL)
    installed = subprocess.run(
        ["php", "igsync-install.php", ADMIN[1], SHOPPER[1]],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"WordPress install failed: {installed.stdout} {installed.stderr}")
    ids = json.loads(installed.stdout.strip().splitlines()[-1])
    log = (work / "php-server.log").open("wb")
    process = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", "router.php"],
        cwd=root,
        stdout=log,
        stderr=log,
        env={"PATH": "/usr/bin:/bin", "PHP_CLI_SERVER_WORKERS": "4"},
    )

    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    eventually(answers, timeout=30, what="PHP's built-in server listening")
    return WordPress(url, root, database, int(ids["shopper_id"]), process, debug_log)
