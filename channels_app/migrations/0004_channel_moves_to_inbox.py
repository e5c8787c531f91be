# Second half of inbox 0007: channels_app stops owning Channel in Django's model state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0003_quarantinedmail"),
        ("inbox", "0007_channel_moves_to_inbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="quarantinedmail",
                    name="channel",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="quarantine", to="inbox.channel"
                    ),
                ),
                migrations.DeleteModel(name="Channel"),
            ],
            database_operations=[],
        ),
    ]
