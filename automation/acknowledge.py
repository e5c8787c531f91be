"""The honest acknowledgement: a customer who writes while we are closed is told, once per SLA cycle,
when a person will answer ("We're back at 08:00; you'll hear from us by 08:30").

Only where the platform allows an automated message: email, X DMs, Messenger inside its window
(the channel's own reply check decides), never a public post unless the channel's setting allows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from automation.ack_time import answer_text, answer_times, is_open
from automation.facts import calendar_policy
from automation.models import Acknowledgement
from inbox import actions
from inbox.models import Conversation, Message, Visibility
from sla.calendars import to_clock
from sla.models import SlaClock

AUTOMATED_OK = {"email"}  # every email may be answered; DMs and Messenger by the channel's check


def maybe_acknowledge(*, conversation: Conversation, message: Message, now: datetime) -> Message | None:
    setting = Acknowledgement.objects.filter(channel_id=conversation.channel_id, enabled=True).first()
    if setting is None or not message.starts_sla:
        return None
    flavor = conversation.channel.flavor
    public = conversation.visibility == Visibility.PUBLIC and flavor not in AUTOMATED_OK
    if public and not setting.allow_public:
        return None
    policy = calendar_policy(conversation)
    if policy is None:
        return None
    calendar = to_clock(policy.calendar, today=now.date())
    received = min(message.received_time, now)
    if is_open(received, calendar):
        return None
    target = timedelta(minutes=policy.first_response_minutes or policy.next_response_minutes or 0)
    times = answer_times(received_at=received, calendar=calendar, first_response=target)
    text = answer_text(times, received_at=received, timezone=calendar.timezone)
    if not target:
        text = text.split(";")[0] + "."
    if setting.text.strip():
        text = f"{setting.text.strip()} {text}"
    cycle = SlaClock.objects.filter(conversation=conversation).values_list("cycle", flat=True).first() or 0
    options = {"subject": f"Re: {conversation.subject}".strip()} if flavor == "email" else {}
    return actions.send_acknowledgement(
        conversation=conversation,
        text=text,
        visibility=conversation.visibility,
        key=f"ack:{conversation.pk}:{cycle}",
        options=options,
    )
