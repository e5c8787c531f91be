"""Team boundaries on a shared customer: each team's note is its own; merging needs the whole view."""

import pytest
from django.urls import NoReverseMatch, reverse

from inbox.actions import ingest_message, update_customer_note
from inbox.models import Conversation, Customer, CustomerNote
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db

MARKER = "B-ONLY-7f3e-vip-refund-history"


@pytest.fixture
def world():
    """Jo writes to team A's X channel and to team B's; one customer, two teams."""
    team_a, team_b = make_team("A"), make_team("B")
    author = make_author(external_id="jo-1", handle="@jo", display_name="Jo")
    conversations = {}
    for team in (team_a, team_b):
        channel = make_channel(team=team, name=f"{team.name} on X")
        result = ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t-{team.name}", author=author))
        conversations[team.name] = Conversation.objects.get(pk=result.conversation_id)
    alice, bob = make_user(teams=[team_a], username="alice"), make_user(teams=[team_b], username="bob")
    customer = conversations["A"].customer
    assert conversations["B"].customer_id == customer.pk
    update_customer_note(customer=customer, team=team_b, text=f"Bob's team knows: {MARKER}", shared=False, actor=bob)
    return {"A": team_a, "B": team_b, "alice": alice, "bob": bob, "customer": customer, "conversations": conversations}


def _pages_of_a(client, world):
    conversation = world["conversations"]["A"]
    urls = [
        reverse("inbox:queue"),
        reverse("inbox:conversation", args=[conversation.pk]),
        reverse("inbox:conversation_live", args=[conversation.pk]),
        reverse("inbox:customer", args=[world["customer"].pk]),
    ]
    try:
        urls.append(reverse("inbox:search") + "?q=" + MARKER)
    except NoReverseMatch:
        pass  # no search page on this build
    return {url: client.get(url) for url in urls}


def _shown(url, response):
    html = response.content.decode()
    # The search page repeats the query the user typed (box, heading); what it found is in its results.
    return html[html.index('id="search-results"') :] if "/search/" in url else html


def test_team_bs_note_appears_on_none_of_team_as_pages(client, world):
    # given
    client.force_login(world["alice"])
    # when
    pages = _pages_of_a(client, world)
    # then
    assert {url: r.status_code for url, r in pages.items()} == {url: 200 for url in pages}
    assert [url for url, r in pages.items() if MARKER in _shown(url, r)] == []


def test_team_b_sees_its_own_note(client, world):
    # given
    client.force_login(world["bob"])
    # when
    page = client.get(reverse("inbox:customer", args=[world["customer"].pk])).content.decode()
    # then
    assert MARKER in page


def test_a_shared_note_is_shown_to_the_other_team_read_only(client, world):
    # given
    update_customer_note(customer=world["customer"], team=world["B"], text=MARKER, shared=True, actor=world["bob"])
    client.force_login(world["alice"])
    # when
    page = client.get(reverse("inbox:customer", args=[world["customer"].pk])).content.decode()
    # then
    assert "Shared by B" in page and MARKER in page
    assert f'id="note-team-{world["B"].pk}"' not in page


def test_team_a_cannot_write_team_bs_note(client, world):
    # given
    client.force_login(world["alice"])
    # when
    response = client.post(
        reverse("inbox:customer_notes", args=[world["customer"].pk]), {"team": world["B"].pk, "text": "overwritten"}
    )
    # then
    assert response.status_code == 403
    assert CustomerNote.objects.get(customer=world["customer"], team=world["B"]).text.endswith(MARKER)


def test_team_a_cannot_merge_a_customer_team_b_also_serves(client, world):
    # given
    other = Conversation.objects.get(
        pk=ingest_message(
            inbound=make_inbound(
                channel=world["conversations"]["A"].channel, thread_key="t-2", author=make_author(display_name="Jo")
            )
        ).conversation_id
    ).customer
    client.force_login(world["alice"])
    url = reverse("inbox:customer_merge", args=[other.pk])
    # when
    page = client.get(reverse("inbox:customer", args=[world["customer"].pk])).content.decode()
    preview = client.get(url, {"other": world["customer"].pk, "keep": "this"})
    merge = client.post(url, {"other": world["customer"].pk, "keep": "this"})
    # then
    assert 'id="cannot-merge"' in page
    assert (preview.status_code, merge.status_code) == (403, 403)
    assert Customer.objects.get(pk=world["customer"].pk).merged_into_id is None
    assert Conversation.objects.filter(customer=world["customer"]).count() == 2
