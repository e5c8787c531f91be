"""What channels_app provides to the core (inbox.ports.ChannelRules): reply rules and delivery."""

from __future__ import annotations

from typing import Any

from channels_app.registry import connector_for
from channels_app.tasks import enqueue_delivery
from inbox.models import Conversation
from inbox.ports import ReplyRefused


class ChannelRules:
    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        return connector_for(conversation.channel).reply_limits(conversation)

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if not conversation.channel.enabled:
            raise ReplyRefused(f"{conversation.channel.name} is disabled by an admin: enable it to reply here.")
        connector_for(conversation.channel).check_reply(conversation, text=text, visibility=visibility, options=options)

    def enqueue_delivery(self, message_id: int) -> None:
        enqueue_delivery(message_id)
