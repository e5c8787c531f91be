"""Tags on a conversation: added by agents (typed, found or created) and by rules."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from accounts.models import User
from inbox import changes
from inbox.actions.common import ActionError, record_event
from inbox.models import Conversation, Tag

_SPACES = re.compile(r"\s+")


def clean_tag_name(name: str) -> str:
    name = _SPACES.sub(" ", name).strip().lstrip("#").strip()
    if not name:
        raise ActionError("A tag needs a name.")
    if len(name) > 60:
        raise ActionError("A tag name is at most 60 characters.")
    return name


def find_or_create_tag(*, name: str) -> Tag:
    """The tag of this name whatever its case, created when there is none yet."""
    name = clean_tag_name(name)
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:
        # Created by someone else at the same moment (the unique index is on the lowercased name).
        return Tag.objects.get(name__iexact=name)


def add_tag(*, conversation: Conversation, name: str, actor: User | None, rule: str = "", because: str = "") -> tuple[Tag, bool]:
    """Put a tag on the conversation; (tag, False) when it already had it."""
    tag = find_or_create_tag(name=name)
    with transaction.atomic():
        if conversation.tags.filter(pk=tag.pk).exists():
            return tag, False
        conversation.tags.add(tag)
        data = {"tag": tag.name}
        if rule:
            data.update(rule=rule, because=because, summary=f"Tagged {tag.name}")
        record_event(conversation=conversation, kind="tag_added", actor=actor, data=data)
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="tags")
    return tag, True


def remove_tag(*, conversation: Conversation, tag: Tag, actor: User | None) -> bool:
    with transaction.atomic():
        if not conversation.tags.filter(pk=tag.pk).exists():
            return False
        conversation.tags.remove(tag)
        record_event(conversation=conversation, kind="tag_removed", actor=actor, data={"tag": tag.name})
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="tags")
    return True
