"""A supervisor asks what "open until 18:00" would have changed over the demo's month of history:
the replay starts in the background, the page shows its progress bar moving, then the figures.

No worker runs beside the browser tests' server (its tasks wait on Redis), so the test does the
worker's part itself, as the worker would: first it records half the rows done, then it replays."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import timezone

from tests.browser.harness import BROWSER_MARKS, axe_violations, describe

pytestmark = BROWSER_MARKS


def _as_the_worker(work):
    def run():
        try:
            return work()
        finally:
            connections.close_all()

    # Off the Playwright thread, as the workspace is seeded.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _an_email_at_1720_answered_next_morning() -> None:
    """On a recent working day (whatever today is), so at least one clock starts sooner at 18:00."""
    import time_machine

    from inbox.actions import ingest_message
    from inbox.models import Channel, Direction, Message
    from sla.calendars import to_clock
    from sla.models import BusinessCalendar
    from sla.scoring import evaluate_conversation
    from sla.whatif import clock_start
    from tests.factories import make_inbound

    office = BusinessCalendar.objects.get(name="Stockholm office hours")
    zone = ZoneInfo(office.timezone)
    today = timezone.localdate(timezone=zone)
    hours = to_clock(office, today=today)
    for back in range(3, 20):  # the latest day, three or more back, open at 16:00 (no weekend, no holiday)
        day = today - timedelta(days=back)
        four = datetime.combine(day, time(16), zone)
        if clock_start(four, hours) == four:
            break
    arrived = datetime.combine(day, time(17, 20), zone)
    replied = clock_start(arrived, hours) + timedelta(minutes=20)
    channel = Channel.objects.get(name="Simulated Email")
    with time_machine.travel(arrived, tick=False):
        inbound = make_inbound(channel=channel, at=arrived, thread_key="whatif-1720", visibility="private")
        conversation_id = ingest_message(inbound=inbound).conversation_id
    Message.objects.create(
        conversation_id=conversation_id,
        channel=channel,
        direction=Direction.OUT,
        text="On it",
        platform_time=replied,
        received_time=replied,
    )
    evaluate_conversation(conversation_id=conversation_id, now=replied + timedelta(hours=1))


def test_a_supervisor_replays_open_until_18_and_sees_the_progress_then_the_figures(page_as):
    from sla.models import WhatIfRun
    from sla.reports import whatif_runs

    # given
    _as_the_worker(_an_email_at_1720_answered_next_morning)
    page = page_as("supervisor")
    page.goto("/sla/reports/?period=30")
    page.locator("#whatif-link").click()
    # when
    page.locator("#whatif-draft").select_option(label="Open until 18:00 on every open day")
    page.locator("#whatif-form button[type=submit]").click()
    page.locator("#whatif-run progress").wait_for()
    waiting = page.locator("#whatif-run").inner_text()
    run_id = int(re.search(r"run=(\d+)", page.url).group(1))
    total = _as_the_worker(lambda: WhatIfRun.objects.get(pk=run_id).total)
    _as_the_worker(lambda: WhatIfRun.objects.filter(pk=run_id).update(started_at=timezone.now(), done=total // 2))
    page.locator("#whatif-run .done", has_text=str(total // 2)).wait_for()
    halfway = page.locator("#whatif-run progress").get_attribute("value")
    running_violations = axe_violations(page)
    _as_the_worker(lambda: whatif_runs.run(run_id))
    page.locator("#whatif-summary").wait_for()
    summary = page.locator("#whatif-summary").inner_text()
    # then
    assert "waiting for a worker" in waiting and f"/ {total}" in waiting
    assert total > 0 and halfway == str(round(100 * (total // 2) / total))
    sooner, of = (int(n) for n in re.search(r"(\d+) of (\d+) conversations? would have started", summary).groups())
    assert of == total and 1 <= sooner <= total  # the email at 17:20, at least
    assert "Median real wait for a first response:" in summary and "Breaches:" in summary
    assert "The model." in page.locator("#whatif-model").inner_text()
    assert page.locator("#whatif-run[hx-get]").count() == 0  # finished: it stops polling
    assert not running_violations, describe(running_violations)
    assert not (found := axe_violations(page)), describe(found)
    assert page.csp_violations == []
