"""Agent workspace pages. Views parse input, call actions/selectors, and render pages or fragments.

htmx requests get fragments: the queue's next page, the conversation's live parts (swapped out of
band by id, so the composer and the scroll position stay as they are), the composer after a send.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.models import Role, Team, User
from accounts.permissions import agent_required, supervisor_required
from inbox import actions, ports, selectors
from inbox.forms import CannedResponseForm, CustomerNotesForm, MergeForm, NoteForm, ReplyForm
from inbox.models import CannedResponse, Channel, Conversation, Message, Priority, Visibility

# --- queue -----------------------------------------------------------------------------------------


def filters_from(params: Any) -> selectors.QueueFilters:
    channel = str(params.get("channel", ""))
    scope = params.get("scope", "all")
    priority = params.get("priority", "")
    status = params.get("status", "")
    return selectors.QueueFilters(
        scope=scope if scope in ("all", "mine", "unassigned") else "all",
        channel_id=int(channel) if channel.isdigit() else None,
        priority=priority if priority in Priority.values else "",
        status=status if status in selectors.QUEUE_STATUSES else "",
    )


def filter_params(filters: selectors.QueueFilters, **override: Any) -> dict[str, str]:
    params = {
        "scope": filters.scope,
        "channel": str(filters.channel_id or ""),
        "priority": filters.priority,
        "status": filters.status,
    }
    params.update({k: str(v) for k, v in override.items()})
    return {k: v for k, v in params.items() if v and not (k == "scope" and v == "all")}


def filter_links(
    *, filters: selectors.QueueFilters, counts: selectors.QueueCounts, channels: list[Channel]
) -> list[dict[str, Any]]:
    """The filter bar: every option with its maintained count and the link that selects it."""

    def link(label: str, count: int, active: bool, **override: Any) -> dict[str, Any]:
        query = urlencode(filter_params(filters, **override))
        return {"label": label, "count": count, "active": active, "href": "?" + query if query else "?"}

    return [
        {
            "name": "Show",
            "links": [link(label, counts.scope[value], filters.scope == value, scope=value) for value, label in selectors.SCOPES],
        },
        {
            "name": "Status",
            "links": [
                link("Open and pending", counts.status[""], not filters.status, status=""),
                link("Open", counts.status["open"], filters.status == "open", status="open"),
                link("Pending", counts.status["pending"], filters.status == "pending", status="pending"),
            ],
        },
        {
            "name": "Priority",
            "links": [link("Any", counts.priority[""], not filters.priority, priority="")]
            + [
                link(label, counts.priority.get(value, 0), filters.priority == value, priority=value)
                for value, label in reversed(Priority.choices)
            ],
        },
        {
            "name": "Channel",
            "links": [link("Any", sum(counts.channel.values()), not filters.channel_id, channel="")]
            + [link(c.name, counts.channel.get(c.pk, 0), filters.channel_id == c.pk, channel=c.pk) for c in channels],
        },
    ]


# The queue's rows are its hot path (every page load, every live push to every open queue), so a
# row is built with format_html rather than the template engine: the same markup, about a tenth of
# the time per row. templates/inbox/_queue_rows.html places them.
_BADGES = {
    "breached": '<span class="badge breached">Breached</span> ',
    "at_risk": '<span class="badge at-risk">At risk</span> ',
    "ok": '<span class="badge ok">On track</span> ',
}
_ROW = (
    '<tr id="conv-{pk}" class="row sla-{state}" data-href="{href}" data-sort="{sort}">'
    '<td class="sla">{badge}{due}</td>'
    '<td><span class="chan chan-{flavor}">{channel}</span> <span class="vis vis-{vis}">{vis_label}</span></td>'
    '<td class="who-cell"><span class="cust-name">{customer}</span> <span class="muted handle">{handle}</span></td>'
    '<td><a class="open-conv" href="{href}">{preview}</a> <span class="status status-{status}">{status_label}</span> '
    '<span class="prio prio-{priority}">{priority_label}</span></td>'
    "<td>{waiting}</td>"
    '<td class="assignee">{assignee}</td></tr>'
)


@lru_cache(maxsize=1)
def _conversation_href() -> str:
    return reverse("inbox:conversation", args=[0])


def _short(delta_seconds: float) -> str:
    s = int(abs(delta_seconds))
    d, h, m = s // 86400, (s % 86400) // 3600, (s % 3600) // 60
    text = f"{d}d {h}h" if d else f"{h}h {m}m" if h else f"{m}m {s % 60}s"
    return text + (" overdue" if delta_seconds < 0 else "")


def queue_row_html(c: Conversation, *, now: datetime | None = None) -> str:
    """One queue row; the countdown and the wait are also ticked in the browser (parley.js)."""
    now = now or timezone.now()
    href = _conversation_href().replace("/0/", f"/{c.pk}/")
    due_iso = c.sla_due_at.isoformat() if c.sla_due_at else ""
    waiting_iso = c.waiting_since.isoformat() if c.waiting_since else ""
    if c.sla_due_at:
        due = format_html(
            '<span class="countdown" data-due="{}" title="Due {}">{}</span>',
            due_iso,
            c.sla_due_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            _short((c.sla_due_at - now).total_seconds()),
        )
    else:
        due = mark_safe('<span class="muted">no SLA</span>')  # noqa: S308 - a constant
    if c.waiting_since:
        waiting = format_html(
            '<span class="waiting" data-since="{}" title="Waiting since {}">{}</span>',
            waiting_iso,
            c.waiting_since.strftime("%Y-%m-%d %H:%M:%S UTC"),
            _short((now - c.waiting_since).total_seconds()),
        )
    else:
        waiting = mark_safe('<span class="muted">answered</span>')  # noqa: S308 - a constant
    preview = c.last_message_preview or c.subject or "(no text)"
    return format_html(
        _ROW,
        pk=c.pk,
        state=c.sla_state,
        href=href,
        sort=f"{c.sla_rank}|{due_iso or '9999'}|{waiting_iso or '9999'}|{c.pk:012d}",
        badge=mark_safe(_BADGES.get(c.sla_state, "")),  # noqa: S308 - constants above
        due=due,
        flavor=c.channel.flavor,
        channel=c.channel.name,
        vis=c.visibility,
        vis_label=c.get_visibility_display(),
        customer=c.customer.name or c.identity.display_name or c.identity.handle,
        handle=c.identity.handle,
        preview=preview if len(preview) <= 90 else preview[:89] + "…",
        status=c.status,
        status_label=c.get_status_display(),
        priority=c.priority,
        priority_label=c.get_priority_display(),
        waiting=waiting,
        assignee=c.assignee.display_name if c.assignee else "Unassigned",
    )


def ws_query(filters: selectors.QueueFilters) -> str:
    query = urlencode(filter_params(filters))
    return "/ws/queue/" + ("?" + query if query else "")


@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    team_ids = selectors.visible_team_ids(user=request.user)
    after = request.GET.get("after") or None
    limit = 50
    if request.GET.get("limit", "").isdigit():
        # Catching up after a reconnect re-reads as many rows as the page had loaded (capped).
        limit = max(1, min(int(request.GET["limit"]), 500))
    page = selectors.queue_rows(user=request.user, filters=filters, after=after, limit=limit, team_ids=team_ids)
    now = timezone.now()
    context = {
        "page": page,
        "rows": [queue_row_html(c, now=now) for c in page.rows],
        "filters": filters,
        "more_query": urlencode(filter_params(filters)),
    }
    if request.htmx and (after or request.GET.get("fragment") == "rows"):
        return render(request, "inbox/_queue_rows.html", context)
    counts = selectors.queue_counts(user=request.user, filters=filters, team_ids=team_ids)
    channels = selectors.queue_channels(team_ids=team_ids)
    context.update(
        counts=counts,
        filter_groups=filter_links(filters=filters, counts=counts, channels=channels),
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
    return {
        "conversation": conversation,
        "reply_form": form
        or _new_reply_form(conversation, seen_id, subject=limits.get("subject") or _reply_subject(conversation)),
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


EVENT_LABELS = {
    "created": "Conversation started",
    "message_in": "Customer wrote",
    "reply": "Reply",
    "note": "Internal note",
    "assigned": "Assigned",
    "status": "Status",
    "priority": "Priority",
    "reopened": "Reopened",
    "merged": "Customers merged",
    "retry": "Delivery retried",
    "outbound_elsewhere": "Answered from another tool",
    "bounced": "Email bounced",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
    "sla_achieved": "SLA achieved",
}


def _labelled(events: list[Any]) -> list[Any]:
    for event in events:
        event.label = EVENT_LABELS.get(event.kind) or event.kind.replace("_", " ").capitalize()
    return events


def _live_context(request: HttpRequest, conversation: Conversation, seen_id: int | None) -> dict[str, Any]:
    thread = selectors.thread(conversation=conversation)
    collision = (
        selectors.replies_since(conversation=conversation, seen_id=seen_id, user=request.user) if seen_id is not None else []
    )
    return {
        "conversation": conversation,
        "thread": thread,
        "timeline": _labelled(selectors.timeline(conversation=conversation)),
        "agents": selectors.team_agents(team_id=conversation.team_id),
        "priorities": Priority.choices,
        "collision": collision,
    }


@agent_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    context = _live_context(request, conversation, None)
    context.update(_composer_context(request, conversation))
    context["note_form"] = NoteForm()
    return render(request, "inbox/conversation.html", context)


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
        error = "The reply was not sent: " + "; ".join(e for errs in form.errors.values() for e in errs)
        return _composer_response(request, conversation, form=form, error=error)
    data = form.cleaned_data
    existing = Message.objects.filter(idempotency_key=data["idempotency_key"], conversation=conversation).first()
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
        assignee = get_object_or_404(User, pk=int(assignee_id), is_active=True, teams=conversation.team_id)
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
    message = get_object_or_404(Message, pk=message_id)
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=message.conversation_id)
    try:
        actions.retry_delivery(message=message, actor=request.user)
    except actions.ActionError as error:
        return _after_action(request, conversation, error=str(error))
    return _after_action(request, conversation)


_PLACEHOLDER = re.compile(r"\{\{\s*(customer|agent)\.name\s*\}\}")


def fill_placeholders(body: str, *, customer_name: str, agent_name: str) -> str:
    """Plain substitution, not template rendering: a canned text is data, never code."""
    values = {"customer": customer_name, "agent": agent_name}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


@agent_required
def canned_search(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    customer_name = conversation.customer.name or conversation.identity.display_name or conversation.identity.handle
    found = [
        {"title": c.title, "text": fill_placeholders(c.body, customer_name=customer_name, agent_name=request.user.display_name)}
        for c in selectors.canned_responses(user=request.user, team_id=conversation.team_id, query=request.GET.get("q", ""))
    ]
    return render(request, "inbox/_canned.html", {"found": found, "query": request.GET.get("q", "")})


# --- canned responses (supervisors and admins keep them) -------------------------------------------


def _canned_scope(request: HttpRequest) -> tuple[list[Team], bool]:
    teams = list(Team.objects.filter(pk__in=selectors.visible_team_ids(user=request.user)))
    return teams, request.user.role == Role.ADMIN


@supervisor_required
def canned_list(request: HttpRequest) -> HttpResponse:
    teams, allow_all = _canned_scope(request)
    form = CannedResponseForm(request.POST or None, teams=teams, allow_all_teams=allow_all)
    if request.method == "POST" and form.is_valid():
        form.save()
        flash.success(request, "Canned response saved.")
        return redirect("inbox:canned_list")
    from django.db.models import Q

    items = CannedResponse.objects.filter(Q(team__in=teams) | Q(team__isnull=True)).select_related("team")
    return render(request, "inbox/canned_list.html", {"form": form, "items": items, "allow_all": allow_all})


@supervisor_required
@require_POST
def canned_delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    teams, allow_all = _canned_scope(request)
    item = get_object_or_404(CannedResponse, pk=canned_id)
    if (item.team_id is None and not allow_all) or (item.team_id is not None and item.team not in teams):
        raise Http404("No such canned response")
    item.delete()
    return redirect("inbox:canned_list")


# --- customer --------------------------------------------------------------------------------------


def _customer_context(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    return {
        "customer": customer,
        "identities": selectors.customer_identities(customer=customer),
        "conversations": selectors.customer_conversations(user=request.user, customer=customer),
        "duplicates": selectors.suggested_duplicates(user=request.user, customer=customer),
        "notes_form": CustomerNotesForm(initial={"notes": customer.notes}),
    }


@agent_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    context = _customer_context(request, customer_id)
    if context["customer"].merged_into_id:
        return redirect("inbox:customer", customer_id=context["customer"].merged_into_id)
    return render(request, "inbox/customer.html", context)


@agent_required
@require_POST
def customer_notes(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    form = CustomerNotesForm(request.POST)
    if form.is_valid():
        actions.update_customer_notes(customer=customer, notes=form.cleaned_data["notes"], actor=request.user)
        flash.success(request, "Notes saved.")
    return redirect("inbox:customer", customer_id=customer.pk)


@agent_required
@require_POST
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise Http404("No such customer")
    other = selectors.customer_for_user(user=request.user, customer_id=form.cleaned_data["other"])
    source, target = (other, customer) if form.cleaned_data["direction"] == "into_this" else (customer, other)
    try:
        actions.merge_customers(source=source, target=target, actor=request.user)
    except actions.ActionError as error:
        flash.error(request, str(error))
        return redirect("inbox:customer", customer_id=customer.pk)
    flash.success(request, f"Merged {source} into {target}.")
    return redirect("inbox:customer", customer_id=target.pk)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
