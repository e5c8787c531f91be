"""The honest acknowledgement end to end: out of hours, once per cycle, never a first response."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from automation.models import Acknowledgement
from inbox.actions import send_reply, set_conversation_status
from inbox.models import ConversationEvent, Message
from sla.models import Holiday, SlaClock, SlaEvent
from tests.factories import make_channel
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_now():
    """A calendar open 09:00-17:00 UTC only on a weekday three days from today: closed right now."""
    day = (timezone.now().weekday() + 3) % 7
    calendar = make_calendar(name="Office", always_open=False, timezone="UTC", weekly_hours={str(day): [["09:00", "17:00"]]})
    return make_policy(name="Office", calendar=calendar, first_response_minutes=30)


@pytest.fixture
def mail_channel(team):
    channel = make_channel(team=team, name="Support mail", config={"flavor": "email"})
    Acknowledgement.objects.create(channel=channel, enabled=True, text="Thanks for writing to us.")
    return channel


def _acks(conversation):
    return list(Message.objects.filter(conversation=conversation, automated=True))


def test_an_out_of_hours_email_gets_one_honest_acknowledgement(write, mail_channel, closed_now, committed, agent):
    # when a customer mails while closed
    conversation = write("Hello, my invoice is wrong", channel=mail_channel, visibility="private")
    # then one automatic answer says when a person will answer, in the calendar's terms
    (ack,) = _acks(conversation)
    opening = timezone.now().date() + timedelta(days=3)
    day = opening.strftime("%A")
    assert ack.text == f"Thanks for writing to us. We're back on {day} at 09:00; you'll hear from us by 09:30."
    assert ack.direction == "out" and ack.author_user is None
    assert ConversationEvent.objects.filter(conversation=conversation, kind="acknowledged").count() == 1
    # and it is no answer: the customer still waits, nobody owns it, the first response is still due
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None and conversation.assignee is None
    assert not SlaEvent.objects.filter(conversation=conversation, metric="first_response").exists()
    assert conversation.sla_state in ("ok", "at_risk")
    # when they write again in the same cycle: no second acknowledgement
    write("Also, the address is wrong", channel=mail_channel, visibility="private")
    assert len(_acks(conversation)) == 1
    # a person's answer is the first response
    with committed():
        send_reply(conversation=conversation, author=agent, text="Fixed it.", visibility="private", idempotency_key="r1")
        set_conversation_status(conversation=conversation, status="resolved", actor=agent)
    # a new cycle (reopened by the customer) gets its own acknowledgement
    write("Thanks! One more question", channel=mail_channel, visibility="private")
    assert len(_acks(conversation)) == 2


def test_no_acknowledgement_inside_opening_hours(write, mail_channel, policy):
    conversation = write("Hello", channel=mail_channel, visibility="private")  # the default policy is 24/7
    assert _acks(conversation) == []


def test_a_public_post_is_never_acknowledged_unless_the_admin_allows_it(write, channel, closed_now):
    Acknowledgement.objects.create(channel=channel, enabled=True)
    public = write("Anyone there?", thread_key="p1")
    assert _acks(public) == []
    Acknowledgement.objects.filter(channel=channel).update(allow_public=True)
    allowed = write("Anyone there?", thread_key="p2", external_id="c2")
    assert len(_acks(allowed)) == 1


def test_a_private_message_on_x_is_acknowledged(write, channel, closed_now):
    Acknowledgement.objects.create(channel=channel, enabled=True)
    conversation = write("Psst, my order", visibility="private")
    assert len(_acks(conversation)) == 1


def test_a_channel_without_the_setting_sends_nothing(write, channel, closed_now):
    assert _acks(write("Hello?", visibility="private")) == []


@pytest.fixture
def stockholm_mail(mail_channel):
    """Stockholm office hours (weekdays 08:00-17:00, Swedish public holidays), 30 minutes to answer."""
    hours = {str(day): [["08:00", "17:00"]] for day in range(5)}
    calendar = make_calendar(
        name="Stockholm office", always_open=False, timezone="Europe/Stockholm", weekly_hours=hours, holiday_country="SE"
    )
    make_policy(name="Email", calendar=calendar, first_response_minutes=30)
    return calendar


@pytest.mark.parametrize(
    ("written_at", "closed", "says", "due"),
    [
        # Friday 19:00: the weekend, then Monday morning
        (datetime(2026, 12, 4, 18, 0, tzinfo=UTC), [], "We're back on Monday at 08:00; you'll hear from us by 08:30.",
         datetime(2026, 12, 7, 7, 30, tzinfo=UTC)),
        # Thursday 24 December 17:30: Christmas Day (a Swedish public holiday) and the weekend
        (datetime(2026, 12, 24, 16, 30, tzinfo=UTC), [], "We're back on Monday at 08:00; you'll hear from us by 08:30.",
         datetime(2026, 12, 28, 7, 30, tzinfo=UTC)),
        # Friday evening with the Monday a company day off: Tuesday
        (datetime(2026, 12, 4, 18, 0, tzinfo=UTC), [date(2026, 12, 7)],
         "We're back on Tuesday at 08:00; you'll hear from us by 08:30.", datetime(2026, 12, 8, 7, 30, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_acknowledgement_names_the_opening_after_a_weekend_and_a_holiday_and_the_slas_own_due_time(
    write, mail_channel, stockholm_mail, written_at, closed, says, due
):
    for day in closed:
        Holiday.objects.create(calendar=stockholm_mail, date=day, name="Company day off")
    # when a customer mails then
    with time_machine.travel(written_at, tick=False):
        conversation = write("Where is my parcel?", channel=mail_channel, visibility="private")
    # then the promise is the opening and the first-response deadline the SLA itself keeps
    (ack,) = _acks(conversation)
    assert ack.text == f"Thanks for writing to us. {says}"
    assert SlaClock.objects.get(conversation=conversation).first_response_due_at == due
