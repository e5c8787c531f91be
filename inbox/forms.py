from django import forms

from inbox.models import Priority, Visibility


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    public_note = forms.CharField(max_length=280, required=False)
    subject = forms.CharField(max_length=300, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10000)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)
