"""The explorer's training replay, what-if and beam view in a real browser, at a phone's 390×844 and a desktop's
1400×1000 (ui.attention_explorer.harness on the committed LSTM and Transformer, beam decoding).

Replay and beam browsing are local (no request while scrubbing or clicking); what-if asks the server and shows
its answer, errors and hostile prefixes as text, and says why an empty box does nothing. The replays are real ones
from tiny models trained for a few steps (replay_fixture), written where replay.json lives and fetched by the
browser (the page carries only their URL); a model without one says so in words for readers.
"""

from __future__ import annotations


import pytest
from app_fixtures import CHECKPOINTS, serve_blocks
from replay_fixture import tiny_replay
from test_explorer_browser import CHROMIUM, CHROMIUM_ARGS, requests_during

SENTENCE = "猫追老鼠。"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 1000}}
MODELS = [n for n in ("lstm", "transformer") if (CHECKPOINTS / n / "manifest.json").exists()]

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} for Playwright to drive"),
              pytest.mark.skipif(MODELS != ["lstm", "transformer"], reason="needs the committed lstm and transformer")]


@pytest.fixture(scope="module")
def replays(tokenizer, pairs, tmp_path_factory):
    """Real tiny replays: one with attention (shown in the Transformer's explorer), one without (the LSTM's),
    each written as a checkpoint folder's replay.json."""
    import json

    import torch

    from dawn.replay import REPLAY_FILE
    from dawn.translator import build_model
    from tiny_corpus import TINY

    out = {}
    for shown_in, kind in (("transformer", "lstm_attention"), ("lstm", "lstm")):
        torch.manual_seed(0)
        config = {**TINY[kind], "src_vocab_size": tokenizer.src_vocab_size, "tgt_vocab_size": tokenizer.tgt_vocab_size}
        out[shown_in] = tiny_replay(build_model(kind, config), tokenizer, pairs, kind)
        folder = tmp_path_factory.mktemp(kind)
        (folder / REPLAY_FILE).write_text(json.dumps(out[shown_in], ensure_ascii=False), encoding="utf-8")
        out[shown_in]["folder"] = folder
    return out


@pytest.fixture(scope="module")
def explorer_url(replays):
    import gradio as gr

    from dawn import load_translator
    from ui.attention_explorer import AttentionExplorer, harness, replay_prop

    translators = {n: load_translator(CHECKPOINTS / n) for n in MODELS}
    with gr.Blocks() as demo:
        harness(translators, SENTENCE, {n: replay_prop(r["folder"]) for n, r in replays.items()})
        AttentionExplorer(None, model="lstm_attention", lang="en", replay={"missing": True}, elem_id="ax-missing")
    with serve_blocks(demo) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def page(request, browser, explorer_url):
    page = browser.new_page(viewport=VIEWPORTS[request.param], accept_downloads=True)
    page.viewport_name = request.param
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(explorer_url, wait_until="domcontentloaded")
    page.locator("#ax-decoding label:has-text('beam')").click()
    page.locator("#ax-go").click()
    page.locator("#ax-transformer .ax-beamview li").first.wait_for(state="attached", timeout=180_000)
    page.locator("#ax-lstm .ax-influence svg").wait_for(state="attached", timeout=60_000)
    if request.param == "phone":   # what these tests use waits behind "More", "Options" and "Full map": open them all
        page.evaluate("""() => document.querySelectorAll('.ax-more-btn[aria-expanded="false"], .ax-full-toggle[aria-expanded="false"]')
                                  .forEach(b => b.click())""")
        page.locator("#ax-transformer .ax-beamview li").first.wait_for(timeout=30_000)
    yield page
    page.close()


def fits(page, locator) -> bool:
    """The element ends inside the viewport's width (nothing pushes the page sideways)."""
    right = locator.evaluate("e => e.getBoundingClientRect().right")
    return right <= page.viewport_size["width"] + 1


def set_range(locator, value: int) -> None:
    locator.evaluate("(r, v) => { r.value = v; r.dispatchEvent(new Event('input')); }", value)


# ----------------------------------------------------------------------------- training replay

