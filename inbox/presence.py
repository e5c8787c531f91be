"""Who is online (for automatic assignment) and who is looking at a conversation (collision).

Online is a heartbeat: every open Parley page holds a websocket that pings every 30 seconds, and
each ping moves User.last_seen_at forward. An agent whose pages are all closed drops out after
ONLINE_FOR without anyone having to notice the disconnect. Viewers and typing are not stored at
all: ConversationConsumer announces them over the conversation's channel-layer group.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import User

ONLINE_FOR = timedelta(seconds=90)
# Heartbeats closer together than this do not write, so a busy floor costs few UPDATEs.
WRITE_EVERY = timedelta(seconds=20)


def mark_seen(*, user_id: int) -> bool:
    """Record a heartbeat; True when the agent was offline until now."""
    now = timezone.now()
    was_online = User.objects.filter(pk=user_id, last_seen_at__gte=now - ONLINE_FOR).exists()
    User.objects.filter(pk=user_id).filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - WRITE_EVERY)).update(
        last_seen_at=now
    )
    return not was_online


def online_filter(now: timezone.datetime | None = None) -> Q:
    return Q(last_seen_at__gte=(now or timezone.now()) - ONLINE_FOR)


def presence_event(*, action: str, user: User, sender: str) -> dict[str, object]:
    """A channel-layer message about one open page: join, here (reply to join), typing, leave."""
    return {
        "type": "presence.event",
        "action": action,
        "user_id": user.pk,
        "name": user.display_name,
        "from": sender,
    }
