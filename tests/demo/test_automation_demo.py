"""The demo shows issue 16 live: a loud first complaint raised to Urgent, a breach escalated by a
rule, an out-of-hours email acknowledged; the scripted arrivals come once, after the demo starts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from automation.models import Rule
from channels_app.simulated.connector import SimulatedConnector
from demo.automation_seed import TOPICS
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


def test_the_history_is_tagged_by_what_customers_asked_so_the_reports_split_by_tag(client):
    seed_demo(history=30)
    tagged = Conversation.objects.filter(tags__isnull=False).distinct()
    assert tagged.count() >= 10
    for refund in Conversation.objects.filter(tags__name="refund"):
        first = refund.messages.order_by("platform_time", "id").first().text.casefold()
        assert any(words in first for words in TOPICS["refund"])
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get("/sla/reports/", {"period": "30"})
    names = {row.name for row in page.context["tags"]}
    assert {"refund", "delivery"} <= names
