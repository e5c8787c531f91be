"""The queue counters' SQLite triggers again, and the counts rebuilt from the conversations.

SQLite cannot alter a column in place: Django rebuilds the table, and a rebuilt table has lost its
triggers. A migration after 0003 rebuilt inbox_conversation, so on SQLite (the demo) the counters
stopped following the conversations and the queue counted nothing. PostgreSQL alters in place and
keeps its trigger: nothing to do there. The statements are 0003's own.
"""

import importlib

from django.db import migrations

workspace = importlib.import_module("inbox.migrations.0003_workspace")


def reinstall_on_sqlite(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in workspace.SQLITE_BACKWARD:
            cursor.execute(statement)
        workspace.install_counter_trigger(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0018_message_in_flight_index")]

    operations = [migrations.RunPython(reinstall_on_sqlite, migrations.RunPython.noop)]
