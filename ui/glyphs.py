"""Glyph outlines for the explorer's exported SVG, so that it shows Chinese on a machine without a CJK font.

    from ui.glyphs import glyph_outlines
    g = glyph_outlines("猫追老鼠 The cat")
    g["units_per_em"]                 # 1000
    g["glyphs"]["猫"]                  # {"d": "M...Z", "advance": 1000}  SVG path in font units, y pointing up

The exported map's text (labels, title, legend) is drawn as <path>s in the browser
(ui/static/attention_explorer.js): each character at font size f becomes

    <path d="..." transform="translate(x, y) scale(f / units_per_em, −f / units_per_em)"/>

and x advances by advance · f / units_per_em. The outlines are read with fontTools from Noto Sans CJK SC,
the font the page itself uses (Debian's fonts-noto-cjk, packages.txt on Spaces; DAWN_CJK_FONT points
elsewhere). Only the characters asked for are sent.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",    # Debian / Ubuntu fonts-noto-cjk
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",          # Arch, Fedora
              "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"   # the face inside the collection (the page's first font choice)
MAX_CHARS = 512               # distinct characters per request


@lru_cache(maxsize=1)
def _font():
    """(glyph set, cmap, units per em) of Noto Sans CJK SC, loaded once; ValueError when it is not installed."""
    from fontTools.ttLib import TTCollection, TTFont

    wanted = os.environ.get("DAWN_CJK_FONT")
    path = next((p for p in ([wanted] if wanted else FONT_FILES) if p and Path(p).is_file()), None)
    if path is None:
        raise ValueError("no CJK font to draw the export's text with (install fonts-noto-cjk, or set DAWN_CJK_FONT)")
    if path.endswith(".ttc"):
        fonts = TTCollection(path, lazy=True).fonts
        font = next((f for f in fonts if f["name"].getDebugName(1) == FAMILY), fonts[0])
    else:
        font = TTFont(path, lazy=True)
    return font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


def glyph_outlines(text: str) -> dict:
    """{"units_per_em", "glyphs": {char: {"d", "advance"}}} for every distinct character of `text` that the
    font has (at most MAX_CHARS of them); a character it lacks is left out (the export keeps it as text)."""
    from fontTools.pens.svgPathPen import SVGPathPen

    if not isinstance(text, str):
        raise ValueError("glyph_outlines takes a string")
    glyph_set, cmap, upm = _font()
    glyphs = {}
    for ch in dict.fromkeys(text):                                  # distinct, in order
        if len(glyphs) >= MAX_CHARS:
            break
        name = cmap.get(ord(ch))
        if name is None:
            continue
        pen = SVGPathPen(glyph_set)
        glyph_set[name].draw(pen)
        glyphs[ch] = {"d": pen.getCommands(), "advance": glyph_set[name].width}
    return {"units_per_em": upm, "glyphs": glyphs}
