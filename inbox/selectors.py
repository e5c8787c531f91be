"""Every read of conversations goes through here, scoped to what the user may see.

Agents see their teams' conversations, supervisors the teams they supervise (and their own), admins
everything. Pages, APIs and websockets all ask these functions, so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Q, QuerySet, Sum, Value, When
from django.http import Http404

from accounts.models import Role, Team, User
from inbox.models import (
    CannedResponse,
    Channel,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    Customer,
    Direction,
    Identity,
    Message,
    MessageKind,
    Priority,
    QueueCounter,
    Tag,
)
from inbox.queue_cursor import QueueCursor


def visible_team_ids(*, user: User) -> list[int]:
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.ADMIN:
        return list(Team.objects.values_list("pk", flat=True))
    ids = set(user.teams.values_list("pk", flat=True))
    if user.role == Role.SUPERVISOR:
        ids |= set(user.supervised_teams.values_list("pk", flat=True))
    return sorted(ids)


def visible_conversations(*, user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(team_id__in=visible_team_ids(user=user))


def conversation_for_user(*, user: User, conversation_id: int) -> Conversation:
    """The conversation if the user may see it; otherwise 404, never 403, so ids leak nothing."""
    conversation = (
        visible_conversations(user=user)
        .select_related("channel", "customer", "identity", "assignee", "team")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def customer_for_user(*, user: User, customer_id: int) -> Customer:
    """A customer is visible when any of their conversations is. A merged-away customer is their
    survivor (its pk differs from the one asked for), so old links lead somewhere."""
    customer = Customer.objects.filter(pk=customer_id).first()
    for _ in range(10):  # merges chain (a into b, then b into c); a cycle cannot form, but stay bounded
        if customer is None or customer.merged_into_id is None:
            break
        customer = Customer.objects.filter(pk=customer.merged_into_id).first()
    if customer is None or not _customer_visible(user, customer):
        raise Http404("No such customer")
    return customer


def _customer_visible(user: User, customer: Customer) -> bool:
    if user.role == Role.ADMIN:
        return True
    return visible_conversations(user=user).filter(customer=customer).exists()


def thread(*, conversation: Conversation) -> list[Message]:
    return list(
        conversation.messages.select_related("author_identity", "author_user")
        .prefetch_related("stored_files")
        .order_by("platform_time", "id")
    )


def timeline(*, conversation: Conversation) -> list[ConversationEvent]:
    return list(conversation.events.select_related("actor").order_by("created_at", "id"))


QUEUE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING)


@dataclass(frozen=True)
class QueueFilters:
    scope: str = "all"  # "mine", "unassigned" or "all" (all my teams)
    channel_id: int | None = None
    priority: str = ""
    status: str = ""  # "" is open and pending
    tag_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[Conversation]
    next_cursor: str | None


def queue_rows(
    *, user: User, filters: QueueFilters, after: str | None = None, limit: int = 50, team_ids: list[int] | None = None
) -> QueuePage:
    """The agent's queue: breached first, then by SLA due time, then longest waiting.

    Keyset pagination on (sla_rank, sla_due_at, waiting_since, id), nulls last, so page 100 costs
    what page 1 costs. team_ids, when the caller already has them, saves the membership query.
    """
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    qs = _queue_queryset(user=user, filters=filters, team_ids=team_ids)
    cursor = QueueCursor.decode(after) if after else None
    if cursor is not None:
        qs = qs.filter(cursor.rows_after(index_prefix=_index_prefix(user=user, filters=filters, team_ids=team_ids)))
    qs = qs.order_by(*QueueCursor.ordering())
    qs = qs.select_related("channel", "customer", "identity", "assignee").only(*QUEUE_ROW_FIELDS)[: limit + 1]
    if connection.vendor == "postgresql":
        with transaction.atomic():
            # PostgreSQL estimates a row-value comparison by its first column alone (sla_rank > 1:
            # "no rows"), then prefers reading every later row and sorting them; on a big queue that
            # is 100+ ms where the ordered index scan stopping after limit + 1 rows takes 1 ms.
            # The only sensible plan for a keyset page is that index scan, so say so, for this
            # statement only.
            with connection.cursor() as db_cursor:
                db_cursor.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
            rows = list(qs)
    else:
        rows = list(qs)
    next_cursor = QueueCursor.of(rows[limit - 1]).encode() if len(rows) > limit else None
    return QueuePage(rows=rows[:limit], next_cursor=next_cursor)


def next_in_queue(*, user: User, after: Conversation) -> Conversation | None:
    """The conversation at the top of the user's queue other than this one: where to go once it is done."""
    rows = queue_rows(user=user, filters=QueueFilters(), limit=2).rows
    return next((c for c in rows if c.pk != after.pk), None)


