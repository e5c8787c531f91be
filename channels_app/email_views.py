"""Email views: attachment downloads, a message with its remote images, and the quarantine."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages as flash
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required, agent_required
from channels_app.email import reprocess_quarantined
from channels_app.email_parsing import UnparseableMail, allow_remote_images
from channels_app.models import QuarantinedMail
from inbox import selectors
from inbox.models import ChannelKind, Message, StoredAttachment


def _safe_content_type(content_type: str) -> str:
    # Browsers may render what they can; only plain images keep their type (for inline <img>).
    allowed = {"image/png", "image/jpeg", "image/gif", "image/webp"}
    return content_type if content_type in allowed else "application/octet-stream"


@agent_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    item = StoredAttachment.objects.select_related("message").filter(pk=attachment_id).first()
    if item is None or item.message is None:
        raise Http404("No such attachment")
    selectors.conversation_for_user(user=request.user, conversation_id=item.message.conversation_id)
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=_safe_content_type(item.content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@agent_required
@csp_update({"img-src": ["https:", "http:"]})
def message_with_images(request: HttpRequest, message_id: int) -> HttpResponse:
    """One email with its remote images loaded: only on request, only this message."""
    message = Message.objects.filter(pk=message_id, channel__kind=ChannelKind.EMAIL).first()
    if message is None:
        raise Http404("No such message")
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=message.conversation_id)
    return render(
        request,
        "channels_app/email_message.html",
        {"m": message, "conversation": conversation, "html": allow_remote_images(message.html)},
    )


@admin_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    items = QuarantinedMail.objects.select_related("channel").order_by("-received_at")[:200]
    rows = [{"item": item, "preview": bytes(item.raw[:1500]).decode("utf-8", "replace")} for item in items]
    return render(request, "channels_app/email_quarantine.html", {"rows": rows})


@admin_required
def quarantine_raw(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(QuarantinedMail, pk=item_id)
    response = HttpResponse(bytes(item.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="quarantined-{item.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin_required
@require_POST
def quarantine_reprocess(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(QuarantinedMail.objects.select_related("channel"), pk=item_id)
    try:
        created = reprocess_quarantined(item=item)
    except UnparseableMail as error:
        flash.error(request, f"Mail {item.pk} still cannot be read: {error}")
    else:
        flash.success(
            request, f"Mail {item.pk} reprocessed: " + ("a message was added." if created else "it was already stored.")
        )
    return redirect("channel_settings:email_quarantine")
