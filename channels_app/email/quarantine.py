"""The quarantine: every mail that was not stored as a message, kept whole with its kind and reason.

One entry per content (hash) and channel, so a repeated poll or a resync never lists a mail twice.
Reprocessing and releasing live in channels_app.email.intake, which stores mail.
"""

from __future__ import annotations

import logging

from django.db import transaction

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
    message_id: int | None = None,
) -> QuarantinedMail:
    """Keep the mail with its reason; a mail already quarantined keeps its first entry."""
    with transaction.atomic():
        item, created = QuarantinedMail.objects.get_or_create(
            channel_id=channel_id,
            content_hash=digest,
            defaults={"raw": raw, "kind": kind, "error": reason[:MAX_REASON], "uid": uid, "message_id": message_id},
        )
    logger.warning(
        "email quarantined" if created else "email already quarantined",
        extra={"channel_id": channel_id, "uid": uid, "kind": kind, "reason": reason, "quarantine_id": item.pk},
    )
    return item
