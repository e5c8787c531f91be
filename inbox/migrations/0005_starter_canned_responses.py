"""Three shared canned responses so a new installation (and the demo) has something to find.

Supervisors edit or delete them at /canned/.
"""

from django.db import migrations

STARTERS = [
    ("Thanks for reaching out", "Hi {{customer.name}}, thanks for reaching out! I'm looking into this now. – {{agent.name}}"),
    ("Taking this to DM", "Hi {{customer.name}}, I've sent you a direct message so we can look at your order details privately."),
    ("Order number please", "Could you share your order number, {{customer.name}}? Then I can check the status for you."),
]


def add(apps, schema_editor):
    CannedResponse = apps.get_model("inbox", "CannedResponse")
    for title, body in STARTERS:
        CannedResponse.objects.get_or_create(team=None, title=title, defaults={"body": body})


def remove(apps, schema_editor):
    CannedResponse = apps.get_model("inbox", "CannedResponse")
    CannedResponse.objects.filter(team=None, title__in=[t for t, _ in STARTERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_queue_indexes")]
    operations = [migrations.RunPython(add, remove)]
