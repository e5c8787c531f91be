"""What agents open from an email in a conversation: an attachment download, the mail with its remote images."""

from __future__ import annotations

from csp.decorators import csp_update
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import agent_required
from channels_app.email.html import allow_remote_images
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
