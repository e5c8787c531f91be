"""Rules admins write (when, if, then), the record that each ran once, and what the detectors found."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Trigger(models.TextChoices):
    MESSAGE = "message", "A customer's message arrives"
    SLA_WARNING = "sla_warning", "An SLA target is at risk"
    SLA_BREACH = "sla_breach", "An SLA target is breached"
    UNASSIGNED = "unassigned", "A conversation waits unassigned for N minutes"


class Hours(models.TextChoices):
    ANY = "", "at any time"
    OUTSIDE = "outside", "outside opening hours"
    INSIDE = "inside", "inside opening hours"


class ComplaintCondition(models.TextChoices):
    ANY = "", "Any"
    YES = "yes", "Is a complaint"
    FIRST = "first", "Is the customer's first complaint"
    NO = "no", "Is not a complaint"


class YesNo(models.TextChoices):
    ANY = "", "Any"
    YES = "yes", "Yes"
    NO = "no", "No"


class Rule(models.Model):
    """When something happens, if every set condition holds, then do every set action, in order.

    Blank conditions match anything. A rule runs at most once per trigger of a conversation (one
    message, one breach of one clock, one unassigned wait): RuleRun records that it did.
    """

    name = models.CharField(max_length=120)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=100, help_text="Rules run in this order, lowest first.")
    # When
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MESSAGE)
    wait_minutes = models.PositiveIntegerField(default=15, help_text="For 'waits unassigned': how long.")
    hours = models.CharField(max_length=10, choices=Hours.choices, blank=True, default=Hours.ANY)
    # If
    channel = models.ForeignKey("inbox.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(max_length=20, blank=True)
    visibility = models.CharField(max_length=10, blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=20, blank=True)
    tag = models.ForeignKey("inbox.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text_contains = models.CharField(
        max_length=300, blank=True, help_text="Any of these words or phrases, comma separated (case ignored)."
    )
    complaint = models.CharField(max_length=10, choices=ComplaintCondition.choices, blank=True)
    min_reach = models.PositiveIntegerField(null=True, blank=True, help_text="Customer's followers at least this many.")
    first_contact = models.CharField(max_length=3, choices=YesNo.choices, blank=True)
    # Then
    set_priority = models.CharField(max_length=20, blank=True, help_text="Raises the priority; never lowers it.")
    assign_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assign_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    add_tag = models.CharField(max_length=60, blank=True)
    notify_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notify_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notify_supervisors = models.BooleanField(default=False, help_text="The conversation team's supervisors.")
    apply_policy = models.ForeignKey("sla.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """A rule ran for one trigger of one conversation; a retried task finds this and does nothing."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="rule_runs")
    trigger_key = models.CharField(max_length=120)
    because = models.CharField(max_length=300, blank=True)
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "conversation", "trigger_key"], name="rule_run_once_per_trigger")]


class ComplaintPhrase(models.Model):
    """A phrase that marks a message as a complaint whatever the sentiment score says; admins edit them."""

    phrase = models.CharField(max_length=120)
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["language", "phrase"]
        constraints = [models.UniqueConstraint(fields=["phrase", "language"], name="complaint_phrase_unique")]

    def __str__(self) -> str:
        return self.phrase


class MessageSignal(models.Model):
    """What the detectors found in one inbound message, kept so "never complained before" is a lookup."""

    message = models.OneToOneField("inbox.Message", on_delete=models.CASCADE, related_name="signal")
    customer = models.ForeignKey("inbox.Customer", on_delete=models.CASCADE, related_name="+")
    complaint = models.BooleanField(default=False)
    sentiment = models.FloatField(default=0.0)  # VADER compound score, -1 .. 1
    matched = models.CharField(max_length=120, blank=True)  # the phrase that decided, if any
    rules_done = models.BooleanField(default=False)  # the message trigger's rules have run
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "complaint"], name="signal_customer_complaint")]


class Acknowledgement(models.Model):
    """Per channel: answer a customer who writes outside opening hours, saying when a person will."""

    channel = models.OneToOneField("inbox.Channel", on_delete=models.CASCADE, related_name="acknowledgement")
    enabled = models.BooleanField(default=False)
    allow_public = models.BooleanField(
        default=False, help_text="Also answer public posts (off: only email and private messages)."
    )
    text = models.TextField(
        blank=True,
        help_text="Optional opening line; the times are added: \"We're back at 08:00; you'll hear from us by 08:30.\"",
    )
