"""What the inbox's tests share: a support team, its X channel, an agent of it, a conversation on it."""

import pytest

from inbox.actions import ingest_message
from inbox.models import Conversation
from tests.factories import make_channel, make_inbound, make_team, make_user


@pytest.fixture
def team():
    return make_team("Support")


@pytest.fixture
def channel(team):
    return make_channel(team=team, name="X support", config={"flavor": "x"})


@pytest.fixture
def agent(team):
    return make_user(teams=[team], username="alice")


@pytest.fixture
def conversation(channel):
    result = ingest_message(inbound=make_inbound(channel=channel, text="My parcel is lost"))
    return Conversation.objects.get(pk=result.conversation_id)
