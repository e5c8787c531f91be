"""Canned responses: saved replies supervisors keep for their teams (or, for admins, every team)."""

from __future__ import annotations

import logging

from accounts.models import Team, User
from inbox.models import CannedResponse

logger = logging.getLogger(__name__)


def create_canned_response(*, team: Team | None, title: str, body: str, actor: User) -> CannedResponse:
    canned = CannedResponse.objects.create(team=team, title=title.strip(), body=body)
    logger.info("canned response created", extra={"canned_id": canned.pk, "actor_id": actor.pk})
    return canned


def delete_canned_response(*, canned: CannedResponse, actor: User) -> None:
    logger.info("canned response deleted", extra={"canned_id": canned.pk, "actor_id": actor.pk})
    canned.delete()
