"""Running the rules, in the worker: once per trigger per conversation, each action in the timeline.

Triggers arrive three ways: the change path (inbox.followups calls changed() after a customer's
message, or the beat sweep after a lost hand-off), the SLA scorer's flags (sla_flagged(), queued by
automation.tasks after commit) and a beat sweep for conversations
waiting unassigned (automation.tasks). Each run of a matching rule first inserts its RuleRun
(unique on rule, conversation and trigger key) in the same transaction as its actions, so a retried
task, or two workers racing, apply a rule's actions once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from automation import acknowledge, conditions, facts, rule_actions
from automation.models import MessageSignal, Rule, RuleRun, Trigger
from inbox.changes import REASONS
from inbox.models import Conversation, ConversationStatus, Direction, Message, MessageKind
from sla.rescoring import SWEEP_WINDOW

logger = logging.getLogger(__name__)

FLAG_TRIGGERS = {"sla_at_risk": Trigger.SLA_WARNING, "sla_breached": Trigger.SLA_BREACH}
TRIGGER_WORDS = {Trigger.SLA_WARNING: "SLA at risk", Trigger.SLA_BREACH: "SLA breached"}
UNRULED_AT_MOST = 10  # a burst longer than this in one pass is ruled on by its newest ten


def changed(conversation_id: int, reason: str) -> None:
    """After a change's followups: a customer's new message sets off the message rules."""
    if REASONS[reason].customer_message or (reason == "sweep" and _lost_message(conversation_id)):
        message_arrived(conversation_id=conversation_id)


def _lost_message(conversation_id: int) -> bool:
    """A customer's message whose hand-off to the worker was lost (Redis down at commit) reaches the
    rules only through the beat sweep's rescore: the newest one, if it came this recently and its
    rules never ran (older ones were seen, or came before there were rules)."""
    newest = (
        Message.objects.filter(conversation_id=conversation_id, direction=Direction.IN, kind=MessageKind.MESSAGE)
        .order_by("-platform_time", "-id")
        .values_list("received_time", "signal__rules_done")
        .first()
    )
    return newest is not None and not newest[1] and newest[0] >= timezone.now() - SWEEP_WINDOW


def message_arrived(*, conversation_id: int, now: datetime | None = None) -> int:
    """Run the message rules for each customer message not yet ruled on, oldest first; returns rules applied."""
    conversation = _conversation(conversation_id)
    if conversation is None:
        return 0
    now = now or timezone.now()
    facts.analyse_new_messages(conversation)
    applied = 0
    for message in _unruled(conversation, now):
        found = facts.gather(conversation, at=now, message=message)
        applied += run(conversation, Trigger.MESSAGE, key=f"message:{message.pk}", found=found, now=now)
        conversation = found.conversation
        acknowledge.maybe_acknowledge(conversation=conversation, message=message, now=now)
        MessageSignal.objects.filter(message=message).update(rules_done=True)
    return applied


def _unruled(conversation: Conversation, now: datetime) -> list[Message]:
    """The newest customer message, and those before it back to the last one ruled on that came
    within the sweep's window: two messages the worker handled in one pass (a complaint, then
    "hello?") are each ruled on; messages from before there were rules are not."""
    pending: list[Message] = []
    for message in facts.customer_messages(conversation)[:UNRULED_AT_MOST]:
        signal = getattr(message, "signal", None)
        if signal is not None and signal.rules_done:
            break
        if pending and message.received_time < now - SWEEP_WINDOW:
            break
        pending.append(message)
    return pending[::-1]


def sla_flagged(*, conversation_id: int, flag: str, key: str, now: datetime | None = None) -> int:
    trigger = FLAG_TRIGGERS.get(flag)
    conversation = _conversation(conversation_id)
    if trigger is None or conversation is None or conversation.status == ConversationStatus.RESOLVED:
        return 0  # a rescore finding an old breach of a finished conversation sets nothing off
    rule_actions.tell_assignee(conversation=conversation, flag=flag, key=key)
    now = now or timezone.now()
    return run(conversation, trigger, key=f"{flag}:{key}", found=facts.gather(conversation, at=now), now=now)


def unassigned_waiting(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat sweep: every rule waiting N minutes meets the conversations unassigned that long."""
    now = now or timezone.now()
    applied = 0
    for rule in Rule.objects.filter(enabled=True, trigger=Trigger.UNASSIGNED):
        cutoff = now - timezone.timedelta(minutes=rule.wait_minutes)
        # Those this rule already ran for in this wait, and those its plain column conditions rule
        # out, are left out in the query: else the oldest `limit` of them would fill every sweep
        # and a conversation crossing the threshold behind them would never be seen.
        ran_this_wait = RuleRun.objects.filter(
            rule=rule, conversation=OuterRef("pk"), trigger_key__startswith="unassigned:", ran_at__gte=OuterRef("waiting_since")
        )
        columns = {
            name: value
            for name, value in (
                ("channel_id", rule.channel_id),
                ("team_id", rule.team_id),
                ("visibility", rule.visibility),
                ("priority", rule.priority),
            )
            if value
        }
        waiting = list(
            Conversation.objects.filter(
                status=ConversationStatus.OPEN, assignee__isnull=True, waiting_since__lte=cutoff, **columns
            )
            .exclude(Exists(ran_this_wait))
            .order_by("waiting_since")[:limit]
        )
        done = set(RuleRun.objects.filter(rule=rule, conversation__in=waiting).values_list("conversation_id", "trigger_key"))
        for conversation in waiting:
            key = f"unassigned:{conversation.waiting_since.isoformat()}"
            if (conversation.pk, key) in done:
                continue
            fresh = _conversation(conversation.pk)
            if fresh is None:
                continue
            found = facts.gather(fresh, at=now)
            applied += run(fresh, Trigger.UNASSIGNED, key=key, found=found, now=now, only=[rule])
    return applied


def run(
    conversation: Conversation,
    trigger: str,
    *,
    key: str,
    found: facts.Facts,
    now: datetime,
    only: list[Rule] | None = None,
) -> int:
    rules = only if only is not None else list(Rule.objects.filter(enabled=True, trigger=trigger))
    applied = 0
    for rule in rules:
        verdict = conditions.evaluate(rule, found)
        if verdict is None:
            continue
        reasons, short = verdict
        if trigger in TRIGGER_WORDS:
            reasons.insert(0, TRIGGER_WORDS[trigger])
        elif trigger == Trigger.UNASSIGNED:
            reasons.insert(0, f"unassigned for {rule.wait_minutes} min")
        because = ", ".join(reasons) or "conditions met"
        try:
            with transaction.atomic():
                RuleRun.objects.create(rule=rule, conversation=conversation, trigger_key=key[:120], because=because[:300])
                rule_actions.apply(rule, conversation=conversation, because=because, short=" · ".join(short))
        except IntegrityError:
            continue  # ran already for this trigger (a retried task, a concurrent worker)
        applied += 1
        conversation = _conversation(conversation.pk) or conversation
        found.conversation = conversation
        found.tag_ids = set(conversation.tags.values_list("pk", flat=True))
    return applied


def _conversation(conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.select_related("channel", "identity__customer", "assignee", "team")
        .filter(pk=conversation_id)
        .first()
    )
