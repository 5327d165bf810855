"""Chinese and emoji in the panel render as glyphs, never as boxes (Debian's fonts-noto-cjk and
fonts-noto-color-emoji, installed by .ci/run beside chromium).

Each character is drawn on a canvas in the panel's own font stack and compared with the
missing-glyph box (an unassigned code point, which no font has): a box, an empty drawing, a
narrow one (Chinese is full width) or two different characters drawn alike all mean boxes. A
second Chromium limited to a Latin font shows that this check does see boxes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.panel_harness import (  # noqa: F401  (fixtures)
    PanelServer,
    browser,
    chromium_path,
    launch,
    playwright_instance,
    server,
)

SAMPLE = "回复助手這事"  # Simplified and Traditional characters, as the panel shows them
EMOJI = "👍"  # the feedback buttons
NO_GLYPH = "\u0378"  # unassigned in Unicode: drawn as the missing-glyph box
LATIN_ONLY = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]

_DRAW = r"""
(chars) => {
  const size = 40;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const family = getComputedStyle(document.body).fontFamily;
  const out = {};
  for (const ch of chars) {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = `${size}px ${family}`;
    ctx.textBaseline = "top";
    ctx.fillStyle = "#000";
    ctx.fillText(ch, 4, 4);
    const d = ctx.getImageData(0, 0, 64, 64).data;
    let ink = 0, colour = 0, shape = "";
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) ink++;
      if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) colour++;
      shape += d[i + 3] > 127 ? "1" : "0";
    }
    out[ch] = { width: ctx.measureText(ch).width / size, ink, colour, shape };
  }
  return out;
}
"""


def _drawn(page) -> dict[str, dict[str, object]]:  # noqa: ANN001
    return page.evaluate(_DRAW, [*SAMPLE, EMOJI, NO_GLYPH])


def _boxes(drawn: dict[str, dict[str, object]]) -> list[str]:
    """The sample characters drawn as boxes (or not drawn at all)."""
    box = drawn[NO_GLYPH]["shape"]
    shapes = [drawn[c]["shape"] for c in SAMPLE]
    return [
        c for c in SAMPLE
        if drawn[c]["shape"] == box or drawn[c]["ink"] == 0 or float(drawn[c]["width"]) < 0.9  # type: ignore[arg-type]
        or shapes.count(drawn[c]["shape"]) > 1
    ]


def _emoji_in_colour(drawn: dict[str, dict[str, object]]) -> bool:
    return drawn[EMOJI]["shape"] != drawn[NO_GLYPH]["shape"] and int(drawn[EMOJI]["colour"]) > 0  # type: ignore[arg-type]


def test_chinese_and_emoji_render_as_glyphs_not_boxes(browser, server: PanelServer) -> None:  # noqa: ANN001
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/panel")
        drawn = _drawn(page)
        assert _boxes(drawn) == [], "Chinese renders as boxes: apt-get install fonts-noto-cjk (see .ci/run)"
        assert _emoji_in_colour(drawn), "emoji render as boxes: apt-get install fonts-noto-color-emoji (see .ci/run)"
    finally:
        page.close()


def test_the_check_sees_boxes_when_no_cjk_font_is_there(
    playwright_instance, chromium_path: Path, server: PanelServer, tmp_path: Path  # noqa: ANN001
) -> None:
    dirs = [d for d in LATIN_ONLY if d.is_dir()]
    if not dirs:
        pytest.skip("no Latin-only font folder to limit Chromium to")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        + "".join(f"<dir>{d}</dir>" for d in dirs)
        + f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    latin = launch(playwright_instance, chromium_path, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    try:
        page = latin.new_page()
        page.goto(f"{server.url}/panel")
        drawn = _drawn(page)
        assert _boxes(drawn) == list(SAMPLE)
        assert not _emoji_in_colour(drawn)
    finally:
        latin.close()
