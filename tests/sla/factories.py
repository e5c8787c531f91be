from sla.evaluation import FIRST_CYCLE
from sla.models import BusinessCalendar, SlaPolicy


def make_calendar(**fields) -> BusinessCalendar:
    defaults = {"name": f"Calendar {BusinessCalendar.objects.count() + 1}", "timezone": "UTC", "always_open": True}
    return BusinessCalendar.objects.create(**{**defaults, **fields})


def make_policy(*, calendar: BusinessCalendar | None = None, **fields) -> SlaPolicy:
    defaults = {
        "name": f"Policy {SlaPolicy.objects.count() + 1}",
        "first_response_minutes": 30,
        "next_response_minutes": 30,
        "resolution_minutes": 24 * 60,
        "warning_percent": 80,
    }
    return SlaPolicy.objects.create(calendar=calendar or make_calendar(), **{**defaults, **fields})


def make_event(*, conversation, metric: str, outcome: str, at, business_seconds, wall_seconds, cycle: int = FIRST_CYCLE):
    """An outcome as sla.outcomes stores it: the conversation's report columns copied onto it."""
    from datetime import timedelta

    from sla.models import SlaEvent

    return SlaEvent.objects.create(
        conversation=conversation,
        team_id=conversation.team_id,
        channel_kind=conversation.channel.flavor,
        metric=metric,
        cycle=cycle,
        outcome=outcome,
        started_at=at - timedelta(seconds=wall_seconds or 0),
        due_at=at,
        happened_at=at,
        responded_at=at if wall_seconds is not None else None,
        business_seconds=business_seconds,
        wall_seconds=wall_seconds,
        channel_id=conversation.channel_id,
        priority=conversation.priority,
        assignee_id=conversation.assignee_id,
        visibility=conversation.visibility,
    )
