"""One record per channel kind: its connector, webhook request, event handler and settings pages.

Everything that varies by channel kind is found here and nowhere else: delivery and polling ask
for the connector, the webhook view for the request class, /settings/channels/ for the pages,
and the inbox for the reply rules (channels_app.ports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver

from channels_app.base import Connector, EventReport, WebhookRequest
from channels_app.email import admin as email_admin
from channels_app.email.connector import EmailConnector
from channels_app.facebook import admin as facebook_admin
from channels_app.facebook.connector import FacebookConnector
from channels_app.facebook.events import handle_webhook_payload as facebook_events
from channels_app.facebook.webhook import FacebookWebhookRequest
from channels_app.simulated.connector import SimulatedConnector
from channels_app.x import admin as x_admin
from channels_app.x.connector import XConnector
from channels_app.x.events import handle_webhook_payload as x_events
from channels_app.x.webhook import XWebhookRequest
from inbox.models import Channel


@dataclass(frozen=True)
class ChannelKindRecord:
    kind: str
    connector: type[Connector]
    # The platform's webhook (None: the channel only polls) and what a stored delivery turns into.
    webhook: type[WebhookRequest] | None = None
    process_event: Callable[[dict[str, Any], EventReport], Any] | None = None
    # Settings pages under /settings/channels/<kind>/, named in the channel_settings namespace.
    admin_urls: Sequence[URLPattern | URLResolver] = field(default_factory=list)


KINDS: dict[str, ChannelKindRecord] = {
    record.kind: record
    for record in (
        ChannelKindRecord(
            kind="x",
            connector=XConnector,
            webhook=XWebhookRequest,
            process_event=x_events,
            admin_urls=x_admin.urlpatterns,
        ),
        ChannelKindRecord(
            kind="facebook",
            connector=FacebookConnector,
            webhook=FacebookWebhookRequest,
            process_event=facebook_events,
            admin_urls=facebook_admin.urlpatterns,
        ),
        ChannelKindRecord(kind="email", connector=EmailConnector, admin_urls=email_admin.urlpatterns),
        ChannelKindRecord(kind="simulated", connector=SimulatedConnector),
    )
}


def connector_for(channel: Channel) -> Connector:
    return KINDS[channel.kind].connector(channel)
