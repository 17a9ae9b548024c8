"""The real page in a real browser (Chromium via Playwright), at a phone's 390×844 and a desktop's 1400×1000:
the story is there without a click at the decoding chosen on validation; on a phone it ends within two screens
and the page, closed, within six; sections ① - ④ cost nothing until opened and then draw; the captions are
computed from what is shown; maps show words and fit or say they scroll; one language at a time, Gradio's own
words included, and a switch keeps every edit; nothing overflows, text is legible, touch works, markup typed by a
visitor stays inert text, and the CJK font is installed (a missing font FAILS, not warns).

Screenshots go to DAWN_SCREENSHOT_DIR when it is set (lab/benchmarks/page.py saves the README's)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from dawn.registry import MODEL_NAMES

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"

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
    // the language switch names both languages; the lens's buttons are the sentence's own characters, not labels
    if (visible(el) && !el.closest('#lang, .ax-lens-chars') && el.textContent.trim()) seen.push(el.textContent.trim());
  });
  pick('[data-i18n]');
  pick('[data-testid="block-info"]');
  pick('button.primary, #decoding label span');
  pick('.dawn-section > button, .dawn-section .label-wrap');
  pick('.dawn-slider h3, .dawn-curve h3, .dawn-state-box h3, .dawn-slider .dawn-caption, .dawn-legend li');
  pick('.dawn-report h3, .dawn-report-kept, .dawn-report .dawn-caption, .dawn-cell-box');
  pick('.ax-caption, .ax-hint, .ax-label, .ax-btn, #whiteboard h2, #whiteboard h3, #whiteboard .wb-intro');  // explorers, whiteboard
  pick('[data-testid="toast-body"], .toast-title, footer');      // Gradio's own words
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


SECTIONS_EMPTY_JS = """() => ({
  rects: document.querySelectorAll('.dawn-section svg rect, .dawn-section svg circle').length,
  maps: document.querySelectorAll('.ax-map').length, katex: document.querySelectorAll('#whiteboard .katex').length,
  report: document.querySelectorAll('.dawn-report-model').length, slider: document.querySelectorAll('.dawn-clause-model').length,
  board: (document.querySelector('#whiteboard-steps') || {}).innerText || ''})"""


@pytest.fixture
def open_page(browser, app_url):
    """open_page(viewport, locale="en-US", touch=False) -> a page on the app, its story already shown."""
    from playwright.sync_api import expect
    contexts = []

    def open_(viewport: dict, locale: str = "en-US", touch: bool = False, query: str = ""):
        ctx = browser.new_context(viewport=viewport, locale=locale, has_touch=touch, is_mobile=touch)
        contexts.append(ctx)
        page = ctx.new_page()
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(app_url + query, wait_until="domcontentloaded")
        for name in MODEL_NAMES:
            expect(page.locator(f"#out-{name} textarea")).not_to_have_value("", timeout=WAIT_MS)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()


def expand(page, button) -> None:
    """Open an accordion by its button: wait for the control, click it until page.js reports it open
    (aria-expanded="true"), so that a click lost while the page was still busy is tried again."""
    from playwright.sync_api import expect
    expect(button).to_be_visible(timeout=WAIT_MS)
    for _ in range(5):
        if button.get_attribute("aria-expanded") == "true":
            return
        button.click()
        try:
            expect(button).to_have_attribute("aria-expanded", "true", timeout=10_000)
            return
        except AssertionError:
            continue
    expect(button).to_have_attribute("aria-expanded", "true", timeout=WAIT_MS)


def open_section(page, n: int, more: bool = True) -> None:
    """Open section n (①-④) and wait until it has drawn; with `more`, ①'s "more" panel too (the clause report
    and the LSTM's explorer)."""
    from playwright.sync_api import expect
    expand(page, page.locator(f"#step{n} > button.label-wrap"))
    drawn = {1: "#dawn-curve .dawn-curve-svg", 2: "#explorer-lstm_attention .ax-map",
             3: "#explorer-transformer .ax-map", 4: "#whiteboard-steps .katex"}[n]
    expect(page.locator(drawn).first).to_be_visible(timeout=WAIT_MS)
    if n == 1 and more:
        expand(page, page.locator("#step1 .dawn-more > button.label-wrap"))
        expect(page.locator("#dawn-report .dawn-report-model, #dawn-report .dawn-caption").first).to_be_visible(timeout=WAIT_MS)


def _labels(page) -> list[str]:
    return page.evaluate(LABELS_JS)


