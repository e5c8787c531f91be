"""The quarantine: every mail that was not stored as a message, kept whole with its kind and reason.

One entry per mail in the folder: per place (UIDVALIDITY, UID) when the mail was read from one, so
byte-identical copies each have theirs and a repeated poll never lists a mail twice (intake decides
which place a copy takes). Reprocessing and releasing live in channels_app.email.intake, which stores mail.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from channels_app.models import QuarantinedMail

logger = logging.getLogger(__name__)

MAX_REASON = 2000


def add(
    *,
    channel_id: int,
    raw: bytes,
    kind: str,
    reason: str,
    digest: str,
    uid: int | None = None,
    uidvalidity: int | None = None,
    message_id: int | None = None,
) -> QuarantinedMail:
    """Keep the mail with its reason; the mail already quarantined at this place keeps its entry."""
    try:
        with transaction.atomic():
            item, created = QuarantinedMail.objects.get_or_create(
                channel_id=channel_id,
                content_hash=digest,
                uidvalidity=uidvalidity,
                uid=uid,
                defaults={"raw": raw, "kind": kind, "error": reason[:MAX_REASON], "message_id": message_id},
            )
    except IntegrityError:
        # Quarantined a moment ago by a concurrent poll, without a place or at this one.
        item, created = QuarantinedMail.objects.filter(channel_id=channel_id, content_hash=digest).order_by("pk").first(), False
        if item is None:
            raise
    logger.warning(
        "email quarantined" if created else "email already quarantined",
        extra={"channel_id": channel_id, "uid": uid, "kind": kind, "reason": reason, "quarantine_id": item.pk},
    )
    return item
