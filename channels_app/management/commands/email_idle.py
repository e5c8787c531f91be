"""Hold an IMAP IDLE session per active email channel so new mail arrives within seconds.

python manage.py email_idle            # all active email channels, new ones picked up each minute
python manage.py email_idle --channel 3
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from channels_app.email.idle import supervise


class Command(BaseCommand):
    help = "Listen with IMAP IDLE on every active email channel and poll as soon as mail arrives."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--channel", type=int, action="append", help="Only this channel id (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        supervise(stop=stop, channel_ids=options.get("channel"))