def _shot(page, name: str) -> None:
    folder = os.environ.get("DAWN_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_best_first_and_closed_sections_cost_nothing(open_page, viewport):
    """On load: every model's story translation at beam 4 with a warm time; ①-④ closed, nothing of them drawn."""
    page = open_page(viewport)
    assert page.locator("#decoding input[value='beam']").is_checked()      # the decoding chosen on validation
    for name in MODEL_NAMES:
        score = page.locator(f"#score-{name} textarea").input_value()
        assert re.fullmatch(r"BLEU [\d.]+ · chrF [\d.]+", score), score     # no timing on the story (explorer's details)
    empty = page.evaluate(SECTIONS_EMPTY_JS)
    assert empty == {"rects": 0, "maps": 0, "katex": 0, "report": 0, "slider": 0, "board": ""}, empty
    assert page.locator("footer", has_text="Gradio").count() == 0           # Gradio's footer is off
    if viewport is PHONE:   # the story sentence and the three translations on the first screen, the inputs after
        bottom = page.evaluate("document.querySelector('#score-transformer').getBoundingClientRect().bottom + scrollY")
        source = page.evaluate("document.querySelector('#source').getBoundingClientRect().top + scrollY")
        assert bottom <= PHONE["height"] < source, (bottom, source)
        screens = page.evaluate("document.scrollingElement.scrollHeight") / PHONE["height"]
        assert screens <= 6, screens
    else:
        boxes = [page.locator(f"#out-{name}").bounding_box() for name in MODEL_NAMES]
        assert len({round(b["y"]) for b in boxes}) == 1                     # three columns side by side
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= viewport["width"] and not overflow["bad"], overflow
    assert page.evaluate(TINY_TEXT_JS) == []
    _shot(page, f"story-{viewport['width']}.png")


@needs_chromium
@pytest.mark.parametrize("viewport,locale", [(PHONE, "zh-CN"), (DESKTOP, "en-US")], ids=["390x844-zh", "1400x1000-en"])
def test_sections_draw_when_opened_and_say_what_is_shown(open_page, viewport, locale):
    from playwright.sync_api import expect
    page = open_page(viewport, locale=locale, touch=viewport is PHONE)
    expect(page.locator("#translate-button")).to_have_text("翻译" if locale == "zh-CN" else "Translate", timeout=WAIT_MS)
    open_section(page, 1)
    # ① the report: the verdicts are the translations', and the counts are the ticks' (computed in ui/pipeline.py)
    report = page.locator("#dawn-report .dawn-report-model")
    expect(report).to_have_count(len(MODEL_NAMES), timeout=WAIT_MS)
    for i in range(len(MODEL_NAMES)):
        model = report.nth(i)
        kept = model.locator("li[data-kept='true']").count()
        assert str(kept) in model.locator(".dawn-report-kept").text_content()
        assert model.locator("li").count() == 5                              # the story's five clauses
    assert page.locator("#dawn-report .dawn-report-detail").first.text_content().startswith("chrF")
    caption = page.locator("#step1-head .dawn-caption").text_content()
    assert "survives" not in caption and "还像样" not in caption
    expect(page.locator(".dawn-clause-model")).to_have_count(len(MODEL_NAMES), timeout=WAIT_MS)
    assert "hold" not in page.locator(".dawn-slider").text_content()       # no claim the numbers do not make
    # the curve: the BLEU title clear of the top tick
    boxes = page.evaluate("""() => [...document.querySelectorAll('.dawn-curve-svg text')].map(t => {
        const r = t.getBoundingClientRect(); return {text: t.textContent, top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })""")
    title = next(b for b in boxes if b["text"] == "BLEU")
    for b in boxes:
        if b is not title and re.fullmatch(r"\d+", b["text"]):
            assert b["top"] >= title["bottom"] or b["bottom"] <= title["top"] or b["left"] >= title["right"], (title, b)
    # ① the plain LSTM's coverage talks about use, not looking (it has no attention)
    expect(page.locator("#explorer-lstm .ax-map").first).to_be_visible(timeout=WAIT_MS)
    steps = page.locator("#explorer-lstm .ax-steplabel:not(.ax-beamlabel):not(.ax-replaylabel)").text_content()
    assert ("looked" not in steps and "看" not in steps), steps
    # the committed training replay opens on its last snapshot, the run's last step
    last = json.loads((CHECKPOINTS / "lstm" / "replay.json").read_text())["snapshots"][-1]["step"]
    label = page.locator("#explorer-lstm .ax-replaylabel").text_content()
    assert f"{last:,}" in label or str(last) in label, label
    # ③ the Transformer: words by default (pieces merged), a switch to tokens; wide maps say so or fit
    open_section(page, 3)
    ax = page.locator("#explorer-transformer")
    if viewport is PHONE:   # a phone opens on the lines view that fits 390 px; the full map and options a tap away
        assert page.evaluate("""() => [...document.querySelectorAll('#explorer-transformer .ax-scroll')]
            .every(b => b.scrollWidth <= b.clientWidth + 1)""")
        ax.locator(".ax-options").first.click()
        ax.locator(".ax-full-toggle").first.click()
    rows_words = ax.locator(".ax-attention text.ax-row").count()
    ax.locator("[data-group='rows'] button[data-value='false']").click()
    rows_tokens = ax.locator(".ax-attention text.ax-row").count()
    assert 0 < rows_words < rows_tokens, (rows_words, rows_tokens)         # the story's English has BPE pieces
    ax.locator("[data-group='rows'] button[data-value='true']").click()
    hints = page.evaluate("""() => [...document.querySelectorAll('#explorer-transformer .ax-fig')].map(f => {
        const box = f.querySelector('.ax-scroll'); const hint = f.querySelector('.ax-scroll-hint');
        return {overflows: box.scrollWidth > box.clientWidth + 1, hint: !!hint && !hint.hidden}; })""")
    assert hints and all(h["overflows"] == h["hint"] for h in hints), hints
    if viewport is PHONE:
        assert any(h["overflows"] for h in hints)                           # 55 columns do not fit 390 px
        ax.locator(".ax-fit-toggle").first.click()
        fit = page.evaluate("""() => [...document.querySelectorAll('#explorer-transformer .ax-map')].every(s =>
            s.getBoundingClientRect().right <= s.closest('.ax-scroll').getBoundingClientRect().right + 1)""")
        assert fit
    # the encoder view: Chinese asks Chinese, no English strip
    enc = page.locator("#explorer-transformer-encoder")
    if viewport is PHONE:                                                    # its lines view first, then its full map
        expect(enc.locator(".ax-lines").first).to_be_visible(timeout=WAIT_MS)
        enc.locator(".ax-full-toggle").first.click()
    expect(enc.locator(".ax-map").first).to_be_visible(timeout=WAIT_MS)
    assert enc.locator(".ax-tgt").is_hidden() and enc.locator(".ax-src").is_visible()
    # a cell of one head: the explorer's own whiteboard, and ④'s board, get the same numbers
    ax.locator("[data-group='head'] button[data-value='0']").click()
    ax.locator(".ax-attention rect.ax-cell[data-r='1'][data-c='2']").click()
    expect(ax.locator(".ax-wbtable")).to_be_visible()
    open_section(page, 4)
    expect(page.locator("#dawn-cell .dawn-cell-table")).to_be_visible(timeout=WAIT_MS)
    mine = page.locator("#dawn-cell .dawn-cell-table tr").nth(3).locator("td.dawn-on").text_content()
    theirs = ax.locator(".ax-wbtable tr").nth(3).locator("td.ax-on").text_content()
    assert mine == theirs
    # ④ once: the accordion's title is its only heading; W_K stays W_K
    wb_text = page.locator("#step4").inner_text()
    assert wb_text.count("④") == 1 and "whiteboard from the story" not in wb_text and "故事里的白板" not in wb_text
    assert "W_K" in page.locator("#whiteboard").text_content()          # (on a phone behind its "more" button)
    # the chosen token's probability: the same number in the list and under it
    ax.locator(".ax-tgt .ax-tok").first.click()
    chosen = ax.locator(".ax-altlist li.ax-chosen .ax-p").text_content()
    assert chosen.rstrip("%") in ax.locator(".ax-alts .ax-hint").first.text_content()
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= viewport["width"] and not overflow["bad"], overflow
    assert page.errors == []
    _shot(page, f"sections-{viewport['width']}.png")


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_one_language_at_a_time(open_page, viewport):
    from playwright.sync_api import expect
    page = open_page(viewport, locale="zh-CN")               # the browser's language is the default
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)
    expect(page.locator("#out-lstm [data-testid='block-info']")).to_contain_text("无注意力", timeout=WAIT_MS)
    open_section(page, 1)
    open_section(page, 4)
    expect(page.locator("#whiteboard")).to_contain_text("黑板", timeout=WAIT_MS)
    zh = _labels(page)
    english = [s for s in zh if re.search(r"\b(?!chrF|softmax|tanh|BLEU|LSTM|Transformer)[a-z]{4,}\b", s)]
    assert len(zh) > 20 and not english, english
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    # edits everywhere, then the switch: every value stays, every word changes
    page.locator("#wb-x0 textarea, #wb-x0 input").first.fill("1, 0.25, 0.5")
    expect(page.locator("#whiteboard-steps")).to_contain_text("0.25", timeout=WAIT_MS)
    page.locator("#wb-positions input").check()
    page.locator("#reference textarea").fill("Yesterday the weather was bad.")
    page.locator("#decoding label", has_text="贪心").click()
    page.locator(".dawn-range input").focus()
    page.locator(".dawn-range input").press("Home")

    page.locator("#lang label", has_text="English").click()
    expect(page.locator("#translate-button")).to_have_text("Translate", timeout=WAIT_MS)
    expect(page.locator("#out-lstm [data-testid='block-info']")).to_contain_text("no attention", timeout=WAIT_MS)
    expect(page.locator("#whiteboard")).to_contain_text("vector of", timeout=WAIT_MS)
    assert page.locator("#wb-x0 textarea, #wb-x0 input").first.input_value() == "1, 0.25, 0.5"
    assert page.locator("#wb-positions input").is_checked()
    expect(page.locator("#whiteboard-steps")).to_contain_text("0.25")
    assert page.locator("#reference textarea").input_value() == "Yesterday the weather was bad."
    assert page.locator("#decoding input[value='greedy']").is_checked()
    assert page.locator(".dawn-range input").input_value() == "1"
    en = _labels(page)
    content = ("《代码破晓：2014》© 李林 2025", "代码破晓", "猫追老鼠", "老鼠追猫", "老鼠", "猫", "追")  # names, not labels
    still_chinese = [s for s in en if CJK.search(re.sub("|".join(content), "", s))]
    assert len(en) > 20 and not still_chinese, still_chinese
    score = page.locator("#score-lstm textarea").input_value()
    assert "BLEU" in score and "毫秒" not in score

    # Gradio's own words: an error in Chinese says nothing in English (the toast's fixed title is hidden,
    # the status badges follow the page's language)
    page.locator("#lang label", has_text="中文").click()
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)
    page.locator("#source textarea").fill("")
    page.locator("#translate-button").click()
    expect(page.locator("[data-testid='toast-body']").first).to_contain_text("请输入", timeout=WAIT_MS)
    toast = page.locator("[data-testid='toast-body']").first.inner_text()
    assert "Error" not in toast, toast
    page.wait_for_timeout(300)
    badges = page.evaluate("""[...document.querySelectorAll('.error')].filter(e => e.getClientRects().length)
                               .map(e => e.innerText).filter(t => t.trim())""")
    assert not [b for b in badges if "Error" in b], badges
    assert page.errors == []


