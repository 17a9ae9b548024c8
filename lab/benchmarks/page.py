"""Benchmark of the page as a visitor meets it, in Chromium (Playwright), against the issue's targets.

    python -m lab.benchmarks.page                       # starts app.py (loopback, free port), writes the JSON + screenshots
    python -m lab.benchmarks.page --requests 50 --runs 2 --out /tmp/page.json --shots /tmp/shots

Measures, with the app started here from cold:
  cold_start_s        `python app.py` started -> the page answers HTTP 200, the story translated by every
                      model at the decoding chosen on validation (the page's own values): median of
                      --cold-starts starts                                               (target ≤ 10 s)
  story_visible_s     page load -> every model's story translation shown, app warm   (≤ 2.5 s)
  translate_text_s    Translate clicked -> the new sentence's translations shown     (≤ 0.8 s)
  section_open_s      ③ opened -> its attention map drawn (made and sent only then)   (measured; no target)
  maps_after_text_s   with ③ open: translations shown -> its map redrawn             (≤ 0.3 s)
  explorer_switch_ms  a layer/head switch in an explorer, measured in the browser     (≤ 100 ms, issue 11)
  phone_screens       at 390×844, nothing opened: the page's height in screens         (≤ 6)
  phone_story_screens at 390×844: where the story's three translations end, in screens (≤ 1: the first screen)
  phone_open_screens  at 390×844, every section and "more" opened: the page's height   (≤ 12)
  phone_profile       a mid-range phone (Chrome DevTools: CPU throttled 4×, 1.6 Mbps down, 750 kbps up,
                      150 ms round trip), cold cache: navigation -> the Transformer's story translation
                      on screen, median of --runs, beside a bare Gradio page (one text box with its
                      text) measured the same way in the same run: the ratio               (≤ 1.5)
  rss_mb              the app's resident memory after --requests calls of /translate   (≤ 1 GB)
  first_html          the page's first HTML ("/"): bytes as sent (brotli / gzip, as a browser asks) and
                      uncompressed (measured; no target)
  paragraph_max_s     /translate of the longest paragraph the page takes (2,000 characters in at most
                      100 sentences), beam, app warm: what one request can cost          (measured; no target)
and saves screenshots at 390×844 and 1400×1000, in Chinese and English (palette PNGs, small).
Medians over --runs. The machine's load average is recorded beside the numbers: on a CPU shared
with training, every number is slower than on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dawn.story import STORY_REFERENCE, STORY_SENTENCE
from dawn.text import MAX_SENTENCES, MAX_SOURCE_CHARS, split_sentences
from lab.benchmarks.app_server import SENTENCES, launch_app
from training.machine import cpu_model

ROOT = Path(__file__).resolve().parents[2]  # the repository
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 1000}}
TARGETS = {"cold_start_s": 10.0, "story_visible_s": 2.5, "translate_text_s": 0.8, "maps_after_text_s": 0.3,
           "explorer_switch_ms": 100.0, "phone_screens": 6.0, "phone_story_screens": 1.0, "phone_open_screens": 12.0,
           "phone_profile_ratio": 1.5, "rss_mb": 1024.0}
# Chrome DevTools' mid-range phone: CPU 4× slower, "Fast 3G"-like network (bytes per second, milliseconds)
PHONE_PROFILE = {"cpu_throttling": 4, "download_bps": 1_600_000 // 8, "upload_bps": 750_000 // 8, "latency_ms": 150}
NEW_SENTENCES = [("如果你明天有时间的话，我们可以一起去公园散步。", "If you have time tomorrow, we can take a walk in the park."),
                 ("我明天要去图书馆看书。", "I'm going to the library to read tomorrow."),
                 ("虽然他很累，但是他还是把工作做完了。", "Although he was very tired, he still finished the work.")]
WAIT_MS = 300_000

# Watch, every animation frame, for the translations (and, when section ③ is open, its explorer) to change.
WATCH_JS = """(withMaps) => {
  const box = document.querySelector('#out-transformer textarea');
  // the explorer's own drawing (.ax), not its block: Gradio's progress overlay changes the block's text at once
  const mapsText = () => { const ax = document.querySelector('#explorer-transformer .ax'); return ax ? ax.textContent : ''; };
  const text0 = box.value, maps0 = mapsText();
  window.__dawnTimes = {clicked: performance.now()};
  const tick = () => {
    const now = performance.now();
    if (!window.__dawnTimes.text && box.value !== text0) window.__dawnTimes.text = now;
    if (!window.__dawnTimes.maps && mapsText() !== maps0) window.__dawnTimes.maps = now;
    if (!(window.__dawnTimes.text && (window.__dawnTimes.maps || !withMaps))) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

STORY_SHOWN_JS = """() => {
  const boxes = [...document.querySelectorAll('[id^="out-"] textarea')];
  return boxes.length === 3 && boxes.every(b => b.value.trim());
}"""
PHONE_JS = """() => ({screens: document.scrollingElement.scrollHeight / innerHeight,
  story: (document.querySelector('#score-transformer').getBoundingClientRect().bottom + scrollY) / innerHeight})"""


def phone_screens(page) -> dict:
    """The phone's page measured once all of it is laid out (the footer and ④'s heading drawn, fonts loaded)."""
    page.locator("#dawn-footer p").first.wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#step4").wait_for(state="visible", timeout=WAIT_MS)
    page.evaluate("document.fonts.ready.then(() => null)")
    page.wait_for_timeout(500)
    return page.evaluate(PHONE_JS)


def open_section(page, n: int, drawn: str) -> float:
    """Open section n and return the seconds until `drawn` is visible (its data is made and sent only then)."""
    start = time.perf_counter()
    page.locator(f"#step{n} > button.label-wrap").click()
    page.locator(drawn).first.wait_for(state="visible", timeout=WAIT_MS)
    return time.perf_counter() - start


OPEN_ALL = [(1, "#dawn-curve .dawn-curve-svg"), (2, "#explorer-lstm_attention .ax-map"),
            (3, "#explorer-transformer .ax-map"), (4, "#whiteboard-steps .katex")]


def open_everything_screens(page) -> float:
    """Every section opened, and ①'s "more" (its report and the LSTM's explorer): the phone page's height in screens."""
    for n, drawn in OPEN_ALL:
        open_section(page, n, drawn)
    page.locator("#step1 .dawn-more > button.label-wrap").click()
    page.locator("#dawn-report .dawn-report-model").first.wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#explorer-lstm .ax").first.wait_for(state="visible", timeout=WAIT_MS)
    page.wait_for_timeout(1000)
    return page.evaluate("document.scrollingElement.scrollHeight / innerHeight")


def throttled_seconds(browser, url: str, shown_js: str) -> float:
    """A fresh context (cold cache) at 390×844 under PHONE_PROFILE: seconds from navigation until shown_js is true."""
    ctx = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-US", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": PHONE_PROFILE["latency_ms"],
                                                  "downloadThroughput": PHONE_PROFILE["download_bps"],
                                                  "uploadThroughput": PHONE_PROFILE["upload_bps"]})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": PHONE_PROFILE["cpu_throttling"]})
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(shown_js, timeout=WAIT_MS, polling="raf")
    seconds = time.perf_counter() - start
    ctx.close()
    return seconds


