from __future__ import annotations

from django import forms

from accounts.models import User
from automation.models import Acknowledgement, ComplaintPhrase, Rule
from inbox.models import Priority, Visibility

ANY = [("", "Any")]
KINDS = [("x", "X"), ("facebook", "Facebook"), ("email", "Email")]


class RuleForm(forms.ModelForm):
    channel_kind = forms.ChoiceField(choices=ANY + KINDS, required=False, label="Channel kind")
    visibility = forms.ChoiceField(choices=ANY + list(Visibility.choices), required=False)
    priority = forms.ChoiceField(choices=ANY + list(Priority.choices), required=False, label="Priority is")
    set_priority = forms.ChoiceField(
        choices=[("", "Leave as it is")] + list(Priority.choices), required=False, help_text=Rule.set_priority.field.help_text
    )

    class Meta:
        model = Rule
        fields = [
            "name", "enabled", "position",
            "trigger", "wait_minutes", "hours",
            "channel", "channel_kind", "visibility", "team", "priority", "tag", "text_contains", "complaint",
            "min_reach", "first_contact",
            "set_priority", "assign_team", "assign_agent", "add_tag", "notify_user", "notify_team",
            "notify_supervisors", "apply_policy",
        ]  # fmt: skip
        labels = {
            "hours": "During opening hours",
            "tag": "Has tag",
            "text_contains": "Text mentions",
            "min_reach": "Customer's reach (followers) at least",
            "first_contact": "Customer's first contact",
            "assign_team": "Move to team",
            "assign_agent": "Assign to agent",
            "notify_supervisors": "Notify the team's supervisors",
            "apply_policy": "Start SLA policy",
        }

    WHEN = ("trigger", "wait_minutes", "hours")
    IF = ("channel", "channel_kind", "visibility", "team", "priority", "tag", "text_contains", "complaint", "min_reach",
          "first_contact")  # fmt: skip
    THEN = ("set_priority", "assign_team", "assign_agent", "add_tag", "notify_user", "notify_team", "notify_supervisors",
            "apply_policy")  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("username")
        self.fields["assign_agent"].queryset = people
        self.fields["notify_user"].queryset = people

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(name, [self[f] for f in fields]) for name, fields in (("When", self.WHEN), ("If", self.IF), ("Then", self.THEN))]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any(data.get(f) for f in self.THEN):
            raise forms.ValidationError("A rule needs at least one action under Then.")
        if data.get("trigger") == "unassigned" and not data.get("wait_minutes"):
            self.add_error("wait_minutes", "How many minutes unassigned?")
        return data


class PhraseForm(forms.ModelForm):
    class Meta:
        model = ComplaintPhrase
        fields = ["phrase", "language"]


class AcknowledgementForm(forms.ModelForm):
    class Meta:
        model = Acknowledgement
        fields = ["enabled", "allow_public", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
