"""The interfaces every channel package implements: its connector and its webhook request.

Each package (x/, facebook/, email/) has the same files: client.py (the platform library behind a
small adapter), payloads.py (platform payload to inbox.inbound.InboundMessage, pure), connector.py
(poll, send, the reply rules), webhook.py (a WebhookRequest; email has no webhook, it polls IMAP)
and admin.py (settings pages). simulated/ has no platform, so only payloads.py and connector.py.
channels_app.registry holds one record per kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from inbox.models import Channel, Conversation, Message


@dataclass(frozen=True)
class SendResult:
    external_id: str
    delivered: bool = False  # the platform confirmed delivery, not only acceptance


class SendError(Exception):
    """Base for send failures; the message carries the platform's reason for the agent."""


class PermanentSendError(SendError):
    """The platform refused for good (duplicate, deleted, outside a window): fail, never retry."""


class NotSent(SendError):
    """The reply provably did not reach the platform: retried automatically.

    Connection refused, DNS, a TLS failure before the request was written, an SMTP refusal before
    DATA, an HTTP 429 or 5xx answer. retry_after in seconds when the platform says.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OutcomeUnknown(SendError):
    """The request (or the mail's DATA) went out and no answer came back: it may have been posted.

    Never retried automatically; the agent sees the reason and `check`, what to look at on the
    platform, and a retry first asks the platform for the reply where it can (Connector.find_sent).
    """

    def __init__(self, reason: str, check: str) -> None:
        super().__init__(reason)
        self.check = check

    def __str__(self) -> str:
        return f"Outcome unknown: {self.args[0]} {self.check}"


def request_error(error: requests.RequestException, *, platform: str, check: str) -> SendError:
    """Sort a requests failure by whether the request can have reached the platform.

    Refused, unresolvable, connect timeouts and TLS handshakes fail before a byte of the request is
    written; a read timeout, or a connection closed or reset after writing, may follow a post.
    """
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return NotSent(f"Could not reach {platform} ({type(error).__name__}).")
    if isinstance(error, requests.ConnectionError):
        cause = error.args[0] if error.args else None
        cause = getattr(cause, "reason", cause)  # urllib3 wraps it in MaxRetryError
        if isinstance(cause, NewConnectionError | ConnectTimeoutError):
            return NotSent(f"Could not reach {platform} ({type(cause).__name__}).")
        return OutcomeUnknown(f"the connection to {platform} closed after the reply was sent.", check)
    if isinstance(error, requests.ReadTimeout):
        return OutcomeUnknown(f"{platform} did not answer in time after the reply was sent.", check)
    return OutcomeUnknown(f"{platform}'s answer could not be read ({type(error).__name__}).", check)


class ChannelAuthError(PermanentSendError):
    """The channel's credentials were refused or revoked: the channel needs an admin."""


@dataclass
class EventReport:
    """What came of one stored webhook delivery, filled in by the kind's event handler.

    received_at is when the delivery arrived: the time a message without its own time is given.
    One event that cannot be mapped is skipped with its reason and the rest of the delivery still
    lands; a delivery that is for nothing we handle is ignored, with why.
    """

    received_at: datetime
    created: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    ignored: str = ""

    def skip(self, reason: str, event: Any) -> None:
        self.skipped.append({"reason": reason, "event": event})

    def guarded(self, what: str, handler: Callable[[Any], int], event: Any) -> None:
        """Run one event's handler; a payload it cannot read is skipped, never its siblings."""
        try:
            self.created += int(handler(event))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            self.skip(f"{what}: {type(error).__name__}: {error}", event)


class Connector(Protocol):
    kind: ClassVar[str]

    def __init__(self, channel: Channel) -> None: ...

    def poll(self) -> int:
        """Fetch what is new, ingest it, advance the cursor after commit; return how many were new."""
        ...

    def send(self, message: Message) -> SendResult:
        """Post one outbound message on the platform. Raises SendError subclasses."""
        ...

    def find_sent(self, message: Message) -> str | None:
        """Before an agent's resend of a reply whose outcome is unknown: the platform's id of it
        when an earlier attempt did post it, None when it is not there (or cannot be asked).
        Raises SendError when the platform cannot be reached to check."""
        ...

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        """What the composer shows before sending: limits and windows, in words."""
        ...

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        """Raise ReplyRefused with the reason when the platform would refuse this reply."""
        ...


class WebhookRejected(Exception):
    """A delivery we will not store: the reason goes to the log and, in words, to the caller."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class WebhookRequest(Protocol):
    """One call to a platform's webhook, verified over the raw body before anything is parsed.

    Built from the HttpRequest; challenge() answers the platform's GET check, validate() checks a
    POST's signature and shape and raises WebhookRejected, and then payload is the verified body and
    channel the channel it is for (None: no channel of ours claims it), stored on its WebhookEvent.
    """

    source: ClassVar[str]

    def __init__(self, request: HttpRequest) -> None: ...

    def challenge(self) -> HttpResponse: ...

    def validate(self) -> None: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def channel(self) -> Channel | None: ...

    def acknowledge(self) -> HttpResponse: ...


__all__ = [
    "ChannelAuthError",
    "Connector",
    "EventReport",
    "NotSent",
    "OutcomeUnknown",
    "PermanentSendError",
    "SendError",
    "SendResult",
    "WebhookRejected",
    "WebhookRequest",
]
