'use strict';
// Hosted pages and payment method management: Checkout Sessions in setup mode, SetupIntents,
// payment method attach/detach (owner: payment methods work). Stripe's semantics as documented:
//  - POST /v1/payment_methods/{id}/attach: `customer` required; a payment method belongs to at
//    most one customer; Stripe's test payment methods (pm_card_visa, pm_usBankAccount_success, ...)
//    make a new payment method per attach. Event payment_method.attached.
//  - POST /v1/payment_methods/{id}/detach: only an attached method; permanent (a detached method
//    cannot be attached again). When it was the customer's invoice_settings.default_payment_method
//    that default is cleared (customer.updated). Event payment_method.detached.
//  - POST /v1/setup_intents (+ /confirm, /cancel): requires_payment_method -> requires_confirmation
//    -> succeeded; on success the payment method is attached to the intent's customer.
//  - POST /v1/checkout/sessions: mode=setup only (the console's add-a-method link); `currency`
//    required in setup mode unless allowed_payment_method_types names the types; success_url
//    required for hosted pages; expires after 24 hours (expires_at: 30 minutes to 24 hours).
// Parameter names are those of the official SDK (stripe-node 23.1.0).
const express = require('express');
const { listResponse, invalid, missing, expandList, applyExpand, includes } = require('../lib/api');
const { render, RENDERERS } = require('../lib/render');
const { fixture } = require('../lib/fixtures');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId } = require('../lib/prng');

const CARD_TOKENS = {
  pm_card_visa: ['visa', '4242', 'credit'], pm_card_visa_debit: ['visa', '5556', 'debit'],
  pm_card_mastercard: ['mastercard', '4444', 'credit'], pm_card_amex: ['amex', '8431', 'credit'],
  pm_card_discover: ['discover', '1117', 'credit'], pm_card_jcb: ['jcb', '0000', 'credit'],
};
const BANK_TOKENS = { pm_usBankAccount_success: '6789', pm_usBankAccount: '6789' };
const MODES = ['payment', 'setup', 'subscription'];

function checkParams(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
const asArray = v => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v) : [v]);
function metadataP(v) {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object') throw invalid('Invalid object', 'metadata', 'parameter_invalid_string');
  const m = {};
  for (const [k, x] of Object.entries(v)) if (x !== '') m[k] = String(x);
  return m;
}
function send(store, res, kind, rec, body) {
  const paths = expandList(body || {});
  res.json(applyExpand(store, render(store, kind, rec, includes(paths)), paths));
}

function setupIntent(store, r) {
  const o = fixture('setup_intent');
  Object.assign(o, { id: r.id, created: r.created, customer: r.customer || null, description: r.description || null,
    livemode: false, metadata: Object.assign({}, r.metadata), payment_method: r.paymentMethod || null, status: r.status,
    usage: r.usage, payment_method_types: r.types.slice(), last_setup_error: null, next_action: null,
    cancellation_reason: r.cancellationReason || null, client_secret: r.id + '_secret_' + r.secret, latest_attempt: null,
    automatic_payment_methods: null, payment_method_configuration_details: null, customer_account: null, excluded_payment_method_types: null });
  return o;
}

function checkoutSession(store, r) {
  const o = fixture('checkout.session');
  Object.assign(o, { id: r.id, created: r.created, customer: r.customer, currency: r.currency || null, mode: r.mode,
    expires_at: r.expiresAt, livemode: false, locale: r.locale || null, metadata: Object.assign({}, r.metadata),
    status: r.status, payment_status: 'no_payment_required', payment_intent: null, setup_intent: r.setupIntent || null,
    success_url: r.successUrl, cancel_url: r.cancelUrl || null, url: r.status === 'open' ? r.url : null,
    payment_method_types: r.types.slice(), amount_subtotal: null, amount_total: null, total_details: null, shipping_cost: null,
    shipping_options: [], shipping_address_collection: null, invoice: null, invoice_creation: null, subscription: null,
    customer_details: null, customer_email: null, client_reference_id: null, client_secret: null, after_expiration: null,
    recovered_from: null, discounts: [], collected_information: null, payment_link: null, submit_type: null,
    payment_method_configuration_details: null, custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null } });
  return o;
}

RENDERERS.setup_intents = setupIntent;
RENDERERS.checkout_sessions = checkoutSession;

