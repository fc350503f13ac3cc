"use strict";
// The search page over the JSON API. Everything is built with DOM nodes and textContent (no
// innerHTML), so indexed text never becomes markup. The URL hash holds the search (#q=...&k=...)
// and, in the document view, the document and chunk shown (&doc=...&chunk=...); in the context
// view, &view=context and the token budget (&budget=...).

const $ = (selector) => document.querySelector(selector);
const form = $("form.search");
const keyInput = $("#api-key");
const statusLine = $("[data-testid=status]");
const resultsView = $("[data-testid=results-view]");
const documentView = $("[data-testid=document-view]");
const contextView = $("[data-testid=context-view]");
const budgetInput = $("[data-testid=token-budget]");
const FIELDS = ["q", "k", "mode", "path", "lang", "kind"];
const DEFAULTS = { k: "10", mode: "hybrid" };
const DEFAULT_BUDGET = "2000";
const FILTERS = { path: "path_glob", lang: "language", kind: "kind" }; // hash name -> API name
const KEY_STORAGE = "retriever.apiKey";
const SNIPPET_LINES = 10;
const STOP_WORDS = new Set(("a an and are as at be by can do does for from how in into is it its " +
  "not of on or our so that the their there this to was we were what when where which who why " +
  "will with you your").split(" "));

let status = null; // the last GET /v1/status answer
let shown = null; // the search on screen, {key, scrollY}: "back" shows it again without a fetch
let ticket = 0; // only the latest request may render

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.includes("-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  node.append(...children.filter((child) => child !== null && child !== ""));
  return node;
}

async function api(path, body) {
  const key = keyInput.value.trim();
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const init = { method: body === undefined ? "GET" : "POST", headers, body: JSON.stringify(body) };
  const response = await fetch(path, init).catch((error) => {
    throw new Error(`Cannot reach the server (${error.message}).`);
  });
  const data = await response.json().catch(() => null);
  if (response.ok && data) return data;
  let message = data?.error?.message || `The server answered with HTTP ${response.status}.`;
  if (response.status === 401 || response.status === 403) {
    $("details.key").open = true;
    message = message.replace(/([^.!?])$/, "$1.") +
      (key ? " Check the API key." : ' This server needs an API key: enter it under "API key".');
  }
  throw new Error(message);
}

function showError(message) {
  const box = $("[data-testid=error]");
  box.textContent = message;
  box.hidden = !message;
}

function show(view) {
  resultsView.hidden = view !== resultsView;
  documentView.hidden = view !== documentView;
  contextView.hidden = view !== contextView;
}

const plural = (count, noun) => `${count.toLocaleString()} ${noun}${count === 1 ? "" : "s"}`;

function renderStatus(extra) {
  const model = typeof status?.model === "string" ? status.model : status?.model?.model;
  const parts = status ? [model || "no model yet", plural(status.documents, "document"),
    plural(status.chunks, "chunk")] : [];
  statusLine.textContent = [...parts, extra].filter(Boolean).join(" · ") || "Status unavailable";
}

async function loadStatus() {
  try {
    status = await api("v1/status");
    const languages = Object.keys(status.languages || {}).sort();
    $("#languages").replaceChildren(...languages.map((name) => el("option", { value: name })));
  } catch (error) {
    status = null;
    showError(error.message);
  }
  renderStatus();
}

// A case-insensitive pattern over the query's words, stop words dropped and plural and tense
// endings trimmed, so that "failed uploads" marks "fail", "upload" and "uploader".
function termPattern(query) {
  const words = (query || "").toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
  const stems = words.filter((word) => word.length > 2 && !STOP_WORDS.has(word)).map((word) => {
    const stem = word.replace(/(ies|es|s|ed|ing)$/, "");
    return stem.length >= 3 ? stem : word;
  });
  const unique = [...new Set(stems)].sort((a, b) => b.length - a.length);
  return unique.length ? new RegExp(`(${unique.join("|")})`, "iu") : null;
}

function marked(text, pattern) {
  if (!pattern) return [text];
  // split() around one capture group: the matches are at the odd positions.
  return text.split(pattern).map((part, i) => (i % 2 ? el("mark", {}, part) : part));
}

const splitLines = (text) => text.replace(/\r?\n$/, "").split(/\r?\n/);

function codeBlock(lines, firstLine, pattern, props = {}) {
  const rows = lines.map((line, i) => el("span", { class: "line" },
    el("span", { class: "ln", "aria-hidden": "true" }, String(firstLine + i)),
    ...marked(line, pattern), "\n"));
  return el("pre", { class: `code ${props.class || ""}`, "data-testid": props.testid },
    el("code", {}, ...rows));
}

