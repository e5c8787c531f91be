"""Admin pages for email channels: add, edit, and "Check connection" against both servers.

Passwords are write-only: the form never renders a stored password, a blank password field on
edit keeps the stored one, and no message or log line ever contains one.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Team
from accounts.permissions import admin_required
from channels_app.base import ChannelAuthError
from channels_app.email import TLS_MODES, EmailConnector, MailServerError
from channels_app.models import Channel, ChannelKind, ChannelStatus

logger = logging.getLogger(__name__)

CONFIG_FIELDS = (
    "address", "display_name", "imap_host", "imap_port", "imap_tls", "imap_user", "imap_folder",
    "smtp_host", "smtp_port", "smtp_tls", "smtp_user",
)
SECRET_FIELDS = ("imap_password", "smtp_password")


class EmailChannelForm(forms.Form):
    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    address = forms.EmailField(label="Support address", help_text="Replies are sent from this address.")
    display_name = forms.CharField(max_length=120, required=False, help_text="Shown as the sender name.")
    imap_host = forms.CharField(label="IMAP host", max_length=255)
    imap_port = forms.IntegerField(label="IMAP port", min_value=1, max_value=65535, initial=993)
    imap_tls = forms.ChoiceField(label="IMAP security", choices=TLS_MODES, initial="ssl")
    imap_user = forms.CharField(label="IMAP user", max_length=255)
    imap_password = forms.CharField(label="IMAP password", required=False, widget=forms.PasswordInput(render_value=False))
    imap_folder = forms.CharField(label="IMAP folder", max_length=255, initial="INBOX")
    smtp_host = forms.CharField(label="SMTP host", max_length=255)
    smtp_port = forms.IntegerField(label="SMTP port", min_value=1, max_value=65535, initial=465)
    smtp_tls = forms.ChoiceField(label="SMTP security", choices=TLS_MODES, initial="ssl")
    smtp_user = forms.CharField(label="SMTP user", max_length=255, required=False)
    smtp_password = forms.CharField(label="SMTP password", required=False, widget=forms.PasswordInput(render_value=False))
    poll_interval_seconds = forms.IntegerField(label="Poll every (seconds)", min_value=10, max_value=3600, initial=30)

    def __init__(self, *args: Any, stored_secrets: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_secrets = stored_secrets or {}
        for name in SECRET_FIELDS:
            if self.stored_secrets.get(name):
                self.fields[name].help_text = "Set. Leave blank to keep it."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("imap_password") and not self.stored_secrets.get("imap_password"):
            self.add_error("imap_password", "An IMAP password is required.")
        if data.get("smtp_user") and not data.get("smtp_password") and not self.stored_secrets.get("smtp_password"):
            self.add_error("smtp_password", "An SMTP password is required when an SMTP user is set.")
        return data

    def config(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONFIG_FIELDS}

    def secrets(self) -> dict[str, Any]:
        merged = dict(self.stored_secrets)
        for name in SECRET_FIELDS:
            if self.cleaned_data.get(name):
                merged[name] = self.cleaned_data[name]
        return merged


def _initial(channel: Channel) -> dict[str, Any]:
    initial = {name: channel.config.get(name, "") for name in CONFIG_FIELDS}
    initial.update(name=channel.name, team=channel.team_id, poll_interval_seconds=channel.poll_interval_seconds)
    return initial


@admin_required
def email_index(request: HttpRequest) -> HttpResponse:
    channels = Channel.objects.filter(kind=ChannelKind.EMAIL).select_related("team").order_by("name")
    return render(request, "channels_app/email_index.html", {"channels": channels})


@admin_required
def email_add(request: HttpRequest) -> HttpResponse:
    form = EmailChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = Channel.objects.create(
            kind=ChannelKind.EMAIL,
            name=form.cleaned_data["name"],
            team=form.cleaned_data["team"],
            config=form.config(),
            credentials=form.secrets(),
            poll_interval_seconds=form.cleaned_data["poll_interval_seconds"],
            next_poll_at=timezone.now(),
        )
        logger.info("email channel added", extra={"channel_id": channel.pk})
        flash.success(request, "Email channel added. Check the connection below.")
        return redirect("channel_settings:email_edit", channel_id=channel.pk)
    return render(request, "channels_app/email_form.html", {"form": form, "channel": None})


@admin_required
def email_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id, kind=ChannelKind.EMAIL)
    form = EmailChannelForm(request.POST or None, initial=_initial(channel), stored_secrets=channel.credentials)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            channel.name = form.cleaned_data["name"]
            channel.team = form.cleaned_data["team"]
            channel.config = {**channel.config, **form.config()}
            channel.credentials = form.secrets()
            channel.poll_interval_seconds = form.cleaned_data["poll_interval_seconds"]
            channel.save(update_fields=["name", "team", "config", "credentials", "poll_interval_seconds"])
        logger.info("email channel edited", extra={"channel_id": channel.pk})
        flash.success(request, "Email channel saved.")
        return redirect("channel_settings:email_edit", channel_id=channel.pk)
    return render(request, "channels_app/email_form.html", {"form": form, "channel": channel})


def check_connection(channel: Channel) -> list[tuple[str, bool, str]]:
    """(server, ok, what happened) for IMAP and SMTP; each says clearly which failed and why."""
    connector = EmailConnector(channel)
    results = []
    for server, check in (("IMAP", connector.check_imap), ("SMTP", connector.check_smtp)):
        try:
            results.append((server, True, check()))
        except ChannelAuthError as error:
            results.append((server, False, f"{server} failed: {error}. Check the user and password."))
        except MailServerError as error:
            results.append((server, False, f"{server} failed: {error}. Check the host, port and security setting."))
    return results


@admin_required
@require_POST
def email_connect(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id, kind=ChannelKind.EMAIL)
    results = check_connection(channel)
    ok = all(passed for _, passed, _ in results)
    for _, passed, text in results:
        (flash.success if passed else flash.error)(request, text)
    if ok:
        Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.ACTIVE, status_reason="", next_poll_at=timezone.now())
    else:
        reason = " ".join(text for _, passed, text in results if not passed)
        Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason=reason[:1000])
    logger.info("email channel checked", extra={"channel_id": channel.pk, "ok": ok, "servers": [(s, p) for s, p, _ in results]})
    return redirect("channel_settings:email_edit", channel_id=channel.pk)
