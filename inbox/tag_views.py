"""Tags on a conversation page: find as you type, add (creating it when new), remove. htmx fragments."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import agent_required
from inbox import actions, selectors
from inbox.models import Conversation, Tag


def _tags_response(request: HttpRequest, conversation: Conversation, error: str = "") -> HttpResponse:
    if not request.htmx:
        return redirect("inbox:conversation", conversation_id=conversation.pk)
    return render(request, "inbox/_tags.html", {"conversation": conversation, "tag_error": error})


@agent_required
def tag_search(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    found = selectors.tags_matching(query=request.GET.get("name", ""), exclude=conversation)
    return render(request, "inbox/_tag_options.html", {"found": found})


@agent_required
@require_POST
def tag_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    try:
        actions.add_tag(conversation=conversation, name=request.POST.get("name", ""), actor=request.user)
    except actions.ActionError as error:
        return _tags_response(request, conversation, str(error))
    return _tags_response(request, conversation)


@agent_required
@require_POST
def tag_remove(request: HttpRequest, conversation_id: int, tag_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    actions.remove_tag(conversation=conversation, tag=get_object_or_404(Tag, pk=tag_id), actor=request.user)
    return _tags_response(request, conversation)
