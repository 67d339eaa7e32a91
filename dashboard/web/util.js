// util.js — what every page shares: building DOM without ever parsing API data
// as HTML, fetching the head's JSON with errors turned into readable messages,
// the error banner, and number/time formatting.

// h('tag.class', {attr: value, onclick: fn, dataset: {...}}, ...children)
// Strings become text nodes, so API data can never turn into markup.
// The attributes object may be left out: h('span', 'text').
export function h(spec, attrs, ...children) {
  if (attrs !== null && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// ---- the error banner -------------------------------------------------------

const banner = () => document.getElementById('banner');

export function showError(msg) {
  const b = banner();
  if (b.textContent !== msg) b.textContent = msg;
  b.hidden = false;
}

export function clearError() {
  const b = banner();
  if (!b.hidden) {
    b.hidden = true;
    b.textContent = '';
  }
}

// ---- the API ------------------------------------------------------------------

// Paths are relative to the page so the UI also works behind a path prefix.
export const apiURL = (path) => new URL(path, document.baseURI).href;

// fetchJSON(path, init): the parsed body of a 2xx answer. Anything else throws an
// Error whose message says what failed: the head's own message when it gave one
// (State API {"msg"}, Jobs API text or {"detail"}), else the HTTP status.
export async function fetchJSON(path, init) {
  let res;
  try {
    res = await fetch(apiURL(path), {cache: 'no-store', ...init});
  } catch (e) {
    throw new Error(`cannot reach the head (${path}): ${e.message}; retrying`);
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    let msg = body && typeof body === 'object' ? body.msg || body.message || body.detail : null;
    if (!msg) msg = text.trim().slice(0, 500) || res.statusText;
    throw new Error(`${path}: HTTP ${res.status}: ${msg}`);
  }
  if (body === undefined) throw new Error(`${path}: the answer is not JSON`);
  if (body && body.result === false) throw new Error(`${path}: ${body.msg || 'request failed'}`);
  return body;
}

// A State API listing: {total, num_after_truncation, num_filtered, result, warnings}.
// filters: [[key, predicate, value], ...]
export async function stateList(resource, params, filters) {
  const q = new URLSearchParams(params);
  for (const [k, p, v] of filters || []) {
    q.append('filter_keys', k);
    q.append('filter_predicates', p);
    q.append('filter_values', v);
  }
  const body = await fetchJSON(`api/v0/${resource}?${q}`);
  return body.data.result;
}

// ---- formatting ---------------------------------------------------------------

export const TASK_STATES = [
  'PENDING_ARGS_AVAIL',
  'PENDING_NODE_ASSIGNMENT',
  'SUBMITTED_TO_WORKER',
  'RUNNING',
  'FINISHED',
  'FAILED',
  'CANCELLED',
];
export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'];
export const NODE_STATES = ['ALIVE', 'DRAINING', 'DEAD'];

// A coloured status label; the class is derived from a fixed list, never from
// arbitrary text.
const BADGE = {
  ALIVE: 'ok', SUCCEEDED: 'ok', FINISHED: 'ok',
  RUNNING: 'run', SUBMITTED_TO_WORKER: 'run',
  PENDING: 'wait', PENDING_ARGS_AVAIL: 'wait', PENDING_NODE_ASSIGNMENT: 'wait', DRAINING: 'wait',
  FAILED: 'bad', DEAD: 'bad',
  STOPPED: 'off', CANCELLED: 'off',
};
export const badge = (s) => h(`span.badge.${BADGE[s] || 'off'}`, {dataset: {status: s ?? ''}}, s ?? '—');

const num = new Intl.NumberFormat(undefined, {maximumFractionDigits: 2});
export const fmtNum = (n) => (n === null || n === undefined ? '—' : num.format(n));

const BYTE_RESOURCES = new Set(['memory', 'object_store_memory']);
export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${num.format(n)} ${units[i]}`;
}
export const fmtAmount = (name, n) => (BYTE_RESOURCES.has(name) ? fmtBytes(n) : fmtNum(n));

const pad = (n) => String(n).padStart(2, '0');
export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  let s = Math.round(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${s}s`;
  return `${s}s`;
}

export const shortId = (id, n = 8) => (id ? String(id).slice(0, n) : '—');

// Resources in the order a person looks for them: CPU, GPU, memory, then the rest.
const RES_ORDER = ['CPU', 'GPU', 'memory', 'object_store_memory'];
export function sortResources(names) {
  const rank = (n) => (RES_ORDER.includes(n) ? RES_ORDER.indexOf(n) : RES_ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// Parameters after "?" in the hash (#/tasks?state=FAILED).
export function hashParams() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}
