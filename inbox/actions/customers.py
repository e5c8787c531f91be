"""Writes to customers and their platform identities: first sight, linking, merging, notes."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from accounts import audit
from accounts.models import Team, User
from inbox import changes
from inbox.actions.common import ActionError, record_event
from inbox.columns import fit
from inbox.inbound import AuthorIdentity
from inbox.models import Conversation, Customer, CustomerNote, Identity

logger = logging.getLogger(__name__)


def resolve_identity(*, author: AuthorIdentity) -> Identity:
    """The identity for a platform account, creating it and its customer on first sight."""
    identity = Identity.objects.filter(kind=author.kind, external_id=author.external_id).first()
    if identity is not None:
        changed = refresh_identity(identity, author)
        if changed:
            identity.save(update_fields=changed)
        return identity
    customer = None
    for kind, external_id in author.same_person_as:
        other = Identity.objects.filter(kind=kind, external_id=external_id).select_related("customer").first()
        if other is not None:
            customer = other.customer
            break
    try:
        with transaction.atomic():
            if customer is None:
                customer = Customer.objects.create(name=fit(Customer, "name", author.display_name or author.handle))
            return Identity.objects.create(
                kind=author.kind,
                external_id=author.external_id,
                customer=customer,
                handle=author.handle,
                display_name=author.display_name,
                profile_url=author.profile_url,
                avatar_url=author.avatar_url,
                follower_count=author.follower_count,
            )
    except IntegrityError:
        # Another ingest created this identity a moment ago; use theirs.
        return Identity.objects.get(kind=author.kind, external_id=author.external_id)


def refresh_identity(identity: Identity, author: AuthorIdentity) -> list[str]:
    """Copy what the platform now says about the account; returns the fields to save."""
    changed = []
    for name in ("handle", "display_name", "profile_url", "avatar_url", "follower_count"):
        value = getattr(author, name)
        if value not in ("", None) and getattr(identity, name) != value:
            setattr(identity, name, value)
            changed.append(name)
    return changed


def link_identities(*, identity: Identity, same_as: Identity, actor: User | None = None) -> None:
    """Two accounts are one person: move the identity (and its conversations) to that customer."""
    if identity.customer_id == same_as.customer_id:
        return
    merge_customers(source=identity.customer, target=same_as.customer, actor=actor)


def merge_customers(*, source: Customer, target: Customer, actor: User | None) -> Customer:
    """Move source's identities, conversations and team notes to target; source stays as a pointer
    (its page redirects to target). Callers check selectors may_change_customer for both first."""
    if source.pk == target.pk:
        raise ActionError("A customer cannot be merged into itself.")
    if source.merged_into_id is not None:
        raise ActionError(f"{source} was already merged into another customer.")
    with transaction.atomic():
        identities = list(source.identities.values_list("handle", flat=True))
        source.identities.update(customer=target)
        moved = list(Conversation.objects.filter(customer=source))
        Conversation.objects.filter(customer=source).update(customer=target)
        notes = _merge_notes(source=source, target=target)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        # Earlier merges into source now lead straight to the survivor.
        Customer.objects.filter(merged_into=source).update(merged_into=target)
        for conversation in moved:
            record_event(
                conversation=conversation,
                kind="merged",
                actor=actor,
                data={"from_customer": source.pk, "into_customer": target.pk, "identities": identities},
            )
            changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="merged")
        audit.record(
            "customer.merged",
            actor=actor,
            target=target,
            before={"customer": f"{source} (#{source.pk})", "identities": identities},
            after={"merged_into": f"{target} (#{target.pk})", "conversations_moved": len(moved), "notes_moved": notes},
            changes_only=False,
        )
    return target


def _merge_notes(*, source: Customer, target: Customer) -> int:
    """Each team keeps one note per customer: source's note joins target's note of the same team."""
    kept = {n.team_id: n for n in CustomerNote.objects.filter(customer=target)}
    count = 0
    for note in CustomerNote.objects.filter(customer=source):
        count += 1
        existing = kept.get(note.team_id)
        if existing is None:
            CustomerNote.objects.filter(pk=note.pk).update(customer=target)
            continue
        existing.text = "\n\n".join(filter(None, [existing.text, note.text]))
        existing.shared = existing.shared and note.shared  # shared only if both teams meant it
        existing.save(update_fields=["text", "shared", "updated_at"])
        note.delete()
    return count


def update_customer_note(*, customer: Customer, team: Team, text: str, shared: bool, actor: User | None) -> CustomerNote:
    """A team's note on a customer: seen by that team, and by every team serving them when shared.
    Callers pass only a team the user writes for (customer_selectors.note_teams)."""
    text = text.strip()
    note, _ = CustomerNote.objects.get_or_create(customer=customer, team=team)
    if (note.text, note.shared) != (text, shared):
        note.text, note.shared, note.updated_by = text, shared, actor
        note.save(update_fields=["text", "shared", "updated_by", "updated_at"])
        logger.info(
            "customer note updated",
            extra={"customer_id": customer.pk, "team_id": team.pk, "actor_id": actor.pk if actor else None},
        )
    return note
