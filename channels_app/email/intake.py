"""One fetched mail: stored as a message exactly once, or quarantined with its reason; never nowhere.

A mail is a duplicate only when its bytes are (content_hash, kept per channel in ReceivedMail):
a mail that shares a Message-ID with a stored one but differs is stored as its own message, its
external id made unique with a short content hash, and threaded by its headers like any other.
Whatever goes wrong while storing (a parser gap, a value the database refuses, a bug) rolls back
that mail alone (its own savepoint) and quarantines it; the caller moves the cursor only after
this returns, so a failure to write even the quarantine leaves the mail on the server for the
next poll. Every mail not stored leaves a log line with the reason.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from channels_app.email import quarantine
from channels_app.email.parsing import DEFAULT_MAX_ATTACHMENT_BYTES, ParsedMail, UnparseableMail, parse_mail
from channels_app.email.payloads import inbound_message, listed_attachment, stored_attachment
from channels_app.email.threading import decide_thread, support_address
from channels_app.models import QuarantinedMail, QuarantineKind, ReceivedMail
from inbox import actions
from inbox.inbound import Attachment
from inbox.models import Channel, Direction, Message, StoredAttachment

if TYPE_CHECKING:
    from accounts.models import User
    from channels_app.email.parsing import ParsedAttachment

logger = logging.getLogger(__name__)

DEFAULT_MAX_MAIL_BYTES = 50 * 1024 * 1024
ID_HASH_LENGTH = 12
MAX_EXTERNAL_ID = 255


def content_hash(raw: bytes) -> str:
    """sha256 of the mail; line endings normalised, since servers store the same mail as CRLF or LF."""
    return hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


class NotStored(Exception):  # noqa: N818 - an outcome, not a failure
    """The mail is readable but must not become a message as it is: quarantine it with this reason."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class AlreadyStored(Exception):  # noqa: N818 - an outcome, not a failure
    """A concurrent poll stored this very mail a moment ago."""


@dataclass(frozen=True)
class Where:
    """Where the mail was read: its UID in the folder (None for a reprocessed mail)."""

    uid: int | None = None
    uidvalidity: int | None = None


def receive(channel: Channel, raw: bytes, *, where: Where, max_mail_bytes: int, max_attachment_bytes: int) -> int:
    """Store or quarantine one mail; returns 1 when a message was added."""
    digest = content_hash(raw)
    log = {"channel_id": channel.pk, "uid": where.uid, "content_hash": digest[:16]}
    if _accounted_for(channel, raw, where=where, digest=digest, log=log):
        return 0
    if len(raw) > max_mail_bytes:
        reason = f"The mail is {len(raw)} bytes, more than this channel keeps as a message ({max_mail_bytes})."
        _hold(channel, raw, where, digest, QuarantineKind.TOO_LARGE, reason)
        return 0
    try:
        mail = parse_mail(raw, max_attachment_bytes=max_attachment_bytes)
    except UnparseableMail as error:
        _hold(channel, raw, where, digest, QuarantineKind.UNPARSEABLE, str(error))
        return 0
    outcome = store_or_quarantine(channel, raw, mail, digest=digest, where=where)
    return int(outcome is not None)


def store_or_quarantine(
    channel: Channel, raw: bytes, mail: ParsedMail, *, digest: str, where: Where, released: bool = False
) -> int | None:
    """The stored message's id, or None (quarantined, or stored concurrently); see the module docstring."""
    log = {"channel_id": channel.pk, "uid": where.uid, "content_hash": digest[:16]}
    try:
        with transaction.atomic():
            return store(channel, mail, digest=digest, where=where, released=released)
    except NotStored as refusal:
        _hold(channel, raw, where, digest, refusal.kind, refusal.reason)
    except (AlreadyStored, IntegrityError) as error:
        if not ReceivedMail.objects.filter(channel_id=channel.pk, content_hash=digest).exists():
            reason = f"The mail could not be stored: {type(error).__name__}: {error}"
            _hold(channel, raw, where, digest, QuarantineKind.STORE_FAILED, reason)
        else:
            logger.info("email skipped", extra={**log, "reason": "stored concurrently (same content)"})
    except Exception as error:  # noqa: BLE001 - one mail that breaks storing must not block the mailbox
        reason = f"The mail could not be stored: {type(error).__name__}: {error}"
        _hold(channel, raw, where, digest, QuarantineKind.STORE_FAILED, reason)
    return None


