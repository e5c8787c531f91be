from django import forms

from accounts.models import Team
from inbox.models import CannedResponse, Priority, Visibility


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    # A fresh key per composed reply: a double click, a retried request or a re-sent form carry the
    # same key, and the database's unique index turns the second into the first.
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    public_note = forms.CharField(max_length=280, required=False)
    subject = forms.CharField(max_length=300, required=False)
    # The newest reply the agent had seen when they wrote this one (collision warning).
    seen_outbound_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10000)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)


class CustomerNoteForm(forms.Form):
    # The team the note is for; the view accepts only one the user writes for.
    team = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    shared = forms.BooleanField(required=False)


class MergeForm(forms.Form):
    # The other customer, and which of the two is kept (this one or the other).
    other = forms.IntegerField(min_value=1)
    keep = forms.ChoiceField(choices=[("this", "this customer"), ("other", "the other customer")], initial="this")


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["team", "title", "body"]
        help_texts = {"body": "Placeholders: {{customer.name}}, {{agent.name}}.", "team": "Empty: every team."}

    def __init__(self, *args: object, teams: list[Team], allow_all_teams: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        field.queryset = Team.objects.filter(pk__in=[t.pk for t in teams])
        field.required = not allow_all_teams
        # Only admins keep the responses shared by every team; a supervisor picks one of theirs.
        field.help_text = "Empty: shared by every team." if allow_all_teams else "One of the teams you supervise."
        field.empty_label = "Every team" if allow_all_teams else None
