from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


class AssignmentOrder(models.TextChoices):
    URGENT_FIRST = "urgent_first", "Most urgent first, then oldest waiting"
    OLDEST_FIRST = "oldest_first", "Oldest waiting first"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # Automatic assignment is opt-in per team (round robin among online agents, within capacity).
    auto_assign = models.BooleanField(default=False)
    assignment_order = models.CharField(max_length=20, choices=AssignmentOrder.choices, default=AssignmentOrder.URGENT_FIRST)
    # The hours a policy without a calendar of its own measures this team's conversations in
    # (by name, not import: accounts is the bottom layer and knows nothing of the SLA engine).
    default_calendar = models.ForeignKey(
        "sla.BusinessCalendar", null=True, blank=True, on_delete=models.PROTECT, related_name="default_for_teams"
    )
    # Archived teams keep their conversations and history; they take no new channels or members.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParleyUserManager(UserManager):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> "User":
        # `manage.py createsuperuser` must make someone who can run the product: an admin.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    # Teams whose conversations an agent works.
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    # Teams a supervisor oversees; an agent's entry here is ignored.
    supervised_teams = models.ManyToManyField(Team, related_name="supervisors", blank=True)
    # How many open plus pending conversations automatic assignment gives this agent at most.
    capacity = models.PositiveIntegerField(default=10)
    # Every time shown to this user is in this zone (IANA name).
    time_zone = models.CharField(max_length=64, default="UTC")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Round robin: automatic assignment picks the online agent assigned longest ago.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    objects = ParleyUserManager()

    @property
    def display_name(self) -> str:
        return self.name_from(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(first_name: str | None, last_name: str | None, username: str | None) -> str:
        """display_name from the bare columns, for lists that read values and not users (None: no user)."""
        return f"{first_name or ''} {last_name or ''}".strip() or username or ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR


class AuditEntry(models.Model):
    """One settings change or admin action: who, when, what, and the values before and after.

    Written only by accounts.audit.record(), which masks secrets; never edited afterwards.
    """

    kind = models.CharField(max_length=60, db_index=True)  # "user.created", "channel.disabled", "login.failed"
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too, so the entry still says who after the account is gone.
    actor_name = models.CharField(max_length=150, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    ip_address = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_time")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.target_label}"