def test_replay_scrubs_locally_and_the_models_move_together(page, replays):
    tf, lstm = page.locator("#ax-transformer .ax-replay"), page.locator("#ax-lstm .ax-replay")
    snaps = replays["transformer"]["snapshots"]
    tf.locator(".ax-replaylabel").wait_for(timeout=60_000)             # replay.json, fetched when first drawn
    lstm.locator(".ax-replaylabel").wait_for(timeout=60_000)
    assert tf.locator(".ax-replaylabel").text_content().startswith(f"Snapshot {len(snaps)} of {len(snaps)}: step 8")
    assert tf.locator(".ax-replay-text").text_content() == snaps[-1]["translation"]

    def scrub():
        set_range(tf.locator(".ax-replayrange"), 0)

    assert requests_during(page, scrub) == []
    assert tf.locator(".ax-replaylabel").text_content().startswith("Snapshot 1 of 3: step 0, epoch 0.00")
    assert tf.locator(".ax-replay-text").text_content() == snaps[0]["translation"]
    first = snaps[0]
    # the map is an image of its SVG: one per figure, drawn (decoded, not broken), with the snapshot's grid
    img = tf.locator(".ax-replay-fig:not(.ax-replay-short) img.ax-replay-img")
    assert img.count() == 1
    assert img.get_attribute("data-cells") == str(len(first["target_tokens"]) * len(first["source_tokens"]))
    assert img.evaluate("i => i.decode().then(() => i.naturalWidth > 0 && i.complete)")
    assert first["translation"] in img.get_attribute("alt")
    short = tf.locator(".ax-replay-short")
    assert replays["transformer"]["short_sentence"] in short.locator("figcaption").text_content()
    # the LSTM's slider followed (same fraction of training), and shows influence: it has no attention
    assert lstm.locator(".ax-replayrange").evaluate("r => r.value") == "0"
    assert lstm.locator(".ax-replaylabel").text_content().startswith("Snapshot 1 of 3")
    assert "Influence" in lstm.locator(".ax-replay-fig figcaption").first.text_content()
    # unticked, the sliders move alone
    lstm.locator(".ax-together input").uncheck()
    set_range(tf.locator(".ax-replayrange"), 2)
    assert lstm.locator(".ax-replayrange").evaluate("r => r.value") == "0"
    assert tf.locator(".ax-replaylabel").text_content().startswith("Snapshot 3 of 3")
    assert fits(page, tf)


def test_the_replay_says_what_its_maps_show_and_how_it_decodes(page):
    """The plain LSTM's replay shows influence: its caption speaks of influence, never of attention; the
    Transformer's (a replay with attention) does. Both say the snapshots decode greedily."""
    tf, lstm = page.locator("#ax-transformer .ax-replay"), page.locator("#ax-lstm .ax-replay")
    lstm.locator(".ax-replaylabel").wait_for(timeout=60_000)
    plain = lstm.locator(".ax-caption").first.text_content()
    assert "attention" not in plain.lower() and "influence" in plain and "diagonal" not in plain, plain
    assert "attention" in tf.locator(".ax-caption").first.text_content()
    for box in (tf, lstm):
        assert "greedily" in box.locator(".ax-replay-greedy").text_content()
        assert "beam search" in box.locator(".ax-replay-greedy").text_content()


def test_a_model_without_replay_says_so_plainly(page):
    box = page.locator("#ax-missing .ax-replay")
    said = box.locator(".ax-replay-none").text_content()
    assert said == "This model's training was not recorded, so there is no replay to watch."
    assert "python" not in box.text_content() and "replay.json" not in box.text_content()   # words for readers
    assert box.locator("input").count() == 0                            # no empty widget
    assert box.locator(".ax-caption").text_content() == "Watching the model learn."   # no claim about its maps


# ----------------------------------------------------------------------------- the beam

def test_the_beam_counts_the_maps_words_and_stops_with_the_translation(page):
    tf = page.locator("#ax-transformer")
    beam = tf.locator(".ax-beamview")
    set_range(beam.locator(".ax-beamrange"), 1)
    rows = tf.locator(".ax-attention text.ax-row").all_text_contents()          # the map's word rows
    assert beam.locator(".ax-beamlabel").text_content() == f"Word 1 of {len(rows)}: “{rows[0]}”"
    assert beam.locator(".ax-beamrange").get_attribute("max") == str(len(rows) + 1)   # the words, then the end
    set_range(beam.locator(".ax-beamrange"), len(rows))
    assert beam.locator(".ax-beamlabel").text_content() == f"Word {len(rows)} of {len(rows)}: “{rows[-1]}”"
    set_range(beam.locator(".ax-beamrange"), len(rows) + 1)
    assert beam.locator(".ax-beamlabel").text_content().startswith("The end")
    assert beam.locator("li.ax-path.ax-finished").count() == 1                # the returned translation, finished
    tf.locator("[data-group='rows'] button[data-value='false']").click()     # tokens: the beam counts tokens
    tokens = tf.locator(".ax-attention text.ax-row").count()
    assert beam.locator(".ax-beamlabel").text_content().startswith(f"Token 1 of {tokens}:")
    tf.locator("[data-group='rows'] button[data-value='true']").click()


