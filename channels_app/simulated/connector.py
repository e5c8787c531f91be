"""The simulated connector: a poll brings what arrived since the last one, replies are "delivered" at once.

Arrivals are a Poisson stream at the channel's rate (config "rate_per_minute", else
PARLEY_SIMULATED_RATE_PER_MINUTE), so the inbox, the SLA clocks and the pushes see steady traffic.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from channels_app.base import SendResult
from channels_app.simulated.payloads import make_inbound, scripted_inbound
from inbox import actions
from inbox.models import Channel
from inbox.ports import ReplyRefused


class SimulatedConnector:
    kind: ClassVar[str] = "simulated"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def rate_per_minute(self) -> float:
        return float(self.channel.config.get("rate_per_minute", settings.PARLEY_SIMULATED_RATE_PER_MINUTE))

    def poll(self) -> int:
        now = timezone.now()
        cursor = dict(self.channel.cursor)
        last = datetime.fromisoformat(cursor["last_tick"]) if "last_tick" in cursor else now - timedelta(seconds=5)
        elapsed = max(0.0, min((now - last).total_seconds(), 300.0))
        rng = random.Random()
        count = _poisson(rng, self.rate_per_minute() * elapsed / 60.0)
        seq = int(cursor.get("seq", 0))
        created = 0
        for _ in range(count):
            seq += 1
            inbound = make_inbound(channel=self.channel, rng=rng, external_id=f"sim-{self.channel.pk}-{seq}", at=now)
            created += int(actions.ingest_message(inbound=inbound).created)
        created += self._play_script(now=now, cursor=cursor)
        cursor.update(seq=seq, last_tick=now.isoformat())
        # Each ingest has committed; only now does the cursor move.
        actions.save_channel_cursor(channel=self.channel, cursor=cursor)
        actions.record_poll_ok(channel=self.channel)
        return created

    def _play_script(self, *, now: datetime, cursor: dict[str, Any]) -> int:
        """Scripted messages (config "script"), each once, a set time after the channel first polled:
        the demo's loud first complaint and its out-of-hours email arrive live, not at seed time."""
        script = self.channel.config.get("script") or []
        if not script:
            return 0
        started = datetime.fromisoformat(cursor.setdefault("script_started", now.isoformat()))
        done = set(cursor.get("script_done", []))
        created = 0
        for index, item in enumerate(script):
            if index in done or now < started + timedelta(seconds=float(item.get("after_seconds", 0))):
                continue
            inbound = scripted_inbound(channel=self.channel, item=item, index=index, at=now)
            created += int(actions.ingest_message(inbound=inbound).created)
            done.add(index)
        cursor["script_done"] = sorted(done)
        return created

    def send(self, message: Any) -> SendResult:
        return SendResult(external_id=f"sim-out-{message.pk}", delivered=True)

    def find_sent(self, message: Any) -> str | None:
        return None  # the simulated platform keeps no history to ask

    def reply_limits(self, conversation: Any) -> dict[str, Any]:
        note = "A simulated channel: replies are delivered at once."
        if conversation.channel.flavor == "x" and conversation.visibility == "public":
            return {"max_chars": 280, "note": note}
        return {"note": note}

    def check_reply(self, conversation: Any, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if conversation.channel.flavor == "x" and visibility == "public" and len(text) > 280:
            raise ReplyRefused(f"A public X reply has at most 280 characters; this one has {len(text)}.")


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
