'use strict';
// /v1/customers: list/retrieve/create/update/delete over the sandbox store (fixture-shaped,
// with pagination, filters and events). New customers are mirrored into stripe-stateful-mock's
// store so its charges, sources and decline tokens work for them.
const express = require('express');
const { listResponse, retrieveResponse, invalid, missing, expandList, applyExpand, includes } = require('../lib/api');
const { render } = require('../lib/render');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId, stableId } = require('../lib/prng');

const EDITABLE = ['name', 'email', 'phone', 'description', 'metadata', 'address', 'invoice_settings', 'preferred_locales',
  'balance', 'tax_exempt', 'expand', 'invoice_prefix', 'source', 'payment_method', 'shipping'];

function str(v, name) {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid string: ${JSON.stringify(v)}`, name, 'parameter_invalid_string_empty');
  return v === '' ? null : v;
}

function applyParams(store, rec, body) {
  for (const k of Object.keys(body)) {
    if (!EDITABLE.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
  }
  const next = {};
  for (const f of ['name', 'email', 'phone', 'description']) { const v = str(body[f], f); if (v !== undefined) next[f] = v; }
  if (body.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) throw invalid(`Invalid email address: ${body.email}`, 'email', 'email_invalid');
  if (body.balance !== undefined) {
    if (!/^-?\d+$/.test(String(body.balance))) throw invalid(`Invalid integer: ${body.balance}`, 'balance', 'parameter_invalid_integer');
    next.balance = parseInt(body.balance, 10);
  }
  if (body.tax_exempt !== undefined) {
    if (!['none', 'exempt', 'reverse', ''].includes(body.tax_exempt)) throw invalid(`Invalid tax_exempt: must be one of none, exempt, or reverse`, 'tax_exempt', 'parameter_invalid_string');
    next.taxExempt = body.tax_exempt || 'none';
  }
  if (body.metadata !== undefined) {
    if (body.metadata === '') next.metadata = {};
    else if (typeof body.metadata !== 'object') throw invalid('Invalid object', 'metadata');
    else {
      const m = Object.assign({}, rec.metadata);
      for (const [k, v] of Object.entries(body.metadata)) { if (v === '') delete m[k]; else m[k] = String(v); }
      next.metadata = m;
    }
  }
  if (body.address !== undefined) {
    if (body.address === '') next.address = null;
    else if (typeof body.address !== 'object') throw invalid('Invalid object', 'address');
    else next.address = Object.assign({}, rec.address || {}, body.address);
  }
  if (body.preferred_locales !== undefined) next.preferredLocales = body.preferred_locales === '' ? [] : [].concat(Object.values(body.preferred_locales));
  if (body.invoice_prefix !== undefined) {
    if (!/^[A-Z0-9]{3,12}$/.test(body.invoice_prefix)) throw invalid('Invoice prefix must be 3-12 uppercase letters or numbers.', 'invoice_prefix');
    next.invoicePrefix = body.invoice_prefix;
  }
  const settings = body.invoice_settings;
  if (settings !== undefined && settings !== '' && typeof settings !== 'object') throw invalid('Invalid object', 'invoice_settings');
  if (settings && typeof settings === 'object') {
    for (const k of Object.keys(settings)) {
      if (!['custom_fields', 'default_payment_method', 'footer', 'rendering_options'].includes(k)) {
        throw invalid(`Received unknown parameter: invoice_settings[${k}]`, `invoice_settings[${k}]`, 'parameter_unknown');
      }
    }
    // custom_fields: at most 4 {name <= 40, value <= 140}; "" clears them (Stripe answers null).
    if (settings.custom_fields !== undefined) {
      const v = settings.custom_fields;
      if (v === '') next.invoiceCustomFields = null;
      else {
        if (typeof v !== 'object') throw invalid('Invalid array', 'invoice_settings[custom_fields]');
        const list = Array.isArray(v) ? v : Object.keys(v).sort((a, b) => a - b).map(k => v[k]);
        if (list.length > 4) throw invalid('Invalid array: must have at most 4 elements', 'invoice_settings[custom_fields]');
        next.invoiceCustomFields = list.map((f, i) => {
          if (!f || typeof f !== 'object' || !f.name || !f.value) {
            throw invalid(`Missing required param: invoice_settings[custom_fields][${i}][${f && f.name ? 'value' : 'name'}].`,
              `invoice_settings[custom_fields][${i}]`, 'parameter_missing');
          }
          if (String(f.name).length > 40) throw invalid('Invalid string: must be at most 40 characters', `invoice_settings[custom_fields][${i}][name]`, 'parameter_invalid_string_too_long');
          if (String(f.value).length > 140) throw invalid('Invalid string: must be at most 140 characters', `invoice_settings[custom_fields][${i}][value]`, 'parameter_invalid_string_too_long');
          return { name: String(f.name), value: String(f.value) };
        });
        if (!next.invoiceCustomFields.length) next.invoiceCustomFields = null;
      }
    }
    if (settings.footer !== undefined) {
      if (typeof settings.footer !== 'string') throw invalid('Invalid string', 'invoice_settings[footer]');
      if (settings.footer.length > 5000) throw invalid('Invalid string: must be at most 5000 characters', 'invoice_settings[footer]', 'parameter_invalid_string_too_long');
      next.invoiceFooter = settings.footer === '' ? null : settings.footer;
    }
  }
  const pm = body.invoice_settings && body.invoice_settings.default_payment_method;
  if (pm !== undefined) {
    if (pm !== '') {
      const pmRec = store.collection('payment_methods').get(pm);
      if (!pmRec) throw missing('PaymentMethod', pm, 'invoice_settings[default_payment_method]');
      if (pmRec.customer !== rec.id) throw invalid(`The customer does not have a payment method with the ID ${pm}. The payment method must be attached to the customer.`, 'invoice_settings[default_payment_method]', 'resource_missing');
    }
    next.defaultPm = pm || null;
  }
  return next;
}

// previous_attributes: the old values (rendered) of the top-level fields that changed.
function previousAttributes(before, after) {
  const prev = {};
  for (const k of Object.keys(after)) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
  }
  return prev;
}

// invoice_settings.custom_fields and .footer as Stripe renders them on the customer.
const R = require('../lib/render');
const baseCustomer = R.RENDERERS.customers;
R.RENDERERS.customers = function customerWithInvoiceSettings(store, r, expand) {
  const o = baseCustomer(store, r, expand);
  if (o && o.invoice_settings) {
    o.invoice_settings.custom_fields = r.invoiceCustomFields ? r.invoiceCustomFields.map(f => Object.assign({}, f)) : null;
    o.invoice_settings.footer = r.invoiceFooter || null;
  }
  return o;
};

// Stripe copies the customer's invoice_settings custom_fields and footer onto every invoice created for the customer (the
// subscription renewals it makes itself included) unless the invoice sets its own: a snapshot at creation, later customer
// changes do not touch existing invoices.
const baseInvoiceRenderer = () => R.RENDERERS.invoices;
function installInvoiceDefaults(store) {
  const invoices = store.collection('invoices');
  if (invoices.bcCustomerDefaults) return;
  invoices.bcCustomerDefaults = true;
  const insert = invoices.insert.bind(invoices);
  invoices.insert = function insertWithCustomerDefaults(rec) {
    const cus = rec && rec.customer ? store.collection('customers').get(rec.customer) : null;
    if (cus && (cus.invoiceCustomFields || cus.invoiceFooter)) {
      const fields = cus.invoiceCustomFields ? cus.invoiceCustomFields.map(f => Object.assign({}, f)) : null;
      if (rec.terms) { // an invoice created with terms (routes/terms.js): its own fields win
        if (!rec.terms.customFields || !rec.terms.customFields.length) rec.terms.customFields = fields;
        if (!rec.terms.footer) rec.terms.footer = cus.invoiceFooter || null;
      } else {
        rec.customerDefaults = { customFields: fields, footer: cus.invoiceFooter || null };
      }
    }
    return insert(rec);
  };
  const render = baseInvoiceRenderer();
  R.RENDERERS.invoices = function invoiceWithCustomerDefaults(st, r, expand) {
    const o = render(st, r, expand);
    if (r.customerDefaults && !r.terms) {
      o.custom_fields = r.customerDefaults.customFields;
      o.footer = r.customerDefaults.footer;
    }
    return o;
  };
}

module.exports = function customersRouter(store, mock) {
  const r = express.Router();
  const coll = store.collection('customers');
  installInvoiceDefaults(store);

  r.get('/v1/customers', (req, res) => {
    const q = req.query;
    res.json(listResponse(store, coll, q, { kind: 'customers', url: '/v1/customers',
      predicate: c => !c.deleted && (q.email === undefined || c.email === q.email) }));
  });

  r.get('/v1/customers/:id', (req, res) => res.json(retrieveResponse(store, 'customers', req.params.id, req.query)));

  r.post('/v1/customers', (req, res) => {
    const body = req.body || {};
    const rec = { id: runtimeId('cus'), created: clock(store), name: null, email: null, metadata: {}, currency: null, balance: 0,
      delinquent: false, address: null, invoicePrefix: stableId('x', 'p' + Date.now() + Math.random(), 8).slice(2).toUpperCase().replace(/[^A-Z0-9]/g, 'X'),
      nextInvoiceSequence: 1, preferredLocales: [], taxExempt: 'none' };
    Object.assign(rec, applyParams(store, rec, body));
    if (mock) mock.customers.create('acct_default', { id: rec.id, email: rec.email || undefined, metadata: rec.metadata, source: body.source });
    coll.insert(rec);
    recordEvent(store, req, 'customer.created', 'customers', rec);
    const paths = expandList(body);
    res.json(applyExpand(store, render(store, 'customers', rec, includes(paths)), paths));
  });

  r.post('/v1/customers/:id', (req, res) => {
    const rec = coll.get(req.params.id);
    if (!rec || rec.deleted) throw missing('customer', req.params.id);
    const before = render(store, 'customers', rec, new Set());
    const changes = applyParams(store, rec, req.body || {});
    Object.assign(rec, changes);
    const after = render(store, 'customers', rec, new Set());
    const prev = previousAttributes(before, after);
    if (Object.keys(prev).length) recordEvent(store, req, 'customer.updated', 'customers', rec, prev);
    const paths = expandList(req.body || {});
    res.json(applyExpand(store, after, paths));
  });

  r.delete('/v1/customers/:id', (req, res) => {
    const rec = coll.get(req.params.id);
    if (!rec || rec.deleted) throw missing('customer', req.params.id);
    recordEvent(store, req, 'customer.deleted', 'customers', rec);
    rec.deleted = true;
    // Stripe cancels the customer's subscriptions when the customer is deleted.
    for (const sub of store.collection('subscriptions').candidates({ customer: rec.id })) {
      if (sub.status === 'canceled' || sub.status === 'incomplete_expired') continue;
      const t = clock(store);
      const prevStatus = sub.status;
      Object.assign(sub, { status: 'canceled', canceledAt: t, endedAt: t, cancellationReason: 'cancellation_requested' });
      recordEvent(store, req, 'customer.subscription.deleted', 'subscriptions', sub, { status: prevStatus });
    }
    res.json({ id: rec.id, object: 'customer', deleted: true });
  });

  r.get('/v1/customers/:id/payment_methods', (req, res) => {
    const rec = coll.get(req.params.id);
    if (!rec || rec.deleted) throw missing('customer', req.params.id);
    const q = req.query;
    res.json(listResponse(store, store.collection('payment_methods'), q, { kind: 'payment_methods', url: `/v1/customers/${rec.id}/payment_methods`,
      filters: { customer: rec.id }, predicate: p => p.customer === rec.id && (q.type === undefined || q.type === (p.type || 'card')) }));
  });

  return r;
};
