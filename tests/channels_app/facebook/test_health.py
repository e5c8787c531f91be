"""A Facebook channel says when it is not working: polls that fail, a Page check that is refused."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from channels_app.tasks import poll_channel
from inbox.models import Channel, ChannelStatus
from tests.channels_app.facebook.helpers import GRAPH, PAGE_ID, load

pytestmark = pytest.mark.django_db

FEED = f"{GRAPH}/{PAGE_ID}/feed"
CONVERSATIONS = f"{GRAPH}/{PAGE_ID}/conversations"
PERMISSION_ERROR = {
    "error": {
        "message": "(#200) Requires pages_read_engagement permission to manage the object",
        "type": "OAuthException",
        "code": 200,
        "fbtrace_id": "B7",
    }
}
SERVER_ERROR = {
    "error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2, "is_transient": True}
}


def poll(channel: Channel) -> Channel:
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=channel.created_at)
    poll_channel.delay(channel.pk)
    return Channel.objects.get(pk=channel.pk)


def test_a_poll_refused_for_a_missing_permission_needs_attention_at_once(admin_client, channel, graph):
    # given
    graph.get(FEED, status=403, json=PERMISSION_ERROR)
    # when
    channel = poll(channel)
    page = admin_client.get(f"/settings/channels/facebook/{channel.pk}/").content.decode()
    # then
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "Requires pages_read_engagement permission" in channel.status_reason
    assert "Requires pages_read_engagement permission" in page
    assert 'id="channel-alert"' in page


def test_three_failed_polls_in_a_row_need_attention_and_the_next_good_one_clears_it(admin_client, channel, graph):
    # given
    graph.get(FEED, status=500, json=SERVER_ERROR)
    # when
    states = [poll(channel).status for _ in range(3)]
    flagged = Channel.objects.get(pk=channel.pk)
    banner = admin_client.get("/").content.decode()
    graph.reset()
    graph.get(FEED, json=load("poll_feed"))
    graph.get(CONVERSATIONS, json=load("poll_conversations"))
    recovered = poll(channel)
    # then
    assert states == [ChannelStatus.ACTIVE, ChannelStatus.ACTIVE, ChannelStatus.NEEDS_ATTENTION]
    assert flagged.status_reason.startswith("The last 3 polls failed")
    assert "Facebook is temporarily unavailable" in flagged.status_reason
    assert f"{channel.name}</strong> (needs attention)" in banner
    assert (recovered.status, recovered.status_reason, recovered.poll_failures) == (ChannelStatus.ACTIVE, "", 0)
    assert 'id="channel-alert"' not in admin_client.get("/").content.decode()
    assert list(
        AuditEntry.objects.filter(kind__startswith="channel.", target_id=str(channel.pk))
        .values_list("kind", flat=True)
        .order_by("id")
    ) == [
        "channel.needs_attention",
        "channel.recovered",
    ]


def test_a_page_check_refused_for_permissions_marks_the_channel(admin_client, channel, graph):
    # given: the token is good, but the app may not subscribe the Page
    graph.get(f"{GRAPH}/{PAGE_ID}", json={"id": PAGE_ID, "name": "Aurora Outdoor AS"})
    graph.post(f"{GRAPH}/{PAGE_ID}/subscribed_apps", status=403, json=PERMISSION_ERROR)
    # when
    page = admin_client.post(f"/settings/channels/facebook/{channel.pk}/connect/", follow=True).content.decode()
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert channel.status_reason.startswith("The Page check failed")
    assert "Needs attention" in page
