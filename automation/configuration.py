"""Writes to the rules settings, each in the audit log: rules saved or deleted, complaint phrases
added or removed, a channel's acknowledgement saved. (They decide priorities, who is told and what
customers are sent, so who changed them, and from what, matters.)"""

from __future__ import annotations

from django.db import transaction

from accounts import audit
from accounts.models import User
from automation.forms import AcknowledgementForm, PhraseForm, RuleForm
from automation.models import Acknowledgement, ComplaintPhrase, Rule

RULE_FIELDS = RuleForm.Meta.fields
ACK_FIELDS = AcknowledgementForm.Meta.fields


def save_rule(*, form: RuleForm, actor: User | None, ip_address: str = "") -> Rule:
    with transaction.atomic():
        return audit.save_form(
            form, thing="rule", state=lambda r: audit.snapshot(r, RULE_FIELDS), actor=actor, ip_address=ip_address
        )


def delete_rule(*, rule: Rule, actor: User | None, ip_address: str = "") -> None:
    with transaction.atomic():
        before = audit.snapshot(rule, RULE_FIELDS)
        audit.record("rule.deleted", actor=actor, target=rule, before=before, changes_only=False, ip_address=ip_address)
        rule.delete()


def add_phrase(*, form: PhraseForm, actor: User | None, ip_address: str = "") -> ComplaintPhrase:
    """Raises IntegrityError when the phrase is already in the list."""
    with transaction.atomic():
        phrase = form.save()
        after = {"phrase": phrase.phrase, "language": phrase.language}
        audit.record("complaint_phrase.added", actor=actor, target=phrase, after=after, ip_address=ip_address)
    return phrase


def delete_phrase(*, phrase: ComplaintPhrase, actor: User | None, ip_address: str = "") -> None:
    with transaction.atomic():
        before = {"phrase": phrase.phrase, "language": phrase.language}
        audit.record(
            "complaint_phrase.removed", actor=actor, target=phrase, before=before, changes_only=False, ip_address=ip_address
        )
        phrase.delete()


def save_acknowledgement(*, form: AcknowledgementForm, actor: User | None, ip_address: str = "") -> Acknowledgement:
    before = audit.snapshot(Acknowledgement.objects.get(pk=form.instance.pk), ACK_FIELDS) if form.instance.pk else {}
    with transaction.atomic():
        saved = form.save()
        audit.record(
            "acknowledgement.updated",
            actor=actor,
            target=saved,
            target_label=f"Acknowledgement on {saved.channel.name}",
            before=before,
            after=audit.snapshot(saved, ACK_FIELDS),
            ip_address=ip_address,
        )
    return saved