def _index_prefix(*, user: User, filters: QueueFilters, team_ids: list[int]) -> tuple[str, int] | None:
    """The column the best partial queue index starts with, when the filters pin it by equality."""
    if filters.scope == "mine":
        return ("assignee_id", user.pk)
    if len(team_ids) == 1:
        return ("team_id", team_ids[0])
    return None


# What a queue row shows and sorts on; the rest of each row stays in the database.
QUEUE_ROW_FIELDS = (
    "id",
    "team_id",
    "status",
    "priority",
    "visibility",
    "subject",
    "last_message_preview",
    "waiting_since",
    "sla_due_at",
    "sla_state",
    "sla_paused_left_seconds",
    "sla_rank",
    "priority_reason",
    "channel__id",
    "channel__name",
    "channel__kind",
    "channel__config",
    "customer__id",
    "customer__name",
    "identity__id",
    "identity__handle",
    "identity__display_name",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def queue_row(*, conversation_id: int, team_ids: list[int]) -> Conversation | None:
    """One conversation as a queue row shows it, if it is in one of these teams (the live push)."""
    return (
        Conversation.objects.select_related("channel", "customer", "identity", "assignee")
        .only(*QUEUE_ROW_FIELDS, "channel_id", "assignee_id")
        .filter(pk=conversation_id, team_id__in=team_ids)
        .first()
    )


def _queue_queryset(*, user: User, filters: QueueFilters, team_ids: list[int] | None = None) -> QuerySet[Conversation]:
    statuses = [filters.status] if filters.status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    qs = Conversation.objects.filter(team_id__in=team_ids, status__in=statuses)
    if filters.scope == "mine":
        qs = qs.filter(assignee=user)
    elif filters.scope == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.tag_id:
        qs = qs.filter(tags=filters.tag_id)
    return qs


def customer_conversations(*, user: User, customer: Customer) -> list[Conversation]:
    return list(
        visible_conversations(user=user)
        .filter(customer=customer)
        .select_related("channel", "identity", "assignee")
        .order_by("-created_at")
    )


def matches_filters(*, conversation: Conversation, user: User, filters: QueueFilters) -> bool:
    """Whether a conversation belongs in a queue shown with these filters (the live path's check)."""
    statuses = [filters.status] if filters.status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    return (
        conversation.status in statuses
        and (filters.scope != "mine" or conversation.assignee_id == user.pk)
        and (filters.scope != "unassigned" or conversation.assignee_id is None)
        and (not filters.channel_id or conversation.channel_id == filters.channel_id)
        and (not filters.priority or conversation.priority == filters.priority)
        and (not filters.tag_id or conversation.tags.filter(pk=filters.tag_id).exists())
    )


SCOPES = (("all", "All my teams"), ("mine", "Mine"), ("unassigned", "Unassigned"))


@dataclass(frozen=True)
class QueueCounts:
    """Per-filter counts: each option counted with the other filters as currently chosen."""

    scope: dict[str, int]
    status: dict[str, int]
    priority: dict[str, int]
    channel: dict[int, int]
    total: int


def queue_counts(*, user: User, filters: QueueFilters, team_ids: list[int] | None = None) -> QueueCounts:
    """Counts from the trigger-maintained QueueCounter rows: one small read, never a COUNT(*).

    A team has at most channels x 2 statuses x 4 priorities x (agents + 1) counter rows, so this
    sums a few hundred rows however many conversations are open.
    """
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    # Assignees fold into three classes in SQL (unassigned 0, this user, anyone else -1), so an
    # admin over every team reads channels x 2 x 4 x 3 rows at most.
    who = Case(When(assignee_id=0, then=Value(0)), When(assignee_id=user.pk, then=Value(user.pk)), default=Value(-1))
    rows = list(
        QueueCounter.objects.filter(team_id__in=team_ids, n__gt=0)
        .annotate(who=who)
        .values("channel_id", "status", "priority", "who")
        .annotate(total=Sum("n"))
        .values_list("channel_id", "status", "priority", "who", "total")
    )

    def keep(row: tuple[int, str, str, int, int], skip: str) -> bool:
        channel_id, status, priority, assignee_id, _ = row
        return (
            (
                skip == "scope"
                or filters.scope == "all"
                or (filters.scope == "mine" and assignee_id == user.pk)
                or (filters.scope == "unassigned" and assignee_id == 0)
            )
            and (skip == "status" or not filters.status or status == filters.status)
            and (skip == "priority" or not filters.priority or priority == filters.priority)
            and (skip == "channel" or not filters.channel_id or channel_id == filters.channel_id)
        )

    scope = {"all": 0, "mine": 0, "unassigned": 0}
    status = {"": 0, "open": 0, "pending": 0}
    priority = {"": 0, **{value: 0 for value in Priority.values}}
    channel: dict[int, int] = {}
    total = 0
    for row in rows:
        channel_id, row_status, row_priority, assignee_id, n = row
        if keep(row, "scope"):
            scope["all"] += n
            scope["mine"] += n if assignee_id == user.pk else 0
            scope["unassigned"] += n if assignee_id == 0 else 0
        if keep(row, "status"):
            status[""] += n
            status[row_status] = status.get(row_status, 0) + n
        if keep(row, "priority"):
            priority[""] += n
            priority[row_priority] = priority.get(row_priority, 0) + n
        if keep(row, "channel"):
            channel[channel_id] = channel.get(channel_id, 0) + n
        if keep(row, ""):
            total += n
    return QueueCounts(scope=scope, status=status, priority=priority, channel=channel, total=total)


def queue_channels(*, team_ids: list[int]) -> list[Channel]:
    return list(Channel.objects.filter(team_id__in=team_ids).only("pk", "name", "kind", "config").order_by("name"))


def last_outbound_id(*, conversation: Conversation) -> int:
    """The newest reply on the thread, so the composer can tell when someone else replied since."""
    return (
        conversation.messages.filter(direction=Direction.OUT, kind=MessageKind.MESSAGE)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def replies_since(*, conversation: Conversation, seen_id: int, user: User) -> list[Message]:
    """Replies by anyone but this agent (another agent, another tool) newer than the one they saw."""
    return list(
        conversation.messages.filter(direction=Direction.OUT, kind=MessageKind.MESSAGE, pk__gt=seen_id)
        .exclude(author_user=user)
        .select_related("author_user")
        .order_by("pk")
    )


def reply_with_key(*, conversation: Conversation, idempotency_key: str) -> Message | None:
    """The reply already sent from this composer, when its form arrives a second time."""
    return Message.objects.filter(idempotency_key=idempotency_key, conversation=conversation).first()


def message_by_id(*, message_id: int) -> Message:
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message")
    return message


def team_agent(*, team_id: int, user_id: int) -> User:
    """An active member of the team, to hand a conversation to; 404 for anyone else."""
    agent = User.objects.filter(pk=user_id, is_active=True, teams=team_id).first()
    if agent is None:
        raise Http404("No such agent")
    return agent


def team_agents(*, team_id: int) -> list[User]:
    return list(User.objects.filter(teams=team_id, is_active=True).order_by("username"))


def canned_responses(*, user: User, team_id: int, query: str, limit: int = 8) -> list[CannedResponse]:
    qs = CannedResponse.objects.filter(Q(team__isnull=True) | Q(team_id=team_id))
    if user.role != Role.ADMIN:
        qs = qs.filter(Q(team__isnull=True) | Q(team_id__in=visible_team_ids(user=user)))
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return list(qs.order_by("title")[:limit])


def managed_canned_teams(*, user: User) -> list[Team]:
    """The teams whose canned responses this supervisor (or admin) keeps."""
    return list(Team.objects.filter(pk__in=visible_team_ids(user=user)))


def managed_canned_responses(*, teams: list[Team]) -> list[CannedResponse]:
    """The canned responses kept for these teams, and the ones shared by every team."""
    return list(CannedResponse.objects.filter(Q(team__in=teams) | Q(team__isnull=True)).select_related("team"))


def managed_canned_response(*, canned_id: int, teams: list[Team], allow_shared: bool) -> CannedResponse:
    """One canned response its keeper may change; 404 otherwise, as for every object out of scope."""
    canned = CannedResponse.objects.filter(pk=canned_id).first()
    if canned is None:
        raise Http404("No such canned response")
    if canned.team_id is None and not allow_shared:
        raise Http404("No such canned response")
    if canned.team_id is not None and canned.team_id not in {team.pk for team in teams}:
        raise Http404("No such canned response")
    return canned


def customer_identities(*, customer: Customer) -> list[Identity]:
    return list(customer.identities.order_by("kind", "pk"))


def _is_email_kind(kind: str) -> bool:
    return kind in ("email", "sim-email")


def suggested_duplicates(*, user: User, customer: Customer, limit: int = 10) -> list[tuple[Customer, str]]:
    """Other customers that are probably the same person: the same email address, or the same
    name on another channel. Only customers the user may see are suggested."""
    identities = customer_identities(customer=customer)
    emails = {i.handle.lower() for i in identities if _is_email_kind(i.kind) and "@" in i.handle}
    emails |= {i.external_id.lower() for i in identities if _is_email_kind(i.kind) and "@" in i.external_id}
    kinds = {i.kind for i in identities}
    found: dict[int, tuple[Customer, str]] = {}
    if emails:
        email_q = Q()
        for address in emails:
            email_q |= Q(handle__iexact=address) | Q(external_id__iexact=address)
        for identity in Identity.objects.filter(email_q).exclude(customer=customer).select_related("customer")[:limit]:
            found.setdefault(identity.customer_id, (identity.customer, f"same email address {identity.handle}"))
    if customer.name:
        same_name = (
            Identity.objects.filter(Q(customer__name__iexact=customer.name) | Q(display_name__iexact=customer.name))
            .exclude(customer=customer)
            .exclude(kind__in=kinds)
            .select_related("customer")[:limit]
        )
        for identity in same_name:
            found.setdefault(identity.customer_id, (identity.customer, f"same name on {identity.kind}"))
    candidates = [pair for pair in found.values() if pair[0].merged_into_id is None]
    if user.role == Role.ADMIN or not candidates:
        return candidates[:limit]
    visible = set(
        visible_conversations(user=user)
        .filter(customer_id__in=[c.pk for c, _ in candidates])
        .values_list("customer_id", flat=True)
    )
    return [pair for pair in candidates if pair[0].pk in visible][:limit]


def tags_matching(*, query: str, exclude: Conversation | None = None, limit: int = 8) -> list[Tag]:
    """Tags whose name contains the typed text (every tag is shared by all teams)."""
    tags = Tag.objects.filter(name__icontains=query.strip()) if query.strip() else Tag.objects.all()
    if exclude is not None:
        tags = tags.exclude(conversations=exclude)
    return list(tags.order_by("name")[:limit])


def all_tags() -> list[Tag]:
    return list(Tag.objects.order_by("name"))
