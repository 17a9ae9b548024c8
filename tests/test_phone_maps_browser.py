"""The maps and the whiteboard on a phone (390×844), in the real page: the attention maps read in the phone's
width ("top characters": each English word over the characters it looked at most), with the full map a tap
away; everything a finger taps is at least 24 px; a tapped word's alternatives appear under it, on screen;
what is not the picture waits behind "More" buttons that say whether they are open (aria-expanded); the n²
bill fits or says it scrolls; and the page with every section open is at most 12 screens long.
A desktop keeps the full map.

Uses the browser and app fixtures of tests/test_browser.py (Chromium at /usr/bin/chromium, the app on loopback)."""

from __future__ import annotations

import re

import pytest
from test_browser import DESKTOP, PHONE, WAIT_MS, browser, needs_chromium, open_page, open_section  # noqa: F401  (fixtures)

EXPLORERS = ("#explorer-lstm", "#explorer-lstm_attention", "#explorer-transformer", "#explorer-transformer-encoder")
MAX_SCREENS = 12

# Every visible thing a finger can tap inside the explorers and the whiteboard's own views, narrower or lower than
# 24 CSS px (WCAG 2.2's minimum target size). Inline links in prose are not targets of this kind.
SMALL_TARGETS_JS = """(roots) => {
  const bad = [];
  for (const sel of roots) for (const root of document.querySelectorAll(sel)) {
    for (const el of root.querySelectorAll('button, input, select, [tabindex="0"], .ax-tok, .ax-line, li[tabindex]')) {
      if (!el.getClientRects().length) continue;                       // not shown
      const target = el.matches('input[type=checkbox], input[type=radio]') && el.closest('label') || el;
      const r = target.getBoundingClientRect();
      if (r.width < 24 || r.height < 24) bad.push(`${sel} ${el.tagName}.${el.className} “${(el.textContent || el.value || '').trim().slice(0, 12)}” ${r.width.toFixed(0)}×${r.height.toFixed(0)}`);
    }
  }
  return bad.slice(0, 12);
}"""

# How tall each section and explorer is, and the whole page.
HEIGHTS_JS = """() => {
  const h = (sel) => { const e = document.querySelector(sel); return e ? Math.round(e.getBoundingClientRect().height) : null; };
  return {page: document.scrollingElement.scrollHeight, step1: h('#step1'), step2: h('#step2'), step3: h('#step3'),
          step4: h('#step4'), lstm: h('#explorer-lstm'), lstm_attention: h('#explorer-lstm_attention'),
          transformer: h('#explorer-transformer'), encoder: h('#explorer-transformer-encoder'), whiteboard: h('#whiteboard')};
}"""


def _open_all(page) -> None:
    for n in (1, 2, 3, 4):
        open_section(page, n)
    for sel in EXPLORERS:
        page.locator(f"{sel} .ax-map").first.wait_for(timeout=WAIT_MS)


@needs_chromium
def test_the_phone_map_fits_and_the_full_map_is_a_tap_away(open_page):
    page = open_page(PHONE, touch=True)
    _open_all(page)
    for sel in EXPLORERS:
        ax = page.locator(sel)
        lines = ax.locator(".ax-lines").first
        assert lines.is_visible(), sel
        box = lines.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (sel, box)
        chips = lines.locator(".ax-line")
        assert chips.count() == ax.locator(".ax-full svg.ax-map text.ax-row").first.evaluate(
            "t => t.closest('svg').querySelectorAll('text.ax-row').length")       # one button per row of the map
        widths = chips.evaluate_all("l => l.map(b => b.getBoundingClientRect().right)")
        assert max(widths) <= PHONE["width"], sel                                 # nothing to scroll sideways
        assert ax.locator("svg.ax-map").first.is_hidden()                         # the full map: behind its button
        assert not ax.locator(".ax-scroll-hint").first.is_visible()
        assert ax.locator(".ax-full-toggle").get_attribute("aria-expanded") == "false"
    # each word lists 1-3 characters, text large enough to read
    chars = page.locator("#explorer-lstm_attention .ax-attention .ax-line").nth(3).locator(".ax-line-char")
    assert 1 <= chars.count() <= 3
    assert chars.first.evaluate("c => parseFloat(getComputedStyle(c).fontSize)") >= 12
    # the full map stays available: one tap, and it is there (wider than the phone, so it says it scrolls)
    ax = page.locator("#explorer-transformer")
    ax.locator(".ax-full-toggle").click()
    assert ax.locator(".ax-full-toggle").get_attribute("aria-expanded") == "true"
    assert ax.locator(".ax-attention svg.ax-map").is_visible()
    assert ax.locator(".ax-attention .ax-scroll-hint").is_visible()
    assert ax.locator(".ax-tgt").is_visible()                                   # the English strip comes with it


@needs_chromium
def test_everything_tappable_is_at_least_24_px(open_page):
    page = open_page(PHONE, touch=True)
    _open_all(page)
    roots = [*EXPLORERS, "#whiteboard .wb-html"]
    assert page.evaluate(SMALL_TARGETS_JS, roots) == []
    # and with every "More" panel open (their sliders, lists and buttons)
    for button in page.locator(".ax-more-btn, .wb-more-btn").all():
        button.click()
    assert page.evaluate(SMALL_TARGETS_JS, roots) == []


