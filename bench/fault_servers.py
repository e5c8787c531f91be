"""Real servers that misbehave the way production ones do, for bench/faults.py and the tests.

ClosingHttpServer reads each whole request (headers and body) and closes the connection without
answering, as a proxy or platform does when it drops a connection after taking the request.
LateSmtpServer (aiosmtpd) takes the DATA and answers 250 only after `delay` seconds, longer than
the client waits. Both count what they received, so a test counts posts per reply.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


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
