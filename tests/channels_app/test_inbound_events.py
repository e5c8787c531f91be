"""A stored webhook delivery is processed until it succeeds or is given up visibly.

Deliveries go through /webhooks/x for real; the fault is a handler that fails the way a database
outage makes it fail, for as many attempts as the test says.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from channels_app import inbound_events, tasks
from channels_app.models import WebhookEvent
from channels_app.registry import KINDS
from inbox.models import Message
from tests.channels_app.x.test_webhook import make_x_channel, post_event, raw_fixture, signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(monkeypatch):
    """The X handler fails `failures[0]` more times, as it does while PostgreSQL is down."""
    failures = [0]
    real = KINDS["x"].process_event

    def flaky(payload, report):
        if failures[0] > 0:
            failures[0] -= 1
            raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
        return real(payload, report)

    monkeypatch.setitem(KINDS, "x", dataclasses.replace(KINDS["x"], process_event=flaky))
    return failures


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    channel = make_x_channel()

    def _deliver(name="aaa_direct_message.json"):
        body = raw_fixture(name)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(client, channel, body, signature(body))
        return response

    return _deliver


def sweep(at):
    with_enqueue = []
    inbound_events.sweep_due(enqueue=with_enqueue.append, now=at)
    for event_id in with_enqueue:
        inbound_events.process_event(event_id=event_id, now=at)
    return with_enqueue


def test_a_delivery_that_fails_is_answered_200_kept_and_stored_by_a_later_sweep(deliver, outage, caplog):
    # given: the database fails the first 6 attempts
    outage[0] = 6
    caplog.set_level(logging.WARNING, logger="parley.webhooks")
    # when
    response = deliver()
    # then: answered, stored, not yet a message, failing with the reason and a next attempt
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "failed"
    assert "Connection refused" in event.last_error
    assert event.next_attempt_at is not None
    assert not Message.objects.exists()
    assert any(
        getattr(r, "event_id", None) == event.pk and "Connection refused" in r.reason and r.channel_id == event.channel_id
        for r in caplog.records
    )
    # when: the sweeps run on, with the outage over after the sixth attempt
    at = timezone.now()
    for _ in range(10):
        at += timedelta(hours=1)
        sweep(at)
    # then
    event.refresh_from_db()
    assert event.status == "processed"
    assert event.attempts == 7
    assert Message.objects.filter(external_id="954491830116155396").count() == 1


def test_attempts_back_off_and_an_event_failing_for_two_days_is_given_up_visibly(deliver, outage, caplog):
    # given
    outage[0] = 10_000
    deliver()
    event = WebhookEvent.objects.get()
    delays = [event.next_attempt_at - event.received_at]
    # when: a sweep every minute for a little over two days
    at = timezone.now()
    while event.status != "given_up" and at < event.received_at + timedelta(hours=60):
        at += timedelta(minutes=1)
        if sweep(at):
            event.refresh_from_db()
            if event.next_attempt_at:
                delays.append(event.next_attempt_at - at)
    # then
    assert event.status == "given_up"
    assert at - event.received_at >= timedelta(hours=48)
    # first retry after a minute, then doubling, never more than 4 hours apart
    assert delays[1:5] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8), timedelta(minutes=16)]
    assert max(delays) == timedelta(hours=4)
    assert 15 <= event.attempts <= 25
    assert "webhook event given up" in caplog.text


def test_a_broker_down_at_commit_still_answers_200_and_the_sweep_finds_the_event(deliver, monkeypatch):
    # given
    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_webhook_event, "apply_async", broker_down)
    # when
    response = deliver()
    # then
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "pending" and not Message.objects.exists()
    # when: the sweep runs before and after the sweep age
    assert sweep(timezone.now()) == []
    monkeypatch.undo()
    sweep(timezone.now() + timedelta(minutes=3))
    # then
    event.refresh_from_db()
    assert event.status == "processed"
    assert Message.objects.count() == 1


def test_processed_events_are_pruned_after_the_retention_period_and_given_up_ones_stay(deliver, settings):
    # given
    settings.PARLEY_WEBHOOK_RETENTION_DAYS = 3
    deliver("aaa_direct_message.json")
    deliver("aaa_tweet_create.json")
    done, stuck = WebhookEvent.objects.order_by("pk")
    WebhookEvent.objects.filter(pk=stuck.pk).update(status="given_up")
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(days=4))
    # when
    pruned = inbound_events.prune()
    # then
    assert pruned == 1
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [stuck.pk]
    assert Message.objects.count() == 2  # pruning drops the raw delivery, never a message


def test_a_second_task_for_an_event_being_processed_does_nothing(deliver, outage):
    # given
    outage[0] = 1
    deliver()
    event = WebhookEvent.objects.get()
    # when: the event is processed, then its stale duplicate task arrives
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert inbound_events.process_event(event_id=event.pk) == 1
    assert inbound_events.process_event(event_id=event.pk) == 0
    # then
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 2)


def test_a_delivery_that_cannot_be_stored_is_answered_503_so_the_platform_sends_it_again(deliver, monkeypatch, caplog):
    # given: the database refuses the insert
    from channels_app import webhooks

    def down(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(webhooks.WebhookEvent.objects, "create", down)
    caplog.set_level(logging.WARNING, logger="parley.webhooks")
    # when
    response = deliver()
    # then: not acknowledged (never 200, never a 500), nothing half-stored, the reason in the log
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()
    [line] = [r for r in caplog.records if r.getMessage() == "webhook rejected"]
    assert line.reason == "storage unavailable (OperationalError)"
