from __future__ import annotations

import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from django import forms

from inbox.models import Priority, Visibility
from sla.models import DAYS, BusinessCalendar, SlaPolicy

_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def parse_day(text: str, day_name: str) -> list[tuple[time, time]]:
    """ "08:00-12:00, 13:00-17:00" -> intervals; "22:00-06:00" runs past midnight, "00:00-00:00" all day."""
    spans: list[tuple[time, time]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _SPAN.match(part)
        if not match:
            raise forms.ValidationError(f"{day_name}: “{part}” is not a time range like 08:00-17:00.")
        try:
            start, end = (time.fromisoformat(v.zfill(5)) for v in match.groups())
        except ValueError as error:
            raise forms.ValidationError(f"{day_name}: “{part}” has a time that does not exist.") from error
        spans.append((start, end))
    _check_overlaps(spans, day_name)
    return spans


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _check_overlaps(spans: list[tuple[time, time]], day_name: str) -> None:
    ranges = []
    for start, end in spans:
        a, b = _minutes(start), _minutes(end)
        ranges.append((a, b if b > a else b + 24 * 60, start, end))
    ranges.sort()
    for (_, b1, s1, e1), (a2, _, s2, e2) in zip(ranges, ranges[1:], strict=False):
        if a2 < b1:
            raise forms.ValidationError(
                f"{day_name}: {s1:%H:%M}–{e1:%H:%M} overlaps {s2:%H:%M}–{e2:%H:%M}. Merge them into one interval."
            )


class CalendarForm(forms.ModelForm):
    closed_dates = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Company closed days, one per line: 2026-12-24 Christmas Eve",
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "timezone", "always_open", "holiday_country", "holiday_subdivision"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        hours = self.instance.weekly_hours if self.instance.pk else {}
        for index, name in enumerate(DAYS):
            initial = ", ".join(f"{a}-{b}" for a, b in hours.get(str(index), []))
            self.fields[f"day_{index}"] = forms.CharField(label=name, required=False, initial=initial)
        if self.instance.pk:
            self.fields["closed_dates"].initial = "\n".join(
                f"{h.date.isoformat()} {h.name}".strip() for h in self.instance.custom_holidays.all()
            )

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(f"“{value}” is not a time zone we know. Use a name like Europe/Stockholm.") from error
        return value

    def clean_holiday_country(self) -> str:
        value = self.cleaned_data["holiday_country"].strip().upper()
        if value and value not in holidays_lib.list_supported_countries():
            raise forms.ValidationError(f"No public holiday list for country code “{value}”.")
        return value

    def clean_closed_dates(self) -> list[tuple[date, str]]:
        rows = []
        for line in filter(None, (line.strip() for line in self.cleaned_data["closed_dates"].splitlines())):
            day, _, name = line.partition(" ")
            try:
                rows.append((date.fromisoformat(day), name.strip()))
            except ValueError as error:
                raise forms.ValidationError(f"“{line}” does not start with a date like 2026-12-24.") from error
        return rows

    def clean(self) -> dict:
        data = super().clean()
        weekly = {}
        for index, name in enumerate(DAYS):
            try:
                spans = parse_day(data.get(f"day_{index}", "") or "", name)
            except forms.ValidationError as error:
                self.add_error(f"day_{index}", error)
                continue
            if spans:
                weekly[str(index)] = [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in spans]
        country, subdivision = data.get("holiday_country"), (data.get("holiday_subdivision") or "").strip()
        if country and subdivision:
            supported = holidays_lib.list_supported_countries().get(country, [])
            if subdivision not in supported:
                self.add_error("holiday_subdivision", f"“{subdivision}” is not a subdivision of {country}.")
        if not data.get("always_open") and not weekly and not self.errors:
            raise forms.ValidationError("Give some opening hours, or tick 24/7.")
        self.weekly_hours = weekly
        return data

    def save(self, commit: bool = True) -> BusinessCalendar:
        calendar = super().save(commit=False)
        calendar.weekly_hours = self.weekly_hours
        calendar.save()
        calendar.custom_holidays.all().delete()
        for day, name in self.cleaned_data["closed_dates"]:
            calendar.custom_holidays.create(date=day, name=name)
        return calendar


class PolicyForm(forms.ModelForm):
    channel_kind = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), ("x", "X"), ("facebook", "Facebook"), ("email", "Email")]
    )
    visibility = forms.ChoiceField(required=False, choices=[("", "Public or private"), *Visibility.choices])
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *Priority.choices])

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "channel_kind",
            "visibility",
            "priority",
            "team",
            "calendar",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "warning_percent",
            "warning_minutes_before",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].empty_label = "The team's default calendar (every hour without one)"
        self.fields["team"].queryset = self.fields["team"].queryset.filter(archived_at__isnull=True)

    def clean(self) -> dict:
        data = super().clean()
        if not any(data.get(k) for k in ("first_response_minutes", "next_response_minutes", "resolution_minutes")):
            raise forms.ValidationError("Set at least one target.")
        percent = data.get("warning_percent")
        if percent is not None and not 1 <= percent <= 99:
            self.add_error("warning_percent", "A warning share is between 1 and 99 percent of the target.")
        return data
