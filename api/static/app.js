"use strict";
// The search page over the JSON API. Everything is built with DOM nodes and textContent:
// no innerHTML, so indexed text can never become markup. The URL hash holds the search
// (#q=...&k=...) and, in the document view, the document and chunk (&doc=...&chunk=...).

const $ = (selector) => document.querySelector(selector);
const form = $("form.search");
const keyInput = $("#api-key");
const errorBox = $("[data-testid=error]");
const statusLine = $("[data-testid=status]");
const resultsView = $("[data-testid=results-view]");
const documentView = $("[data-testid=document-view]");
const FIELDS = ["q", "k", "path", "lang", "kind"];
const KEY_STORAGE = "retriever.apiKey";
const SNIPPET_LINES = 10;
const STOP_WORDS = new Set(
  ("a an and are as at be by can do does for from how in into is it its not of on or our so " +
    "that the their there this to use used uses was we were what when where which who why " +
    "will with you your").split(" "),
);

let status = null; // the last GET /v1/status answer
let shown = null; // the search on screen: {key, scrollY}, so "back" need not fetch again
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

const storage = {
  get: () => { try { return localStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; } },
  set: (value) => {
    try {
      if (value) localStorage.setItem(KEY_STORAGE, value);
      else localStorage.removeItem(KEY_STORAGE);
    } catch { /* storage disabled: the key lives for this page only */ }
  },
};

