"""Search indexes (inbox/search.py), PostgreSQL only: full-text on message text (a stored tsvector column), trigram on names,
handles, addresses and subjects. A migration runs in a transaction, so not CONCURRENTLY: on a big
production table build them first by hand with CREATE INDEX CONCURRENTLY and the same names, and
this migration finds them there (IF NOT EXISTS)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Message words as a stored tsvector the database keeps in step with text (never written by Django,
# which does not know the column): checking it row by row is cheap, so a common word is found by
# walking the newest messages, and a rare one through the GIN index.
COLUMN = (
    "ALTER TABLE inbox_message ADD COLUMN IF NOT EXISTS search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(text, ''))) STORED"
)
INDEXES = [
    ("inbox_message", "msg_search_vector", "gin (search_vector)"),
    ("inbox_identity", "identity_handle_trgm", "gin (handle gin_trgm_ops)"),
    ("inbox_identity", "identity_name_trgm", "gin (display_name gin_trgm_ops)"),
    ("inbox_identity", "identity_external_trgm", "gin (external_id gin_trgm_ops)"),
    ("inbox_customer", "customer_name_trgm", "gin (name gin_trgm_ops)"),
    ("inbox_conversation", "conv_subject_trgm", "gin (subject gin_trgm_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    for table, name, using in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {using}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _using in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0013_customer_notes_per_team")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
