"""Breach emails for the people who asked for them, through the outbound SMTP settings (EMAIL_URL)."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from inbox.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)


def send_breach_email(notification: Notification) -> bool:
    user = notification.user
    wants = NotificationPreference.objects.filter(user=user, email_breaches=True).exists()
    if not wants or not user.email:
        return False
    link = settings.PARLEY_PUBLIC_URL.rstrip("/")
    if notification.conversation_id:
        link += reverse("inbox:conversation", args=[notification.conversation_id])
    try:
        send_mail(
            subject=f"[Parley] SLA breached: {notification.text[:120]}",
            message=f"{notification.text}\n\n{link}\n\nYou get this because you asked for breach emails "
            f"(Notifications, in Parley).",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except (smtplib.SMTPException, OSError):
        # The in-app notification is already there; a mail server hiccup must not undo it.
        logger.warning("breach email not sent", extra={"notification_id": notification.pk}, exc_info=True)
        return False
    return True
