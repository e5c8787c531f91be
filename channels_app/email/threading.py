"""Which conversation a mail belongs to (a bounce: the reply it bounced), and the "[#123]" subject token.

Order (platforms.md 3.2): any id in In-Reply-To or References that we stored for this channel
(inbound Message-IDs and the Message-IDs we generated for our replies); then a "[#123]" ticket
token in the subject; otherwise the mail starts its own thread, keyed by its Message-ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels_app.email.parsing import ParsedMail
from inbox.models import Channel, Conversation, Direction, Message

TICKET_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|antw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadDecision:
    thread_key: str
    conversation_id: int | None  # the existing conversation the mail joins, if any
    matched_by: str  # "references", "ticket", or "new"
    direction: str  # "in"; "out" only for a mail sent from our own address into a known thread
    starts_sla: bool  # auto-replies and bounces start no clock


def ticket_number(subject: str) -> int | None:
    found = TICKET_TOKEN.search(subject)
    return int(found.group(1)) if found else None


def base_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes and ticket tokens."""
    stripped = TICKET_TOKEN.sub("", subject)
    return " ".join(_REPLY_PREFIX.sub("", stripped).split())


def subject_for(conversation: Conversation, override: str = "") -> str:
    """Our reply's subject: the customer's, once, with the token that threads their answer back here."""
    base = base_subject(override or conversation.subject) or "Your message"
    return f"Re: {base} [#{conversation.pk}]"


def support_address(channel: Channel) -> str:
    return str(channel.config.get("address", "")).strip().lower()


def conversation_by_references(*, channel_id: int, ids: list[str]) -> Conversation | None:
    """The conversation of the most specific id we know: In-Reply-To first, then References newest first."""
    if not ids:
        return None
    rows = dict(Message.objects.filter(channel_id=channel_id, external_id__in=ids).values_list("external_id", "conversation_id"))
    for message_id in ids:
        if message_id in rows:
            return Conversation.objects.filter(pk=rows[message_id]).only("pk", "thread_key").first()
    return None


def decide_thread(*, channel: Channel, mail: ParsedMail) -> ThreadDecision:
    ids = list(mail.in_reply_to) + list(reversed(mail.references))
    if mail.bounce and mail.bounce_refers_to:
        ids.insert(0, mail.bounce_refers_to)
    ids = [i for i in dict.fromkeys(ids) if i != mail.message_id]
    conversation = conversation_by_references(channel_id=channel.pk, ids=ids)
    matched_by = "references" if conversation is not None else "new"
    if conversation is None:
        number = ticket_number(mail.subject)
        if number is not None:
            conversation = Conversation.objects.filter(pk=number, channel_id=channel.pk).only("pk", "thread_key").first()
            matched_by = "ticket" if conversation is not None else "new"
    # A mail from our own address that joins a known thread is the brand writing from another mail
    # program. Anyone else, even when answering our reply, is recorded under their own identity.
    ours = bool(support_address(channel)) and mail.from_address == support_address(channel)
    return ThreadDecision(
        thread_key=conversation.thread_key if conversation is not None else mail.message_id,
        conversation_id=conversation.pk if conversation is not None else None,
        matched_by=matched_by,
        direction=Direction.OUT if ours and conversation is not None else Direction.IN,
        starts_sla=not (mail.auto_reply or mail.bounce),
    )
