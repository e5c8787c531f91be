"""The conversation page's side panel: the customer's accounts, reach, notes and their other
conversations on any channel, without leaving the thread."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from inbox.actions import ingest_message, update_customer_note
from inbox.models import Conversation
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


def test_the_side_panel_shows_accounts_reach_notes_and_other_conversations_of_the_users_teams(client):
    # given
    support, elsewhere = make_team("Support"), make_team("Elsewhere")
    agent = make_user(teams=[support])
    x, mail = make_channel(team=support, name="X support"), make_channel(team=support, name="Mailbox")
    hidden = make_channel(team=elsewhere)
    maria_x = make_author(kind="sim-x", external_id="x-7", handle="@mariak", display_name="Maria Khan")
    maria_x = replace(maria_x, follower_count=1234, same_person_as=(("sim-email", "email-7"),))
    maria_mail = make_author(kind="sim-email", external_id="email-7", handle="maria@example.com", display_name="Maria Khan")
    ingest_message(inbound=make_inbound(channel=mail, author=maria_mail, text="Order #48213 details", visibility="private"))
    here = Conversation.objects.get(
        pk=ingest_message(inbound=make_inbound(channel=x, author=maria_x, text="Public complaint")).conversation_id
    )
    ingest_message(inbound=make_inbound(channel=hidden, author=maria_mail, text="Secret elsewhere", thread_key="other"))
    update_customer_note(customer=here.customer, team=support, text="Prefers email", shared=False, actor=agent)
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:conversation", args=[here.pk])).content.decode()
    panel = html[html.index('id="customer-panel"') : html.index('id="timeline-title"')]
    # then
    assert "X (simulated)" in panel and "Email (simulated)" in panel
    assert panel.count("maria@example.com") == 2  # the link's address and its text, once
    assert "1,234 followers" in panel
    assert "Prefers email" in panel
    assert "Mailbox" in panel and "Order #48213 details" in panel
    assert "Secret elsewhere" not in panel
    assert "Public complaint" not in panel  # the open conversation is not listed as an "other"
