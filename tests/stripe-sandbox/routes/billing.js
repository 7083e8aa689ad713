'use strict';
// Read routes for the catalog and billing objects the mock lacks (or models in an old API):
// products, prices, subscriptions, invoices, invoice payments, payment intents, payment methods,
// events and the account.
const express = require('express');
const { listResponse, retrieveResponse, invalid, rangeFilter } = require('../lib/api');
const { account } = require('../lib/render');

const SUB_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'];
const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'];

function oneOf(q, name, allowed) {
  if (q[name] === '') delete q[name]; // an empty value means "not given", as with Stripe's SDKs
  const v = q[name];
  if (v !== undefined && !allowed.includes(v)) {
    throw invalid(`Invalid ${name}: must be one of ${allowed.join(', ')}`, name, 'parameter_invalid_string');
  }
  return v;
}

function bool(q, name) {
  const v = q[name];
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(`Invalid boolean: ${v}`, name, 'parameter_invalid_boolean');
}

function asArray(v) { return v === undefined ? undefined : (typeof v === 'string' ? [v] : Object.values(v)); }

module.exports = function billingRouter(store) {
  const r = express.Router();
  const simple = (path, kind, build) => {
    r.get(path, (req, res) => res.json(listResponse(store, store.collection(kind), req.query, Object.assign({ kind, url: path }, build(req.query)))));
    r.get(path + '/:id', (req, res) => res.json(retrieveResponse(store, kind, req.params.id, req.query)));
  };

  simple('/v1/products', 'products', q => {
    const active = bool(q, 'active');
    const ids = asArray(q.ids);
    return { predicate: p => (active === undefined || (p.active !== false) === active) && (!ids || ids.includes(p.id)) };
  });

  simple('/v1/prices', 'prices', q => {
    const active = bool(q, 'active');
    const keys = asArray(q.lookup_keys);
    const interval = q.recurring && q.recurring.interval;
    oneOf(q, 'type', ['one_time', 'recurring']);
    return { predicate: p => (active === undefined || (p.active !== false) === active) && (!q.product || p.product === q.product)
      && (!q.currency || p.currency === q.currency) && (!keys || keys.includes(p.lookupKey)) && (!interval || p.interval === interval)
      && (q.type !== 'one_time') };
  });

  simple('/v1/subscriptions', 'subscriptions', q => {
    const status = oneOf(q, 'status', SUB_STATUSES);
    oneOf(q, 'collection_method', ['charge_automatically', 'send_invoice']);
    const cpe = rangeFilter(q, 'current_period_end');
    const cps = rangeFilter(q, 'current_period_start');
    const statusOk = s => {
      if (status === 'all') return true;
      if (status === 'ended') return s.status === 'canceled' || s.status === 'incomplete_expired';
      if (status) return s.status === status;
      return s.status !== 'canceled' && s.status !== 'incomplete_expired'; // Stripe's default
    };
    return { filters: { customer: q.customer }, predicate: s => statusOk(s) && (!q.customer || s.customer === q.customer)
      && (!q.price || s.items.some(i => i.price === q.price)) && (!q.collection_method || s.collectionMethod === q.collection_method)
      && (!cpe || s.items.some(i => cpe(i.periodEnd))) && (!cps || s.items.some(i => cps(i.periodStart))) };
  });

  simple('/v1/invoices', 'invoices', q => {
    oneOf(q, 'status', INVOICE_STATUSES);
    oneOf(q, 'collection_method', ['charge_automatically', 'send_invoice']);
    const due = rangeFilter(q, 'due_date');
    return { filters: { customer: q.customer, subscription: q.subscription }, predicate: i => (!q.customer || i.customer === q.customer)
      && (!q.subscription || i.subscription === q.subscription) && (!q.status || i.status === q.status)
      && (!q.collection_method || i.collectionMethod === q.collection_method) && (!due || due(i.dueDate)) };
  });

  // GET /v1/invoices/{id}/lines (paginated): routes/lifecycle.js

  simple('/v1/invoice_payments', 'invoice_payments', q => {
    oneOf(q, 'status', ['open', 'paid', 'canceled']);
    const pi = q.payment && q.payment.payment_intent;
    return { filters: { invoice: q.invoice }, predicate: p => (!q.invoice || p.invoice === q.invoice) && (!q.status || p.status === q.status)
      && (!pi || p.paymentIntent === pi) };
  });

  simple('/v1/payment_intents', 'payment_intents', q => ({ filters: { customer: q.customer }, predicate: p => !q.customer || p.customer === q.customer }));

  simple('/v1/payment_methods', 'payment_methods', q => {
    oneOf(q, 'type', ['card', 'sepa_debit', 'us_bank_account', 'link']);
    return { filters: { customer: q.customer }, predicate: p => (!q.customer || p.customer === q.customer) && (!q.type || q.type === (p.type || 'card')) };
  });

  simple('/v1/events', 'events', q => {
    const types = asArray(q.types) || (q.type ? [q.type] : null);
    const match = t => types.some(p => p.endsWith('*') ? t.startsWith(p.slice(0, -1)) : t === p);
    // Stripe keeps events for 30 days: older ones are not listed (relative to the sandbox's now,
    // the dataset's now plus the time since start).
    const cutoff = (store.meta.frozen ? store.meta.now : store.meta.now + Math.floor((Date.now() - store.meta.startedAtMs) / 1000)) + (store.meta.offset || 0) - 30 * 86400;
    return { predicate: e => e.created >= cutoff && (!types || match(e.type)) };
  });

  r.get('/v1/account', (req, res) => res.json(account(store)));
  r.get('/v1/accounts/:id', (req, res, next) => (req.params.id === store.meta.accountId ? res.json(account(store)) : next()));
  return r;
};
