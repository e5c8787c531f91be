"""Login throttling, as admins see it: who is locked out now, and unlocking them (django-axes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.utils import timezone

from accounts import audit
from accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    attempt_id: int
    username: str
    ip_address: str
    failures: int
    last_attempt: datetime
    locked_until: datetime


def current_lockouts(*, now: datetime | None = None) -> list[Lockout]:
    """Usernames and addresses at or over the failure limit whose cool-off has not run out."""
    now = now or timezone.now()
    since = now - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    return [
        Lockout(
            attempt_id=a.pk,
            username=a.username or "",
            ip_address=a.ip_address or "",
            failures=a.failures_since_start,
            last_attempt=a.attempt_time,
            locked_until=a.attempt_time + settings.AXES_COOLOFF_TIME,
        )
        for a in attempts
    ]


def unlock(*, attempt_id: int, actor: User, ip_address: str = "") -> int:
    """Clear the failed attempts behind one lockout, for its username and its address."""
    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return 0
    cleared = reset(username=attempt.username) if attempt.username else 0
    cleared += reset(ip=attempt.ip_address) if attempt.ip_address else 0
    logger.info("login lockout cleared", extra={"actor_id": actor.pk, "attempts": cleared})
    audit.record(
        "login.unlocked",
        actor=actor,
        target=User.objects.filter(username=attempt.username).first(),
        target_label=attempt.username or attempt.ip_address or "",
        after={"username": attempt.username or "", "address": attempt.ip_address or "", "failures": attempt.failures_since_start},
        changes_only=False,
        ip_address=ip_address,
    )
    return cleared
