"""Telling the rules engine (through inbox.ports) that a warning or a breach was flagged."""

from datetime import datetime

from django.db import transaction

from inbox import ports

# (conversation id, "sla_at_risk" or "sla_breached", key): the key makes a retried flag a no-op.
Flag = tuple[int, str, str]


def flagged(found: list[Flag]) -> None:
    """After commit, all at once: a rolled-back evaluation flagged nothing, and the rules see the stored state."""
    if found:
        transaction.on_commit(lambda: ports.automation_flagged(found))


def warning(conversation_id: int, *, cycle: int, instant: datetime) -> Flag:
    return (conversation_id, "sla_at_risk", f"{cycle}:{instant.isoformat()}")


def breach(conversation_id: int, *, metric: str, cycle: int, sequence: int) -> Flag:
    return (conversation_id, "sla_breached", f"{metric}:{cycle}:{sequence}")