function snippet(hit, pattern) {
  const lines = splitLines(hit.text.trimEnd()); // no trailing blank lines in a snippet
  const first = pattern ? lines.findIndex((line) => pattern.test(line)) : 0;
  const from = Math.max(0, Math.min(first - 2, lines.length - SNIPPET_LINES));
  const block = codeBlock(lines.slice(from, from + SNIPPET_LINES), hit.start_line + from, pattern,
    { class: "snippet", testid: "snippet" });
  block.classList.toggle("cut-top", from > 0);
  block.classList.toggle("cut-bottom", from + SNIPPET_LINES < lines.length);
  return block;
}

function badge(text, kind) {
  return text ? el("span", { class: `badge ${kind}`, "data-testid": `badge-${kind}` }, text) : null;
}

// The search part of a hash (or of anything with get()): its non-empty FIELDS, in order.
const searchOf = (from) =>
  new URLSearchParams(FIELDS.map((name) => [name, from.get(name)]).filter(([, value]) => value));

// Where a passage is: its page, slide or cell range in a document ("p.12–13", "slide 4",
// "cells 3–5"), else its line range ("lines 3-9"), as the engine's citations say it.
function place(item) {
  if (!item.unit) return `lines ${item.start_line}-${item.end_line}`;
  const span = item.end_unit && item.end_unit !== item.start_unit
    ? `${item.start_unit}\u2013${item.end_unit}` : `${item.start_unit}`;
  if (item.unit === "page") return `p.${span}`;
  return span.includes("\u2013") ? `${item.unit}s ${span}` : `${item.unit} ${span}`;
}

const citationOf = (hit) =>
  hit.unit ? `${hit.path} ${place(hit)}` : `${hit.path}:${hit.start_line}-${hit.end_line}`;

function renderHit(hit, pattern, params) {
  const target = searchOf(params);
  target.set("doc", hit.doc_id);
  target.set("chunk", hit.chunk_id);
  const [title, lines] = [hit.symbol || hit.heading, place(hit)];
  return el("li", { class: "hit", "data-testid": "hit" },
    el("div", { class: "hit-head" },
      el("code", { class: "location", "data-testid": "hit-location" }, citationOf(hit)),
      title ? el("span", { class: "title", title, "data-testid": "hit-title" }, title) : null,
      badge(hit.kind, "kind"), badge(hit.language, "language"),
      el("span", { class: "score", title: "score", "data-testid": "hit-score" },
        hit.score.toFixed(3))),
    snippet(hit, pattern),
    el("a", { class: "view", href: `#${target}`,
      "data-testid": "view-document", "aria-label": `View document ${hit.path}, ${lines}` },
    "view document"));
}

// The request body of a search (or context) from the hash: query, k, mode and filters.
function requestOf(params) {
  const body = { query: params.get("q"), k: Number(params.get("k")) || 10,
    mode: params.get("mode") || DEFAULTS.mode };
  const filters = Object.fromEntries(Object.entries(FILTERS)
    .filter(([name]) => params.get(name)).map(([name, field]) => [field, params.get(name)]));
  if (Object.keys(filters).length) body.filters = filters;
  return body;
}

// The hash of the context view of a search, with its token budget.
function contextHash(params, budget) {
  const target = searchOf(params);
  target.set("view", "context");
  target.set("budget", budget || params.get("budget") || DEFAULT_BUDGET);
  return `#${target}`;
}

// POST `body` to `path` for `view` and, if no later request was made meanwhile, draw the
// answer there (`draw` fills the view) and show it; errors go to the message area.
async function fetchInto(view, path, body, what, draw) {
  const mine = ++ticket;
  view.setAttribute("aria-busy", "true");
  try {
    const data = await api(path, body);
    if (mine !== ticket) return;
    draw(data);
    renderStatus(`${what} took ${data.took_ms.toFixed(data.took_ms < 10 ? 1 : 0)} ms`);
    showError("");
    show(view);
  } catch (error) {
    if (mine === ticket) showError(error.message);
  } finally {
    view.removeAttribute("aria-busy");
  }
}

function search(params) {
  const body = requestOf(params);
  $("[data-testid=show-context]").href = contextHash(params);
  return fetchInto(resultsView, "v1/search", body, "search", (data) => {
    const pattern = termPattern(body.query);
    $("[data-testid=results]").replaceChildren(
      ...data.hits.map((hit) => renderHit(hit, pattern, params)));
    $("[data-testid=summary]").textContent = data.hits.length
      ? `${plural(data.hits.length, "result")} for “${body.query}”`
      : `No results for “${body.query}”. Try other words or fewer filters.`;
    shown = { key: searchOf(params).toString(), scrollY: 0 };
  });
}

