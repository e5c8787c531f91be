import time

from inbox.actions import ingest_message, send_reply
from inbox.models import Conversation, DeliveryState, Message
from tests.factories import make_channel, make_inbound, make_team, make_user


def _wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_reply_round_trips_through_a_real_celery_worker(celery_worker):
    # given
    team = make_team()
    agent = make_user(teams=[team])
    conversation_id = ingest_message(inbound=make_inbound(channel=make_channel(team=team))).conversation_id
    conversation = Conversation.objects.get(pk=conversation_id)
    # when
    reply = send_reply(
        conversation=conversation, author=agent, text="Hello from a worker", visibility="public", idempotency_key="worker-1"
    )
    # then
    assert _wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.DELIVERED)
    assert Message.objects.get(pk=reply.pk).external_id == f"sim-out-{reply.pk}"


def test_a_redelivered_send_task_posts_once(celery_worker):
    # given
    from channels_app.tasks import deliver_message

    team = make_team()
    agent = make_user(teams=[team])
    conversation = Conversation.objects.get(
        pk=ingest_message(inbound=make_inbound(channel=make_channel(team=team))).conversation_id
    )
    reply = send_reply(conversation=conversation, author=agent, text="Only once", visibility="public", idempotency_key="w2")
    assert _wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.DELIVERED)
    # when
    outcome = deliver_message.apply(args=[reply.pk]).get()
    # then
    assert outcome == "skipped"
    assert Message.objects.get(pk=reply.pk).delivery_attempts == 1
