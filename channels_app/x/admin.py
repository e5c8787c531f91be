"""Admin pages for X channels: add, edit (secrets write-only) and connect (GET /2/users/me)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import Team
from accounts.permissions import admin_required
from channels_app.channel_admin import ChannelAdmin, SecretFieldsForm, add_channel, edit_channel, secret_field
from channels_app.x.client import fetch_me, platform_reason
from inbox import actions
from inbox.models import Channel, ChannelKind, ChannelStatus

logger = logging.getLogger(__name__)

SECRET_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")
REQUIRED_SECRETS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
NOT_CONNECTED = "Not connected yet: press Connect to check the keys."


class XChannelForm(SecretFieldsForm):
    secret_fields = SECRET_FIELDS

    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    poll_interval_seconds = forms.IntegerField(
        min_value=15,
        max_value=86400,
        initial=60,
        label="Poll every (seconds)",
        help_text="Polling also slows itself to the budget X reports.",
    )
    poll_dms = forms.BooleanField(
        required=False, initial=True, label="Read DMs", help_text="Needs a plan with DM access (pay-per-use or Pro)."
    )
    consumer_key = secret_field("API key (consumer key)")
    consumer_secret = secret_field("API key secret (consumer secret)", "Also signs the webhook.")
    access_token = secret_field("Access token")
    access_token_secret = secret_field("Access token secret")
    bearer_token = secret_field("Bearer token", "Optional (app-only reads).")

    def required_secrets(self, cleaned: dict[str, Any]) -> dict[str, str]:
        return dict.fromkeys(REQUIRED_SECRETS, "This field is required.")


def _initial(channel: Channel) -> dict[str, Any]:
    return {
        "name": channel.name,
        "team": channel.team_id,
        "poll_interval_seconds": channel.poll_interval_seconds,
        "poll_dms": bool(channel.config.get("poll_dms", True)),
    }


def _save(channel: Channel, form: XChannelForm) -> Channel:
    data = form.cleaned_data
    credentials = dict(channel.credentials or {})
    entered = form.entered_secrets()
    keys_changed = any(credentials.get(name) != value for name, value in entered.items())
    credentials.update(entered)
    channel.kind = ChannelKind.X
    channel.name = data["name"]
    channel.team = data["team"]
    channel.poll_interval_seconds = data["poll_interval_seconds"]
    channel.config = {**(channel.config or {}), "poll_dms": bool(data["poll_dms"])}
    channel.credentials = credentials
    if channel.pk is None or keys_changed:
        # New keys are unproven until Connect checks them; until then the channel is not polled.
        channel.status = ChannelStatus.NEEDS_ATTENTION
        channel.status_reason = NOT_CONNECTED
    return actions.save_channel(channel=channel)


def public_webhook_url(channel: Channel) -> str:
    return f"{settings.PARLEY_PUBLIC_URL.rstrip('/')}{reverse('webhooks:x')}?channel={channel.pk}"


def _budget_rows(channel: Channel) -> list[dict[str, Any]]:
    rows = []
    for endpoint, budget in sorted((channel.cursor.get("limits") or {}).items()):
        reset = datetime.fromtimestamp(int(budget.get("reset", 0)), tz=UTC)
        rows.append({"endpoint": endpoint, "remaining": budget.get("remaining"), "limit": budget.get("limit"), "reset": reset})
    return rows


def _context(channel: Channel | None) -> dict[str, Any]:
    return {
        "webhook_url": public_webhook_url(channel) if channel else "",
        "budget": _budget_rows(channel) if channel else [],
        "rate_limited": (channel.cursor.get("rate_limited") if channel else None),
    }


PAGES = ChannelAdmin(
    kind=ChannelKind.X,
    form_class=XChannelForm,
    template_name="channels_app/x_form.html",
    edit_url_name="channel_settings:x_edit",
    save=_save,
    initial=_initial,
    logger=logger,
    added_log="x channel added",
    edited_log="x channel edited",
    added_message="Channel saved. Press Connect to check the keys.",
    add_initial={"poll_dms": True, "poll_interval_seconds": 60},
    extra_context=_context,
)


@admin_required
def x_add(request: HttpRequest) -> HttpResponse:
    return add_channel(request, PAGES)


@admin_required
def x_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    return edit_channel(request, channel_id, PAGES)


@admin_required
@require_POST
def x_connect(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Check the user tokens with GET /2/users/me and store the brand account's id and handle."""
    channel = get_object_or_404(Channel, pk=channel_id, kind=ChannelKind.X)
    try:
        me = fetch_me(channel.credentials)
    except (tweepy.Unauthorized, tweepy.Forbidden) as error:
        reason = f"X refused the keys: {platform_reason(error)}"
        actions.flag_channel(channel=channel, reason=reason)
        flash.error(request, reason)
        return redirect("channel_settings:x_edit", channel_id=channel.pk)
    except tweepy.HTTPException as error:
        flash.error(request, f"X did not answer the check ({platform_reason(error)}); try again shortly.")
        return redirect("channel_settings:x_edit", channel_id=channel.pk)
    except requests.RequestException as error:
        flash.error(request, f"Could not reach X ({type(error).__name__}); try again shortly.")
        return redirect("channel_settings:x_edit", channel_id=channel.pk)
    config = {
        **channel.config,
        "user_id": str(me["id"]),
        "username": str(me.get("username", "")),
        "display_name": str(me.get("name", "")),
    }
    actions.activate_channel(channel=channel, config=config)
    logger.info("x channel connected", extra={"channel_id": channel.pk, "user_id": request.user.pk})
    flash.success(request, f"Connected as @{config['username']}. Register the webhook URL shown below with X.")
    return redirect("channel_settings:x_edit", channel_id=channel.pk)


urlpatterns = [
    path("add/", x_add, name="x_add"),
    path("<int:channel_id>/", x_edit, name="x_edit"),
    path("<int:channel_id>/connect/", x_connect, name="x_connect"),
]
