"""Workers that die lose nothing: every task is acknowledged only when done and given back when its
worker dies, a worker holds one task at a time, and the broker hands a dead worker's task on in minutes."""

from __future__ import annotations

import os

from django.conf import settings

from config.celery import app


def test_every_parley_task_is_acknowledged_late_and_given_back_when_its_worker_is_lost():
    # given
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    # then: the data tasks by name, and every other task by the settings' default
    for name in (
        "channels_app.tasks.deliver_message",
        "channels_app.tasks.process_webhook_event",
        "channels_app.tasks.poll_channel",
        "inbox.tasks.conversation_changed",
        "automation.tasks.sla_flagged",
    ):
        assert name in ours
    assert len(ours) > 10
    not_durable = [name for name, task in ours.items() if not (task.acks_late and task.reject_on_worker_lost)]
    assert not_durable == []


def test_a_worker_holds_one_task_at_a_time_and_a_lost_one_moves_on_within_minutes():
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    minutes = int(os.environ.get("PARLEY_BROKER_VISIBILITY_TIMEOUT_MINUTES", "10"))
    assert app.conf.broker_transport_options["visibility_timeout"] == minutes * 60 <= 30 * 60
