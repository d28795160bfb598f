"""nginx from Debian in front of leadpath, run by the test: the site is config/nginx-leadpath.conf.

The sample site is used as shipped, with only what a test must change: the upstream servers,
loopback ports instead of 80 and 443, and a self-signed certificate. nginx runs in the
foreground with its own prefix, pid, logs and temporary files under the test's directory, and
logs which upstream served each request.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.services import unavailable

SITE = Path(__file__).resolve().parents[2] / "config" / "nginx-leadpath.conf"
UPSTREAM = "    server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;\n"
MAIN = """\
{user}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    log_format upstreams '$upstream_addr $request_method $status $uri';
    access_log {dir}/access.log upstreams;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/leadpath.conf;
}}
"""


def self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and localhost and its key; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site(upstreams: list[str], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """Return the sample site with the test's upstreams, ports and certificate."""
    text = SITE.read_text()
    changes = {
        UPSTREAM: "".join(UPSTREAM.replace("127.0.0.1:8000", u) for u in upstreams),
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/certs/leadpath.example.ac.uk.pem": str(cert),
        "/etc/ssl/private/leadpath.example.ac.uk.key": str(key),
        # The site's own log, plus the harness's log of which upstream served each request.
        "    access_log /var/log/nginx/leadpath.access.log leadpath;\n": (
            f"    access_log {cert.parent}/leadpath.access.log leadpath;\n"
            f"    access_log {cert.parent}/access.log upstreams;\n"
        ),
    }
    for old, new in changes.items():
        assert text.count(old) == 1, f"config/nginx-leadpath.conf no longer holds {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx serving the sample site on loopback, in the foreground."""

    def __init__(self, directory: Path, upstreams: list[str], http_port: int, https_port: int):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(binary, os.X_OK):
            unavailable("nginx is not installed (Debian: apt-get install nginx)")
        directory.mkdir(parents=True, exist_ok=True)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (directory / temp).mkdir(exist_ok=True)
        self.directory = directory
        self.cert, key = self_signed(directory)
        (directory / "leadpath.conf").write_text(
            site(upstreams, http_port, https_port, self.cert, key)
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # root's workers drop to nobody
        conf = directory / "nginx.conf"
        conf.write_text(MAIN.format(user=user, dir=directory))
        command = [binary, "-p", str(directory), "-c", str(conf)]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE)
        self.base = f"https://127.0.0.1:{https_port}"
        self.http = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.http + "/", timeout=2, allow_redirects=False)
                break
            except requests.ConnectionError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)

    def served_by(self) -> list[tuple[str, str, str, str]]:
        """Return (upstream, method, status, path) of every request nginx has logged."""
        log = self.directory / "access.log"
        return [tuple(line.split(" ", 3)) for line in log.read_text().splitlines()]

    def stop(self) -> None:
        """Stop nginx (a quick shutdown)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process.stderr.close()
