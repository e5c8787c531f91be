"""One IMAP IDLE listener per active email channel, started and restarted as channels come and go.

Run by `manage.py email_idle` in production (the mail-idle service) and as a thread of the embedded
demo. The beat poll stays the safety net: IDLE only watches the selected folder, and a dropped
session is noticed late.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from channels_app.email import IdleListener
from inbox.models import Channel, ChannelKind, ChannelStatus

logger = logging.getLogger(__name__)

RESCAN_SECONDS = 60.0


def supervise(*, stop: threading.Event, channel_ids: list[int] | None = None, rescan: float = RESCAN_SECONDS) -> None:
    listeners: dict[int, tuple[IdleListener, threading.Thread]] = {}
    while not stop.is_set():
        wanted = Channel.objects.filter(kind=ChannelKind.EMAIL, status=ChannelStatus.ACTIVE)
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
