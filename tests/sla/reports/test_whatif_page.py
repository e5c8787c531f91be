"""The what-if page on a case checked by hand: a Friday 17:20 tweet answered on Monday at 08:20."""

import html
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Role
from inbox.actions import ingest_message
from inbox.models import Direction, Message
from sla.models import BusinessCalendar, SlaEvent, WhatIfRun
from sla.reports import whatif_runs
from sla.scoring import evaluate_conversation
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db

FRIDAY_1720 = datetime(2026, 11, 27, 16, 20, tzinfo=UTC)  # 17:20 in Stockholm
MONDAY_0820 = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)  # 08:20 in Stockholm
PERIOD = {"period": "custom", "from": "2026-11-23", "to": "2026-11-30"}
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    team = make_team("Support")
    office = make_calendar(
        name="Office",
        timezone="Europe/Stockholm",
        always_open=False,
        weekly_hours={str(d): [["08:00", "17:00"]] for d in range(5)},
    )
    make_policy(name="Social", calendar=office, first_response_minutes=30)
    channel = make_channel(team=team)
    with time_machine.travel(FRIDAY_1720, tick=False):
        conversation_id = ingest_message(inbound=make_inbound(channel=channel, at=FRIDAY_1720)).conversation_id
    Message.objects.create(
        conversation_id=conversation_id,
        channel=channel,
        direction=Direction.OUT,
        text="Sorry, on it",
        platform_time=MONDAY_0820,
        received_time=MONDAY_0820,
    )
    evaluate_conversation(conversation_id=conversation_id, now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return {"team": team, "office": office}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _replay(client, capture, **asked):
    """Press Replay as the page's form does; the worker's part runs as the request commits (eager)."""
    with capture(execute=True):
        started = client.post(reverse("sla_reports:whatif_start"), {**PERIOD, **asked})
    return client.get(started["Location"])


def test_open_until_18_starts_the_clock_at_once_and_cuts_the_real_wait_to_the_business_delay(
    world, django_capture_on_commit_callbacks
):
    # given: today the SLA says 20 minutes, met; the customer waited 63 hours
    event = SlaEvent.objects.get(metric="first_response")
    assert (event.outcome, event.business_seconds) == ("achieved", 20 * 60)
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    # when
    with time_machine.travel(NOON, tick=False):
        response = _replay(_client(supervisor), django_capture_on_commit_callbacks, draft="until18")
    # then
    run = WhatIfRun.objects.get()
    assert (run.total, run.done, run.error) == (1, 1, "") and run.finished_at is not None
    result = run.result
    assert (result["conversations"], result["started_sooner"]) == (1, 1)
    assert (result["median_now"], result["median_then"]) == (63 * 3600, 20 * 60)
    # measured by the longer hours, Friday 17:20-18:00 plus Monday 08:00-08:20 is 60 minutes: a breach
    assert (result["breaches_now"], result["breaches_same_replies"]) == (0, 1)
    page = response.content.decode()
    assert response.context["whatif_run"]["run"] == run
    assert "The model." in page and "Open until 18:00" in page and 'id="whatif-summary"' in page
    assert response.context["whatif_run"]["figures"]["median_then"] == "20m"
    assert 'id="whatif-save"' not in page  # saving a calendar is for admins
    entry = AuditEntry.objects.get(kind="report.whatif_started")
    assert entry.actor == supervisor and entry.after["hours"]["0"] == [["08:00", "18:00"]]


def test_the_same_question_soon_after_reuses_the_finished_replay_and_afresh_replays_again(
    world, django_capture_on_commit_callbacks
):
    # given
    client = _client(make_user(role=Role.SUPERVISOR, supervises=[world["team"]]))
    with time_machine.travel(NOON, tick=False):
        _replay(client, django_capture_on_commit_callbacks, draft="until18")
    # when
    with time_machine.travel(NOON + timedelta(minutes=10), tick=False):
        again = _replay(client, django_capture_on_commit_callbacks, draft="until18")
        shown = client.get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "until18"})
        other = _replay(client, django_capture_on_commit_callbacks, draft="saturday")
        afresh = _replay(client, django_capture_on_commit_callbacks, draft="until18", again="1")
    with time_machine.travel(NOON + timedelta(minutes=40), tick=False):
        stale = client.get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "until18"})
    # then
    first = WhatIfRun.objects.order_by("pk").first()
    assert again.context["whatif_run"]["run"] == first
    assert shown.context["whatif_run"]["run"] == first
    assert other.context["whatif_run"]["run"] != first and afresh.context["whatif_run"]["run"] != first
    assert WhatIfRun.objects.count() == 3
    assert AuditEntry.objects.filter(kind="report.whatif_started").count() == 3
    # 30 minutes on, the newest replay is too old to stand for the period: the page asks for a new one
    assert stale.context["whatif_run"] is None and 'id="whatif-not-run"' in stale.content.decode()


