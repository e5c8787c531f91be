"""A rule's "start a shorter SLA policy": the conversation keeps that policy until its cycle ends."""

from __future__ import annotations

from django.db import transaction

from inbox import changes
from inbox.actions import record_event
from inbox.models import Conversation
from sla.models import SlaClock, SlaPolicy


def choose_policy(*, conversation: Conversation, policy: SlaPolicy, rule: str = "", because: str = "") -> bool:
    """Score this conversation against the policy from now on; False when it already was."""
    with transaction.atomic():
        clock, _ = SlaClock.objects.select_for_update().get_or_create(conversation=conversation)
        if clock.chosen_policy_id == policy.pk:
            return False
        clock.chosen_policy = policy
        clock.save(update_fields=["chosen_policy"])
        record_event(
            conversation=conversation,
            kind="sla_policy",
            data={"to": policy.name, "rule": rule, "because": because, "summary": f"SLA policy set to {policy.name}"},
        )
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="sla_policy")
    return True
