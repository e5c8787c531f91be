"""How much simulated traffic arrives when: a daily shape times each channel's peak rate.

Customers write most around midday and in the evening, little at night, less at weekends; the
demo follows that shape in the demo's zone (Europe/Stockholm) so its queue, history and reports
look like a real team's. PARLEY_SIMULATED_RATE_PER_MINUTE, when set, replaces every channel's
peak rate (to load the demo harder); otherwise the channel's config "rate_per_minute" is its peak.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from inbox.models import Channel

ZONE = ZoneInfo("Europe/Stockholm")
# Share of the peak rate by local hour, 00 to 23: quiet nights, a morning rise, a lunch peak, a
# dip, an evening peak (social channels are busiest after work), tailing off before midnight.
HOURLY_SHAPE = (
    0.06, 0.04, 0.03, 0.03, 0.04, 0.08, 0.15, 0.30, 0.50, 0.70, 0.85, 0.95,
    1.00, 0.95, 0.80, 0.75, 0.75, 0.80, 0.90, 1.00, 0.95, 0.70, 0.40, 0.15,
)  # fmt: skip
WEEKEND = 0.55
DEFAULT_PEAK_PER_MINUTE = 0.2


def shape(at: datetime) -> float:
    """The share of the peak rate at this moment (0 < shape <= 1)."""
    local = at.astimezone(ZONE)
    share = HOURLY_SHAPE[local.hour]
    return share * WEEKEND if local.weekday() >= 5 else share


def peak_rate(channel: Channel) -> float:
    override = getattr(settings, "PARLEY_SIMULATED_RATE_PER_MINUTE", None)
    if override is not None:
        return float(override)
    return float(channel.config.get("rate_per_minute", DEFAULT_PEAK_PER_MINUTE))


def rate_now(channel: Channel, at: datetime) -> float:
    """Messages a minute this channel produces at this moment."""
    return peak_rate(channel) * shape(at)
