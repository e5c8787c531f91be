"""Hold an IMAP IDLE session per active email channel so new mail arrives within seconds.

The beat poll (every poll_interval_seconds) stays the safety net: IDLE only watches the selected
folder, and a dropped session is noticed late. Run it next to the Celery worker:
    python manage.py email_idle            # all active email channels, new ones picked up each minute
    python manage.py email_idle --channel 3
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from channels_app.email import IdleListener
from channels_app.models import Channel, ChannelKind, ChannelStatus

logger = logging.getLogger(__name__)

RESCAN_SECONDS = 60.0


class Command(BaseCommand):
    help = "Listen with IMAP IDLE on every active email channel and poll as soon as mail arrives."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--channel", type=int, action="append", help="Only this channel id (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        listeners: dict[int, tuple[IdleListener, threading.Thread]] = {}
        while not stop.is_set():
            wanted = Channel.objects.filter(kind=ChannelKind.EMAIL, status=ChannelStatus.ACTIVE)
            if options.get("channel"):
                wanted = wanted.filter(pk__in=options["channel"])
            for channel_id in wanted.values_list("pk", flat=True):
                running = listeners.get(channel_id)
                if running is None or not running[1].is_alive():
                    listener = IdleListener(channel_id)
                    thread = threading.Thread(target=listener.run, name=f"email-idle-{channel_id}", daemon=True)
                    thread.start()
                    listeners[channel_id] = (listener, thread)
                    logger.info("email idle started", extra={"channel_id": channel_id})
            stop.wait(RESCAN_SECONDS)
        for listener, _ in listeners.values():
            listener.stop()
        for channel_id, (_, thread) in listeners.items():
            thread.join(timeout=10)
            logger.info("email idle stopped", extra={"channel_id": channel_id})
