"""Every read of conversations goes through here, scoped to what the user may see.

Agents see their teams' conversations, supervisors the teams they supervise (and their own), admins
everything. Pages, APIs and websockets all ask these functions, so the rule lives in one place.
The queue's reads, built on visible_team_ids, are in queue_selectors.py.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, Team, User
from inbox.models import (
    CannedResponse,
    Conversation,
    ConversationEvent,
    Customer,
    Direction,
    Identity,
    Message,
    MessageKind,
    Tag,
)


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


def customer_conversations(*, user: User, customer: Customer) -> list[Conversation]:
    return list(
        visible_conversations(user=user)
        .filter(customer=customer)
        .select_related("channel", "identity", "assignee")
        .order_by("-created_at")
    )


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
