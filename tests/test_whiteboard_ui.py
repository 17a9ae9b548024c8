"""ui/whiteboard.py: the board in both languages, live updates and their messages, the /whiteboard API through
gradio_client, and the section in a real browser at phone and desktop size.

The app under test is a small gr.Blocks built here the way app.py builds the page (the section built once and
relabelled in place when the language changes, keeping every edit; /whiteboard registered once), so that these tests need no
checkpoints. Screenshots go to $DAWN_SCREENSHOT_DIR (default: /tmp/whiteboard-screenshots)."""

from __future__ import annotations

import os
import socket
import string
import time
from pathlib import Path

import gradio as gr
import pytest

from dawn import whiteboard as wb
from ui import whiteboard as W

DEFAULT = ("1, 0, 0.5", "0, 1, 0", "0.5, 0, 1")
IDENTITY = "1 0 0\n0 1 0\n0 0 1"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("DAWN_SCREENSHOT_DIR", "/tmp/whiteboard-screenshots"))


def live(*vectors, scale=False, positions=False, focus="追", head1=(IDENTITY,) * 3, head2=("", "", ""), lang="en"):
    return W.update(*vectors, scale, positions, focus, *head1, *head2, lang=lang)


# ----------------------------------------------------------------------------- strings

def test_both_languages_have_every_string():
    assert set(W.STRINGS["en"]) == set(W.STRINGS["zh"])
    assert {k.removeprefix("wb.error.") for k in W.STRINGS["zh"] if k.startswith("wb.error.")} == set(wb.MESSAGES)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, english in W.STRINGS["en"].items():  # the same {placeholders} in both languages
        assert fields(english) == fields(W.STRINGS["zh"][key]), key
    for lang in W.STRINGS:  # every template formats with the parameters the code gives it
        message = W.message_for(wb.BadInput("lengths", lengths="猫: 3, 追: 2"), lang)
        assert "猫: 3, 追: 2" in message


# ----------------------------------------------------------------------------- live updates

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_board_shows_the_episode(lang):
    message, board, orders, heads = live(*DEFAULT, lang=lang)
    assert message == {"view": "message", "text": "", "error": False}
    assert "$$" in board and "\\frac" in board and "\\text{追}" in board
    assert "(0.212,\\ 0.576,\\ 0.212)" in board                       # ② with the numbers filled in
    assert "0\\times1 + 1\\times0 + 0\\times0.5 = 0" in board           # ① s(追, 猫), term by term
    assert "= [0.318,\\ 0.576,\\ 0.318]" in board                       # ③
    assert "| 0.212 / 0.576 / 0.212 | 0.2119415576, 0.5761168848, 0.2119415576 |" in board  # as on the board | exact
    assert "[0.318, 0.576, 0.318] | [0.3179123364, 0.5761168848, 0.3179123364]" in board
    assert W.t(lang, "wb.board.identity") in board
    assert orders["same"] is True and all(all(c["same"]) for c in orders["cards"])
    assert [c["title"] for c in orders["cards"]] == ["猫追老鼠", "老鼠追猫"]
    assert [c["title"] for c in heads["cards"]] == [W.t(lang, "wb.head", h=1), W.t(lang, "wb.head", h=2)]


def test_switches_change_the_board():
    _, board, _, _ = live(*DEFAULT, scale=True)
    assert "\\sqrt{3} = 1.732" in board and "(0.264,\\ 0.471,\\ 0.264)" in board
    _, board, orders, _ = live(*DEFAULT, positions=True)
    assert "x_{\\text{猫}} + p_{0} &= [1,\\ 0,\\ 0.5] + [0,\\ 1,\\ 0] = [1,\\ 1,\\ 0.5]" in board
    assert orders["same"] is False and "1.255" in orders["summary"] and "猫" in orders["summary"]
    assert orders["cards"][0]["same"] == [False, False, False]
    _, board, _, _ = live(*DEFAULT, focus="猫", head1=(IDENTITY, "1 -2 0\n0 0 0\n0 3 1", IDENTITY))
    assert "Q = XW_Q" in board and "s_{\\text{猫},\\text{老鼠}}" in board
    _, _, _, heads = live(*DEFAULT, head2=tuple(wb.matrix_text(M) for M in wb.PRESETS["object"]))
    assert heads["cards"][1]["notes"][1] == "追 listens most to 老鼠 (0.821)"


