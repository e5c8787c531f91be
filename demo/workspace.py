"""The demo workspace: teams, one user per role, simulated channels and a month of history.

Seeding is idempotent: every object is found by a natural key before it is made, and historical
messages carry fixed external ids, so a second run changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from channels_app.simulated import traffic
from channels_app.simulated.payloads import PERSONAS, make_inbound, persona_identity
from demo.automation_seed import seed_automation, tag_history
from demo.sla_settings import STAFFED_CALENDAR, seed_sla
from inbox.actions import ingest_message, preview_of
from inbox.inbound import InboundMessage
from inbox.models import (
    Channel,
    ChannelKind,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    Priority,
)
from sla import clock
from sla.calendars import to_clock
from sla.models import BusinessCalendar, SlaEvent
from sla.rescoring import rescore

DEMO_USERS = [
    # username, role, password, teams, supervised teams
    ("admin", Role.ADMIN, "parley-admin", ["Social", "Email"], []),
    ("supervisor", Role.SUPERVISOR, "parley-supervisor", [], ["Social", "Email"]),
    ("agent", Role.AGENT, "parley-agent", ["Social", "Email"], []),
]
DEMO_CHANNELS = [
    # name, flavour, team, messages per minute at the daily peak (channels_app/simulated/traffic.py
    # shapes the day): together about 30 an hour at the busiest, many of them follow-ups in open
    # threads, which one agent can keep up with. PARLEY_SIMULATED_RATE_PER_MINUTE raises it.
    ("Simulated X", "x", "Social", 0.25),
    ("Simulated Facebook", "facebook", "Social", 0.15),
    ("Simulated Email", "email", "Email", 0.1),
]
HISTORY_CONVERSATIONS = 300
HISTORY_DAYS = 30
REPLIES = [
    "Thanks for reaching out! I've checked and your order is on its way.",
    "Sorry about that. I've sent a replacement, you'll get tracking details shortly.",
    "Good question! Yes, it works with the older charger too.",
    "I've refunded the duplicate charge; it shows in 3-5 days.",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str


def seed_demo(*, history: int = HISTORY_CONVERSATIONS, seed: int = 2026) -> list[DemoLogin]:
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Social", "Email")}
    # The Social team hands out work automatically, so the team page shows it on.
    Team.objects.filter(name="Social").update(auto_assign=True)
    logins = []
    for username, role, password, member_of, supervises in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "first_name": username.capitalize()}
        )
        if created:
            user.set_password(password)
            user.save()
            user.teams.set([teams[t] for t in member_of])
            user.supervised_teams.set([teams[t] for t in supervises])
        logins.append(DemoLogin(username=username, role=role, password=password))
    channels = []
    for name, flavor, team, rate in DEMO_CHANNELS:
        channel, _ = Channel.objects.get_or_create(
            name=name,
            kind=ChannelKind.SIMULATED,
            defaults={"team": teams[team], "config": {"flavor": flavor, "rate_per_minute": rate}, "poll_interval_seconds": 5},
        )
        channels.append(channel)
    seed_sla()
    seeded = _seed_history(channels=channels, count=history, seed=seed)
    if seeded:
        # History is written backdated, behind the scorer's back: the scores taken while it was
        # half written are wrong, so drop them and score the finished history once.
        SlaEvent.objects.filter(conversation_id__in=seeded).delete()
        ConversationEvent.objects.filter(conversation_id__in=seeded, kind__startswith="sla_").delete()
        Conversation.objects.filter(pk__in=seeded).update(sla_state="none", sla_rank=1)
        rescore(include_resolved=True)
        tag_history(seeded)
        _seed_rule_examples(channel=channels[1])
        _seed_deadlines_due_soon(channel=channels[0])
    # After the history: its old breaches, found by the rescore above, are no live escalations.
    seed_automation(channels=channels)
    return logins


# Minutes ago that four public X mentions arrived, against the demo's 30-minute first-response target
# (warning at 75%, 22.5 minutes): they turn at risk 3, 6, 10 and 15 minutes after the demo starts,
# each breaching 7.5 minutes later, so a newcomer who logs in at once sees every flip happen live.
DUE_SOON_MINUTES = (19.5, 16.5, 12.5, 7.5)
FLIP_MINUTES = (3, 6, 10, 15)


def _seed_deadlines_due_soon(*, channel: Channel) -> None:
    now = timezone.now()
    for index, minutes in enumerate(DUE_SOON_MINUTES):
        ingest_message(
            inbound=InboundMessage(
                channel_id=channel.pk,
                external_id=f"seed-soon-{channel.pk}-{index}",
                thread_key=f"public-soon-{index}",
                author=persona_identity(index, channel.flavor),
                text=f"@parley_demo Is anyone there? I've been waiting for my refund for order #{ORDER_SOON + index}.",
                platform_time=now - timedelta(minutes=minutes),
                visibility="public",
                raw={"simulated": True},
            )
        )


ORDER_SOON = 40710


def _seed_rule_examples(*, channel: Channel) -> None:
    """Two open Facebook conversations where the platform's windows have closed, so the composer's
    refusals (the same rule code as the real connector's) show in the demo."""
    now = timezone.now()
    examples = [
        # thread key, visibility, age, text
        ("messenger:facebook-48", "private", timedelta(days=3), "Hi, I never got the replacement for order #51234."),
        ("public-rules-49", "public", timedelta(days=8), "Still waiting on order #51235, over a week now."),
    ]
    for index, (thread_key, visibility, age, text) in enumerate(examples):
        ingest_message(
            inbound=InboundMessage(
                channel_id=channel.pk,
                external_id=f"seed-rules-{channel.pk}-{index}",
                thread_key=thread_key,
                author=persona_identity(PERSONAS + index, channel.flavor),  # never among the live traffic
                text=text,
                platform_time=now - age,
                visibility=visibility,
                raw={"simulated": True, "kind": "comment"},
            )
        )


def _arrival(rng: random.Random, anchor: datetime) -> datetime:
    """A moment in the last HISTORY_DAYS days, as often as the daily shape says (evenings and
    weekends included, nights rare), drawn by rejection from uniform minutes."""
    while True:
        at = anchor - timedelta(minutes=rng.randrange(60, HISTORY_DAYS * 24 * 60))
        if rng.random() < traffic.shape(at):
            return at


def _seed_history(*, channels: list[Channel], count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    agent = User.objects.get(username="agent")
    now = timezone.now()
    # The team works office hours whatever the channel's promise: an evening or weekend message
    # waits for the next opening, so off-hours arrivals really wait long (the arrivals report).
    staffed = to_clock(BusinessCalendar.objects.get(name=STAFFED_CALENDAR), today=now.date())
    created = []
    # Anchor history to whole hours so the second run produces the same external ids and times.
    anchor = now.replace(minute=0, second=0, microsecond=0)
    for n in range(count):
        channel = channels[n % len(channels)]
        at = _arrival(rng, anchor)
        inbound = make_inbound(channel=channel, rng=rng, external_id=f"seed-{channel.pk}-{n}", at=at)
        # Staffed minutes until the reply: counted in the team's open hours from the arrival.
        reply_after = timedelta(minutes=rng.choice([4, 12, 25, 40, 75, 150, 400]))
        # Older history is all worked through; the last day leaves some open for the queue.
        resolve = rng.random() < 0.85 or anchor - at > timedelta(days=1)
        priority = rng.choice([Priority.NORMAL] * 6 + [Priority.HIGH, Priority.URGENT, Priority.LOW])
        reply_text = rng.choice(REPLIES)
        result = ingest_message(inbound=inbound)
        if not result.created or not result.conversation_created:
            continue
        created.append(result.conversation_id)
        _backdate(result.conversation_id, at=at, priority=priority)
        replied = clock.add_business_time(at, reply_after, staffed)
        if replied < now:
            _historical_reply(result.conversation_id, agent=agent, at=replied, text=reply_text)
            resolved = clock.add_business_time(replied, timedelta(minutes=30), staffed)
            if resolve and resolved < now:
                _historical_resolve(result.conversation_id, agent=agent, at=resolved)
    return created


@transaction.atomic
def _backdate(conversation_id: int, *, at, priority: str) -> None:
    # The history's priorities are drawn, not a rule's: no reason shows for them.
    Conversation.objects.filter(pk=conversation_id).update(created_at=at, priority=priority, priority_reason="")
    ConversationEvent.objects.filter(conversation_id=conversation_id).update(created_at=at)
    Message.objects.filter(conversation_id=conversation_id).update(received_time=at)


@transaction.atomic
def _historical_reply(conversation_id: int, *, agent: User, at, text: str) -> None:
    conversation = Conversation.objects.get(pk=conversation_id)
    Message.objects.create(
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUT,
        author_user=agent,
        external_id=f"seed-out-{conversation_id}",
        text=text,
        visibility=conversation.visibility,
        platform_time=at,
        received_time=at,
        starts_sla=False,
        delivery_state=DeliveryState.DELIVERED,
    )
    Conversation.objects.filter(pk=conversation_id).update(
        assignee=agent, last_outbound_at=at, waiting_since=None, last_message_preview=preview_of(text)
    )
    ConversationEvent.objects.create(conversation=conversation, kind="reply", actor=agent, data={}, created_at=at)


@transaction.atomic
def _historical_resolve(conversation_id: int, *, agent: User, at) -> None:
    Conversation.objects.filter(pk=conversation_id).update(status=ConversationStatus.RESOLVED, resolved_at=at)
    ConversationEvent.objects.create(
        conversation_id=conversation_id, kind="status", actor=agent, data={"from": "open", "to": "resolved"}, created_at=at
    )
