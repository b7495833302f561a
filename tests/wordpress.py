"""Real WordPress sites for the bridge plugin's tests, on PHP's built-in server and MariaDB.

Two sites, and every WordPress scenario runs on both:
- current WordPress 7.0.4 with WooCommerce 10.0.2 active, installed under a sub-path (home
  `/store`) with pretty permalinks; the release builds come from `../shared/vendor/` beside
  the repository (or `IGSYNC_WP_VENDOR`), else from wordpress.org;
- Debian's `wordpress` package (6.1, the oldest we support) without WooCommerce, at the root
  with plain permalinks (`?rest_route=`).

Each site gets a fresh MariaDB database and the plugin from the zip `igsync wp-plugin` builds,
installed headless by a PHP script (wp_install, activate_plugin). tests/run installs the Debian
packages; when something is missing the tests fail with the reason, they do not skip.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.conftest import eventually
from wp_bridge.plugin import build_zip

DEBIAN_WORDPRESS = Path("/usr/share/wordpress")
VENDOR = Path(
    os.environ.get("IGSYNC_WP_VENDOR", Path(__file__).resolve().parents[2] / "shared/vendor")
)
ADMIN = ("admin", "admin-" + secrets.token_hex(6))
SHOPPER = ("shopper", "shopper-" + secrets.token_hex(6))


@dataclass(frozen=True)
class Release:
    """A release build: where wordpress.org serves it, and its checksum where it is known."""

    filename: str
    url: str
    sha256: str | None  # None: the vendor copy is checked, a download cannot be


WORDPRESS_7 = Release(
    "wordpress-7.0.4.zip",
    "https://downloads.wordpress.org/release/wordpress-7.0.4.zip",
    "0fce8616a48c9b5f3dd5c063707927b9d7bd82126d3cc292ddaa3cbe24934970",
)
WOOCOMMERCE_10 = Release(
    "woocommerce-10.0.2.zip", "https://downloads.wordpress.org/plugin/woocommerce.10.0.2.zip", None
)
VENDOR_WOOCOMMERCE_SHA256 = "bd972bafbb54b93de93630629e554727ec9144057a5dd609ea449256d44b8205"


@dataclass(frozen=True)
class Flavour:
    """One site of the test matrix."""

    name: str
    wordpress: Release | None  # None: Debian's package
    woocommerce: bool
    path: str  # the sub-path of home, "" for the root
    pretty_permalinks: bool


FLAVOURS = (
    Flavour("wp7-woocommerce-subpath", WORDPRESS_7, True, "/store", True),
    Flavour("wp61-debian-plain-permalinks", None, False, "", False),
)

ROUTER = r"""<?php
// PHP's built-in server: real files as they are, everything else through WordPress (which
// lives in the folder named by the site's sub-path).
$base = '%(path)s';
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( '' !== $base && ! str_starts_with( $path . '/', $base . '/' ) ) {
	http_response_code( 404 );
	echo 'Not under the WordPress site';
	return true;
}
if ( $base . '/' !== $path && file_exists( __DIR__ . $path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME'] = $base . '/index.php';
require __DIR__ . $base . '/index.php';
"""

INSTALL = r"""<?php
// Headless install: the site, its permalinks, WooCommerce (where the flavour has it), the
// plugin and a page with the button (unless the test installs the plugin itself), a shopper.
define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
[ , $admin_password, $shopper_password, $permalinks, $woocommerce, $plugin ] = $argv;
wp_install( 'igsync test shop', 'admin', 'admin@example.com', false, '', $admin_password );
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( 'pretty' === $permalinks ? '/%postname%/' : '' );
if ( 'yes' === $woocommerce ) {
	$activated = activate_plugin( 'woocommerce/woocommerce.php' );
	if ( is_wp_error( $activated ) ) {
		fwrite( STDERR, 'WooCommerce: ' . $activated->get_error_message() );
		exit( 1 );
	}
	WC_Install::install();
	update_option( 'woocommerce_coming_soon', 'no' );        // new stores start hidden
	update_option( 'woocommerce_onboarding_profile', array( 'skipped' => true ) );
	delete_transient( '_wc_activation_redirect' );
}
$page = 0;
if ( 'yes' === $plugin ) {
	$activated = activate_plugin( 'igsync-bridge/igsync-bridge.php' );
	if ( is_wp_error( $activated ) ) {
		fwrite( STDERR, $activated->get_error_message() );
		exit( 1 );
	}
	$page = wp_insert_post( array(
		'post_type'    => 'page',
		'post_name'    => 'connect',
		'post_title'   => 'Connect',
		'post_status'  => 'publish',
		'post_content' => '[igsync_connect]',
	) );
}
flush_rewrite_rules();
$shopper = wp_create_user( 'shopper', $shopper_password, 'shopper@example.com' );
echo wp_json_encode( array(
	'shopper_id'   => $shopper,
	'page_url'     => $page ? get_permalink( $page ) : '',
	'callback_url' => rest_url( 'igsync/v1/callback' ),
	'home'         => home_url(),
	'version'      => get_bloginfo( 'version' ),
	'woocommerce'  => defined( 'WC_VERSION' ) ? WC_VERSION : null,
    'account_url'  => function_exists( 'wc_get_page_permalink' )
        ? wc_get_page_permalink( 'myaccount' ) : null,
) );
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mariadb(sql: str, database: str | None = None) -> str:
    """Run SQL as MariaDB's root; its tab-separated output."""
    command = ["mariadb", "-uroot", "-N", "-B", "-e", sql]
    if database:
        command.insert(1, database)
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def php_json(wp: WordPress, code: str, *args: str) -> Any:
    """Run PHP in a fresh process of the site (code after `<?php`); the JSON its last line
    echoes. A PHP error fails the test with PHP's own output."""
    result = wp.php(code, *args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_php(root: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run PHP code (what follows `<?php`) as a script of the site in `root`, in a fresh process."""
    script = root / f"igsync-run-{secrets.token_hex(4)}.php"
    script.write_text("<?php\n" + code)
    try:
        return subprocess.run(
            ["php", script.name, *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        script.unlink()


@dataclass(frozen=True)
class Database:
    name: str
    user: str
    password: str


def new_database() -> Database:
    """A fresh MariaDB database and a user that may do anything in it (and nothing else)."""
    database = Database(
        f"igsync_wp_{secrets.token_hex(4)}",
        f"igsync_wp_{secrets.token_hex(3)}",
        secrets.token_hex(12),
    )
    user = f"'{database.user}'@'localhost'"
    mariadb(
        f"CREATE DATABASE {database.name}; "
        f"CREATE OR REPLACE USER {user} IDENTIFIED BY '{database.password}'; "
        f"GRANT ALL ON {database.name}.* TO {user};"
    )
    return database


def wp_config(database: Database, debug_log: Path, extra: str) -> str:
    """wp-config.php: the database, fresh salts, WP_DEBUG into a log, no outbound HTTP."""
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
    return f"""<?php
define( 'DB_NAME', '{database.name}' );
define( 'DB_USER', '{database.user}' );
define( 'DB_PASSWORD', '{database.password}' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{salts}
$table_prefix = 'wp_';
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '{debug_log}' );
define( 'WP_DEBUG_DISPLAY', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );  // loopback only: the daemon, the sandbox
define( 'WP_ACCESSIBLE_HOSTS', 'localhost,127.0.0.1' );
define( 'FS_METHOD', 'direct' );
{extra}
if ( ! defined( 'ABSPATH' ) ) {{
	define( 'ABSPATH', __DIR__ . '/' );
}}
require_once ABSPATH . 'wp-settings.php';
"""


def install_plugin(root: Path, work: Path) -> None:
    """The plugin from the zip `igsync wp-plugin` builds, into the site's plugins folder."""
    plugin_zip = work / "igsync-bridge.zip"
    build_zip(plugin_zip)
    unpack(plugin_zip, root / "wp-content" / "plugins")


def release_zip(release: Release, cache: Path) -> Path:
    """The vendor copy when it is there, else a download from wordpress.org (checked)."""
    vendored = VENDOR / release.filename
    if vendored.is_file():
        expected = release.sha256 or VENDOR_WOOCOMMERCE_SHA256
        actual = hashlib.sha256(vendored.read_bytes()).hexdigest()
        if actual != expected:
            raise RuntimeError(f"{vendored}: sha256 {actual}, expected {expected}")
        return vendored
    target = cache / release.filename
    if not target.is_file():
        try:
            answer = requests.get(release.url, timeout=120)
            answer.raise_for_status()
        except requests.RequestException as exc:
            raise RuntimeError(
                f"{release.filename} is not in {VENDOR} and could not be downloaded from "
                f"{release.url} ({type(exc).__name__}). Put the release build there, or set "
                "IGSYNC_WP_VENDOR to a folder holding it."
            ) from None
        if release.sha256 and hashlib.sha256(answer.content).hexdigest() != release.sha256:
            raise RuntimeError(f"{release.url}: the download's sha256 is not the release's")
        target.write_bytes(answer.content)
    return target


def unpack(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(into)


@dataclass
class WordPress:
    flavour: Flavour
    url: str  # the site's home, with its sub-path
    root: Path
    database: str
    db_user: str
    shopper_id: int
    page_url: str
    callback_url: str
    account_url: str | None
    version: str
    process: subprocess.Popen[bytes]
    debug_log: Path
    sessions: list[requests.Session] = field(default_factory=list)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def woocommerce(self) -> bool:
        return self.flavour.woocommerce

    def rest(self, route: str) -> str:
        """A REST route's URL that works with any permalink setting."""
        return f"{self.url}/?rest_route={route}"

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
        settings_form = page.text[page.text.index("name='option_page' value='igsync'") :]
        nonce = re.search(r'name="_wpnonce" value="([^"]+)"', settings_form)
        assert nonce, "the settings page has no form nonce"
        form = {
            "option_page": "igsync",
            "action": "update",
            "_wpnonce": nonce.group(1),
            "_wp_http_referer": f"{self.flavour.path}/wp-admin/options-general.php?page=igsync",
        }
        # The form as the page fills it in (the secret field is always blank: kept if left so),
        # with the owner's changes on top.
        for tag in re.findall(r'<input[^>]*name="igsync_settings\[\w+\]"[^>]*>', page.text):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and value and ('type="checkbox"' not in tag or "checked" in tag):
                form[name.group(1)] = html.unescape(value.group(1))
        for name, select in re.findall(
            r'name="(igsync_settings\[\w+\])">(.*?)</select>', page.text, re.S
        ):
            chosen = re.search(r'value="([^"]*)"\s+selected', select)
            if chosen:
                form[name] = chosen.group(1)
        form.update({f"igsync_settings[{key}]": value for key, value in settings.items()})
        return admin.post(f"{self.url}/wp-admin/options.php", data=form, timeout=30)

    def php(self, code: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run PHP in a fresh process of this site (code after `<?php`, WordPress not loaded)."""
        return run_php(self.root, code, *args)

    def sql(self, statement: str) -> str:
        return mariadb(statement, self.database)

    def tables(self, like: str = "wp_igsync%") -> list[str]:
        return self.sql(f"SHOW TABLES LIKE '{like}'").split()

    def stop(self) -> None:
        for http in self.sessions:
            http.close()
        os.killpg(self.process.pid, signal.SIGTERM)  # the server and its forked workers
        self.process.wait(timeout=15)
        mariadb(f"DROP DATABASE IF EXISTS {self.database}")


def wordpress_tree(flavour: Flavour, work: Path) -> Path:
    """A writable copy of the flavour's WordPress (with WooCommerce in its plugins)."""
    target = work / "site" / flavour.path.strip("/") if flavour.path else work / "site"
    if flavour.wordpress is None:
        missing = [
            what
            for what, ok in (
                ("Debian's wordpress package", (DEBIAN_WORDPRESS / "wp-settings.php").is_file()),
                (
                    "a WordPress theme (wordpress-theme-twentytwentythree)",
                    any((DEBIAN_WORDPRESS / "wp-content" / "themes").glob("*/style.css")),
                ),
            )
            if not ok
        ]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)}: run tests/run, which installs them")
        shutil.copytree(DEBIAN_WORDPRESS, target, symlinks=False)
        return target
    unpacked = work / "unpacked"
    unpack(release_zip(flavour.wordpress, work), unpacked)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(unpacked / "wordpress", target)
    if flavour.woocommerce:
        unpack(release_zip(WOOCOMMERCE_10, work), target / "wp-content" / "plugins")
    return target


def start_wordpress(work: Path, flavour: Flavour, *, with_plugin: bool = True) -> WordPress:
    """A fresh site of the flavour, served on loopback; `with_plugin=False` leaves the bridge
    plugin for the test to upload and activate, as a shop owner would."""
    for tool in ("php", "mariadb"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"missing {tool}: run tests/run, which installs it")
    root = wordpress_tree(flavour, work)
    database = new_database()
    if with_plugin:
        install_plugin(root, work)
    port = free_port()
    url = f"http://127.0.0.1:{port}{flavour.path}"
    debug_log = work / "wp-debug.log"
    (root / "wp-config.php").write_text(
        wp_config(
            database,
            debug_log,
            f"define( 'WP_HOME', '{url}' );\ndefine( 'WP_SITEURL', '{url}' );",
        )
    )
    docroot = work / "site"
    (docroot / "router.php").write_text(ROUTER % {"path": flavour.path})
    (root / "igsync-install.php").write_text(INSTALL)
    installed = subprocess.run(
        [
            "php",
            "igsync-install.php",
            ADMIN[1],
            SHOPPER[1],
            "pretty" if flavour.pretty_permalinks else "plain",
            "yes" if flavour.woocommerce else "no",
            "yes" if with_plugin else "no",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"WordPress install failed: {installed.stdout} {installed.stderr}")
    site = json.loads(installed.stdout.strip().splitlines()[-1])
    if flavour.woocommerce and not site["woocommerce"]:
        raise RuntimeError("WooCommerce did not load after activation")
    log = (work / "php-server.log").open("wb")
    process = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", "router.php"],
        cwd=docroot,
        stdout=log,
        stderr=log,
        env={"PATH": "/usr/bin:/bin", "PHP_CLI_SERVER_WORKERS": "4"},
        # Its own process group: with workers, PHP forks children that outlive a stopped parent.
        start_new_session=True,
    )

    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    eventually(answers, timeout=30, what="PHP's built-in server listening")
    return WordPress(
        flavour=flavour,
        url=site["home"],
        root=root,
        database=database.name,
        db_user=database.user,
        shopper_id=int(site["shopper_id"]),
        page_url=site["page_url"],
        callback_url=site["callback_url"],
        account_url=site["account_url"],
        version=site["version"],
        process=process,
        debug_log=debug_log,
    )


MULTISITE_HOST = "shop.test"  # never resolved: the network is driven from PHP's command line

NETWORK_INSTALL = r"""<?php
// Headless network install (sub-directory sites), before wp-config.php says MULTISITE.
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST'] = '%(host)s';
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/network.php';
wp_install( 'igsync network', 'admin', 'admin@example.com', false, '', $argv[1] );
foreach ( $wpdb->tables( 'ms_global' ) as $table => $prefixed ) {
	$wpdb->$table = $prefixed; // What WP-CLI's multisite-convert does: name the network tables.
}
install_network();
$made = populate_network( 1, '%(host)s', 'admin@example.com', 'igsync network', '/', false );
if ( is_wp_error( $made ) ) {
	fwrite( STDERR, $made->get_error_message() );
	exit( 1 );
}
echo 'ok';
"""

MULTISITE_CONFIG = """
define( 'MULTISITE', true );
define( 'SUBDOMAIN_INSTALL', false );
define( 'DOMAIN_CURRENT_SITE', '{host}' );
define( 'PATH_CURRENT_SITE', '/' );
define( 'SITE_ID_CURRENT_SITE', 1 );
define( 'BLOG_ID_CURRENT_SITE', 1 );
"""


@dataclass
class Network:
    """A WordPress multisite network with no web server: PHP's command line drives it."""

    root: Path
    database: str

    def php(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run PHP with the network's WordPress loaded, as a request to its main site."""
        return run_php(
            self.root,
            f"$_SERVER['HTTP_HOST'] = '{MULTISITE_HOST}'; $_SERVER['REQUEST_URI'] = '/';\n"
            "require __DIR__ . '/wp-load.php';\n"
            "require_once ABSPATH . 'wp-admin/includes/plugin.php';\n" + code,
        )

    def sql(self, statement: str) -> str:
        return mariadb(statement, self.database)

    def stop(self) -> None:
        mariadb(f"DROP DATABASE IF EXISTS {self.database}")


def install_network(work: Path) -> Network:
    """WordPress 7.0.4 as a network of sites, with the plugin in its plugins folder."""
    flavour = Flavour("wp7-multisite", WORDPRESS_7, False, "", True)
    root = wordpress_tree(flavour, work)
    database = new_database()
    install_plugin(root, work)
    config = wp_config(
        database, work / "wp-debug.log", "define( 'WP_ALLOW_MULTISITE', true );\n//MULTISITE"
    )
    (root / "wp-config.php").write_text(config)
    (root / "igsync-network.php").write_text(NETWORK_INSTALL % {"host": MULTISITE_HOST})
    installed = subprocess.run(
        ["php", "igsync-network.php", secrets.token_hex(8)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if installed.returncode != 0 or not installed.stdout.endswith("ok"):
        raise RuntimeError(f"network install failed: {installed.stdout} {installed.stderr}")
    (root / "wp-config.php").write_text(
        config.replace("//MULTISITE", MULTISITE_CONFIG.format(host=MULTISITE_HOST))
    )
    return Network(root, database.name)
