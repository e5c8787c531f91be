from typing import Any

from django.http import HttpRequest

from accounts.models import Role
from inbox.models import Channel, ChannelStatus


def channel_alerts(request: HttpRequest) -> dict[str, Any]:
    """Admins see on every page when a channel stopped working (revoked, refused keys, disabled)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "role", None) != Role.ADMIN:
        return {}
    return {"channels_needing_attention": Channel.objects.exclude(status=ChannelStatus.ACTIVE).count()}
