"""Websocket of the live at-risk list: supervisors and admins, for the teams they may see.

Changes reach it as the queue's team events (inbox/events.py); it re-renders the list for its own
user only when the changed conversation is on the list or joins it.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from accounts.permissions import SUPERVISOR_ROLES, has_role
from inbox.events import team_group
from inbox.selectors import visible_team_ids
from sla.reports.at_risk import SHOWN, at_risk, concerns


class AtRiskConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope["user"]
        if not has_role(user, SUPERVISOR_ROLES):
            await self.close()
            return
        self.team_ids = await database_sync_to_async(visible_team_ids)(user=user)
        self.shown: set[int] = set(await database_sync_to_async(self._ids)())
        self.group_names = [team_group(team_id) for team_id in self.team_ids]
        for name in self.group_names:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    def _ids(self) -> list[int]:
        return list(at_risk(team_ids=self.team_ids).values_list("pk", flat=True)[:SHOWN])

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "group_names", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"kind": "pong"})

    async def conversation_changed(self, event: dict[str, Any]) -> None:  # "conversation.changed"
        payload = await database_sync_to_async(self._render)(event["conversation_id"])
        if payload is not None:
            await self.send_json(payload)

    def _render(self, conversation_id: int) -> dict[str, Any] | None:
        if not concerns(conversation_id=conversation_id, team_ids=self.team_ids, shown=self.shown):
            return None
        rows = list(at_risk(team_ids=self.team_ids)[:SHOWN])
        joined = any(row.pk == conversation_id for row in rows) and conversation_id not in self.shown
        self.shown = {row.pk for row in rows}
        said = ""
        if joined:
            row = next(row for row in rows if row.pk == conversation_id)
            said = f"{row.customer} {row.get_sla_state_display().lower()}"
        return {
            "kind": "at_risk",
            "html": render_to_string("sla/reports/_at_risk_rows.html", {"rows": rows}),
            "count": len(rows),
            "said": said,
        }
