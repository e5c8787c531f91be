"""The demo shows issue 16 live: a loud first complaint raised to Urgent, a breach escalated by a
rule, an out-of-hours email acknowledged; the scripted arrivals come once, after the demo starts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automation.models import Rule
from channels_app.simulated.connector import SimulatedConnector
from demo.workspace import seed_demo
from inbox.models import Channel, Conversation, Notification

pytestmark = pytest.mark.django_db


def test_the_loud_first_complaint_arrives_a_minute_in_and_is_raised_with_its_reason(django_capture_on_commit_callbacks):
    seed_demo(history=12)
    assert Rule.objects.filter(name="Breach: tell the supervisors").exists()
    x = Channel.objects.get(name="Simulated X")
    x.config = {**x.config, "rate_per_minute": 0}
    x.save()
    connector = SimulatedConnector(x)
    with django_capture_on_commit_callbacks(execute=True):
        connector.poll()  # the first poll starts the script's clock
    assert not Conversation.objects.filter(thread_key="script-0").exists()
    x.refresh_from_db()
    x.cursor["script_started"] = (timezone.now() - timedelta(seconds=61)).isoformat()
    x.save()
    with django_capture_on_commit_callbacks(execute=True):
        SimulatedConnector(x).poll()
        SimulatedConnector(Channel.objects.get(pk=x.pk)).poll()  # never twice
    (loud,) = Conversation.objects.filter(thread_key="script-0")
    assert (loud.priority, loud.priority_reason) == ("urgent", "first complaint · 48k followers")
    assert Notification.objects.filter(user__username="supervisor", conversation=loud, kind="rule").exists()