@needs_chromium
def test_the_url_can_ask_for_a_language(open_page):
    page = open_page(DESKTOP, locale="en-US", query="?lang=zh")
    from playwright.sync_api import expect
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)


@needs_chromium
def test_phone_touch_and_slider(open_page):
    page = open_page(PHONE, touch=True)
    open_section(page, 1)
    page.wait_for_timeout(300)
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
def test_a_new_sentence_replaces_the_story(open_page):
    from playwright.sync_api import expect
    page = open_page(DESKTOP)
    open_section(page, 1)
    open_section(page, 3)
    story = page.locator("#out-transformer textarea").input_value()
    page.locator("#source textarea").fill("猫追老鼠。")
    page.locator("#reference textarea").fill("The cat is chasing the mouse.")
    page.locator("#translate-button").click()
    expect(page.locator("#out-transformer textarea")).not_to_have_value(story, timeout=WAIT_MS)
    expect(page.locator("#explorer-transformer")).to_contain_text("鼠", timeout=WAIT_MS)   # open sections redraw
    expect(page.locator("#dawn-report .dawn-report-clause").first).to_have_text("The cat is chasing the mouse.",
                                                                               timeout=WAIT_MS)
    assert page.locator("#dawn-state rect").count() > 100
    page.locator("#reference textarea").fill("")
    page.locator("#translate-button").click()
    expect(page.locator("#dawn-report .dawn-report-model")).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator("#dawn-report")).to_contain_text("Type a reference")   # no reference: it says what to do


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_markup_stays_text(open_page, viewport):
    from playwright.sync_api import expect
    page = open_page(viewport)
    open_section(page, 3)
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