def test_the_beam_is_browsed_with_the_keyboard(page):
    beam = page.locator("#ax-transformer .ax-beamview")
    set_range(beam.locator(".ax-beamrange"), 1)
    beam.locator(".ax-beamrange").focus()
    for _ in range(2):                                                        # arrows keep working: focus stays
        page.keyboard.press("ArrowRight")
    assert beam.locator(".ax-beamlabel").text_content().startswith("Word 3 of")
    assert page.evaluate("document.activeElement.classList.contains('ax-beamrange')")
    beam.locator("li").first.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert beam.locator(".ax-beamlabel").text_content().startswith("Word 1 of")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.ax-beam') !== null && document.activeElement.dataset.c") == "1"
    page.keyboard.press("ArrowRight")                                          # the next step, the same place
    assert beam.locator(".ax-beamlabel").text_content().startswith("Word 2 of")
    assert page.evaluate("document.activeElement.dataset.c") == "1"
    page.keyboard.press("Enter")
    assert beam.locator("li.ax-picked").get_attribute("data-c") == "1"
    assert page.evaluate("document.activeElement.dataset.c") == "1"
    assert page.locator("#ax-transformer .ax").get_attribute("data-focus") == "row:1"


def test_the_beam_step_by_step_links_to_the_map(page):
    beam = page.locator("#ax-transformer .ax-beamview")
    set_range(beam.locator(".ax-beamrange"), 1)
    assert beam.locator(".ax-beamlabel").text_content().startswith("Word 1 of")

    def browse():
        set_range(beam.locator(".ax-beamrange"), 2)
        beam.locator("li.ax-kept").first.click()

    assert requests_during(page, browse) == []
    assert beam.locator(".ax-beamlabel").text_content().startswith("Word 2 of")
    items = beam.locator("li")
    statuses = {items.nth(i).get_attribute("class").split()[0] for i in range(items.count())}
    assert statuses <= {"ax-kept", "ax-finished", "ax-dropped"} and "ax-kept" in statuses
    assert beam.locator("li.ax-picked").count() == 1
    assert page.locator("#ax-transformer .ax").get_attribute("data-focus") == "row:1"   # step 2 = row 1
    lit = page.locator("#ax-transformer .ax-attention rect.ax-cell.ax-on")
    assert lit.count() > 0 and {lit.nth(i).get_attribute("data-r") for i in range(lit.count())} == {"1"}
    assert beam.locator("li.ax-path").count() >= 1                    # the returned translation's path
    assert fits(page, beam)


# ----------------------------------------------------------------------------- what if

def whatif_answer(box):
    box.locator(".ax-whatif-out, .ax-whatif-error").first.wait_for(timeout=60_000)
    return box.locator(".ax-whatif")


def test_choose_another_token_and_the_model_continues(page):
    tf = page.locator("#ax-transformer")
    tf.locator(".ax-tgt .ax-tok").nth(1).click()
    alts = tf.locator(".ax-altlist li")
    choose = alts.locator(".ax-choose").first
    picked = choose.locator("xpath=..").locator(".ax-alt").text_content()
    choose.click()
    w = whatif_answer(tf)
    tokens = w.locator(".ax-wtgt .ax-tok").all_text_contents()
    first = tf.locator(".ax-tgt .ax-tok").nth(0).text_content()
    assert tokens[:2] == [first, picked]                              # forced: the model's first token, then the pick
    assert w.locator(".ax-wtgt .ax-forced").count() == 2
    logp = w.locator(".ax-whatif-logp").text_content()
    assert "of this whole translation: -" in logp and "the model's own: -" in logp
    assert w.locator(".ax-whatif-map rect.ax-cell").count() == len(tokens) * tf.locator(".ax-src .ax-tok").count()
    # the what-if's own tokens have their top 5, to choose again
    w.locator(".ax-wtgt .ax-tok").nth(2).click()
    assert w.locator(".ax-altlist li").count() == 5
    assert fits(page, w)


