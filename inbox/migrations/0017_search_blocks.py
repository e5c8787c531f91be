"""Search indexes, third pass (inbox/search_postgres.py), PostgreSQL only: messages fall in blocks of
16,384 by id (search_block), and the words index leads with channel and block, so the newest
messages' matches of a common word are read without the rest of its entries. The index of 0015 is
replaced. As 0014: not CONCURRENTLY, IF NOT EXISTS, so a big table's index can be built by hand first.
"""

from django.db import migrations

# inbox/search_postgres.py BLOCK is the same 16384.
COLUMN = (
    "ALTER TABLE inbox_message ADD COLUMN IF NOT EXISTS search_block integer GENERATED ALWAYS AS ((id / 16384)::integer) STORED"
)
# Every search index after this migration (bench/search.py builds them after its bulk load).
INDEXES = [
    ("inbox_message", "msg_search_recent", "gin (channel_id, search_block, search_vector)"),
    ("inbox_identity", "identity_handle_trgm", "gin (handle gin_trgm_ops)"),
    ("inbox_identity", "identity_name_trgm", "gin (display_name gin_trgm_ops)"),
    ("inbox_identity", "identity_external_trgm", "gin (external_id gin_trgm_ops)"),
    ("inbox_customer", "customer_name_trgm", "gin (name gin_trgm_ops)"),
    ("inbox_conversation", "conv_subject_trgm", "gin (subject gin_trgm_ops)"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS msg_search_recent ON inbox_message USING {INDEXES[0][2]}")
    schema_editor.execute("DROP INDEX IF EXISTS msg_search_scoped")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE INDEX IF NOT EXISTS msg_search_scoped ON inbox_message USING gin (channel_id, search_vector)")
    schema_editor.execute("DROP INDEX IF EXISTS msg_search_recent")
    schema_editor.execute("ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_block")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0016_report_indexes")]

    operations = [migrations.RunPython(forward, backward)]
