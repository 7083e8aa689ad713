'use strict';
// In-memory collections of compact records, kept newest first (created desc, then insertion
// order desc) as Stripe lists them. Records are rendered to full Stripe objects on the way out
// (see render.js), so 100k customers and their invoices stay affordable in memory.

// First index of a newest-first array whose record is not newer than `created` (binary search):
// a new record goes before the records of the same time, as the newest.
function insertionPoint(arr, created) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (arr[mid].created > created) lo = mid + 1; else hi = mid; }
  return lo;
}

class Collection {
  constructor(name) {
    this.name = name;
    this.items = []; // newest first
    this.byId = new Map();
    this.pos = null; // id -> index in items, rebuilt lazily
    this.indexes = new Map(); // field -> Map(value -> records newest first)
    this.seq = 0;
  }

  // Bulk load: records in any order; sorts once.
  load(records) {
    for (const r of records) { r._seq = this.seq++; this.byId.set(r.id, r); }
    // Sort positions on a typed key array (monomorphic, much faster than comparing records).
    const n = records.length, created = new Float64Array(n), order = new Uint32Array(n);
    for (let i = 0; i < n; i++) { created[i] = records[i].created; order[i] = i; }
    order.sort((a, b) => (created[b] - created[a]) || (b - a));
    this.items = new Array(n);
    for (let i = 0; i < n; i++) this.items[i] = records[order[i]];
    this.pos = null;
    for (const field of this.indexes.keys()) this._rebuildIndex(field);
  }

  addIndex(field) { this.indexes.set(field, new Map()); this._rebuildIndex(field); }

  _rebuildIndex(field) {
    const m = new Map();
    for (const r of this.items) {
      const v = r[field];
      if (v == null) continue;
      if (!m.has(v)) m.set(v, []);
      m.get(v).push(r);
    }
    this.indexes.set(field, m);
  }

  // Insert a new record (created at run time, so it is normally the newest).
  insert(record) {
    record._seq = this.seq++;
    this.byId.set(record.id, record);
    if (this.batch) this.batch.push(record); // merged into items by endBatch()
    else this.items.splice(insertionPoint(this.items, record.created), 0, record);
    this.pos = null;
    for (const [field, m] of this.indexes) {
      const v = record[field];
      if (v == null) continue;
      if (!m.has(v)) m.set(v, []);
      const arr = m.get(v);
      arr.splice(insertionPoint(arr, record.created), 0, record);
    }
    return record;
  }

  // Many inserts at once (the clock advance): items are merged once at the end instead of one
  // front splice per record. get() and the index buckets stay current meanwhile.
  beginBatch() { if (!this.batch) this.batch = []; }
  endBatch() {
    const b = this.batch;
    this.batch = null;
    if (!b || !b.length) return;
    b.sort((x, y) => (y.created - x.created) || (y._seq - x._seq));
    const a = this.items, out = new Array(a.length + b.length);
    let i = 0, j = 0, k = 0;
    while (i < a.length || j < b.length) out[k++] = j < b.length && (i >= a.length || b[j].created >= a[i].created) ? b[j++] : a[i++];
    this.items = out;
    this.pos = null;
  }

  get(id) { return this.byId.get(id) || null; }

  // Candidate records for a query: the index bucket when an indexed field is filtered.
  candidates(filters) {
    for (const [field, m] of this.indexes) {
      if (filters && filters[field] != null) return m.get(filters[field]) || [];
    }
    return this.items;
  }

  position(arr, id) {
    if (arr === this.items) {
      if (!this.pos) { this.pos = new Map(); this.items.forEach((r, i) => this.pos.set(r.id, i)); }
      const p = this.pos.get(id);
      return p === undefined ? -1 : p;
    }
    return arr.findIndex(r => r.id === id);
  }
}

class Store {
  constructor() {
    this.collections = new Map();
    this.meta = {}; // dataset facts (now, base url, ...)
  }
  collection(name) {
    if (!this.collections.has(name)) this.collections.set(name, new Collection(name));
    return this.collections.get(name);
  }
  // Finds any record by its id prefix (used by expand[]).
  lookup(id) {
    if (typeof id !== 'string') return null;
    const prefix = id.startsWith('sub_sched_') ? 'sub_sched' : id.slice(0, id.indexOf('_'));
    const name = PREFIX_TO_COLLECTION[prefix];
    if (!name) return null;
    const rec = this.collection(name).get(id);
    return rec ? { kind: name, rec } : null;
  }
}

const PREFIX_TO_COLLECTION = {
  cus: 'customers', prod: 'products', price: 'prices', sub: 'subscriptions', in: 'invoices',
  inpay: 'invoice_payments', pi: 'payment_intents', pm: 'payment_methods', evt: 'events', ch: 'charges', re: 'refunds',
  promo: 'promotion_codes', ii: 'invoiceitems', cn: 'credit_notes', sub_sched: 'subscription_schedules',
  cbtxn: 'customer_balance_transactions',
};

module.exports = { Collection, Store, PREFIX_TO_COLLECTION };
