"""Writes to channels: settings saved, health reported by connectors, poll rounds and cursors, a move to another team."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.models import User
from inbox import changes
from inbox.actions.common import record_event
from inbox.models import Channel, ChannelStatus, Conversation, ConversationStatus

logger = logging.getLogger(__name__)


# What an admin's settings page may change by default: never the cursor or the poll schedule, which
# the connector moves meanwhile.
SETTINGS_FIELDS = ("name", "team", "config", "credentials", "poll_interval_seconds", "status", "status_reason")


def save_channel(*, channel: Channel, update_fields: Sequence[str] = SETTINGS_FIELDS) -> Channel:
    """Store an admin's channel settings; a channel given to another team takes its conversations.

    update_fields: only these columns (an edit form's), so a cursor or a status that a poll wrote
    while the admin had the page open is not overwritten with what the page loaded.
    """
    team_before = Channel.objects.filter(pk=channel.pk).values_list("team_id", flat=True).first() if channel.pk else None
    with transaction.atomic():
        if team_before is None:
            channel.save(force_insert=True)
        else:
            channel.save(update_fields=list(update_fields))
        if team_before is not None and team_before != channel.team_id:
            move_channel_conversations(channel=channel, from_team_id=team_before)
    return channel


def move_channel_conversations(*, channel: Channel, from_team_id: int) -> int:
    """A channel given to another team takes its conversations along, rescored for that team."""
    moved = Conversation.objects.filter(channel=channel).update(team_id=channel.team_id)
    for conversation in Conversation.objects.filter(channel=channel).exclude(status=ConversationStatus.RESOLVED).only("pk"):
        record_event(
            conversation=conversation, kind="channel_moved", data={"from_team": from_team_id, "to_team": channel.team_id}
        )
        changes.announce(conversation_id=conversation.pk, team_id=channel.team_id, reason="channel_moved")
    logger.info("channel moved team", extra={"channel_id": channel.pk, "team_id": channel.team_id, "conversations": moved})
    return moved


# Polls fail now and then (a timeout, a server restarting); this many in a row is a channel that
# is not working, and an admin should know.
POLL_FAILURES_BEFORE_ATTENTION = 3
# A failing channel is still polled, so the first poll that works clears it, but less often.
MAX_FAILING_POLL_INTERVAL = timedelta(minutes=15)


def flag_channel(*, channel: Channel, reason: str) -> None:
    """A check or a send found the channel broken (keys refused, server unreachable): an admin must look."""
    reason = reason[:1000]
    logger.warning("channel needs attention", extra={"channel_id": channel.pk, "reason": reason})
    was = Channel.objects.filter(pk=channel.pk).values_list("status", flat=True).first()
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason=reason)
    channel.status, channel.status_reason = ChannelStatus.NEEDS_ATTENTION, reason
    if was != ChannelStatus.NEEDS_ATTENTION:
        audit.record("channel.needs_attention", actor=None, target=channel, after={"reason": reason})


def record_poll_failed(*, channel: Channel, reason: str, lasting: bool = False) -> None:
    """A poll did not get through. lasting: the platform refused us (keys, permissions), so flag at once;
    otherwise after POLL_FAILURES_BEFORE_ATTENTION in a row."""
    now = timezone.now()
    with transaction.atomic():
        health = ("pk", "poll_failures", "failing_since", "poll_interval_seconds")
        row = Channel.objects.select_for_update(no_key=True).only(*health).get(pk=channel.pk)
        failures = row.poll_failures + 1
        since = row.failing_since or now
        backoff = min(timedelta(seconds=row.poll_interval_seconds * 2**failures), MAX_FAILING_POLL_INTERVAL)
        Channel.objects.filter(pk=channel.pk).update(poll_failures=failures, failing_since=since, next_poll_at=now + backoff)
        channel.poll_failures, channel.failing_since = failures, since
        logger.warning("channel poll failed", extra={"channel_id": channel.pk, "failures": failures, "reason": reason[:300]})
        if lasting:
            flag_channel(channel=channel, reason=reason)
        elif failures >= POLL_FAILURES_BEFORE_ATTENTION:
            when = since.strftime("%Y-%m-%d %H:%M UTC")
            flag_channel(channel=channel, reason=f"The last {failures} polls failed (since {when}): {reason}")


def record_poll_ok(*, channel: Channel) -> None:
    """A poll got through: a channel that was failing works again. Costs nothing while healthy."""
    if channel.poll_failures == 0 and channel.status != ChannelStatus.NEEDS_ATTENTION:
        return
    _recovered(channel, how="poll")


def activate_channel(*, channel: Channel, config: dict[str, Any] | None = None, **fields: Any) -> None:
    """A connection check passed: the channel works again (with what the check learned in config)."""
    updates: dict[str, Any] = {"status": ChannelStatus.ACTIVE, "status_reason": "", "poll_failures": 0, "failing_since": None}
    updates.update(fields)
    if config is not None:
        updates["config"] = config
    Channel.objects.filter(pk=channel.pk).update(**updates)
    for name, value in updates.items():
        setattr(channel, name, value)


def _recovered(channel: Channel, *, how: str) -> None:
    with transaction.atomic():
        # Only a channel the polls themselves flagged, or merely counted, recovers by a poll; one an
        # admin must reconnect (disabled, refused keys at a check) waits for that check.
        updated = (
            Channel.objects.filter(pk=channel.pk)
            .filter(Q(status=ChannelStatus.ACTIVE) | Q(status=ChannelStatus.NEEDS_ATTENTION, poll_failures__gt=0))
            .update(status=ChannelStatus.ACTIVE, status_reason="", poll_failures=0, failing_since=None)
        )
        if not updated:
            return
        was, reason = channel.status, channel.status_reason
        channel.status, channel.status_reason, channel.poll_failures, channel.failing_since = ChannelStatus.ACTIVE, "", 0, None
        if was == ChannelStatus.NEEDS_ATTENTION:
            logger.info("channel works again", extra={"channel_id": channel.pk, "by": how})
            audit.record("channel.recovered", actor=None, target=channel, before={"reason": reason}, after={"by": how})


def disable_channel(*, channel: Channel, reason: str) -> None:
    """The platform took our access away (an app revoked): no polling, no sending until reconnected."""
    logger.warning("channel disabled", extra={"channel_id": channel.pk, "reason": reason})
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.DISABLED, status_reason=reason[:1000])
    channel.status, channel.status_reason = ChannelStatus.DISABLED, reason[:1000]


def set_channel_enabled(*, channel: Channel, enabled: bool, actor: User | None, ip_address: str = "") -> bool:
    """An admin's switch: False stops polling and holds webhook deliveries; True lets both go on.

    Returns whether anything changed. The caller (channels_app.switch) processes held deliveries.
    """
    with transaction.atomic():
        changed = Channel.objects.filter(pk=channel.pk).exclude(enabled=enabled).update(enabled=enabled)
        channel.enabled = enabled
        if changed:
            audit.record(
                "channel.enabled" if enabled else "channel.disabled",
                actor=actor,
                target=channel,
                before={"enabled": not enabled},
                after={"enabled": enabled},
                ip_address=ip_address,
            )
    return bool(changed)


def claim_poll_round(*, channel: Channel, now: datetime) -> bool:
    """Take this poll round of a channel due for one: False when another beat took it first.

    The conditional update is the claim (on the next_poll_at the caller read), so overlapping beats
    never poll a channel twice.
    """
    claimed = Channel.objects.filter(pk=channel.pk, next_poll_at=channel.next_poll_at).update(
        next_poll_at=now + timedelta(seconds=channel.poll_interval_seconds), last_polled_at=now
    )
    return bool(claimed)


def save_channel_cursor(*, channel: Channel, cursor: dict[str, Any], next_poll_at: datetime | None = None) -> None:
    """Where polling goes on from; call only after what it covers is committed."""
    updates: dict[str, Any] = {"cursor": cursor}
    if next_poll_at is not None:
        updates["next_poll_at"] = next_poll_at
    Channel.objects.filter(pk=channel.pk).update(**updates)
    for name, value in updates.items():
        setattr(channel, name, value)


def update_channel_cursor(*, channel: Channel, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
    """Move the cursor under a row lock, for pollers that may overlap (IMAP IDLE and the beat poll).

    change gets the stored cursor and returns the new one, or None to leave it (another poll went further).
    """
    with transaction.atomic():
        stored = Channel.objects.select_for_update(no_key=True).only("pk", "cursor").get(pk=channel.pk)
        cursor = change(dict(stored.cursor or {}))
        if cursor is None:
            return
        Channel.objects.filter(pk=channel.pk).update(cursor=cursor)
    channel.cursor = cursor
