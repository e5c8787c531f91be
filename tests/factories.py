"""Test data builders. Tests make rows through these, never through raw objects.create."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Role, Team, User
from inbox.inbound import AuthorIdentity, InboundMessage
from inbox.models import Channel, ChannelKind

_seq = itertools.count(1)


def make_team(name: str | None = None) -> Team:
    return Team.objects.create(name=name or f"Team {next(_seq)}")


def make_user(
    *,
    role: str = Role.AGENT,
    teams: list[Team] = (),
    supervises: list[Team] = (),
    username: str | None = None,
    password: str = "pw-12345678",
) -> User:
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=password, role=role)
    user.teams.set(teams)
    user.supervised_teams.set(supervises)
    return user


def make_channel(
    *,
    team: Team | None = None,
    kind: str = ChannelKind.SIMULATED,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
) -> Channel:
    return Channel.objects.create(
        kind=kind,
        name=name or f"Channel {next(_seq)}",
        team=team or make_team(),
        config=config if config is not None else {"flavor": "x"},
        credentials=credentials or {},
    )


def make_author(
    *,
    kind: str = "sim-x",
    external_id: str | None = None,
    handle: str = "@jo",
    display_name: str = "Jo",
    same_person_as: tuple[tuple[str, str], ...] = (),
    follower_count: int | None = None,
) -> AuthorIdentity:
    return AuthorIdentity(
        kind=kind,
        external_id=external_id or f"user-{next(_seq)}",
        handle=handle,
        display_name=display_name,
        same_person_as=same_person_as,
        follower_count=follower_count,
    )


def make_inbound(
    *,
    channel: Channel | None,
    external_id: str | None = None,
    thread_key: str = "thread-1",
    author: AuthorIdentity | None = None,
    text: str = "Where is my order?",
    at: datetime | None = None,
    visibility: str = "public",
    **extra: Any,
) -> InboundMessage:
    return InboundMessage(
        channel_id=channel.pk if channel else None,
        external_id=external_id if external_id is not None else f"ext-{next(_seq)}",
        thread_key=thread_key,
        author=author or make_author(),
        text=text,
        platform_time=at or timezone.now(),
        visibility=visibility,
        raw={"test": True},
        **extra,
    )
