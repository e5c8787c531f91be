"""What connectors hand to the inbox: one channel-neutral message and who wrote it.

The core owns its input type, so every connector depends on inbox and inbox on none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
