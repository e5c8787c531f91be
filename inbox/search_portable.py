"""Which rows a search matches, newest first and at most a few, on a database without PostgreSQL's
search indexes (SQLite, the demo): a plain icontains scan, enough for a few thousand conversations.
The same questions as inbox/search_postgres.py, the same answers on small data."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from inbox.models import Conversation, Customer, Identity, Message
from inbox.search_words import whole_number


def message_ids(*, channel_ids: list[int] | None, words: list[str], numbers: list[str], limit: int) -> list[int]:
    messages = Message.objects.filter(_holds("text", words, numbers))
    if channel_ids is not None:
        messages = messages.filter(channel_id__in=channel_ids)
    return list(messages.order_by("-id").values_list("id", flat=True)[:limit])


def subject_ids(*, team_ids: list[int], words: list[str], numbers: list[str], limit: int) -> list[int]:
    conversations = Conversation.objects.filter(_holds("subject", words, numbers), team_id__in=team_ids)
    return list(conversations.order_by("-id").values_list("id", flat=True)[:limit])


def identity_ids(*, team_ids: list[int], words: list[str], limit: int) -> list[int]:
    identities = Identity.objects.filter(_every_word(["handle", "display_name", "external_id"], words)).filter(
        _talks_to(team_ids, "customer_id"), customer__merged_into__isnull=True
    )
    return list(identities.order_by("-id").values_list("id", flat=True)[:limit])


def customer_ids(*, team_ids: list[int], words: list[str], limit: int) -> list[int]:
    customers = Customer.objects.filter(_every_word(["name"], words), merged_into__isnull=True)
    return list(customers.filter(_talks_to(team_ids, "pk")).order_by("-id").values_list("id", flat=True)[:limit])


def _talks_to(team_ids: list[int], customer: str) -> Exists:
    return Exists(Conversation.objects.filter(customer_id=OuterRef(customer), team_id__in=team_ids))


def _every_word(fields: list[str], words: list[str]) -> Q:
    q = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        q &= any_field
    return q


def _holds(name: str, words: list[str], numbers: list[str]) -> Q:
    """Every order-like number as a whole number, or when there is none, every word."""
    q = _every_word([name], numbers or words)
    for number in numbers:
        q &= Q(**{f"{name}__regex": whole_number(number)})
    return q
