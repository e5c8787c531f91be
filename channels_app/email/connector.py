"""EmailConnector: poll the IMAP folder, store each mail once (or quarantine it), send threaded replies.

Every inbox write goes through inbox.actions: the cursor (update_channel_cursor, under a row lock,
since IDLE and the beat poll may overlap), the files (store_attachment, attach_files), the message
(ingest_message), a bounce (record_bounce) and the Message-ID of a reply (record_send_details).
QuarantinedMail is this app's own table.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from functools import cached_property
from typing import Any, ClassVar

from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from imapclient import IMAPClient

from channels_app.base import PermanentSendError, SendResult
from channels_app.email.client import MailClient, MailServerError
from channels_app.email.html import text_to_html
from channels_app.email.parsing import DEFAULT_MAX_ATTACHMENT_BYTES, ParsedMail, UnparseableMail, parse_mail
from channels_app.email.payloads import inbound_message, listed_attachment, stored_attachment
from channels_app.email.threading import decide_thread, subject_for
from channels_app.models import QuarantinedMail
from inbox import actions
from inbox.inbound import Attachment
from inbox.models import Channel, Conversation, Direction, Message, MessageKind, StoredAttachment
from inbox.ports import ReplyRefused

logger = logging.getLogger(__name__)

FETCH_BATCH = 25


class EmailConnector:
    kind: ClassVar[str] = "email"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config: dict[str, Any] = dict(channel.config)

    @cached_property
    def client(self) -> MailClient:
        # Built on first use: reading the reply rules needs no credentials (nor the query for them).
        return MailClient(self.config, self.channel.credentials)

    # --- IMAP ---------------------------------------------------------------------------------------

    def poll(self) -> int:
        try:
            with self.client.imap() as client:
                return self._poll(client)
        except MailServerError as error:
            # Transient by nature: the next beat (or IDLE) tries again; the cursor has not moved.
            logger.warning("email poll failed", extra={"channel_id": self.channel.pk, "reason": str(error)})
            return 0

    def _poll(self, client: IMAPClient) -> int:
        info = client.select_folder(self.client.folder, readonly=True)  # EXAMINE: flags stay untouched
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = int(info.get(b"UIDNEXT") or 0)
        cursor = Channel.objects.values_list("cursor", flat=True).get(pk=self.channel.pk) or {}
        same_mailbox = cursor.get("uidvalidity") == uidvalidity
        last_uid = int(cursor.get("last_uid", 0)) if same_mailbox else 0
        if not same_mailbox and cursor.get("uidvalidity") is not None:
            # Every stored UID is void: read the mailbox again; Message-IDs keep it free of duplicates.
            logger.warning(
                "email UIDVALIDITY changed, resyncing",
                extra={"channel_id": self.channel.pk, "old": cursor.get("uidvalidity"), "new": uidvalidity},
            )
        if not same_mailbox:
            self._advance_cursor(uidvalidity, 0)
        if uidnext and uidnext - 1 <= last_uid:
            return 0
        # "n:*" always includes the highest UID, even below n: drop what we have already seen.
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        created = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]", "RFC822.SIZE"])
            for uid in batch:
                item = fetched.get(uid)
                raw = item.get(b"BODY[]") if item else None
                if raw is not None:
                    created += self.process_raw(bytes(raw), uid=uid, uidvalidity=uidvalidity)
                # process_raw has committed (message or quarantine): only now may the cursor pass it.
                self._advance_cursor(uidvalidity, uid)
        return created

    def _advance_cursor(self, uidvalidity: int, uid: int) -> None:
        def advance(cursor: dict[str, Any]) -> dict[str, Any] | None:
            if cursor.get("uidvalidity") == uidvalidity and int(cursor.get("last_uid", 0)) >= uid:
                return None  # a concurrent poll (IDLE and beat) already went further
            return {**cursor, "uidvalidity": uidvalidity, "last_uid": uid}

        actions.update_channel_cursor(channel=self.channel, change=advance)

    # --- one mail -------------------------------------------------------------------------------------

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.config.get("max_attachment_bytes") or DEFAULT_MAX_ATTACHMENT_BYTES)

    def process_raw(self, raw: bytes, *, uid: int | None = None, uidvalidity: int | None = None) -> int:
        """Parse, thread and store one mail; quarantine it when it cannot be a message. Returns 1 if new."""
        try:
            mail = parse_mail(raw, max_attachment_bytes=self.max_attachment_bytes)
        except UnparseableMail as error:
            self.quarantine(raw, str(error), uid=uid)
            return 0
        try:
            return self.ingest_parsed(mail, uid=uid, uidvalidity=uidvalidity)
        except DatabaseError:
            raise  # the database is unwell: stop here, the cursor stays, the next poll retries
        except Exception as error:  # noqa: BLE001 - one mail that breaks storing must not block the mailbox
            self.quarantine(raw, f"The mail could not be stored: {type(error).__name__}: {error}", uid=uid)
            return 0

    def quarantine(self, raw: bytes, reason: str, *, uid: int | None = None) -> None:
        if QuarantinedMail.objects.filter(channel_id=self.channel.pk, raw=raw).exists():
            return  # seen before (a resync, a retried poll): one quarantine entry per mail
        QuarantinedMail.objects.create(channel_id=self.channel.pk, raw=raw, error=reason[:2000], uid=uid)
        logger.warning("email quarantined", extra={"channel_id": self.channel.pk, "uid": uid, "reason": reason})

    def ingest_parsed(self, mail: ParsedMail, *, uid: int | None = None, uidvalidity: int | None = None) -> int:
        if Message.objects.filter(channel_id=self.channel.pk, external_id=mail.message_id).exists():
            return 0  # a resync or a repeated poll: this Message-ID is stored already
        decision = decide_thread(channel=self.channel, mail=mail)
        now = timezone.now()
        with transaction.atomic():
            stored, attachments = self._store_attachments(mail)
            inbound = inbound_message(
                mail,
                channel_id=self.channel.pk,
                thread=decision,
                attachments=attachments,
                inline_urls={item.content_id: attachment.url for item, attachment in stored if item.content_id},
                now=now,
                uid=uid,
                uidvalidity=uidvalidity,
            )
            result = actions.ingest_message(inbound=inbound)
            # A mail that was not stored after all (stored concurrently) leaves no files behind.
            actions.attach_files(
                message_id=result.message_id if result.created else None, files=[item for item, _ in stored]
            )
            if mail.bounce and mail.bounce_refers_to:
                actions.record_bounce(channel_id=self.channel.pk, external_id=mail.bounce_refers_to, reason=mail.bounce_reason)
        logger.info(
            "email ingested",
            extra={
                "channel_id": self.channel.pk,
                "uid": uid,
                "new": result.created,
                "conversation_id": result.conversation_id,
                "matched_by": decision.matched_by,
            },
        )
        return int(result.created)

    def _store_attachments(self, mail: ParsedMail) -> tuple[list[tuple[StoredAttachment, Attachment]], list[Attachment]]:
        stored: list[tuple[StoredAttachment, Attachment]] = []
        listed: list[Attachment] = []
        for part in mail.attachments:
            if part.too_large:
                listed.append(listed_attachment(part))
                continue
            item = actions.store_attachment(
                channel_id=self.channel.pk,
                name=part.filename,
                content_type=part.content_type,
                content_id=part.content_id,
                data=part.data,
            )
            attachment = stored_attachment(part, storage_key=str(item.pk), url=reverse("email:attachment", args=[item.pk]))
            stored.append((item, attachment))
            listed.append(attachment)
        return stored, listed

    # --- SMTP -----------------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return str(self.config.get("address", "")).strip()

    def build_reply(self, message: Message, message_id: str) -> EmailMessage:
        conversation = message.conversation
        identity = conversation.identity
        parent = (
            Message.objects.filter(
                conversation_id=conversation.pk,
                direction=Direction.IN,
                kind=MessageKind.MESSAGE,
                external_id__isnull=False,
                platform_time__lte=message.platform_time,
            )
            .order_by("-platform_time", "-id")
            .only("external_id", "raw")
            .first()
        )
        mail = EmailMessage()
        mail["From"] = formataddr((str(self.config.get("display_name", "")), self.address))
        mail["To"] = formataddr((identity.display_name, identity.external_id))
        mail["Subject"] = subject_for(conversation, str(message.send_options.get("subject", "")))
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message_id
        if parent is not None and parent.external_id:
            references = list(parent.raw.get("references") or [])
            if not references and len(parent.raw.get("in_reply_to") or []) == 1:
                references = list(parent.raw["in_reply_to"])
            references = [r for r in references if r != parent.external_id][-20:] + [parent.external_id]
            mail["In-Reply-To"] = parent.external_id
            mail["References"] = " ".join(references)
        mail.set_content(message.text)
        mail.add_alternative(text_to_html(message.text, ""), subtype="html")
        return mail

    def send(self, message: Message) -> SendResult:
        identity = message.conversation.identity
        if identity.kind != "email" or "@" not in identity.external_id:
            raise PermanentSendError("This conversation has no email address to answer.")
        # One Message-ID per reply, kept across retries, so a resend after an unclear failure is the
        # same mail to the recipient's program, and the id we store is the one that went out.
        message_id = str(message.raw.get("message_id") or "")
        if not message_id:
            domain = self.address.rpartition("@")[2] or None
            message_id = make_msgid(domain=domain)
            actions.record_send_details(message=message, details={"message_id": message_id})
        mail = self.build_reply(message, message_id)
        self.client.send(mail, from_addr=self.address, to_addrs=[identity.external_id])
        logger.info("email sent", extra={"channel_id": self.channel.pk, "message_id": message.pk})
        return SendResult(external_id=message_id)

    # --- composer -------------------------------------------------------------------------------------

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        subject = subject_for(conversation)
        return {"subject": subject, "note": f"Email to {conversation.identity.external_id} · Subject: {subject}"}

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if conversation.identity.kind != "email" or "@" not in conversation.identity.external_id:
            raise ReplyRefused("This conversation has no email address to answer.")


def reprocess_quarantined(*, item: QuarantinedMail) -> int:
    """Try a quarantined mail again (after a fix); raises UnparseableMail if it still cannot be read."""
    raw = bytes(item.raw)
    connector = EmailConnector(item.channel)
    try:
        mail = parse_mail(raw, max_attachment_bytes=connector.max_attachment_bytes)
    except UnparseableMail as error:
        QuarantinedMail.objects.filter(pk=item.pk).update(error=str(error)[:2000])
        raise
    created = connector.ingest_parsed(mail, uid=item.uid)
    QuarantinedMail.objects.filter(pk=item.pk).update(reprocessed_at=timezone.now())
    return created
