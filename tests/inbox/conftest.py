"""What the inbox's tests share beyond tests/conftest.py's team, channel and agent: a conversation on that channel."""

import pytest

from inbox.actions import ingest_message
from inbox.models import Conversation
from tests.factories import make_inbound


@pytest.fixture
def conversation(channel):
    result = ingest_message(inbound=make_inbound(channel=channel, text="My parcel is lost"))
    return Conversation.objects.get(pk=result.conversation_id)
