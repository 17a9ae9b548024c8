// The attention explorer: one model's translation, explained, drawn in the browser.
//
// Loaded once per page (ui/attention_explorer.py puts it in the <head>, beside attention_explorer.css); every
// explorer's js_on_load is one line: DawnExplorer.mount(element, props, {server, watch}), where
//   element  the component's root;  props  {value, lang, model, view, replay};  watch(prop, callback);
//   server   the component's server functions: strings(), glyphs(text), whatif(source, model, prefix), and
//            where given saliency(source, model, target_ids, top) and lookup(text, side)
// The string table comes once per page (server.strings, shared by every explorer); the training replay once
// per model (props.replay.url: replay.json as a static file), when the explorer is first drawn.
// The payload (dawn/explain.py) arrives once per translation; every interaction below is local:
// hover / pin, layer / head / average, small multiples, linked selection, the coverage scrubber,
// the whiteboard, the alternatives, the beam, the training replay and the exports. Three things ask the
// server, on a click: "what if" (server.whatif) forces a beginning and lets the model continue; picking the
// saliency view (server.saliency) adds the gradients to a payload made without them, once per sentence; a tap
// in the training-data lens (server.lookup) counts the training pairs that contain a stretch, once per stretch.
// On a phone (NARROW) the picture is "top characters" (each English word over the 1–3 characters it looked at
// most), the full map a tap away; a tapped word's alternatives open under it; the rest waits behind "More" buttons.
// Every token reaches the page through textContent, never as markup.

