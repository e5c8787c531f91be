"""Search: customers by name, handle or email address, and conversations by their messages' words,
order-like numbers and subjects, across the teams the user may see, ranked, the match marked.

On PostgreSQL, message words use full-text search (a stored tsvector of the text, digits cut apart
from their letters, 'simple': no stemming of customers' words), and names, handles, emails and
subjects a trigram (pg_trgm) GIN index behind ILIKE, so a fragment of a handle ("mariak") finds it.
A query holding an order-like number looks for that whole number wherever it is written
(inbox/search_words.py). Both are bounded: the newest MESSAGE_CANDIDATES matching messages are ranked
(ts_rank), never every match of a common word. Elsewhere (SQLite, the demo) a plain icontains scan
is enough for a few thousand conversations. Indexes: inbox/migrations/*_search_*.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import ModuleType

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from inbox import search_portable, search_postgres, selectors
from inbox.models import Channel, Conversation, Customer, Identity, Message
from inbox.search_words import full_text_words, order_numbers, terms

MIN_QUERY = 2
CUSTOMER_LIMIT = 8
CONVERSATION_LIMIT = 20
MESSAGE_CANDIDATES = 60
SNIPPET_CHARS = 160


def _stored_vector() -> RawSQL:
    # The column the search migrations add on PostgreSQL (inbox/migrations/0015_search_numbers_and_scope.py).
    return RawSQL('"inbox_message"."search_vector"', [], output_field=SearchVectorField())


@dataclass(frozen=True)
class CustomerHit:
    customer: Customer
    identities: list[Identity]
    label: SafeString  # the name with the match marked
    detail: SafeString  # handles and addresses, the match marked


@dataclass(frozen=True)
class ConversationHit:
    conversation: Conversation
    message: Message | None
    title: SafeString
    snippet: SafeString


@dataclass
class Results:
    query: str
    customers: list[CustomerHit] = field(default_factory=list)
    conversations: list[ConversationHit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.customers and not self.conversations


def full_text() -> bool:
    """PostgreSQL's full-text and trigram indexes; elsewhere (SQLite, the demo) the portable scan."""
    return connection.vendor == "postgresql"


def _finder() -> ModuleType:
    # inbox/search_postgres.py and inbox/search_portable.py answer the same questions.
    return search_postgres if full_text() else search_portable


def search(*, user: User, query: str) -> Results:
    query = query.strip()[:200]
    words = terms(query)
    results = Results(query=query)
    if len(query) < MIN_QUERY or not words:
        return results
    team_ids = selectors.visible_team_ids(user=user)
    if not team_ids:
        return results
    results.customers = _customers(team_ids, words)
    results.conversations = _conversations(team_ids, words)
    return results


# --- customers -------------------------------------------------------------------------------------


def _customers(team_ids: list[int], words: list[str]) -> list[CustomerHit]:
    finder = _finder()
    by_name = Customer.objects.filter(pk__in=finder.customer_ids(team_ids=team_ids, words=words, limit=CUSTOMER_LIMIT * 2))
    identities = Identity.objects.filter(
        pk__in=finder.identity_ids(team_ids=team_ids, words=words, limit=CUSTOMER_LIMIT * 4)
    ).select_related("customer")
    by_name, identities = sorted(by_name, key=lambda c: -c.pk), sorted(identities, key=lambda i: -i.pk)
    found: dict[int, Customer] = {c.pk: c for c in by_name}
    for identity in identities:
        if identity.customer.merged_into_id is None:
            found.setdefault(identity.customer_id, identity.customer)
    if not found:
        return []
    all_identities: dict[int, list[Identity]] = {}
    for identity in Identity.objects.filter(customer_id__in=list(found)).order_by("kind", "id"):
        all_identities.setdefault(identity.customer_id, []).append(identity)
    hits = []
    for customer in found.values():
        ids = all_identities.get(customer.pk, [])
        name = customer.name or (ids[0].display_name if ids else "") or f"Customer #{customer.pk}"
        handles = " · ".join(dict.fromkeys(i.handle or i.external_id for i in ids))
        label, detail = highlight(name, words), highlight(handles, words)
        hits.append(CustomerHit(customer=customer, identities=ids, label=label, detail=detail))

    def rank(hit: CustomerHit) -> tuple[float, int]:
        text = " ".join([hit.customer.name, *(i.handle or i.external_id for i in hit.identities)])
        return (-_score(text, words), -hit.customer.pk)

    hits.sort(key=rank)
    return hits[:CUSTOMER_LIMIT]


