"""A real Dovecot IMAP server and a real aiosmtpd SMTP server for the email tests.

Dovecot runs from a throwaway configuration on a free loopback port (toolchain.md section 4). Its
files live in tempfile.mkdtemp() made world-traversable, because Dovecot's auth process cannot
enter pytest's 0700 tmp_path; as root it runs mail as nobody (root mail access is refused).
Import the fixtures into a test module: `from tests.channels_app.email.mailserver import dovecot, mailbox, smtp_server`.
"""

from __future__ import annotations

import datetime
import imaplib
import ipaddress
import itertools
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = "/usr/sbin/dovecot"
USERS = 80  # created up front: the users file never changes while Dovecot runs
_users = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def write_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost; clients trust it as their CA file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Dovecot:
    root: Path
    port: int
    ssl_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True, timeout=30, check=True)
        return done.stdout

    def imap(self, user: str, password: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(user, password)
        return client


def _config(root: Path, port: int, ssl_port: int) -> str:
    running_as_root = os.geteuid() == 0
    identity = (
        "mail_uid = nobody\nmail_gid = nogroup\n"
        if running_as_root
        else (
            f"default_internal_user = {os.environ.get('USER', 'nobody')}\n"
            "service imap-login {\n  chroot =\n}\nservice anvil {\n  chroot =\n}\n"
        )
    )
    return f"""instance_name = parley-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# Some tests log in with a wrong password on purpose: no penalty delays for the logins after them.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
mail_location = maildir:{root}/mail/%u
{identity}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
"""


class DovecotMissing(RuntimeError):
    """Dovecot is not installed here."""


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot on free loopback ports, stopped and removed on exit (also used by bench/)."""
    if shutil.which("doveconf") is None or not Path(DOVECOT).exists():
        raise DovecotMissing("Dovecot is not installed (no doveconf): apt-get install dovecot-imapd to run the IMAP tests")
    root = Path(tempfile.mkdtemp(prefix="parley-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "nobody", "nogroup")
    (root / "users").write_text("".join(f"{_user(n)}:{{PLAIN}}{_password(n)}\n" for n in range(1, USERS + 1)))
    (root / "users").chmod(0o644)
    write_certificate(root)
    server = Dovecot(root=root, port=free_port(), ssl_port=free_port())
    server.conf.write_text(_config(root, server.port, server.ssl_port))
    server.process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(server.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if not _wait_for_port(server.port, time.monotonic() + 15):
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start on port {server.port}: {log[-2000:]}")
        yield server
    finally:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    try:
        with running_dovecot() as server:
            yield server
    except DovecotMissing as missing:
        pytest.skip(str(missing))
    except RuntimeError as error:
        pytest.fail(str(error))


def mailbox_for(server: Dovecot, number: int) -> Mailbox:
    """Mailbox number (1..USERS) of a running Dovecot."""
    return Mailbox(server=server, user=_user(number), password=_password(number))


@dataclass
class Mailbox:
    server: Dovecot
    user: str
    password: str
    folder: str = "INBOX"

    def append(self, raw: bytes, folder: str | None = None) -> None:
        client = self.server.imap(self.user, self.password)
        try:
            status, answer = client.append(folder or self.folder, None, None, raw)
            assert status == "OK", answer
        finally:
            client.logout()

    def append_all(self, mails: list[bytes], folder: str | None = None) -> int:
        """Append every mail the server accepts; returns how many it holds now."""
        client = self.server.imap(self.user, self.password)
        try:
            for raw in mails:
                client.append(folder or self.folder, None, None, raw)
        finally:
            client.logout()
        return self.count(folder)

    def count(self, folder: str | None = None) -> int:
        out = self.server.doveadm("mailbox", "status", "-u", self.user, "messages", folder or self.folder)
        return int(out.strip().split("messages=")[1])

    def create_folder(self, folder: str) -> None:
        self.server.doveadm("mailbox", "create", "-u", self.user, folder)

    def delete_folder(self, folder: str) -> None:
        self.server.doveadm("mailbox", "delete", "-u", self.user, folder)

    def uidvalidity(self, folder: str | None = None) -> int:
        out = self.server.doveadm("mailbox", "status", "-u", self.user, "uidvalidity", folder or self.folder)
        return int(out.strip().split("uidvalidity=")[1])

    def flags(self, folder: str | None = None) -> list[bytes]:
        client = self.server.imap(self.user, self.password)
        try:
            client.select(folder or self.folder, readonly=True)
            _, data = client.fetch("1:*", "(FLAGS)")
            return [d for d in data if d]
        finally:
            client.logout()

    def config(self, **overrides: Any) -> dict[str, Any]:
        config = {
            "address": "support@shop.example.com",
            "display_name": "Shop Support",
            "imap_host": "127.0.0.1",
            "imap_port": self.server.port,
            "imap_tls": "plain",
            "imap_user": self.user,
            "imap_folder": self.folder,
            "smtp_host": "127.0.0.1",
            "smtp_port": 1,
            "smtp_tls": "plain",
            "smtp_user": "",
            "timeout": 10,
        }
        config.update(overrides)
        return config


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """A fresh mailbox (its own Dovecot user) for each test."""
    return mailbox_for(dovecot, (next(_users) - 1) % USERS + 1)


def _user(number: int) -> str:
    return f"agent{number}"


def _password(number: int) -> str:
    return f"pw-{number}-S3cret!"


@dataclass
class SmtpHandler:
    """Captures mail; `answers` are the DATA replies to give, in order, then 250 for the rest."""

    answers: list[str] = field(default_factory=list)
    accepted: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.attempts += 1
        answer = self.answers.pop(0) if self.answers else "250 Message accepted for delivery"
        if answer.startswith("250"):
            self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return answer


@dataclass
class SmtpServer:
    port: int
    handler: SmtpHandler


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = SmtpHandler()
    port = free_port()  # Controller(port=0) fails its own readiness probe (toolchain.md section 5)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port=port, handler=handler)
    finally:
        controller.stop()


@dataclass
class TlsSmtpServer(SmtpServer):
    ca_file: str = ""
    user: str = "mailer"
    password: str = "Smtp-Pa55word"


@pytest.fixture
def smtp_tls_server() -> Iterator[TlsSmtpServer]:
    """aiosmtpd that requires STARTTLS (self-signed certificate) and AUTH before it takes mail."""
    directory = Path(tempfile.mkdtemp(prefix="parley-smtp-"))
    cert, key = write_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    handler = SmtpHandler()
    server = TlsSmtpServer(port=free_port(), handler=handler, ca_file=str(cert))

    def authenticate(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (server.user.encode(), server.password.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=server.port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
        shutil.rmtree(directory, ignore_errors=True)
