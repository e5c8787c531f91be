"""The one interface every connector implements, and the channel-neutral inbound message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from channels_app.models import Channel
    from inbox.models import Message


@dataclass(frozen=True)
class AuthorIdentity:
    kind: str  # the identity namespace: "x", "facebook", "email", "sim-x", ...
    external_id: str
    handle: str = ""
    display_name: str = ""
    profile_url: str = ""
    avatar_url: str = ""
    follower_count: int | None = None
    # Another account known to be the same person (a commenter's Messenger PSID, a simulated
    # customer's other account): the new identity joins that identity's customer.
    same_person_as: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str = ""
    size: int | None = None
    url: str = ""  # a platform link; email attachments are stored and linked by the connector
    storage_key: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel_id: int | None
    external_id: str | None
    thread_key: str
    author: AuthorIdentity
    text: str
    platform_time: datetime
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    visibility: str = "public"
    raw: dict[str, Any] = field(default_factory=dict)
    subject: str = ""
    # "out" records a message the brand sent from elsewhere (an echo): no SLA clock, no new ticket.
    direction: str = "in"
    # False for auto-replies and similar: stored, but they start no SLA clock.
    starts_sla: bool = True


@dataclass(frozen=True)
class SendResult:
    external_id: str
    delivered: bool = False  # the platform confirmed delivery, not only acceptance


class ReplyRefused(ValueError):
    """The composer must not send this reply; the text says why, in the agent's words."""


class SendError(Exception):
    """Base for send failures; the message carries the platform's reason for the agent."""


class PermanentSendError(SendError):
    """The platform refused for good (duplicate, deleted, outside a window): fail, never retry."""


class TransientSendError(SendError):
    """Try again later (5xx, network, rate limit); retry_after in seconds when the platform says."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ChannelAuthError(PermanentSendError):
    """The channel's credentials were refused or revoked: the channel needs an admin."""


class Connector(Protocol):
    kind: ClassVar[str]

    def __init__(self, channel: Channel) -> None: ...

    def poll(self) -> int:
        """Fetch what is new, ingest it, advance the cursor after commit; return how many were new."""
        ...

    def send(self, message: Message) -> SendResult:
        """Post one outbound message on the platform. Raises SendError subclasses."""
        ...


CONNECTORS: dict[str, str] = {
    "simulated": "channels_app.simulated.SimulatedConnector",
    "x": "channels_app.x.XConnector",
    "facebook": "channels_app.facebook.FacebookConnector",
    "email": "channels_app.email.EmailConnector",
}


def get_connector(channel: Channel) -> Connector:
    cls = import_string(CONNECTORS[channel.kind])
    return cls(channel)  # type: ignore[no-any-return]
