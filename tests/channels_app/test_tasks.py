"""The poll beat: each due channel is claimed for one round, once, however many beats overlap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import actions
from inbox.models import Channel
from tests.factories import make_channel

pytestmark = pytest.mark.django_db


def test_a_poll_round_is_claimed_once_and_moves_the_next_poll_on():
    # given: two beats read the same due channel
    now = timezone.now()
    channel = make_channel()
    first_read, second_read = Channel.objects.get(pk=channel.pk), Channel.objects.get(pk=channel.pk)
    # when
    first = actions.claim_poll_round(channel=first_read, now=now)
    second = actions.claim_poll_round(channel=second_read, now=now)
    # then
    stored = Channel.objects.get(pk=channel.pk)
    assert (first, second) == (True, False)
    assert stored.next_poll_at == now + timedelta(seconds=channel.poll_interval_seconds)
    assert stored.last_polled_at == now
