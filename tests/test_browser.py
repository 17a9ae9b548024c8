"""The real page in a real browser (Chromium via Playwright), at a phone's 390×844 and a desktop's 1400×1000:
the story is there without a click, one language at a time, nothing overflows, text is legible, touch works,
markup typed by a visitor stays inert text, and the CJK font is installed (a missing font FAILS, not warns).

Screenshots go to DAWN_SCREENSHOT_DIR when it is set (training/bench_page.py saves the README's)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from dawn.page import MODEL_NAMES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1400, "height": 1000}
WAIT_MS = 240_000  # generous: the suite may share two CPU cores with training
CJK = re.compile(r"[\u3400-\u9fff]")
XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} for Playwright to drive")

# Every label and caption the page itself shows (its own views, Gradio labels and buttons), as one list of texts.
LABELS_JS = """() => {
  const seen = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const pick = (sel) => document.querySelectorAll(sel).forEach((el) => {
    if (visible(el) && !el.closest('#lang') && el.textContent.trim()) seen.push(el.textContent.trim());
  });
  pick('[data-i18n]');
  pick('[data-testid="block-info"]');
  pick('button.primary, #decoding label span');
  pick('.dawn-slider h3, .dawn-curve h3, .dawn-state-box h3, .dawn-slider .dawn-caption, .dawn-legend li');
  pick('.ax-caption, .ax-hint, #whiteboard h2, #whiteboard h3');   // the explorers' and the whiteboard's own
  return seen;
}"""

# Elements wider than the viewport that are not inside a box that scrolls on its own.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth, bad = [];
  const scrolls = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > width + 1 || r.left < -1) && !scrolls(el)) bad.push(el.tagName + '#' + el.id + '.' + el.className);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, bad: bad.slice(0, 10)};
}"""

# Visible text nodes drawn smaller than 12 px.
TINY_TEXT_JS = """() => {
  const bad = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    const visibleText = node.textContent.replace(/[\u200b-\u200d\ufeff]/g, '').trim();  // KaTeX's zero-width struts are not text
    if (!el || !visibleText || !(el.offsetWidth || el.getClientRects().length)) continue;
    if (el.closest('svg')) {  // SVG text scales with its box: measure what is drawn
      const r = el.getBoundingClientRect(); if (r.height && r.height < 11) bad.push(node.textContent.trim().slice(0, 20) + ' (svg ' + r.height.toFixed(1) + ')');
      continue; }
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 12) bad.push(node.textContent.trim().slice(0, 20) + ' (' + size + 'px)');
  }
  return bad.slice(0, 10);
}"""


def test_cjk_font_is_installed():
    """Chinese must never be drawn as tofu: without a CJK font this FAILS (install fonts-noto-cjk, see the README)."""
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=60).stdout
    assert out.strip(), "no font with Chinese glyphs is installed (apt-get install fonts-noto-cjk)"
    css = (Path(__file__).resolve().parents[1] / "ui" / "static" / "page.css").read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in css
    assert any(name in out for name in ("Noto Sans CJK", "Noto Serif CJK")), "page.css names Noto Sans CJK SC"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} for Playwright to drive")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, app_url):
    """open_page(viewport, locale="en-US", touch=False) -> a page on the app, its story already shown."""
    from playwright.sync_api import expect
    contexts = []

    def open_(viewport: dict, locale: str = "en-US", touch: bool = False, query: str = ""):
        ctx = browser.new_context(viewport=viewport, locale=locale, has_touch=touch, is_mobile=touch)
        contexts.append(ctx)
        page = ctx.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(app_url + query, wait_until="domcontentloaded")
        expect(page.locator("#out-transformer textarea")).not_to_have_value("", timeout=WAIT_MS)
        expect(page.locator(".dawn-clause-model").first).to_be_visible(timeout=WAIT_MS)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()


def _labels(page) -> list[str]:
    return page.evaluate(LABELS_JS)


