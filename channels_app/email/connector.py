"""EmailConnector: poll the IMAP folder, store each mail once (or quarantine it), send threaded replies.

Every inbox write goes through inbox.actions: the cursor (update_channel_cursor, under a row lock,
since IDLE and the beat poll may overlap), the files (store_attachment, attach_files), the message
(ingest_message, in channels_app.email.intake), a bounce (record_bounce) and the Message-ID of a
reply (record_send_details). QuarantinedMail and ReceivedMail are this app's own tables.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from functools import cached_property
from typing import Any, ClassVar

from imapclient import IMAPClient

from channels_app.base import PermanentSendError, SendResult
from channels_app.email import intake, quarantine
from channels_app.email.client import MailClient, MailServerError
from channels_app.email.html import text_to_html
from channels_app.email.intake import DEFAULT_MAX_MAIL_BYTES
from channels_app.email.parsing import DEFAULT_MAX_ATTACHMENT_BYTES
from channels_app.email.threading import subject_for
from channels_app.models import QuarantineKind
from inbox import actions
from inbox.models import Channel, Conversation, Direction, Message, MessageKind
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
                created = self._poll(client)
        except MailServerError as error:
            # Transient by nature: the next beat (or IDLE) tries again; the cursor has not moved.
            logger.warning("email poll failed", extra={"channel_id": self.channel.pk, "reason": str(error)})
            actions.record_poll_failed(channel=self.channel, reason=f"The mail server failed: {error}")
            return 0
        actions.record_poll_ok(channel=self.channel)
        return created

    def _poll(self, client: IMAPClient) -> int:
        info = client.select_folder(self.client.folder, readonly=True)  # EXAMINE: flags stay untouched
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = int(info.get(b"UIDNEXT") or 0)
        cursor = Channel.objects.values_list("cursor", flat=True).get(pk=self.channel.pk) or {}
        same_mailbox = cursor.get("uidvalidity") == uidvalidity
        last_uid = int(cursor.get("last_uid", 0)) if same_mailbox else 0
        if not same_mailbox and cursor.get("uidvalidity") is not None:
            # Every stored UID is void: read the mailbox again; content hashes keep it free of duplicates.
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

    @property
    def max_mail_bytes(self) -> int:
        return int(self.config.get("max_mail_bytes") or DEFAULT_MAX_MAIL_BYTES)

    def process_raw(self, raw: bytes, *, uid: int | None = None, uidvalidity: int | None = None) -> int:
        """Store one mail or quarantine it (channels_app.email.intake). Returns 1 if a message was added."""
        return intake.receive(
            self.channel,
            raw,
            where=intake.Where(uid=uid, uidvalidity=uidvalidity),
            max_mail_bytes=self.max_mail_bytes,
            max_attachment_bytes=self.max_attachment_bytes,
        )

    def quarantine(self, raw: bytes, reason: str, *, uid: int | None = None, kind: str = QuarantineKind.UNPARSEABLE) -> None:
        quarantine.add(channel_id=self.channel.pk, raw=raw, kind=kind, reason=reason, uid=uid, digest=intake.content_hash(raw))

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

    def find_sent(self, message: Message) -> str | None:
        return None  # SMTP cannot be asked what it delivered; the agent was told to check

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        subject = subject_for(conversation)
        return {
            "subject": subject,
            "visibilities": list(EMAIL_VISIBILITIES),
            "note": f"Email to {conversation.identity.external_id} · Subject: {subject}",
        }

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        check_email_visibility(visibility)
        if conversation.identity.kind != "email" or "@" not in conversation.identity.external_id:
            raise ReplyRefused("This conversation has no email address to answer.")


# An email goes to the customer's address only: there is no public reply.
EMAIL_VISIBILITIES = ("private",)


def check_email_visibility(visibility: str) -> None:
    if visibility not in EMAIL_VISIBILITIES:
        raise ReplyRefused("An email reply goes only to the customer: there is no public reply by email.")
