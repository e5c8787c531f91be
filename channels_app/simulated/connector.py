"""The simulated connector: a poll brings what arrived since the last one, replies are "delivered" at once.

Arrivals are a Poisson stream at the channel's rate (see traffic.py: a daily shape times the
channel's peak rate), so the inbox, the SLA clocks and the pushes see steady traffic.

The reply rules are the real connectors' own code (X's weighted count, Facebook's Messenger and
private-reply windows, email's private-only replies), called with the simulated conversation, so
the demo refuses exactly what the platforms would.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone

from channels_app.base import PermanentSendError, SendResult
from channels_app.email.connector import EMAIL_VISIBILITIES, check_email_visibility
from channels_app.email.threading import subject_for
from channels_app.facebook import replies as facebook_rules
from channels_app.simulated.payloads import make_inbound, scripted_inbound
from channels_app.simulated.traffic import rate_now
from channels_app.x.connector import XConnector
from inbox import actions
from inbox.models import Channel

NOTE = "A simulated channel: replies are delivered at once, under the platform's own rules."


class SimulatedConnector:
    kind: ClassVar[str] = "simulated"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def rate_per_minute(self, at: datetime | None = None) -> float:
        return rate_now(self.channel, at or timezone.now())

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
        if self.channel.flavor == "facebook":
            # Delivery re-applies Facebook's windows, as the real connector does at send time.
            plan = facebook_rules.plan_reply(
                message.conversation,
                visibility=message.visibility,
                human=message.author_user_id is not None,
                now=timezone.now(),
                exclude_pk=message.pk,
            )
            if plan.refused:
                raise PermanentSendError(plan.refused)
            if plan.route == "private_reply":
                actions.record_send_details(message=message, details={"private_reply_to": plan.target_id})
        return SendResult(external_id=f"sim-out-{message.pk}", delivered=True)

    def find_sent(self, message: Any) -> str | None:
        return None  # the simulated platform keeps no history to ask

    def reply_limits(self, conversation: Any) -> dict[str, Any]:
        flavor = self.channel.flavor
        if flavor == "x":
            limits = XConnector(self.channel).reply_limits(conversation)
        elif flavor == "facebook":
            limits = facebook_rules.reply_limits(conversation, now=timezone.now())
        else:
            limits = {"subject": subject_for(conversation), "visibilities": list(EMAIL_VISIBILITIES)}
        return {**limits, "note": " ".join(filter(None, [limits.get("note"), NOTE]))}

    def check_reply(self, conversation: Any, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        flavor = self.channel.flavor
        if flavor == "x":
            XConnector(self.channel).check_reply(conversation, text=text, visibility=visibility, options=options)
        elif flavor == "facebook":
            facebook_rules.check_reply(conversation, text=text, visibility=visibility, now=timezone.now())
        else:
            check_email_visibility(visibility)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
