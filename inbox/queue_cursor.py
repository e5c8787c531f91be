"""The queue's keyset cursor: where a page ended, as text for the "More" link, and the rows after it.

One encoding and one reading. The comparison it builds matches the queue's order exactly (breached
first, then SLA due, then waiting since, then id; missing times last), so no row is skipped or
shown twice however the rows change between pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import OrderBy, RawSQL

from inbox.models import Conversation

_T = '"inbox_conversation"'
_INF = "'infinity'::timestamptz"
# Nulls last as 'infinity', so the sort key has no NULLs and compares as one row value: the same
# expressions as the partial queue indexes (migration 0004).
_PG_KEYS = (
    f'{_T}."sla_rank"',
    f'COALESCE({_T}."sla_due_at", {_INF})',
    f'COALESCE({_T}."waiting_since", {_INF})',
    f'{_T}."id"',
)
# A missing time in a cursor: it sorts after every real one, as NULLs do here.
_FAR = "9999-12-31T00:00:00+00:00"


@dataclass(frozen=True)
class QueueCursor:
    """Where a queue page ended: its last row's sort key. The "More" link carries it as text."""

    rank: int
    due: datetime | None
    waiting: datetime | None
    pk: int

    @classmethod
    def of(cls, row: Conversation) -> QueueCursor:
        return cls(rank=row.sla_rank, due=row.sla_due_at, waiting=row.waiting_since, pk=row.pk)

    def encode(self) -> str:
        due = self.due.isoformat() if self.due else _FAR
        waiting = self.waiting.isoformat() if self.waiting else _FAR
        return f"{self.rank}|{due}|{waiting}|{self.pk}"

    @classmethod
    def decode(cls, text: str) -> QueueCursor | None:
        """None for a cursor that is not one of ours: the page then starts from the top."""
        try:
            rank_s, due_s, waiting_s, pk_s = text.split("|")
            return cls(
                rank=int(rank_s),
                due=None if due_s == _FAR else datetime.fromisoformat(due_s),
                waiting=None if waiting_s == _FAR else datetime.fromisoformat(waiting_s),
                pk=int(pk_s),
            )
        except ValueError:
            return None

    @staticmethod
    def ordering() -> tuple[OrderBy, ...]:
        """The queue's order, nulls last, as the comparison in rows_after() reads it."""
        if connection.vendor == "postgresql":
            # Sorting on the index expressions themselves lets PostgreSQL read the index in order.
            return tuple(RawSQL(key, []).asc() for key in _PG_KEYS)  # noqa: S611 - constant expressions
        return (
            F("sla_rank").asc(),
            F("sla_due_at").asc(nulls_last=True),
            F("waiting_since").asc(nulls_last=True),
            F("id").asc(),
        )

    def rows_after(self, *, index_prefix: tuple[str, int] | None = None) -> Q | RawSQL:
        """The rows that sort after this cursor.

        On PostgreSQL one row-value comparison over the index expressions, so the index scan starts
        at the cursor instead of walking and discarding every earlier row: a late page reads only
        its own rows. index_prefix leads the row value with the column the best index starts with
        (pinned by equality by the filters), so only that index can take the comparison as its
        range condition. Elsewhere the same comparison, spelled out column by column.
        """
        if connection.vendor == "postgresql":
            keys = list(_PG_KEYS)
            values = ["%s", f"COALESCE(%s::timestamptz, {_INF})", f"COALESCE(%s::timestamptz, {_INF})", "%s"]
            params: list[object] = [self.rank, self.due, self.waiting, self.pk]
            if index_prefix is not None:
                keys.insert(0, f'{_T}."{index_prefix[0]}"')
                values.insert(0, "%s")
                params.insert(0, index_prefix[1])
            sql = f"({', '.join(keys)}) > ({', '.join(values)})"
            return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 - constant SQL, bound values
        due_after, due_same = _after_nulls_last("sla_due_at", self.due)
        waiting_after, waiting_same = _after_nulls_last("waiting_since", self.waiting)
        same_rank = Q(sla_rank=self.rank)
        return (
            Q(sla_rank__gt=self.rank)
            | same_rank & due_after
            | same_rank & due_same & waiting_after
            | same_rank & due_same & waiting_same & Q(pk__gt=self.pk)
        )


def _after_nulls_last(field: str, value: datetime | None) -> tuple[Q, Q]:
    """(sorts after value, sorts level with value) for a column ordered ascending, nulls last."""
    if value is None:
        return Q(pk__in=[]), Q(**{f"{field}__isnull": True})
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": value}), Q(**{field: value})
