"""A Graph comment reply against a real server that reads the request and hangs up: posted once."""

from __future__ import annotations

from datetime import timedelta

import facebook
import pytest

from bench.fault_servers import ClosingHttpServer
from channels_app import delivery
from inbox.models import Conversation, DeliveryState, Message
from tests.channels_app.facebook.helpers import COMMENT_AT, load, reply_in

pytestmark = pytest.mark.django_db


def test_a_comment_reply_whose_connection_drops_is_posted_once_and_outcome_unknown(post, monkeypatch):
    # given
    post(load("comment_add"))
    at = COMMENT_AT + timedelta(minutes=5)
    reply = reply_in(Conversation.objects.get(), "We are looking into it", at=at, visibility="public", run=False)
    with ClosingHttpServer() as server:
        monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", server.url + "/")
        # when
        first = delivery.deliver_message(message_id=reply.pk)
        second = delivery.deliver_message(message_id=reply.pk)
    # then
    assert (first.state, second.state) == ("unknown", "skipped")
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert "under the comment on the Page" in message.delivery_error
    assert server.posts("/comments") == 1
