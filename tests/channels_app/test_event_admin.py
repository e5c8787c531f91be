"""/settings/channels/events/: admins see what is stuck, failing, given up or unreadable, and retry it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.db import OperationalError

from accounts.models import Role
from channels_app.models import WebhookEvent
from channels_app.registry import KINDS
from inbox.models import Message
from tests.channels_app.x.test_webhook import make_x_channel, post_event, raw_fixture, signature
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def given_up(client, django_capture_on_commit_callbacks, monkeypatch):
    """One X delivery that failed until it was given up, and one with an unreadable post."""
    channel = make_x_channel()
    real = KINDS["x"].process_event

    def down(payload, report):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setitem(KINDS, "x", dataclasses.replace(KINDS["x"], process_event=down))
    body = raw_fixture("aaa_direct_message.json")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, channel, body, signature(body))
    WebhookEvent.objects.update(status="given_up", attempts=19)
    monkeypatch.setitem(KINDS, "x", dataclasses.replace(KINDS["x"], process_event=real))
    body = raw_fixture("aaa_tweet_user_id_only.json")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, channel, body, signature(body))
    return channel


def test_an_admin_sees_per_channel_counts_and_each_event_with_its_reason(client, given_up):
    # given
    client.force_login(make_user(role=Role.ADMIN))
    # when
    page = client.get("/settings/channels/events/").content.decode()
    # then
    assert "Acme on X" in page
    assert "Given up" in page
    assert "the database system is shutting down" in page
    assert "Skipped: post: KeyError: &#x27;user id&#x27;" in page
    assert "Jordan" not in page  # reasons only, never the customer's content


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_only_admins_open_the_page_or_retry(client, given_up, role):
    # given
    client.force_login(make_user(role=role))
    event = WebhookEvent.objects.get(status="given_up")
    # when
    page = client.get("/settings/channels/events/")
    retry = client.post("/settings/channels/events/retry/", {"event": event.pk})
    # then
    assert page.status_code == 404 and retry.status_code == 404
    event.refresh_from_db()
    assert event.status == "given_up"


def test_retry_runs_a_given_up_event_again_and_it_is_stored_once(client, given_up, django_capture_on_commit_callbacks):
    # given
    client.force_login(make_user(role=Role.ADMIN))
    event = WebhookEvent.objects.get(status="given_up")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/channels/events/retry/", {"event": event.pk}, follow=True)
    # then
    assert "1 event queued to run again." in response.content.decode()
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 20)
    assert Message.objects.filter(external_id="954491830116155396").count() == 1
    assert f"webhook-event-{event.pk}" not in response.content.decode()


def test_an_event_stuck_waiting_is_counted_and_an_admin_can_retry_it(client, django_capture_on_commit_callbacks, monkeypatch):
    # given: a delivery stored while the broker was down, its task never published, past the sweep age
    from kombu.exceptions import OperationalError as BrokerDown

    from channels_app import tasks

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    channel = make_x_channel()
    body = raw_fixture("aaa_direct_message.json")
    monkeypatch.setattr(tasks.process_webhook_event, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, channel, body, signature(body))
    monkeypatch.undo()
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.update(received_at=event.received_at - timedelta(minutes=10))
    client.force_login(make_user(role=Role.ADMIN))
    # when
    page = client.get("/settings/channels/events/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/channels/events/retry/", {"event": event.pk}, follow=True)
    # then: counted as waiting too long, with a Retry that stores it
    counts = page.split('id="event-counts"')[1].split("</table>")[0]
    assert "<td>Acme on X" in counts and "<td>1</td>" in counts
    assert f'name="event" value="{event.pk}"' in page
    assert "1 event queued to run again." in response.content.decode()
    event.refresh_from_db()
    assert event.status == "processed"
    assert Message.objects.filter(external_id="954491830116155396").count() == 1
