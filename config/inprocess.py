"""The embedded arrangement for `./parley demo`: beat and Celery work in threads of the web process.

Production runs separate worker, beat and mail-idle processes on Redis (docker-compose.yml). Here
tasks run eagerly when called, a thread replays the beat schedule and another holds IMAP IDLE
sessions, so one process without Redis shows the whole product: simulated traffic, SLA flags,
deliveries and mail.
"""

import logging
import threading
import time

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

from channels_app.email.idle import supervise

logger = logging.getLogger(__name__)
_started = threading.Event()


def _beat_loop() -> None:
    schedule = [(entry["task"], float(entry["schedule"])) for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    next_run = {name: 0.0 for name, _ in schedule}
    while True:
        now = time.monotonic()
        for name, every in schedule:
            if now >= next_run[name]:
                next_run[name] = now + every
                try:
                    current_app.tasks[name].apply()
                except Exception:
                    # One failing tick must not stop the demo's clock; the next tick tries again.
                    logger.exception("in-process task failed", extra={"task": name})
                finally:
                    close_old_connections()
        time.sleep(0.2)


def start_inprocess_workers() -> None:
    if _started.is_set():
        return
    _started.set()
    current_app.loader.import_default_modules()
    threading.Thread(target=_beat_loop, name="parley-beat", daemon=True).start()
    # An email channel an admin adds to the demo gets IDLE too, as under docker-compose.
    threading.Thread(target=supervise, kwargs={"stop": threading.Event()}, name="parley-email-idle", daemon=True).start()
    logger.info("in-process workers started")
