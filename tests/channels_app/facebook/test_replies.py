"""Replies out through facebook-sdk for real (HTTP intercepted by responses): comments, private
replies, Messenger windows, and how each Graph error class ends up for the agent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import time_machine

from channels_app import delivery
from inbox import ports
from inbox.models import Channel, ChannelStatus, Conversation, DeliveryState, Identity, Message
from inbox.ports import ReplyRefused
from tests.channels_app.facebook.helpers import COMMENT_AT, COMMENT_ID, GRAPH, MESSENGER_TEXT_AT, PAGE_ID, PSID, load, reply_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REPLY_COMMENT_ID = "122131676912594941_1213590066982801"


def form_body(call: Any) -> dict[str, Any]:
    """The form fields facebook-sdk posted, without the token."""
    fields = {k: v[0] for k, v in parse_qs(call.request.body).items()}
    fields.pop("access_token", None)
    return fields


def send_api_body(call: Any) -> dict[str, Any]:
    """A Send API call's fields, with its JSON-valued fields decoded."""
    fields = form_body(call)
    return {**fields, "recipient": json.loads(fields["recipient"]), "message": json.loads(fields["message"])}


def limits_at(conversation: Conversation, at: datetime) -> dict[str, Any]:
    with time_machine.travel(at, tick=False):
        return ports.channels().reply_limits(Conversation.objects.get(pk=conversation.pk))


# --- public and private replies to comments ---------------------------------------------------------


def test_a_public_reply_is_posted_under_the_customers_latest_comment(post, graph):
    # given
    post(load("comment_add"))
    post(load("comment_reply_add"))
    call = graph.post(f"{GRAPH}/{REPLY_COMMENT_ID}/comments", json={"id": "122131676912594941_1213590066983000"})
    # when
    reply = reply_in(
        Conversation.objects.get(), "Hi Jane, it ships today.", at=COMMENT_AT + timedelta(hours=1), visibility="public"
    )
    # then
    assert reply.delivery_state == DeliveryState.SENT
    assert reply.external_id == "122131676912594941_1213590066983000"
    assert form_body(call.calls[0]) == {"message": "Hi Jane, it ships today."}


def test_our_public_reply_coming_back_by_webhook_is_not_a_second_message(post, graph):
    # given
    post(load("comment_add"))
    graph.post(f"{GRAPH}/{COMMENT_ID}/comments", json={"id": "122131676912594941_1213590066983000"})
    reply = reply_in(
        Conversation.objects.get(),
        "Hi Jane, we have sent you a message.",
        at=COMMENT_AT + timedelta(hours=1),
        visibility="public",
    )
    # when
    post(load("page_comment"))
    # then
    assert list(Message.objects.filter(direction="out").values_list("pk", flat=True)) == [reply.pk]


def test_a_private_reply_goes_to_the_comment_and_links_the_commenter_to_their_messenger_identity(post, graph):
    # given
    post(load("comment_add"))
    commenter = Identity.objects.get(kind="facebook", external_id="6543219870")
    call = graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_PRIVATE_REPLY_1"})
    # when
    reply = reply_in(
        Conversation.objects.get(),
        "Could you send us your order number?",
        at=COMMENT_AT + timedelta(hours=2),
        visibility="private",
    )
    # then
    assert reply.delivery_state == DeliveryState.SENT
    assert reply.external_id == "m_PRIVATE_REPLY_1"
    assert send_api_body(call.calls[0]) == {
        "recipient": {"comment_id": COMMENT_ID},
        "message": {"text": "Could you send us your order number?"},
    }
    assert Identity.objects.get(kind="facebook", external_id=PSID).customer_id == commenter.customer_id


def test_after_a_private_reply_the_persons_messenger_answer_belongs_to_the_same_customer(post, graph):
    # given
    post(load("comment_add"))
    commenter = Identity.objects.get(kind="facebook", external_id="6543219870")
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_PRIVATE_REPLY_1"})
    reply_in(
        Conversation.objects.get(),
        "Could you send us your order number?",
        at=COMMENT_AT + timedelta(hours=2),
        visibility="private",
    )
    # when
    post(load("messenger_text"))
    # then
    messenger = Conversation.objects.get(thread_key=f"messenger:{PSID}")
    assert messenger.customer_id == commenter.customer_id
    assert messenger.identity.display_name == "Jane Doe"


def test_a_private_reply_merges_a_customer_already_known_from_messenger(post, graph):
    # given
    post(load("messenger_text"))
    post(load("comment_add"))
    commenter = Identity.objects.get(kind="facebook", external_id="6543219870")
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_PRIVATE_REPLY_1"})
    # when
    reply_in(
        Conversation.objects.get(thread_key__startswith="post:"),
        "We will write to you in Messenger.",
        at=COMMENT_AT + timedelta(hours=2),
        visibility="private",
    )
    # then
    assert Conversation.objects.get(thread_key=f"messenger:{PSID}").customer_id == commenter.customer_id


