'use strict';
// Stripe wire-format helpers: errors, list objects with cursor pagination, created[...]
// filters, expand[].
const { render } = require('./render');

class StripeError extends Error {
  constructor(status, error) { super(error.message); this.statusCode = status; this.error = error; }
}

function invalid(message, param, code) {
  const e = { type: 'invalid_request_error', message };
  if (code) e.code = code;
  if (param) e.param = param;
  return new StripeError(400, e);
}

function missing(kind, id, param = 'id') {
  return new StripeError(404, { type: 'invalid_request_error', code: 'resource_missing',
    doc_url: 'https://docs.stripe.com/error-codes/resource-missing', message: `No such ${kind}: '${id}'`, param });
}

function parseLimit(q) {
  if (q.limit === undefined) return 10;
  const s = String(q.limit);
  if (!/^-?\d+$/.test(s)) throw invalid(`Invalid integer: ${s}`, 'limit', 'parameter_invalid_integer');
  const n = parseInt(s, 10);
  if (n < 1 || n > 100) throw invalid(`This value must be between 1 and 100 (it currently is ${n}).`, 'limit', 'parameter_invalid_integer');
  return n;
}

function intParam(v, name) {
  if (!/^\d+$/.test(String(v))) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  return parseInt(v, 10);
}

// created=123 or created[gte|gt|lte|lt]=123 -> predicate on a unix time (or null).
function rangeFilter(q, name) {
  const v = q[name];
  if (v === undefined || v === '') return null;
  if (typeof v !== 'object') { const t = intParam(v, name); return x => x === t; }
  const checks = [];
  for (const [op, raw] of Object.entries(v)) {
    const t = intParam(raw, `${name}[${op}]`);
    if (op === 'gte') checks.push(x => x >= t);
    else if (op === 'gt') checks.push(x => x > t);
    else if (op === 'lte') checks.push(x => x <= t);
    else if (op === 'lt') checks.push(x => x < t);
    else throw invalid(`Received unknown parameter: ${name}[${op}]`, `${name}[${op}]`, 'parameter_unknown');
  }
  return x => x != null && checks.every(c => c(x));
}

function expandList(q) {
  let e = q.expand;
  if (e === undefined) return [];
  if (typeof e === 'string') e = [e];
  if (!Array.isArray(e)) e = Object.values(e);
  return e.map(String);
}

// Expand dotted paths on a rendered object: ids become the objects they name.
function applyExpand(store, obj, paths) {
  const sorted = paths.slice().sort((a, b) => a.split('.').length - b.split('.').length);
  for (const p of sorted) expandPath(store, obj, p.split('.'));
  return obj;
}

function expandPath(store, obj, parts) {
  if (!obj || typeof obj !== 'object') return;
  const [head, ...rest] = parts;
  if (Array.isArray(obj)) { obj.forEach(o => expandPath(store, o, parts)); return; }
  if (!(head in obj)) return;
  if (rest.length === 0) {
    const v = obj[head];
    if (typeof v === 'string') {
      const found = store.lookup(v);
      if (found) obj[head] = render(store, found.kind, found.rec, new Set());
    }
    return;
  }
  expandPath(store, head === 'data' && Array.isArray(obj.data) ? obj.data : obj[head], head === 'data' && Array.isArray(obj.data) ? rest : rest);
}

// Includable fields (not ids) asked for with expand[]: passed to the renderer.
function includes(paths, prefix) {
  const s = new Set();
  for (const p of paths) {
    const rel = prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p;
    s.add(rel.split('.')[0]);
  }
  return s;
}