@needs_chromium
def test_a_tapped_word_shows_its_alternatives_under_it_on_screen(open_page):
    page = open_page(PHONE, touch=True)
    open_section(page, 2)
    ax = page.locator("#explorer-lstm_attention")
    chips = ax.locator(".ax-attention .ax-line")
    for k in (chips.count() - 2, 1):                       # a word near the end, then one near the start
        chip = chips.nth(k)
        chip.scroll_into_view_if_needed()
        chip.tap()
        alts = ax.locator(".ax-altlist")
        alts.wait_for(timeout=WAIT_MS)
        a, c = alts.bounding_box(), chip.bounding_box()
        assert 0 <= a["y"] and a["y"] + a["height"] <= PHONE["height"], (k, a)  # on screen, no scrolling needed
        assert c["y"] + c["height"] <= a["y"] <= c["y"] + c["height"] + 120, (k, c, a)  # directly under the word
        assert chip.get_attribute("aria-pressed") == "true"
        word = chip.locator(".ax-line-word").text_content()
        # the alternatives are those of the word's first piece ("fore" of "forecast"): its beginning
        wrote = re.search(r"“(.+?)”", ax.locator(".ax-alts h4").text_content()).group(1).strip()
        assert word.split()[0].startswith(wrote) or word == "⏎", (word, wrote)
    # with the full map open, a token of the English strip: the alternatives under the strip, on screen
    ax.locator(".ax-full-toggle").click()
    tok = ax.locator(".ax-tgt .ax-tok").nth(5)
    tok.scroll_into_view_if_needed()
    tok.tap()
    a = ax.locator(".ax-altlist").bounding_box()
    assert 0 <= a["y"] and a["y"] + a["height"] <= PHONE["height"], a


@needs_chromium
def test_more_panels_are_closed_disclosures_on_a_phone(open_page):
    page = open_page(PHONE, touch=True)
    open_section(page, 2)
    open_section(page, 4)
    ax = page.locator("#explorer-lstm_attention")
    buttons = ax.locator(".ax-more-btn")
    keys = buttons.evaluate_all("l => l.map(b => b.dataset.more)")
    assert {"influence", "coverage", "whatif", "export"} <= set(keys), keys
    panels = lambda b: [page.locator(f"[id='{pid}']") for pid in b.get_attribute("aria-controls").split()]  # noqa: E731
    for i in range(buttons.count()):              # all closed at first ...
        b = buttons.nth(i)
        assert b.get_attribute("aria-expanded") == "false" and panels(b) and all(p.is_hidden() for p in panels(b))
    for i in range(buttons.count()):              # ... each opens with a tap (the exports sit in both maps)
        b = buttons.nth(i)
        b.click()
        assert b.get_attribute("aria-expanded") == "true" and all(p.is_visible() for p in panels(b)), b.text_content()
    b = ax.locator(".ax-more-btn[data-more='coverage']")
    b.click()                                     # ... and closes with another
    assert b.get_attribute("aria-expanded") == "false" and all(p.is_hidden() for p in panels(b))
    # the whiteboard: the board shows; its other panels wait behind buttons
    assert page.locator("#whiteboard-steps .katex").first.is_visible()
    wb = page.locator(".wb-more-btn")
    assert wb.count() == 5
    for i in range(wb.count()):
        b = wb.nth(i)
        panel = page.locator(f"#{b.get_attribute('aria-controls')}")
        assert b.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    # the n² bill: opened, its words wrap, and where it is still wider than the phone it says so
    bill_button = page.locator(".wb-more-btn[aria-controls='wb-panel-bill']")
    bill_button.click()
    assert bill_button.get_attribute("aria-expanded") == "true"
    table = page.locator("#wb-bill table")
    table.wait_for(timeout=WAIT_MS)
    wide = table.evaluate("t => t.scrollWidth > t.clientWidth + 1")
    assert table.evaluate("t => t.getBoundingClientRect().right") <= PHONE["width"]
    assert page.locator("#wb-bill-hint .wb-scroll-hint").is_visible() == wide
    assert table.evaluate("t => t.scrollWidth") < 900                          # was 1,244 px, every word on one line


@needs_chromium
def test_a_desktop_keeps_the_full_map_and_every_panel(open_page):
    page = open_page(DESKTOP)
    open_section(page, 2)
    ax = page.locator("#explorer-lstm_attention")
    assert ax.locator(".ax-attention svg.ax-map").is_visible() and ax.locator(".ax-lines").first.is_hidden()
    assert ax.locator(".ax-more").is_hidden()
    for sel in (".ax-scrub", ".ax-whatif", ".ax-influence", ".ax-export"):
        assert ax.locator(sel).first.is_visible(), sel


def _heights(open_page) -> dict:
    page = open_page(PHONE, touch=True)
    _open_all(page)
    page.wait_for_timeout(300)
    heights = page.evaluate(HEIGHTS_JS)
    print("phone heights (px):", heights)
    return heights


@needs_chromium
def test_the_explorers_and_the_whiteboard_are_short_on_a_phone(open_page):
    """What this page's maps and whiteboard add with every section open: at most 6 screens together (18,451 px,
    almost 22 screens, when they showed everything at once)."""
    h = _heights(open_page)
    ours = sum(h[k] for k in ("lstm", "lstm_attention", "transformer", "encoder", "whiteboard"))
    assert ours <= 6 * PHONE["height"], h
    for k in ("lstm", "lstm_attention", "transformer", "encoder"):
        assert h[k] <= 1.1 * PHONE["height"], (k, h)                        # each explorer about a screen


@needs_chromium
def test_the_phone_page_with_every_section_open_is_at_most_12_screens(open_page):
    """Every section and ①'s "more" open, at 390×844 in English (the longer language): at most 12 screens
    (24,484 px, 29 screens, before the story page)."""
    h = _heights(open_page)
    assert h["page"] <= MAX_SCREENS * PHONE["height"], h
