"""An X channel whose polls keep failing needs attention; the first poll that works clears it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from channels_app.tasks import poll_channel, poll_due_channels
from inbox.models import Channel, ChannelStatus
from tests.channels_app.x.replay import MENTIONS_URL, NOW, budget_headers, fixture, make_x_channel

pytestmark = pytest.mark.django_db


def poll(channel: Channel) -> Channel:
    poll_channel.delay(channel.pk)
    return Channel.objects.get(pk=channel.pk)


def test_x_server_errors_need_attention_after_three_polls_and_a_good_poll_clears_it(admin_client, x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"})
    x_api.get(MENTIONS_URL, status=503, json={"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503})
    # when
    states = [poll(channel).status for _ in range(3)]
    flagged = Channel.objects.get(pk=channel.pk)
    page = admin_client.get(f"/settings/channels/x/{channel.pk}/").content.decode()
    x_api.reset()
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"), headers=budget_headers())
    recovered = poll(channel)
    # then
    assert states == [ChannelStatus.ACTIVE, ChannelStatus.ACTIVE, ChannelStatus.NEEDS_ATTENTION]
    assert "The last 3 polls failed" in flagged.status_reason and "X had a server error" in flagged.status_reason
    assert "The last 3 polls failed" in page and 'id="channel-alert"' in page
    assert 'id="poll-failures"' in page
    assert (recovered.status, recovered.status_reason) == (ChannelStatus.ACTIVE, "")


def test_a_failing_channel_is_polled_less_often_but_still_polled(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"})
    x_api.get(MENTIONS_URL, status=503, json={"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503})
    for _ in range(3):
        poll(channel)
    flagged = Channel.objects.get(pk=channel.pk)
    # when: the beat runs once the back-off is over
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=flagged.created_at)
    claimed = poll_due_channels()
    # then: 30-second polls back off (30 s x 2^3 after the third failure) and are still claimed
    assert flagged.next_poll_at == NOW + timedelta(seconds=240)
    assert claimed == 1
    assert len(x_api.calls) == 4
