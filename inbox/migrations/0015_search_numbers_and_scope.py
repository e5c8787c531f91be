"""Search indexes, second pass (inbox/search.py), PostgreSQL only.

Message words: digits are cut out of the letters and signs around them before the text is split into
words, so "#A-10492", "A10492" and "order 10492" all hold the word 10492 (the parser alone made
"-10492" of the first and "a10492" of the second, and an order number typed bare found neither).
The words index leads with the message's channel (btree_gin), so a search within the user's teams
reads only their messages' entries instead of every match of a common word.
As 0014: not CONCURRENTLY, IF NOT EXISTS, so a big table's indexes can be built by hand beforehand.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations

# The same expression splits the query (inbox/search_words.py, full_text_words), word for word.
WORDS = r"to_tsvector('simple'::regconfig, regexp_replace(coalesce(text, ''), '([0-9]+)', ' \1 ', 'g'))"
COLUMN = f"ALTER TABLE inbox_message ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({WORDS}) STORED"
# Every search index after this migration (bench/search.py builds them after its bulk load).
INDEXES = [
    ("inbox_message", "msg_search_scoped", "gin (channel_id, search_vector)"),
    ("inbox_identity", "identity_handle_trgm", "gin (handle gin_trgm_ops)"),
    ("inbox_identity", "identity_name_trgm", "gin (display_name gin_trgm_ops)"),
    ("inbox_identity", "identity_external_trgm", "gin (external_id gin_trgm_ops)"),
    ("inbox_customer", "customer_name_trgm", "gin (name gin_trgm_ops)"),
    ("inbox_conversation", "conv_subject_trgm", "gin (subject gin_trgm_ops)"),
]
OLD_COLUMN = (
    "ALTER TABLE inbox_message ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(text, ''))) STORED"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_vector")  # drops msg_search_vector
    schema_editor.execute(COLUMN)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS msg_search_scoped ON inbox_message USING {INDEXES[0][2]}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(OLD_COLUMN)
    schema_editor.execute("CREATE INDEX IF NOT EXISTS msg_search_vector ON inbox_message USING gin (search_vector)")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0014_search_indexes")]

    operations = [BtreeGinExtension(), migrations.RunPython(forward, backward)]
