"""{% load parley %}: the workspace's words in templates (see inbox/display.py)."""

from datetime import datetime

from django import template

from inbox import display

register = template.Library()


@register.filter
def when(value: datetime | None, style: str = "") -> str:
    """{{ moment|when }} -> "Wed 2 Dec 14:05 CET" in the reader's zone; {{ moment|when:"time" }} -> "14:05 CET"."""
    return display.when(value, style)


@register.filter
def identity_kind(kind: str) -> str:
    """{{ identity.kind|identity_kind }} -> "X", "Facebook", "Email (simulated)"."""
    return display.identity_kind(kind)


@register.filter
def followers(n: int | None) -> str:
    return display.count(n or 0, "follower")