function renderChunk(chunk, current, pattern) {
  const title = chunk.symbol || chunk.heading;
  return el("section", { class: current ? "chunk current" : "chunk", id: `chunk-${chunk.chunk_id}`,
    tabIndex: -1, "data-testid": "chunk", "aria-current": current && "true" },
  el("header", { class: "chunk-head" },
    el("span", { class: "lines" }, place(chunk)),
    title ? el("span", { class: "title" }, title) : null, badge(chunk.kind, "kind")),
  codeBlock(splitLines(chunk.text), chunk.start_line, current ? pattern : null));
}

async function showDocument(params) {
  const mine = ++ticket;
  if (shown && !resultsView.hidden) shown.scrollY = window.scrollY;
  $("[data-testid=back]").href = `#${searchOf(params)}`;
  try {
    const doc = await api(`v1/documents/${encodeURIComponent(params.get("doc"))}`);
    if (mine !== ticket) return;
    const chunks = [...doc.chunks].sort((a, b) => a.ordinal - b.ordinal);
    const pattern = termPattern(params.get("q"));
    $("[data-testid=doc-path]").textContent = doc.path;
    $("[data-testid=doc-meta]").textContent =
      [doc.language, plural(chunks.length, "chunk"), doc.root].filter(Boolean).join(" · ");
    $("[data-testid=chunks]").replaceChildren(...chunks.map((chunk) =>
      renderChunk(chunk, chunk.chunk_id === params.get("chunk"), pattern)));
    showError("");
    show(documentView);
    const target = document.getElementById(`chunk-${params.get("chunk")}`) || $("#doc-path");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  } catch (error) {
    if (mine === ticket) showError(error.message);
  }
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    showError("The browser did not allow copying: select the text and copy it by hand.");
    return;
  }
  const note = $("[data-testid=copied]");
  note.hidden = false;
  clearTimeout(copy.timer);
  copy.timer = setTimeout(() => { note.hidden = true; }, 2000);
}

function renderCitation(passage) {
  const names = [...passage.symbols, ...passage.headings].join(", ");
  return el("li", { class: "citation-row" },
    el("code", { class: "location", "data-testid": "citation" }, passage.citation),
    names ? el("span", { class: "title", title: names }, names) : null,
    el("span", { class: "meta" }, plural(passage.tokens, "token")),
    el("button", { type: "button", class: "copy", "data-testid": "copy-citation",
      "aria-label": `Copy citation ${passage.citation}`, onclick: () => copy(passage.citation) },
    "copy"));
}

// The context view: the passages POST /v1/context assembles within the token budget, each
// cited, as one block ready to paste into a prompt.
function showContext(params) {
  const body = { ...requestOf(params),
    token_budget: Number(params.get("budget")) || Number(DEFAULT_BUDGET) };
  $("[data-testid=show-results]").href = `#${searchOf(params)}`;
  return fetchInto(contextView, "v1/context", body, "context", (data) => {
    $("[data-testid=context-tokens]").textContent =
      `${data.tokens.toLocaleString()} of ${data.token_budget.toLocaleString()} tokens · ` +
      plural(data.passages.length, "passage");
    $("[data-testid=citations]").replaceChildren(...data.passages.map(renderCitation));
    $("[data-testid=context-text]").textContent = data.context;
    $("[data-testid=copy-context]").onclick = () => copy(data.context);
  });
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  budgetInput.value = params.get("budget") || DEFAULT_BUDGET;
  for (const name of FIELDS) {
    const field = form.elements[name];
    const value = params.get(name) ?? DEFAULTS[name] ?? "";
    field.value = value; // the k menu refuses a value it lacks (k=7 in the URL): add it
    if (field.value !== value && field.add) field.add(new Option(value, value, true, true));
  }
  if (params.get("doc")) showDocument(params);
  else if (!params.get("q")) show(null);
  else if (params.get("view") === "context") showContext(params);
  else if (shown?.key === searchOf(params).toString()) {
    show(resultsView);
    window.scrollTo(0, shown.scrollY);
  } else search(params);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!form.elements.q.value.trim()) {
    showError("Type a question or some words to search for.");
    form.elements.q.focus();
    return;
  }
  const params = searchOf({ get: (name) => form.elements[name].value.trim() });
  if (`#${params}` === location.hash) search(params); // the same search again: refresh it
  else location.hash = params.toString();
});

budgetInput.addEventListener("change", () => {
  const params = new URLSearchParams(location.hash.slice(1));
  if (budgetInput.value && params.get("q")) location.hash = contextHash(params, budgetInput.value);
});

keyInput.addEventListener("input", () => {
  try { localStorage.setItem(KEY_STORAGE, keyInput.value.trim()); } catch { /* no storage */ }
});
keyInput.addEventListener("change", loadStatus);
try { keyInput.value = localStorage.getItem(KEY_STORAGE) || ""; } catch { /* no storage */ }
window.addEventListener("hashchange", route);
loadStatus();
route();
