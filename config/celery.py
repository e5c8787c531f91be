import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("parley")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The reports keep their own task module (sla/reports/tasks.py): snapshots and what-if runs.
app.autodiscover_tasks(["sla.reports"])
