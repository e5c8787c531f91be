"""Reads about customers across team boundaries: whose notes a user sees, who may change a customer.

A customer who writes to two teams is one record, but each team's knowledge of them is its own:
a user sees the notes of their teams and those another team shared, nothing else. Changing the
customer record itself (merging it) touches every team's conversations, so it is allowed only to a
user who sees all of them (may_change_customer, the one check the views and the merge use).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Role, Team, User
from inbox.models import Conversation, Customer, CustomerNote, Identity
from inbox.selectors import customer_identities, visible_team_ids


@dataclass(frozen=True)
class NoteView:
    team: Team
    text: str
    shared: bool
    editable: bool


def note_teams(*, user: User, customer: Customer) -> list[Team]:
    """The teams a user writes notes for on this customer: theirs that serve the customer."""
    teams = visible_team_ids(user=user)
    serving = Conversation.objects.filter(customer=customer, team_id__in=teams).values_list("team_id", flat=True)
    return list(Team.objects.filter(pk__in=serving).order_by("name"))


def notes_for_user(*, user: User, customer: Customer) -> list[NoteView]:
    """Each note the user may read: their teams' (editable, shown even when still empty) and those shared."""
    writable = note_teams(user=user, customer=customer)
    writable_ids = {t.pk for t in writable}
    mine = {n.team_id: n for n in CustomerNote.objects.filter(customer=customer, team_id__in=writable_ids)}
    shown = [
        NoteView(team=t, text=mine[t.pk].text if t.pk in mine else "", shared=t.pk in mine and mine[t.pk].shared, editable=True)
        for t in writable
    ]
    others = (
        CustomerNote.objects.filter(customer=customer, shared=True)
        .exclude(team_id__in=writable_ids)
        .exclude(text="")
        .select_related("team")
        .order_by("team__name")
    )
    shown += [NoteView(team=n.team, text=n.text, shared=True, editable=False) for n in others]
    return shown


def visible_note_count(*, user: User, customer: Customer) -> int:
    teams = visible_team_ids(user=user)
    return CustomerNote.objects.filter(customer=customer).filter(Q(team_id__in=teams) | Q(shared=True)).exclude(text="").count()


def may_change_customer(*, user: User, customer: Customer) -> bool:
    """Whether the user sees every conversation of the customer, so a change hides nothing from them."""
    if user.role == Role.ADMIN:
        return user.is_active
    teams = visible_team_ids(user=user)
    return not Conversation.objects.filter(customer=customer).exclude(team_id__in=teams).exists()


@dataclass(frozen=True)
class MergePreview:
    kept: Customer
    merged: Customer
    conversations: int
    identities: int
    notes: int
    identities_after: list[Identity]

    @property
    def sentence(self) -> str:
        merged, kept = customer_label(self.merged, self.kept), customer_label(self.kept, self.merged)
        return f"Merge {merged} into {kept}"


def customer_label(customer: Customer, other: Customer) -> str:
    """The customer's name, with its id when the other has the same name (so the sentence is clear)."""
    name = str(customer)
    return f"{name} (#{customer.pk})" if name.lower() == str(other).lower() else name


def merge_preview(*, user: User, kept: Customer, merged: Customer) -> MergePreview:
    """What merging would move: counted as the user sees it (they see all of both customers)."""
    moving = customer_identities(customer=merged)
    return MergePreview(
        kept=kept,
        merged=merged,
        conversations=Conversation.objects.filter(customer=merged).count(),
        identities=len(moving),
        notes=visible_note_count(user=user, customer=merged),
        identities_after=customer_identities(customer=kept) + moving,
    )