def _hold(channel: Channel, raw: bytes, where: Where, digest: str, kind: str, reason: str, message_id: int | None = None) -> None:
    quarantine.add(
        channel_id=channel.pk,
        raw=raw,
        kind=kind,
        reason=reason,
        uid=where.uid,
        uidvalidity=where.uidvalidity,
        digest=digest,
        message_id=message_id,
    )


def _accounted_for(channel: Channel, raw: bytes, *, where: Where, digest: str, log: dict[str, object]) -> bool:
    """Whether a mail with this content is a message or a quarantine entry already.

    Each mail in the folder is accounted for once, so the folder's count is messages plus
    quarantine entries: read again at its place (a poll after a failed one) it adds nothing; read
    after a UIDVALIDITY change (every UID renumbered) an entry of the old numbering moves to its
    new place; another byte-identical copy in the same folder is quarantined as a copy.
    """
    seen = ReceivedMail.objects.filter(channel_id=channel.pk, content_hash=digest).first()
    entries = list(
        QuarantinedMail.objects.filter(channel_id=channel.pk, content_hash=digest).only("uid", "uidvalidity").order_by("pk")
    )
    places: list[ReceivedMail | QuarantinedMail] = ([seen] if seen is not None else []) + entries
    if not places:
        return False
    if seen is not None:
        already = f"already stored as message {seen.message_id}"
    else:
        already = f"already quarantined (entry {entries[0].pk})"
    here = (where.uidvalidity, where.uid)
    if None in here or any((place.uidvalidity, place.uid) == here for place in places):
        logger.info("email skipped", extra={**log, "reason": f"{already} (same content)"})
        return True
    for place in places:
        if place.uidvalidity == where.uidvalidity:
            continue
        try:
            with transaction.atomic():
                moved = (
                    type(place)
                    .objects.filter(pk=place.pk, uidvalidity=place.uidvalidity, uid=place.uid)
                    .update(uidvalidity=where.uidvalidity, uid=where.uid)
                )
        except IntegrityError:
            moved = 1  # a concurrent poll put this content at this very place
        if moved:
            logger.info("email skipped", extra={**log, "reason": f"{already} (same content), read again at a new place"})
            return True
    if seen is not None:
        reason = f"The same mail, byte for byte, is already stored as message {seen.message_id} (UID {seen.uid})."
    else:
        reason = f"The same mail, byte for byte, is already in the quarantine (entry {entries[0].pk}, UID {entries[0].uid})."
    _hold(channel, raw, where, digest, QuarantineKind.DUPLICATE, reason, message_id=seen.message_id if seen else None)
    return True


def unique_external_id(channel: Channel, mail: ParsedMail, digest: str) -> str | None:
    """The external id for a mail whose content is new; None when it is ours or stored before hashes were kept."""
    existing = Message.objects.filter(channel_id=channel.pk, external_id=mail.message_id).values_list("pk", "direction").first()
    if existing is None:
        return mail.message_id
    pk, direction = existing
    if direction == Direction.OUT:
        if mail.from_address == support_address(channel):
            return None  # our own reply, as the server filed it (a Bcc, a sent-mail copy): stored already
        raise NotStored(
            QuarantineKind.DUPLICATE, f"The mail has the Message-ID of our own reply (message {pk}), from someone else."
        )
    if not ReceivedMail.objects.filter(message_id=pk).exists():
        return None  # stored before content hashes were kept: the Message-ID is all we can compare
    suffix = "#" + digest[:ID_HASH_LENGTH]
    return mail.message_id[: MAX_EXTERNAL_ID - len(suffix)] + suffix


def store(channel: Channel, mail: ParsedMail, *, digest: str, where: Where, released: bool = False) -> int | None:
    """Thread and store one parsed mail (in the caller's transaction): the message id; NotStored to quarantine it."""
    log = {"channel_id": channel.pk, "uid": where.uid, "content_hash": digest[:16]}
    external_id = unique_external_id(channel, mail, digest)
    if external_id is None:
        logger.info(
            "email skipped", extra={**log, "reason": "its Message-ID is stored: our reply, or a mail from before content hashes"}
        )
        return None
    decision = decide_thread(channel=channel, mail=mail, vouched=released)
    if decision.spoof:
        raise NotStored(QuarantineKind.SPOOF, decision.spoof)
    if decision.ignored_ticket is not None:
        logger.info("email ticket token ignored", extra={**log, "reason": "the sender is not that conversation's customer"})
    stored, attachments = _store_attachments(channel, mail.attachments)
    inbound = inbound_message(
        mail,
        channel_id=channel.pk,
        thread=decision,
        attachments=attachments,
        inline_urls={item.content_id: attachment.url for item, attachment in stored if item.content_id},
        now=timezone.now(),
        uid=where.uid,
        uidvalidity=where.uidvalidity,
        external_id=external_id,
    )
    result = actions.ingest_message(inbound=inbound)
    if not result.created:
        if result.message_id is None:
            raise NotStored(
                QuarantineKind.NOT_STORED, "A mail from our own address that answers no conversation we know."
            )  # fmt: skip
        raise AlreadyStored(f"message {result.message_id}")
    ReceivedMail.objects.create(
        channel_id=channel.pk, content_hash=digest, message_id=result.message_id, uid=where.uid, uidvalidity=where.uidvalidity
    )
    actions.attach_files(message_id=result.message_id, files=[item for item, _ in stored])
    if mail.bounce and mail.bounce_refers_to:
        actions.record_bounce(channel_id=channel.pk, external_id=mail.bounce_refers_to, reason=mail.bounce_reason)
    logger.info(
        "email ingested",
        extra={
            **log,
            "message_id": result.message_id,
            "conversation_id": result.conversation_id,
            "matched_by": decision.matched_by,
            "released": released,
        },
    )
    return result.message_id


