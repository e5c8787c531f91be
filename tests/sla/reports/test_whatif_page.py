"""The what-if page on a case checked by hand: a Friday 17:20 tweet answered on Monday at 08:20."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from inbox.actions import ingest_message
from inbox.models import Direction, Message
from sla.models import BusinessCalendar, SlaEvent
from sla.scoring import evaluate_conversation
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db

FRIDAY_1720 = datetime(2026, 11, 27, 16, 20, tzinfo=UTC)  # 17:20 in Stockholm
MONDAY_0820 = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)  # 08:20 in Stockholm
PERIOD = {"period": "custom", "from": "2026-11-23", "to": "2026-11-30"}


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


def test_open_until_18_starts_the_clock_at_once_and_cuts_the_real_wait_to_the_business_delay(world):
    # given: today the SLA says 20 minutes, met; the customer waited 63 hours
    event = SlaEvent.objects.get(metric="first_response")
    assert (event.outcome, event.business_seconds) == ("achieved", 20 * 60)
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    # when
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        response = _client(supervisor).get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "until18"})
    # then
    replay = response.context["figures"]["replay"]
    assert (replay.conversations, replay.started_sooner) == (1, 1)
    assert replay.waits_now == [63 * 3600] and replay.waits_then == [20 * 60]
    # measured by the longer hours, Friday 17:20-18:00 plus Monday 08:00-08:20 is 60 minutes: a breach
    assert (replay.breaches_now, replay.breaches_same_replies) == (0, 1)
    html = response.content.decode()
    assert "The model." in html and "Open until 18:00" in html
    assert 'id="whatif-save"' not in html  # saving a calendar is for admins


def test_an_admin_saves_the_draft_as_a_calendar_in_one_click(world):
    # given
    admin = make_user(role=Role.ADMIN)
    client = _client(admin)
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
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


def test_a_supervisor_whose_first_calendar_is_24_7_gets_the_office_hours_to_change(world):
    # given: a 24/7 calendar that sorts before the office one
    make_calendar(name="Always", always_open=True)
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[world["team"]])
    # when
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        response = _client(supervisor).get(reverse("sla_reports:whatif"), {**PERIOD, "draft": "until18"})
        always = _client(supervisor).get(
            reverse("sla_reports:whatif"),
            {**PERIOD, "draft": "until18", "calendar": BusinessCalendar.objects.get(name="Always").pk},
        )
    # then
    assert response.context["base"].name == "Office"
    assert always.status_code == 200 and always.context["figures"]["replay"].conversations == 0
