"""What the rules' tests share beyond tests/conftest.py's team, channel and agent: a supervisor, a default SLA, a customer writing."""

import pytest

from inbox.actions import ingest_message
from inbox.models import Conversation
from tests.factories import make_author, make_inbound, make_user
from tests.sla.factories import make_policy


@pytest.fixture
def supervisor(team):
    return make_user(role="supervisor", supervises=[team], username="sam")


@pytest.fixture
def policy():
    return make_policy(name="Default", first_response_minutes=30)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what follows a commit (the change path, the scorer's flags), as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def write(channel, committed):
    """A customer writes on the channel; returns the conversation as stored after the change path."""

    def _write(
        text, *, followers=None, external_id="cust-1", thread_key="thread-1", visibility="public", channel=channel, **extra
    ):
        author = make_author(external_id=external_id, follower_count=followers, handle="@loud")
        inbound = make_inbound(channel=channel, text=text, author=author, thread_key=thread_key, visibility=visibility, **extra)
        with committed():
            result = ingest_message(inbound=inbound)
        return Conversation.objects.get(pk=result.conversation_id)

    return _write