def test_an_empty_beginning_says_why_nothing_happens(page):
    tf = page.locator("#ax-transformer")
    tf.locator(".ax-whatif-input").fill("   ")

    def go():
        tf.locator(".ax-whatif-go").click()

    assert requests_during(page, go) == []                                   # nothing to ask the server
    assert tf.locator(".ax-whatif-msg").text_content() == "Type an English beginning first."
    tf.locator(".ax-whatif-input").fill("The")
    assert tf.locator(".ax-whatif-msg").text_content() == ""                 # typing clears it
    page.locator("#ax-lang label:has-text('zh')").click()                    # in the page's language
    tf.locator(".ax-whatif-go:has-text('接着写')").wait_for(timeout=30_000)
    tf.locator(".ax-whatif-input").fill("")
    tf.locator(".ax-whatif-go").click()
    assert tf.locator(".ax-whatif-msg").text_content() == "请先输入一个英文开头。"
    page.locator("#ax-lang label:has-text('en')").click()
    tf.locator(".ax-whatif-go:has-text('Continue')").wait_for(timeout=30_000)


def test_type_a_beginning(page):
    tf = page.locator("#ax-transformer")
    tf.locator(".ax-whatif-input").fill("The dog")
    tf.locator(".ax-whatif-go").click()
    page.wait_for_timeout(100)
    w = whatif_answer(tf)
    text = w.locator(".ax-whatif-text").text_content()
    assert text.startswith("Beginning “The dog”: The dog")           # the continuation starts as typed
    lstm = page.locator("#ax-lstm")
    lstm.locator(".ax-whatif-input").fill("A")
    lstm.locator(".ax-whatif-go").click()
    page.wait_for_timeout(100)
    w = whatif_answer(lstm)
    assert "no attention" in w.locator(".ax-whatif-out").text_content()   # said, not an empty map


def test_whatif_errors_and_hostile_prefixes_stay_text(page):
    tf = page.locator("#ax-transformer")
    tf.locator(".ax-whatif-input").fill("fish " * 40)                  # more tokens than the short source allows
    tf.locator(".ax-whatif-go").click()
    page.wait_for_timeout(100)
    w = whatif_answer(tf)
    assert "can be forced" in w.locator(".ax-whatif-error").text_content()
    hostile = "<img src=x onerror=alert(1)>"
    tf.locator(".ax-whatif-input").fill(hostile)
    tf.locator(".ax-whatif-go").click()
    page.wait_for_timeout(100)
    w = whatif_answer(tf)
    assert w.locator(".ax-whatif-text").text_content().startswith(f"Beginning “{hostile}”: {hostile}")
    # no element was made of the typed text: the only images are the replay's maps, drawn from blob: URLs
    assert tf.locator("img:not(.ax-replay-img)").count() == 0 and page.dialogs == []
    assert all(src.startswith("blob:") for src in tf.locator("img.ax-replay-img").evaluate_all("l => l.map(i => i.src)"))


# ----------------------------------------------------------------------------- exports

def test_the_exported_svg_needs_no_cjk_font(page):
    if page.viewport_name != "desktop":
        pytest.skip("exports once is enough")
    lstm = page.locator("#ax-lstm")
    with page.expect_download() as info:
        lstm.locator(".ax-influence [data-export=svg]").click()
    svg = info.value.path().read_text(encoding="utf-8")
    assert "<text" not in svg and "猫" in svg                          # outlines; the text is kept in <title>
    assert "<title>2014 · LSTM (no attention) · Influence." in svg
    assert 'class="ax-legend"' in svg and "drop in log-probability, nats" in svg
    with page.expect_download() as info:
        lstm.locator(".ax-influence [data-export=json]").click()
    import json
    data = json.loads(info.value.path().read_text(encoding="utf-8"))
    assert data["title"].startswith("2014 · LSTM (no attention)") and data["legend"]["min"] == -data["legend"]["max"]


def test_on_a_phone_the_alternatives_open_under_the_tapped_word_and_choosing_opens_what_if(browser, explorer_url):
    """A fresh phone page: "top characters" first, every panel closed; a tapped word shows its top 5 right under it,
    on screen; choosing another token opens the what-if panel and shows the model's continuation."""
    page = browser.new_page(viewport=VIEWPORTS["phone"], has_touch=True)
    try:
        page.goto(explorer_url, wait_until="domcontentloaded")
        page.locator("#ax-go").click()
        tf = page.locator("#ax-transformer")
        chip = tf.locator(".ax-attention .ax-line").nth(1)
        chip.wait_for(timeout=180_000)
        assert tf.locator(".ax-whatif").is_hidden() and tf.locator(".ax-beamview").is_hidden()
        assert tf.locator(".ax-more-btn[data-more='whatif']").get_attribute("aria-expanded") == "false"
        chip.tap()
        alts = tf.locator(".ax-altlist")
        a, c = alts.bounding_box(), chip.bounding_box()
        assert c["y"] + c["height"] <= a["y"] and a["y"] + a["height"] <= VIEWPORTS["phone"]["height"], (c, a)
        alts.locator(".ax-choose").first.tap()
        w = whatif_answer(tf)
        assert w.is_visible() and tf.locator(".ax-more-btn[data-more='whatif']").get_attribute("aria-expanded") == "true"
        assert w.locator(".ax-wtgt .ax-forced").count() == 2
    finally:
        page.close()


