from django.http import HttpRequest
from django.utils import timezone


def time_zone(request: HttpRequest) -> dict[str, str]:
    """The zone the page's times are in (User.time_zone, activated by UserTimeZoneMiddleware), for labels."""
    return {"user_time_zone": timezone.get_current_timezone_name()}
