// The whiteboard's browser views. ui/whiteboard.py sends numbers and finished sentences as JSON; this file
// draws them. It runs as gr.HTML's js_on_load, with `element` (the view), `props` (props.value is the JSON)
// and `watch` (called again whenever the server sends a new value).
//
//   {view: "message", text, error}                       the line under the inputs (empty: hidden)
//   {view: "orders" | "heads", word_ids, cards, summary, labels}
//       cards[c] = {title, words, weights (n×n), outputs (n×d), notes (n), same (n: true / false / null)}
//   {view: "more", label, items: [{panel, text}]}          a phone's "More" buttons, one per panel (element id)
//   {view: "hint", text, target}                          "scroll sideways", while target's table is wider than its box
//
// Every string reaches the page through textContent, never as markup. Hovering a word outlines it in every
// card of the view; that needs no new computation, so it never calls the server.

const fmt = (v) => {
  if (Math.abs(v) >= 1e5) return v.toExponential(2);
  const s = v.toFixed(3);
  return s === "-0.000" ? "0.000" : s;
};

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

function wordCell(tag, word, data) {
  const cell = node(tag, `wb-word wb-w${data.word_ids[word] ?? 0}`, word);
  cell.dataset.word = word;
  return cell;
}

function weightsTable(card, data) {
  const table = node("table", "wb-weights");
  const head = table.createTHead().insertRow();
  head.append(node("th", "wb-corner", data.labels.asking));
  card.words.forEach((w) => head.append(wordCell("th", w, data)));
  const body = table.createTBody();
  card.weights.forEach((row, i) => {
    const tr = body.insertRow();
    tr.append(wordCell("th", card.words[i], data));
    row.forEach((a) => {
      const td = node("td", a > 0.55 ? "wb-weight wb-strong" : "wb-weight", fmt(a));
      td.style.setProperty("--a", String(Math.min(Math.max(a, 0), 1)));  // shade: darker = more attention
      td.dataset.word = card.words[i];
      tr.append(td);
    });
  });
  const scroll = node("div", "wb-scroll");
  scroll.append(table);
  return scroll;
}

function outputsList(card, data) {
  const list = node("ul", "wb-outputs");
  card.words.forEach((w, i) => {
    const state = card.same[i] === true ? " wb-same" : card.same[i] === false ? " wb-differs" : "";
    const item = node("li", `wb-output wb-w${data.word_ids[w] ?? 0}${state}`);
    item.dataset.word = w;
    item.append(node("span", "wb-word", w), node("span", "wb-vector", `[${card.outputs[i].map(fmt).join(", ")}]`),
                node("span", "wb-note", card.notes[i]));
    list.append(item);
  });
  return list;
}

function drawCards(root, data) {
  const cards = node("div", "wb-cards");
  for (const card of data.cards) {
    const box = node("section", "wb-card");
    box.append(node("h4", "wb-card-title", card.title), node("div", "wb-caption", data.labels.weights),
               weightsTable(card, data), node("div", "wb-caption", data.labels.outputs), outputsList(card, data));
    cards.append(box);
  }
  root.append(cards);
  if (data.summary) root.append(node("p", data.same ? "wb-summary wb-summary-same" : "wb-summary", data.summary));
}

// On a phone the section shows the board; each panel after it waits behind a button (whiteboard.css hides a panel
// without .wb-open on a narrow screen, and the buttons on a wide one). The panel's state lives on the panel, so a
// redraw (a language switch) keeps it. Each button tells the hints ("wb-panel") that a table may have appeared.
function drawMore(root, data) {
  root.classList.add("wb-more");
  root.append(node("span", "wb-more-label", data.label));
  for (const item of data.items) {
    const button = node("button", "wb-more-btn", item.text);
    button.type = "button";
    button.setAttribute("aria-controls", item.panel);
    const panel = () => document.getElementById(item.panel);
    const sync = () => button.setAttribute("aria-expanded", String(Boolean(panel()?.classList.contains("wb-open"))));
    button.addEventListener("click", () => {
      panel()?.classList.toggle("wb-open");
      sync();
      document.dispatchEvent(new CustomEvent("wb-panel"));
    });
    sync();
    root.append(button);
  }
}

// "Scroll sideways" above a table, shown only while the table is wider than its box (a phone; or a panel opened).
function drawHint(root, data) {
  root.textContent = data.text;
  root.classList.add("wb-scroll-hint");
  const check = () => {
    const table = document.querySelector(`#${data.target} table`);
    root.hidden = !table || table.scrollWidth <= table.clientWidth + 1;
  };
  check();
  if (!element.dataset.wbWatched) {   // once per view: its panel opening, its table arriving, the window turning
    element.dataset.wbWatched = "1";
    new ResizeObserver(() => check()).observe(element.closest(".wb-panel") || element.parentElement);
    document.addEventListener("wb-panel", () => check());
  }
}

function draw() {
  const root = element.querySelector("[data-view]");
  const data = props.value;
  if (!root || !data || typeof data !== "object") return;
  root.replaceChildren();
  if (data.view === "more") {
    drawMore(root, data);
  } else if (data.view === "hint") {
    drawHint(root, data);
  } else if (data.view === "message") {
    root.textContent = data.text || "";
    root.classList.toggle("wb-error", Boolean(data.error));
    root.hidden = !data.text;
    root.setAttribute("role", "status");
  } else {
    drawCards(root, data);
  }
}

function hover(word) {
  for (const n of element.querySelectorAll("[data-word]")) n.classList.toggle("wb-hover", word !== null && n.dataset.word === word);
}

element.addEventListener("mouseover", (e) => hover(e.target.closest?.("[data-word]")?.dataset.word ?? null));
element.addEventListener("mouseleave", () => hover(null));
draw();
watch("value", draw);