async function api(path, body) {
  const headers = { Accept: "application/json" };
  const key = keyInput.value.trim();
  if (key) headers.Authorization = `Bearer ${key}`;
  const init = { method: body === undefined ? "GET" : "POST", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new Error(`Cannot reach the server (${error.message}).`);
  }
  const data = await response.json().catch(() => null);
  if (response.ok && data) return data;
  let message = data?.error?.message || (typeof data?.detail === "string" && data.detail)
    || `The server answered ${response.status} ${response.statusText}.`.replace(" .", ".");
  if (response.status === 401 || response.status === 403) {
    $("details.key").open = true;
    message += key ? " Check the API key." : " This server needs an API key: enter it below.";
  }
  throw new Error(message);
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

function show(view) {
  resultsView.hidden = view !== resultsView;
  documentView.hidden = view !== documentView;
}

function modelName(model) {
  return typeof model === "string" ? model : model?.model || "no model yet";
}

function renderStatus(extra) {
  const parts = status
    ? [modelName(status.model), `${status.documents.toLocaleString()} documents`,
      `${status.chunks.toLocaleString()} chunks`]
    : [];
  if (extra) parts.push(extra);
  statusLine.textContent = parts.join(" · ") || "Status unavailable";
}

async function loadStatus() {
  try {
    status = await api("v1/status");
    const languages = Object.keys(status.languages || {}).sort();
    $("#languages").replaceChildren(...languages.map((name) => el("option", { value: name })));
    renderStatus();
  } catch (error) {
    status = null;
    renderStatus();
    showError(error.message);
  }
}

// A case-insensitive pattern over the query's words, stop words dropped and simple plural and
// tense endings trimmed, so "failed uploads" marks "fail", "upload", "uploader".
function termPattern(query) {
  const words = (query || "").toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
  const stems = words
    .filter((word) => word.length > 2 && !STOP_WORDS.has(word))
    .map((word) => {
      const stem = word.replace(/(ies|es|s|ed|ing)$/, "");
      return stem.length >= 3 ? stem : word;
    });
  const unique = [...new Set(stems)].sort((a, b) => b.length - a.length);
  return unique.length ? new RegExp(`(${unique.join("|")})`, "iu") : null;
}

function marked(text, pattern) {
  if (!pattern) return [text];
  // split() with one capture group: odd positions are the matches.
  return text.split(pattern).map((part, i) => (i % 2 ? el("mark", {}, part) : part));
}

function splitLines(text) {
  return text.replace(/\r?\n$/, "").split(/\r?\n/);
}

function codeBlock(lines, firstLine, pattern, props = {}) {
  const rows = lines.map((line, i) =>
    el("span", { class: "line" },
      el("span", { class: "ln", "aria-hidden": "true" }, String(firstLine + i)),
      ...marked(line, pattern), "\n"));
  return el("pre", { class: `code ${props.class || ""}`, "data-testid": props.testid },
    el("code", {}, ...rows));
}

function snippet(hit, pattern) {
  const lines = splitLines(hit.text);
  const first = pattern ? lines.findIndex((line) => pattern.test(line)) : 0;
  const from = Math.max(0, Math.min(first - 2, lines.length - SNIPPET_LINES));
  const block = codeBlock(lines.slice(from, from + SNIPPET_LINES), hit.start_line + from, pattern,
    { class: "snippet", testid: "snippet" });
  if (from > 0) block.classList.add("cut-top");
  if (from + SNIPPET_LINES < lines.length) block.classList.add("cut-bottom");
  return block;
}

function badge(text, kind) {
  return text ? el("span", { class: `badge ${kind}`, "data-testid": `badge-${kind}` }, text) : null;
}

function withoutDocument(params) {
  const copy = new URLSearchParams(params);
  copy.delete("doc");
  copy.delete("chunk");
  return copy;
}

function renderHit(hit, pattern, params) {
  const target = new URLSearchParams(params);
  target.set("doc", hit.doc_id);
  target.set("chunk", hit.chunk_id);
  const title = hit.symbol || hit.heading;
  return el("li", { class: "hit", "data-testid": "hit" },
    el("div", { class: "hit-head" },
      el("code", { class: "location", "data-testid": "hit-location" },
        `${hit.path}:${hit.start_line}-${hit.end_line}`),
      title ? el("span", { class: "title", "data-testid": "hit-title" }, title) : null,
      badge(hit.kind, "kind"), badge(hit.language, "language"),
      el("span", { class: "score", title: "score", "data-testid": "hit-score" },
        hit.score.toFixed(3))),
    snippet(hit, pattern),
    el("a", { class: "view", href: `#${target}`, "data-testid": "view-document",
      "aria-label": `View document ${hit.path}, lines ${hit.start_line}-${hit.end_line}` },
    "view document"));
}

async function search(params) {
  const mine = ++ticket;
  const filters = {};
  if (params.get("path")) filters.path_glob = params.get("path");
  if (params.get("lang")) filters.language = params.get("lang");
  if (params.get("kind")) filters.kind = params.get("kind");
  const body = { query: params.get("q"), k: Number(params.get("k")) || 10 };
  if (Object.keys(filters).length) body.filters = filters;
  resultsView.setAttribute("aria-busy", "true");
  try {
    const data = await api("v1/search", body);
    if (mine !== ticket) return;
    const pattern = termPattern(body.query);
    $("[data-testid=results]").replaceChildren(
      ...data.hits.map((hit) => renderHit(hit, pattern, params)));
    const count = data.hits.length;
    $("[data-testid=summary]").textContent = count
      ? `${count} result${count === 1 ? "" : "s"} for “${body.query}”`
      : `No results for “${body.query}”. Try other words or fewer filters.`;
    if (!status) status = { model: data.model, documents: 0, chunks: 0 };
    renderStatus(`${data.took_ms} ms`);
    shown = { key: withoutDocument(params).toString(), scrollY: 0 };
    showError("");
    show(resultsView);
  } catch (error) {
    if (mine === ticket) showError(error.message);
  } finally {
    resultsView.removeAttribute("aria-busy");
  }
}

function renderChunk(chunk, current, pattern) {
  const title = chunk.symbol || chunk.heading;
  return el("section", { class: current ? "chunk current" : "chunk", id: `chunk-${chunk.chunk_id}`,
    tabIndex: -1, "data-testid": "chunk", "aria-current": current && "true" },
  el("header", { class: "chunk-head" },
    el("span", { class: "lines" }, `lines ${chunk.start_line}-${chunk.end_line}`),
    title ? el("span", { class: "title" }, title) : null, badge(chunk.kind, "kind")),
  codeBlock(splitLines(chunk.text), chunk.start_line, current ? pattern : null));
}

async function showDocument(params) {
  const mine = ++ticket;
  if (shown && !resultsView.hidden) shown.scrollY = window.scrollY;
  $("[data-testid=back]").href = `#${withoutDocument(params)}`;
  try {
    const doc = await api(`v1/documents/${encodeURIComponent(params.get("doc"))}`);
    if (mine !== ticket) return;
    const chunks = [...doc.chunks].sort((a, b) => a.ordinal - b.ordinal);
    const pattern = termPattern(params.get("q"));
    $("[data-testid=doc-path]").textContent = doc.path;
    $("[data-testid=doc-meta]").textContent = [doc.language,
      `${chunks.length} chunk${chunks.length === 1 ? "" : "s"}`, doc.root].filter(Boolean).join(" · ");
    $("[data-testid=chunks]").replaceChildren(
      ...chunks.map((chunk) => renderChunk(chunk, chunk.chunk_id === params.get("chunk"), pattern)));
    showError("");
    show(documentView);
    const target = document.getElementById(`chunk-${params.get("chunk")}`) || $("#doc-path");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  } catch (error) {
    if (mine === ticket) showError(error.message);
  }
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of FIELDS) {
    const field = form.elements[name];
    const value = params.get(name) ?? (name === "k" ? "10" : "");
    if (name === "k" && ![...field.options].some((o) => o.value === value)) field.add(new Option(value));
    field.value = value;
  }
  if (params.get("doc")) showDocument(params);
  else if (!params.get("q")) show(null);
  else if (shown?.key === params.toString()) {
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
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (`#${params}` === location.hash) search(params); // same search again: refresh it
  else location.hash = params.toString();
});

keyInput.value = storage.get();
keyInput.addEventListener("input", () => storage.set(keyInput.value.trim()));
keyInput.addEventListener("change", loadStatus);
window.addEventListener("hashchange", route);
loadStatus();
route();
