"""Email: IMAP in (IMAPClient, UID cursor, IDLE), SMTP out (threaded replies).

Channel.config: address, display_name, imap_host, imap_port, imap_tls ("ssl" | "starttls" |
"plain"), imap_user, imap_folder, smtp_host, smtp_port, smtp_tls, smtp_user, and optionally
max_attachment_bytes. Channel.credentials: imap_password, smtp_password (never logged).
Channel.cursor: {"uidvalidity": int, "last_uid": int}, moved only after a mail is committed.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import PurePath
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.db import DatabaseError, close_old_connections, transaction
from django.urls import reverse
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from channels_app.base import ChannelAuthError, PermanentSendError, SendResult, TransientSendError
from channels_app.email_parsing import (
    DEFAULT_MAX_ATTACHMENT_BYTES,
    ParsedMail,
    UnparseableMail,
    base_subject,
    parse_mail,
    replace_cid_images,
    text_to_html,
)
from channels_app.email_threading import decide_thread
from channels_app.models import QuarantinedMail
from inbox import actions
from inbox.inbound import Attachment, AuthorIdentity, InboundMessage
from inbox.models import Channel, ChannelStatus, Conversation, Direction, Message, MessageKind, StoredAttachment
from inbox.ports import ReplyRefused

logger = logging.getLogger(__name__)

TLS_MODES = (("ssl", "Implicit TLS (SSL)"), ("starttls", "STARTTLS"), ("plain", "None (local testing only)"))
DEFAULT_TIMEOUT = 30.0
FETCH_BATCH = 25
IDLE_RENEW_SECONDS = 28 * 60  # servers drop IDLE after 30 min (RFC 2177): re-issue well before


class MailServerError(Exception):
    """The mail server could not be reached or answered unexpectedly; the text says which and why."""


def _tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    """Certificates are always verified (system CAs; a private CA bundle via config "tls_ca_file")."""
    return ssl.create_default_context(cafile=config.get("tls_ca_file") or None)


def subject_for(conversation: Conversation, override: str = "") -> str:
    base = base_subject(override or conversation.subject) or "Your message"
    return f"Re: {base} [#{conversation.pk}]"


class EmailConnector:
    kind: ClassVar[str] = "email"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config: dict[str, Any] = dict(channel.config)

    # --- IMAP ---------------------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return str(self.config.get("imap_folder") or "INBOX")

    @contextmanager
    def imap_client(self) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient. Login refused -> ChannelAuthError; unreachable -> MailServerError."""
        host = str(self.config.get("imap_host", ""))
        port = int(self.config.get("imap_port") or 993)
        mode = str(self.config.get("imap_tls", "ssl"))
        user = str(self.config.get("imap_user", ""))
        timeout = float(self.config.get("timeout", DEFAULT_TIMEOUT))
        try:
            client = IMAPClient(host, port=port, ssl=mode == "ssl", ssl_context=_tls_context(self.config), timeout=timeout)
        except ssl.SSLError as error:
            raise MailServerError(f"IMAP TLS with {host}:{port} failed: {_describe(error)}") from error
        except (OSError, IMAPClientError) as error:
            raise MailServerError(f"IMAP server {host}:{port} unreachable: {_describe(error)}") from error
        try:
            if mode == "starttls":
                client.starttls(_tls_context(self.config))
            try:
                client.login(user, str(self.channel.credentials.get("imap_password", "")))
            except LoginError as error:
                raise ChannelAuthError(f"IMAP login refused for {user}: {_describe(error)}") from None
            yield client
        except ssl.SSLError as error:
            raise MailServerError(f"IMAP TLS with {host}:{port} failed: {_describe(error)}") from error
        except (OSError, IMAPClientError) as error:
            raise MailServerError(f"IMAP server {host}:{port} failed: {_describe(error)}") from error
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                try:
                    client.shutdown()
                except (OSError, IMAPClientError):
                    pass  # the connection is gone either way

    def poll(self) -> int:
        try:
            with self.imap_client() as client:
                return self._poll(client)
        except MailServerError as error:
            # Transient by nature: the next beat (or IDLE) tries again; the cursor has not moved.
            logger.warning("email poll failed", extra={"channel_id": self.channel.pk, "reason": str(error)})
            return 0

    def _poll(self, client: IMAPClient) -> int:
        info = client.select_folder(self.folder, readonly=True)  # EXAMINE: flags stay untouched
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
        with transaction.atomic():
            channel = Channel.objects.select_for_update(no_key=True).only("pk", "cursor").get(pk=self.channel.pk)
            cursor = dict(channel.cursor or {})
            if cursor.get("uidvalidity") == uidvalidity and int(cursor.get("last_uid", 0)) >= uid:
                return  # a concurrent poll (IDLE and beat) already went further
            cursor.update(uidvalidity=uidvalidity, last_uid=uid)
            Channel.objects.filter(pk=channel.pk).update(cursor=cursor)
        self.channel.cursor = cursor

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
        from inbox.actions import ingest_message

        if Message.objects.filter(channel_id=self.channel.pk, external_id=mail.message_id).exists():
            return 0  # a resync or a repeated poll: this Message-ID is stored already
        decision = decide_thread(channel=self.channel, mail=mail)
        now = timezone.now()
        platform_time = mail.date if mail.date is not None and mail.date <= now + timedelta(hours=1) else now
        with transaction.atomic():
            stored, attachments = self._store_attachments(mail)
            html = replace_cid_images(mail.html, {s.content_id: a.url for s, a in stored if s.content_id})
            inbound = InboundMessage(
                channel_id=self.channel.pk,
                external_id=mail.message_id,
                thread_key=decision.thread_key,
                author=AuthorIdentity(
                    kind="email", external_id=mail.from_address, handle=mail.from_address, display_name=mail.from_name
                ),
                text=mail.text,
                html=html,
                platform_time=platform_time,
                attachments=tuple(attachments),
                visibility="private",
                subject=mail.subject,
                direction=decision.direction,
                starts_sla=decision.starts_sla,
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
                    "matched_by": decision.matched_by,
                },
            )
            result = ingest_message(inbound=inbound)
            if result.created and result.message_id:
                StoredAttachment.objects.filter(pk__in=[s.pk for s, _ in stored]).update(message_id=result.message_id)
            else:
                for item, _ in stored:
                    item.file.delete(save=False)
                    item.delete()
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
                listed.append(Attachment(name=part.filename, content_type=part.content_type, size=part.size))
                continue
            suffix = PurePath(part.filename).suffix[:10]
            item = StoredAttachment(
                channel_id=self.channel.pk,
                name=part.filename,
                content_type=part.content_type[:255],
                content_id=part.content_id[:255],
                size=part.size,
            )
            item.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(part.data), save=False)
            item.save()
            attachment = Attachment(
                name=part.filename,
                content_type=part.content_type,
                size=part.size,
                url=reverse("email:attachment", args=[item.pk]),
                storage_key=str(item.pk),
            )
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
            message.raw = {**message.raw, "message_id": message_id}
            Message.objects.filter(pk=message.pk).update(raw=message.raw)
        mail = self.build_reply(message, message_id)
        try:
            with self._smtp() as smtp:
                smtp.send_message(mail, from_addr=self.address, to_addrs=[identity.external_id])
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelAuthError(f"SMTP login refused: {_smtp_answer(error)}") from None
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise _by_code(code, f"Recipient refused: {code} {_decode(answer)}") from None
        except smtplib.SMTPResponseException as error:
            raise _by_code(error.smtp_code, f"SMTP server answered {_smtp_answer(error)}") from None
        except ssl.SSLError as error:
            raise ChannelAuthError(f"SMTP TLS failed: {error}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransientSendError(f"SMTP server unreachable: {_describe(error)}") from None
        logger.info("email sent", extra={"channel_id": self.channel.pk, "message_id": message.pk})
        return SendResult(external_id=message_id)

    @contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        host = str(self.config.get("smtp_host", ""))
        port = int(self.config.get("smtp_port") or 465)
        mode = str(self.config.get("smtp_tls", "ssl"))
        timeout = float(self.config.get("timeout", DEFAULT_TIMEOUT))
        # Our EHLO name: the support address's domain (smtplib's default, getfqdn(), can hang on DNS).
        helo = self.address.rpartition("@")[2] or "localhost"
        smtp: smtplib.SMTP
        if mode == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, local_hostname=helo, timeout=timeout, context=_tls_context(self.config))
        else:
            smtp = smtplib.SMTP(host, port, local_hostname=helo, timeout=timeout)
        try:
            if mode == "starttls":
                smtp.ehlo()
                smtp.starttls(context=_tls_context(self.config))
                smtp.ehlo()
            user = str(self.config.get("smtp_user", ""))
            if user:
                smtp.login(user, str(self.channel.credentials.get("smtp_password", "")))
            yield smtp
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    # --- connection check (admin "Connect") -------------------------------------------------------------

    def check_imap(self) -> str:
        """A sentence saying what the IMAP server said; raises MailServerError / ChannelAuthError."""
        with self.imap_client() as client:
            try:
                info = client.select_folder(self.folder, readonly=True)
            except IMAPClientError as error:
                raise MailServerError(f"IMAP folder {self.folder!r} cannot be opened: {_describe(error)}") from None
            idle = "supports IDLE" if client.has_capability("IDLE") else "no IDLE (polling only)"
            return f"IMAP OK: {self.folder} has {int(info.get(b'EXISTS', 0))} messages; {idle}."

    def check_smtp(self) -> str:
        try:
            with self._smtp() as smtp:
                code, _ = smtp.noop()
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelAuthError(f"SMTP login refused: {_smtp_answer(error)}") from None
        except smtplib.SMTPResponseException as error:
            raise MailServerError(f"SMTP server answered {_smtp_answer(error)}") from None
        except ssl.SSLError as error:
            host, port = self.config.get("smtp_host", ""), self.config.get("smtp_port", "")
            raise MailServerError(f"SMTP TLS with {host}:{port} failed: {_describe(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            host, port = self.config.get("smtp_host", ""), self.config.get("smtp_port", "")
            raise MailServerError(f"SMTP server {host}:{port} unreachable: {_describe(error)}") from None
        return f"SMTP OK: the server accepted the connection ({code})."

    # --- composer -------------------------------------------------------------------------------------

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        subject = subject_for(conversation)
        return {"subject": subject, "note": f"Email to {conversation.identity.external_id} · Subject: {subject}"}

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if conversation.identity.kind != "email" or "@" not in conversation.identity.external_id:
            raise ReplyRefused("This conversation has no email address to answer.")


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _smtp_answer(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_decode(error.smtp_error)}".strip()


def _by_code(code: int, reason: str) -> PermanentSendError | TransientSendError:
    return TransientSendError(reason) if 400 <= code < 500 else PermanentSendError(reason)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, socket.timeout):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return text.replace("b'", "").replace("'", "").strip()[:300]