def _score(text: str, words: list[str]) -> float:
    """Whole-word and prefix matches above fragments; shorter texts (an exact handle) above longer ones."""
    low = text.lower()
    score = 0.0
    for word in words:
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", low):
            score += 3
        elif re.search(rf"(?<![\w]){re.escape(word)}", low):
            score += 2
        elif word in low:
            score += 1
    return score - len(low) / 1000


# --- conversations and messages ------------------------------------------------------------------


def _conversations(team_ids: list[int], words: list[str]) -> list[ConversationHit]:
    numbers = order_numbers(words)
    finder = _finder()
    # Scoped by the message's own channel (a channel's conversations are its team's), so the check
    # needs no join; the conversations found are checked against the teams again below. Whoever sees
    # every channel needs no channel check at all.
    channel_ids: list[int] | None = list(Channel.objects.filter(team_id__in=team_ids).values_list("pk", flat=True))
    if not Channel.objects.exclude(pk__in=channel_ids).exists():
        channel_ids = None
    candidates = finder.message_ids(channel_ids=channel_ids, words=words, numbers=numbers, limit=MESSAGE_CANDIDATES)
    ranked = Message.objects.filter(pk__in=candidates).order_by("-id")
    if full_text():
        ts_query = SearchQuery(" ".join(numbers) or full_text_words(" ".join(words)), config="simple", search_type="plain")
        ranked = ranked.annotate(rank=SearchRank(_stored_vector(), ts_query)).order_by("-rank", "-id")
    messages: dict[int, Message] = {}
    for message in ranked.only("id", "conversation_id", "text", "direction", "kind", "platform_time"):
        messages.setdefault(message.conversation_id, message)
        if len(messages) >= CONVERSATION_LIMIT:
            break
    by_subject = finder.subject_ids(team_ids=team_ids, words=words, numbers=numbers, limit=CONVERSATION_LIMIT)
    ids = list(dict.fromkeys([*by_subject, *messages]))[:CONVERSATION_LIMIT]
    conversations = _with_relations(Conversation.objects.filter(pk__in=ids, team_id__in=team_ids))
    marks = [*words, *numbers]
    hits = []
    for conversation in sorted(conversations, key=lambda c: ids.index(c.pk)):
        message = messages.get(conversation.pk)
        text = message.text if message else conversation.last_message_preview
        who = conversation.customer.name or conversation.identity.handle or f"Conversation #{conversation.pk}"
        # An X or Messenger "subject" is the first message again: only a real subject is worth a title.
        subject = conversation.subject if conversation.subject and conversation.subject[:40] not in (text or "") else ""
        title = f"{who} · {subject}" if subject else who
        hits.append(
            ConversationHit(
                conversation=conversation,
                message=message,
                title=highlight(title, marks),
                snippet=highlight(snippet(text, marks), marks),
            )
        )
    return hits


def _with_relations(qs: QuerySet[Conversation]) -> list[Conversation]:
    return list(qs.select_related("channel", "customer", "identity", "assignee"))


# --- marking the match -----------------------------------------------------------------------------


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """The part of a long text around its first match."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    low = text.lower()
    first = min((i for i in (low.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def highlight(text: str, words: list[str]) -> SafeString:
    """The text escaped, with each occurrence of a query word in <mark>. Customer content is hostile:
    nothing of it reaches the page unescaped."""
    text = text or ""
    spans: list[tuple[int, int]] = []
    low = text.lower()
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        start = low.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = low.find(word, end)
    out, position = [], 0
    for start, end in sorted(spans):
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