def test_a_running_replay_polls_its_progress_and_only_for_those_who_see_its_teams(world):
    # given: a run a worker has started, a quarter done
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    stranger = make_user(role=Role.SUPERVISOR, supervises=[make_team("Elsewhere")])
    run = WhatIfRun.objects.create(
        key="k",
        label="Open until 18:00, against Office",
        total=10_000,
        done=2_500,
        params={"scope": {"teams": [world["team"].pk]}},
    )
    WhatIfRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(seconds=5))
    url = reverse("sla_reports:whatif_run", args=[run.pk])
    # when
    partial = _client(supervisor).get(url).content.decode()
    foreign = _client(stranger).get(url).status_code
    # then
    assert '2500</span> / <span class="total">10000' in partial and 'hx-trigger="every 1s"' in partial
    assert "about 0:00:1" in partial
    assert foreign == 404


def test_an_agent_cannot_start_a_replay(world):
    # given
    agent = make_user(teams=[world["team"]])
    # when
    status = _client(agent).post(reverse("sla_reports:whatif_start"), {**PERIOD, "draft": "until18"}).status_code
    # then
    assert status == 404 and not WhatIfRun.objects.exists()


def test_an_admin_saves_the_draft_as_a_calendar_in_one_click(world):
    # given
    admin = make_user(role=Role.ADMIN)
    client = _client(admin)
    with time_machine.travel(NOON, tick=False):
        page = client.get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "saturday"}).content.decode()
        assert 'id="whatif-save"' in page
        saving = page[page.index('id="whatif-save"') : page.index("</form>", page.index('id="whatif-save"'))]
        form = {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', saving)}
        # when: the page's hidden form, posted as the browser would
        response = client.post(reverse("sla:calendar_new"), form, follow=True)
    # then
    saved = BusinessCalendar.objects.get(name="Office (Also open Saturdays 10:00–14:00)")
    assert saved.weekly_hours["5"] == [["10:00", "14:00"]] and saved.timezone == "Europe/Stockholm"
    assert response.status_code == 200


def test_a_supervisor_whose_first_calendar_is_24_7_gets_the_office_hours_to_change(world, django_capture_on_commit_callbacks):
    # given: a 24/7 calendar that sorts before the office one
    make_calendar(name="Always", always_open=True)
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    # when
    with time_machine.travel(NOON, tick=False):
        response = _client(supervisor).get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "until18"})
        always = _replay(
            _client(supervisor),
            django_capture_on_commit_callbacks,
            draft="until18",
            calendar=BusinessCalendar.objects.get(name="Always").pk,
        )
    # then
    assert response.context["base"].name == "Office"
    assert always.status_code == 200 and always.context["whatif_run"]["figures"]["conversations"] == 0


@pytest.mark.services
def test_a_real_worker_replays_while_the_page_polls_the_progress_until_the_figures(world, celery_worker):
    # given
    client = _client(make_user(role=Role.SUPERVISOR, supervises=[world["team"]]))
    # when: Replay answers at once, the worker does the replay
    started = client.post(reverse("sla_reports:whatif_start"), {**PERIOD, "draft": "until18"})
    run = WhatIfRun.objects.get()
    partial = reverse("sla_reports:whatif_run", args=[run.pk])
    deadline = time.monotonic() + 30
    while 'id="whatif-summary"' not in (shown := client.get(partial).content.decode()):
        assert time.monotonic() < deadline, "the worker never finished the replay"
        assert 'hx-trigger="every 1s"' in shown  # still polling meanwhile
        time.sleep(0.2)
    # then
    assert started.status_code == 302 and started["Location"].endswith(f"run={run.pk}")
    assert "<strong>1</strong> of 1 conversation would have started their clock sooner" in shown
    assert "hx-trigger" not in shown


def test_a_replay_whose_calendar_went_says_so_and_stops_polling(world):
    # given: a run queued, then its calendar deleted before a worker got to it
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    run = WhatIfRun.objects.create(key="k", label="Open until 18:00", total=1, params={"scope": {"teams": [world["team"].pk]}})
    # when
    whatif_runs.run(run.pk)
    partial = _client(supervisor).get(reverse("sla_reports:whatif_run", args=[run.pk])).content.decode()
    # then
    assert "stopped: The calendar was deleted before the replay ran." in partial
    assert "hx-trigger" not in partial
