"""Does a rule's "if" hold, and why: each set condition either fails or adds its reason."""

from __future__ import annotations

from automation.complaint import fold
from automation.facts import Facts, short_count
from automation.models import ComplaintCondition, Hours, Rule, YesNo


def evaluate(rule: Rule, facts: Facts) -> tuple[list[str], list[str]] | None:
    """None when a condition fails; else (long reasons, short reasons) for the timeline and the queue.

    Only conditions that say something about this conversation give a reason: "complaint, 48,200
    followers" in the timeline, "complaint · 48k followers" on the queue row.
    """
    c = facts.conversation
    long: list[str] = []
    short: list[str] = []
    if rule.channel_id and c.channel_id != rule.channel_id:
        return None
    if rule.channel_kind and c.channel.flavor != rule.channel_kind:
        return None
    if rule.visibility and c.visibility != rule.visibility:
        return None
    if rule.team_id and c.team_id != rule.team_id:
        return None
    if rule.priority and c.priority != rule.priority:
        return None
    if rule.tag_id and rule.tag_id not in facts.tag_ids:
        return None
    if rule.hours:
        if facts.open_now is None or facts.open_now != (rule.hours == Hours.INSIDE):
            return None
        if rule.hours == Hours.OUTSIDE:
            long.append("outside opening hours")
            short.append("out of hours")
    if rule.text_contains:
        found = _contains(facts.text, rule.text_contains)
        if found is None:
            return None
        long.append(f'mentions "{found}"')
        short.append(found)
    if rule.complaint:
        wanted = rule.complaint
        if wanted == ComplaintCondition.NO:
            if facts.complaint:
                return None
        elif not facts.complaint or (wanted == ComplaintCondition.FIRST and not facts.first_complaint):
            return None
        else:
            long.append(facts.complaint_why)
            short.append(facts.complaint_why)
    if rule.min_reach is not None:
        if facts.reach is None or facts.reach < rule.min_reach:
            return None
        badge = ", verified" if facts.verified else ""
        long.append(f"{facts.reach:,} followers{badge}")
        short.append(f"{short_count(facts.reach)} followers")
    if rule.first_contact:
        if facts.first_contact != (rule.first_contact == YesNo.YES):
            return None
        if facts.first_contact:
            long.append("first contact")
            short.append("first contact")
    return long, short


def _contains(text: str, words: str) -> str | None:
    folded = f" {fold(text)} "
    for word in (w.strip() for w in words.split(",")):
        if word and f" {fold(word)} " in _spaced(folded):
            return word
    return None


def _spaced(folded: str) -> str:
    # Punctuation counts as a word boundary: "refund!" contains "refund".
    return "".join(ch if ch.isalnum() or ch in "'@#" else " " for ch in folded)
