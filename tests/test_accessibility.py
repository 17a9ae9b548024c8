"""Accessibility of the real page: axe-core (bundled by axe-playwright-python) finds no serious or critical
violation at a phone's 390×844 and a desktop's 1400×1000, in both languages, with every section open;
and an error never leaves another sentence's results on screen.

Uses the browser and app fixtures of tests/test_browser.py (Chromium at /usr/bin/chromium, the app on loopback)."""

from __future__ import annotations

import pytest
from test_browser import DESKTOP, PHONE, WAIT_MS, browser, needs_chromium, open_page, open_section  # noqa: F401  (fixtures)

from ui.pipeline import MODEL_NAMES

SERIOUS = ("serious", "critical")

# The explorer's own toggles (its tables): each clicked once (marked), after the sections are open.
OPEN_TOGGLES_JS = """() => {
  let opened = 0;
  document.querySelectorAll('details:not([open])').forEach((d) => { d.open = true; opened++; });
  document.querySelectorAll('.gradio-container button[aria-expanded="false"]:not(.label-wrap)').forEach((b) => {
    if (!b.closest('[role="tablist"]') && !b.dataset.axeOpened) { b.dataset.axeOpened = '1'; b.click(); opened++; } });
  return opened;
}"""


def _open_everything(page) -> None:
    """Open every section and the "more" inside ①, each by waiting for its control and checking its
    aria-expanded (a click lost on a busy machine is tried again: see test_browser.expand), then the toggles;
    tabs are visited by the test."""
    from playwright.sync_api import expect
    for n in (1, 2, 3, 4):
        open_section(page, n)
    page.evaluate(OPEN_TOGGLES_JS)
    # every section has drawn before axe looks (① waits for the clause prefixes the first time it opens)
    for drawn in ("#dawn-report .dawn-report-model, #dawn-report .dawn-caption", "#explorer-lstm_attention .ax-map",
                  "#explorer-transformer .ax svg", "#whiteboard .katex"):
        expect(page.locator(drawn).first).to_be_visible(timeout=WAIT_MS)


def _violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe
    found = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"][:5]]) for v in found
            if v["impact"] in SERIOUS]


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_axe_finds_no_serious_violation(open_page, viewport, lang):
    from playwright.sync_api import expect
    page = open_page(viewport, query=f"?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en", timeout=WAIT_MS)
    _open_everything(page)
    page.wait_for_timeout(500)                # page.js marks wide boxes focusable 300 ms after the last change
    bad = _violations(page)
    tabs = page.locator('.gradio-container [role="tab"]')
    for i in range(tabs.count()):             # sections as tabs: every tab's panel is checked too
        tabs.nth(i).click()
        page.wait_for_timeout(500)
        bad += _violations(page)
    assert not bad, bad


@needs_chromium
def test_axe_would_catch_low_contrast(open_page):
    """The check above can fail: grey-on-white text like the old tagline (1.9:1) is reported as serious."""
    page = open_page(PHONE)
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'faint words';
                             p.style.cssText = 'color:#bbbbc2;background:#fff;font-size:15px';
                             document.querySelector('.gradio-container').prepend(p); }""")
    assert any(v[0] == "color-contrast" for v in _violations(page))


# ----------------------------------------------------------------------------- an error clears the last results

@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_an_error_clears_the_previous_sentence(open_page, viewport):
    from playwright.sync_api import expect
    page = open_page(viewport)
    assert page.locator("#out-transformer textarea").input_value().strip()      # the story, translated
    open_section(page, 3)                                                        # the story's maps, drawn
    page.locator("#source textarea").fill("The cat chases the mouse.")           # no Chinese: refused
    page.locator("#translate-button").click()
    expect(page.locator("#note textarea")).to_have_value("There is no Chinese character in the source; "
                                                         "the models only learned Chinese→English.", timeout=WAIT_MS)
    for name in MODEL_NAMES:                   # nothing of the story's sentence is left under the error
        expect(page.locator(f"#out-{name} textarea")).to_have_value("", timeout=WAIT_MS)
        expect(page.locator(f"#score-{name} textarea")).to_have_value("", timeout=WAIT_MS)
    expect(page.locator("#explorer-transformer .ax-empty")).to_be_visible(timeout=WAIT_MS)
    assert page.locator("#dawn-state rect").count() == 0
    assert page.locator(".gradio-container .error").count() == 0                 # no "Error" badges on the outputs
    page.locator("#source textarea").fill("猫追老鼠。")                              # and the next sentence works
    page.locator("#translate-button").click()
    expect(page.locator("#out-transformer textarea")).not_to_have_value("", timeout=WAIT_MS)
    expect(page.locator("#note textarea")).to_have_value("", timeout=WAIT_MS)
