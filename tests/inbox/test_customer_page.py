"""The customer page names each account's platform in words and shows an email address once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inbox.actions import ingest_message
from inbox.models import Conversation
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


def test_the_customers_accounts_are_named_x_and_email_and_the_address_shows_once(client):
    # given a customer who wrote by email and on X
    team = make_team()
    mail = make_author(kind="sim-email", external_id="email-7", handle="maria.khan@example.com", display_name="Maria Khan")
    x = make_author(
        kind="sim-x",
        external_id="x-7",
        handle="@mariakhan",
        display_name="Maria Khan",
        same_person_as=(("sim-email", "email-7"),),
    )
    email_channel = make_channel(team=team, config={"flavor": "email"})
    first = ingest_message(inbound=make_inbound(channel=email_channel, author=mail, thread_key="m-1")).conversation_id
    ingest_message(inbound=make_inbound(channel=make_channel(team=team), author=x, thread_key="x-1"))
    customer_id = Conversation.objects.get(pk=first).customer_id
    client.force_login(make_user(teams=[team]))
    # when
    page = client.get(reverse("inbox:customer", args=[customer_id])).content.decode()
    # then
    accounts = re.search(r'<ul class="identities" id="customer-identities">(.*?)</ul>', page, re.S).group(1)
    kinds = re.findall(r'<span class="chan">([^<]*)</span>', accounts)
    assert sorted(kinds) == ["Email (simulated)", "X (simulated)"]
    assert "sim-" not in accounts
    assert accounts.count("maria.khan@example.com") == 2  # once shown, once in its mailto: link
    assert 'href="mailto:maria.khan@example.com">maria.khan@example.com</a>' in accounts
