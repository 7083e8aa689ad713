'use strict';
// Subscription lifecycle writes, with Stripe's semantics (see README "Subscription lifecycle"):
// subscriptions create/update/cancel (prorations, trials, pause_collection, cancellation,
// discounts), invoices create_preview and actions (finalize, send, void, mark_uncollectible, pay,
// lines pagination), subscription schedules, credit notes, customer balance transactions.
// Parameter names are those of the official SDK (stripe-node 23.1.0); every write records its
// events and goes through the idempotency layer mounted before this router.
const express = require('express');
const { listResponse, retrieveResponse, invalid, missing, expandList, applyExpand, includes, StripeError } = require('../lib/api');
const { render, invoiceLine, creditNoteLine } = require('../lib/render');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId } = require('../lib/prng');
const E = require('../lib/engine');
const { carriedDecline } = require('./dunning');

const FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'];
const PRORATION = ['create_prorations', 'none', 'always_invoice'];
const PAUSE = ['keep_as_draft', 'mark_uncollectible', 'void'];

function checkParams(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
const asArray = v => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v) : [v]);
function intP(v, name, { min = null, allowNeg = false } = {}) {
  if (v === undefined) return undefined;
  if (!(allowNeg ? /^-?\d+$/ : /^\d+$/).test(String(v))) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  const n = parseInt(v, 10);
  if (min != null && n < min) throw invalid(`This value must be greater than or equal to ${min}.`, name, 'parameter_invalid_integer');
  return n;
}
function boolP(v, name) {
  if (v === undefined) return undefined;
  if (v === 'true' || v === true) return true;
  if (v === 'false' || v === false) return false;
  throw invalid(`Invalid boolean: ${v}`, name, 'parameter_invalid_boolean');
}
function enumP(v, name, allowed) {
  if (v === undefined) return undefined;
  if (!allowed.includes(v)) throw invalid(`Invalid ${name}: must be one of ${allowed.join(', ')}`, name, 'parameter_invalid_string');
  return v;
}
function metadataP(v, prev) {
  if (v === undefined) return Object.assign({}, prev || {});
  if (v === '') return {};
  if (typeof v !== 'object') throw invalid('Invalid object', 'metadata', 'parameter_invalid_string');
  const m = Object.assign({}, prev || {});
  for (const [k, x] of Object.entries(v)) { if (x === '') delete m[k]; else m[k] = String(x); }
  return m;
}
function send(store, res, kind, rec, body) {
  const paths = expandList(body || {});
  res.json(applyExpand(store, render(store, kind, rec, includes(paths)), paths));
}