(function () {
  "use strict";
  if (window.DawnExplorer) return;

  const SVG_NS = "http://www.w3.org/2000/svg";
  const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  // One meaning per colour, in every map, strip, bar and legend: blue is attention (where the decoder looked);
  // orange is what the output needed (influence above 0), purple what it was better without (below 0).
  const COLORS = { attention: "#2563eb", needed: "#ea580c", without: "#7c3aed" };
  const NEVER = 0.2;  // coverage below this: a character not (yet) looked at
  const AGAIN = 1.5;  // coverage above this: a character looked at again (a repetition)
  const LINK_EVENT = "dawn-attention-select";  // linked selection between every explorer on the page
  const REPLAY_EVENT = "dawn-replay-step";     // replay sliders that move together (fraction of training)
  const CLAUSE_END = new Set(["，", "。", "；", "：", "！", "？", ",", ".", ";", ":", "!", "?", "</s>"]);
  // A phone (the stylesheet's breakpoint too): the picture first, as "top characters"; the rest behind "More".
  const NARROW = "(max-width: 640px)";
  const narrow = () => window.matchMedia(NARROW).matches;
  const TOP = 3;          // "top characters": at most this many per row ...
  const NEAR_TOP = 0.5;   // ... past the first, only those with at least this fraction of the first one's weight

  // ----------------------------------------------------------------------------- shared by every explorer on the page

  let STRINGS = null;     // {lang: {key: text}}: ui/strings.py's "ax." keys (without "ax."), and the model labels
  // server.saliency's answers, per model, sentence and output (shared by every explorer on the page): a promise each,
  // so that a second pick (or a second explorer of the same sentence) waits for the same answer instead of asking again;
  // and the answers that arrived. Kept beside the payload, never written into it (Gradio would take a changed value
  // for a new one).
  const SALIENCY = new Map(), SALIENCY_DONE = new Map();
  const LOOKUPS = new Map();   // server.lookup's answers, per side and text (a promise each), for the whole page
  // The lens asked for by another part of the page (page.js: a tap on a word of a translation at the top), which
  // may come before this script has loaded: window.DawnLensAsked {model: {text, offset}}, then the ASK_EVENT; each
  // explorer takes its model's (takeAsked).
  const ASK_EVENT = "dawn-lens-ask";
  const ASKED = window.DawnLensAsked = window.DawnLensAsked || new Map();
  let asking = null;      // the one server.strings() call under way
  function loadStrings(server) {
    if (STRINGS) return Promise.resolve(STRINGS);
    if (!asking) {
      asking = Promise.resolve(server && typeof server.strings === "function" ? server.strings() : null).then(s => {
        if (!s || !s.en) throw new Error("the explorer's strings did not arrive");
        STRINGS = s;
        return s;
      }).catch(e => { asking = null; console.warn("attention explorer:", e); return null; });  // the next one asks again
    }
    return asking;
  }
  // The <link> the <head> line added: Gradio does not wait for it, so the first drawing does (it measures widths).
  function stylesheet() {
    const link = [...document.querySelectorAll('link[rel="stylesheet"]')].find(l => l.href.includes("attention_explorer.css"));
    if (!link || link.sheet) return Promise.resolve();
    return new Promise(done => { link.addEventListener("load", done, { once: true }); link.addEventListener("error", done, { once: true }); });
  }
  const replays = new Map();  // replay.json URL -> Promise of the replay, snapshots in increasing step order
  function fetchReplay(url) {
    if (!replays.has(url)) {
      const got = fetch(url).then(r => {
        if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
        return r.json();
      }).then(d => ({ ...d, snapshots: [...d.snapshots].sort((a, b) => a.step - b.step) }));
      got.catch(() => replays.delete(url));                 // a failed fetch is tried again next time
      replays.set(url, got);
    }
    return replays.get(url);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  function button(label, onClick, cls) {
    const b = el("button", "ax-btn" + (cls ? " " + cls : ""), label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  const fmt = (x, d) => (Math.abs(x) < 0.5 * Math.pow(10, -d) ? 0 : x).toFixed(d);

  function mount(element, props, { server, watch }) {
    Promise.all([loadStrings(server), stylesheet()]).then(() => explorer(element, props, server, watch));
  }
  window.DawnExplorer = { mount };

  // ----------------------------------------------------------------------------- one explorer

  function explorer(element, props, server, watch) {
    const root = element.querySelector(".ax") || element;
    const instance = Math.random().toString(36).slice(2);
    let data = null;     // this model's payload
    let st = freshState(props.view);
    let replayAt = null;        // the replay slider's snapshot index (kept across translations)
    let replayTogether = true;  // the three models' sliders move in step
    let replayURLs = [];        // the replay maps' blob URLs (replayImage), freed when the replay is redrawn
    let replayDrawn = 0;        // counts drawReplay() calls: a replay that arrives for an older one is dropped
    // How the picture is shown, chosen when the explorer is first drawn and kept across translations: on a phone
    // "top characters" (each row's 1–3 strongest characters, with bars) and no full map; on a wide screen the
    // full map. Either can be switched on beside the other. `opened`: the "More" panels opened on a phone.
    const picture = { lines: narrow(), full: !narrow() };
    // The second map (the first without attention): "influence" (measured by replacing a character) or "saliency" (the
    // gradient's estimate, asked from the server when first picked), kept across translations; `sal`: that call.
    let evidence = "influence";
    let sal = { busy: false, error: null };
    // The training-data lens: the tapped stretch of the sentence (character indices) and its answer; when an English
    // word of the translation was tapped, that word (a row of data.words) and the English side's answer too.
    const NO_LENS = { from: null, to: null, word: null, busy: false, answer: null, english: null };
    let lens = { ...NO_LENS };
    const opened = {};
    // The colours, as CSS variables for the stylesheet's strips and bars (one place: COLORS).
    for (const [k, v] of Object.entries(COLORS)) root.style.setProperty("--ax-" + k, v);

    function freshState(view) {
      return {
        map: view === "encoder" ? "encoder" : "cross",  // which attention: decoder cross- or encoder self-attention
        layer: -1, head: -1,                            // -1: last layer / average of heads
        hover: null, pin: null,                         // {axis: "row" | "col", idx: [..]}
        linked: null,                                   // source columns selected in any explorer
        step: null, cell: null, token: null, multiples: false,
        words: true,                                    // rows of the cross maps: English words (pieces merged) or tokens
        fit: false,                                     // maps drawn to the box's width instead of scrolling
        whatif: null, wtoken: null, busy: false,         // the last what-if answer, its picked token, a call under way
        beamStep: null, beamPick: null,                 // the beam view's step (a row of the map, or the end) and pick
        tables: {},                                     // the maps shown as tables too: {attention: true, ...}
      };
    }

    // ----------------------------------------------------------------------------- strings and small helpers

    function lang() {
      const l = props.lang === "auto" || !props.lang ? (document.documentElement.lang || navigator.language || "en") : props.lang;
      return String(l).toLowerCase().startsWith("zh") ? "zh" : "en";
    }
    function t(key, params) {
      const all = STRINGS || {}, table = all[lang()] || {};
      let s = table[key] !== undefined ? table[key] : (all.en || {})[key] || key;
      for (const [k, v] of Object.entries(params || {})) s = s.split("{" + k + "}").join(String(v));
      return s;
    }

    // ----------------------------------------------------------------------------- the numbers

    function payload() {
      const v = props.value;
      if (!v || typeof v !== "object") return null;
      if (v.models) return v.models[props.model] || Object.values(v.models)[0] || null;  // a whole /attention result
      return v.source_tokens ? v : null;
    }
    // The details line: the times the payload carries ("ms": the translation; "timings": dawn/explain.py's), if any.
    function timings() {
      const parts = [], tm = data.timings || {};
      if (typeof data.ms === "number") parts.push(t("details.ms", { ms: Math.round(data.ms).toLocaleString("en") }));
      if (typeof tm.decode_ms === "number" && typeof tm.influence_ms === "number")
        parts.push(t("details.timings", { decode: Math.round(tm.decode_ms).toLocaleString("en"),
                                          influence: Math.round(tm.influence_ms).toLocaleString("en") }));
      return parts.join(" · ");
    }
    function hasMap(kind) {
      const m = kind === "encoder" ? data.encoder_attention : data.cross_attention;
      return Array.isArray(m) && m.length > 0;
    }
    // Words: the cross maps' rows with each word's BPE pieces merged (dawn/explain.py merge_rows: attention rows
    // averaged, influence rows summed), sent by the server; the switch picks which rows to draw.
    function inWords() { return st.words && st.map === "cross" && !!data.words; }
    function layers() {
      if (!hasMap(st.map)) return [];
      if (st.map === "encoder") return data.encoder_attention;
      return inWords() && data.words.cross_attention ? data.words.cross_attention : data.cross_attention;
    }
    function layerIndex() { const n = layers().length; return st.layer < 0 || st.layer >= n ? n - 1 : st.layer; }
    function rowsTokens() { return st.map === "encoder" ? data.source_tokens : inWords() ? data.words.tokens : data.target_tokens; }
    // The output token a row stands for (a word: its first piece), for the alternatives, the beam and the whiteboard.
    function tokenOf(r) { return inWords() ? data.words.groups[r][0] : r; }
    // ... and back: the row that shows output token i (its word, or itself).
    function rowOf(i) { return inWords() ? Math.max(0, data.words.groups.findIndex(g => g.includes(i))) : i; }

    const cache = new Map();
    // Attention of the selected layer and head (or the average of heads) as floats: rows x source columns.
    function attention(head) {
      if (!hasMap(st.map)) return null;
      const l = layerIndex(), h = head === undefined ? st.head : head;
      const key = st.map + (inWords() ? "w" : "t") + l + ":" + h;
      if (!cache.has(key)) {
        const heads = layers()[l], scale = data.scale;
        const pick = h < 0 ? heads : [heads[h]];
        cache.set(key, pick[0].map((row, r) => row.map((_, c) => {
          let s = 0;
          for (const m of pick) s += m[r][c];
          return s / (scale * pick.length);
        })));
      }
      return cache.get(key);
    }
    function influence() { return st.map === "encoder" ? null : inWords() ? data.words.influence : data.influence; }
    // Gradient saliency (dawn/saliency.py): the same rows and units as influence; null until the server has sent it.
    function saliency() {
      if (st.map === "encoder" || !hasSaliency()) return null;
      const s = salSource();
      return inWords() ? s.words.saliency : s.saliency;
    }
    function withSaliency(p) { return !!p && Array.isArray(p.saliency) && p.saliency.length > 0 && (!data.words || !!(p.words && Array.isArray(p.words.saliency))); }
    function salKey() { return [data.model, data.decoding, data.source, (data.target_ids || []).join(",")].join("|"); }
    // Where the saliency comes from: the payload itself (/attention's), or the server's answer for it.
    function salSource() { return withSaliency(data) ? data : SALIENCY_DONE.get(salKey()) || null; }
    function hasSaliency() { return !!salSource(); }
    function agreementOf() { const s = salSource(); return (s && s.agreement) || data.agreement; }
    // Whether this explorer can show saliency: the payload has it, or the server function can add it.
    function canSaliency() {
      return st.map === "cross" && Array.isArray(data.target_ids) && data.target_ids.length > 0 &&
             (hasSaliency() || (!!server && typeof server.saliency === "function"));
    }
    function evidenceKind() { return evidence === "saliency" && saliency() ? "saliency" : "influence"; }
    function valuesOf(kind) { return kind === "attention" ? attention() : kind === "saliency" ? saliency() : influence(); }
    function influenceMax(kind) {
      let m = 0;
      for (const row of (kind === "saliency" ? saliency() : influence()) || data.influence) for (const v of row) m = Math.max(m, Math.abs(v));
      return m || 1;
    }
    // What the strips and the scrubber read: attention if the model has it, else the positive influence, per row.
    function guide() { return attention() || shares(influence() || data.influence); }
    // Each row's positive influence as shares of its total: what each output token needed, summing to 1.
    function shares(m) {
      return m.map(row => {
        const pos = row.map(v => Math.max(v, 0));
        const s = pos.reduce((x, y) => x + y, 0);
        return pos.map(v => (s > 0 ? v / s : 0));
      });
    }

    // ----------------------------------------------------------------------------- layout, rebuilt per payload / language

    let ui = {};
    function build() {
      cache.clear();
      st.at = null;   // where the alternatives were placed (placeDetail): the new layout has them in their place
      root.replaceChildren();
      ui = {};
      data = payload();
      if (!data) {
        root.appendChild(el("p", "ax-empty", t("empty")));
        ui.replay = el("div", "ax-replay");
        root.appendChild(ui.replay);
        drawReplay();
        return;
      }
      if (!hasMap(st.map)) st.map = hasMap("cross") ? "cross" : hasMap("encoder") ? "encoder" : "cross";
      const head = el("div", "ax-head");
      head.appendChild(el("span", "ax-title", t("model." + data.kind)));
      head.appendChild(el("span", "ax-text", data.text));
      root.appendChild(head);
      const times = timings();
      if (times) root.appendChild(el("p", "ax-details", times));

      ui.top = el("div", "ax-top");               // how the picture is shown (and, on a phone, "Options")
      ui.controls = el("div", "ax-controls");     // rows, map, layer, head: behind "Options" on a phone
      ui.controls.id = `ax-${instance}-controls`;
      root.append(ui.top, ui.controls);
      drawControls();

      ui.tgt = strip(inWords() ? data.words.tokens : data.target_tokens, "row", "ax-tgt", t("strip.target"));
      ui.src = strip(data.source_tokens, "col", "ax-src", t("strip.source"));
      root.append(ui.tgt.box, ui.src.box);
      root.classList.toggle("ax-fit", st.fit);

      // The picture, the heads, then what a tap asks for (the alternatives: moved next to the tap, see placeDetail);
      // then "More" (a phone's row of disclosure buttons) and what it opens: the second map, coverage, what if,
      // the beam, the training replay.
      ui.maps = el("div", "ax-maps");
      ui.multiples = el("div", "ax-multiples");
      ui.detail = el("div", "ax-detail");
      ui.alts = el("div", "ax-alts");
      ui.wb = el("div", "ax-wb");
      ui.detail.append(ui.alts, ui.wb);
      ui.more = el("div", "ax-more");
      ui.maps2 = el("div", "ax-maps");
      ui.scrub = el("div", "ax-scrub");
      ui.whatif = el("div", "ax-whatif");
      ui.beam = el("div", "ax-beamview");
      ui.replay = el("div", "ax-replay");
      ui.lens = el("div", "ax-lens");
      ui.agree = el("p", "ax-agreement");        // how often the views pick the same character (one line)
      root.append(ui.maps, ui.agree, ui.multiples, ui.detail, ui.more, ui.maps2, ui.lens, ui.scrub, ui.whatif, ui.beam, ui.replay);
      drawMaps();
      drawLens();
      drawWhatif();
      drawBeamView();
      drawReplay();
      drawMore();
      applyView();
    }

    function drawControls() {
      const c = ui.controls;
      c.replaceChildren();
      ui.top.replaceChildren();
      const group = (label, items, active, onPick, name) => {
        const g = el("div", "ax-group");
        g.setAttribute("role", "group");
        g.dataset.group = name;
        g.appendChild(el("span", "ax-label", label));
        items.forEach(([text, v]) => {
          const b = button(text, () => onPick(v));
          b.dataset.value = String(v);
          b.setAttribute("aria-pressed", String(v === active));
          g.appendChild(b);
        });
        c.appendChild(g);
      };
      if (data.words && st.map === "cross")
        group(t("control.rows"), [[t("rows.words"), true], [t("rows.tokens"), false]], st.words,
              v => { st.words = v; st.pin = st.hover = st.cell = null; st.token = null; st.step = st.beamStep = st.beamPick = null; build(); }, "rows");
      const maps = [["cross", t("map.cross")], ["encoder", t("map.encoder")]].filter(([k]) => hasMap(k));
      if (maps.length > 1) group(t("control.map"), maps.map(([k, s]) => [s, k]), st.map, v => { st.map = v; st.pin = st.hover = st.cell = null; st.step = null; build(); }, "map");
      const L = layers();
      if (L.length) {
        if (L.length > 1) group(t("control.layer"), L.map((_, i) => [String(i + 1), i]), layerIndex(), v => { st.layer = v; drawControls(); repaint(); }, "layer");
        const H = L[0].length;
        if (H > 1) {
          group(t("control.head"), [[t("control.average"), -1]].concat(L[0].map((_, i) => [String(i + 1), i])), st.head, v => { st.head = v; drawControls(); repaint(); }, "head");
          const b = button(t("control.multiples"), () => { st.multiples = !st.multiples; drawControls(); drawMultiples(); }, "ax-toggle");
          b.dataset.group = "multiples";
          b.setAttribute("aria-pressed", String(st.multiples));
          c.appendChild(b);
        }
      }
      // The top line: how the picture is shown, and "Options" (a phone's disclosure of the controls under it).
      if (hasMap(st.map) || (st.map === "cross" && influence())) {
        const g = el("div", "ax-group");
        g.setAttribute("role", "group");
        g.setAttribute("aria-label", t("control.view"));
        g.dataset.group = "view";
        g.appendChild(el("span", "ax-label", t("control.view")));
        const lines = button(t("picture.lines"), () => setView(!picture.lines, picture.full || picture.lines), "ax-toggle ax-lines-toggle");
        const full = button(t("picture.full"), () => setView(picture.lines || picture.full, !picture.full), "ax-toggle ax-full-toggle");
        lines.setAttribute("aria-pressed", String(picture.lines));
        full.setAttribute("aria-expanded", String(picture.full));
        g.append(lines, full);
        ui.top.appendChild(g);
      }
      if (c.childNodes.length) {
        const options = button(t("more.controls"), () => toggleMore("controls", [c]), "ax-toggle ax-more-btn ax-options");
        options.dataset.more = "controls";
        options.setAttribute("aria-controls", c.id);
        ui.top.appendChild(options);
      }
      applyMore();
      applyView();
    }

    // A line of tokens whose background shows a weight; hover lights it, click pins it.
    function strip(tokens, axis, cls, label) {
      const box = el("div", "ax-strip " + cls);
      box.appendChild(el("span", "ax-label", label));
      const spans = tokens.map((tok, i) => {
        const s = el("span", "ax-tok", tok);
        s.dataset.i = i;
        s.tabIndex = 0;
        box.appendChild(s);
        return s;
      });
      box.addEventListener("mouseover", e => { const i = e.target.dataset && e.target.dataset.i; if (i !== undefined) setHover(axis, [+i]); });
      box.addEventListener("mouseleave", () => setHover(null));
      box.addEventListener("focusin", e => { const i = e.target.dataset && e.target.dataset.i; if (i !== undefined) setHover(axis, [+i]); });
      box.addEventListener("focusout", () => setHover(null));
      box.addEventListener("keydown", e => { if ((e.key === "Enter" || e.key === " ") && e.target.dataset.i !== undefined) { e.preventDefault(); e.target.click(); } });
      box.addEventListener("click", e => {
        const i = e.target.dataset && e.target.dataset.i;
        if (i === undefined) return;
        if (axis === "col") selectColumns([+i], e.detail === 2);  // a double click selects the clause
        else if (st.map === "encoder") pin("col", [+i]);
        else { pin("row", [+i]); st.token = tokenOf(+i); drawDetail(); placeDetail(box); }
      });
      return { box, spans };
    }

    // ----------------------------------------------------------------------------- heatmaps (SVG)

    function geometry(rows, cols) {
      const cell = Math.max(10, Math.min(18, Math.floor(720 / Math.max(cols.length, 1))));
      const left = Math.min(120, 12 + 7 * Math.max(...rows.map(s => s.length), 2));
      const top = 22;
      return { cell, left, top, width: left + cols.length * cell + 4, height: top + rows.length * cell + 4 };
    }

    // Draws one map: rows x cols cells whose opacity is the value. Returns {svg, rects[r][c]}.
    // label: what a screen reader hears for the whole map (role="img"); a small multiple is part of its button.
    function heatmap(rows, cols, values, color, kind, small, label) {
      const g = geometry(small ? [] : rows, cols);
      if (small) { g.cell = 3; g.left = 2; g.top = 2; g.width = 4 + cols.length * 3; g.height = 4 + rows.length * 3; }
      const s = svg("svg", { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, class: "ax-map", "font-family": FONT });
      if (label) { s.setAttribute("role", "img"); s.setAttribute("aria-label", label); }
      else s.setAttribute("aria-hidden", "true");
      s.appendChild(svg("rect", { x: 0, y: 0, width: g.width, height: g.height, fill: "#ffffff" }));
      const rects = [], top = kind === "attention" ? maxOf(values) : maxAbs(values);
      if (!small) {
        cols.forEach((tok, c) => {
          const x = svg("text", { x: g.left + c * g.cell + g.cell / 2, y: g.top - 6, "text-anchor": "middle", "font-size": Math.min(12, g.cell - 2), class: "ax-col", "data-c": c });
          x.textContent = tokLabel(tok);
          s.appendChild(x);
        });
        rows.forEach((tok, r) => {
          const y = svg("text", { x: g.left - 4, y: g.top + r * g.cell + g.cell * 0.75, "text-anchor": "end", "font-size": Math.min(12, g.cell - 2), class: "ax-row", "data-r": r });
          y.textContent = tok.length > 14 ? tok.slice(0, 13) + "…" : tok;
          s.appendChild(y);
        });
      }
      values.forEach((row, r) => {
        const line = [];
        row.forEach((v, c) => {
          const rect = svg("rect", { x: g.left + c * g.cell, y: g.top + r * g.cell, width: g.cell - (small ? 0 : 1), height: g.cell - (small ? 0 : 1), class: "ax-cell", "data-r": r, "data-c": c });
          paintCell(rect, v, color, kind, top);
          s.appendChild(rect);
          line.push(rect);
        });
        rects.push(line);
      });
      return { svg: s, rects, g };
    }

    // Opacity is the value over the map's largest value (stated in the caption), so faint maps stay readable.
    function paintCell(rect, v, color, kind, top) {
      if (kind === "influence" || kind === "saliency") {   // signed, in nats: orange above 0, purple below
        rect.setAttribute("fill", v >= 0 ? COLORS.needed : COLORS.without);
        rect.setAttribute("fill-opacity", Math.min(1, Math.abs(v) / (top || 1)).toFixed(3));
      } else {
        rect.setAttribute("fill", color);
        rect.setAttribute("fill-opacity", Math.min(1, v / (top || 1)).toFixed(3));
      }
    }
    function maxOf(m) { let x = 0; for (const row of m) for (const v of row) x = Math.max(x, v); return x || 1; }
    function maxAbs(m) { let x = 0; for (const row of m) for (const v of row) x = Math.max(x, Math.abs(v)); return x || 1; }
    const tokLabel = tok => (tok === "</s>" ? "⏎" : tok === "<unk>" ? "?" : tok);

    function figure(kind) {
      const fig = el("figure", "ax-fig ax-" + kind);
      fig.dataset.map = kind;
      const cap = el("figcaption", "ax-caption");
      const title = el("strong", null, t("title." + kind + (kind === "attention" ? "." + st.map : "")));
      cap.append(title, el("span", null, " " + captionText(kind)));
      fig.appendChild(cap);
      if (kind !== "attention" && canSaliency()) fig.appendChild(evidenceSwitch());
      const scroll = el("div", "ax-scroll");
      const lines = el("div", "ax-lines ax-map");          // "top characters" (drawLines) ...
      lines.setAttribute("role", "group");
      lines.setAttribute("aria-label", t("picture.lines"));
      const full = el("div", "ax-full");                   // ... and the full map, either or both (view)
      full.id = `ax-${instance}-${kind}-full`;
      scroll.append(lines, full);
      fig.appendChild(scroll);
      const hint = el("p", "ax-scroll-hint", t("scroll.hint", { n: data.source_tokens.length }));
      hint.hidden = true;                                  // shown by showScrollHints() when the map is wider than its box
      fig.appendChild(hint);
      const key = el("p", "ax-key");                       // what the colour means, in words, under every map
      fig.appendChild(key);
      const tools = el("div", "ax-tools");
      const exports = el("span", "ax-export");            // behind "More: Export" on a phone
      exports.id = `ax-${instance}-${kind}-export`;
      exports.append(button("SVG", () => exportSVG(kind)), button("PNG", () => exportPNG(kind)), button("JSON", () => exportJSON(kind)));
      exports.querySelectorAll("button").forEach(b => b.dataset.export = b.textContent.toLowerCase());
      tools.appendChild(exports);
      const table = button(t("control.table"), () => { st.tables[kind] = !st.tables[kind]; drawTable(kind); }, "ax-toggle ax-table-toggle");
      table.setAttribute("aria-expanded", String(!!st.tables[kind]));
      tools.appendChild(table);
      const fit = button(t("control.fit"), () => { st.fit = !st.fit; root.classList.toggle("ax-fit", st.fit);
                                                   root.querySelectorAll(".ax-fit-toggle").forEach(b => b.setAttribute("aria-pressed", String(st.fit)));
                                                   if (st.fit && !picture.full) setView(picture.lines, true);   // fitting shows the full map
                                                   showScrollHints(); }, "ax-toggle ax-fit-toggle");
      fit.setAttribute("aria-pressed", String(st.fit));
      tools.appendChild(fit);
      fig.appendChild(tools);
      const tableBox = el("div", "ax-scroll ax-tablebox");   // the map's numbers as a table, behind the Table button
      tableBox.hidden = true;
      fig.appendChild(tableBox);
      return { fig, scroll, lines, full, key, tableBox, tableToggle: table };
    }

    // Influence or saliency: two buttons over the second map, and a status line while the saliency is computed.
    function evidenceSwitch() {
      const box = el("div", "ax-evidence");
      const g = el("div", "ax-group");
      g.setAttribute("role", "group");
      g.setAttribute("aria-label", t("control.evidence"));
      g.dataset.group = "evidence";
      g.appendChild(el("span", "ax-label", t("control.evidence")));
      for (const v of ["influence", "saliency"]) {
        const b = button(t("evidence." + v), () => pickEvidence(v));
        b.dataset.value = v;
        b.setAttribute("aria-pressed", String(evidence === v));
        if (v === "saliency" && sal.busy) b.setAttribute("aria-busy", "true");
        g.appendChild(b);
      }
      const status = el("p", "ax-hint ax-saliency-status", sal.busy ? t("saliency.busy") :
                        sal.error ? t("saliency.failed", { error: sal.error }) : "");
      status.setAttribute("role", "status");
      status.hidden = !sal.busy && !sal.error;
      box.append(g, status);
      return box;
    }
    function pickEvidence(v) {
      if (sal.busy) return;
      evidence = v;
      sal.error = null;
      if (v === "saliency" && !hasSaliency()) loadSaliency();
      else build();
    }
    // Ask the server for the gradients of this payload's own output (nothing is decoded again), once per sentence.
    async function loadSaliency() {
      const d = data, key = salKey();   // d: the payload asked about (its own attention and influence tops go along)
      if (!SALIENCY.has(key)) {
        const top = d.agreement && d.agreement.top ? d.agreement.top : null;   // the views it is compared with
        SALIENCY.set(key, Promise.resolve().then(() => server.saliency(d.source, d.model, d.target_ids, top))
                                 .catch(e => ({ error: String((e && e.message) || e) })));
      }
      sal = { busy: true, error: null };
      build();
      const answer = (await SALIENCY.get(key)) || { error: "no answer" };
      if (!data || salKey() !== key) return;                     // another sentence arrived meanwhile: its own call
      sal = { busy: false, error: null };
      if (answer.error || !Array.isArray(answer.saliency)) {
        SALIENCY.delete(key);                                    // a later pick asks again
        sal.error = String(answer.error || "no saliency in the answer");
        evidence = "influence";
      } else SALIENCY_DONE.set(key, answer);                     // kept with the sentence, for every explorer of it
      build();
    }

    // ----------------------------------------------------------------------------- the training-data lens

    // The sentence's characters as buttons: a tap looks one up; a tap on another then takes the stretch between them
    // (a third tap starts again). Under them the translation's words: a tap on one looks up the characters it looked at
    // most ("the word behind it", see behind()) and the English word itself, on the English side of the pairs.
    // Each answer: how many training pairs contain it, and up to five, the match marked.
    function canLens() { return !!server && typeof server.lookup === "function" && st.map === "cross" && !!data.source; }
    function drawLens() {
      ui.lens.replaceChildren();
      if (!canLens()) return;
      const head = el("p", "ax-lens-head");
      head.append(el("strong", null, t("lens.title")), el("span", null, " " + t("lens.caption")));
      const chars = el("div", "ax-lens-chars");
      chars.setAttribute("role", "group");
      chars.setAttribute("aria-label", t("lens.source"));
      const lo = Math.min(lens.from, lens.to), hi = Math.max(lens.from, lens.to);
      Array.from(data.source).forEach((ch, i) => {
        if (!ch.trim()) return;
        const b = button(ch, () => tapLens(i));
        b.dataset.i = i;
        b.setAttribute("aria-pressed", String(lens.from !== null && i >= lo && i <= hi));
        chars.appendChild(b);
      });
      ui.lens.append(head, chars);
      const words = englishWords();
      if (words.length) {
        const row = el("div", "ax-lens-chars ax-lens-words");
        row.setAttribute("role", "group");
        row.setAttribute("aria-label", t("lens.words"));
        words.forEach(({ w, word }) => {
          const b = button(word, () => tapWord(w));
          b.dataset.w = w;
          b.setAttribute("aria-pressed", String(lens.word === w));
          row.appendChild(b);
        });
        ui.lens.append(row);
      }
      const out = el("div", "ax-lens-out");
      out.setAttribute("aria-live", "polite");
      if (lens.busy) out.appendChild(el("p", "ax-hint", t("lens.busy")));
      else {
        if (lens.word !== null && lens.from !== null)
          out.appendChild(el("p", "ax-hint", t("lens.behind", { word: data.words.tokens[lens.word], text: lensText() })));
        if (lens.answer) answerBlock(out, lens.answer);
        if (lens.english) answerBlock(out, lens.english);
      }
      ui.lens.append(out);
    }
    // One answer of server.lookup: the count (or "never"), the corpora, and up to five pairs with the match marked.
    function answerBlock(out, a) {
      if (a.error) { out.appendChild(el("p", "ax-hint", t("lens.failed", { error: a.error }))); return; }
      const key = a.side === "en" ? "lens.en." : "lens.";
      if (a.total === 0) { out.appendChild(el("p", "ax-lens-count ax-lens-never", t(key + "never", { text: a.text }))); return; }
      out.appendChild(el("p", "ax-lens-count", t(key + "count", { text: a.text, n: a.total.toLocaleString("en") })));
      const corpora = Object.entries(a.by_corpus || {}).sort((x, y) => y[1] - x[1]).map(([c, n]) => c + " " + n.toLocaleString("en"));
      if (corpora.length) out.appendChild(el("p", "ax-hint", t("lens.corpora", { list: corpora.join(", ") })));
      const examples = (a.examples || []).slice(0, 5);
      if (!examples.length) return;
      out.appendChild(el("p", "ax-hint", t("lens.shown", { k: examples.length })));
      const list = el("ol", "ax-lens-examples");
      for (const ex of examples) {
        const li = el("li");
        const ok = Number.isInteger(ex.start) && Number.isInteger(ex.end) && ex.start < ex.end;
        const marked = (text, mark) => {   // text with [start, end) marked (counted in characters, as the server does)
          const span = el("span", a.side === "en" ? null : "ax-lens-zh"), cs = Array.from(String(text || ""));
          if (mark && ok) span.append(cs.slice(0, ex.start).join(""), el("mark", null, cs.slice(ex.start, ex.end).join("")), cs.slice(ex.end).join(""));
          else span.textContent = cs.join("");
          return span;
        };
        li.append(marked(ex.zh, a.side !== "en"), el("span", null, " — "), marked(ex.en, a.side === "en"),
                  el("span", "ax-lens-source", [ex.corpus, ex.licence].filter(Boolean).join(" · ")));
        list.appendChild(li);
      }
      out.appendChild(list);
    }
    function tapLens(i) {   // a tap while an answer is on its way counts too: the latest stretch is the one shown
      if (lens.word === null && lens.from !== null && lens.from === lens.to && i !== lens.from) lens.to = i;   // the stretch between
      else lens.from = lens.to = i;                                                                          // one character
      lens.word = null;
      lens.english = null;
      askLens();
    }
    function lensText() { return Array.from(data.source).slice(Math.min(lens.from, lens.to), Math.max(lens.from, lens.to) + 1).join(""); }
    // The translation's words that have letters or CJK in them (not punctuation): {w: row of data.words, word}.
    function englishWords() {
      if (!data.words || !Array.isArray(data.words.tokens)) return [];
      return data.words.tokens.map((word, w) => ({ w, word: String(word) })).filter(({ word }) => /[\p{L}\p{N}]/u.test(word));
    }
    // Where each source token sits in the sentence: its index in Array.from(data.source), -1 for </s> and the like.
    // Chinese is one character per token; a word-piece ("▁Tom") takes as many characters as it spells.
    function tokenChars() {
      const chars = Array.from(data.source), at = [];
      let i = 0;
      for (const tok of data.source_tokens) {
        const s = Array.from(String(tok).replace(/^▁/, ""));
        if (!s.length || /^<.+>$/.test(tok)) { at.push(-1); continue; }
        while (i < chars.length && !chars[i].trim()) i++;
        at.push(i < chars.length ? i : -1);
        i += s.length;
      }
      return at;
    }
    // The word behind English word w: the source characters it looked at most. The row is the last layer's attention,
    // averaged over heads (what the agreement line calls "attention"); for a model without attention, its influence.
    // From the strongest character, the stretch grows to each neighbour with at least half its weight (punctuation
    // and </s> never count). -> [from, to] character indices, or null.
    function behind(w) {
      const att = data.words.cross_attention, scale = data.scale || 1;
      let row;
      if (Array.isArray(att) && att.length) {
        const heads = att[att.length - 1];
        row = heads[0][w].map((_, c) => heads.reduce((s, h) => s + h[w][c], 0) / (heads.length * scale));
      } else row = (data.words.influence[w] || []).map(v => Math.max(v, 0));
      const at = tokenChars(), chars = Array.from(data.source);
      const usable = c => at[c] >= 0 && /[\p{L}\p{N}]/u.test(chars[at[c]]);
      let best = -1;
      row.forEach((v, c) => { if (usable(c) && (best < 0 || v > row[best])) best = c; });
      if (best < 0 || !(row[best] > 0)) return null;
      let lo = best, hi = best;
      while (lo > 0 && usable(lo - 1) && row[lo - 1] >= row[best] / 2) lo--;
      while (hi < row.length - 1 && usable(hi + 1) && row[hi + 1] >= row[best] / 2) hi++;
      return [at[lo], at[hi] + Array.from(String(data.source_tokens[hi]).replace(/^▁/, "")).length - 1];
    }
    function tapWord(w) {
      const span = behind(w), word = String(data.words.tokens[w]);
      lens.word = w;
      [lens.from, lens.to] = span || [null, null];
      lens.english = null;
      askLens();
      const text = word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
      if (/\p{Script=Latin}/u.test(text)) askEnglish(text, w);
    }
    function ask(text, side) {   // one promise per (side, text) for the whole page; a failure is asked again next time
      const key = side + ":" + text;
      if (!LOOKUPS.has(key))
        LOOKUPS.set(key, Promise.resolve().then(() => server.lookup(text, side)).catch(e => ({ error: String((e && e.message) || e) })));
      return LOOKUPS.get(key).then(a => { if (!a || a.error) LOOKUPS.delete(key); return a || { error: "no answer" }; });
    }
    async function askLens() {
      const d = data;
      lens.answer = null;
      if (lens.from === null) { lens.busy = false; drawLens(); return; }
      const text = lensText();
      lens.busy = true;
      drawLens();
      const answer = await ask(text, "zh");
      if (!data || data !== d || lens.from === null || lensText() !== text) return;   // asked since: that one shows
      lens.busy = false;
      lens.answer = answer;
      drawLens();
    }
    async function askEnglish(text, w) {
      const d = data, answer = await ask(text, "en");
      if (!data || data !== d || lens.word !== w) return;
      lens.english = answer;
      if (!lens.busy) drawLens();
    }
    // Another part of the page (the translations at the top: page.js) may ask for the lens on a word of this model's
    // translation (ASKED: the text and an offset counted in its non-space characters).
    // The request waits for this explorer's payload of the same text, then opens the lens (on a phone, its "More"
    // panel) and scrolls to it.
    function takeAsked() {
      const q = ASKED.get(props.model || (data && data.model));
      if (!q || !data || !canLens() || q.text !== data.text) return;
      ASKED.delete(props.model || data.model);
      let seen = 0, w = -1;
      (data.words ? data.words.tokens : []).forEach((word, k) => {
        const n = Array.from(String(word).replace(/\s+/g, "")).length;
        if (w < 0 && q.offset < seen + n) w = k;
        seen += n;
      });
      if (w < 0 || !/[\p{L}\p{N}]/u.test(String(data.words.tokens[w]))) return;
      opened.lens = true;
      applyMore();
      tapWord(w);
      ui.lens.scrollIntoView({ block: "start" });
      const b = ui.lens.querySelector(`.ax-lens-words [data-w="${w}"]`);
      if (b) b.focus({ preventScroll: true });
    }
    document.addEventListener(ASK_EVENT, takeAsked);

    // One line under the map: for how many English words the views this model has pick the same character.
    function drawAgreement() {
      ui.agree.replaceChildren();
      const a = agreementOf(), top = (a && a.top) || {};
      const views = ["attention", "saliency", "influence"].filter(v => Array.isArray(top[v]));
      // one line on the three views, under the saliency view (the one that completes them; phones stay short)
      ui.agree.hidden = st.map !== "cross" || evidenceKind() !== "saliency" || !a || typeof a.all !== "number"
                        || !a.words || views.length < 2;
      if (ui.agree.hidden) return;
      ui.agree.append(el("span", "ax-agreement-line", t("agreement.line", { views: t("agreement.views." + views.join("_")),
                                                                          n: Math.round(a.all * a.words), w: a.words })),
                      el("span", "ax-agreement-caption", " " + t("agreement.caption")));
    }

    // The legend under a map: the colour's meaning and its range, as a swatch and in words.
    function drawKey(kind) {
      const f = ui.figs[kind], legend = legendOf(kind);
      const swatch = el("span", "ax-swatch");
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.background = `linear-gradient(to right, ${legend.stops.map(([o, c, a]) => hexAlpha(c, a, 1) + " " + (o * 100) + "%").join(", ")})`;
      f.key.replaceChildren(swatch, el("span", null, legend.key));
    }

    // What a screen reader hears for a map: which map, whose, its size, and what its colour means.
    function mapLabel(kind) {
      const rows = rowsTokens().length, cols = data.source_tokens.length;
      const unit = t(st.map === "encoder" ? "aria.chars" : inWords() ? "aria.words" : "aria.tokens");
      const key = kind === "attention" ? "aria.attention." + st.map : "aria." + kind;
      return t(key, { model: t("model." + data.kind), rows, unit, cols }) + " " + legendOf(kind).key;
    }

    // A map's numbers as a table: rows as drawn (words or tokens), one column per character, with their labels.
    function drawTable(kind) {
      const f = ui.figs[kind];
      if (!f) return;
      const open = !!st.tables[kind];
      f.tableToggle.setAttribute("aria-expanded", String(open));
      f.tableBox.hidden = !open;
      f.tableBox.replaceChildren();
      if (!open) return;
      const values = valuesOf(kind), rows = rowsTokens(), cols = data.source_tokens;
      const table = el("table", "ax-numtable");
      table.appendChild(el("caption", null, mapLabel(kind)));
      const head = el("tr");
      head.appendChild(el("th"));                           // the corner
      cols.forEach(tok => { const th = el("th", null, tokLabel(tok)); th.scope = "col"; head.appendChild(th); });
      table.appendChild(head);
      values.forEach((row, r) => {
        const tr = el("tr"), th = el("th", null, rows[r]);
        th.scope = "row";
        tr.appendChild(th);
        row.forEach(v => tr.appendChild(el("td", null, fmt(v, 2))));
        table.appendChild(tr);
      });
      f.tableBox.appendChild(table);
    }

    function captionText(kind) {
      if (!picture.full) return t("lines.hint." + (kind === "attention" ? st.map : kind));   // top characters alone
      if (kind === "attention") return t("caption.attention." + st.map, { max: fmt(maxOf(attention()), 2) });
      if (kind === "saliency") return t("caption.saliency", { max: fmt(influenceMax("saliency"), 2) });
      return t("caption.influence" + (data.cross_attention ? "" : ".alone"), { max: fmt(influenceMax(), 2) });
    }

    function drawMaps() {
      ui.maps.replaceChildren();
      ui.maps2.replaceChildren();
      ui.figs = {};
      const rows = rowsTokens(), cols = data.source_tokens;
      const a = attention();
      if (a) {
        const f = figure("attention");
        const m = heatmap(rows, cols, a, COLORS.attention, "attention", false, mapLabel("attention"));
        f.full.appendChild(m.svg);
        ui.maps.appendChild(f.fig);
        ui.figs.attention = { ...f, ...m };
        wireMap(m.svg, "attention");
      }
      const kind = evidenceKind(), inf = valuesOf(kind);
      if (inf && inf.length) {
        const f = figure(kind);
        const m = heatmap(rows, cols, inf, null, kind, false, mapLabel(kind));
        f.full.appendChild(m.svg);
        (a ? ui.maps2 : ui.maps).appendChild(f.fig);      // beside attention, influence (or saliency) is the second map
        ui.figs[kind] = { ...f, ...m };
        wireMap(m.svg, kind);
      }
      drawAgreement();
      for (const kind of Object.keys(ui.figs)) { describe(kind); drawLines(kind); }
      if (!a && !(inf && inf.length)) ui.maps.appendChild(el("p", "ax-empty", t("nothing")));
      drawScrubber();
      drawMultiples();
      drawDetail();
      focus();
      requestAnimationFrame(showScrollHints);
    }

    // A map wider than its box scrolls sideways; say so in words where it does (and not where it fits).
    function showScrollHints() {
      root.querySelectorAll(".ax-fig").forEach(fig => {
        const box = fig.querySelector(".ax-scroll"), hint = fig.querySelector(".ax-scroll-hint");
        if (box && hint) hint.hidden = st.fit || box.scrollWidth <= box.clientWidth + 1;
      });
    }

    // ----------------------------------------------------------------------------- top characters, and how the picture is shown

    // "Top characters": each row (an English word, or a character asking in self-attention) as a button over the 1–3
    // characters holding most of its weight (attention, or the share of what it needed), in the sentence's order,
    // each with a bar as long as its weight. The map's story in a phone's width; a tap opens the alternatives under it.
    function drawLines(kind) {
      const f = ui.figs[kind];
      if (!f) return;
      const values = kind === "attention" ? attention() : shares(valuesOf(kind)), rows = rowsTokens(), cols = data.source_tokens;
      const hint = el("p", "ax-hint ax-lines-hint", t("lines.hint." + (kind === "attention" ? st.map : kind)));
      hint.hidden = !picture.full;                         // alone, top characters are what the caption describes
      f.lines.replaceChildren(hint);
      f.lines.style.setProperty("--ax-bar", kind === "attention" ? COLORS.attention : COLORS.needed);
      f.chips = rows.map((tok, r) => {
        const top = topColumns(values[r] || []);
        const b = el("button", "ax-line");
        b.type = "button";
        b.dataset.r = r;
        const chars = el("span", "ax-line-chars");
        top.forEach(([c, v]) => {
          const ch = el("span", "ax-line-char", tokLabel(cols[c]));
          ch.style.setProperty("--w", Math.min(1, v).toFixed(3));
          chars.appendChild(ch);
        });
        b.append(el("span", "ax-line-word", tokLabel(tok)), chars);
        b.setAttribute("aria-label", `${tok}: ` + top.map(([c, v]) => `${cols[c]} ${Math.round(v * 100)}%`).join(", "));
        f.lines.appendChild(b);
        return b;
      });
      if (!f.wired) {   // once per figure: the chips are redrawn, the box stays
        f.wired = true;
        const chipOf = e => { const b = e.target.closest && e.target.closest(".ax-line"); return b && f.lines.contains(b) ? b : null; };
        f.lines.addEventListener("mouseover", e => { const b = chipOf(e); if (b) setHover("row", [+b.dataset.r]); });
        f.lines.addEventListener("mouseleave", () => setHover(null));
        f.lines.addEventListener("click", e => {
          const b = chipOf(e);
          if (!b) return;
          const r = +b.dataset.r;
          pin("row", [r]);
          if (st.map !== "cross") return;
          st.token = tokenOf(r);
          drawDetail();
          placeDetail(b);
        });
      }
      if (st.at && st.at.kind === kind && f.chips[st.at.row]) f.chips[st.at.row].after(ui.detail);   // redrawn: it stays
      focus();
    }
    // A row's strongest columns, [[column, weight]] in the sentence's order: at most TOP, each past the first at
    // least NEAR_TOP of the first's weight (a row that looks at one character shows one).
    function topColumns(row) {
      const best = row.map((v, c) => [c, v]).sort((x, y) => y[1] - x[1]).slice(0, TOP);
      return best.filter(([, v]) => v >= NEAR_TOP * best[0][1]).sort((x, y) => x[0] - y[0]);
    }

    // Top characters, the full map, or both (never neither); the fit button shows the full map. The strips (the map's
    // rows and columns, readable) and the colour key come with the full map; alone, top characters have a caption of
    // their own.
    function setView(lines, full) {
      picture.lines = lines || !full;
      picture.full = full;
      applyView();
    }
    function applyView() {
      if (!data || !ui.figs) return;
      root.querySelectorAll(".ax-lines-toggle").forEach(b => b.setAttribute("aria-pressed", String(picture.lines)));
      root.querySelectorAll(".ax-full-toggle").forEach(b => {
        b.setAttribute("aria-expanded", String(picture.full));
        b.setAttribute("aria-controls", Object.values(ui.figs).map(f => f.full.id).join(" "));
      });
      for (const [kind, f] of Object.entries(ui.figs)) {
        if (picture.lines) f.scroll.prepend(f.lines); else f.scroll.append(f.lines);   // what is shown comes first
        f.lines.hidden = !picture.lines;
        f.full.hidden = !picture.full;
        f.key.hidden = !picture.full;
        f.fig.querySelector(".ax-caption span").textContent = " " + captionText(kind);
        const hint = f.lines.querySelector(".ax-lines-hint");
        if (hint) hint.hidden = !picture.full;
      }
      ui.tgt.box.hidden = st.map === "encoder" || !picture.full;   // self-attention: Chinese asks Chinese, no English
      ui.src.box.hidden = !picture.full;
      if (st.at && !picture.lines) homeDetail();
      showScrollHints();
    }

    // The alternatives (and the whiteboard) appear next to what was tapped: under a word of the top characters, and
    // on a phone under the strip or the map tapped, scrolled into view. Elsewhere they stay under the picture.
    function placeDetail(anchor) {
      if (!ui.detail || !anchor) return;
      const chip = anchor.classList.contains("ax-line");
      if (!chip && !narrow()) return;
      anchor.after(ui.detail);
      ui.detail.classList.toggle("ax-detail-inline", chip);
      st.at = chip ? { kind: Object.keys(ui.figs).find(k => ui.figs[k].lines.contains(anchor)), row: +anchor.dataset.r } : null;
      reveal(ui.detail);
    }
    function homeDetail() {
      st.at = null;
      ui.detail.classList.remove("ax-detail-inline");
      ui.more.before(ui.detail);
    }
    // Scroll just enough for `node` to be on screen (its top, if it is taller than the screen).
    function reveal(node) {
      const r = node.getBoundingClientRect();
      if (r.top < 0 || r.bottom > window.innerHeight) node.scrollIntoView({ block: r.height > window.innerHeight ? "start" : "nearest" });
    }

    // ----------------------------------------------------------------------------- "More": a phone's disclosure buttons

    // On a phone the picture comes first; the rest waits behind one row of "More" buttons (aria-expanded), closed
    // until tapped: the second map, coverage, the beam, what if, the replay, the exports ("Options", the controls, at
    // the top). On a wide screen the stylesheet hides the buttons and shows every panel.
    function morePanels() {
      const p = [];
      const second = ui.figs.influence || ui.figs.saliency;
      if (ui.figs.attention && second) p.push(["influence", [second.fig]]);
      for (const [key, box] of [["lens", ui.lens], ["coverage", ui.scrub], ["beam", ui.beam], ["whatif", ui.whatif], ["replay", ui.replay]])
        if (box.childNodes.length) p.push([key, [box]]);
      const exports = [...root.querySelectorAll(".ax-export")];
      if (exports.length) p.push(["export", exports]);
      return p;
    }
    function drawMore() {
      ui.more.replaceChildren();
      const panels = morePanels();
      if (!panels.length) return;
      ui.more.setAttribute("role", "group");
      ui.more.appendChild(el("span", "ax-label", t("more.label")));
      for (const [key, nodes] of panels) {
        nodes.forEach((n, i) => { if (!n.id) n.id = `ax-${instance}-${key}-${i}`; });
        const b = button(t("more." + key), () => toggleMore(key, nodes), "ax-toggle ax-more-btn");
        b.dataset.more = key;
        b.setAttribute("aria-controls", nodes.map(n => n.id).join(" "));
        ui.more.appendChild(b);
      }
      applyMore();
    }
    function toggleMore(key, nodes) {
      opened[key] = !opened[key];
      applyMore();
      if (opened[key] && narrow()) reveal(nodes[0]);
    }
    function applyMore() {
      if (!ui.more) return;
      for (const [key, nodes] of morePanels()) nodes.forEach(n => n.classList.toggle("ax-closed", !opened[key]));
      ui.controls.classList.toggle("ax-closed", !opened.controls);
      root.querySelectorAll(".ax-more-btn").forEach(b => b.setAttribute("aria-expanded", String(!!opened[b.dataset.more])));
    }

    // A map's words, for its current numbers: its legend, what a screen reader hears, and its table if open.
    function describe(kind) {
      drawKey(kind);
      ui.figs[kind].svg.setAttribute("aria-label", mapLabel(kind));
      drawTable(kind);
    }

    // Layer / head switch: same cells, new opacities.
    function repaint() {
      const a = attention();
      if (ui.figs.attention && a) {
        const top = maxOf(a);
        a.forEach((row, r) => row.forEach((v, c) => paintCell(ui.figs.attention.rects[r][c], v, COLORS.attention, "attention", top)));
        ui.figs.attention.fig.querySelector(".ax-caption span").textContent = " " + captionText("attention");
        describe("attention");
        drawLines("attention");
      }
      drawScrubber();
      drawMultiples();
      drawDetail();
      focus();
    }

    function wireMap(s, kind) {
      s.addEventListener("mouseover", e => {
        const d = e.target.dataset || {};
        if (d.r !== undefined) setHover("row", [+d.r]);
        else if (d.c !== undefined) setHover("col", [+d.c]);
      });
      s.addEventListener("mouseleave", () => setHover(null));
      s.addEventListener("click", e => {
        const d = e.target.dataset || {};
        if (d.r !== undefined && d.c !== undefined && kind === "attention" && st.map === "cross") {
          st.cell = [tokenOf(+d.r), +d.c];   // the whiteboard works on the model's own token rows
          st.cellRow = +d.r;                 // ... the map outlines the row it drew
          st.token = tokenOf(+d.r);
          pin("row", [+d.r], true);
          drawDetail();
          placeDetail(ui.figs[kind].scroll);
        } else if (d.r !== undefined) {
          pin("row", [+d.r]);
          if (st.map === "cross") { st.token = tokenOf(+d.r); drawDetail(); placeDetail(ui.figs[kind].scroll); }
        } else if (d.c !== undefined) selectColumns([+d.c], false);
      });
    }

    // ----------------------------------------------------------------------------- small multiples: every head of the layer

    function drawMultiples() {
      ui.multiples.replaceChildren();
      if (!st.multiples || !layers().length) return;
      const H = layers()[0].length;
      const rows = rowsTokens(), cols = data.source_tokens;
      for (let h = -1; h < H; h++) {
        const box = el("button", "ax-small");
        box.type = "button";
        box.dataset.head = h;
        box.setAttribute("aria-pressed", String(h === st.head));
        box.appendChild(heatmap(rows, cols, attention(h), COLORS.attention, "attention", true).svg);
        box.appendChild(el("span", null, h < 0 ? t("control.average") : t("control.head") + " " + (h + 1)));
        box.addEventListener("click", () => { st.head = h; drawControls(); repaint(); });
        ui.multiples.appendChild(box);
      }
    }

    // ----------------------------------------------------------------------------- focus: hover, pin, linked selection

    function setHover(axis, idx) { st.hover = axis ? { axis, idx } : null; focus(); }
    function pin(axis, idx, keep) {
      const same = st.pin && st.pin.axis === axis && String(st.pin.idx) === String(idx);
      st.pin = same && !keep ? null : { axis, idx };
      if (!st.pin) { st.cell = null; }
      focus();
    }
    function selectColumns(cols, clause) {
      if (clause) cols = clauseOf(cols[0]);
      const same = st.linked && String(st.linked) === String(cols);
      st.linked = same ? null : cols;
      st.pin = st.linked ? { axis: "col", idx: cols } : null;
      focus();
      document.dispatchEvent(new CustomEvent(LINK_EVENT, { detail: { from: instance, key: linkKey(), cols: st.linked } }));
    }
    // Every model reads Chinese one character per token, so position j is the same character in every panel
    // (a character one model lacks is its <unk>): same sentence, same length -> same columns.
    function linkKey() { return (data.source || "") + "|" + data.source_tokens.length; }
    function clauseOf(j) {
      const toks = data.source_tokens;
      let a = j, b = j;
      while (a > 0 && !CLAUSE_END.has(toks[a - 1])) a--;
      while (b < toks.length - 1 && !CLAUSE_END.has(toks[b])) b++;
      return Array.from({ length: b - a + 1 }, (_, k) => a + k);
    }
    function onLinked(e) {
      const d = e.detail || {};
      if (!data || d.from === instance || d.key !== linkKey()) return;
      st.linked = d.cols;
      st.pin = d.cols ? { axis: "col", idx: d.cols } : null;
      focus();
    }
    document.addEventListener(LINK_EVENT, onLinked);

    // Apply the current focus (hover wins over pin) to maps and strips: classes and opacities only.
    function focus() {
      if (!data || !ui.src) return;
      const f = st.hover || st.pin;
      const rows = new Set(f && f.axis === "row" ? f.idx : []);
      const cols = new Set(f && f.axis === "col" ? f.idx : []);
      root.dataset.focus = f ? f.axis + ":" + f.idx.join(",") : "";
      for (const fig of Object.values(ui.figs || {})) {
        fig.svg.classList.toggle("ax-dim", !!f);
        fig.rects.forEach((line, r) => line.forEach((rect, c) => {
          const on = rows.has(r) || cols.has(c);
          if (rect.classList.contains("ax-on") !== on) rect.classList.toggle("ax-on", on);
        }));
        fig.svg.querySelectorAll("text.ax-row").forEach(x => x.classList.toggle("ax-on", rows.has(+x.dataset.r)));
        fig.svg.querySelectorAll("text.ax-col").forEach(x => x.classList.toggle("ax-on", cols.has(+x.dataset.c) || (st.linked || []).includes(+x.dataset.c)));
        fig.svg.querySelectorAll(".ax-band").forEach(x => x.remove());
        const g = fig.g, W = fig.rects[0] ? fig.rects[0].length : 0, H = fig.rects.length;
        const band = (x, y, w, h, extra) => fig.svg.appendChild(svg("rect", { x: x - 0.5, y: y - 0.5, width: w, height: h, fill: "none", stroke: "#111827", "stroke-width": extra ? 2 : 1, class: "ax-band" }));
        rows.forEach(r => { if (r < H) band(g.left, g.top + r * g.cell, W * g.cell, g.cell); });
        cols.forEach(c => { if (c < W) band(g.left + c * g.cell, g.top, g.cell, H * g.cell); });
        if (st.cell && fig === ui.figs.attention) band(g.left + st.cell[1] * g.cell, g.top + (st.cellRow ?? st.cell[0]) * g.cell, g.cell, g.cell, true);
        const pinned = new Set(st.pin && st.pin.axis === "row" ? st.pin.idx : []);
        (fig.chips || []).forEach((b, r) => {
          b.classList.toggle("ax-on", rows.has(r));
          b.setAttribute("aria-pressed", String(pinned.has(r)));
          b.style.backgroundColor = "";
        });
      }
      // The strips: the Distill way, each token's background is its weight for the focused token(s).
      const w = guide(), color = attention() ? COLORS.attention : COLORS.needed;   // the colour of what the strips show
      const shade = (span, v) => { span.style.backgroundColor = v > 0.004 ? hexAlpha(color, Math.min(1, v)) : ""; };
      const rowAxisIsSource = st.map === "encoder";
      const srcSpans = ui.src.spans, tgtSpans = ui.tgt.spans;
      srcSpans.forEach(s => { s.style.backgroundColor = ""; s.classList.toggle("ax-on", cols.has(+s.dataset.i) || (st.linked || []).includes(+s.dataset.i)); });
      tgtSpans.forEach(s => { s.style.backgroundColor = ""; s.classList.toggle("ax-on", !rowAxisIsSource && rows.has(+s.dataset.i)); });
      if (rows.size) {  // a row (an output token, or a source token in self-attention) -> its weights over the source
        srcSpans.forEach((s, j) => { let v = 0; rows.forEach(r => { v += (w[r] || [])[j] || 0; }); shade(s, v / rows.size); });
        if (rowAxisIsSource) rows.forEach(r => srcSpans[r] && srcSpans[r].classList.add("ax-on"));
      } else if (cols.size && !rowAxisIsSource) {  // source characters -> which output tokens leaned on them
        const col = w.map(row => { let v = 0; cols.forEach(c => { v += row[c] || 0; }); return v; });
        const m = Math.max(...col, 1e-9);
        tgtSpans.forEach((s, t) => shade(s, col[t] / m));
        for (const fig of Object.values(ui.figs || {})) (fig.chips || []).forEach((b, t) => shade(b, col[t] / m));
      }
    }
    function hexAlpha(hex, a, k = 0.85) {
      const n = parseInt(hex.slice(1), 16);
      return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${(k * a).toFixed(3)})`;
    }

    // ----------------------------------------------------------------------------- coverage, step by step

    function drawScrubber() {
      ui.scrub.replaceChildren();
      if (st.map === "encoder" || !data.target_tokens.length) return;
      const w = guide(), T = w.length, cols = data.source_tokens;
      const step = st.step === null ? T : Math.min(st.step, T);
      const head = el("div", "ax-caption");
      head.append(el("strong", null, t("title.coverage")), el("span", null, " " + t(attention() ? "caption.coverage" : "caption.coverage.influence", { never: NEVER, again: AGAIN })));
      const range = el("input", "ax-range");
      Object.assign(range, { type: "range", min: 0, max: T, step: 1, value: step });
      range.setAttribute("aria-label", t("title.coverage"));
      const label = el("span", "ax-steplabel");
      const bars = el("div", "ax-scroll");
      ui.scrub.append(head, range, label, bars);
      const g = geometry([], cols);
      const beside = ui.figs.attention || ui.figs.influence || ui.figs.saliency;
      if (beside) g.left = beside.g.left;                                  // bars line up with the map's columns
      const H = 48;
      const s = svg("svg", { width: g.left + cols.length * g.cell + 4, height: H + 20, "font-family": FONT, role: "img",
                             class: "ax-bars" + (attention() ? "" : " ax-bars-influence"),   // orange: influence, not attention
                             viewBox: `0 0 ${g.left + cols.length * g.cell + 4} ${H + 20}` });
      const rects = cols.map((tok, j) => {
        const r = svg("rect", { x: g.left + j * g.cell, width: g.cell - 1, class: "ax-bar" });
        s.appendChild(r);
        const x = svg("text", { x: g.left + j * g.cell + g.cell / 2, y: H + 14, "text-anchor": "middle", "font-size": Math.min(12, g.cell - 2) });
        x.textContent = tokLabel(tok);
        s.appendChild(x);
        return r;
      });
      bars.appendChild(s);
      const update = () => {
        const n = +range.value;
        st.step = n;
        const cov = cols.map((_, j) => { let c = 0; for (let r = 0; r < n; r++) c += w[r][j] || 0; return c; });
        let never = 0, again = 0;
        cov.forEach((c, j) => {
          const h = Math.min(H, (c / 2) * H);
          rects[j].setAttribute("y", H - h);
          rects[j].setAttribute("height", Math.max(h, 0.5));
          const real = cols[j] !== "</s>";
          const isNever = real && c < NEVER, isAgain = real && c > AGAIN;
          never += isNever; again += isAgain;
          rects[j].setAttribute("class", "ax-bar" + (isNever ? " ax-never" : isAgain ? " ax-again" : ""));
        });
        label.textContent = t(attention() ? "coverage.step" : "coverage.step.influence",
                              { n, T, token: n > 0 ? rowsTokens()[n - 1] : "<s>", never, again });
        s.setAttribute("aria-label", t("title.coverage") + " " + label.textContent);
      };
      range.addEventListener("input", update);
      update();
    }

    // ----------------------------------------------------------------------------- what the model almost said, and the whiteboard

    function drawDetail() {
      ui.alts.replaceChildren();
      ui.wb.replaceChildren();
      const tt = st.token;
      ui.detail.classList.toggle("ax-idle", st.map === "encoder" || tt === null || tt === undefined);  // a phone hides the hints
      if (st.map === "encoder") return;
      if (tt === null || tt === undefined || !data.alternatives[tt]) {
        ui.alts.appendChild(el("p", "ax-hint", t("hint.token")));
      } else {
        ui.alts.appendChild(el("h4", null, t("alts.title", { n: tt + 1, token: data.target_tokens[tt] })));
        const ids = data.alternative_ids && data.alternative_ids[tt];
        ui.alts.appendChild(altList(data.alternatives[tt], data.target_tokens[tt],
          ids && data.target_ids ? k => data.target_ids.slice(0, tt).concat([ids[k]]) : null));
        const listed = data.alternatives[tt].find(([tok]) => tok === data.target_tokens[tt]);  // the same number as in the list
        const p = listed ? listed[1] : Math.exp(data.token_logprob[tt]);
        ui.alts.appendChild(el("p", "ax-hint", t("alts.chosen", { p: fmt(p * 100, 1) })));
        if (data.beam) { st.beamStep = rowOf(tt); st.beamPick = null; drawBeamView(); }
      }
      drawWhiteboard();
    }

    // The top 5 at one step as bars; with prefixOf(k) (and /whatif), each other token gets a "choose" button.
    function altList(alts, chosen, prefixOf) {
      const list = el("ol", "ax-altlist");
      alts.forEach(([tok, p], k) => {
        const li = el("li", tok === chosen ? "ax-chosen" : "");
        const bar = el("span", "ax-pbar");
        bar.style.width = Math.round(p * 100) + "%";
        li.append(el("span", "ax-alt", tok), bar, el("span", "ax-p", fmt(p * 100, 1) + "%"));
        if (prefixOf && canAsk() && tok !== chosen && tok !== "</s>") {
          const b = button(t("whatif.choose"), () => askWhatif(prefixOf(k)), "ax-choose");
          b.setAttribute("aria-label", t("whatif.choose.label", { token: tok }));
          li.appendChild(b);
        }
        list.appendChild(li);
      });
      return list;
    }

    function beamSequences() {
      if (data._seqs) return data._seqs;
      const seqs = [];
      let kept = [[]];
      data.beam.steps.forEach(cands => {
        const mine = cands.map(([parent, tok]) => (kept[parent] || []).concat([tok]));
        seqs.push(mine);
        const next = mine.filter((_, c) => cands[c][3] === "kept");
        kept = next.length ? next : [[]];
      });
      Object.defineProperty(data, "_seqs", { value: seqs, enumerable: false });
      return seqs;
    }
    // The beam's steps, counted in the map's rows: one per word (at its last piece, when the word is complete) or per
    // token, then the step where the returned translation ends (its </s>), and no further: later steps of the search
    // only finish other hypotheses. [{row (null at the end), step (index into beam.steps), token}]
    function beamUnits() {
      const T = data.target_tokens.length, N = data.beam.steps.length;
      const units = inWords()
        ? data.words.groups.map((g, w) => ({ row: w, step: g[g.length - 1], token: data.words.tokens[w] }))
        : data.target_tokens.map((tok, i) => ({ row: i, step: i, token: tok }));
      if (T < N) units.push({ row: null, step: T, token: "</s>" });
      return units.filter(u => u.step < N);
    }
    // The beam, step by step: every candidate of a step (kept, finished, dropped) with its total log-prob.
    // A step slider and the hypotheses are all in the payload; a click lights the step's row in the map.
    // Built once per payload and updated in place, so that keyboard focus stays where it was: the slider's arrow
    // keys, and in the list ↑ ↓ (candidates), ← → (steps), Home / End, Enter (light the row).
    function drawBeamView() {
      if (!ui.beam) return;
      if (!data || !data.beam || !data.beam.steps.length || st.map === "encoder") { ui.beam.replaceChildren(); ui.beamRange = null; return; }
      const units = beamUnits(), N = units.length, W = units.filter(u => u.row !== null).length;
      if (!N) return;
      if (!ui.beamRange) {
        const head = el("div", "ax-caption");
        head.append(el("strong", null, t("beam.view", { k: data.beam_size })), el("span", null, " " + t("beam.hint")));
        const range = el("input", "ax-range ax-beamrange");
        Object.assign(range, { type: "range", min: 1, max: N, step: 1 });
        range.setAttribute("aria-label", t("beam.view", { k: data.beam_size }));
        range.addEventListener("input", () => setBeamStep(+range.value - 1));
        const list = el("ul", "ax-beam");
        list.setAttribute("aria-label", t("beam.list"));
        list.addEventListener("keydown", beamKey);
        ui.beam.append(head, range, el("span", "ax-steplabel ax-beamlabel"), list);
        ui.beamRange = range;
        ui.beamList = list;
      }
      const n = Math.max(0, Math.min(st.beamStep === null ? 0 : st.beamStep, N - 1)), u = units[n];
      const label = u.row === null ? t("beam.end") : t(inWords() ? "beam.word" : "beam.token", { n: n + 1, N: W, token: u.token });
      ui.beamRange.value = n + 1;
      ui.beamRange.setAttribute("aria-valuetext", label);
      ui.beam.querySelector(".ax-beamlabel").textContent = label;
      const list = ui.beamList, had = list.contains(document.activeElement) ? +document.activeElement.dataset.c : null;
      const seqs = beamSequences()[u.step];
      list.replaceChildren();
      data.beam.steps[u.step].forEach(([, , lp, status], c) => {
        const li = el("li", "ax-" + status + (data.beam.path[u.step] === c ? " ax-path" : "") + (st.beamPick === c ? " ax-picked" : ""));
        li.dataset.c = c;
        li.tabIndex = 0;
        li.append(el("span", "ax-status", t("beam." + status)), el("span", "ax-hyp", seqs[c].join(" ")), el("span", "ax-p", fmt(lp, 2)));
        li.addEventListener("click", () => pickBeam(c));
        list.appendChild(li);
      });
      if (had !== null && list.children.length) list.children[Math.min(had, list.children.length - 1)].focus();  // focus stays
    }
    function setBeamStep(n) { st.beamStep = n; st.beamPick = null; drawBeamView(); }
    function pickBeam(c) {
      const units = beamUnits(), u = units[Math.min(st.beamStep || 0, units.length - 1)];
      st.beamPick = c;
      if (u.row !== null && ui.figs && (ui.figs.attention || ui.figs.influence || ui.figs.saliency)) pin("row", [u.row], true);
      drawBeamView();
    }
    function beamKey(e) {
      const li = e.target.closest("li"), N = beamUnits().length, n = st.beamStep || 0;
      if (!li) return;
      const move = { ArrowRight: n + 1, ArrowLeft: n - 1, Home: 0, End: N - 1 }[e.key];
      if (move !== undefined) {
        e.preventDefault();
        if (move >= 0 && move < N && move !== n) setBeamStep(move);
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const next = e.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
        if (next) next.focus();
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        pickBeam(+li.dataset.c);
      }
    }

    // ----------------------------------------------------------------------------- what if: force a beginning, the model continues

    function canAsk() { return typeof server !== "undefined" && server && typeof server.whatif === "function" && st.map !== "encoder"; }

    async function askWhatif(prefix) {
      if (!canAsk() || st.busy) return;
      st.busy = true;
      st.whatif = null;
      st.wtoken = null;
      drawWhatif();
      if (!opened.whatif) { opened.whatif = true; applyMore(); }   // on a phone the answer is behind "More": open it
      if (narrow()) reveal(ui.whatif);
      let answer;
      try {
        answer = await server.whatif(data.source, data.model, prefix);
      } catch (e) {
        answer = { error: String((e && e.message) || e) };
      }
      st.busy = false;
      st.whatif = answer || { error: "no answer" };
      drawWhatif();
    }

    function drawWhatif() {
      if (!ui.whatif) return;
      ui.whatif.replaceChildren();
      if (!data || !canAsk() || !data.target_tokens.length) return;
      const head = el("div", "ax-caption");
      head.append(el("strong", null, t("whatif.title")), el("span", null, " " + t("whatif.hint")));
      const form = el("form", "ax-whatif-form");
      const input = el("input", "ax-whatif-input");
      Object.assign(input, { type: "text", maxLength: 500, placeholder: t("whatif.placeholder") });
      input.setAttribute("aria-label", t("whatif.placeholder"));
      const go = button(t("whatif.go"), () => {}, "ax-whatif-go");
      go.type = "submit";
      go.disabled = st.busy;
      form.append(input, go);
      const say = el("p", "ax-hint ax-whatif-msg");          // why nothing happened (an empty box), read out when shown
      say.setAttribute("role", "status");
      form.addEventListener("submit", e => {
        e.preventDefault();
        if (input.value.trim()) askWhatif(input.value);
        else { say.textContent = t("whatif.empty"); input.focus(); }
      });
      input.addEventListener("input", () => { say.textContent = ""; });
      ui.whatif.append(head, form, say);
      const w = st.whatif;
      if (st.busy) { ui.whatif.appendChild(el("p", "ax-hint ax-whatif-busy", t("whatif.busy"))); return; }
      if (!w) return;
      if (w.error) { ui.whatif.appendChild(el("p", "ax-whatif-error", w.error)); return; }
      const out = el("div", "ax-whatif-out");
      const text = el("p", "ax-whatif-text");
      text.append(el("strong", null, t("whatif.result", { prefix: w.prefix })), el("span", null, " " + w.text));
      out.appendChild(text);
      out.appendChild(el("p", "ax-whatif-logp", t("whatif.logp", { new: fmt(w.log_prob, 2), own: fmt(data.log_prob, 2) })));
      const strip = el("div", "ax-strip ax-wtgt");
      w.tokens.forEach((tok, i) => {
        const s = el("span", "ax-tok" + (i < w.n_forced ? " ax-forced" : "") + (i === st.wtoken ? " ax-on" : ""), tok);
        s.dataset.i = i;
        s.tabIndex = 0;
        if (i < w.n_forced) s.title = t("whatif.forced");
        strip.appendChild(s);
      });
      strip.addEventListener("click", e => { const i = e.target.dataset && e.target.dataset.i; if (i !== undefined) { st.wtoken = +i; drawWhatif(); } });
      strip.addEventListener("keydown", e => { if ((e.key === "Enter" || e.key === " ") && e.target.dataset.i !== undefined) { e.preventDefault(); e.target.click(); } });
      out.appendChild(strip);
      if (w.cross_attention && w.cross_attention.length && w.tokens.length) {
        const heads = w.cross_attention[w.cross_attention.length - 1];
        const avg = heads[0].map((row, r) => row.map((_, c) => heads.reduce((a, h) => a + h[r][c], 0) / (w.scale * heads.length)));
        const m = heatmap(w.tokens, w.source_tokens, avg, COLORS.attention, "attention", false,
                          t("aria.whatif", { rows: w.tokens.length, cols: w.source_tokens.length }) + " " +
                          t("key.attention", { max: fmt(maxOf(avg), 2) }));
        if (st.wtoken !== null) m.rects[st.wtoken].forEach(r => r.classList.add("ax-on"));
        m.svg.classList.toggle("ax-dim", st.wtoken !== null);
        const fig = el("figure", "ax-fig ax-whatif-map");
        const cap = el("figcaption", "ax-caption");
        cap.append(el("strong", null, t("title.whatif")), el("span", null, " " + t("caption.whatif")));
        const scroll = el("div", "ax-scroll");
        scroll.appendChild(m.svg);
        fig.append(cap, scroll);
        out.appendChild(fig);
      } else {
        out.appendChild(el("p", "ax-hint", t("whatif.nomap")));
      }
      const i = st.wtoken;
      if (i !== null && w.alternatives[i]) {
        out.appendChild(el("h4", null, t("alts.title", { n: i + 1, token: w.tokens[i] })));
        out.appendChild(altList(w.alternatives[i], w.tokens[i], k => w.ids.slice(0, i).concat([w.alternative_ids[i][k]])));
      }
      ui.whatif.appendChild(out);
    }

    function drawWhiteboard() {
      const wb = data.whiteboard;
      if (!st.cell || st.map !== "cross") {
        if (data.cross_attention) ui.wb.appendChild(el("p", "ax-hint", t(wb ? "hint.cell" : "wb.additive")));
        return;
      }
      if (!wb) { ui.wb.appendChild(el("p", "ax-hint", t("wb.additive"))); return; }
      if (st.head < 0) { ui.wb.appendChild(el("p", "ax-hint", t("wb.pickhead"))); return; }
      const [r, c] = st.cell, l = layerIndex(), h = st.head, dk = wb.d_k;
      const scores = wb.scores[l][h][r], values = wb.values[l][h];
      const scaled = scores.map(s => s / Math.sqrt(dk));
      const top = Math.max(...scaled);
      const e = scaled.map(s => Math.exp(s - top));
      const sum = e.reduce((x, y) => x + y, 0);
      const alpha = e.map(x => x / sum);
      const y = values[0].map((_, d) => alpha.reduce((acc, a, j) => acc + a * values[j][d], 0));
      const src = data.source_tokens, tok = data.target_tokens[r];
      ui.wb.appendChild(el("h4", null, t("wb.title", { token: tok, char: src[c], layer: l + 1, head: h + 1, dk })));
      const table = el("table", "ax-wbtable");
      const headRow = el("tr");
      headRow.appendChild(el("th", null, ""));
      src.forEach((s, j) => headRow.appendChild(el("th", j === c ? "ax-on" : "", s)));
      table.appendChild(headRow);
      const line = (label, vals, d) => {
        const tr = el("tr");
        tr.appendChild(el("th", null, label));
        vals.forEach((v, j) => tr.appendChild(el("td", j === c ? "ax-on" : "", fmt(v, d))));
        table.appendChild(tr);
      };
      line(t("wb.step1"), scores, 1);
      line(t("wb.step2", { sqrt: fmt(Math.sqrt(dk), 2) }), scaled, 2);
      line(t("wb.step3"), alpha, 3);
      const scroll = el("div", "ax-scroll");
      scroll.appendChild(table);
      ui.wb.appendChild(scroll);
      const vec = v => "[" + v.map(x => fmt(x, 3)).join(", ") + ", …]";
      ui.wb.appendChild(el("p", "ax-wbsum", t("wb.sum", { y: vec(y), dims: wb.dims, dk })));
      ui.wb.appendChild(el("p", "ax-wbsum", t("wb.term", { a: fmt(alpha[c], 3), char: src[c], v: vec(values[c]), av: vec(values[c].map(x => alpha[c] * x)) })));
      const own = data.cross_attention[l][h][r][c] / data.scale;   // the model's own weight for this token row
      ui.wb.appendChild(el("p", "ax-hint", t("wb.check", { a: fmt(alpha[c], 3), own: fmt(own, 3) })));
      // The page's whiteboard section (④) shows the same three steps: hand it the numbers, nothing to recompute.
      document.dispatchEvent(new CustomEvent("dawn-cell", { detail: {
        model: data.model, token: tok, char: src[c], column: c, layer: l + 1, head: h + 1, d_k: dk,
        chars: src, scores, scaled, weights: alpha, output: y, dims: wb.dims } }));
      ui.wb.appendChild(el("p", "ax-hint", t("wb.sent")));
    }

    // ----------------------------------------------------------------------------- training replay: the story sentence's map as the model learned

    // props.replay (ui/attention_explorer.py's replay_prop): {"url" of replay.json (dawn/replay.py), "map": "attention"
    // | "influence", ...}, {"missing": true} when the model has none, {"error": ...} for a broken file, or null where
    // this explorer shows no replay. The file is fetched once, when first drawn; every snapshot is in it: scrubbing
    // is local. Its words follow what its maps show: a model without attention is not said to learn attention.
    function drawReplay() {
      if (!ui.replay) return;
      ui.replay.replaceChildren();
      replayURLs.forEach(u => URL.revokeObjectURL(u));
      replayURLs = [];
      ui.replayShow = ui.replayRange = null;
      const drawn = ++replayDrawn, r = props.replay;
      if (!r || typeof r !== "object" || props.view === "encoder") return;
      const kind = r.map === "influence" ? "influence" : "attention";   // what its maps show, when there is one
      const title = t(r.url && kind === "attention" ? "replay.title.attention" : "replay.title.model");
      const head = el("div", "ax-caption");
      head.append(el("strong", null, title));
      if (r.url) head.append(el("span", null, " " + t("replay.caption." + kind)));
      ui.replay.appendChild(head);
      if (r.missing || r.error || !r.url) {
        if (r.error) console.warn("attention explorer: replay:", r.error);    // the details are for the developer
        ui.replay.appendChild(el("p", "ax-replay-none", t(r.error ? "replay.broken" : "replay.none")));
        return;
      }
      const wait = el("p", "ax-hint ax-replay-wait", t("replay.loading"));
      ui.replay.appendChild(wait);
      fetchReplay(r.url).then(replay => {
        if (drawn !== replayDrawn) return;                                   // redrawn meanwhile: that one shows it
        wait.remove();
        showReplay(replay, title);
      }).catch(e => {
        if (drawn !== replayDrawn) return;
        console.warn("attention explorer: replay:", e);
        wait.textContent = t("replay.failed");
      });
    }
    function showReplay(r, title) {
      const snaps = r.snapshots, N = snaps.length;
      if (!N) { ui.replay.appendChild(el("p", "ax-replay-none", t("replay.broken"))); return; }
      if (replayAt === null || replayAt >= N) replayAt = N - 1;
      const controls = el("div", "ax-replay-controls");
      const range = el("input", "ax-range ax-replayrange");
      Object.assign(range, { type: "range", min: 0, max: N - 1, step: 1, value: replayAt });
      range.setAttribute("aria-label", title);
      const together = el("label", "ax-together");
      const box = el("input");
      box.type = "checkbox";
      box.checked = replayTogether;
      box.addEventListener("change", () => { replayTogether = box.checked; });
      together.append(box, el("span", null, " " + t("replay.together")));
      controls.append(range, together);
      const label = el("p", "ax-steplabel ax-replaylabel");
      const text = el("p", "ax-replay-text");
      const maps = el("div", "ax-replay-maps");
      ui.replay.append(controls, label, el("p", "ax-hint ax-replay-greedy", t("replay.greedy")), text, maps);
      ui.replayRange = range;
      // snapshot index -> its figures: built on first view, or before it while the page is idle, so that a move only
      // swaps built figures in. Building one is the slow part; its maps are images (replayImage), so a swap lays
      // out a few elements instead of a few thousand SVG cells.
      const drawn = new Map();
      const figures = (i) => {
        if (!drawn.has(i)) {
          const s = snaps[i];
          drawn.set(i, [replayFigure(s, r.sentence, r.scale), ...(s.short ? [replayFigure(s.short, r.short_sentence, r.scale, true)] : [])]);
        }
        return drawn.get(i);
      };
      const whenIdle = window.requestIdleCallback || ((f) => setTimeout(f, 50));
      const prebuild = (i) => { if (i < N && ui.replayRange === range) { figures(i); whenIdle(() => prebuild(i + 1)); } };
      const show = () => {
        const s = snaps[replayAt];
        label.textContent = t("replay.step", { n: replayAt + 1, N, step: s.step, epoch: fmt(s.epoch, 2),
          bleu: s.valid_bleu === null || s.valid_bleu === undefined ? "–" : fmt(s.valid_bleu, 1),
          loss: s.valid_loss === null || s.valid_loss === undefined ? "–" : fmt(s.valid_loss, 2) });
        text.textContent = s.translation;
        maps.replaceChildren(...figures(replayAt));
      };
      ui.replayShow = show;
      ui.replayN = N;
      range.addEventListener("input", () => {
        replayAt = +range.value;
        show();
        if (replayTogether) document.dispatchEvent(new CustomEvent(REPLAY_EVENT, { detail: { from: instance, fraction: N > 1 ? replayAt / (N - 1) : 1 } }));
      });
      show();
      whenIdle(() => prebuild(0));   // the other snapshots, one per idle moment (stops if the replay is redrawn)
    }
    // One snapshot's map: the last layer's attention (heads averaged), or the influence for a model without attention.
    function replayFigure(rec, sentence, scale, short) {
      const fig = el("figure", "ax-fig ax-replay-fig" + (short ? " ax-replay-short" : ""));
      const cap = el("figcaption", "ax-caption");
      const att = Array.isArray(rec.cross_attention) && rec.cross_attention.length ? rec.cross_attention[rec.cross_attention.length - 1] : null;
      cap.append(el("strong", null, short ? sentence + " " : ""), el("span", null, short ? rec.translation : t(att ? "replay.map.attention" : "replay.map.influence")));
      fig.appendChild(cap);
      const scroll = el("div", "ax-scroll");
      if (rec.target_tokens && rec.target_tokens.length) {
        const values = att ? att.map(row => row.map(v => v / scale)) : rec.influence;
        const map = heatmap(rec.target_tokens, rec.source_tokens, values, COLORS.attention, att ? "attention" : "influence").svg;
        const alt = t(att ? "replay.map.attention" : "replay.map.influence") + " " + rec.translation + " — " +
                    t("aria.replay", { rows: rec.target_tokens.length, cols: rec.source_tokens.length });
        scroll.appendChild(replayImage(map, alt, rec.target_tokens.length * rec.source_tokens.length));
      } else {
        scroll.appendChild(el("p", "ax-hint", t("nothing")));
      }
      fig.appendChild(scroll);
      return fig;
    }
    // A replay map never changes once drawn: it is shown as an image of its SVG (one element to lay out and paint
    // instead of thousands of cells; the page's CSS does not reach inside it, so the SVG carries its own colours).
    // The images' blob URLs are freed when the replay is drawn again (replayURLs).
    function replayImage(map, alt, cells) {
      map.setAttribute("xmlns", SVG_NS);
      const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(map)], { type: "image/svg+xml" }));
      replayURLs.push(url);
      const img = el("img", "ax-map ax-replay-img");
      Object.assign(img, { src: url, alt, width: +map.getAttribute("width"), height: +map.getAttribute("height") });
      img.dataset.cells = String(cells);
      return img;
    }
    document.addEventListener(REPLAY_EVENT, e => {
      const d = e.detail || {};
      if (d.from === instance || !replayTogether || !ui.replayShow) return;
      replayAt = Math.round(d.fraction * (ui.replayN - 1));
      ui.replayRange.value = replayAt;
      ui.replayShow();
    });

    // ----------------------------------------------------------------------------- export: SVG, PNG, JSON — each with a title and a colour legend
    // The exported SVG draws its text as glyph outlines (server.glyphs, ui/glyphs.py: Noto Sans CJK SC), so it shows
    // Chinese on a machine without a CJK font; where outlines are not available the text stays text.

    const EXPORT_STYLE = `.ax-dim .ax-cell:not(.ax-on){opacity:0.35} text{fill:#111827} text.ax-on{font-weight:700;fill:#b91c1c}`;
    const TEXT_FILL = "#111827", ON_FILL = "#b91c1c";
    const glyphCache = new Map();   // character -> {d, advance} (or null: the font lacks it), per page
    let unitsPerEm = 1000;
    function fileBase(kind) {
      const f = st.hover || st.pin;
      return `attention-${data.model}-${kind}${kind === "attention" ? "-" + st.map + "-L" + (layerIndex() + 1) + (st.head < 0 ? "-avg" : "-H" + (st.head + 1)) : ""}${f ? "-" + f.axis + f.idx.join("_") : ""}`;
    }
    function exportTitle(kind) {
      const parts = [t("model." + data.kind), "·", t("title." + kind + (kind === "attention" ? "." + st.map : ""))];
      if (kind === "attention" && layers().length) {
        parts.push(t("export.where", { layer: layerIndex() + 1, head: st.head < 0 ? t("control.average") : t("control.head") + " " + (st.head + 1) }));
      }
      return parts.join(" ");
    }
    // The legend: what the colour means, from 0 (or −max) to the map's darkest value; label for the exports, key
    // (the same in a sentence) under the map and for screen readers.
    function legendOf(kind) {
      if (kind === "attention") {
        const max = maxOf(attention());
        return { stops: [[0, COLORS.attention, 0], [1, COLORS.attention, 1]], min: 0, max, label: t("legend.attention"),
                 key: t("key.attention", { max: fmt(max, 2) }) };
      }
      const m = influenceMax(kind);   // influence and saliency: signed, in nats, one scale around 0
      return { stops: [[0, COLORS.without, 1], [0.5, COLORS.without, 0], [0.5, COLORS.needed, 0], [1, COLORS.needed, 1]], min: -m, max: m,
               label: t("legend." + kind), key: t("key." + kind, { max: fmt(m, 2) }) };
    }
    const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

    function exportSVGNode(kind) {
      const fig = ui.figs[kind], g = fig.g, legend = legendOf(kind);
      const W = Math.max(g.width, 420), top = 44, bottom = 46, H = top + g.height + bottom;
      const out = svg("svg", { xmlns: SVG_NS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, "font-family": FONT });
      const title = svg("title");
      title.textContent = exportTitle(kind) + " — " + data.source + " → " + data.text;
      const desc = svg("desc");
      desc.textContent = legend.label + ": " + fmt(legend.min, 2) + " … " + fmt(legend.max, 2);
      const style = svg("style");
      style.textContent = EXPORT_STYLE;
      out.append(title, desc, style, svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }));
      const line = (x, y, size, text, attrs) => { const e = svg("text", { x, y, "font-size": size, ...(attrs || {}) }); e.textContent = text; out.appendChild(e); return e; };
      line(6, 17, 13, clip(exportTitle(kind), Math.floor(W / 7.5)), { "font-weight": 700, class: "ax-export-title" });
      line(6, 35, 11, clip(data.source + " → " + data.text, Math.floor(W / 7)));
      const map = fig.svg.cloneNode(true);
      map.setAttribute("x", 0);
      map.setAttribute("y", top);
      out.appendChild(map);
      const y = top + g.height + 8, x = Math.max(6, g.left), w = 180;
      const grad = svg("linearGradient", { id: "ax-legend-" + kind, x1: 0, x2: 1, y1: 0, y2: 0 });
      legend.stops.forEach(([o, c, a]) => grad.appendChild(svg("stop", { offset: o, "stop-color": c, "stop-opacity": a })));
      const defs = svg("defs");
      defs.appendChild(grad);
      out.appendChild(defs);
      out.appendChild(svg("rect", { x, y, width: w, height: 10, fill: `url(#ax-legend-${kind})`, stroke: "#9ca3af", "stroke-width": 0.5, class: "ax-legend" }));
      line(x, y + 22, 10, fmt(legend.min, 2), { "text-anchor": "start" });
      if (legend.min < 0) line(x + w / 2, y + 22, 10, "0", { "text-anchor": "middle" });
      line(x + w, y + 22, 10, fmt(legend.max, 2), { "text-anchor": "end" });
      line(x + w + 8, y + 9, 10, clip(legend.label, Math.floor((W - x - w - 12) / 5.5)), { "text-anchor": "start" });
      return { out, W, H };
    }

    // Ask the server once for the outlines of characters not seen yet.
    async function loadGlyphs(text) {
      const missing = [...new Set(text)].filter(c => !glyphCache.has(c)).join("");
      if (!missing) return true;
      if (typeof server === "undefined" || !server || typeof server.glyphs !== "function") return false;
      try {
        const got = await server.glyphs(missing);
        if (!got || got.error) return false;
        unitsPerEm = got.units_per_em || unitsPerEm;
        for (const c of missing) glyphCache.set(c, got.glyphs[c] || null);
        return true;
      } catch (e) {
        return false;
      }
    }
    // Every <text> whose characters all have outlines becomes a <g> of <path>s at the same place, size and anchor.
    function textToPaths(root) {
      root.querySelectorAll("text").forEach(node => {
        const s = node.textContent, chars = [...s];
        if (!chars.length || chars.some(c => !glyphCache.get(c))) return;
        const size = parseFloat(node.getAttribute("font-size") || "12"), k = size / unitsPerEm;
        const width = chars.reduce((a, c) => a + glyphCache.get(c).advance, 0) * k;
        const anchor = node.getAttribute("text-anchor") || "start";
        let x = parseFloat(node.getAttribute("x") || "0") - (anchor === "middle" ? width / 2 : anchor === "end" ? width : 0);
        const y = parseFloat(node.getAttribute("y") || "0");
        const on = node.classList.contains("ax-on"), bold = on || node.getAttribute("font-weight") === "700";
        const fill = on ? ON_FILL : TEXT_FILL;
        const grp = svg("g", { fill, class: "ax-glyphs", "data-text": s });
        if (bold) { grp.setAttribute("stroke", fill); grp.setAttribute("stroke-width", (0.03 * unitsPerEm).toFixed(0)); }
        for (const c of chars) {
          const gl = glyphCache.get(c);
          if (gl.d) grp.appendChild(svg("path", { d: gl.d, transform: `translate(${x.toFixed(2)} ${y.toFixed(2)}) scale(${k.toFixed(5)} ${(-k).toFixed(5)})` }));
          x += gl.advance * k;
        }
        node.replaceWith(grp);
      });
    }
    async function svgText(kind) {
      const { out } = exportSVGNode(kind);
      const all = [...out.querySelectorAll("text")].map(n => n.textContent).join("");
      if (await loadGlyphs(all)) textToPaths(out);
      return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out);
    }
    function download(name, blob) {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
    async function exportSVG(kind) { download(fileBase(kind) + ".svg", new Blob([await svgText(kind)], { type: "image/svg+xml;charset=utf-8" })); }
    async function exportPNG(kind) {
      const scale = 2, { W, H } = exportSVGNode(kind);
      const img = new Image();
      const url = URL.createObjectURL(new Blob([await svgText(kind)], { type: "image/svg+xml;charset=utf-8" }));
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = W * scale;
        canvas.height = H * scale;
        const ctx = canvas.getContext("2d");
        ctx.scale(scale, scale);
        ctx.drawImage(img, 0, 0);
        URL.revokeObjectURL(url);
        canvas.toBlob(b => download(fileBase(kind) + ".png", b), "image/png");
      };
      img.src = url;
    }
    function mapState(kind) {
      const f = st.hover || st.pin;
      const legend = legendOf(kind);
      const out = {
        title: exportTitle(kind), legend: { label: legend.label, min: +legend.min.toFixed(4), max: +legend.max.toFixed(4),
          colors: legend.min < 0 ? [COLORS.without, COLORS.needed] : [COLORS.attention] },
        model: data.model, kind: data.kind, text: data.text, decoding: data.decoding, map: kind,
        source_tokens: data.source_tokens, rows: rowsTokens(),
        focus: f ? { axis: f.axis, index: f.idx } : null, linked: st.linked, cell: st.cell,
      };
      if (kind === "attention") {
        Object.assign(out, { attention: st.map, layer: layerIndex() + 1, head: st.head < 0 ? "average" : st.head + 1,
          weights: attention().map(row => row.map(v => +v.toFixed(4))) });
      } else {
        Object.assign(out, { unit: "nats", [kind]: valuesOf(kind) });
      }
      return out;
    }
    function exportJSON(kind) {
      download(fileBase(kind) + ".json", new Blob([JSON.stringify(mapState(kind), null, 1)], { type: "application/json" }));
    }

    // ----------------------------------------------------------------------------- life cycle

    build();
    takeAsked();
    watch("value", () => {
      const before = data && data.source;
      st = freshState(props.view);
      sal = { busy: false, error: null };
      build();
      if (!data || data.source !== before) { lens = { ...NO_LENS }; if (data) drawLens(); }
      takeAsked();
      // a reader who picked saliency keeps it: the new sentence's is asked for (a payload may also carry it already)
      if (data && evidence === "saliency" && !hasSaliency() && canSaliency()) loadSaliency();
    });
    watch("lang", () => { build(); });
    watch("view", () => { st.map = props.view === "encoder" ? "encoder" : "cross"; build(); });
    watch("replay", () => { replayAt = null; drawReplay(); if (data) drawMore(); });
    // Pages may switch the language in the browser without a server round trip.
    document.addEventListener("dawn-lang", e => { if (props.lang === "auto" || !props.lang) build(); });
  }
})();
