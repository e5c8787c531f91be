from typing import Any

from django.http import HttpRequest

from accounts.models import Role
from inbox.models import Channel, ChannelStatus


def channel_alerts(request: HttpRequest) -> dict[str, Any]:
    """Admins see on every page when a channel stopped working (revoked, refused keys, disabled)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "role", None) != Role.ADMIN:
        return {}
    broken = list(Channel.objects.exclude(status=ChannelStatus.ACTIVE).only("pk", "name", "status", "status_reason")[:6])
    # The banner names up to five, each with its reason; the count says how many more there are.
    return {"channels_needing_attention": len(broken), "broken_channels": broken[:5]}
