"""What the rules' conditions look at, gathered once per run: the conversation, its newest customer
message and what the detectors found in it, the customer's reach, and whether we are open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from automation.ack_time import is_open
from automation.complaint import detect
from automation.models import ComplaintPhrase, MessageSignal
from inbox.models import Conversation, Direction, Message, MessageKind
from sla.calendars import to_clock
from sla.models import SlaClock
from sla.scoring import match_policy


@dataclass
class Facts:
    conversation: Conversation
    message: Message | None  # the newest customer message
    complaint: bool
    first_complaint: bool
    complaint_why: str
    reach: int | None
    verified: bool
    first_contact: bool
    open_now: bool | None  # None when no calendar applies
    tag_ids: set[int]

    @property
    def text(self) -> str:
        return self.message.text if self.message else ""


def phrases() -> list[str]:
    return list(ComplaintPhrase.objects.values_list("phrase", flat=True))


def analyse_new_messages(conversation: Conversation) -> list[MessageSignal]:
    """Score each customer message of the conversation not yet seen (usually just the newest)."""
    pending = list(
        Message.objects.filter(
            conversation=conversation, direction=Direction.IN, kind=MessageKind.MESSAGE, signal__isnull=True
        ).order_by("platform_time", "id")
    )
    if not pending:
        return []
    words = phrases()
    signals = []
    for message in pending:
        verdict = detect(message.text, phrases=words)
        signals.append(
            MessageSignal(
                message=message,
                customer_id=conversation.customer_id,
                complaint=verdict.complaint,
                sentiment=verdict.sentiment,
                matched=verdict.matched[:120],
            )
        )
    MessageSignal.objects.bulk_create(signals, ignore_conflicts=True)
    return signals


def customer_messages(conversation: Conversation):  # noqa: ANN201 - a QuerySet of Message, newest first
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, kind=MessageKind.MESSAGE)
        .select_related("signal")
        .order_by("-platform_time", "-id")
    )


def gather(conversation: Conversation, *, at: datetime, message: Message | None = None) -> Facts:
    """The facts about the conversation and one customer message of it (by default its newest)."""
    analyse_new_messages(conversation)
    if message is None:
        message = customer_messages(conversation).first()
    signal = getattr(message, "signal", None) if message else None
    complaint = bool(signal and signal.complaint)
    first_complaint = False
    if complaint and message is not None:
        # Never complained before: no complaint in any earlier message of this customer, anywhere.
        first_complaint = not MessageSignal.objects.filter(
            customer_id=conversation.customer_id, complaint=True, message__platform_time__lt=message.platform_time
        ).exists()
    identity = conversation.identity
    followers = identity.customer.identities.aggregate(most=Max("follower_count"))["most"]
    return Facts(
        conversation=conversation,
        message=message,
        complaint=complaint,
        first_complaint=first_complaint,
        complaint_why=("first complaint" if first_complaint else "complaint") if complaint else "",
        reach=followers,
        verified=identity.customer.identities.filter(verified=True).exists(),
        first_contact=not Conversation.objects.filter(
            customer_id=conversation.customer_id, created_at__lt=conversation.created_at
        ).exists(),
        open_now=_open_now(conversation, at),
        tag_ids=set(conversation.tags.values_list("pk", flat=True)),
    )


def calendar_policy(conversation: Conversation):  # noqa: ANN201 - SlaPolicy | None, sla's model
    clock = SlaClock.objects.filter(conversation=conversation).select_related("policy__calendar").first()
    if clock is not None and clock.policy is not None:
        return clock.policy
    return match_policy(conversation=conversation)


def _open_now(conversation: Conversation, at: datetime) -> bool | None:
    policy = calendar_policy(conversation)
    if policy is None:
        return None
    return is_open(at, to_clock(policy.calendar, today=at.date()))


def short_count(n: int) -> str:
    """48200 -> "48k", 1250000 -> "1.3M": what fits in a queue row."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 10_000:
        return f"{n // 1000}k"
    if n >= 1000:
        return f"{n / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(n)
