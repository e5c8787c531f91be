"""Reports by tag: the tag filter narrows every figure to the tagged conversations, and the
"By tag" table counts what customers asked about on which channel, each recomputed from the rows."""

from __future__ import annotations

import random
from datetime import UTC

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from inbox.models import Conversation, Message, Tag
from sla.models import SlaEvent
from sla.reports import figures
from sla.reports.filters import report_scope
from tests.factories import make_user
from tests.sla.reports.test_figures import END, NOW, PERIOD, START, _expected, _got, world  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(world):  # noqa: F811 - the fixture imported above
    """Refund on about half the conversations, delivery on a third, some with both."""
    rng = random.Random(16)
    refund, delivery = Tag.objects.create(name="refund"), Tag.objects.create(name="delivery")
    for conversation in Conversation.objects.all():
        if rng.random() < 0.5:
            conversation.tags.add(refund)
        if rng.random() < 0.33:
            conversation.tags.add(delivery)
    return refund, delivery


def test_a_tag_filter_narrows_every_figure_to_the_tagged_conversations(tagged):
    # given
    refund, _ = tagged
    admin = make_user(role=Role.ADMIN)
    scope, form = report_scope(user=admin, params={**PERIOD, "tag": str(refund.pk)}, zone=UTC, now=NOW)
    ids = set(refund.conversations.values_list("pk", flat=True))
    events = [e for e in SlaEvent.objects.filter(happened_at__gte=START, happened_at__lt=END) if e.conversation_id in ids]
    came = Conversation.objects.filter(pk__in=ids, created_at__gte=START, created_at__lt=END)
    sent = Message.objects.filter(conversation__in=ids, direction="out", platform_time__gte=START, platform_time__lt=END)
    # when
    grouped, counts, points = figures.outcome_figures(scope), figures.counts(scope), figures.series(scope)
    # then
    assert not form.errors and scope.params["tag"] == str(refund.pk)
    assert events and _got(grouped[""][None]) == _expected(events)
    for key in grouped["channel"]:
        assert _got(grouped["channel"][key]) == _expected([e for e in events if e.channel_id == key])
    assert counts[""][None] == (came.count(), sent.count())
    assert sum(p.conversations_in for p in points) == came.count()
    assert sum(p.breaches for p in points) == sum(e.outcome == "breached" for e in events)
    drilled = {row.conversation_id for row in figures.drill_down(scope, metric="first_response", outcome="breached")}
    assert drilled == {e.conversation_id for e in events if e.metric == "first_response" and e.outcome == "breached"}
    assert {row.conversation_id for row in figures.drill_down(scope)} == set(came.values_list("pk", flat=True))


def test_the_by_tag_table_counts_each_tag_by_channel_and_links_to_its_report(tagged, client):
    # given
    refund, delivery = tagged
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    came = Conversation.objects.filter(created_at__gte=START, created_at__lt=END).prefetch_related("tags")
    breaches = SlaEvent.objects.filter(outcome="breached", happened_at__gte=START, happened_at__lt=END)
    # when
    with time_machine.travel(NOW, tick=False):
        scope, _ = report_scope(user=admin, params=PERIOD, zone=UTC, now=NOW)
        found = {c.tag_id: c for c in figures.by_tag(scope)}
        page = client.get(reverse("sla_reports:index"), PERIOD)
    # then
    for tag in (refund, delivery):
        mine = [c for c in came if tag in c.tags.all()]
        by_channel = {}
        for c in mine:
            by_channel[c.channel_id] = by_channel.get(c.channel_id, 0) + 1
        assert found[tag.pk].conversations_in == by_channel
        assert found[tag.pk].breaches == breaches.filter(conversation__tags=tag).count()
    rows = {row.name: row for row in page.context["tags"]}
    assert rows["refund"].conversations_in == found[refund.pk].total_in
    assert f"tag={refund.pk}" in rows["refund"].report_href
    html = page.content.decode()
    assert 'id="by-tag"' in html and "Any tag" in html
    # and following a channel's count lists exactly those conversations
    name, n, link = rows["delivery"].channels[0]
    with time_machine.travel(NOW, tick=False):
        listed = client.get(link).context["rows"]
    assert len(listed) == n
    assert Conversation.objects.filter(pk__in=[row.conversation_id for row in listed], tags=delivery).count() == n
