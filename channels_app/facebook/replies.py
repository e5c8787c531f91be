"""Facebook's reply rules: which route a reply takes (comment, private reply, Messenger), its windows and lengths.

plan_reply is the one place that applies them, for the composer (reply_limits, check_reply) and for
delivery (FacebookConnector.send), so what the agent is told and what is posted never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inbox import display
from inbox.models import Conversation, DeliveryState, Direction, Message, Visibility
from inbox.ports import ReplyRefused

MESSENGER_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MESSENGER_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 8000


@dataclass(frozen=True)
class ReplyPlan:
    """How a reply goes out on Facebook, or why it cannot."""

    route: str = ""  # "comment", "private_reply", "messenger"
    target_id: str = ""  # comment or post id being answered; the PSID for Messenger
    target_kind: str = ""  # "comment" or "post" for a private reply
    messaging_type: str = ""
    tag: str = ""
    note: str = ""
    refused: str = ""


def _in_words(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 3600:
        return f"{math.floor(seconds / 3600)} h"
    return f"{max(1, math.ceil(seconds / 60))} min"


def _when(moment: datetime) -> str:
    # In the reading agent's zone (activated per request), zone named.
    return display.when(moment, "full")


def _latest_customer_item(conversation: Conversation) -> Message | None:
    """The customer's latest comment (or visitor post) that is still there to answer."""
    candidates = (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, external_id__isnull=False)
        .select_related("author_identity")
        .order_by("-platform_time", "-id")
    )
    for message in candidates[:50]:
        if not (message.raw or {}).get("removed"):
            return message
    return None


def _private_reply_taken(conversation: Conversation, target_id: str, *, exclude_pk: int | None = None) -> bool:
    taken = Message.objects.filter(
        conversation=conversation,
        direction=Direction.OUT,
        raw__private_reply_to=target_id,
        delivery_state__in=[DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ],
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def plan_reply(
    conversation: Conversation, *, visibility: str, human: bool, now: datetime, exclude_pk: int | None = None
) -> ReplyPlan:
    """The one place that applies Facebook's reply windows, for the composer and for delivery."""
    if conversation.thread_key.startswith("messenger:"):
        return _plan_messenger(conversation, visibility=visibility, human=human, now=now)
    target = _latest_customer_item(conversation)
    if target is None or not target.external_id:
        return ReplyPlan(refused="There is no comment left to reply to: the customer's comments were removed.")
    kind = (target.raw or {}).get("kind", "comment")
    if visibility == Visibility.PUBLIC:
        name = target.author_identity.display_name if target.author_identity else ""
        return ReplyPlan(
            route="comment",
            target_id=target.external_id,
            target_kind=kind,
            note=f"Public reply under {name or 'the customer'}'s latest {kind}.",
        )
    closes = target.platform_time + PRIVATE_REPLY_WINDOW
    if now > closes:
        return ReplyPlan(refused=f"A private reply to a {kind} is possible for 7 days; that window closed on {_when(closes)}.")
    if _private_reply_taken(conversation, target.external_id, exclude_pk=exclude_pk):
        return ReplyPlan(
            refused=f"This {kind} already has its private reply (Facebook allows one); the conversation continues "
            "in Messenger once the person answers."
        )
    return ReplyPlan(
        route="private_reply",
        target_id=target.external_id,
        target_kind=kind,
        note=f"Private reply: one Messenger message to this person, possible until {_when(closes)}.",
    )


def _plan_messenger(conversation: Conversation, *, visibility: str, human: bool, now: datetime) -> ReplyPlan:
    psid = conversation.thread_key.split(":", 1)[1]
    if visibility != Visibility.PRIVATE:
        return ReplyPlan(refused="Messenger conversations are private: send the reply as private.")
    last = conversation.last_inbound_at
    if last is None:
        return ReplyPlan(refused="Messenger replies are possible only after the person has written to the Page.")
    standard_closes = last + MESSENGER_WINDOW
    if now <= standard_closes:
        return ReplyPlan(
            route="messenger",
            target_id=psid,
            messaging_type="RESPONSE",
            note=f"Messenger window: 24-hour window closes in {_in_words(standard_closes - now)}.",
        )
    human_closes = last + HUMAN_AGENT_WINDOW
    enabled = bool(conversation.channel.config.get("human_agent_enabled"))
    if not enabled:
        return ReplyPlan(
            refused=f"The 24-hour Messenger window closed on {_when(standard_closes)} and this Page has no Human "
            "Agent permission: no reply can be sent until the person writes again."
        )
    if now > human_closes:
        return ReplyPlan(
            refused=f"The 7-day human agent window closed on {_when(human_closes)}: no reply can be sent until the "
            "person writes again."
        )
    if not human:
        return ReplyPlan(refused="Outside 24 h only a reply typed by a person may be sent (HUMAN_AGENT tag).")
    return ReplyPlan(
        route="messenger",
        target_id=psid,
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
        note=f"Outside 24 h: sent with the HUMAN_AGENT tag (human agent window closes in {_in_words(human_closes - now)}).",
    )


def reply_limits(conversation: Conversation, *, now: datetime) -> dict[str, Any]:
    """What the composer shows: the length limit, and where (and until when) each kind of reply goes."""
    messenger = conversation.thread_key.startswith("messenger:")
    visibility = Visibility.PRIVATE if messenger else Visibility.PUBLIC
    plan = plan_reply(conversation, visibility=visibility, human=True, now=now)
    notes = [plan.refused or plan.note]
    # Offered: what can go out now. A Messenger thread is private only; a comment takes a public
    # reply, and a private one while its window is open and unused.
    visibilities = [Visibility.PRIVATE.value] if messenger else [Visibility.PUBLIC.value]
    if not messenger:
        private = plan_reply(conversation, visibility=Visibility.PRIVATE, human=True, now=now)
        notes.append(private.refused or private.note)
        if not private.refused:
            visibilities.append(Visibility.PRIVATE.value)
    return {
        "max_chars": MESSENGER_MAX_CHARS if messenger else COMMENT_MAX_CHARS,
        "visibilities": visibilities,
        "note": " ".join(n for n in notes if n),
    }


def check_reply(conversation: Conversation, *, text: str, visibility: str, now: datetime) -> None:
    """Raise ReplyRefused when Facebook would refuse this reply: outside its window, or too long."""
    plan = plan_reply(conversation, visibility=visibility, human=True, now=now)
    if plan.refused:
        raise ReplyRefused(plan.refused)
    limit = COMMENT_MAX_CHARS if plan.route == "comment" else MESSENGER_MAX_CHARS
    if len(text) > limit:
        raise ReplyRefused(f"A Facebook {plan.route.replace('_', ' ')} has at most {limit} characters; this one has {len(text)}.")
