"""The customer page, a team's note on a customer, and merging two customers (confirm, then do).

Thin: what a user may see or change is decided in inbox.selectors (customer_for_user: 404 for a
customer none of whose conversations they see) and inbox.customer_selectors (whose notes, and
may_change_customer for merging); writes go through inbox.actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import agent_required
from inbox import actions, customer_selectors, selectors
from inbox.forms import CustomerNoteForm, MergeForm
from inbox.models import Customer

CANNOT_MERGE = "Only someone who sees all of both customers' conversations can merge them."


@agent_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    if customer.pk != customer_id:
        return redirect("inbox:customer", customer_id=customer.pk)  # merged away: its survivor
    context: dict[str, Any] = {
        "customer": customer,
        "identities": selectors.customer_identities(customer=customer),
        "conversations": selectors.customer_conversations(user=request.user, customer=customer),
        "notes": customer_selectors.notes_for_user(user=request.user, customer=customer),
        "may_merge": customer_selectors.may_change_customer(user=request.user, customer=customer),
        "cannot_merge": CANNOT_MERGE,
        "duplicates": selectors.suggested_duplicates(user=request.user, customer=customer),
        "merge_form": MergeForm(),
    }
    return render(request, "inbox/customer.html", context)


@agent_required
@require_POST
def customer_notes(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    form = CustomerNoteForm(request.POST)
    teams = {t.pk: t for t in customer_selectors.note_teams(user=request.user, customer=customer)}
    if not form.is_valid() or form.cleaned_data["team"] not in teams:
        raise PermissionDenied("You can only write your own team's note.")
    team = teams[form.cleaned_data["team"]]
    actions.update_customer_note(
        customer=customer, team=team, text=form.cleaned_data["text"], shared=form.cleaned_data["shared"], actor=request.user
    )
    flash.success(request, f"{team}'s note saved.")
    return redirect("inbox:customer", customer_id=customer.pk)


def _pair(request: HttpRequest, customer_id: int, form: MergeForm) -> tuple[Customer, Customer]:
    """(kept, merged away) as the form says; both must be wholly visible to the user."""
    customer = selectors.customer_for_user(user=request.user, customer_id=customer_id)
    other = selectors.customer_for_user(user=request.user, customer_id=form.cleaned_data["other"])
    for one in (customer, other):
        if not customer_selectors.may_change_customer(user=request.user, customer=one):
            raise PermissionDenied(CANNOT_MERGE)
    return (customer, other) if form.cleaned_data["keep"] == "this" else (other, customer)


@agent_required
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: what merging would keep and move, to confirm. POST: merge."""
    form = MergeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        flash.error(request, "Give the number of the other customer.")
        return redirect("inbox:customer", customer_id=customer_id)
    kept, merged = _pair(request, customer_id, form)
    if kept.pk == merged.pk:
        flash.error(request, "A customer cannot be merged into itself.")
        return redirect("inbox:customer", customer_id=kept.pk)
    preview = customer_selectors.merge_preview(user=request.user, kept=kept, merged=merged)
    if request.method == "GET":
        swap = reverse("inbox:customer_merge", args=[kept.pk]) + f"?other={merged.pk}&keep=other"
        return render(request, "inbox/customer_merge.html", {"preview": preview, "swap_url": swap})
    try:
        actions.merge_customers(source=merged, target=kept, actor=request.user)
    except actions.ActionError as error:
        flash.error(request, str(error))
        return redirect("inbox:customer", customer_id=kept.pk)
    merged_label = customer_selectors.customer_label(merged, kept)
    kept_label = customer_selectors.customer_label(kept, merged)
    flash.success(request, f"Merged {merged_label} into {kept_label}.")
    return redirect("inbox:customer", customer_id=kept.pk)
