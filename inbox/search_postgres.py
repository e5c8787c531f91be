"""Which rows a search matches, newest first and at most a few, on PostgreSQL at any table size, through
the search indexes (inbox/migrations/*_search_*.py). inbox/search_portable.py answers the same
questions elsewhere; inbox/search.py ranks and marks what either finds.

Why not `WHERE <match> ORDER BY id DESC LIMIT n`: the planner then walks the primary key backwards,
testing row after row until n match. That is instant for a common word and a walk through the whole
table for a word nobody wrote (for a word it has no statistics for it guesses 0.5% of the rows; at
5M messages an order number took 1.6 s). So each lookup here is bounded both ways by hand: first
the newest rows alone, where a common word is found at once; then the index alone, as a MATERIALIZED
set that cannot be walked in key order, which is cheap exactly when the first step found too few,
because then the matches are few.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from inbox.search_words import full_text_words, whole_number

# Rows of a table tested directly before its index is asked.
WINDOW = 2000
# Messages fall in blocks of BLOCK by id (the search_block column, inbox/migrations/0017_search_blocks.py): the words
# index leads with channel and block, so "the newest blocks only" reads only their part of a common
# word's entries. Spans of newest blocks tried before all of them.
BLOCK = 16384
BLOCK_SPANS = (0, 4, 16)

Where = list[tuple[str, list[Any]]]  # conditions ANDed, each with its parameters


def message_ids(*, channel_ids: list[int] | None, words: list[str], numbers: list[str], limit: int) -> list[int]:
    """The newest messages on those channels (None: every channel) holding the order numbers, or
    when there are none, every word."""
    text = " ".join(numbers) or full_text_words(" ".join(words))
    where: Where = [("t.search_vector @@ plainto_tsquery('simple', %s)", [text])]
    if channel_ids is not None:
        where.append(("t.channel_id = ANY(%s::bigint[])", [channel_ids]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM inbox_message")
        newest = cursor.fetchone()[0]
        if newest is None:
            return []
        top = newest // BLOCK
        for span in BLOCK_SPANS:
            ids = _indexed(cursor, "inbox_message", [*where, ("t.search_block >= %s", [top - span])], limit)
            if len(ids) >= limit or top - span <= 0:
                return ids
        return _indexed(cursor, "inbox_message", where, limit)


def subject_ids(*, team_ids: list[int], words: list[str], numbers: list[str], limit: int) -> list[int]:
    """The newest conversations of those teams whose subject holds the order numbers, or every word."""
    where: Where = [("t.team_id = ANY(%s::bigint[])", [team_ids])]
    for word in numbers or words:
        where.append(("t.subject ILIKE %s", [like(word)]))
    for number in numbers:
        where.append(("t.subject ~ %s", [whole_number(number)]))
    return _newest("inbox_conversation", where, limit, indexed=_trigrams(numbers or words))


def identity_ids(*, team_ids: list[int], words: list[str], limit: int) -> list[int]:
    """The newest accounts of unmerged customers the teams talk to, every word in a handle, name or address."""
    # A merge moves the identities to the customer kept (inbox/actions/customers.py), so an identity's
    # customer is never a merged-away one; inbox/search.py checks again on what it shows.
    where: Where = [
        ("(t.handle ILIKE %s OR t.display_name ILIKE %s OR t.external_id ILIKE %s)", [like(word)] * 3) for word in words
    ]
    where.append((_TALKS_TO.format(customer="t.customer_id"), [team_ids]))
    return _newest("inbox_identity", where, limit, indexed=_trigrams(words))


def customer_ids(*, team_ids: list[int], words: list[str], limit: int) -> list[int]:
    """The newest unmerged customers the teams talk to with every word in their name."""
    where: Where = [("t.name ILIKE %s", [like(word)]) for word in words]
    where.append(("t.merged_into_id IS NULL", []))
    where.append((_TALKS_TO.format(customer="t.id"), [team_ids]))
    return _newest("inbox_customer", where, limit, indexed=_trigrams(words))


# A scalar subquery, not EXISTS: the planner turns EXISTS into a join and, misjudging how many rows
# match, hashes every conversation of the teams first (350 ms); this stays one index lookup a match.
_TALKS_TO = (
    "(SELECT 1 FROM inbox_conversation c WHERE c.customer_id = {customer} AND c.team_id = ANY(%s::bigint[]) LIMIT 1) IS NOT NULL"
)


def like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _trigrams(words: list[str]) -> bool:
    # A trigram index narrows ILIKE only by a word of 3 characters or more; shorter ones alone would
    # make the index step a scan of the whole table, so they search the newest rows only.
    return any(len(word) >= 3 for word in words)


def _newest(table: str, where: Where, limit: int, *, indexed: bool) -> list[int]:
    sql, params = _and(where)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id FROM (SELECT * FROM {table} ORDER BY id DESC LIMIT %s) t WHERE {sql} ORDER BY t.id DESC LIMIT %s",
            [WINDOW, *params, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) >= limit or not indexed:
            return ids
        return _indexed(cursor, table, where, limit)


def _indexed(cursor: Any, table: str, where: Where, limit: int) -> list[int]:
    sql, params = _and(where)
    # Every match through the index: a caller comes here only when the matches are few. The planner
    # cannot know that (a handle's trigrams look common to it) and would scan the table instead: 160
    # ms for 200,000 customers where the index takes 8. So no sequential scan, for this query only.
    with transaction.atomic():
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        previous = cursor.fetchone()[0]
        cursor.execute(
            f"WITH hits AS MATERIALIZED (SELECT t.id FROM {table} t WHERE {sql}) SELECT id FROM hits ORDER BY id DESC LIMIT %s",
            [*params, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Inside a caller's transaction the setting would outlive this block.
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])
    return ids


def _and(where: Where) -> tuple[str, list[Any]]:
    return " AND ".join(f"({sql})" for sql, _ in where), [p for _, params in where for p in params]
