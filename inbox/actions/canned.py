"""Canned responses: saved replies supervisors keep for their teams (or, for admins, every team)."""

from __future__ import annotations

import logging

from django.db import transaction

from accounts import audit
from accounts.models import Team, User
from inbox.models import CannedResponse

logger = logging.getLogger(__name__)

FIELDS = ("team", "title", "body")


def create_canned_response(*, team: Team | None, title: str, body: str, actor: User) -> CannedResponse:
    with transaction.atomic():
        canned = CannedResponse.objects.create(team=team, title=title.strip(), body=body)
        audit.record("canned.created", actor=actor, target=canned, after=audit.snapshot(canned, FIELDS))
    logger.info("canned response created", extra={"canned_id": canned.pk, "actor_id": actor.pk})
    return canned


def update_canned_response(*, canned: CannedResponse, team: Team | None, title: str, body: str, actor: User) -> CannedResponse:
    with transaction.atomic():
        before = audit.snapshot(CannedResponse.objects.get(pk=canned.pk), FIELDS)
        canned.team, canned.title, canned.body = team, title.strip(), body
        canned.save(update_fields=["team", "title", "body"])
        after = audit.snapshot(canned, FIELDS)
        if before != after:
            audit.record("canned.updated", actor=actor, target=canned, before=before, after=after)
    return canned


def delete_canned_response(*, canned: CannedResponse, actor: User) -> None:
    logger.info("canned response deleted", extra={"canned_id": canned.pk, "actor_id": actor.pk})
    with transaction.atomic():
        audit.record("canned.deleted", actor=actor, target=canned, before=audit.snapshot(canned, FIELDS), changes_only=False)
        canned.delete()
