"""The design system's colour tokens (static/css/parley.css) meet WCAG AA where they are used.

Pairs are what the stylesheet puts together: every text colour on every background it can sit on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "parley.css"
TEXT = ["fg", "muted", "accent", "accent-hover", "ok", "risk", "breach", "private"]
BACKGROUNDS = ["bg", "surface", "subtle", "selected", "note-bg"]
PAIRS = [(t, b) for t in TEXT for b in BACKGROUNDS] + [
    ("ok", "ok-bg"),
    ("risk", "risk-bg"),
    ("breach", "breach-bg"),
    ("fg", "risk-bg"),
    ("accent-fg", "accent"),
    ("accent-fg", "accent-hover"),
    ("#ffffff", "risk"),
    ("#ffffff", "breach"),
]


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(), re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_checker_agrees_with_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    # The muted grey the issue reported: below AA on the old page background.
    assert contrast("#6b7385", "#f7f8fa") < 4.5


@pytest.mark.parametrize(("text", "background"), PAIRS, ids=lambda v: v)
def test_text_tokens_reach_aa_on_their_backgrounds(text, background):
    tokens = _tokens()
    fg = text if text.startswith("#") else tokens[text]
    assert contrast(fg, tokens[background]) >= 4.5


def test_input_borders_are_visible_against_inputs():
    tokens = _tokens()
    assert contrast(tokens["line-strong"], tokens["surface"]) >= 3.0
