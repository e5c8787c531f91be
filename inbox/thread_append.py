"""The common case of ingest in one SQL statement: the thread's customer writes again.

Most inbound messages join an open conversation whose customer is the author, with nothing about
them changed. For those, locking the thread's latest conversation, inserting the message and
updating the conversation's times is one statement: one round trip, atomic by itself. Anything
else (a new thread, a pending or resolved conversation, another author, a changed profile) returns
None and takes the general path in inbox.actions, which handles every case. PostgreSQL only.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection
from django.utils import timezone

from inbox.inbound import InboundMessage

_SQL = """
WITH target AS (
    SELECT c.id, c.identity_id
    FROM inbox_conversation c
    WHERE c.channel_id = %(channel_id)s AND c.thread_key = %(thread_key)s
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT 1
    FOR NO KEY UPDATE OF c
), updated AS (
    UPDATE inbox_conversation c
    SET last_inbound_at = GREATEST(COALESCE(c.last_inbound_at, %(platform_time)s), %(platform_time)s),
        waiting_since = CASE WHEN %(starts_sla)s THEN COALESCE(c.waiting_since, %(platform_time)s)
                             ELSE c.waiting_since END,
        last_message_preview = %(preview)s,
        updated_at = %(now)s
    FROM target, inbox_identity i
    WHERE c.id = target.id AND c.status = 'open' AND i.id = target.identity_id
      AND i.kind = %(kind)s AND i.external_id = %(external_author)s
      AND (%(handle)s = '' OR i.handle = %(handle)s)
      AND (%(display_name)s = '' OR i.display_name = %(display_name)s)
      AND (%(profile_url)s = '' OR i.profile_url = %(profile_url)s)
      AND (%(avatar_url)s = '' OR i.avatar_url = %(avatar_url)s)
      AND (%(follower_count)s::integer IS NULL OR i.follower_count = %(follower_count)s::integer)
    RETURNING c.id, c.team_id, c.identity_id
), inserted AS (
    INSERT INTO inbox_message (
        conversation_id, channel_id, direction, kind, external_id, author_identity_id, author_user_id,
        text, html, attachments, visibility, platform_time, received_time, starts_sla, delivery_state,
        delivery_error, delivery_attempts, sending_started_at, idempotency_key, send_options, raw
    )
    SELECT updated.id, %(channel_id)s, 'in', 'message', %(external_id)s, updated.identity_id, NULL,
           %(text)s, %(html)s, %(attachments)s::jsonb, %(visibility)s, %(platform_time)s, %(now)s,
           %(starts_sla)s, '', '', 0, NULL, NULL, '{}'::jsonb, %(raw)s::jsonb
    FROM updated
    RETURNING id, conversation_id
)
SELECT inserted.id, inserted.conversation_id, updated.team_id FROM inserted, updated
"""


def append_to_open_thread(inbound: InboundMessage, *, preview: str) -> tuple[int, int, int] | None:
    """(message id, conversation id, team id) when the fast path applied, else None."""
    if connection.vendor != "postgresql" or inbound.direction != "in":
        return None
    author = inbound.author
    now: datetime = timezone.now()
    params = {
        "channel_id": inbound.channel_id,
        "thread_key": inbound.thread_key,
        "platform_time": inbound.platform_time,
        "starts_sla": inbound.starts_sla,
        "preview": preview,
        "now": now,
        "kind": author.kind,
        "external_author": author.external_id,
        "handle": author.handle,
        "display_name": author.display_name,
        "profile_url": author.profile_url,
        "avatar_url": author.avatar_url,
        "follower_count": author.follower_count,
        "external_id": inbound.external_id,
        "text": inbound.text,
        "html": inbound.html,
        "attachments": json.dumps([vars(a) for a in inbound.attachments]),
        "visibility": inbound.visibility,
        "raw": json.dumps(inbound.raw),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else None