# ----------------------------------------------------------------------------- saliency, the third view

def test_the_saliency_view_is_asked_for_once_and_drawn_with_its_legend_in_both_languages(page):
    """Picking "Saliency" over the second map asks the server once (the page's payload comes without it), then draws
    the same rows in influence's colours with its legend, and the line under the map (shown with saliency only) counts
    how often the views this model has pick the same character; switching back and forth is local; both languages; nothing pushes the page
    sideways at 390 px."""
    import re

    from playwright.sync_api import expect
    for name, views in (("transformer", "Attention, saliency and influence"), ("lstm", "Saliency and influence")):
        ex = page.locator(f"#ax-{name}")
        agree = ex.locator(".ax-agreement-line")
        assert ex.locator(".ax-agreement").is_hidden()   # the line belongs to the saliency view (phones stay short)
        assert ex.locator(".ax-saliency").count() == 0
        ex.locator("[data-group=evidence] button[data-value=saliency]").click()
        fig = ex.locator(".ax-saliency")
        fig.locator("svg.ax-map").wait_for(timeout=120_000)
        assert ex.locator(".ax-influence").count() == 0 and fig.locator("rect.ax-cell").count() > 0
        fills = set(fig.locator("rect.ax-cell").evaluate_all("rs => rs.map(r => r.getAttribute('fill'))"))
        assert fills <= {"#ea580c", "#7c3aed"}, fills                     # influence's colours: a signed quantity
        key = fig.locator(".ax-key")
        assert key.is_visible() and "nats" in key.text_content() and fig.locator(".ax-swatch").is_visible()
        assert fig.locator("svg.ax-map").get_attribute("aria-label").startswith("Saliency of ")
        assert fig.locator("[data-group=evidence] button[data-value=saliency]").get_attribute("aria-pressed") == "true"
        assert re.fullmatch(views + r" pick the same source character for \d+ of \d+ words\.", agree.text_content()), \
            agree.text_content()
        assert fits(page, ex.locator(".ax-agreement")) and fits(page, key) and fits(page, fig.locator(".ax-evidence"))
        fig.locator(".ax-table-toggle").click()                              # the numbers, as a table
        assert fig.locator(".ax-numtable caption").text_content().startswith("Saliency of ")
        fig.locator(".ax-table-toggle").click()

        def back_and_forth():
            ex.locator("[data-group=evidence] button[data-value=influence]").click()
            ex.locator(".ax-influence svg.ax-map").wait_for()
            ex.locator("[data-group=evidence] button[data-value=saliency]").click()
            ex.locator(".ax-saliency svg.ax-map").wait_for()
        assert requests_during(page, back_and_forth) == []                  # asked once, kept with the sentence
    page.locator("#ax-lang label:has-text('zh')").click()
    tf = page.locator("#ax-transformer")
    expect(tf.locator(".ax-saliency .ax-caption strong")).to_have_text("显著性。", timeout=30_000)   # redrawn, kept
    assert "纳特" in tf.locator(".ax-saliency .ax-key").text_content()
    assert tf.locator(".ax-agreement-line").text_content().startswith("注意力、显著性和影响力在 ")
    assert page.locator("#ax-lstm .ax-agreement-line").text_content().startswith("显著性和影响力在 ")
    assert fits(page, tf.locator(".ax-agreement")) and fits(page, tf.locator(".ax-saliency .ax-key"))
    page.locator("#ax-lang label:has-text('en')").click()
    expect(tf.locator(".ax-saliency .ax-caption strong")).to_have_text("Saliency.", timeout=30_000)
    for name in ("transformer", "lstm"):                                      # as the other tests found it
        page.locator(f"#ax-{name} [data-group=evidence] button[data-value=influence]").click()
        page.locator(f"#ax-{name} .ax-influence svg.ax-map").wait_for()


