"""Log lines carry their fields (channel, event id, reason), never a secret or a message body."""

from __future__ import annotations

import json
import logging

import pytest

from config.log_format import JsonFormatter, KeyValueFormatter
from tests.channels_app.x.test_webhook import CREDENTIALS, make_x_channel, post_event, signature

pytestmark = pytest.mark.django_db


def rejection_lines(client, caplog, formatter):
    channel = make_x_channel()
    body = b'{"for_user_id": "2244994945", "direct_message_events": [{"text": "my card is 4111 1111"}]}'
    caplog.set_level(logging.WARNING, logger="parley.webhooks")
    response = post_event(client, channel, body, signature(body, secret="a forged secret"))
    assert response.status_code == 403
    return channel, [formatter.format(r) for r in caplog.records if r.name == "parley.webhooks"]


def test_a_rejected_webhook_logs_its_source_channel_and_reason_as_key_value(client, caplog):
    # when
    channel, [line] = rejection_lines(client, caplog, KeyValueFormatter())
    # then
    assert "WARNING parley.webhooks webhook rejected" in line
    assert "source=x" in line
    assert f"channel={channel.pk}" in line
    assert 'reason="bad signature"' in line


def test_the_json_line_has_the_same_fields_and_no_body_or_secret(client, caplog):
    # when
    channel, [line] = rejection_lines(client, caplog, JsonFormatter())
    # then
    fields = json.loads(line)
    assert (fields["level"], fields["message"], fields["reason"], fields["channel"]) == (
        "WARNING",
        "webhook rejected",
        "bad signature",
        str(channel.pk),
    )
    for secret in (*CREDENTIALS.values(), "a forged secret", "4111"):
        assert secret not in line


def test_fields_named_for_secrets_or_content_are_redacted_whatever_the_caller_passes():
    # given
    record = logging.LogRecord("parley.test", logging.INFO, __file__, 1, "sent", (), None)
    record.__dict__.update(
        message_id=7, access_token="at-123", smtp_password="pw-9", body="Dear customer", raw_payload={"a": 1}, reason="ok"
    )
    # when
    line = KeyValueFormatter().format(record)
    fields = json.loads(JsonFormatter().format(record))
    # then
    assert "message_id=7" in line and "reason=ok" in line
    for leaked in ("at-123", "pw-9", "Dear customer"):
        assert leaked not in line
        assert leaked not in json.dumps(fields)
    assert fields["access_token"] == fields["body"] == fields["raw_payload"] == "[redacted]"


def test_a_failing_event_is_logged_with_its_event_id_channel_and_reason(client, caplog, monkeypatch):
    # given: a stored event whose processing fails
    import dataclasses

    from django.db import OperationalError

    from channels_app.models import WebhookEvent
    from channels_app.registry import KINDS
    from tests.channels_app.x.test_webhook import raw_fixture

    def down(payload, report):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setitem(KINDS, "x", dataclasses.replace(KINDS["x"], process_event=down))
    channel = make_x_channel()
    body = raw_fixture("aaa_direct_message.json")
    caplog.set_level(logging.WARNING, logger="parley.webhooks")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        post_event(client, channel, body, signature(body))
    # when
    [line] = [KeyValueFormatter().format(r) for r in caplog.records if r.getMessage() == "webhook event failed, will retry"]
    # then
    event = WebhookEvent.objects.get()
    assert f"event_id={event.pk}" in line and f"channel_id={channel.pk}" in line
    assert 'reason="OperationalError: server closed the connection unexpectedly"' in line
    assert "Hello World" not in line  # the DM's text stays out of the log


def test_production_logs_json_lines_and_the_demo_readable_ones_with_the_same_fields():
    # given: one line logged through the configured handler, in each shape
    from tests.test_deploy import PRODUCTION_KEYS, _manage

    code = (
        "import logging; logging.getLogger('parley.webhooks').warning("
        "'webhook rejected', extra={'source': 'x', 'channel': '7', 'reason': 'bad signature', 'body': 'my card'})"
    )
    # when
    production = _manage("shell", "--no-imports", "-c", code, **PRODUCTION_KEYS).stderr.strip().splitlines()[-1]
    demo = _manage("shell", "--no-imports", "-c", code, PARLEY_DEV="true").stderr.strip().splitlines()[-1]
    # then
    line = json.loads(production)
    assert (line["level"], line["message"], line["channel"], line["reason"], line["body"]) == (
        "WARNING",
        "webhook rejected",
        "7",
        "bad signature",
        "[redacted]",
    )
    assert "WARNING parley.webhooks webhook rejected source=x channel=7" in demo
    assert 'reason="bad signature"' in demo and "my card" not in demo
