# The Channel model moves from channels_app to inbox (the core owns what conversations belong to).
# Only Django's model state changes: the table, its rows and every foreign key stay as they are.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import inbox.secrets

CHANNEL = migrations.CreateModel(
    name="Channel",
    fields=[
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        (
            "kind",
            models.CharField(
                choices=[("x", "X"), ("facebook", "Facebook"), ("email", "Email"), ("simulated", "Simulated")], max_length=20
            ),
        ),
        ("name", models.CharField(max_length=120)),
        ("config", models.JSONField(blank=True, default=dict)),
        ("credentials", inbox.secrets.EncryptedJSONField(blank=True, default=dict)),
        ("cursor", models.JSONField(blank=True, default=dict)),
        (
            "status",
            models.CharField(
                choices=[("active", "Active"), ("needs_attention", "Needs attention"), ("disabled", "Disabled")],
                default="active",
                max_length=20,
            ),
        ),
        ("status_reason", models.TextField(blank=True)),
        ("poll_interval_seconds", models.PositiveIntegerField(default=30)),
        ("next_poll_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
        ("last_polled_at", models.DateTimeField(blank=True, null=True)),
        ("created_at", models.DateTimeField(auto_now_add=True)),
        (
            "team",
            models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="channels", to="accounts.team"),
        ),
    ],
    options={"db_table": "channels_app_channel", "ordering": ["name"]},
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_workspace"),
        ("channels_app", "0003_quarantinedmail"),
        ("inbox", "0006_conversation_updated_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                CHANNEL,
                migrations.AlterField(
                    model_name="conversation",
                    name="channel",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="conversations", to="inbox.channel"
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="channel",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="messages", to="inbox.channel"
                    ),
                ),
                migrations.AlterField(
                    model_name="storedattachment",
                    name="channel",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="inbox.channel"),
                ),
            ],
            database_operations=[],
        ),
    ]
