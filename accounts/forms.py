from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms

from accounts.models import AssignmentOrder, Role, Team, User
from accounts.users import valid_time_zone

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))) + ["UTC"]


def active_teams() -> Any:
    return Team.objects.filter(archived_at__isnull=True)


class UserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False, help_text="Where the set-password link goes.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The teams whose conversations they work.",
    )
    supervised_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Supervises",
        help_text="For supervisors: the teams they oversee.",
    )
    send_link = forms.BooleanField(required=False, initial=True, label="Email them a link to set their password")

    def __init__(self, *args: Any, instance: User | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "username": instance.username,
                    "first_name": instance.first_name,
                    "last_name": instance.last_name,
                    "email": instance.email,
                    "role": instance.role,
                    "teams": list(instance.teams.all()),
                    "supervised_teams": list(instance.supervised_teams.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = active_teams()
        self.fields["supervised_teams"].queryset = active_teams()
        if instance is not None:
            del self.fields["send_link"]

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        taken = User.objects.filter(username__iexact=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("That username is taken.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("send_link") and not cleaned.get("email"):
            self.add_error("email", "Add an email address to send the set-password link to.")
        return cleaned


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    time_zone = forms.ChoiceField(choices=[(z, z) for z in ZONES], help_text="Every time Parley shows you is in this zone.")

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if not valid_time_zone(value):
            raise forms.ValidationError("Pick a time zone from the list.")
        return str(value)


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "default_calendar", "auto_assign", "assignment_order"]
        labels = {"auto_assign": "Assign conversations automatically", "assignment_order": "Hand out"}
        help_texts = {
            "default_calendar": "The hours SLA policies without a calendar of their own measure this team in.",
            "auto_assign": "Round robin among online members, each up to their capacity (open plus pending).",
        }

    assignment_order = forms.ChoiceField(choices=AssignmentOrder.choices, label="Hand out")


class TeamPeopleForm(forms.Form):
    members = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    supervisors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("username")
        self.fields["members"].queryset = people
        self.fields["members"].label_from_instance = lambda u: f"{u.display_name} ({u.get_role_display()})"
        self.fields["supervisors"].queryset = people.filter(role__in=[Role.SUPERVISOR, Role.ADMIN])
        self.fields["supervisors"].label_from_instance = lambda u: u.display_name
        self.team = team
        self.capacity_members = list(team.members.filter(is_active=True).order_by("username")) if team.pk else []
        for user in self.capacity_members:
            self.fields[f"capacity_{user.pk}"] = forms.IntegerField(
                min_value=0, max_value=1000, initial=user.capacity, label=f"Capacity of {user.display_name}"
            )

    def capacities(self) -> dict[int, int]:
        return {
            u.pk: self.cleaned_data[f"capacity_{u.pk}"]
            for u in self.capacity_members
            if self.cleaned_data.get(f"capacity_{u.pk}") is not None
        }