# --- IDLE ---------------------------------------------------------------------------------------------


def _new_mail(responses: list[Any]) -> bool:
    return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def idle_once(channel: Channel, timeout: float) -> int:
    """One IDLE round: wait up to timeout seconds for new mail, then poll. Returns new messages."""
    connector = EmailConnector(channel)
    with connector.imap_client() as client:
        client.select_folder(connector.folder, readonly=True)
        client.idle()
        try:
            responses = client.idle_check(timeout=timeout)
        finally:
            _, pending = client.idle_done()
    responses = list(responses) + list(pending)
    return EmailConnector(Channel.objects.get(pk=channel.pk)).poll() if _new_mail(responses) else 0


class IdleListener:
    """Holds one IDLE session for a channel; on EXISTS it runs the same poll the beat runs.

    Re-issues IDLE every 28 minutes, reconnects with backoff, and stops when stop() is called
    (checked every check_interval seconds) or when the channel stops being active.
    """

    def __init__(self, channel_id: int, *, check_interval: float = 1.0, renew_seconds: float = IDLE_RENEW_SECONDS) -> None:
        self.channel_id = channel_id
        self.check_interval = check_interval
        self.renew_seconds = renew_seconds
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the first IDLE is issued (tests wait on it)
        self.polls = 0

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        backoff = 1.0
        try:
            while not self.stopped:
                channel = Channel.objects.filter(pk=self.channel_id, status=ChannelStatus.ACTIVE).first()
                if channel is None:
                    return
                try:
                    self._session(channel)
                    backoff = 1.0
                except ChannelAuthError as error:
                    actions.flag_channel(channel=channel, reason=str(error))
                    return
                except (MailServerError, OSError, IMAPClientError) as error:
                    logger.warning("email idle reconnecting", extra={"channel_id": self.channel_id, "reason": str(error)})
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 300.0)
                close_old_connections()
        finally:
            from django.db import connection

            connection.close()

    def _session(self, channel: Channel) -> None:
        connector = EmailConnector(channel)
        with connector.imap_client() as client:
            if not client.has_capability("IDLE"):
                logger.info("email server has no IDLE; the beat poll covers it", extra={"channel_id": channel.pk})
                self._stop.wait(self.renew_seconds)
                return
            client.select_folder(connector.folder, readonly=True)
            self._poll()  # catch up on anything that arrived while we were not listening
            while not self.stopped:
                client.idle()
                self.ready.set()
                started = time.monotonic()
                arrived = False
                try:
                    while not self.stopped and time.monotonic() - started < self.renew_seconds:
                        if _new_mail(client.idle_check(timeout=self.check_interval)):
                            arrived = True
                            break
                finally:
                    # Mail that lands between checks (or during the renewal) is reported with DONE.
                    _, pending = client.idle_done()
                if arrived or _new_mail(pending):
                    self._poll()

    def _poll(self) -> None:
        channel = Channel.objects.filter(pk=self.channel_id, status=ChannelStatus.ACTIVE).first()
        if channel is not None:
            EmailConnector(channel).poll()
            self.polls += 1


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
