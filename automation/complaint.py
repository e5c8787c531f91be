"""Is this inbound message a complaint? VADER's sentiment score, or a phrase from the admins' list.

VADER reads English (and emoji); for the other languages customers write in, and for complaints
that read calmly ("still waiting for my refund"), the phrase list decides. Phrases match whole
words, ignoring case and accents, so "decu" in a list matches "déçu" in a message and back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Below this compound score the tone alone makes it a complaint. -0.5 keeps mild grumbles ("a bit
# slow today") and questions out; VADER's authors call -0.05 "negative", which is far too eager
# for raising priorities.
NEGATIVE_AT = -0.5


@dataclass(frozen=True)
class Verdict:
    complaint: bool
    sentiment: float
    matched: str = ""  # the phrase that decided, or "" when the tone did (or nothing did)

    @property
    def why(self) -> str:
        if not self.complaint:
            return ""
        return f'complaint ("{self.matched}")' if self.matched else "complaint"


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def fold(text: str) -> str:
    """Lower case without accents: how phrases and messages are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


# VADER scores English words wherever they appear: the German article "die" reads as death. So the
# tone counts only for text that reads as English by its commonest little words.
_FUNCTION_WORDS = {
    "en": {"the", "is", "and", "my", "you", "your", "it", "to", "of", "i", "not", "this", "for", "with", "have"},
    "es": {"el", "la", "los", "las", "es", "y", "mi", "tu", "de", "que", "no", "por", "con", "una", "un", "para"},
    "de": {"der", "die", "das", "ist", "und", "mein", "meine", "sie", "ich", "nicht", "mit", "ein", "eine", "zu"},
    "fr": {"le", "la", "les", "est", "et", "mon", "ma", "vous", "je", "pas", "de", "un", "une", "pour", "avec"},
    "sv": {"det", "är", "och", "min", "mitt", "du", "jag", "inte", "en", "ett", "för", "med", "på", "att", "har"},
}
_WORD = re.compile(r"[^\W\d_]+")


def reads_as_english(text: str) -> bool:
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(w in vocabulary for w in words) for lang, vocabulary in _FUNCTION_WORDS.items()}
    best_other = max(v for k, v in scores.items() if k != "en")
    return scores["en"] >= best_other


@lru_cache(maxsize=64)
def _pattern(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    originals = {fold(p).strip(): p.strip() for p in phrases if p.strip()}
    if not originals:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(originals, key=len, reverse=True))
    return re.compile(r"(?<!\w)(" + alternatives + r")(?!\w)"), originals


def detect(text: str, *, phrases: Iterable[str]) -> Verdict:
    text = text or ""
    sentiment = float(_analyzer().polarity_scores(text)["compound"]) if reads_as_english(text) else 0.0
    found = _pattern(tuple(sorted(phrases)))
    match = found[0].search(fold(text)) if found else None
    if match and found:
        return Verdict(complaint=True, sentiment=sentiment, matched=found[1].get(match.group(1), match.group(1)))
    return Verdict(complaint=sentiment <= NEGATIVE_AT, sentiment=sentiment)
