"""Notifications: what one user should know, stored for the bell and pushed to their open pages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox import events
from inbox.models import Conversation, Notification, NotificationPreference

MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


def notify(
    *, users: Iterable[User], kind: str, text: str, conversation: Conversation | None = None, key: str = ""
) -> list[Notification]:
    """One notification per active user (each user once), pushed live after commit.

    With a key, a user already told under it for this conversation is not told again (a retried task).
    """
    unique = {u.pk: u for u in users if u is not None and u.is_active}
    if key:
        created = []
        for user in unique.values():
            row, new = Notification.objects.get_or_create(
                user=user, conversation=conversation, key=key[:120], defaults={"kind": kind, "text": text[:300]}
            )
            if new:
                created.append(row)
    else:
        created = Notification.objects.bulk_create(
            [Notification(user=u, kind=kind, text=text[:300], conversation=conversation) for u in unique.values()]
        )
    for notification in created:
        transaction.on_commit(lambda n=notification: events.push_notification(user_id=n.user_id, notification_id=n.pk))
    return created


def mentioned_users(*, text: str, team_id: int) -> list[User]:
    """The team's people named with @username in a note."""
    names = {m.group(1).rstrip(".").lower() for m in MENTION.finditer(text)}
    if not names:
        return []
    people = User.objects.filter(is_active=True).filter(teams=team_id) | User.objects.filter(
        is_active=True, supervised_teams=team_id
    )
    return [u for u in people.distinct() if u.username.lower() in names]


def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark this user's notifications read (all unread when no ids are given)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: events.push_notification(user_id=user.pk, notification_id=None))
    return count


def save_preference(*, user: User, email_breaches: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults={"email_breaches": email_breaches})
    return preference
