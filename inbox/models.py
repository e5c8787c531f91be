from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from inbox.secrets import EncryptedJSONField


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
    """Where conversations come from: one connected account of one platform, owned by a team."""

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
    # An admin's switch, apart from the health in status: a disabled channel is not polled, and its
    # webhook deliveries are answered and stored but not ingested until it is enabled again.
    enabled = models.BooleanField(default=True)
    # Health as the connector reports it (inbox.actions.channels): polls failed in a row, and since when.
    poll_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=30)
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it was created with in channels_app (migration inbox 0007).
        db_table = "channels_app_channel"
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


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class Customer(models.Model):
    # One record per person across every team that hears from them; what a team knows about them
    # lives in CustomerNote, seen by that team only.
    name = models.CharField(max_length=200, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name_from(self.name, self.pk)

    @staticmethod
    def name_from(name: str, pk: int | None) -> str:
        """str(customer) from the bare columns, for lists that read values and not customers."""
        return name or f"Customer {pk}"


class CustomerNote(models.Model):
    """What one team knows about a customer: seen by that team only, unless it shares the note."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="team_notes")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    shared = models.BooleanField(default=False, help_text="Shown to every team that serves this customer.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "team"], name="customer_note_per_team")]

    def __str__(self) -> str:
        return f"Note on customer {self.customer_id} by team {self.team_id}"


class Identity(models.Model):
    """One account of a customer on one platform (an X user, a Facebook PSID, an email address)."""

    kind = models.CharField(max_length=20)
    external_id = models.CharField(max_length=255)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    follower_count = models.PositiveIntegerField(null=True, blank=True)
    # The platform's verified badge (X "verified"), where it says; reach weighs more with it.
    verified = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "external_id"], name="identity_unique_account")]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return self.handle or self.display_name or self.external_id


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class SlaState(models.TextChoices):
    NONE = "none", "No clock"
    OK = "ok", "On track"
    PAUSED = "paused", "Paused"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class Tag(models.Model):
    """A word agents put on conversations to say what they are about; shared by every team."""

    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_unique_name_ci")]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="conversations")
    # Denormalised from the channel so team scoping and the queue index need no join.
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="conversations")
    thread_key = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=ConversationStatus.choices, default=ConversationStatus.OPEN)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    subject = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    # Start of the customer's current unanswered wait (wall clock); null when nothing is unanswered.
    waiting_since = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # SLA state as the scorer last left it; the queue orders on these.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_warning_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.NONE)
    # While pending the clocks stand still: the business seconds left when they run again.
    sla_paused_left_seconds = models.PositiveIntegerField(null=True, blank=True)
    # 0 when breached so "breached first" is a plain ascending sort in the queue index.
    sla_rank = models.PositiveSmallIntegerField(default=1)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    # Why a rule set the priority ("complaint, 48k followers"); cleared when a person sets it.
    priority_reason = models.CharField(max_length=200, blank=True, db_default="")

    class Meta:
        indexes = [
            models.Index(fields=["channel", "thread_key", "-created_at"], name="conv_thread"),
            models.Index(fields=["team", "status", "sla_rank", "sla_due_at", "waiting_since", "id"], name="conv_queue"),
            models.Index(fields=["assignee", "status"], name="conv_assignee"),
            models.Index(fields=["customer", "-created_at"], name="conv_customer"),
            # The beat sweep looks for recent changes the scorer has not seen (inbox.tasks).
            models.Index(fields=["updated_at"], name="conv_updated"),
            # Reports count conversations that came in during a period, per team (sla.reports).
            models.Index(fields=["team", "created_at"], name="conv_team_created"),
            # Newest first across every team at once (a drill-down of conversations in over many teams),
            # which the per-team index cannot give in order.
            models.Index(fields=["created_at", "id"], name="conv_created"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    @property
    def sla_paused_left(self) -> str:
        """While pending: the SLA time left when the clock runs again, e.g. "1h 5m"."""
        if self.sla_paused_left_seconds is None:
            return ""
        s = self.sla_paused_left_seconds
        d, h, m = s // 86400, (s % 86400) // 3600, (s % 3600) // 60
        return f"{d}d {h}h" if d else f"{h}h {m}m" if h else f"{m}m {s % 60}s"


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    NOTE = "note", "Internal note"


class DeliveryState(models.TextChoices):
    NONE = "", "—"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"
    # Sent, and no answer came back: it may be on the platform. Only an agent retries it.
    UNKNOWN = "unknown", "Outcome unknown"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    # The platform's id; empty for outbound messages until the platform returns one.
    external_id = models.CharField(max_length=255, null=True, blank=True)
    author_identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL)
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)  # sanitized with nh3 before it is stored
    attachments = models.JSONField(default=list, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    platform_time = models.DateTimeField()
    received_time = models.DateTimeField()
    # An inbound message that needs no answer (auto-reply, echo of a brand post) starts no SLA clock.
    starts_sla = models.BooleanField(default=True)
    delivery_state = models.CharField(max_length=10, choices=DeliveryState.choices, default="", blank=True)
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    # Set by the composer so a double click or a reloaded form never creates a second reply.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Sent by Parley itself (an out-of-hours acknowledgement): never a first response.
    automated = models.BooleanField(default=False, db_default=False)
    # Channel-specific reply options (a public note when going private, a subject, a recipient).
    send_options = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "platform_time", "id"], name="msg_thread"),
            # Reports count the replies sent in a period (sla.reports).
            models.Index(fields=["platform_time"], condition=Q(direction="out", kind="message"), name="msg_replies_out"),
            # The minute sweeps look for replies in flight (queued, never taken; sending, stuck): few rows.
            models.Index(
                fields=["delivery_state", "received_time"],
                condition=Q(delivery_state__in=["queued", "sending"]),
                name="msg_in_flight",
            ),
        ]
        ordering = ["platform_time", "id"]


class ConversationEvent(models.Model):
    """The audit trail: who did what to a conversation, and when."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


def _attachment_path(instance: "StoredAttachment", filename: str) -> str:
    return f"attachments/{instance.channel_id}/{filename}"


class StoredAttachment(models.Model):
    """Bytes we keep for a message (email attachments, inline images); served only as downloads."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="stored_files")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    content_id = models.CharField(max_length=255, blank=True)  # for inline images (cid:)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=_attachment_path)
    created_at = models.DateTimeField(auto_now_add=True)


class CannedResponse(models.Model):
    """A saved reply an agent finds by typing; {{customer.name}} and {{agent.name}} are filled in."""

    # Null team: shared by every team.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="canned")
    title = models.CharField(max_length=120)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QueueCounter(models.Model):
    """How many queue conversations share one (team, channel, status, priority, assignee) tuple.

    Maintained by a database trigger on inbox_conversation (migration 0003), so every write path
    (actions, bulk updates, the SLA engine) keeps it right, and the queue's per-filter counts are
    a sum over a few hundred small rows instead of a COUNT over the open conversations. assignee_id
    is 0 for unassigned (a plain integer, not a foreign key, so the unique key has no NULLs).
    """

    team_id = models.BigIntegerField()
    channel_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    priority = models.CharField(max_length=20)
    assignee_id = models.BigIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team_id", "channel_id", "status", "priority", "assignee_id"], name="queue_counter_key"
            )
        ]


class Notification(models.Model):
    """Something one user should know about: shown under the bell, pushed live to their pages."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20)  # assigned, at_risk, breached, rule, mention
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker for what a retried task could tell twice (one breach of one clock).
    key = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]


class NotificationPreference(models.Model):
    """A user's choices about being told: the in-app list always, email for breaches on request."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email_breaches = models.BooleanField(default=False)
