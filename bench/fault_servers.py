"""Real servers that misbehave the way production ones do, for bench/faults.py and the tests.

ClosingHttpServer reads each whole request (headers and body) and closes the connection without
answering, as a proxy or platform does when it drops a connection after taking the request.
LateSmtpServer (aiosmtpd) takes the DATA and answers 250 only after `delay` seconds, longer than
the client waits. Both count what they received, so a test counts posts per reply.
PrivateCluster is a PostgreSQL cluster of its own (initdb in a temp dir, another port) that a
bench may stop and start; Stack runs daphne, Celery workers and beat against it.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ClosingHttpServer:
    """Reads a request, counts it by method and path, and hangs up without a response."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.requests: list[tuple[str, str, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posts(self, path_part: str = "") -> int:
        return sum(1 for method, path, _ in self.requests if method == "POST" and path_part in path)

    def __enter__(self) -> ClosingHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self.sock.close()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self._read_request(conn)
                except OSError:
                    pass

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = (lines[0].split(" ") + ["", ""])[:3]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        self.requests.append((method, path, body))
        # Whole request read: now hang up, the way a dropped connection looks to the client.


@dataclass
class LateHandler:
    delay: float
    accepted: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.accepted.append(envelope.content)
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


class LateSmtpServer:
    """aiosmtpd that keeps every mail and says 250 only after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.handler = LateHandler(delay=delay)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def accepted(self) -> list[bytes]:
        return self.handler.accepted

    def __enter__(self) -> LateSmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


class PrivateCluster:
    """initdb in a temp dir on its own port, run as the postgres user (initdb refuses root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="parley-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Stack:
    """daphne, a Celery worker and beat on the private cluster, each in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.web_port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="parley-faults-"))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)

    def start_web(self) -> None:
        self._spawn("web", [str(VENV / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port), "config.asgi:application"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.web_port}/healthz", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.3)
        raise SystemExit("web did not start")

    def start_worker(self, name: str = "worker") -> None:
        command = [str(VENV / "celery"), "-A", "config", "worker", "-l", "warning", "--concurrency", "2"]
        self._spawn(name, [*command, "-n", f"{name}-{os.getpid()}@%h"])

    def start_beat(self) -> None:
        self._spawn("beat", [str(VENV / "celery"), "-A", "config", "beat", "-l", "warning", "-s", str(self.tmp / "beat")])

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