def test_huge_scores_are_shifted_before_exp():
    _, board, _, _ = live("1e3 0 0", "0 1e3 0", "0 0 1e3")
    assert "e^{-1.000\\times 10^{6}}" in board and "subtracted first" in board and "nan" not in board.lower()


BAD = {  # what a visitor might type -> a piece of the message
    "empty": (("", "0 1 0", "1 0 1"), "猫: the vector is empty"),
    "all empty": (("", "", ""), "the vector is empty"),
    "none": ((None, None, None), "the vector is empty"),
    "letters": (("a, b", "0 1 0", "1 0 1"), "'a' is not a number"),
    "markup": (("<b>1</b>", "0 1 0", "1 0 1"), "'<b>1</b>' is not a number"),
    "nul and surrogate": (("1\x00 0 0", "\ud800", "1 0 1"), "is not a number"),
    "nan": (("nan 0 0", "0 1 0", "1 0 1"), "'nan' is not a finite number"),
    "inf": (("inf 0 0", "0 1 0", "1 0 1"), "'inf' is not a finite number"),
    "-inf": (("0 -inf 0", "0 1 0", "1 0 1"), "'-inf' is not a finite number"),
    "overflowing literal": (("9" * 400, "0 1 0", "1 0 1"), "is not a finite number"),
    "too large": (("1e7 0 0", "0 1 0", "1 0 1"), "'1e7' is too large"),
    "different lengths": (("1 0", "0 1 0", "1 0 1"), "same length, got 猫: 2, 追: 3, 老鼠: 3"),
    "too many numbers": (("1 " * 17,) * 3, "17 numbers; at most 16"),
    "very long text": (("1 " * 10_000, "0 1 0", "1 0 1"), "20,000 characters is too long"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_vectors_get_a_message_and_keep_the_last_result(name):
    vectors, expected = BAD[name]
    message, *rest = live(*vectors)
    assert message["error"] is True and expected in message["text"] and len(message["text"]) < 300
    assert message["text"].startswith("⚠") and "last valid input" in message["text"]
    assert all(r == gr.skip() for r in rest)  # the board, the orders and the heads stay as they were


@pytest.mark.parametrize("head1,expected", [
    (("1 0\n0 1", IDENTITY, IDENTITY), "W_Q of head 1 has 2 rows but the vectors have 3 numbers"),
    ((IDENTITY, "1 0 0\n0 1", IDENTITY), "W_K of head 1: every row needs the same number of entries"),
    (("1 0\n0 1\n0 0", IDENTITY, IDENTITY), "W_Q of head 1 has 2 columns but W_K of head 1 has 3"),
    ((IDENTITY, IDENTITY, "1 0 0\n0 x 0\n0 0 1"), "W_V of head 1: 'x' is not a number"),
    ((IDENTITY, IDENTITY, "1 0 0\n0 inf 0\n0 0 1"), "W_V of head 1: 'inf' is not a finite number"),
])
def test_bad_matrices_get_a_message(head1, expected):
    message, *rest = live(*DEFAULT, head1=head1)
    assert expected in message["text"] and all(r == gr.skip() for r in rest)


def test_messages_in_chinese():
    message, *_ = live("1, x, 2", "0 1 0", "1 0 1", lang="zh")
    assert message["text"] == "⚠ 猫：'x' 不是数字。下面仍是上一次有效输入的结果。"
    message, *_ = live(*DEFAULT, head2=("", "", "1 0 0\n0 1 0"), lang="zh")
    assert "头 2 的 W_V 有 2 行，但向量有 3 个数" in message["text"]


def test_vectors_of_another_length_work_with_empty_matrices():
    message, board, orders, heads = live("1 0 0 1", "0 1 0 0", "1 1 1 1", head1=("", "", ""))
    assert not message["error"] and len(orders["cards"][0]["outputs"][0]) == 4


def test_a_change_recomputes_well_under_100_ms():
    live(*DEFAULT)  # warm
    start = time.process_time()  # CPU time: a busy machine slows the clock, not the work
    for _ in range(20):
        live(*DEFAULT, scale=True, positions=True, head2=tuple(wb.matrix_text(M) for M in wb.PRESETS["object"]))
    per_update_ms = (time.process_time() - start) / 20 * 1000
    assert per_update_ms < 50, per_update_ms  # ~1 ms on an idle core


def test_sqrt_d_and_bill_tables():
    md = W.sqrt_d_markdown(100, "en")
    assert "**At d = 100:**" in md and "| **100** |" in md and "| 512 |" in md
    bill = W.bill_markdown("zh")
    assert "| 54 | 2,916 | 373,248 | 11.4 KiB | 54 | 故事里的长句（54 个字） |" in bill
    assert "| 4,096 | 16,777,216 | 2,147,483,648 | 64.0 MiB | 4,096 | 一篇文档 |" in bill
    assert W.load_preset("object")[1] == "1 -2 0\n0 0 0\n0 3 1" and W.load_preset("nope") == (gr.skip(),) * 3


# ----------------------------------------------------------------------------- the API, called directly

def test_api_function_defaults_give_the_episode():
    r = W.whiteboard(*DEFAULT)
    assert r["order"] == "猫追老鼠" and r["words"] == ["猫", "追", "老鼠"] and r["scaled"] is False
    assert r["as_on_the_board"]["weights"][1] == [0.212, 0.576, 0.212]
    assert r["as_on_the_board"]["outputs"][1] == [0.318, 0.576, 0.318]
    assert r["dot_products"] == [[1.25, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.25]]
    assert max(r["output_difference_vs_other_order"].values()) < 1e-12
    r = W.whiteboard(*DEFAULT, True, "老鼠追猫", True, IDENTITY, "1 -2 0; 0 0 0; 0 3 1", "")
    assert r["words"] == ["老鼠", "追", "猫"] and r["scaled"] and r["positions"] and r["p"][0] == [0.0, 1.0, 0.0]
    assert min(r["output_difference_vs_other_order"].values()) > 0.01
    with pytest.raises(gr.Error, match="order must be one of"):
        W.whiteboard(*DEFAULT, order="cat")
    with pytest.raises(gr.Error, match="追: the vector is empty"):
        W.whiteboard("1 0 0.5", "", "0.5 0 1")


# ----------------------------------------------------------------------------- the section in a running app

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wb_url():
    """The whiteboard as app.py builds it: built once, relabelled in place by the language switch (fill), and
    /whiteboard registered once."""
    with gr.Blocks() as demo:
        lang = gr.Radio([("中文", "zh"), ("English", "en")], value="en", label="language", elem_id="lang")
        board = W.build_whiteboard(lang, api=False)
        lang.change(board.fill, [lang, *board.inputs], board.outputs, queue=False, api_visibility="private")
        gr.api(W.whiteboard, api_name="whiteboard")
    demo.queue(default_concurrency_limit=2, max_size=64)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


def test_api_through_gradio_client(wb_url):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(wb_url, verbose=False)
    r = client.predict(*DEFAULT, api_name="/whiteboard")
    numbers = {round(v, 3) for row in r["weights"] + r["outputs"] for v in row}
    assert {0.212, 0.576, 0.318} <= numbers  # the episode's
    assert r["weights"][1] == pytest.approx([0.2119415576, 0.5761168848, 0.2119415576], abs=1e-10)
    r = client.predict(*DEFAULT, True, "老鼠追猫", True, api_name="/whiteboard")
    assert r["words"] == ["老鼠", "追", "猫"] and r["scaled"] and min(r["output_difference_vs_other_order"].values()) > 0
    r = client.predict(*DEFAULT, w_k="1 -2 0\n0 0 0\n0 3 1", api_name="/whiteboard")
    assert max(r["weights"][1]) == r["weights"][1][2]  # 追 listens to 老鼠
    with pytest.raises(AppError, match="'x' is not a number"):
        client.predict("1, x, 0", "0 1 0", "1 0 1", api_name="/whiteboard")
    api = client.view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/whiteboard"]  # the live events are private


pytestmark_browser = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")

CHECK_LAYOUT = """() => {
  const root = document.querySelector('#whiteboard');
  const small = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.katex, .cm-gutters') || !el.childNodes.length) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (own && el.getClientRects().length && size < 12) small.push(el.tagName + ' ' + size + ' ' + el.textContent.slice(0, 20));
  }
  const cards = [...document.querySelectorAll('#wb-orders .wb-card')].map(c => c.getBoundingClientRect());
  return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, small,
          katex: document.querySelectorAll('#whiteboard-steps .katex').length,
          text: root.innerText, cards: cards.map(r => [r.left, r.top, r.right, r.bottom])};
}"""


@pytestmark_browser
@pytest.mark.parametrize("width,height", [(390, 844), (1400, 1000)])
def test_in_the_browser(wb_url, width, height):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(wb_url, wait_until="domcontentloaded")
            expect(page.locator("#whiteboard-steps .katex").first).to_be_visible(timeout=120_000)
            more = page.locator("#wb-more .wb-more-btn")
            if width <= 640:   # a phone: the board first; each panel after it behind a "More" button, closed
                expect(more).to_have_count(5, timeout=60_000)
                assert page.locator("#wb-panel-orders").is_hidden() and page.locator("#wb-panel-bill").is_hidden()
                for i in range(more.count()):
                    assert more.nth(i).get_attribute("aria-expanded") == "false"
                    more.nth(i).click()
                    expect(more.nth(i)).to_have_attribute("aria-expanded", "true")
                bill = page.locator("#wb-bill table")   # the n² bill: wider than the phone, and it says so
                assert bill.evaluate("t => t.scrollWidth > t.clientWidth")
                expect(page.locator("#wb-bill-hint .wb-scroll-hint")).to_be_visible()
            else:              # a desktop: every panel, no buttons
                assert more.count() == 0 or more.first.is_hidden()
                expect(page.locator("#wb-panel-bill")).to_be_visible()
            expect(page.locator("#wb-orders .wb-card")).to_have_count(2, timeout=60_000)
            page.screenshot(path=str(SHOTS / f"whiteboard-{width}.png"), full_page=True)

            got = page.evaluate(CHECK_LAYOUT)
            assert got["katex"] > 5 and "$$" not in got["text"] and "\\frac" not in got["text"]  # formulas rendered
            assert "[0.318, 0.576, 0.318]" in got["text"] and "0.212 / 0.576 / 0.212" in got["text"]
            assert got["scroll"] <= got["width"], "the page scrolls sideways"
            assert not got["small"], got["small"][:5]
            (l1, t1, r1, b1), (l2, t2, r2, b2) = got["cards"]
            assert r1 <= width and r2 <= width
            if width >= 1000:
                assert abs(t1 - t2) < 2 and r1 <= l2          # the two orders side by side
            else:
                assert t2 >= b1 and r1 - l1 > 300              # stacked, each the width of the phone

            # live: a new number recomputes without a button; a bad one gets a message and the board stays
            box = page.locator("#wb-x0").locator("textarea, input").first
            start = time.perf_counter()
            box.fill("1, 1, 0.5")  # 追 now scores 猫 as high as itself: e / (2e + 1) = 0.422
            expect(page.locator("#whiteboard-steps")).to_contain_text("0.422 / 0.422 / 0.155", timeout=30_000)
            round_trip_ms = (time.perf_counter() - start) * 1000
            box.fill("1, zz, 0.5")
            expect(page.locator("#wb-message")).to_contain_text("'zz' is not a number", timeout=30_000)
            expect(page.locator("#whiteboard-steps")).to_contain_text("0.422 / 0.422 / 0.155")  # the last good result
            box.fill("1, 0, 0.5")
            expect(page.locator("#wb-message")).to_have_text("", timeout=30_000)
            page.locator("#wb-positions input").check()
            expect(page.locator("#wb-orders .wb-summary")).to_contain_text("different outputs", timeout=30_000)
            page.screenshot(path=str(SHOTS / f"whiteboard-{width}-positions.png"), full_page=True)
            print(f"{width}px: change -> board updated in {round_trip_ms:.0f} ms (browser round trip, busy machine)")
            box.fill("1, 0.25, 0.5")
            expect(page.locator("#whiteboard-steps")).to_contain_text("0.25", timeout=30_000)
            page.get_by_label("中文").check()   # the switch relabels the section in place: every edit stays
            expect(page.locator("#whiteboard-steps")).to_contain_text("黑板", timeout=60_000)
            expect(page.locator("#wb-x0 textarea, #wb-x0 input").first).to_have_value("1, 0.25, 0.5")
            assert page.locator("#wb-positions input").is_checked()
            expect(page.locator("#wb-x0")).to_contain_text("猫")               # the label is Chinese now
            expect(page.locator("#whiteboard")).not_to_contain_text("vector of")
            if width < 1000:
                page.screenshot(path=str(SHOTS / "whiteboard-zh-390.png"), full_page=True)
        finally:
            browser.close()
