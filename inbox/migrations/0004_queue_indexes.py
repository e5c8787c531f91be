"""Partial expression indexes that serve the queue's keyset pages straight from the index.

The queue orders on (sla_rank, sla_due_at, waiting_since, id) with NULLs last; the indexes store
the NULLs as 'infinity' so the key is one comparable row value (inbox.queue_selectors.queue_rows writes
the same expressions). Only open and pending conversations are indexed: a tenth of the table.
PostgreSQL only; SQLite (the embedded demo) keeps the plain conv_queue index.
"""

from django.db import migrations

_KEY = (
    "sla_rank, COALESCE(sla_due_at, 'infinity'::timestamptz), COALESCE(waiting_since, 'infinity'::timestamptz), id"
)
_WHERE = "WHERE status IN ('open', 'pending')"
INDEXES = {
    # One team (an agent's usual view).
    "conv_queue_team_key": f"(team_id, {_KEY})",
    # Many or all teams (supervisors, admins): scan in queue order, filter by team.
    "conv_queue_all_key": f"({_KEY})",
    # "Mine".
    "conv_queue_mine_key": f"(assignee_id, {_KEY})",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON inbox_conversation {columns} {_WHERE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0003_workspace")]
    operations = [migrations.RunPython(create, drop)]
