"""IMAP IDLE: one listener per active email channel, started and restarted as channels come and go.

supervise() runs under `manage.py email_idle` in production (the mail-idle service) and as a
thread of the embedded demo. On new mail a listener runs the same poll the beat runs. The beat
poll stays the safety net: IDLE only watches the selected folder, and a dropped session is
noticed late.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import close_old_connections, connection
from imapclient.exceptions import IMAPClientError

from channels_app.base import ChannelAuthError
from channels_app.email.client import MailServerError
from channels_app.email.connector import EmailConnector
from inbox import actions
from inbox.models import Channel, ChannelKind, ChannelStatus

logger = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 28 * 60  # servers drop IDLE after 30 min (RFC 2177): re-issue well before
RESCAN_SECONDS = 60.0


def _new_mail(responses: list[Any]) -> bool:
    return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def idle_once(channel: Channel, timeout: float) -> int:
    """One IDLE round: wait up to timeout seconds for new mail, then poll. Returns new messages."""
    connector = EmailConnector(channel)
    with connector.client.imap() as client:
        client.select_folder(connector.client.folder, readonly=True)
        client.idle()
        try:
            responses = client.idle_check(timeout=timeout)
        finally:
            _, pending = client.idle_done()
    responses = list(responses) + list(pending)
    return EmailConnector(Channel.objects.get(pk=channel.pk)).poll() if _new_mail(responses) else 0


class IdleListener:
    """Holds one IDLE session for a channel; on EXISTS it runs the same poll the beat runs.

    Re-issues IDLE every 28 minutes, reconnects with backoff, and stops when stop() is called
    (checked every check_interval seconds) or when the channel stops being active.
    """

    def __init__(self, channel_id: int, *, check_interval: float = 1.0, renew_seconds: float = IDLE_RENEW_SECONDS) -> None:
        self.channel_id = channel_id
        self.check_interval = check_interval
        self.renew_seconds = renew_seconds
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the first IDLE is issued (tests wait on it)
        self.polls = 0

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        backoff = 1.0
        try:
            while not self.stopped:
                channel = Channel.objects.filter(pk=self.channel_id, status=ChannelStatus.ACTIVE, enabled=True).first()
                if channel is None:
                    return
                try:
                    self._session(channel)
                    backoff = 1.0
                except ChannelAuthError as error:
                    actions.flag_channel(channel=channel, reason=str(error))
                    return
                except (MailServerError, OSError, IMAPClientError) as error:
                    logger.warning("email idle reconnecting", extra={"channel_id": self.channel_id, "reason": str(error)})
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 300.0)
                close_old_connections()
        finally:
            connection.close()  # this thread's own connection; nobody else will close it

    def _session(self, channel: Channel) -> None:
        connector = EmailConnector(channel)
        with connector.client.imap() as client:
            if not client.has_capability("IDLE"):
                logger.info("email server has no IDLE; the beat poll covers it", extra={"channel_id": channel.pk})
                self._stop.wait(self.renew_seconds)
                return
            client.select_folder(connector.client.folder, readonly=True)
            self._poll()  # catch up on anything that arrived while we were not listening
            while not self.stopped:
                client.idle()
                self.ready.set()
                started = time.monotonic()
                arrived = False
                try:
                    while not self.stopped and time.monotonic() - started < self.renew_seconds:
                        if _new_mail(client.idle_check(timeout=self.check_interval)):
                            arrived = True
                            break
                finally:
                    # Mail that lands between checks (or during the renewal) is reported with DONE.
                    _, pending = client.idle_done()
                if arrived or _new_mail(pending):
                    self._poll()

    def _poll(self) -> None:
        channel = Channel.objects.filter(pk=self.channel_id, status=ChannelStatus.ACTIVE, enabled=True).first()
        if channel is not None:
            EmailConnector(channel).poll()
            self.polls += 1


def supervise(*, stop: threading.Event, channel_ids: list[int] | None = None, rescan: float = RESCAN_SECONDS) -> None:
    listeners: dict[int, tuple[IdleListener, threading.Thread]] = {}
    while not stop.is_set():
        wanted = Channel.objects.filter(kind=ChannelKind.EMAIL, status=ChannelStatus.ACTIVE, enabled=True)
        if channel_ids:
            wanted = wanted.filter(pk__in=channel_ids)
        for channel_id in wanted.values_list("pk", flat=True):
            running = listeners.get(channel_id)
            if running is None or not running[1].is_alive():
                listener = IdleListener(channel_id)
                thread = threading.Thread(target=listener.run, name=f"email-idle-{channel_id}", daemon=True)
                thread.start()
                listeners[channel_id] = (listener, thread)
                logger.info("email idle started", extra={"channel_id": channel_id})
        close_old_connections()
        stop.wait(rescan)
    for listener, _ in listeners.values():
        listener.stop()
    for channel_id, (_, thread) in listeners.items():
        thread.join(timeout=10)
        logger.info("email idle stopped", extra={"channel_id": channel_id})
