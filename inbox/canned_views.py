"""Canned responses: agents find them from the composer; supervisors and admins keep them."""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import agent_required, supervisor_required
from inbox import actions, selectors
from inbox.forms import CannedResponseForm

_PLACEHOLDER = re.compile(r"\{\{\s*(customer|agent)\.name\s*\}\}")


def fill_placeholders(body: str, *, customer_name: str, agent_name: str) -> str:
    """Plain substitution, not template rendering: a canned text is data, never code."""
    values = {"customer": customer_name, "agent": agent_name}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


@agent_required
def canned_search(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = selectors.conversation_for_user(user=request.user, conversation_id=conversation_id)
    customer_name = conversation.customer.name or conversation.identity.display_name or conversation.identity.handle
    found = [
        {"title": c.title, "text": fill_placeholders(c.body, customer_name=customer_name, agent_name=request.user.display_name)}
        for c in selectors.canned_responses(user=request.user, team_id=conversation.team_id, query=request.GET.get("q", ""))
    ]
    return render(request, "inbox/_canned.html", {"found": found, "query": request.GET.get("q", "")})


@supervisor_required
def canned_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.managed_canned_teams(user=request.user)
    # Only admins keep the responses shared by every team.
    allow_all = request.user.role == Role.ADMIN
    form = CannedResponseForm(request.POST or None, teams=teams, allow_all_teams=allow_all)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.create_canned_response(team=data["team"], title=data["title"], body=data["body"], actor=request.user)
        flash.success(request, "Canned response saved.")
        return redirect("inbox:canned_list")
    items = selectors.managed_canned_responses(teams=teams)
    return render(request, "inbox/canned_list.html", {"form": form, "items": items, "allow_all": allow_all})


@supervisor_required
def canned_edit(request: HttpRequest, canned_id: int) -> HttpResponse:
    teams = selectors.managed_canned_teams(user=request.user)
    allow_all = request.user.role == Role.ADMIN
    canned = selectors.managed_canned_response(canned_id=canned_id, teams=teams, allow_shared=allow_all)
    form = CannedResponseForm(request.POST or None, instance=canned, teams=teams, allow_all_teams=allow_all)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.update_canned_response(
            canned=canned, team=data["team"], title=data["title"], body=data["body"], actor=request.user
        )
        flash.success(request, f"Saved {canned.title}.")
        return redirect("inbox:canned_list")
    return render(request, "inbox/canned_edit.html", {"form": form, "canned": canned})


@supervisor_required
@require_POST
def canned_delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    canned = selectors.managed_canned_response(
        canned_id=canned_id,
        teams=selectors.managed_canned_teams(user=request.user),
        allow_shared=request.user.role == Role.ADMIN,
    )
    actions.delete_canned_response(canned=canned, actor=request.user)
    flash.success(request, f"Deleted {canned.title}. Replies already sent with it are not changed.")
    return redirect("inbox:canned_list")
