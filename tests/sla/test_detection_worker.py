"""Detection through a real Celery worker on the configured broker, as beat drives it."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from inbox.actions import ingest_message
from inbox.models import ConversationEvent
from sla.tasks import detect_due_flags
from tests.factories import make_channel, make_inbound, make_team
from tests.sla.factories import make_policy


@pytest.mark.services
def test_breaches_are_flagged_within_two_seconds_and_never_early(celery_worker):
    # given: first response due 2 to 4 seconds from now for three conversations
    make_policy(first_response_minutes=1, warning_percent=None)
    channel = make_channel(team=make_team())
    now = timezone.now()
    for offset in (2, 3, 4):
        ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t{offset}", at=now - timedelta(seconds=60 - offset)))
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            detect_due_flags.delay()
            stop.wait(1.0)

    ticker = threading.Thread(target=beat, daemon=True)
    # when
    ticker.start()
    deadline = time.monotonic() + 15
    while ConversationEvent.objects.filter(kind="sla_breached").count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    ticker.join()
    # then
    flags = list(ConversationEvent.objects.filter(kind="sla_breached"))
    lateness = [(f.created_at - datetime.fromisoformat(f.data["instant"])).total_seconds() for f in flags]
    assert len(flags) == 3
    assert all(0 <= late <= 2 for late in lateness), lateness
