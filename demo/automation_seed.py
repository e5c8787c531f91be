"""The demo's rules and scripted arrivals: a loud first-time complaint on X a minute after start
(raised to Urgent, the supervisor told live), a breach escalated by a rule, and an email that
arrives out of Stockholm office hours getting its honest acknowledgement."""

from __future__ import annotations

from automation.models import Acknowledgement, Rule, Trigger
from inbox.actions import find_or_create_tag
from inbox.models import Channel, Conversation, Direction, Message

LOUD_COMPLAINT = {
    "after_seconds": 60,
    "author_id": "x-nora-lind",
    "handle": "@noralind",
    "name": "Nora Lind",
    "followers": 48_200,
    "visibility": "public",
    "text": "@parley_demo Three weeks waiting for my refund and nobody answers. Worst service ever. Never again.",
}
LATE_EMAIL = {
    "after_seconds": 90,
    "author_id": "email-oskar-late",
    "handle": "oskar.berg.late@example.com",
    "name": "Oskar Berg",
    "visibility": "private",
    "subject": "Question: Fjord backpack",
    "text": "Hello, can I still change the colour of the Fjord backpack I ordered this evening?",
}


def seed_automation(*, channels: list[Channel]) -> None:
    Rule.objects.get_or_create(
        name="Breach: tell the supervisors",
        defaults={
            "position": 30,
            "trigger": Trigger.SLA_BREACH,
            "set_priority": "high",
            "notify_supervisors": True,
        },
    )
    by_flavor = {c.flavor: c for c in channels}
    _script(by_flavor.get("x"), LOUD_COMPLAINT)
    email = by_flavor.get("email")
    if email is not None:
        # The email channel's calendar is Stockholm office hours: out of hours, this is acknowledged.
        Acknowledgement.objects.get_or_create(channel=email, defaults={"enabled": True, "text": "Thanks for your email."})
        _script(email, LATE_EMAIL)


# What the history's customers ask about, by words of their first message: the tags an agent would
# have given them, so the reports' "By tag" shows what is asked about on which channel.
TOPICS = {
    "refund": ("refund", "charged twice"),
    "delivery": ("arrived", "delivery address", "ship the"),
    "damaged": ("broken",),
    "stock": ("back in stock", "discount"),
    "app": ("your app",),
    "how-to": ("reset", "older charger"),
}


def tag_history(conversation_ids: list[int]) -> None:
    tags = {name: find_or_create_tag(name=name) for name in TOPICS}
    firsts = (
        Message.objects.filter(conversation_id__in=conversation_ids, direction=Direction.IN)
        .order_by("conversation_id", "platform_time", "id")
        .values_list("conversation_id", "text")
    )
    through = Conversation.tags.through
    links, seen = [], set()
    for conversation_id, text in firsts:
        if conversation_id in seen:
            continue
        seen.add(conversation_id)
        folded = text.casefold()
        links += [
            through(conversation_id=conversation_id, tag_id=tags[name].pk)
            for name, words in TOPICS.items()
            if any(w in folded for w in words)
        ]
    through.objects.bulk_create(links, ignore_conflicts=True)


def _script(channel: Channel | None, item: dict[str, object]) -> None:
    if channel is None or channel.config.get("script"):
        return
    channel.config = {**channel.config, "script": [item]}
    channel.save(update_fields=["config"])