# The story is readable when the Transformer's translation is on screen; the bare page when its text is.
TRANSFORMER_SHOWN_JS = """() => { const b = document.querySelector('#out-transformer textarea');
  return !!b && b.value.trim().length > 0 && b.getBoundingClientRect().height > 0; }"""
BARE_SHOWN_JS = """() => { const b = document.querySelector('#bare textarea');
  return !!b && b.value.length > 0 && b.getBoundingClientRect().height > 0; }"""


def phone_profile(browser, url: str, runs: int) -> dict:
    """The story under PHONE_PROFILE beside a bare Gradio 6 page (one text box holding a sentence) served by this
    process on loopback: both measured here, alternately, --runs times each."""
    import socket

    import gradio as gr
    with gr.Blocks() as bare:
        gr.Textbox(STORY_REFERENCE, elem_id="bare", label="Text")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bare.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    story, floor = [], []
    try:
        for _ in range(runs):
            story.append(throttled_seconds(browser, url, TRANSFORMER_SHOWN_JS))
            floor.append(throttled_seconds(browser, f"http://127.0.0.1:{port}/", BARE_SHOWN_JS))
    finally:
        bare.close()
    med_story, med_floor = statistics.median(story), statistics.median(floor)
    return {"profile": PHONE_PROFILE, "story_s": round(med_story, 2), "bare_gradio_s": round(med_floor, 2),
            "ratio": round(med_story / med_floor, 2), "story_runs_s": [round(x, 2) for x in story],
            "bare_gradio_runs_s": [round(x, 2) for x in floor]}


def first_html(url: str) -> dict:
    """The page's first HTML as a browser receives it: {"bytes": uncompressed, "br": sent as brotli, "gzip": sent as gzip}."""
    import urllib.request
    sizes = {}
    for encoding in ("br", "gzip", "identity"):
        request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request, timeout=120) as r:
            sizes["bytes" if encoding == "identity" else encoding] = len(r.read())
    return sizes


