"""A ParsedMail -> the inbox's InboundMessage: pure (no database, no network).

The connector decides the thread and stores the attachments first; what they gave (the thread,
the stored files' links) comes in as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from channels_app.email.html import replace_cid_images
from channels_app.email.parsing import ParsedAttachment, ParsedMail
from inbox.inbound import Attachment, AuthorIdentity, InboundMessage

if TYPE_CHECKING:
    from channels_app.email.threading import ThreadDecision

# A Date further ahead than this is the sender's clock, not when the mail was written.
FUTURE_DATE_TOLERANCE = timedelta(hours=1)


def listed_attachment(part: ParsedAttachment) -> Attachment:
    """A file too large to keep: the message still names it."""
    return Attachment(name=part.filename, content_type=part.content_type, size=part.size)


def stored_attachment(part: ParsedAttachment, *, storage_key: str, url: str) -> Attachment:
    return Attachment(name=part.filename, content_type=part.content_type, size=part.size, url=url, storage_key=storage_key)


def inbound_message(
    mail: ParsedMail,
    *,
    channel_id: int,
    thread: ThreadDecision,
    attachments: Sequence[Attachment],
    inline_urls: Mapping[str, str],
    now: datetime,
    uid: int | None = None,
    uidvalidity: int | None = None,
    external_id: str = "",
) -> InboundMessage:
    """inline_urls: Content-ID -> our download link, so cid: images show from our own server.

    external_id: the mail's Message-ID, or that id made unique when another mail with other
    content already has it (see channels_app.email.intake).
    """
    platform_time = mail.date if mail.date is not None and mail.date <= now + FUTURE_DATE_TOLERANCE else now
    return InboundMessage(
        channel_id=channel_id,
        external_id=external_id or mail.message_id,
        thread_key=thread.thread_key,
        author=AuthorIdentity(kind="email", external_id=mail.from_address, handle=mail.from_address, display_name=mail.from_name),
        text=mail.text,
        html=replace_cid_images(mail.html, dict(inline_urls)),
        platform_time=platform_time,
        attachments=tuple(attachments),
        visibility="private",
        subject=mail.subject,
        direction=thread.direction,
        starts_sla=thread.starts_sla,
        raw={
            "uid": uid,
            "uidvalidity": uidvalidity,
            "message_id": mail.message_id,
            "has_message_id": mail.has_message_id,
            "in_reply_to": list(mail.in_reply_to),
            "references": list(mail.references),
            "headers": mail.headers,
            "auto_reply": mail.auto_reply,
            "bounce": mail.bounce,
            "defects": list(mail.defects),
            "matched_by": thread.matched_by,
        },
    )
