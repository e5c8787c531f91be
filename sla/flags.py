"""Telling the rules engine (through inbox.ports) that a warning or a breach was flagged."""

from django.db import transaction

from inbox import ports


def flagged(conversation_id: int, flag: str, key: str) -> None:
    """After commit: a rolled-back evaluation flagged nothing, and the rules see the stored state."""
    transaction.on_commit(lambda: ports.automation_flagged(conversation_id, flag, key))


def breach_key(metric: str, cycle: int, sequence: int) -> str:
    return f"{metric}:{cycle}:{sequence}"
