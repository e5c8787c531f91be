"""Writes to channels: settings saved, health reported by connectors, cursors, a move to another team."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

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


def flag_channel(*, channel: Channel, reason: str) -> None:
    """The connector cannot work this channel (keys refused, server unreachable): an admin must look."""
    logger.warning("channel needs attention", extra={"channel_id": channel.pk, "reason": reason})
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason=reason[:1000])
    channel.status, channel.status_reason = ChannelStatus.NEEDS_ATTENTION, reason[:1000]


def disable_channel(*, channel: Channel, reason: str) -> None:
    """The platform took our access away (an app revoked): no polling, no sending until reconnected."""
    logger.warning("channel disabled", extra={"channel_id": channel.pk, "reason": reason})
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.DISABLED, status_reason=reason[:1000])
    channel.status, channel.status_reason = ChannelStatus.DISABLED, reason[:1000]


def activate_channel(*, channel: Channel, config: dict[str, Any] | None = None, **fields: Any) -> None:
    """A connection check passed: the channel works again (with what the check learned in config)."""
    updates: dict[str, Any] = {"status": ChannelStatus.ACTIVE, "status_reason": "", **fields}
    if config is not None:
        updates["config"] = config
    Channel.objects.filter(pk=channel.pk).update(**updates)
    for name, value in updates.items():
        setattr(channel, name, value)


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
