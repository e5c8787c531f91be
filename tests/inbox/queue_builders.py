"""Queue rows as the queue tests need them: waiting so long, written by so-and-so, with this SLA state."""

from datetime import timedelta

from django.utils import timezone

from inbox.actions import ingest_message
from inbox.models import Conversation
from tests.factories import make_author, make_inbound


def queued_conversation(channel, *, text="Where is my order?", waited_minutes=0, name="Jo", handle="@jo"):
    inbound = make_inbound(
        channel=channel,
        thread_key=f"t-{text}-{waited_minutes}-{name}",
        text=text,
        author=make_author(display_name=name, handle=handle),
        at=timezone.now() - timedelta(minutes=waited_minutes),
    )
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


def set_sla(conversation, *, state, due_in_minutes):
    Conversation.objects.filter(pk=conversation.pk).update(
        sla_state=state,
        sla_rank=0 if state == "breached" else 1,
        sla_due_at=timezone.now() + timedelta(minutes=due_in_minutes),
    )
