"""Pushes to browsers: small events to a team's group; consumers render fresh rows.

Called by the change handler (inbox.followups) after commit, never by a write directly.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def team_group(team_id: int) -> str:
    return f"team-{team_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def _send(group: str, event: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # A push is a courtesy to open browsers; the database already holds the truth and the
        # page catches up on reconnect, so a Redis hiccup must not fail the write that caused it.
        logger.warning("push failed", extra={"group": group}, exc_info=True)


def push_now(*, conversation_id: int, team_id: int, reason: str) -> None:
    """Tell the team's browsers, and those showing the conversation, that it changed."""
    event = {"type": "conversation.changed", "conversation_id": conversation_id, "reason": reason}
    _send(team_group(team_id), event)
    _send(conversation_group(conversation_id), event)


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def push_notification(*, user_id: int, notification_id: int | None) -> None:
    """Tell one user's open pages that their notifications changed (None: some were read)."""
    _send(user_group(user_id), {"type": "notification.changed", "notification_id": notification_id})
