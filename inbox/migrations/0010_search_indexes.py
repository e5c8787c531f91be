"""Search indexes (inbox/search.py), PostgreSQL only: full-text on message text, trigram on names,
handles, addresses and subjects. A migration runs in a transaction, so not CONCURRENTLY: on a big
production table build them first by hand with CREATE INDEX CONCURRENTLY and the same names, and
this migration finds them there (IF NOT EXISTS)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("inbox_message", "msg_text_fts", "gin (to_tsvector('simple'::regconfig, text))"),
    ("inbox_identity", "identity_handle_trgm", "gin (handle gin_trgm_ops)"),
    ("inbox_identity", "identity_name_trgm", "gin (display_name gin_trgm_ops)"),
    ("inbox_identity", "identity_external_trgm", "gin (external_id gin_trgm_ops)"),
    ("inbox_customer", "customer_name_trgm", "gin (name gin_trgm_ops)"),
    ("inbox_conversation", "conv_subject_trgm", "gin (subject gin_trgm_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, using in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {using}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _using in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0009_sla_paused")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