// created=T or created[gte|gt|lte|lt]=T -> inclusive bounds [min, max] (or null).
function createdBounds(q) {
  const v = q.created;
  if (v === undefined || v === '') return null;
  if (typeof v !== 'object') { const t = intParam(v, 'created'); return { min: t, max: t }; }
  let min = -Infinity, max = Infinity;
  for (const [op, raw] of Object.entries(v)) {
    const t = intParam(raw, `created[${op}]`);
    if (op === 'gte') min = Math.max(min, t);
    else if (op === 'gt') min = Math.max(min, t + 1);
    else if (op === 'lte') max = Math.min(max, t);
    else if (op === 'lt') max = Math.min(max, t - 1);
    else throw invalid(`Received unknown parameter: created[${op}]`, `created[${op}]`, 'parameter_unknown');
  }
  return { min, max };
}

// arr is newest first: the first index whose record satisfies below(record) (monotone).
function firstIndex(arr, below) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (below(arr[mid])) hi = mid; else lo = mid + 1; }
  return lo;
}

/**
 * A Stripe list response over `coll`.
 * opts: url, filters (indexed equality, e.g. {customer}), predicate(rec), kind (renderer name).
 * Collections and index buckets are sorted newest first, so created ranges and cursors are
 * found by binary search / position map, and only the page's records are visited (plus those
 * rejected by other filters).
 */
function listResponse(store, coll, q, opts) {
  const limit = parseLimit(q);
  const test = opts.predicate || (() => true);
  const bounds = createdBounds(q);
  const arr = coll.candidates(opts.filters);
  let start = 0, end = arr.length;
  if (bounds) {
    start = firstIndex(arr, r => r.created <= bounds.max);
    end = firstIndex(arr, r => r.created < bounds.min);
  }
  const data = [];
  let hasMore = false;
  if (q.starting_after && q.ending_before) throw invalid('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  if (q.ending_before) {
    const at = Math.min(end, cursorPosition(coll, arr, q.ending_before, 'ending_before', opts.kind));
    for (let i = at - 1; i >= start; i--) {
      if (!test(arr[i])) continue;
      if (data.length === limit) { hasMore = true; break; }
      data.push(arr[i]);
    }
    data.reverse();
  } else {
    const from = Math.max(start, q.starting_after ? cursorPosition(coll, arr, q.starting_after, 'starting_after', opts.kind) + 1 : 0);
    for (let i = from; i < end; i++) {
      if (!test(arr[i])) continue;
      if (data.length === limit) { hasMore = true; break; }
      data.push(arr[i]);
    }
  }
  const paths = expandList(q);
  const inc = includes(paths, 'data.');
  const list = { object: 'list', data: data.map(r => render(store, opts.kind, r, inc)), has_more: hasMore, url: opts.url };
  return applyExpand(store, list, paths.filter(p => p.startsWith('data.')));
}

function cursorPosition(coll, arr, id, param, kind) {
  let p = coll.position(arr, String(id));
  if (p < 0) {
    // The cursor object exists but is outside the filtered bucket: locate by ordering.
    const rec = coll.get(String(id));
    if (!rec) throw missing(KIND_NAMES[kind] || 'object', id, param);
    p = firstIndex(arr, r => r.created < rec.created || (r.created === rec.created && r._seq < rec._seq));
    return param === 'starting_after' ? p - 1 : p;
  }
  return p;
}

const KIND_NAMES = { customers: 'customer', products: 'product', prices: 'price', subscriptions: 'subscription', invoices: 'invoice',
  invoice_payments: 'invoice payment', payment_intents: 'payment_intent', payment_methods: 'PaymentMethod', events: 'event',
  charges: 'charge', refunds: 'refund', coupons: 'coupon', promotion_codes: 'promotion code' };

function retrieveResponse(store, kind, id, q) {
  const rec = store.collection(kind).get(id);
  if (!rec) throw missing(KIND_NAMES[kind], id);
  const paths = expandList(q);
  return applyExpand(store, render(store, kind, rec, includes(paths)), paths);
}

module.exports = { StripeError, invalid, missing, listResponse, retrieveResponse, expandList, applyExpand, includes, rangeFilter, KIND_NAMES };
