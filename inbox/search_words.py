"""What a search query asks for: its words, and the order-like numbers among them.

An order number is written many ways ("#A-10492", "A10492", "order 10492", "Order #10492"); whichever
way the customer wrote it and whichever way the agent types it, the digits are what both share. So a
query that holds an order-like number looks for that number as a whole number (10492 never finds
110492), and its other words ("order", "#") only rank.
"""

from __future__ import annotations

import re

# A term that is an order reference: a short letter prefix at most ("a-", "ord"), then 3 or more digits.
_ORDER_LIKE = re.compile(r"[a-z]{0,3}[-/]?([0-9]{3,})")
_DIGITS = re.compile(r"([0-9]+)")


def terms(query: str) -> list[str]:
    """The words of a query, lowercased, a leading @ dropped: "#48213" and "order 48213" both hold 48213."""
    found = re.findall(r"[\w@.+-]+", query.lower())
    return [t.strip("@") or t for t in found if len(t.strip("@.+-")) >= 1]


def order_numbers(words: list[str]) -> list[str]:
    """The order-like numbers among the words, digits only, in order."""
    numbers = []
    for word in words:
        match = _ORDER_LIKE.fullmatch(word.strip("#.-"))
        if match and match.group(1) not in numbers:
            numbers.append(match.group(1))
    return numbers


def full_text_words(text: str) -> str:
    """The text as the words index splits it: digits cut apart from the letters and signs around them
    (the same regexp_replace as the search_vector column, inbox/migrations/0015_search_numbers_and_scope.py)."""
    return _DIGITS.sub(r" \1 ", text)


def whole_number(number: str) -> str:
    """A regular expression (PostgreSQL's and Python's alike) for the number not inside a longer one."""
    return rf"(^|[^0-9]){number}([^0-9]|$)"
