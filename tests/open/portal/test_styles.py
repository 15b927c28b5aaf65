"""The portal's stylesheets, read without a browser: every pair of text and background colours the palette of the
hub's base stylesheet gives has a contrast of at least 4.5:1 (WCAG 2.x, success criterion 1.4.3, with its
relative-luminance formula written out here), every element that takes focus shows a ring, and no font or file is
fetched from elsewhere (the hub runs offline). The console loads the same base stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BASE = REPO / "libs/hub/web/base.css"
STYLESHEETS = [
    BASE,
    REPO / "open-svc/open_svc/portal/static/portal.css",
    REPO / "gateway/gateway/console/static/console.css",
]
WHITE = "#ffffff"
# (text, background) as the stylesheet combines them: body text, hints and links on the page and on panels, the
# header, buttons (and their hover), the badges and the results of the page's forms.
PAIRS = [
    ("--text", WHITE), ("--text", "--panel"), ("--muted", WHITE), ("--muted", "--panel"),
    ("--link", WHITE), ("--link", "--panel"), ("--link-visited", WHITE), ("--link-visited", "--panel"),
    ("--on-brand", "--brand"), (WHITE, "--link"), (WHITE, "--brand"), ("--link", WHITE),
    ("--ok", "--ok-bg"), ("--warn", "--warn-bg"), ("--error", "--error-bg"),
]  # fmt: skip


def palette() -> dict[str, str]:
    css = BASE.read_text(encoding="utf-8")
    root = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert root is not None
    return dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-fA-F]{6});", root.group(1)))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_gives_wcags_own_figures() -> None:
    assert round(contrast("#000000", WHITE), 1) == 21.0
    assert round(contrast("#767676", WHITE), 2) == 4.54  # the lightest grey WCAG's examples pass on white


def test_every_text_colour_on_its_background_has_a_contrast_of_at_least_4_5_to_1() -> None:
    colours = palette()
    resolved = [(colours.get(fg, fg), colours.get(bg, bg)) for fg, bg in PAIRS]
    assert [c for pair in resolved for c in pair if not c.startswith("#")] == []
    low = {f"{fg} on {bg}": round(contrast(*pair), 2) for (fg, bg), pair in zip(PAIRS, resolved, strict=True)
           if contrast(*pair) < 4.5}  # fmt: skip
    assert low == {}


def test_focus_is_always_visible_and_nothing_is_fetched_from_elsewhere() -> None:
    assert re.search(r":focus-visible\s*\{\s*outline:\s*3px solid var\(--focus\)", BASE.read_text(encoding="utf-8"))
    for stylesheet in STYLESHEETS:
        css = stylesheet.read_text(encoding="utf-8")
        # Only the targets the page moves focus to itself (the skip link's, the console's view heading) lose the ring.
        kept = css.replace("main:focus { outline: none; }", "").replace("h1:focus { outline: none; }", "")
        assert "outline: none" not in kept, stylesheet.name
        assert not re.search(r"@import|@font-face|url\(", css), stylesheet.name
