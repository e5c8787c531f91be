"""Agent workspace pages. Views parse input, call actions/selectors, and render pages or fragments.

htmx requests get fragments: the queue's next page, the conversation's live parts (swapped out of
band by id, so the composer and the scroll position stay as they are), the composer after a send.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import agent_required
from inbox import actions, customer_selectors, display, ports, queue_selectors, selectors
from inbox.forms import NoteForm, ReplyForm
from inbox.models import Conversation, ConversationStatus, Message, Priority, Visibility
from inbox.queue_rendering import filter_links, filter_params, filters_from, queue_row_html, ws_query

# --- queue -----------------------------------------------------------------------------------------


@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    team_ids = selectors.visible_team_ids(user=request.user)
    after = request.GET.get("after") or None
    limit = 50
    if request.GET.get("limit", "").isdigit():
        # Catching up after a reconnect re-reads as many rows as the page had loaded (capped).
        limit = max(1, min(int(request.GET["limit"]), 500))
    page = queue_selectors.queue_rows(user=request.user, filters=filters, after=after, limit=limit, team_ids=team_ids)
    now = timezone.now()
    context = {
        "page": page,
        "rows": [queue_row_html(c, now=now) for c in page.rows],
        "filters": filters,
        "more_query": urlencode(filter_params(filters)),
    }
    if request.htmx and (after or request.GET.get("fragment") == "rows"):
        return render(request, "inbox/_queue_rows.html", context)
    counts = queue_selectors.queue_counts(user=request.user, filters=filters, team_ids=team_ids)
    channels = queue_selectors.queue_channels(team_ids=team_ids)
    context.update(
        counts=counts,
        filter_groups=filter_links(filters=filters, counts=counts, channels=channels, tags=selectors.all_tags()),
        ws_url=ws_query(filters),
    )
    return render(request, "inbox/queue.html", context)


# --- conversation ----------------------------------------------------------------------------------


def _new_reply_form(conversation: Conversation, seen_id: int, **initial: Any) -> ReplyForm:
    return ReplyForm(
        initial={
            "idempotency_key": uuid.uuid4().hex,
            "visibility": conversation.visibility,
            "seen_outbound_id": seen_id,
            "subject": _reply_subject(conversation),
            **initial,
        }
    )


def _reply_subject(conversation: Conversation) -> str:
    if conversation.channel.flavor != "email":
        return ""
    subject = conversation.subject or ""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def _composer_context(
    request: HttpRequest,
    conversation: Conversation,
    *,
    form: ReplyForm | None = None,
    seen_id: int | None = None,
    error: str = "",
    collision: list[Message] | None = None,
    sent: Message | None = None,
) -> dict[str, Any]:
    if seen_id is None:
        seen_id = selectors.last_outbound_id(conversation=conversation)
    limits = ports.channels().reply_limits(conversation)
    offered = limits.get("visibilities") or list(Visibility.values)
    reply_form = form or _new_reply_form(
        conversation,
        seen_id,
        subject=limits.get("subject") or _reply_subject(conversation),
        visibility=conversation.visibility if conversation.visibility in offered else offered[0],
    )
    return {
        "conversation": conversation,
        "reply_form": reply_form,
        "visibilities": [(v, display.reply_kind(v, conversation.channel.flavor)) for v in offered],
        "limits": limits,
        "limit_lines": _limit_lines(limits),
        "is_email": conversation.channel.flavor == "email",
        "error": error,
        "collision": collision or [],
        "sent": sent,
    }


def _limit_lines(limits: dict[str, Any]) -> list[str]:
    """Everything a connector says about its limits, in words, whatever keys it uses."""
    lines: list[str] = []
    for key in ("note", "window", "windows", "notes", "refused", "blocked", "reason", "human_agent"):
        value = limits.get(key)
        if isinstance(value, (list, tuple)):
            lines.extend(str(v.get("text", v)) if isinstance(v, dict) else str(v) for v in value)
        elif isinstance(value, dict):
            lines.extend(f"{k}: {v}" for k, v in value.items())
        elif value:
            lines.append(str(value))
    return lines


def _live_context(request: HttpRequest, conversation: Conversation, seen_id: int | None) -> dict[str, Any]:
    thread = selectors.thread(conversation=conversation)
    collision = (
        selectors.replies_since(conversation=conversation, seen_id=seen_id, user=request.user) if seen_id is not None else []
    )
    return {
        "conversation": conversation,
        "thread": thread,
        "timeline": display.timeline_entries(selectors.timeline(conversation=conversation)),
        "agents": selectors.team_agents(team_id=conversation.team_id),
        "priorities": Priority.choices,
        "collision": collision,
        # Once it is resolved, the agent's next step: the top of the queue.
        "next_conversation": (
            queue_selectors.next_in_queue(user=request.user, after=conversation)
            if conversation.status == ConversationStatus.RESOLVED
            else None
        ),
    }


@agent_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    context = _live_context(request, conversation, None)
    context.update(_composer_context(request, conversation))
    context.update(_side_panel(request, conversation))
    context["note_form"] = NoteForm()
    return render(request, "inbox/conversation.html", context)


SIDE_PANEL_CONVERSATIONS = 8


def _side_panel(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """The customer beside the thread: accounts, reach, notes, their other conversations anywhere."""
    customer = conversation.customer
    others = [c for c in selectors.customer_conversations(user=request.user, customer=customer) if c.pk != conversation.pk]
    return {
        "customer": customer,
        "identities": selectors.customer_identities(customer=customer),
        "notes": [n for n in customer_selectors.notes_for_user(user=request.user, customer=customer) if n.text],
        "other_conversations": others[:SIDE_PANEL_CONVERSATIONS],
        "more_conversations": len(others) + 1 if len(others) > SIDE_PANEL_CONVERSATIONS else 0,
    }


def _seen_param(request: HttpRequest) -> int | None:
    value = request.GET.get("seen", request.POST.get("seen_outbound_id", ""))
    return int(value) if str(value).isdigit() else None


@agent_required
def conversation_live(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The conversation's changing parts, each swapped out of band by id (never the composer)."""
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    return render(request, "inbox/_conv_live.html", _live_context(request, conversation, _seen_param(request)))


