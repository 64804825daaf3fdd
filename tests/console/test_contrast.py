"""The console's colours meet WCAG AA: every text colour on its background has a contrast ratio
of at least 4.5:1 (the stylesheet's own values, computed as WCAG 2.1 defines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = (
    Path(__file__).resolve().parents[2] / "src/mlprep/api/static/console/console.css"
).read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", STYLESHEET))
WHITE = "#ffffff"
# (text, background) as the stylesheet pairs them.
PAIRS = [
    (VARIABLES["ink"], VARIABLES["paper"]),
    (VARIABLES["ink"], VARIABLES["panel"]),
    (VARIABLES["muted"], VARIABLES["paper"]),
    (VARIABLES["accent"], VARIABLES["paper"]),
    (WHITE, VARIABLES["accent"]),
    (WHITE, VARIABLES["bad"]),
    (VARIABLES["ok"], VARIABLES["ok-bg"]),
    (VARIABLES["bad"], VARIABLES["bad-bg"]),
    ("#5c3c00", VARIABLES["warn-bg"]),  # the "Simulated instrument" banner
    ("#0a4a8c", "#e2ecf8"),  # a running run's badge
    ("#3d444d", "#d0d5db"),  # a disabled button
]


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(text: str, background: str) -> float:
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_is_readable_on_its_background(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5, (text, background)


def test_every_pair_appears_in_the_stylesheet() -> None:
    for text, background in PAIRS:
        assert text in STYLESHEET.lower() or text == WHITE
        assert background in STYLESHEET.lower()