# ----------------------------------------------------------------------------- the training-data lens

def test_tapping_a_character_shows_how_often_training_had_it(page):
    """The lens (ui/lens.py through the explorer's server function): a tapped character's count, up to five pairs with
    it marked, each with its corpus and licence; a tap on another character takes the stretch between, which here
    never occurs in training and says so; in Chinese too; it fits a phone's width."""
    import re

    from playwright.sync_api import expect
    lens = page.locator("#ax-transformer .ax-lens")
    lens.locator(".ax-lens-chars button", has_text="猫").click()
    count = lens.locator(".ax-lens-count")
    expect(count).to_have_text(re.compile(r"“猫” in training: [\d,]+ pairs"), timeout=60_000)
    examples = lens.locator(".ax-lens-examples li")
    assert 1 <= examples.count() <= 5
    for i in range(examples.count()):
        li = examples.nth(i)
        assert li.locator("mark").text_content() == "猫" and li.locator(".ax-lens-source").text_content().strip()
    assert lens.locator(".ax-lens-chars button[aria-pressed=true]").count() == 1
    assert fits(page, lens) and fits(page, examples.first)
    lens.locator(".ax-lens-chars button", has_text="。").click()           # the stretch 猫追老鼠。
    expect(count).to_have_text("“猫追老鼠。” was never seen in training.", timeout=30_000)
    assert lens.locator(".ax-lens-chars button[aria-pressed=true]").count() == 5 and examples.count() == 0
    page.locator("#ax-lang label:has-text('zh')").click()
    expect(count).to_have_text("训练时从没见过“猫追老鼠。”。", timeout=30_000)
    lens.locator(".ax-lens-chars button", has_text="鼠").click()             # a new stretch: one character
    expect(count).to_have_text(re.compile(r"“鼠”在训练数据中：[\d,]+ 个句对"), timeout=30_000)
    page.locator("#ax-lang label:has-text('en')").click()
    expect(lens.locator(".ax-lens-head strong")).to_have_text("In training?", timeout=30_000)


def test_tapping_a_word_of_the_translation_looks_up_it_and_the_characters_behind_it(page):
    """The translation's words in the lens: a tap looks up the characters the word looked at most (pressed among the
    sentence's characters, and said in one line) and the word itself on the English side, each match marked; in
    Chinese too; a character tapped afterwards drops the English answer."""
    import re

    from playwright.sync_api import expect
    lens = page.locator("#ax-transformer .ax-lens")
    words = lens.locator(".ax-lens-words button")
    expect(words.first).to_be_visible(timeout=30_000)
    texts = words.all_text_contents()
    word = next(w for w in texts if re.fullmatch(r"[A-Za-z]+", w) and w.lower() not in ("the", "a", "is"))
    words.nth(texts.index(word)).click()
    behind = lens.locator(".ax-lens-out .ax-hint").first
    expect(behind).to_have_text(re.compile(r"“%s” looked most at “(.+)”\." % word), timeout=60_000)
    stretch = re.search(r"looked most at “(.+)”", behind.text_content()).group(1)
    assert "".join(lens.locator(".ax-lens-chars:not(.ax-lens-words) button[aria-pressed=true]").all_text_contents()) == stretch
    counts = lens.locator(".ax-lens-count")
    expect(counts).to_have_count(2, timeout=60_000)
    zh_count, en_count = counts.all_text_contents()
    assert zh_count.startswith(f"“{stretch}”") and re.match(r"“%s” (on the English side: [\d,]+ pairs|never occurs)" % word, en_count)
    if "pairs" in en_count:
        marks = lens.locator(".ax-lens-examples").last.locator("mark").all_text_contents()
        assert marks and {m.lower() for m in marks} == {word.lower()}
    assert fits(page, lens)
    page.locator("#ax-lang label:has-text('zh')").click()
    expect(counts.last).to_have_text(re.compile(r"“%s”在训练句对的英文一侧：[\d,]+ 个句对|训练句对的英文一侧从没出现过“%s”。" % (word, word)), timeout=30_000)
    lens.locator(".ax-lens-chars:not(.ax-lens-words) button").first.click()   # a character: the English answer goes
    expect(counts).to_have_count(1, timeout=30_000)
    page.locator("#ax-lang label:has-text('en')").click()
    expect(lens.locator(".ax-lens-head strong")).to_have_text("In training?", timeout=30_000)


def test_no_script_errors(page):
    """Runs last for each viewport: nothing above raised in the explorer's script."""
    assert page.errors == []
