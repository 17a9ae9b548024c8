"""The real page in a real browser: click Translate, wait for both translations and the heatmaps, take\nscreenshots (set DAWN_SCREENSHOT_DIR to keep them), then open the whiteboard tab."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dawn.story import STORY_SENTENCE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} for Playwright to drive")


def test_translate_in_browser(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, wait_until="domcontentloaded")
            expect(page.locator("#source textarea")).to_have_value(STORY_SENTENCE, timeout=60_000)
            page.locator("#translate-button").click()
            for box in ("#lstm-out textarea", "#transformer-out textarea"):
                expect(page.locator(box)).not_to_have_value("", timeout=120_000)
            for figure in ("#cross-attention img", "#encoder-attention img", "#lstm-state img"):
                img = page.locator(figure)
                expect(img).to_have_attribute("src", re.compile(r"\S"), timeout=120_000)
                img.scroll_into_view_if_needed()  # images load lazily, only once on screen
                expect(img).to_be_visible()
                page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=img.element_handle())
            assert page.locator("#lstm-out textarea").input_value().strip()
            assert page.locator("#transformer-out textarea").input_value().strip()
            shot = Path(os.environ.get("DAWN_SCREENSHOT_DIR", tmp_path)) / "app.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000

            page.get_by_role("tab", name="Whiteboard / 白板").click()
            expect(page.locator("#whiteboard-steps")).to_contain_text("[0.318, 0.576, 0.318]", timeout=60_000)
            page.screenshot(path=str(shot.with_name("whiteboard.png")), full_page=True)
        finally:
            browser.close()
