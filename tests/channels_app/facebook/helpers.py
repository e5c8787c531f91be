"""What the Facebook tests share: the ids in tests/fixtures/facebook, a Page channel, signing and
delivering a body as Meta does, and an agent's reply sent at a given moment.

Payloads in tests/fixtures/facebook are shaped as Meta documents them.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import time_machine
from django.conf import settings
from django.test import TestCase

from inbox.actions import send_reply
from inbox.models import Channel, ChannelKind, Conversation, Message
from tests.factories import make_channel, make_team, make_user

PAGE_ID = "448242228374517"
OTHER_PAGE_ID = "1029384756"
APP_ID = "1517776481860111"
APP_SECRET = "fb-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
PSID = "24837365921234567"
COMMENT_ID = "122131676912594941_1213590066982748"
POST_ID = "448242228374517_122131676912594941"
GRAPH = f"https://graph.facebook.com/{settings.FACEBOOK_GRAPH_VERSION}"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facebook"
MESSENGER_TEXT_AT = datetime(2025, 3, 22, 19, 0, tzinfo=UTC)  # messenger_text.json's timestamp
COMMENT_AT = datetime(2025, 3, 22, 18, 20, 4, tzinfo=UTC)  # comment_add.json's created_time


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def make_facebook_channel(
    *,
    page_id: str = PAGE_ID,
    app_secret: str = APP_SECRET,
    human_agent_enabled: bool = True,
    verify_token: str = VERIFY_TOKEN,
    **config: Any,
) -> Channel:
    return make_channel(
        team=make_team(),
        kind=ChannelKind.FACEBOOK,
        name=f"Page {page_id}",
        config={
            "page_id": page_id,
            "page_name": "Aurora Outdoor",
            "app_id": APP_ID,
            "verify_token": verify_token,
            "human_agent_enabled": human_agent_enabled,
            **config,
        },
        credentials={"page_access_token": f"page-token-{page_id}", "app_secret": app_secret},
    )


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client: Any, capture: Any, payload: dict[str, Any] | bytes, *, signature: str | None = None, **headers: Any) -> Any:
    """POST a body to /webhooks/facebook as Meta would, running the Celery processing it enqueues."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if signature is None:
        signature = sign(body)
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    with capture(execute=True):
        return client.post("/webhooks/facebook", data=body, content_type="application/json", **headers)


def reply_in(
    conversation: Conversation,
    text: str,
    *,
    at: datetime,
    visibility: str,
    run: bool = True,
    options: dict[str, Any] | None = None,
) -> Message:
    """An agent of the conversation's team replies at the given moment; delivery runs unless run=False."""
    agent = make_user(teams=[conversation.team])
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=run):
        message = send_reply(
            conversation=conversation,
            author=agent,
            text=text,
            visibility=visibility,
            idempotency_key=uuid.uuid4().hex,
            options=options,
        )
    return Message.objects.get(pk=message.pk)
