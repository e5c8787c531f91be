"""What the channel admin pages (x/admin.py, facebook/admin.py, email/admin.py) share.

`SecretFieldsForm` makes secrets write-only: a stored secret is never rendered back, its field only
says it is set, and a blank field keeps the stored value. `add_channel` and `edit_channel` are the
bodies of each kind's add and edit views; the kind's module keeps its own decorated view functions,
its form, how a form is saved, and its texts in a `ChannelAdmin`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts import audit
from accounts.signals import client_address
from inbox.models import Channel

logger = logging.getLogger(__name__)


def secret_field(label: str, help_text: str = "") -> forms.CharField:
    """A write-only field: the password widget never renders a value back into the page."""
    return forms.CharField(required=False, label=label, help_text=help_text, widget=forms.PasswordInput(render_value=False))


class SecretFieldsForm(forms.Form):
    """A channel form whose `secret_fields` are write-only; pass `stored_secrets=channel.credentials` on edit."""

    secret_fields: ClassVar[tuple[str, ...]] = ()
    stored_secret_help: ClassVar[str] = "set; leave empty to keep it"  # noqa: S105 - help text

    def __init__(self, *args: Any, stored_secrets: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_secrets = stored_secrets or {}
        for name in self.secret_fields:
            if self.stored_secrets.get(name):
                self.fields[name].help_text = self.stored_secret_help

    def required_secrets(self, cleaned: dict[str, Any]) -> dict[str, str]:
        """Secret field name -> the error shown when it is left empty and none is stored."""
        return {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, error in self.required_secrets(cleaned).items():
            if not cleaned.get(name) and not self.stored_secrets.get(name):
                self.add_error(name, error)
        return cleaned

    def entered_secrets(self) -> dict[str, Any]:
        """The secrets typed into this submission; blank fields are left out, so they keep the stored value."""
        return {name: self.cleaned_data[name] for name in self.secret_fields if self.cleaned_data.get(name)}

    def secrets(self) -> dict[str, Any]:
        """The stored secrets with the newly entered ones applied."""
        return {**self.stored_secrets, **self.entered_secrets()}


AUDITED = ("name", "team", "config", "credentials", "poll_interval_seconds")


def _state(channel: Channel) -> dict[str, Any]:
    # credentials is masked whole by accounts.audit: a changed secret shows as changed, never its value.
    return audit.snapshot(channel, AUDITED)


def _no_extra_context(channel: Channel | None) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ChannelAdmin:
    """One channel kind's add/edit pages: its form, how it saves, and the exact texts it shows and logs."""

    kind: str
    form_class: type[SecretFieldsForm]
    template_name: str
    edit_url_name: str
    # save(channel, valid form) -> the saved channel, stored through inbox.actions.save_channel (which moves
    # the conversations of a channel given to another team); on add the channel is a new Channel(kind=kind).
    save: Callable[[Channel, Any], Channel]
    initial: Callable[[Channel], dict[str, Any]]
    logger: logging.Logger
    added_log: str
    edited_log: str
    added_message: str
    edited_message: str = "Channel saved."
    add_initial: Mapping[str, Any] = field(default_factory=dict)
    extra_context: Callable[[Channel | None], dict[str, Any]] = _no_extra_context
    log_user_id: bool = True

    def log(self, message: str, request: HttpRequest, channel: Channel) -> None:
        extra: dict[str, Any] = {"channel_id": channel.pk}
        if self.log_user_id:
            extra["user_id"] = request.user.pk
        self.logger.info(message, extra=extra)

    def render_form(self, request: HttpRequest, form: SecretFieldsForm, channel: Channel | None) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "channel": channel, **self.extra_context(channel)})


def add_channel(request: HttpRequest, admin: ChannelAdmin) -> HttpResponse:
    """Body of a kind's add view (the caller applies admin_required)."""
    form = admin.form_class(request.POST or None, initial=dict(admin.add_initial))
    if request.method == "POST" and form.is_valid():
        channel = admin.save(Channel(kind=admin.kind), form)
        admin.log(admin.added_log, request, channel)
        audit.record(
            "channel.created", actor=request.user, target=channel, after=_state(channel), ip_address=client_address(request)
        )
        flash.success(request, admin.added_message)
        return redirect(admin.edit_url_name, channel_id=channel.pk)
    return admin.render_form(request, form, None)


def edit_channel(request: HttpRequest, channel_id: int, admin: ChannelAdmin) -> HttpResponse:
    """Body of a kind's edit view (the caller applies admin_required); a channel of another kind is a 404."""
    channel = get_object_or_404(Channel, pk=channel_id, kind=admin.kind)
    form = admin.form_class(request.POST or None, initial=admin.initial(channel), stored_secrets=channel.credentials)
    if request.method == "POST" and form.is_valid():
        before = _state(channel)
        admin.save(channel, form)
        admin.log(admin.edited_log, request, channel)
        audit.record(
            "channel.updated",
            actor=request.user,
            target=channel,
            before=before,
            after=_state(Channel.objects.get(pk=channel.pk)),
            ip_address=client_address(request),
        )
        flash.success(request, admin.edited_message)
        return redirect(admin.edit_url_name, channel_id=channel.pk)
    return admin.render_form(request, form, channel)