def _after_action(request: HttpRequest, conversation: Conversation, error: str = "", note_done: bool = False) -> HttpResponse:
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("inbox:conversation", conversation_id=conversation.pk)
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation.pk)
    context = _live_context(request, conversation, _seen_param(request))
    context.update(action_error=error, note_form=NoteForm() if note_done else None, with_error=True)
    return render(request, "inbox/_conv_live.html", context)


@agent_required
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        error = "; ".join(e for errs in form.errors.values() for e in errs)
        return _composer_response(request, conversation, form=form, error=error)
    data = form.cleaned_data
    existing = selectors.reply_with_key(conversation=conversation, idempotency_key=data["idempotency_key"])
    if existing is None and not data.get("confirm"):
        # Someone else answered since this agent last looked: show it and ask before posting.
        newer = selectors.replies_since(conversation=conversation, seen_id=data.get("seen_outbound_id") or 0, user=request.user)
        if newer:
            return _composer_response(request, conversation, form=form, collision=newer)
    options: dict[str, Any] = {}
    if data.get("public_note") and data["visibility"] == Visibility.PRIVATE:
        options["public_note"] = data["public_note"]
    if data.get("subject") and conversation.channel.flavor == "email":
        options["subject"] = data["subject"]
    try:
        message = existing or actions.send_reply(
            conversation=conversation,
            author=request.user,
            text=data["text"],
            visibility=data["visibility"],
            idempotency_key=data["idempotency_key"],
            options=options,
        )
    except (actions.ActionError, ports.ReplyRefused) as error:
        return _composer_response(request, conversation, form=form, error=str(error))
    if not request.htmx:
        return redirect("inbox:conversation", conversation_id=conversation.pk)
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation.pk)
    seen_id = selectors.last_outbound_id(conversation=conversation)
    context = _composer_context(request, conversation, seen_id=seen_id, sent=message)
    context.update(_live_context(request, conversation, seen_id))
    context["with_live"] = True
    return render(request, "inbox/_composer.html", context)


def _composer_response(
    request: HttpRequest, conversation: Conversation, *, form: ReplyForm, error: str = "", collision: list[Message] | None = None
) -> HttpResponse:
    if not request.htmx:
        flash.error(request, error or "Another agent replied since you opened this conversation; nothing was sent.")
        return redirect("inbox:conversation", conversation_id=conversation.pk)
    context = _composer_context(request, conversation, form=form, error=error, collision=collision)
    return render(request, "inbox/_composer.html", context, status=200)


@agent_required
@require_POST
def note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _after_action(request, conversation, error="A note needs some text.")
    actions.add_note(conversation=conversation, author=request.user, text=form.cleaned_data["text"])
    return _after_action(request, conversation, note_done=True)


@agent_required
@require_POST
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    assignee_id = request.POST.get("assignee", "")
    assignee = None
    if assignee_id == "me":
        assignee = request.user
    elif assignee_id.isdigit():
        assignee = selectors.team_agent(team_id=conversation.team_id, user_id=int(assignee_id))
    try:
        actions.assign_conversation(conversation=conversation, assignee=assignee, actor=request.user)
    except actions.ActionError as error:
        return _after_action(request, conversation, error=str(error))
    return _after_action(request, conversation)


@agent_required
@require_POST
def set_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    try:
        actions.set_conversation_status(conversation=conversation, status=request.POST.get("status", ""), actor=request.user)
    except actions.ActionError as error:
        return _after_action(request, conversation, error=str(error))
    return _after_action(request, conversation)


@agent_required
@require_POST
def set_priority(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    try:
        actions.set_conversation_priority(
            conversation=conversation, priority=request.POST.get("priority", ""), actor=request.user
        )
    except actions.ActionError as error:
        return _after_action(request, conversation, error=str(error))
    return _after_action(request, conversation)


@agent_required
@require_POST
def retry_message(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.message_by_id(message_id=message_id)
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=message.conversation_id)
    try:
        actions.retry_delivery(message=message, actor=request.user)
    except actions.ActionError as error:
        return _after_action(request, conversation, error=str(error))
    return _after_action(request, conversation)
