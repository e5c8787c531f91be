"""Which conversation a mail belongs to (a bounce: the reply it bounced), and the "[#123]" subject token.

Order (platforms.md 3.2): any id in In-Reply-To or References that we stored for this channel
(inbound Message-IDs and the Message-IDs we generated for our replies); then a "[#123]" ticket
token in the subject, but only for a sender who is an identity of that conversation's customer
(ids are sequential: anyone can guess one); otherwise the mail starts its own thread, keyed by
its Message-ID.

Who wrote it (channels_app.email.authenticity): a mail From our own address is the brand writing
from another mail program only when that is proven (DMARC or aligned DKIM per a trusted
Authentication-Results); unproven, it is a suspected spoof and goes to the quarantine, as does a
mail in a customer's name that fails DMARC there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels_app.email.authenticity import Verdict, trusted_ids, verdict
from channels_app.email.parsing import ParsedMail
from inbox.models import Channel, Conversation, Direction, Identity, Message

TICKET_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|antw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadDecision:
    thread_key: str
    conversation_id: int | None  # the existing conversation the mail joins, if any
    matched_by: str  # "references", "ticket", or "new"
    direction: str  # "in"; "out" only for a mail sent from our own address into a known thread
    starts_sla: bool  # auto-replies and bounces start no clock
    spoof: str = ""  # why the mail is held as a suspected spoof; "" when it is not
    ignored_ticket: int | None = None  # a [#id] token that did not thread (the sender is not that customer)


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


def _customer_of(channel: Channel, address: str) -> int | None:
    return Identity.objects.filter(kind="email", external_id=address).values_list("customer_id", flat=True).first()


def spoof_reason(*, channel: Channel, mail: ParsedMail, checked: Verdict) -> str:
    """Why this mail must not be stored as it claims, or "" (see the module docstring)."""
    ours = support_address(channel)
    sender = mail.from_address
    where = f"at {checked.authserv_id}" if checked.trusted else "from a trusted server"
    if ours and sender == ours:
        if checked.dmarc_failed():
            return f"From our own address {ours}, but it failed DMARC {where}."
        if not checked.proves_domain(ours.rpartition("@")[2]):
            hint = "" if checked.trusted else " (set the trusted authserv-id in the channel settings)"
            return f"From our own address {ours}, but not proven ours: no DMARC or aligned DKIM pass {where}{hint}."
        return ""
    if checked.dmarc_failed() and _customer_of(channel, sender) is not None:
        return f"In the name of our customer {sender}, but it failed DMARC {where}."
    return ""


def decide_thread(*, channel: Channel, mail: ParsedMail, vouched: bool = False) -> ThreadDecision:
    """vouched: an admin released this mail from the quarantine, so it is who it says it is."""
    checked = verdict(mail.auth_results, trusted_ids(channel.config.get("trusted_authserv_ids")))
    spoof = "" if vouched else spoof_reason(channel=channel, mail=mail, checked=checked)
    ours = not spoof and bool(support_address(channel)) and mail.from_address == support_address(channel)
    ids = list(mail.in_reply_to) + list(reversed(mail.references))
    if mail.bounce and mail.bounce_refers_to:
        ids.insert(0, mail.bounce_refers_to)
    ids = [i for i in dict.fromkeys(ids) if i != mail.message_id]
    conversation = conversation_by_references(channel_id=channel.pk, ids=ids)
    matched_by = "references" if conversation is not None else "new"
    ignored_ticket = None
    if conversation is None:
        number = ticket_number(mail.subject)
        if number is not None:
            found = Conversation.objects.filter(pk=number, channel_id=channel.pk).only("pk", "thread_key", "customer_id").first()
            if found is not None and (ours or _customer_of(channel, mail.from_address) == found.customer_id):
                conversation, matched_by = found, "ticket"
            elif found is not None:
                ignored_ticket = number
    # A mail from our own address (proven) that joins a known thread is the brand writing from
    # another mail program. Anyone else, even when answering our reply, is recorded under their own identity.
    return ThreadDecision(
        thread_key=conversation.thread_key if conversation is not None else mail.message_id,
        conversation_id=conversation.pk if conversation is not None else None,
        matched_by=matched_by,
        direction=Direction.OUT if ours and conversation is not None else Direction.IN,
        starts_sla=not (mail.auto_reply or mail.bounce),
        spoof=spoof,
        ignored_ticket=ignored_ticket,
    )