def _store_attachments(
    channel: Channel, parts: tuple[ParsedAttachment, ...]
) -> tuple[list[tuple[StoredAttachment, Attachment]], list[Attachment]]:
    stored: list[tuple[StoredAttachment, Attachment]] = []
    listed: list[Attachment] = []
    for part in parts:
        if part.too_large:
            listed.append(listed_attachment(part))
            continue
        item = actions.store_attachment(
            channel_id=channel.pk, name=part.filename, content_type=part.content_type, content_id=part.content_id, data=part.data
        )
        attachment = stored_attachment(part, storage_key=str(item.pk), url=reverse("email:attachment", args=[item.pk]))
        stored.append((item, attachment))
        listed.append(attachment)
    return stored, listed


# --- a quarantined mail, tried again ------------------------------------------------------------------


@dataclass(frozen=True)
class Retried:
    message_id: int | None  # the message it is now (new, or the one already stored with its content)
    created: bool
    reason: str = ""  # why it is still quarantined


def reprocess_quarantined(*, item: QuarantinedMail, released_by: User | None = None) -> Retried:
    """Try a quarantined mail again (after a fix), or release it (an admin vouches for a suspected spoof).

    Raises UnparseableMail when it still cannot be read. A release records who released it on the
    conversation the mail joins.
    """
    raw = bytes(item.raw)
    channel = item.channel
    try:
        limit = int(channel.config.get("max_attachment_bytes") or DEFAULT_MAX_ATTACHMENT_BYTES)
        mail = parse_mail(raw, max_attachment_bytes=limit)
    except UnparseableMail as error:
        QuarantinedMail.objects.filter(pk=item.pk).update(error=str(error)[: quarantine.MAX_REASON])
        raise
    digest = item.content_hash or content_hash(raw)
    now = timezone.now()
    seen = ReceivedMail.objects.filter(channel_id=channel.pk, content_hash=digest).values_list("message_id", flat=True).first()
    if seen is not None:
        QuarantinedMail.objects.filter(pk=item.pk).update(reprocessed_at=now, message_id=seen)
        return Retried(message_id=seen, created=False)
    try:
        with transaction.atomic():
            where = Where(uid=item.uid, uidvalidity=item.uidvalidity)
            message_id = store(channel, mail, digest=digest, where=where, released=released_by is not None)
            done = {"reprocessed_at": now, "message_id": message_id}
            if released_by is not None and message_id is not None:
                done.update(released_at=now, released_by=released_by)
                actions.record_mail_released(
                    message_id=message_id,
                    released_by=released_by,
                    quarantine_id=item.pk,
                    was=item.kind,
                    reason=item.error,
                    at=now,
                )
            QuarantinedMail.objects.filter(pk=item.pk).update(**done)
    except NotStored as refusal:
        QuarantinedMail.objects.filter(pk=item.pk).update(kind=refusal.kind, error=refusal.reason[: quarantine.MAX_REASON])
        return Retried(message_id=None, created=False, reason=refusal.reason)
    except Exception as error:  # noqa: BLE001 - shown to the admin; the mail stays quarantined
        reason = f"The mail could not be stored: {type(error).__name__}: {error}"
        QuarantinedMail.objects.filter(pk=item.pk).update(kind=QuarantineKind.STORE_FAILED, error=reason[: quarantine.MAX_REASON])
        return Retried(message_id=None, created=False, reason=reason)
    if message_id is None:
        return Retried(message_id=None, created=False, reason="Its Message-ID is already stored.")
    return Retried(message_id=message_id, created=True)