def longest_paragraph() -> str:
    """The load test's sentences, cycled into the longest paragraph the page accepts (ui/inputs.py)."""
    pool = [s for source, _ in SENTENCES for s in split_sentences(source)]
    text, n, i = "", 0, 0
    while n < MAX_SENTENCES and len(text) + len(pool[i % len(pool)]) <= MAX_SOURCE_CHARS:
        text, n, i = text + pool[i % len(pool)], n + 1, i + 1
    return text


def paragraph_seconds(url: str, text: str) -> float:
    from gradio_client import Client
    client = Client(url, verbose=False)
    start = time.perf_counter()
    client.predict(text, "", "beam", api_name="/translate")
    return time.perf_counter() - start


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def small_png(path: Path) -> int:
    """Re-save a screenshot as a palette PNG (the README shows them; each stays well under 300 KB)."""
    from PIL import Image
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path.stat().st_size


def story_visible(browser, url: str, viewport: dict, locale: str) -> tuple[float, object, object]:
    """Seconds from navigation to the story shown; returns the still-open page for more measurements."""
    ctx = browser.new_context(viewport=viewport, locale=locale)
    page = ctx.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(STORY_SHOWN_JS, timeout=WAIT_MS, polling="raf")
    return time.perf_counter() - start, page, ctx


def translate_once(page, source: str, reference: str, with_maps: bool = False) -> tuple[float, float | None]:
    page.locator("#source textarea").fill(source)
    page.locator("#reference textarea").fill(reference)
    page.evaluate(WATCH_JS, with_maps)
    page.locator("#translate-button").click()
    page.wait_for_function("(m) => window.__dawnTimes.text && (window.__dawnTimes.maps || !m)", arg=with_maps,
                           timeout=WAIT_MS, polling=100)
    t = page.evaluate("window.__dawnTimes")
    return (t["text"] - t["clicked"]) / 1000, ((t["maps"] - t["text"]) / 1000 if with_maps else None)


def explorer_switch_ms(page) -> float | None:
    """Time for the Transformer explorer to redraw after a head switch (its "head 1" button)."""
    control = page.locator("#explorer-transformer [data-group='head'] button").nth(1)
    if control.count() == 0:
        return None
    return page.evaluate("""async (el) => {
      const root = document.querySelector('#explorer-transformer');
      const t0 = performance.now();
      if (el.tagName === 'SELECT') { el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
                                      el.dispatchEvent(new Event('change', {bubbles: true})); }
      else el.click();
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    }""", control.element_handle())