def test_a_second_private_reply_to_the_same_comment_is_refused_before_sending(post, graph):
    # given
    post(load("comment_add"))
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_PRIVATE_REPLY_1"})
    conversation = Conversation.objects.get()
    reply_in(conversation, "First private reply", at=COMMENT_AT + timedelta(hours=2), visibility="private")
    # when
    with pytest.raises(ReplyRefused, match="already has its private reply"):
        reply_in(conversation, "Second private reply", at=COMMENT_AT + timedelta(hours=3), visibility="private")
    # then
    assert Message.objects.filter(direction="out").count() == 1


def test_a_private_reply_more_than_7_days_after_the_comment_is_refused(post, graph):
    # given
    post(load("comment_add"))
    # when
    with pytest.raises(ReplyRefused, match="that window closed on 2025-03-29 18:20 UTC"):
        reply_in(Conversation.objects.get(), "Sorry for the wait", at=COMMENT_AT + timedelta(days=8), visibility="private")
    # then
    assert Message.objects.filter(direction="out").count() == 0


def test_a_public_reply_to_a_removed_comment_is_refused(post, graph):
    # given
    post(load("comment_add"))
    post(load("comment_remove"))
    # when / then
    with pytest.raises(ReplyRefused, match="no comment left to reply to"):
        reply_in(Conversation.objects.get(), "Hello?", at=COMMENT_AT + timedelta(hours=1), visibility="public")


# --- Messenger windows ------------------------------------------------------------------------------


def test_a_messenger_reply_within_24_hours_is_a_response(post, graph):
    # given
    post(load("messenger_text"))
    conversation = Conversation.objects.get()
    call = graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_REPLY_21H"})
    # when
    limits = limits_at(conversation, MESSENGER_TEXT_AT + timedelta(hours=21))
    reply = reply_in(conversation, "Your return is approved.", at=MESSENGER_TEXT_AT + timedelta(hours=21), visibility="private")
    # then
    assert limits["note"] == "Messenger window: 24-hour window closes in 3 h."
    assert reply.delivery_state == DeliveryState.SENT
    assert send_api_body(call.calls[0]) == {
        "recipient": {"id": PSID},
        "message": {"text": "Your return is approved."},
        "messaging_type": "RESPONSE",
    }


def test_a_human_reply_at_30_hours_goes_out_with_the_human_agent_tag(post, graph):
    # given
    post(load("messenger_text"))
    conversation = Conversation.objects.get()
    call = graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_REPLY_30H"})
    # when
    limits = limits_at(conversation, MESSENGER_TEXT_AT + timedelta(hours=30))
    reply = reply_in(conversation, "Sorry for the delay.", at=MESSENGER_TEXT_AT + timedelta(hours=30), visibility="private")
    # then
    assert limits["note"].startswith("Outside 24 h: sent with the HUMAN_AGENT tag")
    assert reply.delivery_state == DeliveryState.SENT
    assert send_api_body(call.calls[0]) == {
        "recipient": {"id": PSID},
        "message": {"text": "Sorry for the delay."},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
    }


def test_a_reply_at_30_hours_is_refused_where_the_page_has_no_human_agent_permission(post, graph, channel):
    # given
    Channel.objects.filter(pk=channel.pk).update(config={**channel.config, "human_agent_enabled": False})
    post(load("messenger_text"))
    # when
    with pytest.raises(ReplyRefused, match="no Human Agent permission"):
        reply_in(
            Conversation.objects.get(), "Sorry for the delay.", at=MESSENGER_TEXT_AT + timedelta(hours=30), visibility="private"
        )
    # then
    assert Message.objects.filter(direction="out").count() == 0


def test_a_messenger_reply_at_8_days_is_refused_with_the_date_the_window_closed(post, graph):
    # given
    post(load("messenger_text"))
    conversation = Conversation.objects.get()
    # when
    limits = limits_at(conversation, MESSENGER_TEXT_AT + timedelta(days=8))
    with pytest.raises(ReplyRefused) as refused:
        reply_in(conversation, "Hello again", at=MESSENGER_TEXT_AT + timedelta(days=8), visibility="private")
    # then
    assert str(refused.value).startswith("The 7-day human agent window closed on 2025-03-29 19:00 UTC")
    assert limits["note"] == str(refused.value)
    assert Message.objects.filter(direction="out").count() == 0


