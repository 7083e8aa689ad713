'use strict';
// Refunds (current semantics: against a payment intent or its charge), the dataset's charges,
// coupons and promotion codes. Charges/refunds the dataset does not know (made with the
// mock's POST /v1/charges) fall through to stripe-stateful-mock.
const express = require('express');
const { listResponse, retrieveResponse, invalid, missing, expandList, applyExpand, includes, StripeError } = require('../lib/api');
const { render } = require('../lib/render');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId, stableId } = require('../lib/prng');

const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp', 'xof', 'xaf', 'ugx', 'pyg', 'rwf', 'kmf', 'gnf', 'bif', 'djf', 'mga', 'vuv', 'xpf']);
const SYMBOL = { usd: '$', eur: '€', jpy: '¥', gbp: '£' };
const fmt = (amount, cur) => (SYMBOL[cur] || cur.toUpperCase() + ' ') + (ZERO_DECIMAL.has(cur) ? String(amount) : (amount / 100).toFixed(2));

function checkParams(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
function posInt(v, name) {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v))) throw invalid('Invalid positive integer', name, 'parameter_invalid_integer');
  const n = parseInt(v, 10);
  if (n < 1) throw invalid('This value must be greater than or equal to 1.', name, 'parameter_invalid_integer');
  return n;
}
function metadataParam(body, prev) {
  if (body.metadata === undefined) return Object.assign({}, prev || {});
  if (body.metadata === '') return {};
  if (typeof body.metadata !== 'object') throw invalid('Invalid object', 'metadata', 'parameter_invalid_string');
  const m = Object.assign({}, prev || {});
  for (const [k, v] of Object.entries(body.metadata)) { if (v === '') delete m[k]; else m[k] = String(v); }
  return m;
}
function send(store, res, kind, rec, body) {
  const paths = expandList(body || {});
  res.json(applyExpand(store, render(store, kind, rec, includes(paths)), paths));
}

