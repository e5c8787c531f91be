import uuid

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import agent_required
from channels_app.base import ReplyRefused
from channels_app.replies import reply_limits
from inbox import actions, selectors
from inbox.forms import NoteForm, ReplyForm
from inbox.models import Message, Priority


def _filters(request: HttpRequest) -> selectors.QueueFilters:
    channel = request.GET.get("channel", "")
    return selectors.QueueFilters(
        scope=request.GET.get("scope", "all"),
        channel_id=int(channel) if channel.isdigit() else None,
        priority=request.GET.get("priority", ""),
        status=request.GET.get("status", ""),
    )


@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = selectors.queue_rows(user=request.user, filters=filters, after=request.GET.get("after"))
    template = "inbox/_queue_rows.html" if request.htmx and request.GET.get("after") else "inbox/queue.html"
    return render(request, template, {"page": page, "filters": filters})


@agent_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    return render(
        request,
        "inbox/conversation.html",
        {
            "conversation": conversation,
            "thread": selectors.thread(conversation=conversation),
            "timeline": selectors.timeline(conversation=conversation),
            "reply_form": ReplyForm(
                initial={
                    "idempotency_key": uuid.uuid4().hex,
                    "visibility": conversation.visibility,
                }
            ),
            "note_form": NoteForm(),
            "limits": reply_limits(conversation=conversation),
            "priorities": Priority.choices,
            "agents": User.objects.filter(teams=conversation.team_id, is_active=True).order_by("username"),
        },
    )


@agent_required
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        flash.error(request, "The reply was not sent: " + "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect("inbox:conversation", conversation_id=conversation.pk)
    options = {k: form.cleaned_data[k] for k in ("public_note", "subject") if form.cleaned_data.get(k)}
    try:
        actions.send_reply(
            conversation=conversation,
            author=request.user,
            text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            options=options,
        )
    except (actions.ActionError, ReplyRefused) as error:
        flash.error(request, str(error))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
@require_POST
def note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(conversation=conversation, author=request.user, text=form.cleaned_data["text"])
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
@require_POST
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    assignee_id = request.POST.get("assignee", "")
    assignee = None
    if assignee_id == "me":
        assignee = request.user
    elif assignee_id.isdigit():
        assignee = get_object_or_404(User, pk=int(assignee_id), is_active=True)
    try:
        actions.assign_conversation(conversation=conversation, assignee=assignee, actor=request.user)
    except actions.ActionError as error:
        flash.error(request, str(error))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
@require_POST
def set_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    try:
        actions.set_conversation_status(conversation=conversation, status=request.POST.get("status", ""), actor=request.user)
    except actions.ActionError as error:
        flash.error(request, str(error))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
@require_POST
def set_priority(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    try:
        actions.set_conversation_priority(
            conversation=conversation, priority=request.POST.get("priority", ""), actor=request.user
        )
    except actions.ActionError as error:
        flash.error(request, str(error))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
@require_POST
def retry_message(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=message.conversation_id)
    try:
        actions.retry_delivery(message=message, actor=request.user)
    except actions.ActionError as error:
        flash.error(request, str(error))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@agent_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    return render(
        request,
        "inbox/customer.html",
        {
            "customer": customer,
            "identities": list(customer.identities.order_by("kind", "pk")),
            "conversations": selectors.customer_conversations(user=request.user, customer=customer),
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
