from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, with public holidays by country and custom closed dates."""

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    always_open = models.BooleanField(default=False, help_text="24/7: every hour counts.")
    # {"0": [["08:00", "17:00"]], ...}: weekday 0 is Monday; an end not after its start runs past midnight.
    weekly_hours = models.JSONField(default=dict, blank=True)
    holiday_country = models.CharField(max_length=8, blank=True, help_text="ISO code, e.g. SE, US")
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def intervals(self) -> dict[int, list[tuple[time, time]]]:
        return {
            int(day): [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in spans]
            for day, spans in (self.weekly_hours or {}).items()
        }


class Holiday(models.Model):
    """A custom closed date (company day off); public holidays come from the holidays package."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="custom_holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class SlaPolicy(models.Model):
    """Targets for the conversations it matches; the most specific match wins."""

    name = models.CharField(max_length=100)
    # Blank means any. channel_kind compares to the platform a channel is (a simulated X channel is x).
    channel_kind = models.CharField(max_length=20, blank=True)
    visibility = models.CharField(max_length=10, blank=True)
    priority = models.CharField(max_length=20, blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE)
    # Blank: the hours of the conversation's team (Team.default_calendar), or every hour without one.
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Warn when this share of a target has passed, or this many minutes before it (whichever is set).
    warning_percent = models.PositiveSmallIntegerField(null=True, blank=True, default=80)
    warning_minutes_before = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.channel_kind, self.visibility, self.priority, self.team_id))


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaClock(models.Model):
    """The scorer's view of one conversation: each running clock's due time, and when to look next."""

    conversation = models.OneToOneField("inbox.Conversation", on_delete=models.CASCADE, related_name="sla_clock")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    # Chosen by a rule ("start a shorter SLA policy"): used instead of the best match while set.
    chosen_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cycle = models.PositiveIntegerField(default=0)
    paused = models.BooleanField(default=False)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # Wall-clock start of each running clock: how long the customer has really been waiting.
    first_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    # The next instant a warning or breach falls due; the detector takes rows by this index.
    next_flag_at = models.DateTimeField(null=True, blank=True, db_index=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    BREACHED = "breached", "Breached"


class SlaEvent(models.Model):
    """One outcome of one clock, recorded once (unique per conversation, metric, cycle, sequence)."""

    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="sla_events")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(max_length=20)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveIntegerField()
    # Next response can run several times in a cycle; 0 for the other metrics.
    sequence = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Achieved: the reply or resolution. Breached: the due instant, and responded_at once it came.
    happened_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    business_seconds = models.PositiveIntegerField(null=True, blank=True)
    wall_seconds = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The conversation's report columns as they are now, copied so a report reads events without a
    # join (sla.reports); a trigger on inbox_conversation keeps them (and team) equal to it
    # (migration 0004), whichever write path changes the conversation.
    channel = models.ForeignKey("inbox.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=20, blank=True, default="")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visibility = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "metric", "cycle", "sequence"], name="sla_event_once_per_clock")
        ]
        indexes = [
            # By team and time, carrying what a report's aggregate reads: on PostgreSQL an index-only scan.
            models.Index(
                fields=["team", "happened_at"],
                include=[
                    "metric",
                    "outcome",
                    "business_seconds",
                    "wall_seconds",
                    "channel",
                    "priority",
                    "assignee",
                    "visibility",
                ],
                name="sla_event_report",
            ),
            # A figure's drill-down: one metric's outcomes newest first, carrying the filter columns,
            # so a page walks a page's worth of entries instead of sorting the period.
            models.Index(
                fields=["metric", "-happened_at"],
                include=["outcome", "team", "channel", "priority", "assignee", "visibility", "conversation"],
                name="sla_event_drill_down",
            ),
        ]


class ProgressRun(models.Model):
    """A background job with a progress bar: done / total moves as it works (sla/runs.py reads it)."""

    label = models.CharField(max_length=200)  # "Calendar Office hours saved"
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class RescoreRun(ProgressRun):
    """One background rescoring after a calendar or policy edit: what the progress bar reads."""

    # Which open conversations it covers: a calendar's, or every open one for a policy edit.
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(ProgressRun.Meta):
        pass


class WhatIfRun(ProgressRun):
    """One what-if replay (sla/reports/whatif_runs.py): what was asked, and the figures once done.

    key digests everything the figures depend on (period days and zone, teams, filters, calendar
    and its version, the hours replayed), so the same question asked again soon reuses the answer.
    """

    key = models.CharField(max_length=64, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    calendar = models.ForeignKey(BusinessCalendar, null=True, on_delete=models.SET_NULL, related_name="+")
    params = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)

    class Meta(ProgressRun.Meta):
        pass


class ExportRun(ProgressRun):
    """One large report export written to a file by the worker (sla/reports/export_runs.py).

    params holds the scope as sla.reports.snapshots.payload gives it: the worker rebuilds the
    export from it, and the download checks the user may see every team in it.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    params = models.JSONField(default=dict)
    # Under MEDIA_ROOT/exports/, never served as media: only the download view reads it.
    file = models.FileField(upload_to="exports/", blank=True)

    class Meta(ProgressRun.Meta):
        pass
