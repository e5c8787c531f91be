from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.template.loader import render_to_string

from inbox import selectors
from inbox.events import conversation_group


def render_queue_row(*, user: Any, conversation_id: int) -> dict[str, Any]:
    """The fresh row for this user, or a removal when they may not or no longer should see it."""
    try:
        conversation = selectors.conversation_for_user(user=user, conversation_id=conversation_id)
    except Http404:
        return {"kind": "remove", "id": conversation_id}
    if conversation.status not in selectors.QUEUE_STATUSES:
        return {"kind": "remove", "id": conversation_id}
    html = render_to_string("inbox/_queue_row.html", {"c": conversation})
    return {"kind": "row", "id": conversation_id, "html": html}


class QueueConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close()
            return
        self.group_names = await database_sync_to_async(selectors.queue_groups_for)(user=user)
        for name in self.group_names:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "group_names", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def conversation_changed(self, event: dict[str, Any]) -> None:
        payload = await database_sync_to_async(render_queue_row)(
            user=self.scope["user"], conversation_id=event["conversation_id"]
        )
        payload["reason"] = event.get("reason", "")
        await self.send_json(payload)


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    """One open conversation page: tells it when the thread changed."""

    async def connect(self) -> None:
        user = self.scope["user"]
        conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        if not user.is_authenticated:
            await self.close()
            return
        try:
            await database_sync_to_async(selectors.conversation_for_user)(user=user, conversation_id=conversation_id)
        except Http404:
            await self.close()
            return
        self.group_name = conversation_group(conversation_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def conversation_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"kind": "changed", "reason": event.get("reason", "")})