def test_an_automated_reply_is_not_sent_with_the_human_agent_tag(post, graph):
    # given
    post(load("messenger_text"))
    reply = reply_in(
        Conversation.objects.get(),
        "Automatic notice",
        at=MESSENGER_TEXT_AT + timedelta(hours=30),
        visibility="private",
        run=False,
    )
    Message.objects.filter(pk=reply.pk).update(author_user=None)
    # when
    with time_machine.travel(MESSENGER_TEXT_AT + timedelta(hours=30), tick=False):
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "failed"
    assert "typed by a person" in Message.objects.get(pk=reply.pk).delivery_error


# --- errors -----------------------------------------------------------------------------------------


def _graph_error(code: int, message: str, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123", **extra}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


ERRORS = [
    pytest.param(
        {"status": 400, "json": _graph_error(190, "Error validating access token: Session has expired.", 463)},
        "failed",
        DeliveryState.FAILED,
        ChannelStatus.NEEDS_ATTENTION,
        "access token was refused",
        id="190-token",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(10, "(#10) This message is sent outside of allowed window.", 2018278)},
        "failed",
        DeliveryState.FAILED,
        ChannelStatus.ACTIVE,
        "Outside the allowed messaging window",
        id="10-window",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(551, "This person isn't available right now.", 1545041)},
        "failed",
        DeliveryState.FAILED,
        ChannelStatus.ACTIVE,
        "isn't available",
        id="551-unavailable",
    ),
    pytest.param(
        {"status": 403, "json": _graph_error(200, "(#200) This message violates our policies.", 2018065)},
        "failed",
        DeliveryState.FAILED,
        ChannelStatus.ACTIVE,
        "violates our policies",
        id="200-policy",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(4, "(#4) Application request limit reached")},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "rate limit",
        id="4-app-limit",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(17, "(#17) User request limit reached")},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "rate limit",
        id="17-user-limit",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(32, "(#32) Page request limit reached")},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "rate limit",
        id="32-page-limit",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(613, "(#613) Calls to this api have exceeded the rate limit.")},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "rate limit",
        id="613-rate",
    ),
    pytest.param(
        {"status": 400, "json": _graph_error(80001, "There have been too many calls to this Page account.")},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "rate limit",
        id="80001-buc",
    ),
    pytest.param(
        {"status": 500, "json": _graph_error(2, "An unexpected error has occurred.", is_transient=True)},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "temporarily unavailable",
        id="500-json",
    ),
    pytest.param(
        {"status": 502, "body": "<html><body>Bad Gateway</body></html>", "content_type": "text/html"},
        "retry",
        DeliveryState.QUEUED,
        ChannelStatus.ACTIVE,
        "unreadable response (HTTP 502)",
        id="502-html",
    ),
]


@pytest.mark.parametrize(("response", "outcome_state", "message_state", "channel_status", "reason"), ERRORS)
def test_each_graph_error_class_ends_as_the_agent_expects(
    post, graph, channel, response, outcome_state, message_state, channel_status, reason
):
    # given
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    reply = reply_in(Conversation.objects.get(), "Your refund is on its way.", at=at, visibility="private", run=False)
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", **response)
    # when
    with time_machine.travel(at, tick=False):
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert outcome.state == outcome_state
    assert reply.delivery_state == message_state
    assert reason in reply.delivery_error
    assert Channel.objects.get(pk=channel.pk).status == channel_status


def test_a_rate_limited_send_is_retried_when_facebook_says_access_returns(post, graph):
    # given
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    reply = reply_in(Conversation.objects.get(), "Hello", at=at, visibility="private", run=False)
    graph.post(
        f"{GRAPH}/{PAGE_ID}/messages",
        status=400,
        json=_graph_error(80001, "Too many calls to this Page account."),
        headers={
            "X-Business-Use-Case-Usage": '{"%s":[{"type":"messenger","call_count":100,"total_cputime":12,'
            '"total_time":40,"estimated_time_to_regain_access":5}]}' % PAGE_ID
        },
    )
    # when
    with time_machine.travel(at, tick=False):
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert (outcome.state, outcome.retry_after) == ("retry", 300)


def test_a_send_that_timed_out_is_outcome_unknown_and_never_posted_again_by_itself(post, graph):
    # given
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    reply = reply_in(Conversation.objects.get(), "Hello", at=at, visibility="private", run=False)
    send = graph.post(f"{GRAPH}/{PAGE_ID}/messages", body=requests.ReadTimeout("read timed out"))
    # when
    with time_machine.travel(at, tick=False):
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "unknown"
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert message.delivery_error.startswith("Outcome unknown: Facebook did not answer in time")
    assert "Messenger conversation" in message.delivery_error  # what to check
    assert send.call_count == 1


