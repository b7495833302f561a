"""A WordPress 7.0.4 + WooCommerce 10.0.2 shop served the way hosts serve it: nginx and PHP-FPM
from Debian's packages (a static pool of 4 workers, OPcache on), each started with its own
config, socket and port, on the site the test suite installs (tests/wordpress.py). For
bench/wordpress.py and for the tests that need a real FastCGI server.

The CPU a request costs is read from /proc: the PHP-FPM workers' and the MariaDB server's
user + system time, before and after.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import eventually
from tests.wordpress import (
    WORDPRESS_7,
    Flavour,
    WordPress,
    free_port,
    mariadb,
    start_wordpress,
)

FLAVOUR = Flavour("bench-wp7-woocommerce", WORDPRESS_7, True, "", True)
FPM = "php-fpm8.2"
PACKAGES = ("nginx", "php8.2-fpm")

FPM_CONF = """[global]
pid = {work}/php-fpm.pid
error_log = {work}/php-fpm.log
daemonize = no

[bench]
user = root
listen = {work}/php-fpm.sock
pm = static
pm.max_children = {workers}
catch_workers_output = yes
php_admin_value[opcache.enable] = 1
php_admin_value[opcache.memory_consumption] = 128
php_admin_value[error_log] = {work}/php-errors.log
"""

NGINX_CONF = """daemon off;
user root;  # the benchmark runs as root, in a folder only root reads
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/nginx/body;
    fastcgi_temp_path {work}/nginx/fastcgi;
    proxy_temp_path {work}/nginx/proxy;
    uwsgi_temp_path {work}/nginx/uwsgi;
    scgi_temp_path {work}/nginx/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.php;
        location / {{ try_files $uri $uri/ /index.php?$args; }}
        location ~ \\.php$ {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_param HTTP_HOST $http_host;  # with its port, as WordPress's home has it
            fastcgi_pass unix:{work}/php-fpm.sock;
        }}
    }}
}}
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def mariadb_pid() -> int:
    pids = subprocess.run(
        ["pgrep", "-x", "mariadbd"], capture_output=True, text=True, check=False
    ).stdout.split()
    if not pids:
        raise RuntimeError("the MariaDB server is not running: run tests/run, which starts it")
    return int(pids[0])


@dataclass
class ServedShop:
    """The shop behind nginx and PHP-FPM, and the processes whose CPU a request costs."""

    site: WordPress
    nginx: subprocess.Popen[bytes]
    fpm: subprocess.Popen[bytes]
    database_pid: int

    def php_cpu(self) -> float:
        """CPU the PHP-FPM workers have used so far (the master only supervises)."""
        return sum(cpu_seconds(worker) for worker in children(self.fpm.pid))

    def db_cpu(self) -> float:
        return cpu_seconds(self.database_pid)

    def stop(self) -> None:
        for process in (self.nginx, self.fpm):
            process.send_signal(signal.SIGQUIT if process is self.nginx else signal.SIGTERM)
            process.wait(timeout=30)
        mariadb(f"DROP DATABASE IF EXISTS {self.site.database}")


def serve(work: Path, *, workers: int = 4) -> ServedShop:
    """Install a fresh shop (with the bridge plugin) and serve it with nginx and PHP-FPM."""
    missing = [tool for tool in ("nginx", FPM) if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(
            f"missing {', '.join(missing)}: apt-get install {' '.join(PACKAGES)} (tests/run does)"
        )
    site = start_wordpress(work, FLAVOUR)
    os.killpg(site.process.pid, signal.SIGTERM)  # the suite's server; nginx takes its place
    site.process.wait(timeout=15)
    port = free_port()
    old, new = site.origin, f"http://127.0.0.1:{port}"
    config = site.root / "wp-config.php"
    config.write_text(config.read_text().replace(old, new))
    site = replace(
        site,
        url=site.url.replace(old, new),
        page_url=site.page_url.replace(old, new),
        callback_url=site.callback_url.replace(old, new),
        account_url=site.account_url.replace(old, new) if site.account_url else None,
    )
    for folder in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
        (work / "nginx" / folder).mkdir(parents=True, exist_ok=True)
    (work / "php-fpm.conf").write_text(FPM_CONF.format(work=work, workers=workers))
    (work / "nginx.conf").write_text(NGINX_CONF.format(work=work, port=port, root=site.root))
    log = (work / "servers.log").open("wb")
    fpm = subprocess.Popen(
        [
            FPM,
            "--fpm-config",
            str(work / "php-fpm.conf"),
            "--nodaemonize",
            "--allow-to-run-as-root",
        ],
        stdout=log,
        stderr=log,
    )
    nginx = subprocess.Popen(
        ["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)], stdout=log, stderr=log
    )

    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0 and (work / "php-fpm.sock").exists()

    eventually(answers, timeout=30, what="nginx and PHP-FPM listening")
    served = ServedShop(site, nginx, fpm, mariadb_pid())
    eventually(lambda: len(children(fpm.pid)) == workers, timeout=30, what="the FPM workers")
    return served


class StandInIntake:
    """The daemon's intake as the plugin sees it: `POST /v1/codes` answered 202 after `delay`
    seconds, or, with `delay` None, held until `release()` (a hung daemon). `arrived` and
    `answered` say how far the latest forward got, `forwards` how many came."""

    def __init__(self) -> None:
        self.port = free_port()
        self.delay: float | None = 0.0
        self.arrived = threading.Event()
        self.forwards = 0  # how many arrived
        self.answered = threading.Event()
        self._released = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stand_in.forwards += 1
                stand_in.arrived.set()
                stand_in._released.wait(60 if stand_in.delay is None else stand_in.delay)
                body = b'{"id": 7, "status": "pending"}'
                try:
                    self.send_response(202)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    return  # the plugin gave up waiting (its forward's timeout)
                stand_in.answered.set()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def release(self) -> None:
        """Answer the forwards held so far (and any to come without waiting)."""
        self._released.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