def _shot(page, name: str) -> None:
    folder = os.environ.get("DAWN_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_story_is_there_without_a_click(open_page, viewport):
    page = open_page(viewport)
    for name in MODEL_NAMES:
        expect_box = page.locator(f"#out-{name} textarea")
        assert expect_box.count() == 1
    for name in ("lstm", "transformer"):
        assert page.locator(f"#out-{name} textarea").input_value().strip()
        assert "BLEU" in page.locator(f"#score-{name} textarea").input_value()
    assert page.locator(".dawn-clause-model").count() == len(MODEL_NAMES)
    assert page.locator(".dawn-curve-svg polyline").count() >= 2
    assert page.locator("#dawn-state rect").count() > 100          # the LSTM's final state, drawn
    assert page.locator("#explorer-transformer .ax").count() == 1   # the explorer slot, fed with the story
    _shot(page, f"story-{viewport['width']}.png")


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_one_language_at_a_time(open_page, viewport):
    from playwright.sync_api import expect
    page = open_page(viewport, locale="zh-CN")               # the browser's language is the default
    expect(page.locator("#step1 h2")).to_contain_text("LSTM", timeout=WAIT_MS)
    expect(page.locator("#out-lstm [data-testid='block-info']")).to_contain_text("无注意力", timeout=WAIT_MS)
    expect(page.locator("#whiteboard")).to_contain_text("白板", timeout=WAIT_MS)
    zh = _labels(page)
    english = [s for s in zh if re.search(r"\b(?!chrF|softmax|tanh)[a-z]{4,}\b", s)]
    assert len(zh) > 20 and not english, english
    assert page.evaluate("document.documentElement.lang") == "zh-CN"

    page.locator("#lang label", has_text="English").click()
    expect(page.locator("#translate-button")).to_have_text("Translate", timeout=WAIT_MS)
    expect(page.locator("#out-lstm [data-testid='block-info']")).to_contain_text("no attention", timeout=WAIT_MS)
    expect(page.locator("#whiteboard")).to_contain_text("whiteboard", timeout=WAIT_MS)
    expect(page.locator("#whiteboard")).not_to_contain_text("的向量", timeout=WAIT_MS)  # its section is rebuilt
    en = _labels(page)
    content = ("《代码破晓：2014》© 李林 2025", "代码破晓", "猫追老鼠", "老鼠追猫", "老鼠", "猫", "追")  # names, not labels
    still_chinese = [s for s in en if CJK.search(re.sub("|".join(content), "", s))]
    assert len(en) > 20 and not still_chinese, still_chinese
    score = page.locator("#score-lstm textarea").input_value()
    assert "BLEU" in score and "毫秒" not in score

    page.locator("#lang label", has_text="中文").click()
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)


@needs_chromium
def test_the_url_can_ask_for_a_language(open_page):
    page = open_page(DESKTOP, locale="en-US", query="?lang=zh")
    from playwright.sync_api import expect
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)


@needs_chromium
def test_phone_layout(open_page):
    from playwright.sync_api import expect
    page = open_page(PHONE, touch=True)
    expect(page.locator("#whiteboard .katex").first).to_be_visible(timeout=WAIT_MS)  # formulas drawn: measure them too
    page.wait_for_timeout(500)
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= PHONE["width"] and not overflow["bad"], overflow
    assert page.evaluate(TINY_TEXT_JS) == []
    # touch works where hover does: tap a point of the curve and a cell of the state strip
    page.locator(".dawn-curve-svg .dawn-dot").first.tap()
    assert "BLEU" in page.locator(".dawn-curve .dawn-readout").text_content()
    page.locator("#dawn-state rect").nth(5).tap()
    assert "h1[6]" in page.locator("#dawn-state .dawn-readout").text_content()
    # the slider needs no server: cut the sentence after its first clause
    slider = page.locator(".dawn-range input")
    slider.focus()
    slider.press("Home")
    assert "1" in page.locator(".dawn-range-status").text_content()
    first = page.locator(".dawn-clause-source .dawn-in").text_content()
    assert first.endswith("，") and len(first) < 15


@needs_chromium
def test_desktop_layout(open_page):
    page = open_page(DESKTOP)
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= DESKTOP["width"] and not overflow["bad"], overflow
    assert page.evaluate(TINY_TEXT_JS) == []
    boxes = [page.locator(f"#out-{name}").bounding_box() for name in MODEL_NAMES]
    assert len({round(b["y"]) for b in boxes}) == 1                 # three columns side by side


@needs_chromium
def test_a_new_sentence_replaces_the_story(open_page):
    from playwright.sync_api import expect
    page = open_page(DESKTOP)
    story = page.locator("#out-transformer textarea").input_value()
    page.locator("#source textarea").fill("猫追老鼠。")
    page.locator("#reference textarea").fill("The cat is chasing the mouse.")
    page.locator("#translate-button").click()
    expect(page.locator("#out-transformer textarea")).not_to_have_value(story, timeout=WAIT_MS)
    expect(page.locator("#explorer-transformer")).to_contain_text("鼠", timeout=WAIT_MS)
    assert page.locator("#dawn-state rect").count() > 100


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_markup_stays_text(open_page, viewport):
    from playwright.sync_api import expect
    page = open_page(viewport)
    page.evaluate("window.__xss = 0")
    for payload in XSS:      # markup as the source: refused with a message, never run
        page.locator("#source textarea").fill(payload)
        page.locator("#reference textarea").fill(payload)
        page.locator("#translate-button").click()
        expect(page.get_by_text("markup").first).to_be_visible(timeout=WAIT_MS)
        assert page.locator("#source textarea").input_value() == payload
    # markup as the reference of a real sentence: translated, shown literally
    page.locator("#source textarea").fill("猫追老鼠。")
    page.locator("#reference textarea").fill(XSS[0] + XSS[1])
    page.locator("#translate-button").click()
    # a textarea's text is its value (to_contain_text reads textContent, which Gradio leaves empty)
    expect(page.locator("#score-transformer textarea")).to_have_value(re.compile("BLEU"), timeout=WAIT_MS)
    expect(page.locator("#explorer-transformer")).to_contain_text("鼠", timeout=WAIT_MS)
    assert page.locator("#reference textarea").input_value() == XSS[0] + XSS[1]
    page.wait_for_timeout(500)
    assert page.dialogs == [] and page.evaluate("window.__xss") == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(2)')).length") == 0
