import pytest

from accounts.models import User
from demo.workspace import seed_demo
from inbox.models import Channel, Conversation, Customer, Message

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Channel.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
    )


def test_the_demo_seed_makes_a_workspace_and_a_second_run_changes_nothing():
    # given
    logins = seed_demo(history=60)
    first = _counts()
    # when
    seed_demo(history=60)
    # then
    assert _counts() == first
    assert {login.role for login in logins} == {"agent", "supervisor", "admin"}
    assert first[2] >= 40
    assert all(User.objects.get(username=login.username).check_password(login.password) for login in logins)


def test_demo_customers_write_on_several_channels():
    # given
    seed_demo(history=90)
    # when
    multi_channel = [c for c in Customer.objects.all() if c.conversations.values("channel").distinct().count() > 1]
    # then
    assert multi_channel
