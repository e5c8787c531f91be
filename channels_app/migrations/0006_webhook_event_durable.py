# WebhookEvent becomes durable: a status with attempts and backoff, the channel it was routed to,
# a content hash for duplicate deliveries, and the events of a delivery that could not be mapped.

import django.db.models.deletion
from django.db import migrations, models


def mark_processed(apps, schema_editor):
    WebhookEvent = apps.get_model("channels_app", "WebhookEvent")
    WebhookEvent.objects.filter(processed_at__isnull=False).update(status="processed")


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0005_mail_content_hash"),
        ("inbox", "0007_channel_moves_to_inbox"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="webhookevent", name="webhook_unprocessed"),
        migrations.RenameField(model_name="webhookevent", old_name="error", new_name="last_error"),
        migrations.AddField(
            model_name="webhookevent",
            name="channel",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="webhook_events",
                to="inbox.channel",
            ),
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="content_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(model_name="webhookevent", name="duplicates", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(
            model_name="webhookevent", name="last_duplicate_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("processed", "Processed"),
                    ("failed", "Failed, will retry"),
                    ("given_up", "Given up"),
                    ("ignored", "Ignored"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(model_name="webhookevent", name="attempts", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="webhookevent", name="next_attempt_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="webhookevent", name="skipped", field=models.JSONField(blank=True, default=list)),
        migrations.RunPython(mark_processed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="webhookevent", index=models.Index(fields=["status", "next_attempt_at"], name="webhook_due")
        ),
        migrations.AddIndex(model_name="webhookevent", index=models.Index(fields=["status", "received_at"], name="webhook_age")),
        migrations.AddIndex(
            model_name="webhookevent", index=models.Index(fields=["channel", "status"], name="webhook_channel_status")
        ),
    ]