module.exports = function lifecycleRouter(store) {
  const r = express.Router();
  const subs = store.collection('subscriptions');
  const invoices = store.collection('invoices');
  const customers = store.collection('customers');
  const prices = store.collection('prices');
  const coupons = store.collection('coupons');
  const promos = store.collection('promotion_codes');
  const schedules = store.collection('subscription_schedules');
  const creditNotes = store.collection('credit_notes');
  const cbtxns = store.collection('customer_balance_transactions');

  // A subscription a write is about to touch first catches up with the sandbox clock (renewals,
  // trial end, ... that became due since the last /__sandbox/advance), as Stripe would have run them.
  const getSub = id => { const s = subs.get(id); if (!s) throw missing('subscription', id); E.processDue(store, clock(store), s); return s; };
  const getInv = id => { const i = invoices.get(id); if (!i) throw missing('invoice', id); return i; };
  const getCus = (id, param = 'customer') => { const c = customers.get(String(id)); if (!c || c.deleted) throw missing('customer', id, param); return c; };
  const getPrice = (id, param) => { const p = prices.get(String(id)); if (!p) throw missing('price', id, param); return p; };

  // discounts[][coupon|promotion_code] -> discount records (redemptions counted by the caller).
  function discountsP(v, cus, currency, at, param = 'discounts') {
    return asArray(v).map((d, i) => {
      if (typeof d !== 'object') throw invalid('Invalid array', param);
      let c = null, promo = null;
      if (d.coupon) { c = coupons.get(String(d.coupon)); if (!c || c.deleted) throw missing('coupon', d.coupon, `${param}[${i}][coupon]`); }
      else if (d.promotion_code) {
        promo = promos.get(String(d.promotion_code));
        if (!promo) throw missing('promotion code', d.promotion_code, `${param}[${i}][promotion_code]`);
        if (!promo.active || (promo.expiresAt && promo.expiresAt <= at) || (promo.maxRedemptions != null && promo.timesRedeemed >= promo.maxRedemptions)) {
          throw invalid(`This promotion code cannot be redeemed because it is inactive or has expired.`, `${param}[${i}][promotion_code]`);
        }
        if (promo.customer && promo.customer !== cus.id) throw invalid('This promotion code cannot be redeemed by this customer.', `${param}[${i}][promotion_code]`);
        c = coupons.get(promo.coupon);
      } else if (d.discount) throw invalid('Reusing existing discounts is not supported by the sandbox.', `${param}[${i}][discount]`);
      else throw invalid('You must provide one of coupon, promotion_code, or discount.', `${param}[${i}]`);
      if (c.redeemBy && c.redeemBy <= at) throw invalid(`Coupon expired: ${c.id}`, `${param}[${i}][coupon]`);
      if (c.maxRedemptions != null && c.timesRedeemed >= c.maxRedemptions) throw invalid(`Coupon ${c.id} has reached its max redemptions.`, `${param}[${i}][coupon]`);
      if (c.amountOff != null && c.currency !== currency && !(c.currencyOptions && c.currencyOptions[currency])) {
        throw invalid(`Coupon ${c.id} is not valid for currency ${currency}.`, `${param}[${i}][coupon]`);
      }
      const end = c.duration === 'repeating' ? require('../dataset').addMonths(at, c.durationInMonths) : null;
      return { id: runtimeId('di', 24), coupon: c.id, promotionCode: promo ? promo.id : null, start: at, end, duration: c.duration };
    });
  }
  function redeem(list) {
    for (const d of list) {
      const c = coupons.get(d.coupon); if (c) c.timesRedeemed++;
      const p = d.promotionCode && promos.get(d.promotionCode); if (p) p.timesRedeemed++;
    }
  }

  // items[][price|quantity] for create; -> [{price, quantity}]
  function newItemsP(v, param = 'items') {
    const arr = asArray(v);
    if (!arr.length) throw invalid('Missing required param: items.', param, 'parameter_missing');
    return arr.map((it, i) => {
      if (!it.price) throw invalid(`Missing required param: ${param}[${i}][price].`, `${param}[${i}][price]`, 'parameter_missing');
      const p = getPrice(it.price, `${param}[${i}][price]`);
      const q = it.quantity === undefined ? 1 : intP(it.quantity, `${param}[${i}][quantity]`, { min: 0 });
      return { price: p.id, quantity: q };
    });
  }
  function checkPrices(items, currency, param = 'items') {
    const ps = items.map(i => prices.get(i.price));
    const cur = currency || ps[0].currency;
    for (const p of ps) {
      if (p.currency !== cur) throw invalid(`The price specified (${p.id}) uses currency ${p.currency}, but the subscription's currency is ${cur}. All prices on a subscription must use the same currency.`, param);
      if (p.interval !== ps[0].interval || (p.intervalCount || 1) !== (ps[0].intervalCount || 1)) throw invalid('Currency and interval fields must match across all plans on a subscription.', param);
    }
    return cur;
  }

  // items[][id|price|quantity|deleted] applied to the current items -> new items list.
  function updatedItems(sub, v, at, param = 'items') {
    const items = sub.items.map(i => Object.assign({}, i));
    asArray(v).forEach((it, i) => {
      if (typeof it !== 'object') throw invalid('Invalid array', param);
      if (it.id) {
        const k = items.findIndex(x => x.id === it.id);
        if (k < 0) throw invalid(`Invalid subscription_item: ${it.id} does not belong to subscription ${sub.id}.`, `${param}[${i}][id]`);
        if (boolP(it.deleted, `${param}[${i}][deleted]`)) { items.splice(k, 1); return; }
        if (it.price) items[k].price = getPrice(it.price, `${param}[${i}][price]`).id;
        if (it.quantity !== undefined) items[k].quantity = intP(it.quantity, `${param}[${i}][quantity]`, { min: 0 });
      } else {
        if (!it.price) throw invalid(`Missing required param: ${param}[${i}][price].`, `${param}[${i}][price]`, 'parameter_missing');
        const p = getPrice(it.price, `${param}[${i}][price]`);
        if (items.some(x => x.price === p.id)) throw invalid(`Cannot add multiple subscription items with the same price: ${p.id}.`, `${param}[${i}][price]`);
        items.push({ id: runtimeId('si', 14), created: at, price: p.id, quantity: it.quantity === undefined ? 1 : intP(it.quantity, `${param}[${i}][quantity]`, { min: 0 }),
          periodStart: sub.items[0].periodStart, periodEnd: sub.items[0].periodEnd });
      }
    });
    if (!items.length) throw invalid('A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.', param);
    checkPrices(items, sub.currency, param);
    return items;
  }

  function trialEndP(v, at, param = 'trial_end') {
    if (v === undefined) return undefined;
    if (v === 'now') return 'now';
    const t = intP(v, param);
    if (t <= at) throw invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', param);
    if (t > at + 730 * E.DAY) throw invalid('Invalid timestamp: can be no more than two years in the future.', param);
    return t;
  }

  // ---------------------------------------------------------------- subscriptions: create
  r.post('/v1/subscriptions', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'items', 'trial_period_days', 'trial_end', 'trial_settings', 'default_payment_method', 'collection_method',
      'days_until_due', 'discounts', 'metadata', 'proration_behavior', 'payment_behavior', 'expand', 'currency', 'description', 'cancel_at_period_end',
      'cancel_at', 'off_session', 'trial_from_plan', 'payment_settings', 'billing_cycle_anchor']);
    const at = clock(store);
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = getCus(b.customer);
    const items = newItemsP(b.items);
    const currency = checkPrices(items, b.currency);
    if (cus.currency && cus.currency !== currency) throw invalid(`You cannot combine currencies on a single customer. This customer has had a subscription or payment in ${cus.currency}, but you are trying to pay in ${currency}.`, 'items');
    const collectionMethod = enumP(b.collection_method, 'collection_method', ['charge_automatically', 'send_invoice']) || 'charge_automatically';
    const daysUntilDue = intP(b.days_until_due, 'days_until_due', { min: 0 });
    if (collectionMethod === 'send_invoice' && daysUntilDue === undefined) throw invalid('Missing required param: days_until_due.', 'days_until_due', 'parameter_missing');
    if (collectionMethod !== 'send_invoice' && daysUntilDue !== undefined) throw invalid('days_until_due can only be set when collection_method is send_invoice.', 'days_until_due');
    const paymentBehavior = enumP(b.payment_behavior, 'payment_behavior', ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete']) || 'allow_incomplete';
    enumP(b.proration_behavior, 'proration_behavior', PRORATION);
    let trialEnd = trialEndP(b.trial_end, at);
    const tpd = intP(b.trial_period_days, 'trial_period_days', { min: 0 });
    if (trialEnd !== undefined && tpd !== undefined) throw invalid('You cannot set both trial_end and trial_period_days.', 'trial_end');
    if (tpd) trialEnd = at + tpd * E.DAY;
    if (trialEnd === 'now') trialEnd = undefined;
    const mpm = b.trial_settings && b.trial_settings.end_behavior ? enumP(b.trial_settings.end_behavior.missing_payment_method,
      'trial_settings[end_behavior][missing_payment_method]', ['cancel', 'pause', 'create_invoice']) : undefined;
    let defaultPm = null;
    if (b.default_payment_method) {
      const pm = E.resolvePm(store, cus, String(b.default_payment_method), at);
      if (!pm) throw invalid(`The customer does not have a payment method with the ID ${b.default_payment_method}. The payment method must be attached to the customer.`, 'default_payment_method', 'resource_missing');
      defaultPm = pm.id;
    }
    const discounts = discountsP(b.discounts, cus, currency, at);
    const cancelAtPeriodEnd = boolP(b.cancel_at_period_end, 'cancel_at_period_end');

    const price = prices.get(items[0].price);
    const sub = { id: runtimeId('sub', 24), created: at, customer: cus.id, currency, status: 'active', startDate: at, billingCycleAnchor: trialEnd || at,
      collectionMethod, daysUntilDue: daysUntilDue || null, defaultPm, metadata: metadataP(b.metadata), items: [], discounts,
      trialEndBehavior: mpm || 'create_invoice', description: b.description || null };
    const pe = trialEnd || E.nextEnd(sub, price, at);
    sub.items = items.map(it => ({ id: runtimeId('si', 14), created: at, price: it.price, quantity: it.quantity, periodStart: at, periodEnd: pe }));
    if (trialEnd) { sub.status = 'trialing'; sub.trialStart = at; sub.trialEnd = trialEnd; }
    if (cancelAtPeriodEnd) { sub.cancelAtPeriodEnd = true; sub.cancelAt = pe; }
    if (b.cancel_at !== undefined) sub.cancelAt = intP(b.cancel_at, 'cancel_at');

    // Decide the first payment before storing anything, so error_if_incomplete stores nothing.
    const pmId = E.paymentMethodFor(store, sub);
    if (!trialEnd && collectionMethod === 'charge_automatically' && paymentBehavior === 'error_if_incomplete') {
      const pmRec = pmId ? store.collection('payment_methods').get(pmId) : null;
      if (!pmId) throw invalid('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', 'customer');
      const d = declineFor(cus, pmRec);
      if (d) throw cardError(d);
    }
    if (!cus.currency) cus.currency = currency;
    subs.insert(sub);
    redeem(discounts);
    recordEvent(store, req, 'customer.subscription.created', 'subscriptions', sub, null, at);
    const lines = trialEnd ? E.trialLines(store, sub, sub.items, at, pe) : E.periodLines(store, sub, sub.items, at, pe);
    const inv = E.insertInvoice(store, req, sub, E.buildInvoice(store, sub, lines, { at, billingReason: 'subscription_create', periodStart: at, periodEnd: at }), at);
    if (trialEnd) E.finalizeInvoice(store, req, inv, at);
    else if (collectionMethod === 'send_invoice') E.finalizeInvoice(store, req, inv, at);
    else if (paymentBehavior === 'default_incomplete') { E.finalizeInvoice(store, req, inv, at); if (inv.status !== 'paid') E.setSub(store, req, sub, () => { sub.status = 'incomplete'; }, at); } else {
      const out = E.collect(store, req, sub, inv, at);
      if (!out.ok) E.setSub(store, req, sub, () => { sub.status = 'incomplete'; }, at);
    }
    send(store, res, 'subscriptions', sub, b);
  });

  function declineFor(cus, pm) {
    if (pm && pm.decline) return pm.decline;
    const code = cus.metadata && cus.metadata.sandbox_decline;
    return code ? (code === 'expired_card' ? ['expired_card', null, 'Your card has expired.'] : ['card_declined', code, code === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.']) : null;
  }
  function cardError(d, extra) {
    const e = Object.assign({ type: 'card_error', code: d[0], message: d[2], doc_url: 'https://docs.stripe.com/error-codes/' + d[0].replace(/_/g, '-') }, extra || {});
    if (d[1]) e.decline_code = d[1];
    return new StripeError(402, e);
  }

  // ---------------------------------------------------------------- subscriptions: update
  // Parses an update (POST /v1/subscriptions/{id} or create_preview's subscription_details)
  // into a plan: the subscription's next state and the proration lines, nothing stored.
  function planUpdate(sub, b, at, param = '') {
    const P = n => (param ? `${param}[${n}]` : n);
    const next = JSON.parse(JSON.stringify(sub));
    const plan = { next, prorations: [], behavior: enumP(b.proration_behavior, P('proration_behavior'), PRORATION) || 'create_prorations',
      resetCycle: false, trialNow: false, cancelNow: false };
    const live = E.isLive(sub);
    if (!live) {
      const allowed = ['cancellation_details', 'metadata', 'expand'];
      const bad = Object.keys(b).find(k => !allowed.includes(k));
      if (bad) throw invalid('A canceled subscription can only update its cancellation_details and metadata.', bad);
    }
    const t = b.proration_date !== undefined ? intP(b.proration_date, P('proration_date')) : at;
    plan.t = t;
    const ps = sub.items[0].periodStart, pe = sub.items[0].periodEnd;
    if (b.items !== undefined) {
      next.items = updatedItems(sub, b.items, at, P('items'));
      const oldP = prices.get(sub.items[0].price), newP = prices.get(next.items[0].price);
      if (oldP.interval !== newP.interval || (oldP.intervalCount || 1) !== (newP.intervalCount || 1)) {
        // A new interval resets the billing cycle: credit the unused time, invoice the new period now.
        plan.resetCycle = true;
        if (sub.status !== 'trialing' && plan.behavior !== 'none') plan.prorations = E.creditLines(store, sub, t, ps, pe);
        next.billingCycleAnchor = at;
        const npe = E.nextEnd(next, newP, at);
        for (const it of next.items) { it.periodStart = at; it.periodEnd = npe; }
      } else if (sub.status !== 'trialing' && plan.behavior !== 'none') {
        if (t < ps || t > pe) throw invalid('proration_date must be within the current billing period.', P('proration_date'));
        plan.prorations = E.prorationLines(store, sub, sub.items, next.items, t, ps, pe);
      }
    }
    const bca = enumP(b.billing_cycle_anchor, P('billing_cycle_anchor'), ['now', 'unchanged']);
    if (bca === 'now' && !plan.resetCycle && sub.status !== 'trialing') {
      // Reset the billing cycle: credit the unused time, invoice a new full period from now.
      plan.resetCycle = true;
      if (plan.behavior !== 'none') plan.prorations = E.creditLines(store, sub, t, ps, pe);
      next.billingCycleAnchor = at;
      const npe = E.nextEnd(next, prices.get(next.items[0].price), at);
      for (const it of next.items) { it.periodStart = at; it.periodEnd = npe; }
    }
    if (b.trial_end !== undefined) {
      const te = trialEndP(b.trial_end, at, P('trial_end'));
      if (te === 'now') { if (sub.status === 'trialing') plan.trialNow = true; } else {
        next.status = 'trialing'; next.trialEnd = te; next.trialStart = next.trialStart || at; next.billingCycleAnchor = te;
        for (const it of next.items) it.periodEnd = te;
      }
    }
    if (b.cancel_at_period_end !== undefined) {
      const v = boolP(b.cancel_at_period_end, P('cancel_at_period_end'));
      next.cancelAtPeriodEnd = v; next.cancelAt = v ? next.items[0].periodEnd : null; next.canceledAt = v ? at : null;
      if (v) next.cancellationReason = 'cancellation_requested'; else { next.cancellationReason = null; }
    }
    if (b.cancel_at !== undefined) {
      if (b.cancel_at === '') { next.cancelAt = null; next.cancelAtPeriodEnd = false; next.canceledAt = null; next.cancellationReason = null; } else {
        const ca = b.cancel_at === 'max_period_end' || b.cancel_at === 'min_period_end' ? next.items[0].periodEnd : intP(b.cancel_at, P('cancel_at'));
        if (ca <= at) throw invalid('cancel_at must be in the future.', P('cancel_at'));
        next.cancelAt = ca; next.cancelAtPeriodEnd = ca === next.items[0].periodEnd; next.canceledAt = at; next.cancellationReason = 'cancellation_requested';
        if (ca < next.items[0].periodEnd && plan.behavior !== 'none' && sub.status !== 'trialing') {
          // The period is shortened to cancel_at: credit for the time after it.
          plan.prorations = plan.prorations.concat(E.prorationLines(store, sub, next.items, [], ca, ps, pe));
        }
      }
    }
    if (b.cancel_now !== undefined && boolP(b.cancel_now, P('cancel_now'))) plan.cancelNow = true;
    if (b.cancellation_details !== undefined) {
      const cd = b.cancellation_details || {};
      if (cd.feedback !== undefined) next.cancellationFeedback = cd.feedback === '' ? null : enumP(cd.feedback, P('cancellation_details[feedback]'), FEEDBACK);
      if (cd.comment !== undefined) next.cancellationComment = cd.comment === '' ? null : String(cd.comment);
    }
    if (b.pause_collection !== undefined) {
      if (b.pause_collection === '') next.pauseCollection = null; else {
        const pc = b.pause_collection;
        const behavior = enumP(pc.behavior, P('pause_collection[behavior]'), PAUSE);
        if (!behavior) throw invalid('Missing required param: pause_collection[behavior].', P('pause_collection[behavior]'), 'parameter_missing');
        const resumesAt = pc.resumes_at !== undefined && pc.resumes_at !== '' ? intP(pc.resumes_at, P('pause_collection[resumes_at]')) : null;
        if (resumesAt != null && resumesAt <= at) throw invalid('pause_collection[resumes_at] must be in the future.', P('pause_collection[resumes_at]'));
        next.pauseCollection = { behavior, resumes_at: resumesAt };
      }
    }
    if (b.discounts !== undefined) {
      const cus = customers.get(sub.customer);
      plan.newDiscounts = b.discounts === '' ? [] : discountsP(b.discounts, cus, sub.currency, at, P('discounts'));
      next.discounts = plan.newDiscounts;
    }
    if (b.default_payment_method !== undefined) {
      if (b.default_payment_method === '') next.defaultPm = null; else {
        const pm = E.resolvePm(store, customers.get(sub.customer), String(b.default_payment_method), at);
        if (!pm) throw invalid(`The customer does not have a payment method with the ID ${b.default_payment_method}. The payment method must be attached to the customer.`, P('default_payment_method'), 'resource_missing');
        next.defaultPm = pm.id;
      }
    }
    if (b.collection_method !== undefined) next.collectionMethod = enumP(b.collection_method, P('collection_method'), ['charge_automatically', 'send_invoice']);
    if (b.days_until_due !== undefined) next.daysUntilDue = intP(b.days_until_due, P('days_until_due'));
    if (b.metadata !== undefined) next.metadata = metadataP(b.metadata, sub.metadata);
    if (b.description !== undefined) next.description = b.description || null;
    return plan;
  }

  const UPDATE_PARAMS = ['items', 'proration_behavior', 'proration_date', 'cancel_at_period_end', 'cancel_at', 'cancellation_details', 'pause_collection',
    'trial_end', 'discounts', 'default_payment_method', 'metadata', 'expand', 'collection_method', 'days_until_due', 'description', 'payment_behavior',
    'off_session', 'trial_settings', 'billing_cycle_anchor'];

  r.post('/v1/subscriptions/:id', (req, res) => {
    const sub = getSub(req.params.id);
    const b = req.body || {};
    checkParams(b, UPDATE_PARAMS);
    const at = clock(store);
    if (sub.schedule && b.items !== undefined) {
      const sch = schedules.get(sub.schedule);
      if (sch && sch.status === 'active') throw invalid(`The subscription is managed by the subscription schedule \`${sch.id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`, 'items');
    }
    const plan = planUpdate(sub, b, at);
    if (b.trial_settings && b.trial_settings.end_behavior) {
      plan.next.trialEndBehavior = enumP(b.trial_settings.end_behavior.missing_payment_method, 'trial_settings[end_behavior][missing_payment_method]', ['cancel', 'pause', 'create_invoice']);
    }
    if (plan.newDiscounts) redeem(plan.newDiscounts);
    E.setSub(store, req, sub, () => {
      const { next } = plan;
      for (const k of Object.keys(next)) sub[k] = next[k];
      if (plan.prorations.length) E.addPending(store, req, sub, plan.prorations, at);
      if (plan.resetCycle) {
        const ps = sub.items[0].periodStart, pe = sub.items[0].periodEnd;
        const inv = E.insertInvoice(store, req, sub, E.buildInvoice(store, sub, E.periodLines(store, sub, sub.items, ps, pe),
          { at, billingReason: 'subscription_update', pending: E.pendingItems(store, sub.id), periodStart: at, periodEnd: at }), at);
        const out = E.collect(store, req, sub, inv, at);
        if (!out.ok && sub.status === 'active') sub.status = 'past_due';
      } else if (plan.behavior === 'always_invoice' && plan.prorations.length) {
        const inv = E.insertInvoice(store, req, sub, E.buildInvoice(store, sub, [], { at, billingReason: 'subscription_update',
          pending: E.pendingItems(store, sub.id), periodStart: sub.items[0].periodStart, periodEnd: sub.items[0].periodEnd, discounts: [] }), at);
        const out = E.collect(store, req, sub, inv, at);
        if (!out.ok && sub.status === 'active') sub.status = 'past_due';
      }
    }, at);
    if (plan.trialNow) E.endTrial(store, req, sub, at, false);
    send(store, res, 'subscriptions', sub, b);
  });

  // ---------------------------------------------------------------- subscriptions: resume (paused)
  r.post('/v1/subscriptions/:id/resume', (req, res) => {
    const sub = getSub(req.params.id);
    const b = req.body || {};
    checkParams(b, ['billing_cycle_anchor', 'proration_behavior', 'proration_date', 'expand']);
    if (sub.status !== 'paused') throw invalid('Only a paused subscription can be resumed.', undefined);
    const bca = enumP(b.billing_cycle_anchor, 'billing_cycle_anchor', ['now', 'unchanged']) || 'now';
    enumP(b.proration_behavior, 'proration_behavior', PRORATION);
    const at = clock(store);
    E.setSub(store, req, sub, () => {
      sub.status = 'active';
      if (bca === 'now') {
        sub.billingCycleAnchor = at;
        const pe = E.nextEnd(sub, prices.get(sub.items[0].price), at);
        for (const it of sub.items) { it.periodStart = at; it.periodEnd = pe; }
      }
      const ps = sub.items[0].periodStart, pe = sub.items[0].periodEnd;
      const lines = bca === 'now' ? E.periodLines(store, sub, sub.items, ps, pe) : E.prorationLines(store, sub, [], sub.items, at, ps, pe);
      const inv = E.insertInvoice(store, req, sub, E.buildInvoice(store, sub, lines, { at, billingReason: 'subscription_update',
        pending: E.pendingItems(store, sub.id), periodStart: at, periodEnd: at }), at);
      const out = E.collect(store, req, sub, inv, at);
      if (!out.ok) sub.status = 'past_due';
    }, at, 'customer.subscription.resumed');
    send(store, res, 'subscriptions', sub, b);
  });

  // ---------------------------------------------------------------- subscriptions: cancel
  r.delete('/v1/subscriptions/:id', (req, res) => {
    const sub = getSub(req.params.id);
    const b = Object.assign({}, req.query || {}, req.body || {});
    checkParams(b, ['invoice_now', 'prorate', 'cancellation_details', 'expand']);
    if (!E.isLive(sub)) throw invalid(`A canceled subscription can only update its cancellation_details and metadata.`, 'subscription');
    const at = clock(store);
    const cd = b.cancellation_details || {};
    E.cancelNow(store, req, sub, { invoiceNow: boolP(b.invoice_now, 'invoice_now'), prorate: boolP(b.prorate, 'prorate'),
      feedback: cd.feedback !== undefined ? (cd.feedback === '' ? null : enumP(cd.feedback, 'cancellation_details[feedback]', FEEDBACK)) : undefined,
      comment: cd.comment !== undefined ? (cd.comment || null) : undefined }, at);
    send(store, res, 'subscriptions', sub, b);
  });

  // ---------------------------------------------------------------- invoices: create_preview
  r.get('/v1/invoices/upcoming', (req, res) => res.status(404).json({ error: { type: 'invalid_request_error',
    message: `Unrecognized request URL (GET: /v1/invoices/upcoming). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` } }));
  r.get('/v1/invoices/upcoming/lines', (req, res) => res.status(404).json({ error: { type: 'invalid_request_error',
    message: `Unrecognized request URL (GET: /v1/invoices/upcoming/lines). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` } }));

  r.post('/v1/invoices/create_preview', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'subscription', 'subscription_details', 'discounts', 'expand', 'preview_mode', 'currency', 'automatic_tax']);
    const at = clock(store);
    const d = b.subscription_details || {};
    if (typeof d !== 'object') throw invalid('Invalid object', 'subscription_details');
    checkParams(d, ['items', 'proration_behavior', 'proration_date', 'cancel_at', 'cancel_at_period_end', 'cancel_now', 'trial_end', 'billing_cycle_anchor',
      'default_tax_rates', 'metadata', 'resume_at', 'start_date']);
    let sub;
    if (b.subscription) {
      sub = getSub(String(b.subscription));
      if (b.customer && b.customer !== sub.customer) throw invalid(`The subscription ${sub.id} does not belong to customer ${b.customer}.`, 'customer');
    } else if (d.items !== undefined) {
      // Preview of creating a subscription.
      if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
      const cus = getCus(b.customer);
      const items = newItemsP(d.items, 'subscription_details[items]');
      const currency = checkPrices(items, null, 'subscription_details[items]');
      const price = prices.get(items[0].price);
      const te = trialEndP(d.trial_end, at, 'subscription_details[trial_end]');
      const s = { id: null, customer: cus.id, currency, billingCycleAnchor: te && te !== 'now' ? te : at, collectionMethod: 'charge_automatically', items: [], discounts: [] };
      const pe = te && te !== 'now' ? te : E.nextEnd(s, price, at);
      s.items = items.map(it => ({ id: runtimeId('si', 14), price: it.price, quantity: it.quantity, periodStart: at, periodEnd: pe }));
      s.discounts = discountsP(b.discounts, cus, currency, at);
      const lines = te && te !== 'now' ? E.trialLines(store, s, s.items, at, pe) : E.periodLines(store, s, s.items, at, pe);
      const inv = E.buildInvoice(store, s, lines, { at, preview: true, billingReason: 'subscription_create', periodStart: at, periodEnd: at });
      inv.subscription = null;
      return send(store, res, 'invoices', inv, b);
    } else if (b.customer) {
      getCus(b.customer);
      sub = subs.candidates({ customer: b.customer }).find(E.isLive);
      if (!sub) throw invalid('No upcoming invoices for customer: ' + b.customer, 'customer', 'invoice_upcoming_none');
      E.processDue(store, at, sub);
    } else {
      throw invalid('You must provide at least one of: `subscription`, `schedule`, `subscription_details.items`, `schedule_details.phases`, `invoice_items`.', 'subscription');
    }
    if (!E.isLive(sub)) throw invalid('No upcoming invoices for canceled subscription: ' + sub.id, 'subscription', 'invoice_upcoming_none');
    const plan = planUpdate(sub, d, at, 'subscription_details');
    const next = plan.next;
    if (b.discounts !== undefined) next.discounts = b.discounts === '' ? [] : discountsP(b.discounts, customers.get(sub.customer), sub.currency, at);
    // Pending items: those stored plus the plan's prorations (unsaved, as invoice item specs).
    const pending = E.pendingItems(store, sub.id).concat(plan.prorations.map(l => Object.assign({ id: null }, l)));
    const ps = next.items[0].periodStart, pe = next.items[0].periodEnd;
    let inv;
    if (plan.cancelNow) {
      const credit = plan.behavior === 'none' || sub.status === 'trialing' ? [] : E.creditLines(store, sub, plan.t, sub.items[0].periodStart, sub.items[0].periodEnd);
      inv = E.buildInvoice(store, next, [], { at, preview: true, billingReason: 'subscription_cycle', pending: pending.concat(credit.map(l => Object.assign({ id: null }, l))), periodStart: ps, periodEnd: at });
    } else if (plan.resetCycle || plan.trialNow) {
      inv = E.buildInvoice(store, next, E.periodLines(store, next, next.items, at, plan.trialNow ? E.nextEnd(next, prices.get(next.items[0].price), at) : pe),
        { at, preview: true, billingReason: 'subscription_update', pending, periodStart: at, periodEnd: at });
    } else if (plan.behavior === 'always_invoice' && plan.prorations.length) {
      inv = E.buildInvoice(store, next, [], { at, preview: true, billingReason: 'subscription_update', pending, periodStart: ps, periodEnd: pe, discounts: [] });
    } else {
      // The next renewal invoice: pending items and prorations plus the next period.
      if (next.cancelAt && next.cancelAt <= pe) {
        inv = E.buildInvoice(store, next, [], { at: pe, preview: true, billingReason: 'subscription_cycle', pending, periodStart: ps, periodEnd: pe });
      } else {
        const price = prices.get(next.items[0].price);
        const start = next.status === 'trialing' ? next.trialEnd : pe;
        const npe = E.nextEnd(next, price, start);
        inv = E.buildInvoice(store, next, E.periodLines(store, next, next.items, start, npe),
          { at: start, preview: true, billingReason: 'subscription_cycle', pending, periodStart: ps, periodEnd: start });
      }
    }
    inv.subscription = sub.id;
    send(store, res, 'invoices', inv, b);
  });

  // ---------------------------------------------------------------- invoices: lines and actions
  r.get('/v1/invoices/:id/lines', (req, res) => {
    const inv = getInv(req.params.id);
    const q = req.query;
    const limit = q.limit === undefined ? 10 : intP(q.limit, 'limit');
    if (limit < 1 || limit > 100) throw invalid(`This value must be between 1 and 100 (it currently is ${limit}).`, 'limit', 'parameter_invalid_integer');
    let from = 0, to = inv.lines.length;
    if (q.starting_after) { const k = inv.lines.findIndex(l => l.id === q.starting_after); if (k < 0) throw missing('line item', q.starting_after, 'starting_after'); from = k + 1; }
    let data;
    if (q.ending_before) {
      const k = inv.lines.findIndex(l => l.id === q.ending_before); if (k < 0) throw missing('line item', q.ending_before, 'ending_before');
      to = k; data = inv.lines.slice(Math.max(0, to - limit), to);
      return res.json({ object: 'list', data: data.map(l => invoiceLine(store, inv, l)), has_more: to - limit > 0, url: `/v1/invoices/${inv.id}/lines` });
    }
    data = inv.lines.slice(from, from + limit);
    res.json({ object: 'list', data: data.map(l => invoiceLine(store, inv, l)), has_more: from + limit < to, url: `/v1/invoices/${inv.id}/lines` });
  });

  const action = (name, allowed, fn) => r.post(`/v1/invoices/:id/${name}`, (req, res) => {
    const inv = getInv(req.params.id);
    const b = req.body || {};
    checkParams(b, allowed.concat(['expand']));
    fn(inv, b, clock(store), req);
    send(store, res, 'invoices', inv, b);
  });
  const subOf = inv => (inv.subscription ? subs.get(inv.subscription) : null);

  action('finalize', ['auto_advance'], (inv, b, at, req) => {
    if (inv.status !== 'draft') throw invalid(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, undefined, 'invoice_not_editable');
    boolP(b.auto_advance, 'auto_advance');
    E.finalizeInvoice(store, req, inv, at);
  });
  action('send', [], (inv, b, at, req) => {
    if (inv.collectionMethod !== 'send_invoice') throw invalid("You can only manually send an invoice if its collection method is 'send_invoice'.", undefined);
    if (inv.status === 'draft') E.finalizeInvoice(store, req, inv, at);
    // Stripe sends paid invoices too ("there will be no reference to the payment in the email").
    if (inv.status !== 'open' && inv.status !== 'paid') throw invalid(`You can only send an open or paid invoice. This invoice is ${inv.status}.`, undefined, 'invoice_not_editable');
    recordEvent(store, req, 'invoice.sent', 'invoices', inv, null, at);
  });
  action('void', [], (inv, b, at, req) => {
    if (inv.status !== 'open' && inv.status !== 'uncollectible') throw invalid(`You can only void an open or uncollectible invoice. This invoice is ${inv.status}.`, undefined, 'invoice_not_editable');
    const prev = { status: inv.status };
    inv.status = 'void'; inv.voidedAt = at; inv.nextPaymentAttempt = null;
    const pi = inv.paymentIntent && store.collection('payment_intents').get(inv.paymentIntent);
    if (pi && pi.status !== 'succeeded') { pi.status = 'canceled'; pi.canceledAt = at; pi.cancellationReason = 'void_invoice'; }
    recordEvent(store, req, 'invoice.voided', 'invoices', inv, prev, at);
  });
  action('mark_uncollectible', [], (inv, b, at, req) => {
    if (inv.status !== 'open') throw invalid(`You can only mark an open invoice as uncollectible. This invoice is ${inv.status}.`, undefined, 'invoice_not_editable');
    const prev = { status: inv.status };
    inv.status = 'uncollectible'; inv.uncollectibleAt = at; inv.nextPaymentAttempt = null;
    recordEvent(store, req, 'invoice.marked_uncollectible', 'invoices', inv, prev, at);
  });
  action('pay', ['paid_out_of_band', 'payment_method', 'forgive', 'off_session', 'source', 'mandate'], (inv, b, at, req) => {
    const oob = boolP(b.paid_out_of_band, 'paid_out_of_band');
    boolP(b.forgive, 'forgive'); boolP(b.off_session, 'off_session');
    if (inv.status === 'paid') throw invalid('Invoice is already paid', undefined, 'invoice_already_paid');
    if (inv.status === 'void') throw invalid('This invoice can no longer be paid because it is void.', undefined, 'invoice_not_editable');
    if (inv.status === 'draft') E.finalizeInvoice(store, req, inv, at);
    if (inv.status === 'paid') return;
    if (oob) { inv.paidOutOfBand = true; E.markPaid(store, req, inv, at, inv.amountDue != null ? inv.amountDue : inv.total); return; }
    const cus = customers.get(inv.customer);
    const sub = subOf(inv);
    const pm = b.payment_method || (sub && E.paymentMethodFor(store, sub)) || (cus && cus.defaultPm);
    if (b.payment_method && !E.resolvePm(store, cus, String(b.payment_method), at)) throw missing('payment_method', b.payment_method, 'payment_method');
    if (!pm) throw invalid('This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://docs.stripe.com/billing/subscriptions/payment-methods-setting#payment-method-priority.');
    // A card that declined this invoice keeps declining (same card_error and decline_code, one more
    // attempt); a different payment method is charged afresh (routes/dunning.js).
    const pmRec = E.resolvePm(store, cus, String(pm), at);
    const carried = carriedDecline(store, inv, pmRec);
    if (carried && pmRec && !pmRec.decline) pmRec.decline = carried;
    const out = E.attemptPayment(store, req, inv, String(pm), at);
    if (!out.ok) {
      if (sub && sub.status === 'active' && sub.latestInvoice === inv.id) E.setSub(store, req, sub, () => { sub.status = 'past_due'; }, at);
      throw new StripeError(402, out.error);
    }
  });

  // ---------------------------------------------------------------- subscription schedules
  function phaseFromSub(sub) {
    return { startDate: sub.items[0].periodStart, endDate: sub.items[0].periodEnd, currency: sub.currency,
      items: sub.items.map(i => ({ price: i.price, quantity: i.quantity })), prorationBehavior: 'create_prorations' };
  }
  r.get('/v1/subscription_schedules', (req, res) => {
    const q = req.query;
    res.json(listResponse(store, schedules, q, { kind: 'subscription_schedules', url: '/v1/subscription_schedules',
      predicate: s => (!q.customer || s.customer === q.customer) && (q.scheduled !== 'true' || s.status === 'not_started') }));
  });
  r.get('/v1/subscription_schedules/:id', (req, res) => res.json(retrieveResponse(store, 'subscription_schedules', req.params.id, req.query)));
  r.post('/v1/subscription_schedules', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['from_subscription', 'customer', 'phases', 'start_date', 'end_behavior', 'metadata', 'expand', 'default_settings']);
    const at = clock(store);
    if (!b.from_subscription) {
      throw invalid('The sandbox creates subscription schedules from an existing subscription only: pass from_subscription.', 'from_subscription', 'parameter_missing');
    }
    for (const k of ['customer', 'phases', 'start_date', 'end_behavior', 'default_settings']) {
      if (b[k] !== undefined) throw invalid(`You cannot set \`${k}\` if \`from_subscription\` is set.`, k);
    }
    const sub = getSub(String(b.from_subscription));
    if (!E.isLive(sub)) throw invalid('You cannot migrate a canceled subscription to a subscription schedule.', 'from_subscription');
    if (sub.schedule && schedules.get(sub.schedule) && schedules.get(sub.schedule).status === 'active') {
      throw invalid(`You cannot migrate a subscription that is already attached to a schedule: \`${sub.schedule}\`.`, 'from_subscription');
    }
    const sch = { id: runtimeId('sub_sched', 24), created: at, customer: sub.customer, subscription: sub.id, status: 'active', endBehavior: 'release',
      phases: [phaseFromSub(sub)], currentPhase: 0, metadata: metadataP(b.metadata), collectionMethod: sub.collectionMethod };
    schedules.insert(sch);
    E.setSub(store, req, sub, () => { sub.schedule = sch.id; }, at);
    recordEvent(store, req, 'subscription_schedule.created', 'subscription_schedules', sch, null, at);
    send(store, res, 'subscription_schedules', sch, b);
  });
  r.post('/v1/subscription_schedules/:id', (req, res) => {
    const sch = schedules.get(req.params.id);
    if (!sch) throw missing('subscription_schedule', req.params.id);
    const b = req.body || {};
    checkParams(b, ['phases', 'end_behavior', 'metadata', 'proration_behavior', 'expand', 'default_settings']);
    if (sch.status !== 'active' && sch.status !== 'not_started') throw invalid(`You cannot update a subscription schedule that is ${sch.status}.`, undefined);
    const at = clock(store);
    const before = render(store, 'subscription_schedules', sch, new Set());
    if (b.end_behavior !== undefined) sch.endBehavior = enumP(b.end_behavior, 'end_behavior', ['cancel', 'none', 'release', 'renew']);
    if (b.metadata !== undefined) sch.metadata = metadataP(b.metadata, sch.metadata);
    enumP(b.proration_behavior, 'proration_behavior', PRORATION);
    if (b.phases !== undefined) {
      const sub = subs.get(sch.subscription);
      const cur = sch.phases[sch.currentPhase || 0];
      let prevEnd = null;
      const phases = asArray(b.phases).map((ph, i) => {
        const P = n => `phases[${i}][${n}]`;
        const items = newItemsP(ph.items, P('items'));
        checkPrices(items, sub.currency, P('items'));
        let start;
        if (i === 0) {
          start = ph.start_date === undefined ? cur.startDate : ph.start_date === 'now' ? at : intP(ph.start_date, P('start_date'));
          if (start !== cur.startDate && sch.currentPhase === 0) throw invalid('You cannot change the `start_date` of the current phase.', P('start_date'));
        } else {
          if (ph.start_date !== undefined && intP(ph.start_date, P('start_date')) !== prevEnd) throw invalid('The `start_date` of a phase must be the `end_date` of the previous phase.', P('start_date'));
          start = prevEnd;
        }
        let end;
        if (ph.end_date !== undefined && ph.duration !== undefined) throw invalid('You may only specify one of these parameters: duration, end_date.', P('end_date'));
        if (ph.end_date !== undefined) end = ph.end_date === 'now' ? at : intP(ph.end_date, P('end_date'));
        else if (ph.duration !== undefined) {
          const iv = enumP(ph.duration.interval, P('duration][interval'), ['day', 'week', 'month', 'year']);
          const n = ph.duration.interval_count === undefined ? 1 : intP(ph.duration.interval_count, P('duration][interval_count'), { min: 1 });
          end = iv === 'day' ? start + n * E.DAY : iv === 'week' ? start + 7 * n * E.DAY : require('../dataset').addMonths(start, iv === 'year' ? 12 * n : n);
        } else end = E.nextEnd(sub, prices.get(items[0].price), start); // one billing period
        if (end <= start) throw invalid('The `end_date` of a phase must be after its `start_date`.', P('end_date'));
        if (i > 0 && end <= at) throw invalid('Phases in the past cannot be added.', P('end_date'));
        prevEnd = end;
        return { startDate: start, endDate: end, currency: sub.currency, items,
          prorationBehavior: enumP(ph.proration_behavior, P('proration_behavior'), PRORATION) || 'create_prorations' };
      });
      if (!phases.length) throw invalid('Missing required param: phases.', 'phases', 'parameter_missing');
      sch.phases = phases;
      sch.currentPhase = 0;
      // The current phase's items apply now (the subscription follows its schedule).
      const p0 = phases[0];
      if (sub && E.isLive(sub) && JSON.stringify(p0.items) !== JSON.stringify(sub.items.map(i => ({ price: i.price, quantity: i.quantity })))) {
        E.setSub(store, req, sub, () => {
          const next = updatedItemsFromPhase(sub, p0.items, at);
          const pr = sub.status === 'trialing' || (b.proration_behavior || 'create_prorations') === 'none' ? [] : E.prorationLines(store, sub, sub.items, next, at, sub.items[0].periodStart, sub.items[0].periodEnd);
          sub.items = next;
          if (pr.length) E.addPending(store, req, sub, pr, at);
        }, at);
      }
    }
    const after = render(store, 'subscription_schedules', sch, new Set());
    const prev = {};
    for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    recordEvent(store, req, 'subscription_schedule.updated', 'subscription_schedules', sch, prev, at);
    send(store, res, 'subscription_schedules', sch, b);
  });
  function updatedItemsFromPhase(sub, items, at) {
    return items.map((it, i) => {
      const old = sub.items.find(o => o.price === it.price) || sub.items[i];
      return { id: old ? old.id : runtimeId('si', 14), created: old ? old.created : at, price: it.price, quantity: it.quantity,
        periodStart: sub.items[0].periodStart, periodEnd: sub.items[0].periodEnd };
    });
  }
  r.post('/v1/subscription_schedules/:id/cancel', (req, res) => {
    const sch = schedules.get(req.params.id);
    if (!sch) throw missing('subscription_schedule', req.params.id);
    const b = req.body || {};
    checkParams(b, ['invoice_now', 'prorate', 'expand']);
    if (sch.status !== 'active' && sch.status !== 'not_started') throw invalid(`You cannot cancel a subscription schedule that is ${sch.status}.`, undefined);
    const at = clock(store);
    const sub = subs.get(sch.subscription);
    const prev = { status: sch.status };
    sch.status = 'canceled'; sch.canceledAt = at;
    recordEvent(store, req, 'subscription_schedule.canceled', 'subscription_schedules', sch, prev, at);
    if (sub && E.isLive(sub)) E.cancelNow(store, req, sub, { invoiceNow: boolP(b.invoice_now, 'invoice_now') !== false, prorate: boolP(b.prorate, 'prorate') !== false }, at);
    send(store, res, 'subscription_schedules', sch, b);
  });
  r.post('/v1/subscription_schedules/:id/release', (req, res) => {
    const sch = schedules.get(req.params.id);
    if (!sch) throw missing('subscription_schedule', req.params.id);
    const b = req.body || {};
    checkParams(b, ['preserve_cancel_date', 'expand']);
    if (sch.status !== 'active' && sch.status !== 'not_started') throw invalid(`You cannot release a subscription schedule that is currently in the \`${sch.status}\` status. It must be in one of the following statuses: \`not_started\`, \`active\`.`, undefined);
    const at = clock(store);
    const prev = { status: sch.status };
    sch.status = 'released'; sch.releasedAt = at; sch.releasedSubscription = sch.subscription;
    const sub = subs.get(sch.subscription);
    if (sub) E.setSub(store, req, sub, () => { sub.schedule = null; }, at);
    recordEvent(store, req, 'subscription_schedule.released', 'subscription_schedules', sch, prev, at);
    send(store, res, 'subscription_schedules', sch, b);
  });

  // ---------------------------------------------------------------- credit notes
  // What can still be credited on an invoice: pre-payment (open) = what is still due;
  // post-payment (paid) = what was paid minus the post-payment credit notes.
  function creditPlan(b, at) {
    checkParams(b, ['invoice', 'lines', 'amount', 'reason', 'refund_amount', 'credit_amount', 'out_of_band_amount', 'memo', 'metadata', 'expand',
      'effective_at', 'email_type', 'refunds']);
    if (!b.invoice) throw invalid('Missing required param: invoice.', 'invoice', 'parameter_missing');
    const inv = invoices.get(String(b.invoice));
    if (!inv) throw missing('invoice', b.invoice, 'invoice');
    if (inv.status !== 'open' && inv.status !== 'paid') throw invalid(`You can only create credit notes on open or paid invoices. This invoice is ${inv.status}.`, 'invoice');
    const reason = enumP(b.reason, 'reason', ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory']);
    const lines = [];
    asArray(b.lines).forEach((l, i) => {
      const P = n => `lines[${i}][${n}]`;
      const type = enumP(l.type, P('type'), ['invoice_line_item', 'custom_line_item']);
      if (!type) throw invalid(`Missing required param: ${P('type')}.`, P('type'), 'parameter_missing');
      if (type === 'invoice_line_item') {
        const il = inv.lines.find(x => x.id === l.invoice_line_item);
        if (!il) throw invalid(`Invalid invoice_line_item: ${l.invoice_line_item} is not a line of invoice ${inv.id}.`, P('invoice_line_item'));
        let amount;
        if (l.amount !== undefined) amount = intP(l.amount, P('amount'), { min: 0 });
        else if (l.quantity !== undefined) {
          const q = intP(l.quantity, P('quantity'), { min: 0 });
          if (q > il.quantity) throw invalid(`The quantity (${q}) cannot exceed the line item's quantity (${il.quantity}).`, P('quantity'));
          amount = E.prorate(il.amount, q, il.quantity || 1);
        } else amount = il.amount;
        const already = creditNotes.items.filter(c => c.invoice === inv.id && c.status === 'issued')
          .reduce((s, c) => s + c.lines.filter(x => x.invoiceLineItem === il.id).reduce((t, x) => t + x.amount, 0), 0);
        if (amount + already > il.amount) throw invalid(`The credit note line amount (${amount}) exceeds the line item's remaining amount (${il.amount - already}).`, P('amount'));
        lines.push({ id: runtimeId('cnli', 24), type, invoiceLineItem: il.id, amount, quantity: l.quantity !== undefined ? parseInt(l.quantity, 10) : il.quantity,
          description: l.description || il.description, unitAmount: null });
      } else {
        const q = l.quantity === undefined ? 1 : intP(l.quantity, P('quantity'), { min: 1 });
        const ua = intP(l.unit_amount, P('unit_amount'), { min: 0 });
        if (ua === undefined) throw invalid(`Missing required param: ${P('unit_amount')}.`, P('unit_amount'), 'parameter_missing');
        if (!l.description) throw invalid(`Missing required param: ${P('description')}.`, P('description'), 'parameter_missing');
        lines.push({ id: runtimeId('cnli', 24), type, amount: ua * q, quantity: q, unitAmount: ua, description: String(l.description) });
      }
    });
    let amount;
    if (b.amount !== undefined) {
      if (lines.length) throw invalid('You may only specify one of these parameters: amount, lines.', 'amount');
      amount = intP(b.amount, 'amount', { min: 1 });
      lines.push({ id: runtimeId('cnli', 24), type: 'custom_line_item', amount, quantity: 1, unitAmount: amount, description: b.memo || 'Credit' });
    } else amount = lines.reduce((s, l) => s + l.amount, 0);
    const refund = intP(b.refund_amount, 'refund_amount', { min: 0 });
    const credit = intP(b.credit_amount, 'credit_amount', { min: 0 });
    const oob = intP(b.out_of_band_amount, 'out_of_band_amount', { min: 0 });
    const type = inv.status === 'paid' ? 'post_payment' : 'pre_payment';
    const issued = creditNotes.items.filter(c => c.invoice === inv.id && c.status === 'issued');
    const used = issued.reduce((s, c) => s + c.amount, 0);
    const creditable = type === 'pre_payment' ? inv.amountDue - inv.amountPaid : inv.amountPaid - (inv.postCreditNotes || 0);
    if (amount <= 0) throw invalid('The credit note amount must be greater than zero.', 'amount');
    if (amount > creditable || amount + used > inv.total) {
      throw invalid(`The credit note amount (${amount}) exceeds the invoice's remaining creditable amount (${Math.max(0, Math.min(creditable, inv.total - used))}).`, b.amount !== undefined ? 'amount' : 'lines');
    }
    let split = { refund: refund || 0, credit: credit || 0, oob: oob || 0 };
    if (type === 'pre_payment') {
      if (refund || credit) throw invalid('refund_amount and credit_amount can only be set on a credit note for a paid invoice.', refund ? 'refund_amount' : 'credit_amount');
      if (split.oob > amount) throw invalid(`out_of_band_amount (${split.oob}) cannot exceed the credit note amount (${amount}).`, 'out_of_band_amount');
    } else {
      if (refund === undefined && credit === undefined && oob === undefined) split.credit = amount; // default: credit the customer's balance
      const sum = split.refund + split.credit + split.oob;
      if (sum !== amount) throw invalid(`The sum of credit amount, refund amount and out of band amount (${sum}) must equal the credit note amount (${amount}).`, 'refund_amount');
      if (split.refund) {
        const pi = inv.paymentIntent && store.collection('payment_intents').get(inv.paymentIntent);
        const ch = pi && pi.latestCharge && store.collection('charges').get(pi.latestCharge);
        if (!ch) throw invalid(`Invoice ${inv.id} has no charge to refund; use credit_amount or out_of_band_amount.`, 'refund_amount');
        const left = pi.amount - (ch.amountRefunded || 0);
        if (split.refund > left) throw invalid(`Refund amount (${split.refund}) is greater than unrefunded amount on charge (${left})`, 'refund_amount');
        split.charge = ch; split.pi = pi;
      }
    }
    const cus = customers.get(inv.customer);
    const n = issued.length + creditNotes.items.filter(c => c.invoice === inv.id && c.status === 'void').length + 1;
    const rec = { id: runtimeId('cn', 24), created: at, invoice: inv.id, customer: inv.customer, currency: inv.currency, amount, lines, type, reason: reason || null,
      memo: b.memo || null, metadata: metadataP(b.metadata), status: 'issued', outOfBand: split.oob || null, refunds: [],
      number: `${inv.number || (cus ? cus.invoicePrefix : 'CN')}-CN-${String(n).padStart(2, '0')}` };
    return { inv, rec, split, cus };
  }

  const previewCN = (req, res) => {
    const b = req.method === 'GET' ? req.query : (req.body || {});
    const { rec } = creditPlan(Object.assign({}, b), clock(store));
    rec.preview = true; rec.id = 'cn_preview_' + rec.id.slice(3);
    send(store, res, 'credit_notes', rec, b);
  };
  r.get('/v1/credit_notes/preview', previewCN);
  r.post('/v1/credit_notes/preview', previewCN);
  r.get('/v1/credit_notes/preview/lines', (req, res) => {
    const { rec } = creditPlan(Object.assign({}, req.query, { limit: undefined, starting_after: undefined }), clock(store));
    res.json({ object: 'list', data: rec.lines.map(l => creditNoteLine(store, rec, l)), has_more: false, url: '/v1/credit_notes/preview/lines' });
  });
  r.post('/v1/credit_notes', (req, res) => {
    const b = req.body || {};
    const at = clock(store);
    const { inv, rec, split, cus } = creditPlan(b, at);
    const before = render(store, 'invoices', inv, new Set());
    creditNotes.insert(rec);
    if (rec.type === 'pre_payment') {
      inv.preCreditNotes = (inv.preCreditNotes || 0) + rec.amount;
      inv.amountDue -= rec.amount;
    } else {
      inv.postCreditNotes = (inv.postCreditNotes || 0) + rec.amount;
      if (split.refund) {
        const ch = split.charge;
        const beforeCh = render(store, 'charges', ch, new Set());
        ch.amountRefunded = (ch.amountRefunded || 0) + split.refund;
        const re = store.collection('refunds').insert({ id: runtimeId('re', 24), created: at, amount: split.refund, charge: ch.id, paymentIntent: split.pi.id,
          currency: inv.currency, reason: rec.reason === 'duplicate' || rec.reason === 'fraudulent' ? rec.reason : 'requested_by_customer', metadata: {}, status: 'succeeded' });
        rec.refunds.push({ amount: split.refund, refund: re.id });
        recordEvent(store, req, 'refund.created', 'refunds', re, null, at);
        recordEvent(store, req, 'charge.refunded', 'charges', ch, { amount_refunded: beforeCh.amount_refunded, refunded: beforeCh.refunded }, at);
      }
      if (split.credit && cus) {
        const t = E.balanceTxn(store, req, cus, { amount: -split.credit, type: 'credit_note', creditNote: rec.id, invoice: inv.id, currency: inv.currency }, at);
        rec.balanceTxn = t.id;
      }
    }
    recordEvent(store, req, 'credit_note.created', 'credit_notes', rec, null, at);
    const after = render(store, 'invoices', inv, new Set());
    const prev = {};
    for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    recordEvent(store, req, 'invoice.updated', 'invoices', inv, prev, at);
    if (rec.type === 'pre_payment' && inv.status === 'open' && inv.amountDue - inv.amountPaid <= 0) E.markPaid(store, req, inv, at, inv.amountPaid);
    send(store, res, 'credit_notes', rec, b);
  });
  r.get('/v1/credit_notes', (req, res) => {
    const q = req.query;
    res.json(listResponse(store, creditNotes, q, { kind: 'credit_notes', url: '/v1/credit_notes',
      predicate: c => !c.preview && (!q.customer || c.customer === q.customer) && (!q.invoice || c.invoice === q.invoice) }));
  });
  r.get('/v1/credit_notes/:id', (req, res) => res.json(retrieveResponse(store, 'credit_notes', req.params.id, req.query)));
  r.get('/v1/credit_notes/:id/lines', (req, res) => {
    const cn = creditNotes.get(req.params.id);
    if (!cn) throw missing('credit_note', req.params.id);
    res.json({ object: 'list', data: cn.lines.map(l => creditNoteLine(store, cn, l)), has_more: false, url: `/v1/credit_notes/${cn.id}/lines` });
  });
  r.post('/v1/credit_notes/:id/void', (req, res) => {
    const cn = creditNotes.get(req.params.id);
    if (!cn) throw missing('credit_note', req.params.id);
    const b = req.body || {};
    checkParams(b, ['expand']);
    if (cn.status === 'void') throw invalid('This credit note has already been voided.', undefined);
    const at = clock(store);
    const inv = invoices.get(cn.invoice);
    const cus = customers.get(cn.customer);
    if (cn.type === 'pre_payment') {
      if (inv.status !== 'open') throw invalid('You can only void a pre-payment credit note while its invoice is open.', undefined);
      inv.preCreditNotes -= cn.amount; inv.amountDue += cn.amount;
    } else {
      if (cn.refunds.length) throw invalid('A credit note with a refund cannot be voided.', undefined);
      inv.postCreditNotes -= cn.amount;
      if (cn.balanceTxn && cus) {
        const t = cbtxns.get(cn.balanceTxn);
        E.balanceTxn(store, req, cus, { amount: -t.amount, type: 'credit_note', creditNote: cn.id, invoice: inv.id, currency: cn.currency }, at);
      }
    }
    cn.status = 'void'; cn.voidedAt = at;
    recordEvent(store, req, 'credit_note.voided', 'credit_notes', cn, { status: 'issued', voided_at: null }, at);
    send(store, res, 'credit_notes', cn, b);
  });

  // ---------------------------------------------------------------- customer balance transactions
  r.get('/v1/customers/:id/balance_transactions', (req, res) => {
    const cus = getCus(req.params.id, 'id');
    const q = req.query;
    res.json(listResponse(store, cbtxns, q, { kind: 'customer_balance_transactions', url: `/v1/customers/${cus.id}/balance_transactions`,
      predicate: t => t.customer === cus.id && (!q.invoice || t.invoice === q.invoice) }));
  });
  r.get('/v1/customers/:id/balance_transactions/:txn', (req, res) => {
    const cus = getCus(req.params.id, 'id');
    const t = cbtxns.get(req.params.txn);
    if (!t || t.customer !== cus.id) throw missing('customer balance transaction', req.params.txn);
    res.json(retrieveResponse(store, 'customer_balance_transactions', t.id, req.query));
  });
  r.post('/v1/customers/:id/balance_transactions', (req, res) => {
    const cus = getCus(req.params.id, 'id');
    const b = req.body || {};
    checkParams(b, ['amount', 'currency', 'description', 'metadata', 'expand']);
    if (b.amount === undefined) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
    if (!b.currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    const amount = intP(b.amount, 'amount', { allowNeg: true });
    if (amount === 0) throw invalid('The amount must be non-zero.', 'amount');
    const currency = String(b.currency).toLowerCase();
    if (cus.currency && cus.currency !== currency) throw invalid(`The currency ${currency} must match the customer's currency ${cus.currency}.`, 'currency');
    if (!cus.currency) cus.currency = currency;
    const t = E.balanceTxn(store, req, cus, { amount, type: 'adjustment', currency, description: b.description || null, metadata: metadataP(b.metadata) }, clock(store));
    send(store, res, 'customer_balance_transactions', t, b);
  });
  r.post('/v1/customers/:id/balance_transactions/:txn', (req, res) => {
    const cus = getCus(req.params.id, 'id');
    const t = cbtxns.get(req.params.txn);
    if (!t || t.customer !== cus.id) throw missing('customer balance transaction', req.params.txn);
    const b = req.body || {};
    checkParams(b, ['description', 'metadata', 'expand']);
    if (b.description !== undefined) t.description = b.description || null;
    if (b.metadata !== undefined) t.metadata = metadataP(b.metadata, t.metadata);
    send(store, res, 'customer_balance_transactions', t, b);
  });

  return r;
};
