"""Merging two customers: a confirmation that names who is kept and what moves, then the merge."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from inbox.actions import ingest_message, update_customer_note
from inbox.models import Conversation, ConversationEvent, Customer, CustomerNote
from tests.factories import make_author, make_channel, make_inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_marias(team, channel):
    """Maria Khan wrote on X and, as a second customer of the same name, by email."""
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    old = ingest_message(
        inbound=make_inbound(channel=channel, thread_key="x-1", author=make_author(handle="@mkhan", display_name="Maria Khan"))
    )
    new = ingest_message(
        inbound=make_inbound(
            channel=mail,
            thread_key="m-1",
            author=make_author(kind="sim-email", external_id="maria-mail", handle="maria@example.com", display_name="Maria Khan"),
        )
    )
    ingest_message(
        inbound=make_inbound(
            channel=mail,
            thread_key="m-2",
            author=make_author(kind="sim-email", external_id="maria-mail", handle="maria@example.com", display_name="Maria Khan"),
        )
    )
    kept = Conversation.objects.get(pk=old.conversation_id).customer
    merged = Conversation.objects.get(pk=new.conversation_id).customer
    update_customer_note(customer=merged, team=team, text="Prefers email", shared=False, actor=None)
    return kept, merged


def test_the_confirmation_names_who_is_kept_and_what_moves(client, agent, two_marias):
    # given: on the newer customer's page, asking to keep the other (older) one
    kept, merged = two_marias
    client.force_login(agent)
    # when
    page = client.get(reverse("inbox:customer_merge", args=[merged.pk]), {"other": kept.pk, "keep": "other"})
    html = page.content.decode()
    # then: nothing has moved yet, and the page says exactly what will
    assert page.status_code == 200
    assert Customer.objects.get(pk=merged.pk).merged_into_id is None
    assert f"Merge Maria Khan (#{merged.pk}) into Maria Khan (#{kept.pk})" in html
    kept_side = html[html.index('id="merge-kept"') : html.index('id="merge-away"')]
    assert f"#{kept.pk}" in kept_side and f"#{merged.pk}" not in kept_side
    moves = html[html.index('id="merge-moves"') : html.index("</ul>", html.index('id="merge-moves"'))]
    assert "2 conversations" in moves and "1 identity" in moves and "1 note" in moves
    identities = html[html.index('id="merge-identities"') :]
    assert "@mkhan" in identities and "maria@example.com" in identities


def test_confirming_merges_records_it_and_the_old_page_leads_to_the_survivor(client, agent, team, two_marias):
    # given
    kept, merged = two_marias
    client.force_login(agent)
    # when
    response = client.post(reverse("inbox:customer_merge", args=[kept.pk]), {"other": merged.pk, "keep": "this"}, follow=True)
    old_page = client.get(reverse("inbox:customer", args=[merged.pk]))
    # then
    assert f"Merged Maria Khan (#{merged.pk}) into Maria Khan (#{kept.pk})." in response.content.decode()
    assert (old_page.status_code, old_page["Location"]) == (302, reverse("inbox:customer", args=[kept.pk]))
    assert Conversation.objects.filter(customer=kept).count() == 3
    assert CustomerNote.objects.get(customer=kept, team=team).text == "Prefers email"
    assert ConversationEvent.objects.filter(kind="merged", data__into_customer=kept.pk).count() == 2
    assert AuditEntry.objects.filter(kind="customer.merged", target_id=str(kept.pk)).exists()


def test_keep_the_other_instead_swaps_the_direction(client, agent, two_marias):
    # given
    kept, merged = two_marias
    client.force_login(agent)
    first = client.get(reverse("inbox:customer_merge", args=[merged.pk]), {"other": kept.pk, "keep": "other"}).content.decode()
    swap_url = re.search(r'href="([^"]+)" id="swap-merge"', first).group(1).replace("&amp;", "&")
    # when
    swapped = client.get(swap_url).content.decode()
    # then
    assert f"Merge Maria Khan (#{kept.pk}) into Maria Khan (#{merged.pk})" in swapped
