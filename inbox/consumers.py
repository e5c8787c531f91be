"""Websockets: the live queue and one open conversation (changes, who is viewing, who is typing).

No business logic here. Writes push small events after commit (inbox/events.py); each consumer
renders the fresh row from the database for its own user and filters, so a late or reordered event
never shows a stale row, and a user never receives a row of a team they cannot see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from inbox import notification_selectors, presence, queue_selectors, selectors
from inbox.assignment import assign_for_agent
from inbox.events import conversation_group, team_group, user_group
from inbox.queue_rendering import filters_from, render_counts, render_queue_row


def _heartbeat(user: Any) -> None:
    if presence.mark_seen(user_id=user.pk):
        assign_for_agent(user=user)


class QueueConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close()  # rejects the handshake
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.filters = filters_from({k: v[0] for k, v in query.items()})
        self.team_ids, self.channels, self.tags = await database_sync_to_async(self._load)(user)
        self.group_names = [team_group(team_id) for team_id in self.team_ids]
        for name in self.group_names:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()
        await database_sync_to_async(_heartbeat)(user)

    def _load(self, user: Any) -> tuple[list[int], list[Any], list[Any]]:
        team_ids = selectors.visible_team_ids(user=user)
        return team_ids, queue_selectors.queue_channels(team_ids=team_ids), selectors.all_tags()

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "group_names", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await database_sync_to_async(_heartbeat)(self.scope["user"])
            await self.send_json({"kind": "pong", "t": content.get("t")})

    async def conversation_changed(self, event: dict[str, Any]) -> None:
        payload = await database_sync_to_async(self._render)(event["conversation_id"])
        payload["reason"] = event.get("reason", "")
        await self.send_json(payload)

    def _render(self, conversation_id: int) -> dict[str, Any]:
        user = self.scope["user"]
        payload = render_queue_row(user=user, conversation_id=conversation_id, filters=self.filters, team_ids=self.team_ids)
        payload["counts"] = render_counts(
            user=user, filters=self.filters, team_ids=self.team_ids, channels=self.channels, tags=self.tags
        )
        return payload


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    """One open conversation page: thread changes, and the other agents viewing and typing."""

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
        await self._announce("join")
        await database_sync_to_async(_heartbeat)(user)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self._announce("leave")
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def _announce(self, action: str) -> None:
        event = presence.presence_event(action=action, user=self.scope["user"], sender=self.channel_name)
        await self.channel_layer.group_send(self.group_name, event)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind in ("typing", "stopped"):
            await self._announce(kind)
        elif kind == "ping":
            await database_sync_to_async(_heartbeat)(self.scope["user"])
            await self.send_json({"kind": "pong"})

    async def conversation_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"kind": "changed", "reason": event.get("reason", "")})

    async def presence_event(self, event: dict[str, Any]) -> None:  # "presence.event"
        if event["from"] == self.channel_name or event["user_id"] == self.scope["user"].pk:
            return  # your own pages are not "someone else"
        if event["action"] == "join":
            # Answer a newcomer directly so they learn who was already here.
            here = presence.presence_event(action="here", user=self.scope["user"], sender=self.channel_name)
            await self.channel_layer.send(event["from"], here)
        await self.send_json(
            {
                "kind": "presence",
                "action": event["action"],
                "user_id": event["user_id"],
                "name": event["name"],
                "conn": event["from"][-12:],
            }
        )


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Every page of a signed-in user: their own notifications, live (the bell, the browser's pop-up)."""

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated or not user.is_active:
            await self.close()
            return
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"kind": "pong"})

    async def notification_changed(self, event: dict[str, Any]) -> None:  # "notification.changed"
        payload = await database_sync_to_async(self._render)(event.get("notification_id"))
        await self.send_json(payload)

    def _render(self, notification_id: int | None) -> dict[str, Any]:
        user = self.scope["user"]
        payload: dict[str, Any] = {
            "kind": "notification",
            "unread": notification_selectors.unread_notification_count(user=user),
        }
        notification = notification_selectors.own_notification(user=user, notification_id=notification_id)
        if notification is not None:
            payload.update(
                id=notification.pk,
                text=notification.text,
                type=notification.kind,
                url=f"/conversations/{notification.conversation_id}/" if notification.conversation_id else "/notifications/",
            )
        return payload