def api_load(url: str, n: int, concurrency: int) -> dict:
    from gradio_client import Client
    import threading
    local = threading.local()

    def one(i: int) -> str:
        if not hasattr(local, "client"):
            local.client = Client(url, verbose=False)
        source, reference = SENTENCES[i % len(SENTENCES)]
        try:
            local.client.predict(source, reference, "greedy" if i % 4 else "beam", api_name="/translate")
            return "ok"
        except Exception as e:  # noqa: BLE001 — counted, not raised
            return type(e).__name__

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(n)))
    return {"requests": n, "ok": results.count("ok"), "errors": n - results.count("ok"),
            "wall_s": round(time.perf_counter() - start, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cold-starts", type=int, default=3, help="app starts timed (the last one is then benchmarked)")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--out", default=str(ROOT / "checkpoints" / "page_benchmark.json"))
    p.add_argument("--shots", default=str(ROOT / "docs" / "screenshots"))
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "loadavg_start": list(os.getloadavg())},
                    "targets": TARGETS}
    colds = []
    for _ in range(max(0, args.cold_starts - 1)):     # started and stopped: timed only
        start = time.perf_counter()
        with launch_app(Path(args.out).with_suffix(".app.log"), timeout_s=900):
            colds.append(time.perf_counter() - start)
    start = time.perf_counter()
    with launch_app(Path(args.out).with_suffix(".app.log"), timeout_s=900) as (url, proc):
        colds.append(time.perf_counter() - start)
        report["cold_start_s"] = round(statistics.median(colds), 2)
        report["cold_start_runs_s"] = [round(x, 2) for x in colds]
        report["first_html"] = first_html(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first, page, ctx = story_visible(browser, url, VIEWPORTS["desktop"], "en-US")  # the first visit warms it
            ctx.close()
            report["story_first_visit_s"] = round(first, 2)
            visible, text_s, opened_s, maps_s, switch, phone = [], [], [], [], [], []
            for run in range(args.runs):
                size = "desktop" if run % 2 == 0 else "phone"
                seconds, page, ctx = story_visible(browser, url, VIEWPORTS[size], "en-US")
                visible.append(seconds)
                if size == "phone":
                    phone.append(phone_screens(page))
                for source, reference in NEW_SENTENCES:          # what a visitor does first: sections closed
                    text_s.append(translate_once(page, source, reference)[0])
                opened_s.append(open_section(page, 3, "#explorer-transformer .ax-map"))
                source, reference = NEW_SENTENCES[0]                  # ③ open: its map follows the text
                maps_s.append(translate_once(page, source, reference, with_maps=True)[1])
                ms = explorer_switch_ms(page)
                if ms is not None:
                    switch.append(ms)
                ctx.close()
            if not phone:                                         # --runs 1: measure the phone once anyway
                _, page, ctx = story_visible(browser, url, VIEWPORTS["phone"], "en-US")
                phone.append(phone_screens(page))
                ctx.close()
            _, page, ctx = story_visible(browser, url, VIEWPORTS["phone"], "en-US")
            report["phone_open_screens"] = round(open_everything_screens(page), 2)
            ctx.close()
            report["phone_profile"] = phone_profile(browser, url, args.runs)
            report["phone_profile_ratio"] = report["phone_profile"]["ratio"]
            med = lambda xs: round(statistics.median(xs), 3) if xs else None
            report.update({"story_visible_s": med(visible), "translate_text_s": med(text_s),
                           "section_open_s": med(opened_s), "maps_after_text_s": med(maps_s),
                           "explorer_switch_ms": med(switch),
                           "phone_screens": round(max(p["screens"] for p in phone), 2),
                           "phone_story_screens": round(max(p["story"] for p in phone), 2),
                           "samples": {"story_visible_s": [round(x, 3) for x in visible],
                                       "translate_text_s": [round(x, 3) for x in text_s],
                                       "section_open_s": [round(x, 3) for x in opened_s],
                                       "maps_after_text_s": [round(x, 3) for x in maps_s],
                                       "explorer_switch_ms": [round(x, 1) for x in switch]},
                           "new_sentences": [s for s, _ in NEW_SENTENCES]})
            # screenshots: the top of the page at both sizes, in both languages, and the slider on a phone
            report["screenshots"] = {}
            for size, viewport in VIEWPORTS.items():
                for lang in ("zh", "en"):
                    ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US")
                    page = ctx.new_page()
                    page.goto(url, wait_until="commit")
                    page.wait_for_function(STORY_SHOWN_JS, timeout=WAIT_MS, polling=200)
                    page.wait_for_timeout(1500)  # the language switch relabels the widgets
                    path = shots / f"page-{size}-{lang}.png"
                    page.screenshot(path=str(path))
                    report["screenshots"][path.name] = small_png(path)
                    if size == "phone" and lang == "zh":   # ① opened: which clauses each model kept, the slider
                        open_section(page, 1, "#dawn-curve .dawn-curve-svg")
                        path = shots / "curve-phone-zh.png"
                        page.locator("#dawn-curve").screenshot(path=str(path))
                        report["screenshots"][path.name] = small_png(path)
                        page.locator("#step1 .dawn-more > button.label-wrap").click()
                        page.locator("#dawn-report .dawn-report-model").first.wait_for(state="visible", timeout=WAIT_MS)
                        path = shots / "report-phone-zh.png"
                        page.locator("#dawn-report").screenshot(path=str(path))
                        report["screenshots"][path.name] = small_png(path)
                        page.locator("#dawn-clauses").scroll_into_view_if_needed()
                        page.locator(".dawn-range input").focus()
                        page.locator(".dawn-range input").press("Home")
                        path = shots / "slider-phone-zh.png"
                        page.locator("#dawn-clauses").screenshot(path=str(path))
                        report["screenshots"][path.name] = small_png(path)
                    if size == "phone" and lang == "en":   # ③ opened: the Transformer's map, in words, on a phone
                        open_section(page, 3, "#explorer-transformer .ax-map")
                        path = shots / "explorer-phone-en.png"
                        page.locator("#explorer-transformer").screenshot(path=str(path))
                        report["screenshots"][path.name] = small_png(path)
                    ctx.close()
            browser.close()
        paragraph = longest_paragraph()
        report["paragraph_max_s"] = round(paragraph_seconds(url, paragraph), 2)
        report["paragraph_max"] = {"chars": len(paragraph), "sentences": len(split_sentences(paragraph)),
                                   "decoding": "beam"}
        report["rss_mb_before_requests"] = rss_mb(proc.pid)
        report["api_requests"] = api_load(url, args.requests, args.concurrency)
        report["rss_mb"] = rss_mb(proc.pid)
    report["machine"]["loadavg_end"] = list(os.getloadavg())
    report["met"] = {k: (report.get(k) is not None and report[k] <= v) for k, v in TARGETS.items()}
    report["story_sentence"] = STORY_SENTENCE
    report["story_reference"] = STORY_REFERENCE
    out = Path(args.out)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: report.get(k) for k in TARGETS} | {"met": report["met"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