module.exports = function invoicingRouter(store) {
  const r = express.Router();
  const pms = store.collection('payment_methods');
  const customers = store.collection('customers');
  const intents = store.collection('setup_intents');
  const sessions = store.collection('checkout_sessions');

  const getCus = (id, param) => {
    const c = customers.get(String(id));
    if (!c || c.deleted) throw missing('customer', id, param);
    return c;
  };

  // Moves a record between the customer index's buckets (the index is built on insert).
  function reindex(rec, from, to) {
    const m = pms.indexes.get('customer');
    if (!m) return;
    if (from != null && m.has(from)) m.set(from, m.get(from).filter(x => x !== rec));
    if (to != null) {
      if (!m.has(to)) m.set(to, []);
      const arr = m.get(to);
      let i = 0;
      while (i < arr.length && (arr[i].created > rec.created || (arr[i].created === rec.created && arr[i]._seq > rec._seq))) i++;
      arr.splice(i, 0, rec);
    }
  }

  // A new payment method from one of Stripe's test tokens (not attached yet).
  function fromToken(token, cus, at) {
    const base = { id: runtimeId('pm', 24), created: at, customer: null, name: cus ? cus.name : null, email: cus ? cus.email : null,
      country: 'US', address: {}, fingerprint: 'fp' + runtimeId('x', 14).slice(2) };
    if (token in CARD_TOKENS) {
      const [brand, last4, funding] = CARD_TOKENS[token];
      return Object.assign(base, { type: 'card', brand, last4, funding, expMonth: 12, expYear: new Date(at * 1000).getUTCFullYear() + 3 });
    }
    if (token in BANK_TOKENS) {
      return Object.assign(base, { type: 'us_bank_account', bankName: 'STRIPE TEST BANK', last4: BANK_TOKENS[token],
        routingNumber: '110000000', accountHolderType: 'individual', accountType: 'checking' });
    }
    return null;
  }

  function attach(req, pm, cus, at) {
    pm.customer = cus.id;
    reindex(pm, null, cus.id);
    recordEvent(store, req, 'payment_method.attached', 'payment_methods', pm, { customer: null }, at);
  }

  // A payment method named in a request: a stored one or a test token (made fresh, unattached).
  function resolve(id, cus, param, at) {
    const rec = pms.get(String(id));
    if (rec) return rec;
    const made = fromToken(String(id), cus, at);
    if (!made) throw missing('PaymentMethod', id, param);
    pms.insert(made);
    return made;
  }

  // ---------------------------------------------------------------- payment methods
  r.post('/v1/payment_methods/:id/attach', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'customer_account', 'expand']);
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = getCus(b.customer, 'customer');
    const at = clock(store);
    const pm = resolve(req.params.id, cus, 'payment_method', at);
    if (pm.detached) throw invalid('This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.', undefined, 'payment_method_unexpected_state');
    if (pm.customer && pm.customer !== cus.id) throw invalid('The payment method you provided has already been attached to a customer.', undefined, 'payment_method_unexpected_state');
    if (!pm.customer) attach(req, pm, cus, at);
    send(store, res, 'payment_methods', pm, b);
  });

  r.post('/v1/payment_methods/:id/detach', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['expand']);
    const pm = pms.get(req.params.id);
    if (!pm) throw missing('PaymentMethod', req.params.id);
    if (!pm.customer) throw invalid('The payment method you provided is not attached to a customer so detachment is impossible.', undefined, 'payment_method_unexpected_state');
    const at = clock(store);
    const cus = customers.get(pm.customer);
    const prevCustomer = pm.customer;
    pm.customer = null;
    pm.detached = true;
    reindex(pm, prevCustomer, null);
    recordEvent(store, req, 'payment_method.detached', 'payment_methods', pm, { customer: prevCustomer }, at);
    if (cus && cus.defaultPm === pm.id) {
      cus.defaultPm = null;
      recordEvent(store, req, 'customer.updated', 'customers', cus, { invoice_settings: { default_payment_method: pm.id } }, at);
    }
    send(store, res, 'payment_methods', pm, b);
  });

  // Update: only a method saved to a customer; cards take a new expiry (card[exp_month|exp_year]).
  r.post('/v1/payment_methods/:id', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['allow_redisplay', 'billing_details', 'card', 'expand', 'metadata', 'us_bank_account']);
    const pm = pms.get(req.params.id);
    if (!pm) throw missing('PaymentMethod', req.params.id);
    if (!pm.customer) throw invalid('You must save this PaymentMethod to a customer before you can update it.', undefined, 'payment_method_unexpected_state');
    const before = render(store, 'payment_methods', pm, new Set());
    const next = {};
    if (b.card !== undefined) {
      if ((pm.type || 'card') !== 'card') throw invalid('Received unknown parameter: card', 'card', 'parameter_unknown');
      if (typeof b.card !== 'object') throw invalid('Invalid object', 'card');
      for (const [k, field, max] of [['exp_month', 'expMonth', 12], ['exp_year', 'expYear', 9999]]) {
        if (b.card[k] === undefined) continue;
        if (!/^\d+$/.test(String(b.card[k]))) throw invalid(`Invalid integer: ${b.card[k]}`, `card[${k}]`, 'parameter_invalid_integer');
        const n = parseInt(b.card[k], 10);
        if (n < 1 || n > max) throw invalid(`Your card's expiration ${k === 'exp_month' ? 'month' : 'year'} is invalid.`, `card[${k}]`, k === 'exp_month' ? 'invalid_expiry_month' : 'invalid_expiry_year');
        next[field] = n;
      }
    }
    if (b.billing_details !== undefined) {
      if (typeof b.billing_details !== 'object') throw invalid('Invalid object', 'billing_details');
      if (b.billing_details.name !== undefined) next.name = b.billing_details.name || null;
      if (b.billing_details.email !== undefined) next.email = b.billing_details.email || null;
    }
    if (b.metadata !== undefined) next.metadata = metadataP(b.metadata);
    Object.assign(pm, next);
    const after = render(store, 'payment_methods', pm, new Set());
    const prev = {};
    for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    if (Object.keys(prev).length) recordEvent(store, req, 'payment_method.updated', 'payment_methods', pm, prev, clock(store));
    send(store, res, 'payment_methods', pm, b);
  });

  // ---------------------------------------------------------------- setup intents
  function typesP(b) {
    const types = asArray(b.allowed_payment_method_types).map(String);
    for (const [i, t] of types.entries()) {
      if (!['card', 'us_bank_account', 'sepa_debit', 'link'].includes(t)) throw invalid(`Invalid allowed_payment_method_types[${i}]: ${t}`, `allowed_payment_method_types[${i}]`, 'parameter_invalid_string');
    }
    return types;
  }

  function succeed(req, si, pm, at) {
    const cus = si.customer ? customers.get(si.customer) : null;
    if (pm.customer && cus && pm.customer !== cus.id) throw invalid('The payment method you provided has already been attached to a customer.', 'payment_method', 'payment_method_unexpected_state');
    if (si.types.length && !si.types.includes(pm.type || 'card')) throw invalid(`The PaymentMethod provided (${pm.type || 'card'}) is not allowed for this SetupIntent.`, 'payment_method');
    si.paymentMethod = pm.id;
    si.status = 'succeeded';
    if (cus && !pm.customer) attach(req, pm, cus, at);
    recordEvent(store, req, 'setup_intent.succeeded', 'setup_intents', si, null, at);
  }

  r.post('/v1/setup_intents', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'allowed_payment_method_types', 'usage', 'description', 'metadata', 'payment_method', 'confirm', 'expand']);
    const at = clock(store);
    const cus = b.customer ? getCus(b.customer, 'customer') : null;
    if (b.usage !== undefined && !['on_session', 'off_session'].includes(b.usage)) throw invalid('Invalid usage: must be one of on_session or off_session', 'usage', 'parameter_invalid_string');
    const si = { id: runtimeId('seti', 24), created: at, customer: cus ? cus.id : null, description: b.description || null,
      metadata: metadataP(b.metadata), usage: b.usage || 'off_session', types: typesP(b), status: 'requires_payment_method',
      paymentMethod: null, secret: runtimeId('s', 24).slice(2) };
    if (!si.types.length) si.types = ['card'];
    const pm = b.payment_method ? resolve(b.payment_method, cus, 'payment_method', at) : null;
    if (pm) { si.paymentMethod = pm.id; si.status = 'requires_confirmation'; }
    intents.insert(si);
    recordEvent(store, req, 'setup_intent.created', 'setup_intents', si, null, at);
    if (b.confirm === 'true' || b.confirm === true) {
      if (!pm) throw invalid('You must provide a payment_method to confirm this SetupIntent.', 'payment_method', 'parameter_missing');
      succeed(req, si, pm, at);
    }
    send(store, res, 'setup_intents', si, b);
  });

  const getSi = id => { const si = intents.get(id); if (!si) throw missing('setup_intent', id); return si; };
  r.get('/v1/setup_intents', (req, res) => {
    const q = req.query;
    res.json(listResponse(store, intents, q, { kind: 'setup_intents', url: '/v1/setup_intents',
      predicate: s => (!q.customer || s.customer === q.customer) && (!q.payment_method || s.paymentMethod === q.payment_method) }));
  });
  r.get('/v1/setup_intents/:id', (req, res) => send(store, res, 'setup_intents', getSi(req.params.id), req.query));
  r.post('/v1/setup_intents/:id/confirm', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['payment_method', 'return_url', 'expand']);
    const si = getSi(req.params.id);
    if (!['requires_payment_method', 'requires_confirmation'].includes(si.status)) {
      throw invalid(`You cannot confirm this SetupIntent because it has a status of ${si.status}.`, undefined, 'setup_intent_unexpected_state');
    }
    const at = clock(store);
    const cus = si.customer ? customers.get(si.customer) : null;
    const pmId = b.payment_method || si.paymentMethod;
    if (!pmId) throw invalid('You must provide a payment_method to confirm this SetupIntent.', 'payment_method', 'parameter_missing');
    succeed(req, si, resolve(pmId, cus, 'payment_method', at), at);
    send(store, res, 'setup_intents', si, b);
  });
  r.post('/v1/setup_intents/:id/cancel', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['cancellation_reason', 'expand']);
    const si = getSi(req.params.id);
    if (si.status === 'succeeded' || si.status === 'canceled') throw invalid(`You cannot cancel this SetupIntent because it has a status of ${si.status}.`, undefined, 'setup_intent_unexpected_state');
    si.status = 'canceled';
    si.cancellationReason = b.cancellation_reason || null;
    recordEvent(store, req, 'setup_intent.canceled', 'setup_intents', si, null, clock(store));
    send(store, res, 'setup_intents', si, b);
  });

  // ---------------------------------------------------------------- checkout sessions (setup mode)
  r.post('/v1/checkout/sessions', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['mode', 'customer', 'currency', 'success_url', 'cancel_url', 'setup_intent_data', 'allowed_payment_method_types',
      'metadata', 'expires_at', 'locale', 'expand']);
    if (!b.mode) throw invalid('Missing required param: mode.', 'mode', 'parameter_missing');
    if (!MODES.includes(b.mode)) throw invalid(`Invalid mode: must be one of ${MODES.join(', ')}`, 'mode', 'parameter_invalid_string');
    if (b.mode !== 'setup') throw invalid('The sandbox creates Checkout Sessions in setup mode only.', 'mode');
    if (!b.success_url) throw invalid('Missing required param: success_url.', 'success_url', 'parameter_missing');
    const types = typesP(b);
    if (!b.currency && !types.length) throw invalid('currency is required in setup mode when allowed_payment_method_types is not set.', 'currency', 'parameter_missing');
    if (b.currency && !/^[a-zA-Z]{3}$/.test(String(b.currency))) throw invalid(`Invalid currency: ${b.currency}`, 'currency', 'parameter_invalid_string');
    const cus = b.customer ? getCus(b.customer, 'customer') : null;
    const at = clock(store);
    let expiresAt = at + 24 * 3600;
    if (b.expires_at !== undefined) {
      if (!/^\d+$/.test(String(b.expires_at))) throw invalid(`Invalid integer: ${b.expires_at}`, 'expires_at', 'parameter_invalid_integer');
      expiresAt = parseInt(b.expires_at, 10);
      if (expiresAt < at + 1800 || expiresAt > at + 24 * 3600) throw invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
    }
    const id = 'cs_test_' + runtimeId('x', 40).slice(2);
    const cs = { id, created: at, customer: cus ? cus.id : null, currency: b.currency ? String(b.currency).toLowerCase() : null, mode: 'setup',
      expiresAt, locale: b.locale || null, metadata: metadataP(b.metadata), status: 'open', setupIntent: null,
      successUrl: String(b.success_url), cancelUrl: b.cancel_url ? String(b.cancel_url) : null, types: types.length ? types : ['card'],
      url: (store.meta.publicBase || '') + '/checkout/setup/' + id };
    sessions.insert(cs);
    send(store, res, 'checkout_sessions', cs, b);
  });
  const getCs = id => { const cs = sessions.get(id); if (!cs) throw missing('checkout session', id); if (cs.status === 'open' && cs.expiresAt <= clock(store)) cs.status = 'expired'; return cs; };
  r.get('/v1/checkout/sessions/:id', (req, res) => send(store, res, 'checkout_sessions', getCs(req.params.id), req.query));
  r.post('/v1/checkout/sessions/:id/expire', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['expand']);
    const cs = getCs(req.params.id);
    if (cs.status !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${cs.status}".`, undefined, 'checkout_session_unexpected_state');
    cs.status = 'expired';
    recordEvent(store, req, 'checkout.session.expired', 'checkout_sessions', cs, null, clock(store));
    send(store, res, 'checkout_sessions', cs, b);
  });

  return r;
};
