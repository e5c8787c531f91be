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
