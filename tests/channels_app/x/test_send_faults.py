"""X sends against real servers: one that reads the request and hangs up (posted once, outcome
unknown), and a port nobody listens on (provably not sent, so retried)."""

from __future__ import annotations

import pytest

from bench.fault_servers import ClosingHttpServer, free_port
from channels_app import delivery
from channels_app.x.client import _TimeoutSession
from inbox.models import DeliveryState, Message
from tests.channels_app.x.replay import queue_reply, stored_mention_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_host(monkeypatch):
    """Point the X client's session at `target[0]` instead of api.twitter.com."""
    target = [""]
    original = _TimeoutSession.request

    def redirected(self, method, url, *args, **kwargs):
        if target[0]:
            url = str(url).replace("https://api.twitter.com", target[0])
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(_TimeoutSession, "request", redirected)
    return target


def test_an_x_post_whose_connection_drops_after_the_request_is_posted_once(x_api, frozen, x_host):
    # given
    _, conversation, agent = stored_mention_thread(x_api)
    x_api.stop()  # from here on, real HTTP to the local server
    reply = queue_reply(conversation, agent)
    with ClosingHttpServer() as server:
        x_host[0] = server.url
        # when: delivery runs, and runs again (a redelivered task)
        first = delivery.deliver_message(message_id=reply.pk)
        second = delivery.deliver_message(message_id=reply.pk)
    # then
    assert (first.state, second.state) == ("unknown", "skipped")
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert "closed after the reply was sent" in message.delivery_error
    assert server.posts("/2/tweets") == 1


def test_an_x_post_to_a_port_nobody_listens_on_is_retried(x_api, frozen, x_host):
    # given
    _, conversation, agent = stored_mention_thread(x_api)
    x_api.stop()
    x_host[0] = f"http://127.0.0.1:{free_port()}"
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then: provably not sent, so queued again for the task's automatic retry
    assert outcome.state == "retry"
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "Could not reach X (NewConnectionError)" in message.delivery_error
