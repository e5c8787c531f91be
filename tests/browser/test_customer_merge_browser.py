"""Merging two customers in chromium: review first (who is kept, what moves), then merge."""

from __future__ import annotations

import re

import pytest

from inbox.actions import ingest_message
from inbox.models import Conversation, Customer
from tests.browser.harness import BROWSER_MARKS, axe_violations, describe, open_page
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = BROWSER_MARKS


@pytest.fixture
def marias(transactional_db):
    team = make_team("Support")
    x, mail = make_channel(team=team, name="X support"), make_channel(team=team, name="Mail", config={"flavor": "email"})
    old = ingest_message(
        inbound=make_inbound(channel=x, thread_key="x", author=make_author(handle="@mkhan", display_name="Maria Khan"))
    )
    new = ingest_message(
        inbound=make_inbound(
            channel=mail,
            thread_key="m",
            author=make_author(kind="sim-email", handle="maria@example.com", display_name="Maria Khan"),
        )
    )
    kept = Conversation.objects.get(pk=old.conversation_id).customer
    merged = Conversation.objects.get(pk=new.conversation_id).customer
    return make_user(teams=[team], username="alice"), kept, merged


def test_the_merge_is_reviewed_before_it_happens_and_the_old_page_leads_to_the_survivor(browser, server, marias):
    # given: on the newer customer's page, choosing to keep the older one
    alice, kept, merged = marias
    page = open_page(browser, server, alice)
    page.goto(f"/customers/{merged.pk}/")
    page.get_by_label("Merge with customer #").fill(str(kept.pk))
    page.get_by_label("keep the other").check()
    # when
    page.get_by_role("button", name="Review merge").click()
    # then: the confirmation says who stays and what moves, and nothing has moved yet
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"Merge Maria Khan (#{merged.pk}) into Maria Khan (#{kept.pk})?"
    assert f"#{kept.pk}" in page.locator("#merge-kept").inner_text()
    assert page.locator("#merge-moves li").all_inner_texts()[:2] == ["1 conversation", "1 identity"]
    assert {"@mkhan", "maria@example.com"} <= set(
        re.findall(r"@mkhan|maria@example\.com", page.locator("#merge-identities").inner_text())
    )
    assert Customer.objects.get(pk=merged.pk).merged_into_id is None
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert page.csp_violations == []
    # when
    page.get_by_role("button", name=f"Merge Maria Khan (#{merged.pk}) into Maria Khan (#{kept.pk})").click()
    # then
    page.wait_for_url(f"**/customers/{kept.pk}/")
    assert f"Merged Maria Khan (#{merged.pk}) into Maria Khan (#{kept.pk})." in page.locator(".flash").inner_text()
    page.goto(f"/customers/{merged.pk}/")
    assert page.url.endswith(f"/customers/{kept.pk}/")
    page.context.close()
