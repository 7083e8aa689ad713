'use strict';
// POST /__sandbox/mutate {count, seed}: N realistic changes, each recording its event(s), as if
// made in Stripe's dashboard or by Stripe's billing engine, for incremental-sync tests and
// benchmarks. The same seed on the same dataset picks the same objects and changes.
const { Rng } = require('./prng');
const { render } = require('./render');
const { recordEvent, clock } = require('./events');

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson', 'Frances Allen'];

function previous(before, after) {
  const prev = {};
  for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
  return prev;
}

function mutate(store, { count, seed }) {
  const rng = new Rng(Number(seed) || 1);
  const customers = store.collection('customers');
  const subs = store.collection('subscriptions');
  const invoices = store.collection('invoices');
  const counts = {};
  const changed = [];
  const pick = (coll, ok) => {
    for (let tries = 0; tries < 50; tries++) {
      const r = coll.items[Math.floor(rng.float() * coll.items.length)];
      if (r && ok(r)) return r;
    }
    return null;
  };
  const change = (kind, rec, type, apply) => {
    const before = render(store, kind, rec, new Set());
    apply();
    const after = render(store, kind, rec, new Set());
    recordEvent(store, null, type, kind, rec, previous(before, after));
    counts[type] = (counts[type] || 0) + 1;
    changed.push({ type, id: rec.id });
  };
  let done = 0;
  for (let i = 0; done < count && i < count * 3 + 10; i++) {
    const what = rng.weighted([['customer', 40], ['invoice', 30], ['subscription', 25], ['delete', 5]]);
    const t = clock(store);
    if (what === 'customer' && customers.items.length) {
      const c = pick(customers, x => !x.deleted);
      if (!c) continue;
      const k = rng.int(0, 2);
      change('customers', c, 'customer.updated', () => {
        if (k === 0) c.name = rng.pick(NAMES) + ' ' + rng.int(1, 999);
        else if (k === 1) c.email = `updated${rng.int(1, 99999)}@example.com`;
        else c.metadata = Object.assign({}, c.metadata, { sync_mark: String(rng.int(1, 1e9)) });
      });
    } else if (what === 'invoice' && invoices.items.length) {
      const inv = pick(invoices, x => x.status === 'open' || x.status === 'draft');
      if (!inv) continue;
      if (inv.status === 'draft') {
        change('invoices', inv, 'invoice.finalized', () => {
          const cus = customers.get(inv.customer);
          inv.status = 'open'; inv.finalizedAt = t;
          if (cus) { inv.number = `${cus.invoicePrefix}-${String(cus.nextInvoiceSequence).padStart(4, '0')}`; cus.nextInvoiceSequence++; }
        });
      } else if (rng.chance(0.7)) {
        change('invoices', inv, 'invoice.paid', () => { inv.status = 'paid'; inv.amountPaid = inv.total; inv.paidAt = t; inv.nextPaymentAttempt = null; });
      } else if (rng.chance(0.5)) {
        change('invoices', inv, 'invoice.voided', () => { inv.status = 'void'; inv.voidedAt = t; inv.nextPaymentAttempt = null; });
      } else {
        change('invoices', inv, 'invoice.marked_uncollectible', () => { inv.status = 'uncollectible'; inv.uncollectibleAt = t; inv.nextPaymentAttempt = null; });
      }
    } else if (what === 'subscription' && subs.items.length) {
      const s = pick(subs, x => x.status !== 'canceled' && x.status !== 'incomplete_expired');
      if (!s) continue;
      const k = rng.int(0, 2);
      change('subscriptions', s, 'customer.subscription.updated', () => {
        if (k === 0) s.items[0].quantity = Math.max(1, s.items[0].quantity + rng.pick([-1, 1, 2]));
        else if (k === 1) {
          s.cancelAtPeriodEnd = !s.cancelAtPeriodEnd;
          s.cancelAt = s.cancelAtPeriodEnd ? s.items[0].periodEnd : null;
          s.canceledAt = s.cancelAtPeriodEnd ? t : null;
        } else s.metadata = Object.assign({}, s.metadata, { sync_mark: String(rng.int(1, 1e9)) });
      });
    } else if (what === 'delete') {
      if (rng.chance(0.5)) {
        const s = pick(subs, x => x.status !== 'canceled' && x.status !== 'incomplete_expired');
        if (!s) continue;
        change('subscriptions', s, 'customer.subscription.deleted', () => {
          Object.assign(s, { status: 'canceled', canceledAt: t, endedAt: t, cancellationReason: 'cancellation_requested' });
        });
      } else {
        const c = pick(customers, x => !x.deleted);
        if (!c) continue;
        recordEvent(store, null, 'customer.deleted', 'customers', c);
        c.deleted = true;
        counts['customer.deleted'] = (counts['customer.deleted'] || 0) + 1;
        changed.push({ type: 'customer.deleted', id: c.id });
        for (const s of subs.candidates({ customer: c.id })) {
          if (s.status === 'canceled' || s.status === 'incomplete_expired') continue;
          const prevStatus = s.status;
          Object.assign(s, { status: 'canceled', canceledAt: t, endedAt: t, cancellationReason: 'cancellation_requested' });
          recordEvent(store, null, 'customer.subscription.deleted', 'subscriptions', s, { status: prevStatus });
        }
      }
    } else continue;
    done++;
  }
  return { applied: done, events: counts, changed };
}

module.exports = { mutate };
