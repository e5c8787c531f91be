"""What a platform says happened to a stored message: edited, removed or hidden by its author,
the files kept for it, and an admin's release of a held mail into its conversation."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox import changes
from inbox.actions.common import record_event
from inbox.models import Conversation, Message, StoredAttachment

logger = logging.getLogger(__name__)


def _locked_message(channel_id: int, external_id: str) -> Message | None:
    return (
        Message.objects.select_for_update(no_key=True, of=("self",))
        .select_related("conversation")
        .filter(channel_id=channel_id, external_id=external_id)
        .first()
    )


def record_message_edited(*, channel_id: int, external_id: str, text: str, edited_at: str) -> bool:
    """The author edited their message: show the new text, keep the old ones. False if unknown."""
    with transaction.atomic():
        message = _locked_message(channel_id, external_id)
        if message is None:
            return False
        raw = dict(message.raw or {})
        edits = list(raw.get("edits") or [])
        edits.append({"previous_text": message.text, "text": text, "at": edited_at})
        raw.update(edited=True, edits=edits)
        Message.objects.filter(pk=message.pk).update(text=text, raw=raw)
        conversation = message.conversation
        record_event(conversation=conversation, kind="message_edited", data={"message_id": message.pk})
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="edited")
    return True


def record_message_visibility(*, channel_id: int, external_id: str, verb: str) -> bool:
    """The author removed their message, or the Page hid or unhid it. False if unknown.

    A removed message keeps its text for the record; the thread says the author removed it.
    """
    with transaction.atomic():
        message = _locked_message(channel_id, external_id)
        if message is None:
            logger.info("change for unknown message", extra={"channel_id": channel_id, "verb": verb})
            return False
        raw = dict(message.raw or {})
        if verb == "remove":
            raw.update(removed=True, removed_note="removed by the author", removed_at=timezone.now().isoformat())
        else:
            raw["hidden"] = verb == "hide"
        Message.objects.filter(pk=message.pk).update(raw=raw)
        conversation = message.conversation
        kind = "message_removed" if verb == "remove" else f"message_{'hidden' if verb == 'hide' else 'unhidden'}"
        record_event(conversation=conversation, kind=kind, data={"message_id": message.pk})
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="edited")
    return True


def record_mail_released(*, message_id: int, released_by: User, quarantine_id: int, was: str, reason: str, at: datetime) -> None:
    """An admin released a quarantined mail and it was stored as this message: its conversation's
    timeline says who released it, what it was held as and why. Call inside the store's transaction."""
    conversation = Conversation.objects.get(messages__pk=message_id)
    data = {"message_id": message_id, "quarantine_id": quarantine_id, "was": was, "reason": reason}
    record_event(conversation=conversation, kind="mail_released", actor=released_by, data=data, at=at)
    # The ingest that stored it announced the message; this tells open pages of the timeline entry.
    changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="note")


def store_attachment(*, channel_id: int, name: str, content_type: str, content_id: str, data: bytes) -> StoredAttachment:
    """Keep a file's bytes (an email attachment) before its message is stored; see attach_files."""
    item = StoredAttachment(
        channel_id=channel_id, name=name, content_type=content_type[:255], content_id=content_id[:255], size=len(data)
    )
    item.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix[:10]}", ContentFile(data), save=False)
    item.save()
    return item


def attach_files(*, message_id: int | None, files: list[StoredAttachment]) -> None:
    """Give stored files to the message they came with, or drop them when it was not stored."""
    if message_id is not None:
        StoredAttachment.objects.filter(pk__in=[f.pk for f in files]).update(message_id=message_id)
        return
    for item in files:
        item.file.delete(save=False)
        item.delete()
