from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # Automatic assignment is opt-in per team (round robin among online agents, within capacity).
    auto_assign = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    # Teams whose conversations an agent works.
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    # Teams a supervisor oversees; an agent's entry here is ignored.
    supervised_teams = models.ManyToManyField(Team, related_name="supervisors", blank=True)
    capacity = models.PositiveIntegerField(default=10)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Round robin: automatic assignment picks the online agent assigned longest ago.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR
