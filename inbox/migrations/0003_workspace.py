from django.db import migrations, models
import django.db.models.deletion

KEY = "team_id, channel_id, status, priority, assignee_id"
QUEUE = "('open', 'pending')"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION inbox_queue_counter() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.team_id = NEW.team_id AND OLD.channel_id = NEW.channel_id
     AND OLD.status = NEW.status AND OLD.priority = NEW.priority
     AND OLD.assignee_id IS NOT DISTINCT FROM NEW.assignee_id THEN
    RETURN NULL;
  END IF;
  -- Touch the two counter rows in key order so two opposite moves cannot deadlock.
  IF TG_OP = 'UPDATE' AND OLD.status IN {QUEUE} AND NEW.status IN {QUEUE}
     AND ROW(NEW.team_id, NEW.channel_id, NEW.status, NEW.priority, COALESCE(NEW.assignee_id, 0))
       < ROW(OLD.team_id, OLD.channel_id, OLD.status, OLD.priority, COALESCE(OLD.assignee_id, 0)) THEN
    INSERT INTO inbox_queuecounter ({KEY}, n)
      VALUES (NEW.team_id, NEW.channel_id, NEW.status, NEW.priority, COALESCE(NEW.assignee_id, 0), 1)
      ON CONFLICT ({KEY}) DO UPDATE SET n = inbox_queuecounter.n + 1;
    UPDATE inbox_queuecounter SET n = n - 1
      WHERE team_id = OLD.team_id AND channel_id = OLD.channel_id AND status = OLD.status
        AND priority = OLD.priority AND assignee_id = COALESCE(OLD.assignee_id, 0);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {QUEUE} THEN
    UPDATE inbox_queuecounter SET n = n - 1
      WHERE team_id = OLD.team_id AND channel_id = OLD.channel_id AND status = OLD.status
        AND priority = OLD.priority AND assignee_id = COALESCE(OLD.assignee_id, 0);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN {QUEUE} THEN
    INSERT INTO inbox_queuecounter ({KEY}, n)
      VALUES (NEW.team_id, NEW.channel_id, NEW.status, NEW.priority, COALESCE(NEW.assignee_id, 0), 1)
      ON CONFLICT ({KEY}) DO UPDATE SET n = inbox_queuecounter.n + 1;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER inbox_queue_counter
  AFTER INSERT OR DELETE OR UPDATE OF team_id, channel_id, status, priority, assignee_id
  ON inbox_conversation FOR EACH ROW EXECUTE FUNCTION inbox_queue_counter();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS inbox_queue_counter ON inbox_conversation;
DROP FUNCTION IF EXISTS inbox_queue_counter();
"""

_SQLITE_INC = f"""INSERT INTO inbox_queuecounter ({KEY}, n)
  VALUES (NEW.team_id, NEW.channel_id, NEW.status, NEW.priority, COALESCE(NEW.assignee_id, 0), 1)
  ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"""
_SQLITE_DEC = """UPDATE inbox_queuecounter SET n = n - 1
  WHERE team_id = OLD.team_id AND channel_id = OLD.channel_id AND status = OLD.status
    AND priority = OLD.priority AND assignee_id = COALESCE(OLD.assignee_id, 0);"""
_COLS = "team_id, channel_id, status, priority, assignee_id"
SQLITE_FORWARD = [
    f"CREATE TRIGGER inbox_qc_ins AFTER INSERT ON inbox_conversation WHEN NEW.status IN {QUEUE} BEGIN {_SQLITE_INC} END;",
    f"CREATE TRIGGER inbox_qc_del AFTER DELETE ON inbox_conversation WHEN OLD.status IN {QUEUE} BEGIN {_SQLITE_DEC} END;",
    f"CREATE TRIGGER inbox_qc_upd_old AFTER UPDATE OF {_COLS} ON inbox_conversation WHEN OLD.status IN {QUEUE} "
    f"BEGIN {_SQLITE_DEC} END;",
    f"CREATE TRIGGER inbox_qc_upd_new AFTER UPDATE OF {_COLS} ON inbox_conversation WHEN NEW.status IN {QUEUE} "
    f"BEGIN {_SQLITE_INC} END;",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {name};" for name in ("inbox_qc_ins", "inbox_qc_del", "inbox_qc_upd_old", "inbox_qc_upd_new")]

BACKFILL = f"""
INSERT INTO inbox_queuecounter ({KEY}, n)
SELECT team_id, channel_id, status, priority, COALESCE(assignee_id, 0), COUNT(*)
FROM inbox_conversation WHERE status IN {QUEUE}
GROUP BY team_id, channel_id, status, priority, COALESCE(assignee_id, 0)
"""


def install_counter_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inbox_queuecounter")
        cursor.execute(BACKFILL)
        if connection.vendor == "postgresql":
            cursor.execute(PG_FORWARD)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)


def remove_counter_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_BACKWARD)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_BACKWARD:
                cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_workspace'),
        ('inbox', '0002_storedattachment'),
    ]

    operations = [
        migrations.CreateModel(
            name='CannedResponse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=120)),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='canned', to='accounts.team')),
            ],
            options={
                'ordering': ['title'],
            },
        ),
        migrations.CreateModel(
            name='QueueCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team_id', models.BigIntegerField()),
                ('channel_id', models.BigIntegerField()),
                ('status', models.CharField(max_length=20)),
                ('priority', models.CharField(max_length=20)),
                ('assignee_id', models.BigIntegerField()),
                ('n', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('team_id', 'channel_id', 'status', 'priority', 'assignee_id'), name='queue_counter_key')],
            },
        ),
        migrations.RunPython(install_counter_trigger, remove_counter_trigger),
    ]
