import statistics
from datetime import UTC, datetime, time

import pytest
from django.utils import timezone

from accounts.models import Team, User
from channels_app.simulated import traffic
from demo.workspace import FLIP_MINUTES, seed_demo
from inbox import ports
from inbox.models import Channel, Conversation, Customer, Message
from inbox.ports import ReplyRefused
from sla.models import SlaEvent

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Channel.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
    )


def test_the_demo_seed_makes_a_workspace_and_a_second_run_changes_nothing():
    # given
    logins = seed_demo(history=60)
    first = _counts()
    # when
    seed_demo(history=60)
    # then
    assert _counts() == first
    assert {login.role for login in logins} == {"agent", "supervisor", "admin"}
    assert first[2] >= 40
    assert all(User.objects.get(username=login.username).check_password(login.password) for login in logins)


def test_demo_customers_write_on_several_channels():
    # given
    seed_demo(history=90)
    # when
    multi_channel = [c for c in Customer.objects.all() if c.conversations.values("channel").distinct().count() > 1]
    # then
    assert multi_channel


def test_the_seeded_deadlines_turn_at_risk_3_6_10_and_15_minutes_after_the_seed(django_capture_on_commit_callbacks):
    # given
    started = timezone.now()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(history=12)
    # then
    soon = Conversation.objects.filter(thread_key__startswith="public-soon-").order_by("sla_warning_at")
    flips = [round((c.sla_warning_at - started).total_seconds() / 60) for c in soon]
    assert flips == list(FLIP_MINUTES) == [3, 6, 10, 15]
    assert all(c.sla_state == "ok" for c in soon)


def test_the_history_has_evening_and_weekend_arrivals_and_quiet_nights():
    # given
    seed_demo(history=300)
    # when
    arrivals = [
        c.created_at.astimezone(traffic.ZONE) for c in Conversation.objects.filter(messages__external_id__startswith="seed-")
    ]
    # then
    evenings = [a for a in arrivals if 18 <= a.hour <= 22]
    weekends = [a for a in arrivals if a.weekday() >= 5]
    nights = [a for a in arrivals if 1 <= a.hour <= 4]
    assert len(evenings) > len(arrivals) * 0.15
    assert len(weekends) > len(arrivals) * 0.08
    assert len(nights) < len(evenings) / 4


def test_history_replies_come_in_office_hours_so_off_hours_arrivals_really_wait_longer():
    # given
    seed_demo(history=300)
    # when
    replies = [m.platform_time.astimezone(traffic.ZONE) for m in Message.objects.filter(external_id__startswith="seed-out-")]
    waits = SlaEvent.objects.filter(metric="first_response", conversation__messages__external_id__startswith="seed-")
    inside, outside = [], []
    for event in waits.exclude(wall_seconds=None).select_related("conversation"):
        local = event.conversation.created_at.astimezone(traffic.ZONE)
        (inside if local.weekday() < 5 and 8 <= local.hour < 17 else outside).append(event.wall_seconds)
    # then
    assert replies
    assert [r for r in replies if not (r.weekday() < 5 and time(8) <= r.time() <= time(17))] == []
    assert inside and outside
    assert statistics.median(outside) > 4 * statistics.median(inside)


def test_the_demo_shows_the_platforms_refusals_on_its_simulated_facebook_channel():
    # given
    seed_demo(history=6)
    messenger = Conversation.objects.get(thread_key="messenger:facebook-48")
    old_comment = Conversation.objects.get(thread_key="public-rules-49")
    # when
    refusals = []
    for conversation, visibility in ((messenger, "private"), (old_comment, "private")):
        with pytest.raises(ReplyRefused) as refused:
            ports.channels().check_reply(conversation, text="Sorry for the wait", visibility=visibility, options={})
        refusals.append(str(refused.value))
    # then
    assert refusals[0].startswith("The 24-hour Messenger window closed on")
    assert refusals[1].startswith("A private reply to a comment is possible for 7 days; that window closed on")
    ports.channels().check_reply(old_comment, text="Sorry for the wait", visibility="public", options={})


def test_the_simulated_rate_follows_the_day_and_the_environment_raises_it(settings):
    # given
    channel = Channel.objects.create(
        kind="simulated", name="Sim", team=Team.objects.create(name="T"), config={"flavor": "x", "rate_per_minute": 0.25}
    )
    noon, night = datetime(2026, 3, 4, 11, 0, tzinfo=UTC), datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    # when
    quiet, busy = traffic.rate_now(channel, night), traffic.rate_now(channel, noon)
    settings.PARLEY_SIMULATED_RATE_PER_MINUTE = 5.0
    raised = traffic.rate_now(channel, noon)
    # then
    assert quiet < busy <= 0.25
    assert raised == pytest.approx(5.0)
