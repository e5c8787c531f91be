from django.conf import settings
from django.db import models
from django.db.models import Q

from inbox.models import Channel, Message


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed, will retry"
    GIVEN_UP = "given_up", "Given up"
    IGNORED = "ignored", "Ignored"
    # For a channel an admin disabled: kept, not processed, until the channel is enabled (channels_app.switch).
    HELD = "held", "Held: channel disabled"


class WebhookEvent(models.Model):
    """A verified webhook body, stored before any work so a lost task never loses the event.

    It stays pending or failed until it is processed or given up (channels_app.inbound_events): the
    beat sweep re-runs it with backoff and admins see the rest at /settings/channels/events/.
    """

    source = models.CharField(max_length=20)  # "x", "facebook"
    # The channel it was routed to when stored; null when no channel claims it (kept, ignored).
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events")
    payload = models.JSONField()
    # sha256 of the source, channel and raw body: a second identical delivery is counted, not stored.
    content_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    duplicates = models.PositiveIntegerField(default=0)
    last_duplicate_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Events of this delivery that could not be mapped, each {"reason": ..., "event": ...}; the
    # rest of the delivery was stored.
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
            models.Index(fields=["status", "received_at"], name="webhook_age"),
            models.Index(fields=["channel", "status"], name="webhook_channel_status"),
        ]


class QuarantineKind(models.TextChoices):
    UNPARSEABLE = "unparseable", "Cannot be read"
    TOO_LARGE = "too_large", "Too large"
    STORE_FAILED = "store_failed", "Storing failed"
    NOT_STORED = "not_stored", "No conversation to join"
    SPOOF = "spoof", "Suspected spoof"
    DUPLICATE = "duplicate", "Second copy"


class QuarantinedMail(models.Model):
    """A mail that was not turned into a message: kept whole with its reason, shown to admins, reprocessable."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="quarantine")
    kind = models.CharField(max_length=20, choices=QuarantineKind.choices, default=QuarantineKind.UNPARSEABLE)
    raw = models.BinaryField()
    # sha256 of the raw bytes with line endings normalised (see channels_app.email.intake.content_hash).
    content_hash = models.CharField(max_length=64, blank=True)
    error = models.TextField()
    # Where in the folder this mail is (UIDVALIDITY, UID): each copy there is an entry of its own.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    reprocessed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The message this mail duplicates (kind duplicate) or became (reprocessed or released).
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at"]
        # One entry per mail in the folder: per place when its place is known, else one per content.
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "content_hash", "uidvalidity", "uid"],
                condition=~Q(content_hash="") & Q(uidvalidity__isnull=False, uid__isnull=False),
                name="quarantine_unique_place",
            ),
            models.UniqueConstraint(
                fields=["channel", "content_hash"],
                condition=~Q(content_hash="") & (Q(uidvalidity__isnull=True) | Q(uid__isnull=True)),
                name="quarantine_unique_content",
            ),
        ]


class ReceivedMail(models.Model):
    """The content hash of every mail stored as a message: a mail is a duplicate only if its bytes are."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    content_hash = models.CharField(max_length=64)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "content_hash"], name="received_mail_unique_content")]
