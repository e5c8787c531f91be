"""/settings/teams/: admins add, rename and archive teams and set who works them and how work is handed out."""

from __future__ import annotations

from django.contrib import messages as flash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import teams
from accounts.forms import TeamForm, TeamPeopleForm
from accounts.models import Team
from accounts.permissions import admin_required
from accounts.signals import client_address


@admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    rows = Team.objects.select_related("default_calendar").prefetch_related("members", "supervisors")
    return render(request, "accounts/team_list.html", {"teams": rows})


@admin_required
def team_add(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.create_team(actor=request.user, ip_address=client_address(request), **form.cleaned_data)
        except teams.TeamError as error:
            form.add_error("name", str(error))
        else:
            flash.success(request, f"Added team {team.name}. Now choose its members.")
            return redirect("accounts:team", team_id=team.pk)
    return render(request, "accounts/team_form.html", {"form": form, "people_form": None, "team": None})


@admin_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    data = request.POST or None
    form = TeamForm(data, instance=Team.objects.get(pk=team.pk))
    people_form = TeamPeopleForm(
        data, team=team, initial={"members": list(team.members.all()), "supervisors": list(team.supervisors.all())}
    )
    if request.method == "POST" and form.is_valid() and people_form.is_valid():
        try:
            with transaction.atomic():
                teams.update_team(
                    actor=request.user,
                    team=team,
                    members=people_form.cleaned_data["members"],
                    supervisors=people_form.cleaned_data["supervisors"],
                    capacities=people_form.capacities(),
                    ip_address=client_address(request),
                    **form.cleaned_data,
                )
        except teams.TeamError as error:
            form.add_error("name", str(error))
        else:
            flash.success(request, f"Saved {team.name}.")
            return redirect("accounts:team", team_id=team.pk)
    return render(request, "accounts/team_form.html", {"form": form, "people_form": people_form, "team": team})


@admin_required
@require_POST
def team_archive(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    live = team.channels.filter(enabled=True).values_list("name", flat=True)
    try:
        teams.archive_team(actor=request.user, team=team, live_channels=live, ip_address=client_address(request))
    except teams.TeamError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, f"Archived {team.name}. Its conversations and history are kept.")
    return redirect("accounts:team", team_id=team.pk)


@admin_required
@require_POST
def team_restore(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    teams.restore_team(actor=request.user, team=team, ip_address=client_address(request))
    flash.success(request, f"Restored {team.name}.")
    return redirect("accounts:team", team_id=team.pk)