module.exports = function moneyRouter(store) {
  const r = express.Router();
  const charges = store.collection('charges');
  const refunds = store.collection('refunds');
  const pis = store.collection('payment_intents');
  const coupons = store.collection('coupons');
  const promos = store.collection('promotion_codes');

  // ---- charges of the dataset (others: the mock)
  r.get('/v1/charges/:id', (req, res, next) => (charges.get(req.params.id) ? res.json(retrieveResponse(store, 'charges', req.params.id, req.query)) : next()));
  r.get('/v1/charges', (req, res, next) => {
    const q = req.query;
    if (!q.payment_intent || !pis.get(q.payment_intent)) return next();
    res.json(listResponse(store, charges, q, { kind: 'charges', url: '/v1/charges', filters: { paymentIntent: q.payment_intent },
      predicate: c => c.paymentIntent === q.payment_intent }));
  });

  // ---- refunds
  r.post('/v1/refunds', (req, res, next) => {
    const body = req.body || {};
    let ch = null, pi = null;
    if (body.charge !== undefined) {
      ch = charges.get(String(body.charge));
      if (!ch) return next(); // a charge of the mock (or unknown): the mock answers
    }
    checkParams(body, ['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand', 'instructions_email', 'origin',
      'refund_application_fee', 'reverse_transfer']);
    if (body.payment_intent !== undefined) {
      pi = pis.get(String(body.payment_intent));
      if (!pi) throw missing('payment_intent', body.payment_intent, 'payment_intent');
    }
    if (!ch && !pi) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent');
    if (ch && pi && ch.paymentIntent !== pi.id) throw invalid(`Charge ${ch.id} does not belong to PaymentIntent ${pi.id}.`, 'charge');
    if (!ch) {
      ch = pi.latestCharge ? charges.get(pi.latestCharge) : null;
      if (!ch || pi.status !== 'succeeded') {
        throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
      }
    }
    pi = pi || pis.get(ch.paymentIntent);
    if (body.reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(body.reason)) {
      throw invalid('Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', 'reason', 'parameter_invalid_string');
    }
    const metadata = metadataParam(body);
    const amount = posInt(body.amount, 'amount');
    const remaining = pi.amount - (ch.amountRefunded || 0);
    if (remaining <= 0) {
      throw new StripeError(400, { type: 'invalid_request_error', code: 'charge_already_refunded',
        doc_url: 'https://docs.stripe.com/error-codes/charge-already-refunded', message: `Charge ${ch.id} has already been refunded.` });
    }
    const value = amount === undefined ? remaining : amount;
    if (value > remaining) {
      throw invalid(`Refund amount (${fmt(value, pi.currency)}) is greater than unrefunded amount on charge (${fmt(remaining, pi.currency)})`, 'amount');
    }
    const before = render(store, 'charges', ch, new Set());
    ch.amountRefunded = (ch.amountRefunded || 0) + value;
    const rec = refunds.insert({ id: runtimeId('re', 24), created: clock(store), amount: value, charge: ch.id, paymentIntent: pi.id,
      currency: pi.currency, reason: body.reason || null, metadata, status: 'succeeded' });
    recordEvent(store, req, 'refund.created', 'refunds', rec);
    recordEvent(store, req, 'charge.refunded', 'charges', ch, { amount_refunded: before.amount_refunded, refunded: before.refunded,
      refunds: { data: before.refunds.data, has_more: before.refunds.has_more, object: 'list', url: before.refunds.url } });
    send(store, res, 'refunds', rec, body);
  });
  r.post('/v1/refunds/:id', (req, res, next) => {
    const rec = refunds.get(req.params.id);
    if (!rec) return next();
    const body = req.body || {};
    checkParams(body, ['metadata', 'expand']);
    const prev = { metadata: Object.assign({}, rec.metadata) };
    rec.metadata = metadataParam(body, rec.metadata);
    recordEvent(store, req, 'refund.updated', 'refunds', rec, prev);
    send(store, res, 'refunds', rec, body);
  });
  r.get('/v1/refunds/:id', (req, res, next) => (refunds.get(req.params.id) ? res.json(retrieveResponse(store, 'refunds', req.params.id, req.query)) : next()));
  r.get('/v1/refunds', (req, res, next) => {
    const q = req.query;
    if (q.charge && !charges.get(q.charge)) return next();
    res.json(listResponse(store, refunds, q, { kind: 'refunds', url: '/v1/refunds',
      filters: { charge: q.charge, paymentIntent: q.payment_intent },
      predicate: x => (!q.charge || x.charge === q.charge) && (!q.payment_intent || x.paymentIntent === q.payment_intent) }));
  });

  // ---- coupons
  r.get('/v1/coupons', (req, res) => res.json(listResponse(store, coupons, req.query, { kind: 'coupons', url: '/v1/coupons', predicate: c => !c.deleted })));
  r.get('/v1/coupons/:id', (req, res) => {
    const c = coupons.get(req.params.id);
    if (!c || c.deleted) throw missing('coupon', req.params.id);
    res.json(retrieveResponse(store, 'coupons', c.id, req.query));
  });
  r.post('/v1/coupons', (req, res) => {
    const body = req.body || {};
    checkParams(body, ['id', 'name', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months', 'max_redemptions',
      'redeem_by', 'metadata', 'currency_options', 'applies_to', 'expand']);
    const rec = { id: body.id || stableId('x', runtimeId('c'), 8).slice(2), created: clock(store), name: body.name || null, percentOff: null,
      amountOff: null, currency: null, duration: body.duration || 'once', durationInMonths: null, maxRedemptions: null, redeemBy: null,
      timesRedeemed: 0, metadata: metadataParam(body), currencyOptions: null };
    if (coupons.get(rec.id)) throw invalid('Coupon already exists.', 'id', 'resource_already_exists');
    if (rec.name && String(rec.name).length > 40) throw invalid('Invalid string: must be at most 40 characters', 'name', 'parameter_invalid_string_too_long');
    if (body.currency_options !== undefined && body.amount_off === undefined) throw invalid('currency_options can only be used with amount_off coupons.', 'currency_options');
    if ((body.percent_off === undefined) === (body.amount_off === undefined)) {
      throw invalid('You must pass either a `percent_off` or an `amount_off` (but not both).', body.percent_off === undefined ? 'percent_off' : 'amount_off');
    }
    if (body.percent_off !== undefined) {
      if (!/^\d+(\.\d{1,2})?$/.test(String(body.percent_off))) throw invalid('Invalid decimal: percent_off may have at most two decimal places.', 'percent_off', 'parameter_invalid_float');
      const p = Number(body.percent_off);
      if (!(p > 0 && p <= 100)) throw invalid('percent_off must be greater than 0 and no more than 100.', 'percent_off', 'parameter_invalid_float');
      rec.percentOff = p;
    } else {
      rec.amountOff = posInt(body.amount_off, 'amount_off');
      if (!body.currency) throw invalid('You must pass currency when passing amount_off.', 'currency', 'parameter_missing');
      rec.currency = String(body.currency).toLowerCase();
      if (body.currency_options) {
        rec.currencyOptions = {};
        for (const [cur, o] of Object.entries(body.currency_options)) {
          if (cur.toLowerCase() === rec.currency) throw invalid(`currency_options[${cur}] repeats the coupon's currency.`, `currency_options[${cur}]`);
          rec.currencyOptions[cur.toLowerCase()] = { amount_off: posInt(o && o.amount_off, `currency_options[${cur}][amount_off]`) };
        }
      }
    }
    if (!['once', 'repeating', 'forever'].includes(rec.duration)) throw invalid('Invalid duration: must be one of forever, once, or repeating', 'duration', 'parameter_invalid_string');
    if (rec.duration === 'repeating') {
      if (body.duration_in_months === undefined) throw invalid('You must pass duration_in_months when duration is repeating.', 'duration_in_months', 'parameter_missing');
      rec.durationInMonths = posInt(body.duration_in_months, 'duration_in_months');
    } else if (body.duration_in_months !== undefined) {
      throw invalid('duration_in_months may only be passed when duration is repeating.', 'duration_in_months');
    }
    if (body.max_redemptions !== undefined) rec.maxRedemptions = posInt(body.max_redemptions, 'max_redemptions');
    if (body.redeem_by !== undefined) {
      rec.redeemBy = posInt(body.redeem_by, 'redeem_by');
      if (rec.redeemBy <= clock(store)) throw invalid('Coupon redeem_by must be in the future.', 'redeem_by');
    }
    coupons.insert(rec);
    recordEvent(store, req, 'coupon.created', 'coupons', rec);
    send(store, res, 'coupons', rec, body);
  });
  r.post('/v1/coupons/:id', (req, res) => {
    const rec = coupons.get(req.params.id);
    if (!rec || rec.deleted) throw missing('coupon', req.params.id);
    const body = req.body || {};
    checkParams(body, ['name', 'metadata', 'currency_options', 'expand']);
    const before = render(store, 'coupons', rec, new Set());
    if (body.name !== undefined) rec.name = body.name || null;
    rec.metadata = metadataParam(body, rec.metadata);
    const after = render(store, 'coupons', rec, new Set());
    const prev = {};
    for (const k of ['name', 'metadata']) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    if (Object.keys(prev).length) recordEvent(store, req, 'coupon.updated', 'coupons', rec, prev);
    send(store, res, 'coupons', rec, body);
  });
  r.delete('/v1/coupons/:id', (req, res) => {
    const rec = coupons.get(req.params.id);
    if (!rec || rec.deleted) throw missing('coupon', req.params.id);
    recordEvent(store, req, 'coupon.deleted', 'coupons', rec);
    rec.deleted = true;
    res.json({ id: rec.id, object: 'coupon', deleted: true });
  });

  // ---- promotion codes (current API: promotion: {type: "coupon", coupon})
  r.get('/v1/promotion_codes', (req, res) => {
    const q = req.query;
    const active = q.active === undefined ? undefined : q.active === 'true';
    res.json(listResponse(store, promos, q, { kind: 'promotion_codes', url: '/v1/promotion_codes', filters: { coupon: q.coupon },
      predicate: p => (active === undefined || !!p.active === active) && (!q.code || p.code.toLowerCase() === String(q.code).toLowerCase())
        && (!q.coupon || p.coupon === q.coupon) && (!q.customer || p.customer === q.customer) }));
  });
  r.get('/v1/promotion_codes/:id', (req, res) => {
    if (!promos.get(req.params.id)) throw missing('promotion code', req.params.id);
    res.json(retrieveResponse(store, 'promotion_codes', req.params.id, req.query));
  });
  r.post('/v1/promotion_codes', (req, res) => {
    const body = req.body || {};
    checkParams(body, ['promotion', 'code', 'active', 'customer', 'expires_at', 'max_redemptions', 'metadata', 'restrictions', 'expand']);
    const promo = body.promotion;
    if (!promo || typeof promo !== 'object' || !promo.coupon) throw invalid('Missing required param: promotion[coupon].', 'promotion[coupon]', 'parameter_missing');
    if (promo.type !== undefined && promo.type !== 'coupon') throw invalid('Invalid promotion[type]: must be coupon', 'promotion[type]', 'parameter_invalid_string');
    const c = coupons.get(String(promo.coupon));
    if (!c || c.deleted) throw missing('coupon', promo.coupon, 'promotion[coupon]');
    const code = body.code || stableId('x', runtimeId('p'), 8).slice(2).toUpperCase().replace(/[^A-Z0-9]/g, '7');
    if (!/^[a-zA-Z0-9]{1,500}$/.test(code)) throw invalid('Promotion codes can only contain alphanumeric characters.', 'code');
    if (promos.items.some(p => p.active && p.code.toLowerCase() === code.toLowerCase())) {
      throw invalid(`An active promotion code with \`code: ${code}\` already exists.`, 'code');
    }
    if (body.customer !== undefined && !store.collection('customers').get(String(body.customer))) throw missing('customer', body.customer, 'customer');
    const restr = body.restrictions || {};
    if (typeof restr !== 'object') throw invalid('Invalid object', 'restrictions');
    for (const k of Object.keys(restr)) {
      if (!['first_time_transaction', 'minimum_amount', 'minimum_amount_currency', 'currency_options'].includes(k)) throw invalid(`Received unknown parameter: restrictions[${k}]`, `restrictions[${k}]`, 'parameter_unknown');
    }
    if (restr.first_time_transaction !== undefined && !['true', 'false'].includes(String(restr.first_time_transaction))) {
      throw invalid('Invalid boolean: ' + restr.first_time_transaction, 'restrictions[first_time_transaction]', 'parameter_invalid_boolean');
    }
    if (body.expires_at !== undefined && posInt(body.expires_at, 'expires_at') <= clock(store)) throw invalid('expires_at must be in the future.', 'expires_at');
    if (body.expires_at !== undefined && c.redeemBy && posInt(body.expires_at, 'expires_at') > c.redeemBy) {
      throw invalid("The promotion code's expires_at cannot be later than the coupon's redeem_by.", 'expires_at');
    }
    const rec = { id: runtimeId('promo', 24), created: clock(store), code, coupon: c.id, active: body.active !== 'false',
      customer: body.customer || null, expiresAt: body.expires_at !== undefined ? posInt(body.expires_at, 'expires_at') : null,
      maxRedemptions: body.max_redemptions !== undefined ? posInt(body.max_redemptions, 'max_redemptions') : null, timesRedeemed: 0,
      metadata: metadataParam(body), firstTime: restr.first_time_transaction === 'true',
      minAmount: restr.minimum_amount !== undefined ? posInt(restr.minimum_amount, 'restrictions[minimum_amount]') : null,
      minAmountCurrency: restr.minimum_amount_currency ? String(restr.minimum_amount_currency).toLowerCase() : null };
    if (rec.minAmount && !rec.minAmountCurrency) throw invalid('You must pass minimum_amount_currency when passing minimum_amount.', 'restrictions[minimum_amount_currency]', 'parameter_missing');
    promos.insert(rec);
    recordEvent(store, req, 'promotion_code.created', 'promotion_codes', rec);
    send(store, res, 'promotion_codes', rec, body);
  });
  r.post('/v1/promotion_codes/:id', (req, res) => {
    const rec = promos.get(req.params.id);
    if (!rec) throw missing('promotion code', req.params.id);
    const body = req.body || {};
    checkParams(body, ['active', 'metadata', 'restrictions', 'expand']);
    const prev = {};
    if (body.active !== undefined) { const a = body.active === 'true'; if (a !== rec.active) { prev.active = rec.active; rec.active = a; } }
    if (body.metadata !== undefined) { prev.metadata = Object.assign({}, rec.metadata); rec.metadata = metadataParam(body, rec.metadata); }
    if (Object.keys(prev).length) recordEvent(store, req, 'promotion_code.updated', 'promotion_codes', rec, prev);
    send(store, res, 'promotion_codes', rec, body);
  });
  return r;
};
