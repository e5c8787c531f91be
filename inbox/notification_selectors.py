"""Reads of a user's notifications (the bell, the list) and their notification choices."""

from __future__ import annotations

from accounts.models import User
from inbox.models import Notification, NotificationPreference


def notifications(*, user: User, limit: int = 50, unread_only: bool = False) -> list[Notification]:
    rows = Notification.objects.filter(user=user).select_related("conversation")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows.order_by("-created_at", "-id")[:limit])


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_preference(*, user: User) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def own_notification(*, user: User, notification_id: int | None) -> Notification | None:
    """One of this user's notifications (a pushed id for someone else's reads as nothing)."""
    if notification_id is None:
        return None
    return Notification.objects.filter(pk=notification_id, user=user).first()
