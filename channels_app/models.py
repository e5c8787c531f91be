
from django.db import models
from django.utils import timezone

from channels_app.secrets import EncryptedJSONField


class ChannelKind(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    EMAIL = "email", "Email"
    SIMULATED = "simulated", "Simulated"


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    DISABLED = "disabled", "Disabled"


class Channel(models.Model):
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    name = models.CharField(max_length=120)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="channels")
    # Non-secret settings (handles, page id, hosts, the simulated flavour).
    config = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)
    # Polling cursors (since_id, UIDVALIDITY and last UID, Graph cursors); written only after commit.
    cursor = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=30)
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Never let credentials reach a log line through a repr.
        return f"<Channel {self.pk} {self.kind} {self.name!r}>"

    @property
    def flavor(self) -> str:
        """The platform a conversation looks like: the kind, or what a simulated channel imitates."""
        if self.kind == ChannelKind.SIMULATED:
            return str(self.config.get("flavor", "x"))
        return str(self.kind)


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
