"""The page tells the story (issue 34), in a real browser at a phone's 390×844 and a desktop's 1400×1000, in both
languages: the three translations on the first phone screen, labelled with year and model and a score a newcomer
can read; "try your own sentence" after them; a reference only for its own sentence; an example brings its
results into view; ① leads with its picture; sections are headings with aria-expanded; ?lang= follows the
switch; the link preview names the demo; the footer links onward. And, without a browser, the page's first HTML
(ui/serve.py): the demo's preview tags first, compressed when the browser accepts it."""

from __future__ import annotations

import gzip
import json
import re
import urllib.request
from pathlib import Path

import pytest
from test_browser import (CHECKPOINTS, DESKTOP, PHONE, WAIT_MS, browser, needs_chromium,  # noqa: F401 (fixtures)
                          open_page)

from dawn.registry import MODEL_NAMES
from ui.serve import TITLE, rewrite_head

LOCALES = [("en-US", "en"), ("zh-CN", "zh")]

TOP_JS = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                       return {top: r.top + scrollY, bottom: r.bottom + scrollY}; }"""


def _bottom(page, selector: str) -> float:
    return page.evaluate(TOP_JS, selector)["bottom"]


@needs_chromium
@pytest.mark.parametrize("locale,lang", LOCALES, ids=["en", "zh"])
def test_first_phone_screen_tells_the_story(open_page, locale, lang):
    """At 390×844: the story in words, the long sentence and all three translations with their year, model and
    score end within the first screen; the inputs come after them; no empty box (the notes are hidden)."""
    page = open_page(PHONE, locale=locale)
    assert page.evaluate("document.documentElement.lang").startswith(lang)
    story = page.locator(".dawn-story").text_content()
    assert ("2014" in story and "2024" in story), story
    assert "虽然昨天天气不好" in page.locator("#dawn-sentence .dawn-sentence-text").text_content()
    for name in MODEL_NAMES:
        assert _bottom(page, f"#score-{name}") <= PHONE["height"], name
        label = page.locator(f"#out-{name} [data-testid='block-info']").text_content()
        assert re.match(r"20(14|17) · ", label), label
        score = page.locator(f"#score-{name} textarea").input_value()
        assert re.fullmatch(r"BLEU [\d.]+ · chrF [\d.]+", score), score   # no millisecond figure on the story
    assert page.evaluate(TOP_JS, "#source")["top"] > _bottom(page, "#score-transformer")  # "try your own" after
    assert not page.locator("#note").is_visible()                                      # empty notes: no box
    gloss = page.locator("#dawn-gloss").text_content()
    assert "BLEU" in gloss and "chrF" in gloss and "100" in gloss


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_a_reference_belongs_to_its_sentence(open_page, viewport):
    """Typing a new sentence clears the story's reference (nothing is scored against it); an example fills both
    and brings its results into view; "back to the story" restores both."""
    from playwright.sync_api import expect
    page = open_page(viewport)
    page.locator("#source textarea").fill("")
    page.locator("#source textarea").press_sequentially("我今天很累。")
    expect(page.locator("#reference textarea")).to_have_value("", timeout=WAIT_MS)
    page.locator("#translate-button").click()
    expect(page.locator("#dawn-sentence .dawn-sentence-text")).to_have_text("我今天很累。", timeout=WAIT_MS)
    for name in MODEL_NAMES:
        expect(page.locator(f"#score-{name} textarea")).to_have_value(re.compile("no reference"), timeout=WAIT_MS)
    # an example: both boxes filled, translated, and the results in view
    page.locator(".dawn-try table tbody tr").first.click()
    expect(page.locator("#reference textarea")).to_have_value("The cat is chasing the mouse.", timeout=WAIT_MS)
    expect(page.locator("#dawn-sentence .dawn-sentence-text")).to_have_text("猫追老鼠。", timeout=WAIT_MS)
    expect(page.locator("#score-transformer textarea")).to_have_value(re.compile(r"^BLEU"), timeout=WAIT_MS)
    page.wait_for_function("() => { const r = document.querySelector('#dawn-sentence').getBoundingClientRect();"
                           " return r.top >= -1 && r.top < innerHeight; }", timeout=WAIT_MS)
    # back to the story: both boxes and the story's translations
    page.locator("#story-button").click()
    expect(page.locator("#source textarea")).to_have_value(re.compile("^虽然昨天天气不好"), timeout=WAIT_MS)
    expect(page.locator("#reference textarea")).to_have_value(re.compile("^Although the weather was bad"), timeout=WAIT_MS)
    expect(page.locator("#dawn-sentence h2")).to_have_text("The long sentence", timeout=WAIT_MS)


@needs_chromium
@pytest.mark.parametrize("viewport,locale", [(PHONE, "zh-CN"), (DESKTOP, "en-US")], ids=["390x844-zh", "1400x1000-en"])
def test_sections_are_headings_with_their_state(open_page, viewport, locale):
    """①-④ are h2-level headings whose buttons carry aria-expanded, which follows a tap; ① leads with the
    Tatoeba length curve, its caption computed from metrics.json, FLORES-200 a tap away."""
    from playwright.sync_api import expect
    page = open_page(viewport, locale=locale)
    buttons = page.locator(".dawn-section > button.label-wrap")
    expect(buttons).to_have_count(4, timeout=WAIT_MS)
    for i in range(4):   # page.js dresses the sections as soon as Gradio has drawn them
        expect(buttons.nth(i)).to_have_attribute("aria-expanded", "false", timeout=WAIT_MS)
        expect(buttons.nth(i).locator("[role='heading'][aria-level='2']")).to_have_count(1, timeout=WAIT_MS)
    buttons.first.click()
    expect(buttons.first).to_have_attribute("aria-expanded", "true", timeout=WAIT_MS)
    curve = page.locator("#dawn-curve")
    expect(curve.locator("h3")).to_contain_text("Tatoeba", timeout=WAIT_MS)
    lstm = json.loads((CHECKPOINTS / "lstm" / "metrics.json").read_text())["by_length"]
    trend = curve.locator(".dawn-trend li").first.text_content()
    assert f"{lstm[0]['bleu']:.1f}" in trend and f"{lstm[-1]['bleu']:.1f}" in trend, trend
    assert curve.locator("svg[role='img']").get_attribute("aria-label")
    # the picture comes first in ①, before the slider and the clause report
    assert page.evaluate(TOP_JS, "#dawn-curve")["top"] < page.evaluate(TOP_JS, "#dawn-clauses")["top"]
    curve.locator(".dawn-curve-switch").click()
    expect(curve.locator("h3")).to_contain_text("FLORES-200", timeout=WAIT_MS)
    # the LSTM's state is h and c: twice its layers
    state = page.locator("#dawn-state svg[role='img']")
    expect(state).to_have_count(1, timeout=WAIT_MS)
    assert "c1" in state.get_attribute("aria-label") and "h1" in state.get_attribute("aria-label")
    buttons.first.click()
    expect(buttons.first).to_have_attribute("aria-expanded", "false", timeout=WAIT_MS)


@needs_chromium
def test_language_follows_into_the_address_and_links_lead_onward(open_page, app_url):
    """The switch writes ?lang= (a reload keeps the language); the footer links the three papers, the code and
    every model card, and the local links answer."""
    from playwright.sync_api import expect
    page = open_page(PHONE, locale="en-US")
    page.locator("#lang label", has_text="中文").click()
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)
    assert "lang=zh" in page.url
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#translate-button")).to_have_text("翻译", timeout=WAIT_MS)
    hrefs = page.locator(".dawn-links a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for paper in ("1409.3215", "1409.0473", "1706.03762"):
        assert any(paper in h for h in hrefs), hrefs
    local = [h for h in hrefs if h.startswith("/")]
    assert len(local) == 1 + len(MODEL_NAMES), hrefs                  # the README and one card per model
    for h in local:
        with urllib.request.urlopen(app_url.rstrip("/") + h, timeout=30) as r:
            assert r.status == 200 and r.read(200)


# ----------------------------------------------------------------------------- the first HTML (no browser)

def test_the_first_html_names_the_demo_first_and_is_compressed(app_url):
    request = urllib.request.Request(app_url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as r:
        assert r.headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(r.read()).decode("utf-8")
    titles = re.findall(r'<meta property="og:title" content="([^"]*)"', page)
    assert titles and titles[0] == TITLE and "Gradio" not in titles, titles
    assert "Click to try out the app!" not in page
    assert re.search(r'<meta name="twitter:title" content="Code Dawn 2014', page)
    image = re.search(r'<meta property="og:image" content="([^"]*)"', page).group(1)
    assert image.startswith("http://127.0.0.1") and image.endswith(".png")
    with urllib.request.urlopen(image, timeout=30) as r:
        assert r.status == 200 and r.read(8) == b"\x89PNG\r\n\x1a\n"


def test_rewrite_head_puts_the_demos_tags_first():
    gradio = ('<head>\n<meta charset="utf-8" />\n<meta property="og:title" content="Gradio" />\n'
              '<meta name="twitter:description" content="Click to try out the app!" />\n<title>x</title></head>')
    page = rewrite_head(gradio, "https://example.org/", None)
    assert "Gradio" not in page and "Click to try" not in page
    assert page.index('og:title" content="Code Dawn') < page.index("<title>")
    assert 'twitter:card" content="summary"' in page and "og:image" not in page   # no image: no large card
    hostile = rewrite_head(gradio, 'https://x/"><script>alert(1)</script>', None)
    assert "<script>" not in hostile                                            # a host header stays text


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
def test_a_stale_error_goes_and_the_switch_is_named(open_page, viewport):
    """A refused sentence's toast is gone once the next one is translated; the language switch is a radio group
    named in both languages."""
    from playwright.sync_api import expect
    page = open_page(viewport)
    assert page.get_by_role("radiogroup", name="Language / 语言").count() == 1
    page.locator("#source textarea").fill("The cat chases the mouse.")          # no Chinese: refused, with a toast
    page.locator("#translate-button").click()
    toast = page.locator('[data-testid="toast-body"]')
    expect(toast.first).to_be_visible(timeout=WAIT_MS)
    page.locator("#source textarea").fill("猫追老鼠。")
    page.locator("#translate-button").click()
    expect(page.locator("#dawn-sentence .dawn-sentence-text")).to_have_text("猫追老鼠。", timeout=WAIT_MS)
    expect(toast).to_have_count(0, timeout=WAIT_MS)


@needs_chromium
def test_the_sentence_box_shows_for_a_paragraph_only(open_page):
    """'Maps explain sentence no.' matters for a paragraph: hidden for the story's one sentence, shown once the
    visitor types two sentences."""
    from playwright.sync_api import expect
    page = open_page(PHONE)
    expect(page.locator("#sentence")).to_be_hidden(timeout=WAIT_MS)
    page.locator("#source textarea").fill("")
    page.locator("#source textarea").press_sequentially("猫追老鼠。老鼠跑了。")
    expect(page.locator("#sentence")).to_be_visible(timeout=WAIT_MS)


TAP_WORD_JS = """([name, word]) => {   // a tap inside a word of a translation: the caret lands in it, then the click
  const box = document.querySelector(`#out-${name} textarea`), at = box.value.lastIndexOf(word) + 1;
  box.focus(); box.setSelectionRange(at, at);
  box.dispatchEvent(new MouseEvent("click", {bubbles: true}));
}"""


@needs_chromium
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1400x1000"])
@pytest.mark.parametrize("locale,lang", LOCALES, ids=["en", "zh"])
def test_a_tap_on_a_mistranslated_word_leads_to_the_lens(open_page, viewport, locale, lang):
    """Issue 37, item 4: one tap on a word of the Transformer's story translation (its last word, in the clause it
    gets wrong) opens ③ and its explorer's training-data lens on that word: the characters it looked at most, how
    often they occur in training, and the word on the English side, its matches marked."""
    from playwright.sync_api import expect
    page = open_page(viewport, locale=locale)
    lens = tap_a_word(page, "transformer", -1)
    expect(page.locator("#step3 > .label-wrap")).to_have_attribute("aria-expanded", "true", timeout=WAIT_MS)
    word = lens.word
    behind = lens.locator(".ax-lens-out .ax-hint").first
    looked = (r"“%s” looked most at “(.+)”\." if lang == "en" else r"“%s”最关注的是“(.+)”。") % re.escape(word)
    expect(behind).to_have_text(re.compile(looked), timeout=WAIT_MS)
    stretch = re.match(looked, behind.text_content()).group(1)
    pressed = lens.locator(".ax-lens-chars:not(.ax-lens-words) button[aria-pressed=true]")
    assert "".join(pressed.all_text_contents()) == stretch
    assert lens.locator(".ax-lens-words button[aria-pressed=true]").all_text_contents() == [word]
    counts = lens.locator(".ax-lens-count")
    expect(counts).to_have_count(2, timeout=WAIT_MS)
    zh_count, en_count = counts.all_text_contents()
    assert stretch in zh_count and word in en_count, (zh_count, en_count)
    if re.search(r"\d", en_count):   # the word occurs on the English side: its examples come last, the word marked
        marks = lens.locator(".ax-lens-examples").last.locator("mark").all_text_contents()
        assert marks and {m.lower() for m in marks} == {word.lower()}, marks
    assert lens.is_visible() and lens.evaluate("e => e.getBoundingClientRect().right") <= viewport["width"] + 1
    assert page.errors == []


def tap_a_word(page, name: str, k: int):
    """Taps the k-th word (letters only) of model `name`'s translation at the top, once page.js is listening;
    -> the lens of that model's explorer, its .word the word tapped."""
    page.wait_for_function("() => !!document.documentElement.dataset.dawnLang", timeout=WAIT_MS)
    word = re.findall(r"[A-Za-z]+", page.locator(f"#out-{name} textarea").input_value())[k]
    page.evaluate(TAP_WORD_JS, [name, word])
    lens = page.locator(f"#explorer-{name} .ax-lens")
    lens.word = word
    return lens


@needs_chromium
def test_a_tap_on_the_plain_lstms_word_opens_its_explorer_behind_more(open_page):
    """The plain LSTM's explorer waits behind ①'s "more" (drawn only when opened): a tap on a word of its
    translation opens both, and its lens answers from influence (it has no attention)."""
    from playwright.sync_api import expect
    page = open_page(PHONE, touch=True)
    lens = tap_a_word(page, "lstm", -1)
    counts = lens.locator(".ax-lens-count")
    expect(counts).to_have_count(2, timeout=WAIT_MS)
    assert lens.is_visible() and lens.word in counts.nth(1).text_content()
    expect(lens.locator(".ax-lens-out .ax-hint").first).to_have_text(re.compile("“%s” looked most at “.+”" % lens.word))
    assert page.errors == []
