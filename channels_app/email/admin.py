"""Admin pages for email channels: add, edit, "Check connection" against both servers, and the quarantine.

Passwords are write-only: the form never renders a stored password, a blank password field on
edit keeps the stored one, and no message or log line ever contains one. urlpatterns is mounted
under /settings/channels/email/ (channels_app.settings_urls), in the channel_settings namespace.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Team
from accounts.permissions import admin_required
from channels_app.base import ChannelAuthError
from channels_app.channel_admin import ChannelAdmin, SecretFieldsForm, add_channel, edit_channel, secret_field
from channels_app.email.client import TLS_MODES, MailClient, MailServerError
from channels_app.email.intake import reprocess_quarantined
from channels_app.email.parsing import UnparseableMail
from channels_app.models import QuarantinedMail, QuarantineKind
from inbox import actions
from inbox.models import Channel, ChannelKind

logger = logging.getLogger(__name__)

CONFIG_FIELDS = (
    "address",
    "display_name",
    "imap_host",
    "imap_port",
    "imap_tls",
    "imap_user",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_user",
    "trusted_authserv_ids",
)
SECRET_FIELDS = ("imap_password", "smtp_password")


class EmailChannelForm(SecretFieldsForm):
    secret_fields = SECRET_FIELDS
    stored_secret_help = "Set. Leave blank to keep it."  # noqa: S105 - help text

    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    address = forms.EmailField(label="Support address", help_text="Replies are sent from this address.")
    display_name = forms.CharField(max_length=120, required=False, help_text="Shown as the sender name.")
    imap_host = forms.CharField(label="IMAP host", max_length=255)
    imap_port = forms.IntegerField(label="IMAP port", min_value=1, max_value=65535, initial=993)
    imap_tls = forms.ChoiceField(label="IMAP security", choices=TLS_MODES, initial="ssl")
    imap_user = forms.CharField(label="IMAP user", max_length=255)
    imap_password = secret_field("IMAP password")
    imap_folder = forms.CharField(label="IMAP folder", max_length=255, initial="INBOX")
    smtp_host = forms.CharField(label="SMTP host", max_length=255)
    smtp_port = forms.IntegerField(label="SMTP port", min_value=1, max_value=65535, initial=465)
    smtp_tls = forms.ChoiceField(label="SMTP security", choices=TLS_MODES, initial="ssl")
    smtp_user = forms.CharField(label="SMTP user", max_length=255, required=False)
    smtp_password = secret_field("SMTP password")
    trusted_authserv_ids = forms.CharField(
        label="Trusted authserv-id",
        max_length=500,
        required=False,
        help_text=(
            "The id your receiving mail server writes first in its Authentication-Results header (for Gmail "
            "mx.google.com); several separated by commas. Mail from the support address counts as your own, "
            "and a customer's mail that fails DMARC is held, only by what that server recorded."
        ),
    )
    poll_interval_seconds = forms.IntegerField(label="Poll every (seconds)", min_value=10, max_value=3600, initial=30)

    def required_secrets(self, cleaned: dict[str, Any]) -> dict[str, str]:
        required = {"imap_password": "An IMAP password is required."}
        if cleaned.get("smtp_user"):
            required["smtp_password"] = "An SMTP password is required when an SMTP user is set."  # noqa: S105
        return required

    def config(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONFIG_FIELDS}


def _initial(channel: Channel) -> dict[str, Any]:
    initial = {name: channel.config.get(name, "") for name in CONFIG_FIELDS}
    initial.update(name=channel.name, team=channel.team_id, poll_interval_seconds=channel.poll_interval_seconds)
    return initial


@admin_required
def email_index(request: HttpRequest) -> HttpResponse:
    channels = Channel.objects.filter(kind=ChannelKind.EMAIL).select_related("team").order_by("name")
    return render(request, "channels_app/email_index.html", {"channels": channels})


def _save(channel: Channel, form: EmailChannelForm) -> Channel:
    channel.name = form.cleaned_data["name"]
    channel.team = form.cleaned_data["team"]
    channel.config = {**channel.config, **form.config()}
    channel.credentials = form.secrets()
    channel.poll_interval_seconds = form.cleaned_data["poll_interval_seconds"]
    if channel.pk is None:
        channel.next_poll_at = timezone.now()  # a new mailbox is read on the next beat
        return actions.save_channel(channel=channel)
    # Only the form's columns: a cursor or health flag a poll wrote since the page loaded stays.
    return actions.save_channel(channel=channel, update_fields=["name", "team", "config", "credentials", "poll_interval_seconds"])


PAGES = ChannelAdmin(
    kind=ChannelKind.EMAIL,
    form_class=EmailChannelForm,
    template_name="channels_app/email_form.html",
    edit_url_name="channel_settings:email_edit",
    save=_save,
    initial=_initial,
    logger=logger,
    added_log="email channel added",
    edited_log="email channel edited",
    added_message="Email channel added. Check the connection below.",
    edited_message="Email channel saved.",
    log_user_id=False,
)


@admin_required
def email_add(request: HttpRequest) -> HttpResponse:
    return add_channel(request, PAGES)


@admin_required
def email_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    return edit_channel(request, channel_id, PAGES)


def check_connection(channel: Channel) -> list[tuple[str, bool, str]]:
    """(server, ok, what happened) for IMAP and SMTP; each says clearly which failed and why."""
    client = MailClient(dict(channel.config), channel.credentials)
    results = []
    for server, check in (("IMAP", client.check_imap), ("SMTP", client.check_smtp)):
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
        actions.activate_channel(channel=channel, next_poll_at=timezone.now())
    else:
        actions.flag_channel(channel=channel, reason=" ".join(text for _, passed, text in results if not passed))
    logger.info("email channel checked", extra={"channel_id": channel.pk, "ok": ok, "servers": [(s, p) for s, p, _ in results]})
    return redirect("channel_settings:email_edit", channel_id=channel.pk)


# --- quarantine: mail that could not become a message -------------------------------------------------


@admin_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    items = QuarantinedMail.objects.select_related("channel", "released_by")
    kind = request.GET.get("kind", "")
    if kind in QuarantineKind.values:
        items = items.filter(kind=kind)
    items = items.order_by("-received_at")[:200]
    rows = [{"item": item, "preview": bytes(item.raw[:1500]).decode("utf-8", "replace")} for item in items]
    counts = dict(QuarantinedMail.objects.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    kinds = [(value, label, counts.get(value, 0)) for value, label in QuarantineKind.choices]
    return render(
        request, "channels_app/email_quarantine.html", {"rows": rows, "kinds": kinds, "kind": kind, "spoof": QuarantineKind.SPOOF}
    )


@admin_required
def quarantine_raw(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(QuarantinedMail, pk=item_id)
    response = HttpResponse(bytes(item.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="quarantined-{item.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _retry(request: HttpRequest, item_id: int, *, release: bool) -> HttpResponse:
    item = get_object_or_404(QuarantinedMail.objects.select_related("channel"), pk=item_id)
    try:
        outcome = reprocess_quarantined(item=item, released_by=request.user if release else None)
    except UnparseableMail as error:
        flash.error(request, f"Mail {item.pk} still cannot be read: {error}")
    else:
        if outcome.created:
            flash.success(request, f"Mail {item.pk} {'released' if release else 'reprocessed'}: a message was added.")
        elif outcome.message_id is not None:
            flash.success(request, f"Mail {item.pk} reprocessed: it was already stored.")
        else:
            flash.error(request, f"Mail {item.pk} is still quarantined: {outcome.reason}")
    logger.info(
        "quarantined mail released" if release else "quarantined mail reprocessed",
        extra={"quarantine_id": item.pk, "channel_id": item.channel_id, "user_id": request.user.pk},
    )
    return redirect("channel_settings:email_quarantine")


@admin_required
@require_POST
def quarantine_reprocess(request: HttpRequest, item_id: int) -> HttpResponse:
    return _retry(request, item_id, release=False)


@admin_required
@require_POST
def quarantine_release(request: HttpRequest, item_id: int) -> HttpResponse:
    """An admin vouches for a mail held as a suspected spoof: it is stored as its sender wrote it."""
    return _retry(request, item_id, release=True)


urlpatterns = [
    path("", email_index, name="email_index"),
    path("add/", email_add, name="email_add"),
    path("<int:channel_id>/", email_edit, name="email_edit"),
    path("<int:channel_id>/connect/", email_connect, name="email_connect"),
    path("quarantine/", quarantine_list, name="email_quarantine"),
    path("quarantine/<int:item_id>/raw/", quarantine_raw, name="email_quarantine_raw"),
    path("quarantine/<int:item_id>/reprocess/", quarantine_reprocess, name="email_quarantine_reprocess"),
    path("quarantine/<int:item_id>/release/", quarantine_release, name="email_quarantine_release"),
]
