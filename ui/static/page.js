/* Code Dawn 2014 — the page's own views, drawn in the browser from JSON (see ui/page.py).
 *
 *   DawnPage.start(element, props)              the masthead: receives the string table, picks the language
 *   DawnPage.mount(kind, element, props, watch) every other view: "text" | "sentence" | "step" | "report" |
 *                                               "curve" | "clauses" | "state" | "cell" | "footer"
 *   DawnPage.setLang("zh" | "en")               called by the 中文 / English switch; re-renders every view,
 *                                               tells the explorers ("dawn-lang") and Gradio's own words,
 *                                               and keeps ?lang= in the address (a reload keeps the language)
 *   DawnPage.showResults(values)                before a translation: brings the translations into view and
 *                                               clears stale messages; returns the event's input values
 *
 * Every piece of text reaches the page through textContent (never innerHTML), and nothing
 * here calls the server: the slider, the curve's read-out and the state strip are instant.
 */
(function () {
  "use strict";
  if (window.DawnPage) return;

  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = {};   // each model's colour and line dash, from the registry (dawn/registry.py) via start()
  const DASHES = {};
  const SECTIONS = {};  // each model's section (1-3), for a tap on its translation (lensFromTranslations)
  const views = [];
  let strings = null;
  let lang = "en";
  let common = {};   // placeholders every string may use ({credit})

  // ------------------------------------------------------------------ language

  function initialLang() {
    const asked = new URLSearchParams(window.location.search).get("lang");
    if (asked === "zh" || asked === "en") return asked;
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    return String(langs[0]).toLowerCase().startsWith("zh") ? "zh" : "en";
  }

  /** STRINGS[lang][key] with {name} and {name:,} filled in. */
  function t(key, params) {
    const table = (strings && (strings[lang] || strings.en)) || {};
    const template = table[key] !== undefined ? table[key] : key;
    const all = Object.assign({}, common, params || {});
    return template.replace(/\{(\w+)(:,)?\}/g, (match, name, comma) => {
      if (all[name] === undefined || all[name] === null) return match;
      const v = all[name];
      return comma && typeof v === "number" ? v.toLocaleString("en-US") : String(v);
    });
  }

  function applyI18n(root) {
    root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  }

  function setLang(next) {
    if (next !== "zh" && next !== "en") return;
    lang = next;
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.documentElement.dataset.dawnLang = lang;
    keepInAddress(lang);
    if (!strings) return;
    document.title = t("page.title");
    views.forEach(render);
    document.dispatchEvent(new CustomEvent("dawn-lang", { detail: { lang } }));  // the attention explorers listen
    gradioLocale(lang);
  }

  /** Gradio's own words (the error toast's title, its status badges) in the page's language, not the browser's:
   *  Gradio's frontend exports changeLocale from its core module, already loaded by the page (same URL, same
   *  module instance). Where it cannot be found the page still works; Gradio's words then follow the browser. */
  function gradioLocale(next) {
    const core = performance.getEntriesByType("resource").map((e) => e.name)
      .find((name) => /\/assets\/core-[\w-]+\.js(\?|$)/.test(name));
    if (!core) return;
    import(core).then((m) => { if (typeof m.changeLocale === "function") m.changeLocale(next === "zh" ? "zh-CN" : "en"); })
      .catch(() => {});
  }

  /** ?lang= follows the switch, so that a reload or a shared link opens in the language on screen. */
  function keepInAddress(next) {
    const url = new URL(window.location.href);
    if (url.searchParams.get("lang") === next) return;
    url.searchParams.set("lang", next);
    window.history.replaceState(window.history.state, "", url);
  }

  /** Make the Gradio switch agree with the language picked here (its change event relabels the widgets). */
  function syncSwitch(tries) {
    const input = [...document.querySelectorAll('#lang input[type="radio"]')].find((i) => i.value === lang);
    if (!input) {
      if (tries > 0) setTimeout(() => syncSwitch(tries - 1), 100);
      return;
    }
    if (!input.checked) input.click();
  }

  // ------------------------------------------------------------------ small DOM helpers

  function el(tag, cls, textValue) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (textValue !== undefined && textValue !== null) node.textContent = String(textValue);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function fmt(v) { return typeof v === "number" ? v.toFixed(1) : "–"; }

  /** Hover and tap (and keyboard focus) do the same thing: show `message` in `readout`. */
  function explain(target, readout, message) {
    const show = () => { readout.textContent = message(); };
    target.addEventListener("pointerenter", show);
    target.addEventListener("click", show);
    target.addEventListener("focus", show);
  }

  // ------------------------------------------------------------------ views

  function render(view) {
    if (!strings) return;
    const value = view.props.value;
    if (view.kind === "step") renderStep(view.element, value);
    else if (view.kind === "sentence") renderSentence(view.element, value);
    else if (view.kind === "report") renderReport(view.element, value);
    else if (view.kind === "cell") renderCell(view.element, lastCell);
    else if (view.kind === "curve") renderCurve(view.element, value);
    else if (view.kind === "clauses") renderClauses(view.element, value);
    else if (view.kind === "state") renderState(view.element, value);
    else if (view.kind === "footer") renderLinks(view.element, value);
    applyI18n(view.element);
  }

  /** The Chinese that the three translations below are of: the story's long sentence, or the visitor's own. */
  function renderSentence(root, data) {
    const label = root.querySelector(".dawn-sentence-label"), textBox = root.querySelector(".dawn-sentence-text");
    if (!label || !textBox) return;
    const source = data && data.source;
    label.textContent = t(`page.sentence.${(data && data.kind) || "story"}`);
    textBox.textContent = source || "–";
  }

  /** The footer's links onward: the three papers, the code, each model's card (URLs from ui/page.py's links()). */
  function renderLinks(root, data) {
    const nav = root.querySelector(".dawn-links");
    if (!nav || !data) return;
    nav.setAttribute("aria-label", t("page.read"));
    const link = (href, label) => {
      const a = el("a", "", label);
      a.href = href;
      if (/^https?:/.test(href)) { a.target = "_blank"; a.rel = "noopener"; }
      return a;
    };
    const papers = el("p", "");
    papers.append(el("span", "", t("page.read") + " "));
    Object.entries(data.papers || {}).forEach(([name, href], i) => {
      if (i) papers.append(" · ");
      papers.append(link(href, t(`page.paper.${name}`)));
    });
    const code = el("p", "");
    code.append(link(data.code, t("page.code")), " · " + t("page.cards") + " ");
    Object.entries(data.cards || {}).forEach(([name, href], i) => {
      if (i) code.append(" · ");
      code.append(link(href, t(`model.${name}.short`)));
    });
    nav.replaceChildren(papers, code);
  }

  /** A step's heading and caption come from data-i18n; a model that is missing says so under them. */
  function renderStep(root, data) {
    const box = root.querySelector(".dawn-step-problem");
    if (!box) return;
    const problem = data && data.problem;
    box.textContent = problem ? `${t(`model.${data.model}`)}: ${t(`problem.${problem}`)}` : "";
    box.hidden = !problem;
  }

  /** ④'s board with a model's own numbers: the cell last clicked in an attention map (the explorer sends its
   *  three steps in a "dawn-cell" event; nothing is recomputed here). */
  let lastCell = null;
  document.addEventListener("dawn-cell", (e) => {
    lastCell = e.detail;
    views.filter((v) => v.kind === "cell").forEach(render);
  });

  function renderCell(root, cell) {
    const box = root.querySelector(".dawn-cell-box");
    if (!box) return;
    box.replaceChildren(el("h3", "", t("cell.title")));
    if (!cell) { box.append(el("p", "dawn-caption", t("cell.hint"))); return; }
    box.append(el("p", "dawn-caption", t("cell.what", { token: cell.token, char: cell.char, layer: cell.layer, head: cell.head,
                                                          dk: cell.d_k, model: t(`model.${cell.model}.short`) })));
    const table = el("table", "dawn-cell-table");
    const head = el("tr");
    head.append(el("th", "", ""));
    cell.chars.forEach((c, j) => head.append(el("th", j === cell.column ? "dawn-on" : "", c)));
    table.append(head);
    const line = (label, values, digits) => {
      const tr = el("tr");
      tr.append(el("th", "", label));
      values.forEach((v, j) => tr.append(el("td", j === cell.column ? "dawn-on" : "", v.toFixed(digits))));
      table.append(tr);
    };
    line(t("ax.wb.step1"), cell.scores, 1);
    line(t("ax.wb.step2", { sqrt: Math.sqrt(cell.d_k).toFixed(2) }), cell.scaled, 2);
    line(t("ax.wb.step3"), cell.weights, 3);
    const scroll = el("div", "dawn-cell-scroll");
    scroll.tabIndex = 0;
    scroll.append(table);
    box.append(scroll, el("p", "dawn-caption", t("ax.wb.sum", { y: "[" + cell.output.map((v) => v.toFixed(3)).join(", ") + ", …]",
                                                                 dims: cell.dims, dk: cell.d_k })));
  }

  /** Which clauses of the reference each model kept, as ui/pipeline.py computed them from the translations shown. */
  function renderReport(root, data) {
    const box = root.querySelector(".dawn-report");
    if (!box || !data) return;
    box.replaceChildren(el("h3", "", t("report.title")));
    const names = (data.names || []).filter((name) => data.reports && data.reports[name]);
    if (!names.length) { box.append(el("p", "dawn-caption", t("report.noref"))); return; }
    for (const name of names) {   // one line per model (its marks in clause order); the clauses when opened
      const rows = data.reports[name];
      const model = el("details", "dawn-report-model");
      model.dataset.model = name;
      const head = el("summary", "dawn-clause-head");
      head.append(el("span", "dawn-model-name", t(`model.${name}.short`)),
                  el("span", "dawn-report-marks", rows.map((r) => (r.kept ? "✓" : "✗")).join(" ")),
                  el("span", "dawn-report-kept", t("report.kept", { k: rows.filter((r) => r.kept).length, n: rows.length })));
      const list = el("ol", "dawn-report-clauses");
      for (const r of rows) {
        const item = el("li", r.kept ? "dawn-kept" : "dawn-lost");
        item.dataset.kept = String(r.kept);
        item.append(el("span", "dawn-mark", r.kept ? "✓" : "✗"), el("span", "dawn-report-clause", r.clause),
                    el("span", "dawn-report-detail", `chrF ${fmt(r.chrf)} · ` +
                       (r.found.length ? t("report.found", { words: r.found.join(", ") }) : t("report.nothing"))));
        list.append(item);
      }
      model.append(head, list);
      box.append(model);
    }
    box.append(el("p", "dawn-caption", t("report.how")));
  }

  /** The story sentence cut after 1, 2, … clauses: each model's translation and chrF at that length. */
  function renderClauses(root, data) {
    const box = root.querySelector(".dawn-slider");
    if (!box || !data || !Array.isArray(data.rows) || !data.rows.length) return;
    const rows = data.rows;
    const names = data.names || Object.keys(rows[0].models);
    const state = root.dawnClause || { k: 1 };   // opens on the first clause: the visitor drags the sentence longer
    root.dawnClause = state;
    state.k = Math.min(Math.max(1, state.k), rows.length);
    box.replaceChildren();
    box.append(el("h3", "", t("slider.title")));

    const label = el("label", "dawn-range");
    label.append(el("span", "", t("slider.label")));
    const range = el("input");
    Object.assign(range, { type: "range", min: 1, max: rows.length, step: 1, value: state.k });
    range.setAttribute("aria-label", t("slider.label"));
    label.append(range);
    const status = el("span", "dawn-range-status");
    label.append(status);
    box.append(label);

    const source = el("p", "dawn-clause-source");
    const reference = el("p", "dawn-clause-reference");
    const list = el("ol", "dawn-clause-models");
    const trend = names.filter((name) => !rows[0].models[name].problem)
      .map((name) => `${t(`model.${name}.short`)} ${fmt(rows[0].models[name].chrf)} → ${fmt(rows[rows.length - 1].models[name].chrf)}`);
    box.append(source, reference, list,
               el("p", "dawn-caption", `${t("slider.caption")} ${t("slider.trend", { trend: trend.join(" · ") })}`));

    const full = rows[rows.length - 1];
    function show(k) {
      state.k = k;
      const row = rows[k - 1];
      status.textContent = t("slider.status", { k: k, n: rows.length, chars: row.chars });
      source.replaceChildren(el("span", "dawn-in", row.source), el("span", "dawn-out", full.source.slice(row.source.length)));
      const rest = full.reference.slice(row.reference.length);   // the reference's uncut rest: "…" (the source shows it all)
      reference.replaceChildren(el("span", "dawn-label", t("slider.reference") + ": "), el("span", "dawn-in", row.reference),
                                el("span", "dawn-out", rest ? " …" : ""));
      list.replaceChildren();
      for (const name of names) {
        const m = row.models[name] || {};
        const item = el("li", "dawn-clause-model");
        item.dataset.model = name;
        const head = el("div", "dawn-clause-head");
        head.append(el("span", "dawn-model-name", t(`model.${name}.short`)),
                    el("span", "dawn-chrf", m.problem ? t(`problem.${m.problem}`) : `chrF ${fmt(m.chrf)}`));
        const bar = el("div", "dawn-bar");
        const fill = el("div", "dawn-bar-fill");
        fill.style.width = `${Math.max(0, Math.min(100, m.chrf || 0))}%`;
        fill.style.background = COLORS[name] || "#666";
        bar.append(fill);
        item.append(head, bar, el("p", "dawn-clause-text", m.problem ? t("slider.none") : m.text));
        list.append(item);
      }
    }
    range.addEventListener("input", () => show(Number(range.value)));
    show(state.k);
  }

  /** ①'s picture: BLEU by source length for every model with a curve. Tatoeba's everyday sentences first (the
   *  collapse the story is about), FLORES-200's news sentences one tap away; the caption under it is computed
   *  from the curve drawn (each model's first and last bucket). */
  function renderCurve(root, data) {
    const box = root.querySelector(".dawn-curve");
    if (!box || !data) return;
    const curves = data.curves || {}, names = data.names || [];
    const sets = ["tatoeba", "flores200"].filter((s) => curves[s]);
    const set = sets.includes(root.dawnCurveSet) ? root.dawnCurveSet : sets[0];
    box.replaceChildren();
    box.append(el("h3", "", t(`curve.title.${set || "tatoeba"}`)));
    if (!set) { box.append(el("p", "dawn-caption", t("curve.none"))); return; }
    const curve = curves[set];
    const buckets = curve.buckets;
    const W = 360, H = 244, L = 40, R = 12, T = 28, B = 44;  // T: room for the y title above the top tick
    let top = 0;
    for (const rows of Object.values(curve.models)) for (const r of rows) if (typeof r.bleu === "number") top = Math.max(top, r.bleu);
    top = Math.max(5, Math.ceil(top / 5) * 5);
    const x = (i) => L + (buckets.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (buckets.length - 1));
    const y = (v) => T + (1 - v / top) * (H - T - B);
    const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "dawn-curve-svg" });
    plot.append(svg("title")); plot.firstChild.textContent = t(`curve.title.${set}`);
    for (let v = 0; v <= top; v += top / 5) {
      plot.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "dawn-grid" }));
      const label = svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "dawn-tick" });
      label.textContent = v.toFixed(0);
      plot.append(label);
    }
    buckets.forEach((b, i) => {
      const label = svg("text", { x: x(i), y: H - B + 16, "text-anchor": "middle", class: "dawn-tick" });
      label.textContent = b;
      plot.append(label);
    });
    const xLabel = svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", class: "dawn-axis" });
    xLabel.textContent = t("curve.x");
    plot.append(xLabel);
    const readout = el("p", "dawn-readout");
    readout.setAttribute("aria-live", "polite");
    const legend = el("ul", "dawn-legend");
    for (const name of names) {
      const rows = curve.models[name];
      if (!rows) { legend.append(el("li", "dawn-legend-missing", t("curve.missing", { model: t(`model.${name}.short`) }))); continue; }
      const pts = rows.filter((r) => typeof r.bleu === "number").map((r) => [x(buckets.indexOf(r.bucket)), y(r.bleu), r]);
      plot.append(svg("polyline", { points: pts.map((p) => `${p[0]},${p[1]}`).join(" "), fill: "none",
                                    stroke: COLORS[name] || "#666", "stroke-width": 2.5, "stroke-dasharray": DASHES[name] || "" }));
      for (const [px, py, r] of pts) {
        const dot = svg("circle", { cx: px, cy: py, r: 5, fill: COLORS[name] || "#666", tabindex: 0, class: "dawn-dot" });
        explain(dot, readout, () => `${t(`model.${name}.short`)} · ${r.bucket} · BLEU ${fmt(r.bleu)}` +
                                      (r.n ? ` (n=${r.n})` : ""));
        plot.append(dot);
      }
      const item = el("li");
      const swatch = el("span", "dawn-swatch");
      swatch.style.background = COLORS[name] || "#666";
      item.append(swatch, el("span", "", t(`model.${name}.short`)));
      legend.append(item);
    }
    const yLabel = svg("text", { x: 4, y: 14, class: "dawn-axis" });
    yLabel.textContent = t("curve.y");
    plot.append(yLabel);
    const trend = el("ul", "dawn-trend");
    for (const name of names) {
      const rows = (curve.models[name] || []).filter((r) => typeof r.bleu === "number");
      if (rows.length < 2) continue;
      trend.append(el("li", "", t("curve.trend", { model: t(`model.${name}.short`), first: fmt(rows[0].bleu),
                                                     last: fmt(rows[rows.length - 1].bleu) })));
    }
    const head = el("p", "dawn-caption dawn-trend-head",
                    t("curve.trend.head", { short: buckets[0], long: buckets[buckets.length - 1] }));
    plot.setAttribute("aria-label", `${t(`curve.title.${set}`)}. ${head.textContent} ${[...trend.children].map((li) => li.textContent).join("; ")}`);
    box.append(plot, legend, readout, head, trend);
    const other = sets.find((s) => s !== set);
    if (other) {
      const button = el("button", "dawn-curve-switch", t(`curve.switch.${other}`));
      button.type = "button";
      button.addEventListener("click", () => { root.dawnCurveSet = other; renderCurve(root, data); root.querySelector(".dawn-curve-switch")?.focus(); });
      box.append(button);
    }
  }

  /** The LSTM's final state, h (its output) and c (its memory cell): 2 × layers × units numbers, the decoder's
   *  only view of the source. h lies in [-1, 1]; c is not bounded, so its colour saturates at |c| = 1. */
  function renderState(root, data) {
    const box = root.querySelector(".dawn-state-box");
    if (!box) return;
    box.replaceChildren(el("h3", "", t("state.title")));
    const h = data && data.final_state, c = (data && data.final_cell) || [];
    if (!Array.isArray(h) || !h.length) { box.append(el("p", "dawn-caption", t("state.none"))); return; }
    const layers = h.length, d = h[0].length;
    const rows = [...h.map((row, l) => [`h${l + 1}`, row]), ...c.map((row, l) => [`c${l + 1}`, row])];
    const strip = svg("svg", { viewBox: `0 0 ${d} ${rows.length * 10}`, preserveAspectRatio: "none", class: "dawn-state-svg",
                               role: "img", "aria-label": `${t("state.title")}: ${rows.map((r) => r[0]).join(", ")} × ${d}` });
    strip.style.height = `${rows.length * 18}px`;
    const readout = el("p", "dawn-readout", "\u00a0");
    rows.forEach(([name, row], r) => row.forEach((v, u) => {
      const a = Math.min(1, Math.abs(v));
      const cell = svg("rect", { x: u, y: r * 10, width: 1, height: 9,
                                 fill: v >= 0 ? `rgba(198,40,40,${a})` : `rgba(31,95,168,${a})` });
      explain(cell, readout, () => `${name}[${u + 1}] = ${v.toFixed(2)}`);
      strip.append(cell);
    }));
    const labels = el("p", "dawn-state-rows", rows.map((r) => r[0]).join(" · "));
    box.append(strip, labels, readout,
               el("p", "dawn-caption", t("state.caption", { n: (data.source_tokens || []).length, layers: layers, d: d })));
  }

  // ------------------------------------------------------------------ keyboard access to boxes that scroll

  // Boxes that may scroll sideways on a narrow screen: the maps, the state strip, formulas, tables, code.
  const SCROLLERS = ".ax-scroll, .dawn-state-box, .katex-display, .prose table, .cm-scroller, .wb-scroll, .dawn-explorer";

  let scrollCheck = 0;   // the pending check's timer, 0 when none

  /** A box whose content is wider than itself gets tabindex=0 (CodeMirror's -1 too), so that a keyboard can
   *  focus and scroll it. */
  function focusScrollers() {
    scrollCheck = 0;
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      if (box.scrollWidth > box.clientWidth + 1 && !(box.tabIndex >= 0 && box.hasAttribute("tabindex"))) {
        box.setAttribute("tabindex", "0");
      }
    });
  }

  function watchScrollers() {   // at most every 300 ms while the page keeps changing
    const later = () => { dressSections(); if (!scrollCheck) scrollCheck = setTimeout(focusScrollers, 300); };
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", later);
    document.addEventListener("click", (e) => {   // a section opened or closed: its aria-expanded follows at once
      if (e.target.closest && e.target.closest(".label-wrap")) requestAnimationFrame(dressSections);
    });
    later();
  }

  // ------------------------------------------------------------------ sections: disclosure state and headings

  /** Gradio's accordions are buttons without aria-expanded, and their titles are not headings. Each section's
   *  button gets aria-expanded (following Gradio's "open" class) and its title the role of a heading: level 2
   *  for ① - ④, 3 for a "more" inside one, so that the outline runs h1 → h2 → h3. The language switch, a
   *  fieldset without a legend, gets its name here too. */
  function dressSections() {
    const language = document.getElementById("lang");
    if (language && !language.hasAttribute("aria-label")) {
      language.setAttribute("role", "radiogroup");
      language.setAttribute("aria-label", "Language / 语言");
    }
    document.querySelectorAll(".dawn-section, .dawn-more").forEach((section) => {
      const button = section.querySelector(":scope > button.label-wrap, :scope > .label-wrap");
      if (!button) return;
      const open = String(button.classList.contains("open"));
      if (button.getAttribute("aria-expanded") !== open) button.setAttribute("aria-expanded", open);
      if (!button.dataset.dawnHeading) {
        button.dataset.dawnHeading = "1";
        const title = button.querySelector("span");
        if (title) {
          title.setAttribute("role", "heading");
          title.setAttribute("aria-level", section.classList.contains("dawn-more") ? "3" : "2");
        }
      }
    });
  }

  // ------------------------------------------------------------------ a word of a translation -> the lens

  /** A tap on a word of a translation at the top (a read-only text box) opens that model's section (and its
   *  "more", where the explorer sits behind one) and asks its explorer for the training-data lens on the word:
   *  what the word looked at most, and how often that and the word occur in training
   *  (attention_explorer.js: takeAsked). The word is passed as an offset in non-space characters, which the
   *  explorer maps to its own words; the explorer takes it when its payload of the same text is drawn. */
  function lensFromTranslations() {
    document.addEventListener("click", (e) => {
      const box = e.target.closest && e.target.closest('[id^="out-"] textarea');
      if (!box) return;
      const name = box.closest('[id^="out-"]').id.slice("out-".length);
      const text = box.value;
      let at = box.selectionStart;
      if (!text.trim() || typeof at !== "number" || !(name in SECTIONS)) return;
      if (at > 0 && (at >= text.length || !text[at].trim()) && text[at - 1].trim()) at -= 1;   // just past a word: that word
      if (!text[at] || !text[at].trim()) return;                                               // between words
      const offset = Array.from(text.slice(0, at)).filter((c) => c.trim()).length;
      (window.DawnLensAsked = window.DawnLensAsked || new Map()).set(name, { text, offset });
      document.dispatchEvent(new CustomEvent("dawn-lens-ask"));   // an explorer already drawn takes it now
      openTowards(name, 0);
    });
  }

  /** Opens model `name`'s section, then the accordions around its explorer: Gradio draws a closed accordion's
   *  content only when it opens, so until the explorer exists every "more" of the section is opened. Tries
   *  again every 150 ms (for 6 s) until the explorer is on screen. */
  function openTowards(name, tries) {
    const section = document.getElementById("step" + SECTIONS[name]);
    if (!section) return;
    const closed = (acc) => { const b = acc.querySelector(":scope > .label-wrap"); return b && !b.classList.contains("open") ? b : null; };
    const explorer = document.getElementById("explorer-" + name);
    if (closed(section)) closed(section).click();
    else if (explorer && explorer.offsetParent !== null) return;            // shown: done
    else {
      const around = [];
      if (explorer) for (let acc = explorer.closest(".dawn-more"); acc && section.contains(acc); acc = acc.parentElement.closest(".dawn-more")) around.push(acc);
      else around.push(...section.querySelectorAll(".dawn-more"));
      around.forEach((acc) => { const b = closed(acc); if (b) b.click(); });
    }
    if (tries < 40) setTimeout(() => openTowards(name, tries + 1), 150);
  }

  /** Before a translation (Translate, an example, back to the story): the translations come into view (they sit
   *  above the inputs) and Gradio's toasts from an earlier attempt go. Returns the event's input values as they are. */
  function showResults(values) {
    document.querySelectorAll('[data-testid="toast-close"]').forEach((b) => b.click());
    const target = document.getElementById("dawn-sentence");
    if (target) target.scrollIntoView({ behavior: "smooth", block: "start" });
    return values;
  }

  /** What follows a visitor's edit of the Chinese (an example or "back to the story" sets the boxes from the
   *  server, which is not an edit): the sentence-number box (sentenceBoxFollowsSource), and the reference, which
   *  belongs to its sentence: it is emptied, and the translations are then shown unscored rather than scored
   *  against the story's reference. */
  function followSourceEdits() {
    sentenceBoxFollowsSource();
    document.addEventListener("input", (e) => {
      if (!e.isTrusted || !e.target.closest || !e.target.closest("#source")) return;
      sentenceBoxFollowsSource();
      const reference = document.querySelector("#reference textarea");
      if (!reference || reference.value === "") return;
      reference.value = "";
      reference.dispatchEvent(new Event("input", { bubbles: true }));   // Gradio's textbox reads its value from this
    });
  }

  /** "Maps explain sentence no." matters only for a paragraph: shown while the source holds two sentences or more
   *  (split as dawn/text.py splits them: after 。！？!?), hidden for one sentence (the story, the examples). */
  function sentenceBoxFollowsSource() {
    const box = document.getElementById("sentence"), source = document.querySelector("#source textarea");
    if (!box || !source) { setTimeout(sentenceBoxFollowsSource, 200); return; }
    const sentences = source.value.split(/(?<=[。！？!?])/).filter((part) => part.replace(/[\s。！？!?]/g, ""));
    box.classList.toggle("dawn-hidden", sentences.length < 2);
  }

  // ------------------------------------------------------------------ entry points

  function mount(kind, element, props, watch) {
    const view = { kind, element, props };
    views.push(view);
    if (typeof watch === "function") watch("value", () => render(view));
    render(view);
  }

  function start(element, props) {
    strings = (props.value && props.value.strings) || {};
    common = { credit: (props.value && props.value.credit) || "" };
    for (const m of (props.value && props.value.models) || []) { COLORS[m.name] = m.colour; DASHES[m.name] = m.dash; SECTIONS[m.name] = m.section; }
    mount("text", element, props, null);
    setLang(initialLang());
    syncSwitch(50);
    watchScrollers();
    followSourceEdits();
    lensFromTranslations();
  }

  window.DawnPage = { start, mount, setLang, initialLang, t, showResults };
})();
