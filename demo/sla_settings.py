"""Demo calendars and policies, from what customers expect of each channel."""

from sla.models import BusinessCalendar, SlaPolicy

STOCKHOLM_HOURS = {str(day): [["08:00", "17:00"]] for day in range(5)}
# The hours the demo team is at work, whichever calendar a policy promises by: history replies fall in them.
STAFFED_CALENDAR = "Stockholm office hours"

# name, channel kind, visibility, priority, calendar, first response, next response, resolution (minutes)
DEMO_POLICIES = [
    ("Default", "", "", "", "24/7", 60, 60, 24 * 60),
    ("X public", "x", "public", "", "24/7", 30, 30, 24 * 60),
    ("X public, urgent", "x", "public", "urgent", "24/7", 15, 15, 24 * 60),
    ("Facebook public", "facebook", "public", "", "24/7", 30, 30, 24 * 60),
    ("Facebook public, urgent", "facebook", "public", "urgent", "24/7", 15, 15, 24 * 60),
    ("X DMs", "x", "private", "", "24/7", 60, 60, 24 * 60),
    ("Messenger", "facebook", "private", "", "24/7", 60, 60, 24 * 60),
    ("Email", "email", "", "", "Stockholm office hours", 180, 180, 24 * 60),
]


def seed_sla() -> None:
    calendars = {
        "24/7": BusinessCalendar.objects.get_or_create(name="24/7", defaults={"timezone": "UTC", "always_open": True})[0],
        "Stockholm office hours": BusinessCalendar.objects.get_or_create(
            name="Stockholm office hours",
            defaults={"timezone": "Europe/Stockholm", "weekly_hours": STOCKHOLM_HOURS, "holiday_country": "SE"},
        )[0],
    }
    for name, kind, visibility, priority, calendar, first, following, resolution in DEMO_POLICIES:
        SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "channel_kind": kind,
                "visibility": visibility,
                "priority": priority,
                "calendar": calendars[calendar],
                "first_response_minutes": first,
                "next_response_minutes": following,
                "resolution_minutes": resolution,
                "warning_percent": 75,
            },
        )
