"""The audit log: the one function every settings change and admin action calls, and its reading.

record() is called by the named actions (accounts.users, inbox.actions, sla, channels_app) with the
values before and after; it keeps only what changed, masks anything secret, and never raises for
a value it cannot store as JSON (it stores its text instead). accounts is the bottom layer, so every
app may call it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from accounts import spreadsheets
from accounts.models import AuditEntry, User

logger = logging.getLogger(__name__)

MASK = "••••••"
SECRET_WORDS = ("password", "secret", "token", "key", "credential")


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a value as an admin would read it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): (MASK if is_secret(str(k)) and v else _plain(v)) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


def _masked(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: (MASK if is_secret(name) and value else _plain(value)) for name, value in values.items()}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on both sides (a changed secret shows as changed, masked)."""
    # Compared unmasked, so a changed secret counts as a change (and is then shown masked).
    names = [n for n in {**before, **after} if before.get(n) != after.get(n)]
    return (
        _masked({n: before.get(n) for n in names if n in before}),
        _masked({n: after.get(n) for n in names if n in after}),
    )


def record(
    kind: str,
    *,
    actor: User | None,
    target: models.Model | None = None,
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    ip_address: str = "",
    changes_only: bool = True,
) -> AuditEntry:
    """Write one audit entry. kind reads "<thing>.<what happened>", e.g. "team.updated"."""
    before, after = dict(before or {}), dict(after or {})
    if changes_only and before and after:
        before, after = diff(before, after)
    else:
        before, after = _masked(before), _masked(after)
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    entry = AuditEntry.objects.create(
        kind=kind,
        actor=actor_obj,
        actor_name=actor_obj.get_username() if actor_obj else "",
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:255],
        before=before,
        after=after,
        ip_address=ip_address[:64],
        created_at=timezone.now(),
    )
    logger.info("audit", extra={"kind": kind, "actor_id": actor_obj.pk if actor_obj else None, "entry_id": entry.pk})
    return entry


def save_form(
    form: Any, *, thing: str, state: Callable[[models.Model], dict[str, Any]], actor: User | None, ip_address: str = ""
) -> models.Model:
    """Save a model form and record it as "<thing>.created" or "<thing>.updated", with state() of the
    row before (read from the database, not the form's already-changed instance) and after. The
    caller holds the transaction, so whatever else the save starts commits with its entry."""
    before = state(type(form.instance).objects.get(pk=form.instance.pk)) if form.instance.pk else {}
    saved = form.save()
    record(
        f"{thing}.updated" if before else f"{thing}.created",
        actor=actor,
        target=saved,
        before=before,
        after=state(saved),
        ip_address=ip_address,
    )
    return saved


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row as record() takes them; many-to-many fields as sorted names."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(str(o) for o in getattr(instance, name).all()) if instance.pk else []
        else:
            values[name] = getattr(instance, name)
    return values


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None


def entries(f: AuditFilter) -> QuerySet[AuditEntry]:
    rows = AuditEntry.objects.select_related("actor")
    if f.actor_id:
        rows = rows.filter(actor_id=f.actor_id)
    if f.kind:
        # A kind's prefix matches its family: "user" finds user.created, user.deactivated, ...
        rows = rows.filter(models.Q(kind=f.kind) | models.Q(kind__startswith=f"{f.kind}."))
    zone = timezone.get_current_timezone()
    if f.since:
        rows = rows.filter(created_at__gte=datetime.combine(f.since, time.min, tzinfo=zone))
    if f.until:
        rows = rows.filter(created_at__lt=datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=zone))
    return rows


def kinds() -> list[str]:
    """The families present in the log, for the filter's choices."""
    families = {k.split(".")[0] for k in AuditEntry.objects.values_list("kind", flat=True).distinct()}
    return sorted(families)


def csv_rows(rows: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = spreadsheets.line_writer()
    yield writer.writerow(["when (UTC)", "who", "kind", "what", "before", "after", "address"])
    for e in rows.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                spreadsheets.cell(e.created_at.astimezone(UTC).isoformat()),
                spreadsheets.cell(e.actor_name),
                spreadsheets.cell(e.kind),
                spreadsheets.cell(e.target_label),
                spreadsheets.cell(json.dumps(e.before, ensure_ascii=False, sort_keys=True) if e.before else ""),
                spreadsheets.cell(json.dumps(e.after, ensure_ascii=False, sort_keys=True) if e.after else ""),
                spreadsheets.cell(e.ip_address),
            ]
        )
