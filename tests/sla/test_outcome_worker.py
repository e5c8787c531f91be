"""A reply scored first and failed after, in the order a real Celery worker on the broker takes.

Eager Celery runs the send before the rescore (both are on-commit callbacks of the reply, delivery
first), so it never scores a reply that later fails; a worker scores as soon as the change is
drained, while the platform is still answering the send.
"""

import json
import time
from datetime import timedelta
from pathlib import Path

import responses
from django.utils import timezone

from inbox.actions import ingest_message, send_reply
from inbox.models import ChannelKind, Conversation, ConversationEvent, DeliveryState, Message
from sla.models import SlaEvent
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x"
CUSTOMER_ID = "1234567890"
CREDENTIALS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
    "bearer_token": "bt",
}


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_dm_reply_scored_then_refused_by_x_turns_into_the_breach_it_was(celery_worker):
    # given: a DM whose 30-minute first response falls due 5 seconds from now
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None, warning_percent=None)
    team = make_team()
    agent = make_user(teams=[team])
    channel = make_channel(
        team=team,
        kind=ChannelKind.X,
        config={"user_id": "2244994945", "username": "acme", "poll_dms": True},
        credentials=dict(CREDENTIALS),
    )
    written = timezone.now() - timedelta(minutes=30) + timedelta(seconds=5)
    conversation_id = ingest_message(
        inbound=make_inbound(
            channel=channel,
            thread_key=f"dm:{CUSTOMER_ID}",
            author=make_author(kind="x", external_id=CUSTOMER_ID, handle="@developer"),
            visibility="private",
            at=written,
        )
    ).conversation_id
    conversation = Conversation.objects.get(pk=conversation_id)

    def x_answers(request):
        # X answers only once the worker has scored the reply, and only after the deadline.
        _wait_for(lambda: SlaEvent.objects.filter(conversation_id=conversation_id, outcome="achieved").exists())
        time.sleep(max(0.0, (written + timedelta(minutes=30) - timezone.now()).total_seconds()) + 0.5)
        return 403, {}, (FIXTURES / "error_403_duplicate.json").read_text()

    with responses.RequestsMock(assert_all_requests_are_fired=True) as x_api:
        x_api.add_callback(
            responses.POST,
            f"https://api.twitter.com/2/dm_conversations/with/{CUSTOMER_ID}/messages",
            callback=x_answers,
            content_type="application/json",
        )
        # when
        reply = send_reply(conversation=conversation, author=agent, text="Checking", visibility="private", idempotency_key="w")
        scored_first = _wait_for(lambda: SlaEvent.objects.filter(conversation_id=conversation_id, outcome="achieved").exists())
        failed = _wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.FAILED)
        revised = _wait_for(
            lambda: ConversationEvent.objects.filter(conversation_id=conversation_id, kind="sla_revised").exists()
        )
        posted = [json.loads(call.request.body) for call in x_api.calls]
    # then
    assert (scored_first, failed, revised) == (True, True, True)
    assert _wait_for(lambda: Conversation.objects.get(pk=conversation_id).sla_state == "breached")
    row = SlaEvent.objects.get(conversation_id=conversation_id)
    assert (row.outcome, row.happened_at) == ("breached", written + timedelta(minutes=30))
    assert Conversation.objects.get(pk=conversation_id).waiting_since == written
    event = ConversationEvent.objects.get(conversation_id=conversation_id, kind="sla_revised")
    assert (event.data["from"], event.data["to"]) == ("achieved", "breached")
    assert posted == [{"text": "Checking"}]
