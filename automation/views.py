"""Rules settings (admins): the rules, the complaint phrases, and each channel's acknowledgement."""

from __future__ import annotations

from django.contrib import messages as flash
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.signals import client_address
from automation import configuration
from automation.forms import AcknowledgementForm, PhraseForm, RuleForm
from automation.models import Acknowledgement, ComplaintPhrase, Rule
from inbox.models import Channel


@admin_required
def rules_index(request: HttpRequest) -> HttpResponse:
    channels = list(Channel.objects.order_by("name"))
    acks = {a.channel_id: a for a in Acknowledgement.objects.all()}
    return render(
        request,
        "automation/rules.html",
        {
            "rules": Rule.objects.select_related("channel", "team", "tag", "assign_team", "assign_agent", "apply_policy"),
            "phrases": ComplaintPhrase.objects.all(),
            "phrase_form": PhraseForm(),
            "acks": [(c, acks.get(c.pk)) for c in channels],
        },
    )


@admin_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id) if rule_id else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = configuration.save_rule(form=form, actor=request.user, ip_address=client_address(request))
        flash.success(request, f"Saved rule {saved.name}.")
        return redirect("automation:rules")
    return render(request, "automation/rule_form.html", {"form": form, "rule": rule})


@admin_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    configuration.delete_rule(rule=rule, actor=request.user, ip_address=client_address(request))
    flash.success(request, f"Deleted rule {rule.name}.")
    return redirect("automation:rules")


@admin_required
@require_POST
def phrase_add(request: HttpRequest) -> HttpResponse:
    form = PhraseForm(request.POST)
    if form.is_valid():
        try:
            configuration.add_phrase(form=form, actor=request.user, ip_address=client_address(request))
        except IntegrityError:
            flash.error(request, "That phrase is already in the list.")
    else:
        flash.error(request, "A phrase needs some text.")
    return redirect("automation:rules")


@admin_required
@require_POST
def phrase_delete(request: HttpRequest, phrase_id: int) -> HttpResponse:
    phrase = get_object_or_404(ComplaintPhrase, pk=phrase_id)
    configuration.delete_phrase(phrase=phrase, actor=request.user, ip_address=client_address(request))
    return redirect("automation:rules")


@admin_required
def acknowledgement_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    instance = Acknowledgement.objects.filter(channel=channel).first() or Acknowledgement(channel=channel)
    form = AcknowledgementForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        configuration.save_acknowledgement(form=form, actor=request.user, ip_address=client_address(request))
        flash.success(request, f"Saved the acknowledgement for {channel.name}.")
        return redirect("automation:rules")
    return render(request, "automation/acknowledgement_form.html", {"form": form, "channel": channel})
