"""Search finds customers and conversations in the user's teams, by name, handle, email, order
number and words, best match first, with the match marked and customer text escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.actions import ingest_message
from inbox.models import Conversation
from inbox.search import highlight, search, snippet
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    return make_team("Support"), make_team("Elsewhere")


def _conversation(team, *, text, author=None, subject="", kind="sim-x", visibility="public"):
    channel = make_channel(team=team)
    inbound = make_inbound(
        channel=channel, text=text, author=author or make_author(kind=kind), subject=subject, visibility=visibility
    )
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


def test_an_order_number_finds_its_conversation_and_only_in_the_users_teams(teams):
    # given
    support, elsewhere = teams
    agent = make_user(teams=[support])
    mine = _conversation(support, text="My order #48213 never arrived")
    _conversation(support, text="My order #11111 is late")
    _conversation(elsewhere, text="Order #48213 is someone else's too")
    # when
    results = search(user=agent, query="#48213")
    # then
    assert [h.conversation.pk for h in results.conversations] == [mine.pk]
    assert "<mark>48213</mark>" in results.conversations[0].snippet


def test_a_customer_is_found_by_name_handle_fragment_and_email(teams):
    # given
    support, _ = teams
    agent = make_user(teams=[support])
    maria = _conversation(support, text="hi", author=make_author(handle="@mariakhan12", display_name="Maria Khan"))
    _conversation(
        support,
        text="hello",
        kind="email",
        author=make_author(kind="email", handle="ann.lee@example.com", display_name="Ann Lee"),
    )
    # when
    by_name = search(user=agent, query="maria khan")
    by_fragment = search(user=agent, query="mariak")
    by_email = search(user=agent, query="ann.lee@example.com")
    # then
    assert [h.customer.pk for h in by_name.customers] == [maria.customer_id]
    assert [h.customer.pk for h in by_fragment.customers] == [maria.customer_id]
    assert [h.customer.name for h in by_email.customers] == ["Ann Lee"]
    assert "<mark>mariak</mark>han12" in by_fragment.customers[0].detail


def test_words_find_messages_and_the_best_match_comes_first(teams):
    # given
    support, _ = teams
    agent = make_user(teams=[support])
    weak = _conversation(support, text="The lamp is fine but where is the charger")
    strong = _conversation(support, text="Broken lamp, broken lamp again: the lamp is broken")
    _conversation(support, text="Nothing to see here")
    # when
    results = search(user=agent, query="broken lamp")
    # then
    assert [h.conversation.pk for h in results.conversations][0] == strong.pk
    assert weak.pk not in [h.conversation.pk for h in results.conversations]


def test_an_agent_with_no_teams_finds_nothing_and_short_queries_search_nothing(teams):
    # given
    support, _ = teams
    _conversation(support, text="Order #48213")
    # when
    nobody = search(user=make_user(teams=[]), query="48213")
    short = search(user=make_user(teams=[support]), query="4")
    # then
    assert nobody.empty and short.empty


def test_customer_text_is_escaped_around_the_mark():
    assert highlight("<script>alert(1)</script> order 48213", ["48213"]) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; order <mark>48213</mark>"
    )
    assert highlight("A&B <b>", ["b"]) == "A&amp;<mark>B</mark> &lt;<mark>b</mark>&gt;"


def test_a_long_message_is_cut_around_its_match():
    text = "x " * 200 + "refund for order 48213 please " + "y " * 200
    cut = snippet(text, ["48213"])
    assert "48213" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) <= 170


def test_the_search_page_shows_results_to_an_agent_and_404s_for_anonymous(client, teams):
    # given
    support, _ = teams
    agent = make_user(teams=[support])
    conversation = _conversation(support, text="Where is order #48213?")
    # when
    anonymous = client.get(reverse("inbox:search"), {"q": "48213"})
    client.force_login(agent)
    page = client.get(reverse("inbox:search"), {"q": "48213"}).content.decode()
    # then
    assert anonymous.status_code == 302
    assert f'href="/conversations/{conversation.pk}/#msg-' in page
    assert "<mark>48213</mark>" in page
