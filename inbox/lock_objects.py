"""Row and advisory locks, taken in one order everywhere: thread key, conversation, messages."""

import zlib

from django.db import connection

from inbox.models import Conversation


def lock_thread(*, channel_id: int, thread_key: str) -> None:
    """Serialise ingest of one thread so two new messages of it never open two conversations.

    SQLite already serialises writers (transaction_mode IMMEDIATE), so only PostgreSQL needs it.
    """
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"{channel_id}:{thread_key}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, key - 2**31])


def conversation_for_update(*, conversation_id: int) -> Conversation:
    return Conversation.objects.select_for_update(no_key=True).get(pk=conversation_id)
