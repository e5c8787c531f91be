"""Admin pages for Facebook Page channels: add, edit (secrets write-only) and connect."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import Team
from accounts.permissions import admin_required
from channels_app.base import ChannelAuthError, PermanentSendError, SendError
from channels_app.channel_admin import ChannelAdmin, SecretFieldsForm, add_channel, edit_channel, secret_field
from channels_app.facebook.client import SUBSCRIBED_FIELDS, GraphClient
from inbox import actions
from inbox.models import Channel, ChannelKind

logger = logging.getLogger(__name__)

SECRET_FIELDS = ("page_access_token", "app_secret")
CONFIG_FIELDS = ("page_id", "page_name", "app_id", "verify_token", "human_agent_enabled")


class FacebookChannelForm(SecretFieldsForm):
    secret_fields = SECRET_FIELDS

    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    page_id = forms.RegexField(
        regex=r"^\d{1,30}$", max_length=30, label="Page id", error_messages={"invalid": "A Page id is a number."}
    )
    page_name = forms.CharField(max_length=200, required=False, label="Page name")
    app_id = forms.RegexField(
        regex=r"^\d{1,30}$",
        max_length=30,
        label="App id",
        help_text="Messages this app sends are matched to replies; other apps' are recorded as outbound.",
    )
    verify_token = forms.CharField(max_length=100, required=False, label="Verify token", help_text="Leave empty to generate one.")
    human_agent_enabled = forms.BooleanField(
        required=False,
        label="Human Agent permission approved",
        help_text="Allows human replies 24 h to 7 days after the person's last message.",
    )
    poll_interval_seconds = forms.IntegerField(min_value=15, max_value=86400, initial=60, label="Poll every (seconds)")
    page_access_token = secret_field("Page access token")
    app_secret = secret_field("App secret")

    def required_secrets(self, cleaned: dict[str, Any]) -> dict[str, str]:
        return dict.fromkeys(SECRET_FIELDS, "This field is required.")


def _initial(channel: Channel) -> dict[str, Any]:
    initial: dict[str, Any] = {name: channel.config.get(name, "") for name in CONFIG_FIELDS}
    initial.update(name=channel.name, team=channel.team_id, poll_interval_seconds=channel.poll_interval_seconds)
    return initial


def _save(channel: Channel, form: FacebookChannelForm) -> Channel:
    data = form.cleaned_data
    config = dict(channel.config or {})
    config.update({name: data[name] for name in CONFIG_FIELDS})
    config["page_id"] = str(data["page_id"])
    config["verify_token"] = data["verify_token"] or config.get("verify_token") or secrets.token_urlsafe(24)
    credentials = {**(channel.credentials or {}), **form.entered_secrets()}
    channel.kind = ChannelKind.FACEBOOK
    channel.name = data["name"]
    channel.team = data["team"]
    channel.poll_interval_seconds = data["poll_interval_seconds"]
    channel.config = config
    channel.credentials = credentials
    return actions.save_channel(channel=channel)


def _context(channel: Channel | None) -> dict[str, Any]:
    return {
        "webhook_url": settings.PARLEY_PUBLIC_URL.rstrip("/") + reverse("webhooks:facebook"),
        "subscribed_fields": SUBSCRIBED_FIELDS,
    }


PAGES = ChannelAdmin(
    kind=ChannelKind.FACEBOOK,
    form_class=FacebookChannelForm,
    template_name="channels_app/facebook_form.html",
    edit_url_name="channel_settings:facebook_edit",
    save=_save,
    initial=_initial,
    logger=logger,
    added_log="facebook channel added",
    edited_log="facebook channel edited",
    added_message="Channel saved. Set up the webhook in Meta, then connect the Page.",
    extra_context=_context,
)


@admin_required
def facebook_add(request: HttpRequest) -> HttpResponse:
    return add_channel(request, PAGES)


@admin_required
def facebook_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    return edit_channel(request, channel_id, PAGES)


@admin_required
@require_POST
def facebook_connect(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Check the Page token against the Page and subscribe the Page to our app's webhooks."""
    channel = get_object_or_404(Channel, pk=channel_id, kind=ChannelKind.FACEBOOK)
    page_id = str(channel.config.get("page_id", ""))
    client = GraphClient(access_token=str(channel.credentials.get("page_access_token", "")))
    try:
        page = client.get_object(page_id, fields="id,name")
        subscribed = client.subscribe_page(page_id)
    except ChannelAuthError as error:
        actions.flag_channel(channel=channel, reason=str(error))
        flash.error(request, str(error))
        return redirect("channel_settings:facebook_edit", channel_id=channel.pk)
    except SendError as error:
        if isinstance(error, PermanentSendError):
            # Refused, not merely unavailable: the token works but lacks what Parley needs.
            actions.flag_channel(channel=channel, reason=f"The Page check failed: {error}")
        flash.error(request, f"Could not connect the Page: {error}")
        return redirect("channel_settings:facebook_edit", channel_id=channel.pk)
    if not subscribed.get("success"):
        reason = "Facebook did not confirm the webhook subscription; check the app's permissions."
        actions.flag_channel(channel=channel, reason=reason)
        flash.error(request, reason)
        return redirect("channel_settings:facebook_edit", channel_id=channel.pk)
    config = {**channel.config, "page_name": str(page.get("name") or channel.config.get("page_name", ""))}
    actions.activate_channel(channel=channel, config=config)
    logger.info("facebook page connected", extra={"channel_id": channel.pk, "user_id": request.user.pk})
    flash.success(request, f"Connected to {config['page_name'] or page_id} and subscribed to {SUBSCRIBED_FIELDS}.")
    return redirect("channel_settings:facebook_edit", channel_id=channel.pk)


urlpatterns = [
    path("add/", facebook_add, name="facebook_add"),
    path("<int:channel_id>/", facebook_edit, name="facebook_edit"),
    path("<int:channel_id>/connect/", facebook_connect, name="facebook_connect"),
]
