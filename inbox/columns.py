"""Values from the platforms cut to fit their columns, with a visible mark, instead of failing the insert.

A From display name or a subject longer than its column once made PostgreSQL refuse the row
(DataError) and blocked the mailbox behind it; the platforms set no limits we can rely on.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import models

from inbox.inbound import InboundMessage
from inbox.models import Conversation, Identity

MARK = "…"


def fit(model: type[models.Model], field_name: str, value: str) -> str:
    """value, cut to the column's max_length with MARK as its last character when it is too long."""
    limit = model._meta.get_field(field_name).max_length
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - len(MARK)] + MARK


def fit_url(model: type[models.Model], field_name: str, value: str) -> str:
    """A URL that does not fit is dropped: a cut URL points somewhere else."""
    limit = model._meta.get_field(field_name).max_length
    return value if limit is None or len(value) <= limit else ""


def fit_inbound(inbound: InboundMessage) -> InboundMessage:
    """The message with every free-text value that lands in a sized column fitted to it."""
    author = inbound.author
    fitted_author = replace(
        author,
        # Ids longer than their column are the platform's garbage, not two accounts that differ late.
        external_id=fit(Identity, "external_id", author.external_id),
        handle=fit(Identity, "handle", author.handle),
        display_name=fit(Identity, "display_name", author.display_name),
        profile_url=fit_url(Identity, "profile_url", author.profile_url),
        avatar_url=fit_url(Identity, "avatar_url", author.avatar_url),
    )
    subject = fit(Conversation, "subject", inbound.subject)
    if fitted_author == author and subject == inbound.subject:
        return inbound
    return replace(inbound, author=fitted_author, subject=subject)
