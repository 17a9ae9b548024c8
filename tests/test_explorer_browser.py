"""The attention explorer in a real browser, on its own small page (ui.attention_explorer.harness).

Hover a token and find its highlighted row; switch head, show all heads, pin, select across models and
scrub with no network request; download the map as JSON; hostile tokens stay text. Every map is an image
for a screen reader, labelled with its size, and its numbers are a table behind a button; one colour means
one thing in every map; a payload's timings are shown in a details line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_fixtures import CHECKPOINTS, serve_blocks

from dawn.registry import MODEL_NAMES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SENTENCE = "虽然昨天天气不好，但我们还是决定去爬山。"
HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "&lt;b&gt;", "</s>"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} for Playwright to drive")


def hostile_payload() -> dict:
    """A hand-made payload whose tokens are markup: the explorer must show them as text."""
    S, T = len(HOSTILE), 2
    row = [255 // S] * S
    row[0] += 255 - sum(row)
    return {"model": "fake", "kind": "transformer", "source": "".join(HOSTILE), "decoding": "greedy", "beam_size": 1, "text": HOSTILE[0],
            "source_tokens": HOSTILE, "target_tokens": HOSTILE[:2], "log_prob": -1.0, "scale": 255,
            "cross_attention": [[[row] * T]], "encoder_attention": None,
            "influence": [[0.5] * S] * T, "token_logprob": [-0.5] * T,
            "alternatives": [[[HOSTILE[1], 0.5]] * 5] * T, "whiteboard": None, "beam": None,
            "ms": 1234.4, "timings": {"decode_ms": 12.2, "influence_ms": 33.6}}


@pytest.fixture(scope="module")
def explorer_url():
    import gradio as gr

    from dawn import load_translator
    from ui.attention_explorer import AttentionExplorer, harness

    translators = {n: load_translator(CHECKPOINTS / n) for n in MODEL_NAMES}  # all of them: a missing one fails
    with gr.Blocks() as demo:
        harness(translators, SENTENCE)                                  # a Blocks inside a Blocks renders there
        AttentionExplorer(hostile_payload(), lang="en", elem_id="ax-hostile")
    with serve_blocks(demo) as url:
        yield url


@pytest.fixture(scope="module")
def page(explorer_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.dialogs, page.errors = [], []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            ours = ("js_on_load", "watch callback", "attention")  # Gradio logs errors in a component's script so
            page.on("console", lambda m: m.type == "error" and any(w in m.text for w in ours) and page.errors.append(m.text))
            page.goto(explorer_url, wait_until="domcontentloaded")
            page.locator("#ax-go").click()
            page.locator("#ax-transformer .ax-attention svg").wait_for(timeout=180_000)
            page.locator("#ax-lstm .ax-influence svg").wait_for(timeout=60_000)
            yield page
        finally:
            browser.close()


def requests_during(page, action) -> list[str]:
    """The URLs the page fetched from a server while `action` ran (blob: URLs are the page's own memory)."""
    seen: list[str] = []
    listener = lambda r: None if r.url.startswith("blob:") else seen.append(r.url)  # noqa: E731
    page.on("request", listener)
    try:
        action()
        page.wait_for_timeout(300)
    finally:
        page.remove_listener("request", listener)
    return seen


def test_hovering_a_token_lights_its_row(page):
    tf = page.locator("#ax-transformer")
    n_src = tf.locator(".ax-src .ax-tok").count()
    tf.locator(".ax-tgt .ax-tok").nth(2).hover()
    assert tf.locator(".ax").get_attribute("data-focus") == "row:2"
    lit = tf.locator(".ax-attention rect.ax-cell.ax-on")
    assert lit.count() == n_src
    assert {lit.nth(i).get_attribute("data-r") for i in range(n_src)} == {"2"}
    assert tf.locator(".ax-attention text.ax-row.ax-on").text_content() == tf.locator(".ax-tgt .ax-tok").nth(2).text_content()
    shaded = tf.locator(".ax-src .ax-tok").evaluate_all("els => els.filter(e => e.style.backgroundColor).length")
    assert shaded > 0                                                  # its weights over the Chinese characters


def test_switching_heads_and_more_makes_no_request(page):
    tf = page.locator("#ax-transformer")
    before = tf.locator(".ax-attention rect.ax-cell").nth(0).get_attribute("fill-opacity")

    def interact():
        tf.locator("[data-group=head] button[data-value='1']").click()
        tf.locator("[data-group=layer] button[data-value='0']").click()
        tf.locator("[data-group=multiples]").click()
        tf.locator(".ax-src .ax-tok").nth(3).click()                   # linked selection
        tf.locator(".ax-tgt .ax-tok").nth(1).click()                   # pin + alternatives
        tf.locator(".ax-attention rect.ax-cell[data-r='1'][data-c='3']").click()  # the whiteboard
        tf.locator(".ax-range").evaluate("r => { r.value = 2; r.dispatchEvent(new Event('input')); }")  # the scrubber

    assert requests_during(page, interact) == []
    assert tf.locator("[data-group=head] button[data-value='1']").get_attribute("aria-pressed") == "true"
    assert tf.locator(".ax-small").count() == 5                        # average + 4 heads
    assert tf.locator(".ax-wbtable").count() == 1 and "softmax" in tf.locator(".ax-wbtable").text_content()
    assert tf.locator(".ax-altlist li").count() == 5
    assert tf.locator(".ax-steplabel:not(.ax-replaylabel)").text_content().startswith("Step 2 of")
    assert tf.locator(".ax-attention rect.ax-cell").nth(0).get_attribute("fill-opacity") is not None
    assert before is not None
    # linked: the LSTM's panel highlights the same character
    assert page.locator("#ax-lstm .ax-src .ax-tok.ax-on").count() >= 1


def test_the_map_downloads_as_json_svg_and_png(page, tmp_path):
    tf = page.locator("#ax-transformer")
    tf.locator(".ax-tgt .ax-tok").nth(0).click()
    with page.expect_download() as info:
        tf.locator(".ax-attention [data-export=json]").click()
    path = tmp_path / "map.json"
    info.value.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["source_tokens"] == tf.locator(".ax-src .ax-tok").all_text_contents()
    assert len(data["weights"]) == len(data["rows"]) and all(len(r) == len(data["source_tokens"]) for r in data["weights"])
    assert data["focus"] is not None                                   # the state hovering shows travels along
    with page.expect_download() as info:
        tf.locator(".ax-attention [data-export=svg]").click()
    svg = info.value.path().read_text(encoding="utf-8")
    assert "<svg" in svg and "<title>2017 · Transformer · Attention." in svg and "天" in svg  # titled
    assert "<text" not in svg and svg.count("<path") > len(data["source_tokens"])  # glyph outlines: no font needed
    assert 'class="ax-legend"' in svg and "attention weight" in svg                  # a colour legend
    with page.expect_download() as info:
        tf.locator(".ax-influence [data-export=png]").click()
    assert info.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_language_switch_relabels_without_recomputing(page):
    page.locator("#ax-lang label:has-text('zh')").click()
    page.locator("#ax-transformer .ax-label:has-text('头')").first.wait_for(timeout=30_000)
    assert "注意力" in page.locator("#ax-transformer .ax-attention figcaption").text_content()
    page.locator("#ax-lang label:has-text('en')").click()
    page.locator("#ax-transformer .ax-label:has-text('Head')").first.wait_for(timeout=30_000)


def test_hostile_tokens_stay_text(page):
    box = page.locator("#ax-hostile")
    assert box.locator(".ax-src .ax-tok").all_text_contents() == HOSTILE
    assert box.locator("img").count() == 0 and box.locator("script").count() == 0
    box.locator(".ax-tgt .ax-tok").nth(0).click()
    page.wait_for_timeout(200)
    assert page.dialogs == []


def test_every_map_is_an_image_labelled_with_its_size(page):
    from ui.attention_explorer import STRINGS
    for name in MODEL_NAMES:
        box = page.locator(f"#ax-{name}")
        rows = box.locator(".ax-influence text.ax-row").count()
        cols = box.locator(".ax-src .ax-tok").count()
        labels = box.locator("svg.ax-map[role=img]").evaluate_all("l => l.map(s => s.getAttribute('aria-label'))")
        assert len(labels) == (1 if name == "lstm" else 2), labels                # influence, and attention if any
        for label in labels:
            assert f": {rows} English words × {cols} characters." in label, label
        model = STRINGS["en"][f"model.{name}"]
        assert labels[-1].startswith(f"Influence of {model}:") and "Orange = needed" in labels[-1]
        if name != "lstm":
            assert labels[0].startswith(f"Attention of {model}:") and "Blue = attention weight" in labels[0]
        # the rest (the small multiples inside their buttons) are hidden from screen readers, not unlabelled
        assert box.locator("svg.ax-map:not([role=img])").evaluate_all(
            "l => l.every(s => s.getAttribute('aria-hidden') === 'true')")
        bars = box.locator("svg.ax-bars")
        assert bars.get_attribute("role") == "img" and bars.get_attribute("aria-label").startswith("Coverage")


def test_the_numbers_are_a_table_behind_the_map(page):
    fig = page.locator("#ax-lstm_attention .ax-attention")
    toggle = fig.locator(".ax-table-toggle")
    assert toggle.get_attribute("aria-expanded") == "false" and fig.locator("table").count() == 0
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    table = fig.locator("table.ax-numtable")
    cols = page.locator("#ax-lstm_attention .ax-src .ax-tok").all_text_contents()
    rows = fig.locator("text.ax-row").all_text_contents()
    assert table.locator("th[scope=col]").all_text_contents() == ["⏎" if c == "</s>" else c for c in cols]
    assert table.locator("th[scope=row]").all_text_contents() == rows
    assert table.locator("td").count() == len(rows) * len(cols)
    first = [float(x) for x in table.locator("tr").nth(1).locator("td").all_text_contents()]
    assert abs(sum(first) - 1) < 0.05                                           # a row of attention sums to 1
    assert table.locator("caption").text_content().startswith("Attention of ")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and table.is_hidden()


def test_one_colour_means_one_thing(page):
    """Blue is attention in every map; influence is orange (needed) and purple (better without), never blue; each
    map's legend says so in words, and a model without attention shades its strips and bars in orange."""
    tf = page.locator("#ax-transformer")
    fills = lambda kind: set(tf.locator(f".ax-{kind} rect.ax-cell").evaluate_all("l => l.map(r => r.getAttribute('fill'))"))
    assert fills("attention") == {"#2563eb"}
    assert fills("influence") <= {"#ea580c", "#7c3aed"}
    assert tf.locator(".ax-attention .ax-key").text_content().startswith("Blue = attention weight")
    key = tf.locator(".ax-influence .ax-key").text_content()
    assert "Orange = needed" in key and "purple = better without" in key and "blue" not in key.lower()
    assert "blue" not in tf.locator(".ax-influence figcaption").text_content().lower()
    lstm = page.locator("#ax-lstm")
    lstm.locator(".ax-tgt .ax-tok").nth(0).hover()
    shades = lstm.locator(".ax-src .ax-tok").evaluate_all("l => l.map(s => s.style.backgroundColor).filter(Boolean)")
    assert shades and all(c.startswith("rgba(234, 88, 12") for c in shades), shades
    bar = lstm.locator(".ax-bars rect.ax-bar").first
    assert bar.evaluate("b => getComputedStyle(b).fill") == "rgb(234, 88, 12)"


def test_timings_in_a_details_line(page):
    assert page.locator("#ax-hostile .ax-details").text_content() == "translated in 1,234 ms · decoding 12 ms, influence 34 ms"
    assert page.locator("#ax-transformer .ax-details").count() == 0            # a payload without timings: no line


def test_no_script_errors(page):
    """Runs last: nothing above raised in the explorer's script."""
    assert page.errors == []
