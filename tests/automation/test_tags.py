"""Tags: agents find or create them as they type, add and remove them; the queue filters by them."""

import pytest
from django.urls import reverse

from inbox.actions import ActionError, add_tag, find_or_create_tag
from inbox.models import ConversationEvent, Tag
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db


def test_an_agent_adds_a_new_tag_then_finds_it_again_whatever_the_case(client, write, agent):
    conversation = write("Billing question")
    client.force_login(agent)
    url = reverse("inbox:tag_add", args=[conversation.pk])
    response = client.post(url, {"name": "  Billing "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Billing" in response.content.decode()
    other = write("Another", thread_key="t2", external_id="c2")
    client.post(reverse("inbox:tag_add", args=[other.pk]), {"name": "billing"}, HTTP_HX_REQUEST="true")
    assert Tag.objects.count() == 1
    assert list(other.tags.values_list("name", flat=True)) == ["Billing"]
    event = ConversationEvent.objects.get(conversation=other, kind="tag_added")
    assert (event.actor, event.data["tag"]) == (agent, "Billing")
    # typing finds it
    found = client.get(reverse("inbox:tag_search", args=[write("Third", thread_key="t3").pk]), {"name": "bil"})
    assert '<option value="Billing">' in found.content.decode()


def test_removing_a_tag(client, write, agent):
    conversation = write("Hello")
    tag, _ = add_tag(conversation=conversation, name="refund", actor=agent)
    client.force_login(agent)
    client.post(reverse("inbox:tag_remove", args=[conversation.pk, tag.pk]), HTTP_HX_REQUEST="true")
    assert not conversation.tags.exists()
    assert ConversationEvent.objects.filter(conversation=conversation, kind="tag_removed").exists()


def test_a_tag_needs_a_name(agent, write):
    with pytest.raises(ActionError):
        add_tag(conversation=write("x"), name="  # ", actor=agent)


def test_an_agent_of_another_team_cannot_tag(client, write):
    conversation = write("Hello")
    outsider = make_user(teams=[make_team("Other")])
    client.force_login(outsider)
    response = client.post(reverse("inbox:tag_add", args=[conversation.pk]), {"name": "spam"})
    assert response.status_code == 404
    assert not conversation.tags.exists()


def test_the_queue_filters_by_tag(client, write, agent):
    billing = write("Invoice wrong", thread_key="a")
    write("Parcel lost", thread_key="b", external_id="c2")
    tag, _ = add_tag(conversation=billing, name="billing", actor=agent)
    client.force_login(agent)
    page = client.get(reverse("inbox:queue"), {"tag": tag.pk}).content.decode()
    assert "Invoice wrong" in page and "Parcel lost" not in page
    assert f"?tag={tag.pk}" in client.get(reverse("inbox:queue")).content.decode()
    assert find_or_create_tag(name="BILLING") == tag
