"""Channel rules a reply must meet before anything is sent (length, messaging windows)."""

from typing import Any

from django.utils.module_loading import import_string

from channels_app.base import CONNECTORS, ReplyRefused
from inbox.models import Conversation


def reply_limits(*, conversation: Conversation) -> dict[str, Any]:
    """What the composer shows before sending: the channel's limits and windows, in words."""
    cls = import_string(CONNECTORS[conversation.channel.kind])
    limits = getattr(cls, "reply_limits", None)
    return limits(conversation) if limits is not None else {}


def check_reply(*, conversation: Conversation, text: str, visibility: str, options: dict[str, Any]) -> None:
    """Raise ReplyRefused with the reason when the channel would refuse this reply."""
    cls = import_string(CONNECTORS[conversation.channel.kind])
    check = getattr(cls, "check_reply", None)
    if check is not None:
        check(conversation, text, visibility, options)


__all__ = ["ReplyRefused", "check_reply", "reply_limits"]