def test_an_agents_retry_finds_the_reply_on_messenger_and_marks_it_sent_without_posting(post, graph):
    # given: the Send API timed out, but the message did go out
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    reply = reply_in(Conversation.objects.get(), "We are on it", at=at, visibility="private", run=False)
    send = graph.post(f"{GRAPH}/{PAGE_ID}/messages", body=requests.ReadTimeout("read timed out"))
    with time_machine.travel(at, tick=False):
        delivery.deliver_message(message_id=reply.pk)
    graph.get(
        f"{GRAPH}/{PAGE_ID}/conversations",
        json={
            "data": [
                {
                    "messages": {
                        "data": [
                            {
                                "id": "m_FOUND",
                                "message": "We are on it",
                                "from": {"id": PAGE_ID},
                                "created_time": "2025-03-22T20:01:00+0000",
                            },
                            {"id": "m_THEIRS", "message": "Hi", "from": {"id": PSID}, "created_time": "2025-03-22T19:01:00+0000"},
                        ]
                    }
                }
            ]
        },
    )
    agent = make_user(teams=[reply.conversation.team])
    # when
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        from inbox.actions import retry_delivery

        retry_delivery(message=Message.objects.get(pk=reply.pk), actor=agent)
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "found"
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_state, message.external_id) == (DeliveryState.SENT, "m_FOUND")
    assert send.call_count == 1  # posted once, by the first attempt


def test_an_agents_retry_of_a_comment_reply_finds_it_under_the_comment_and_does_not_post_again(post, graph):
    # given: the comment reply timed out, but Graph did post it
    post(load("comment_add"))
    at = COMMENT_AT + timedelta(minutes=5)
    reply = reply_in(Conversation.objects.get(), "We are looking into it", at=at, visibility="public", run=False)
    send = graph.post(f"{GRAPH}/{COMMENT_ID}/comments", body=requests.ReadTimeout("read timed out"))
    with time_machine.travel(at, tick=False):
        assert delivery.deliver_message(message_id=reply.pk).state == "unknown"
    listed = graph.get(
        f"{GRAPH}/{COMMENT_ID}/comments",
        json={
            "data": [
                {"id": "c_THEIRS", "message": "We are looking into it", "from": {"id": "5555"}},
                {"id": "c_FOUND", "message": "We are  looking into it", "from": {"id": PAGE_ID, "name": "Acme"}},
            ]
        },
    )
    # when
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        from inbox.actions import retry_delivery

        retry_delivery(message=Message.objects.get(pk=reply.pk), actor=make_user(teams=[reply.conversation.team]))
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then: found (the Page's, not a customer's comment with the same words), never posted twice
    assert outcome.state == "found"
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_state, message.external_id) == (DeliveryState.SENT, "c_FOUND")
    assert listed.call_count == 1 and send.call_count == 1


def test_an_agents_retry_posts_when_the_reply_is_not_on_messenger(post, graph):
    # given
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    reply = reply_in(Conversation.objects.get(), "Second try", at=at, visibility="private", run=False)
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", body=requests.ConnectionError("Connection aborted: RemoteDisconnected"))
    with time_machine.travel(at, tick=False):
        assert delivery.deliver_message(message_id=reply.pk).state == "unknown"
    graph.get(f"{GRAPH}/{PAGE_ID}/conversations", json={"data": [{"messages": {"data": []}}]})
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_SECOND"})
    # when
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        from inbox.actions import retry_delivery

        retry_delivery(message=Message.objects.get(pk=reply.pk), actor=make_user(teams=[reply.conversation.team]))
        outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "sent"
    assert Message.objects.get(pk=reply.pk).external_id == "m_SECOND"


def test_a_reply_is_posted_once_even_when_its_delivery_runs_twice(post, graph):
    # given
    post(load("messenger_text"))
    at = MESSENGER_TEXT_AT + timedelta(hours=1)
    call = graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_ONCE"})
    reply = reply_in(Conversation.objects.get(), "Only once", at=at, visibility="private")
    # when
    with time_machine.travel(at, tick=False):
        second = delivery.deliver_message(message_id=reply.pk)
    # then
    assert second.state == "skipped"
    assert call.call_count == 1
    assert Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.SENT


def test_the_composer_shows_the_messenger_window_before_anything_is_sent(post, client):
    # given
    post(load("messenger_text"))
    conversation = Conversation.objects.get()
    client.force_login(make_user(teams=[conversation.team]))
    # when
    with time_machine.travel(MESSENGER_TEXT_AT + timedelta(hours=21), tick=False):
        response = client.get(f"/conversations/{conversation.pk}/")
    # then
    assert response.status_code == 200
    assert "Messenger window: 24-hour window closes in 3 h." in response.content.decode()
