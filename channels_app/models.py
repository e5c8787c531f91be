from django.db import models

from inbox.models import Channel


class WebhookEvent(models.Model):
    """A verified webhook body, stored before any work so a lost task never loses the event."""

    source = models.CharField(max_length=20)  # "x", "facebook"
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["processed_at", "received_at"], name="webhook_unprocessed")]


class QuarantinedMail(models.Model):
    """A mail that could not be turned into a message: kept whole, shown to admins, reprocessable."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="quarantine")
    raw = models.BinaryField()
    error = models.TextField()
    uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    reprocessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
