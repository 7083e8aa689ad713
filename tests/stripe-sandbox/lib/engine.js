'use strict';
// Billing engine for the subscription lifecycle: proration arithmetic, invoices built from
// subscriptions (discounts, customer balance), payment attempts (with declines), renewals and the
// scheduled transitions the sandbox clock runs (trial end, pause resume, cancel_at, schedule
// phases). Everything here works on the compact records of store.js; routes/lifecycle.js maps
// the HTTP parameters onto it.
const { render } = require('./render');
const { recordEvent, clock } = require('./events');
const { runtimeId } = require('./prng');
const { addMonths, tieredAmount } = require('../dataset');

const DAY = 86400;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const fmtDate = t => { const d = new Date(t * 1000); return `${String(d.getUTCDate()).padStart(2, '0')} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`; };

// Stripe's test payment methods (pm_card_*) and the decline each one produces.
const TEST_PMS = {
  pm_card_visa: null, pm_card_mastercard: null, pm_card_amex: null,
  pm_card_chargeDeclined: ['card_declined', 'generic_decline', 'Your card was declined.'],
  pm_card_chargeDeclinedInsufficientFunds: ['card_declined', 'insufficient_funds', 'Your card has insufficient funds.'],
  pm_card_chargeDeclinedLostCard: ['card_declined', 'lost_card', 'Your card was declined.'],
  pm_card_chargeDeclinedStolenCard: ['card_declined', 'stolen_card', 'Your card was declined.'],
  pm_card_chargeDeclinedFraudulent: ['card_declined', 'fraudulent', 'Your card was declined.'],
  pm_card_chargeDeclinedExpiredCard: ['expired_card', null, 'Your card has expired.'],
  pm_card_chargeDeclinedIncorrectCvc: ['incorrect_cvc', null, "Your card's security code is incorrect."],
  pm_card_chargeDeclinedProcessingError: ['processing_error', null, 'An error occurred while processing your card. Try again in a little bit.'],
  pm_card_chargeCustomerFail: ['card_declined', 'generic_decline', 'Your card was declined.'],
};
const DECLINE_MESSAGES = { insufficient_funds: 'Your card has insufficient funds.' };

// round(full * remaining / period), half away from zero, in integer arithmetic (no float drift).
function prorate(full, remaining, period) {
  if (period <= 0) return 0;
  const neg = full < 0;
  const num = BigInt(Math.abs(full)) * BigInt(remaining);
  const den = BigInt(period);
  const v = Number((2n * num + den) / (2n * den));
  return neg ? -v : v;
}

const priceOf = (store, id) => store.collection('prices').get(id);
const productName = (store, price) => { const p = store.collection('products').get(price.product); return p ? p.name : price.product; };
function fullAmount(price, qty) { return price.billingScheme === 'tiered' ? tieredAmount(price.tiers, qty) : price.unitAmount * qty; }
function intervalMonths(price) { return (price.interval === 'year' ? 12 : 1) * (price.intervalCount || 1); }
function anchorDay(sub) { return new Date(sub.billingCycleAnchor * 1000).getUTCDate(); }
function nextEnd(sub, price, start) { return addMonths(start, intervalMonths(price), anchorDay(sub)); }
const isLive = s => s.status !== 'canceled' && s.status !== 'incomplete_expired';

// Proration lines (specs) for replacing `oldItems` by `newItems` at time t within [ps, pe).
// Each changed item gets a credit for the unused time of what it was and a charge for the
// remaining time of what it becomes, each rounded on its own.
function prorationLines(store, sub, oldItems, newItems, t, ps, pe) {
  const out = [];
  const remaining = Math.max(0, pe - t), period = pe - ps;
  if (remaining <= 0) return out;
  const byId = new Map(oldItems.map(i => [i.id, i]));
  const seen = new Set();
  for (const ni of newItems) {
    const oi = byId.get(ni.id);
    if (oi) seen.add(oi.id);
    if (oi && oi.price === ni.price && oi.quantity === ni.quantity) continue;
    if (oi) out.push(credit(oi));
    out.push(charge(ni));
  }
  for (const oi of oldItems) if (!seen.has(oi.id)) out.push(credit(oi)); // deleted items
  return out;

  function credit(it) {
    const p = priceOf(store, it.price);
    return { amount: -prorate(fullAmount(p, it.quantity), remaining, period), price: p.id, quantity: it.quantity, siId: it.id, proration: true,
      periodStart: t, periodEnd: pe, unitAmountDecimal: p.billingScheme === 'tiered' ? null : String(p.unitAmount),
      description: `Unused time on ${it.quantity} × ${productName(store, p)} after ${fmtDate(t)}` };
  }
  function charge(it) {
    const p = priceOf(store, it.price);
    return { amount: prorate(fullAmount(p, it.quantity), remaining, period), price: p.id, quantity: it.quantity, siId: it.id, proration: true,
      periodStart: t, periodEnd: pe, unitAmountDecimal: p.billingScheme === 'tiered' ? null : String(p.unitAmount),
      description: `Remaining time on ${it.quantity} × ${productName(store, p)} after ${fmtDate(t)}` };
  }
}

// Credit for the unused time of every item (cancellation with prorate, cancel_at mid-period).
function creditLines(store, sub, t, ps, pe) { return prorationLines(store, sub, sub.items, [], t, ps, pe); }

// The recurring lines of a period.
function periodLines(store, sub, items, ps, pe) {
  return items.map(it => {
    const p = priceOf(store, it.price);
    return { amount: fullAmount(p, it.quantity), price: p.id, quantity: it.quantity, siId: it.id, proration: false, periodStart: ps, periodEnd: pe,
      unitAmountDecimal: p.billingScheme === 'tiered' ? null : String(p.unitAmount),
      description: `${it.quantity} × ${productName(store, p)} (at ${p.billingScheme === 'tiered' ? 'tiered' : p.unitAmount} / ${p.interval})` };
  });
}

function trialLines(store, sub, items, ps, pe) {
  return items.map(it => {
    const p = priceOf(store, it.price);
    return { amount: 0, price: p.id, quantity: it.quantity, siId: it.id, proration: false, periodStart: ps, periodEnd: pe,
      unitAmountDecimal: p.billingScheme === 'tiered' ? null : String(p.unitAmount), description: `Trial period for ${productName(store, p)}` };
  });
}

// Discount amount of one discount on a discountable subtotal.
function discountAmount(store, d, currency, base) {
  const c = store.collection('coupons').get(d.coupon);
  if (!c || base <= 0) return 0;
  if (c.percentOff != null) return Math.min(base, prorate(base, Math.round(c.percentOff * 100), 10000));
  let off = c.currency === currency ? c.amountOff : (c.currencyOptions && c.currencyOptions[currency] ? c.currencyOptions[currency].amount_off : 0);
  return Math.min(base, off || 0);
}

// Discounts still in force at time t (once: until used; repeating: until end).
function activeDiscounts(sub, t) { return (sub.discounts || []).filter(d => !(d.end && d.end <= t) && !d.used); }

/**
 * An invoice record (not stored) for `sub` with `lines` (specs), the sub's discounts and the
 * pending invoice items `pending` (records of invoiceitems) appended as lines.
 */
function buildInvoice(store, sub, lines, opts) {
  const at = opts.at;
  const id = opts.preview ? 'upcoming_' + runtimeId('in', 24) : runtimeId('in', 24);
  const all = lines.map(l => Object.assign({ id: runtimeId(opts.preview ? 'il_tmp' : 'il', 24) }, l));
  for (const ii of opts.pending || []) {
    all.push({ id: runtimeId(opts.preview ? 'il_tmp' : 'il', 24), amount: ii.amount, price: ii.price, quantity: ii.quantity, siId: ii.siId,
      proration: ii.proration, invoiceItem: opts.preview ? null : ii.id, periodStart: ii.periodStart, periodEnd: ii.periodEnd,
      unitAmountDecimal: ii.unitAmountDecimal, description: ii.description });
  }
  const subtotal = all.reduce((s, l) => s + l.amount, 0);
  const discounts = opts.discounts || activeDiscounts(sub, at);
  const discountable = all.filter(l => !l.proration).reduce((s, l) => s + l.amount, 0);
  const discountAmounts = [];
  let remaining = discountable;
  for (const d of discounts) {
    const a = discountAmount(store, d, sub.currency, remaining);
    discountAmounts.push({ amount: a, discount: d.id });
    remaining -= a;
  }
  // Spread each discount over the discountable lines (proportionally, the last line takes the rest).
  const dl = all.filter(l => !l.proration && l.amount > 0);
  for (const da of discountAmounts) {
    let left = da.amount;
    dl.forEach((l, k) => {
      const part = k === dl.length - 1 ? left : prorate(da.amount, l.amount, discountable);
      left -= part;
      (l.discountAmounts = l.discountAmounts || []).push({ amount: part, discount: da.discount });
    });
  }
  const total = subtotal - discountAmounts.reduce((s, d) => s + d.amount, 0);
  const rec = { id, created: at, customer: sub.customer, subscription: sub.id, currency: sub.currency, billingReason: opts.billingReason,
    collectionMethod: sub.collectionMethod, subtotal, total, amountDue: total, amountPaid: 0, attemptCount: 0,
    periodStart: opts.periodStart != null ? opts.periodStart : at, periodEnd: opts.periodEnd != null ? opts.periodEnd : at,
    lines: all, status: 'draft', discounts: discounts.map(d => d.id), discountAmounts, preview: !!opts.preview };
  if (opts.preview) {
    // What the customer balance would do at finalization.
    const cus = store.collection('customers').get(sub.customer);
    const bal = cus ? cus.balance || 0 : 0;
    rec.startingBalance = bal;
    const applied = total > 0 ? (bal < 0 ? Math.max(bal, -total) : bal) : 0;
    rec.amountDue = total > 0 ? total + applied : 0;
    rec.endingBalance = total > 0 ? bal - applied : bal + total;
  }
  return rec;
}

function pendingItems(store, subId) {
  return store.collection('invoiceitems').items.filter(ii => ii.subscription === subId && !ii.invoice && !ii.deleted).reverse();
}

// Stores `inv`, marks the pending items as invoiced, records invoice.created, and uses up
// once-coupons.
function insertInvoice(store, req, sub, inv, at) {
  delete inv.preview;
  store.collection('invoices').insert(inv);
  for (const l of inv.lines) if (l.invoiceItem) { const ii = store.collection('invoiceitems').get(l.invoiceItem); if (ii) ii.invoice = inv.id; }
  for (const id of inv.discounts) {
    const d = (sub.discounts || []).find(x => x.id === id);
    if (d && d.duration === 'once') d.used = true;
  }
  if (sub.discounts) sub.discounts = sub.discounts.filter(d => !d.used);
  sub.latestInvoice = inv.id;
  recordEvent(store, req, 'invoice.created', 'invoices', inv, null, at);
  return inv;
}

function balanceTxn(store, req, cus, fields, at) {
  const prev = cus.balance || 0;
  cus.balance = prev + fields.amount;
  const rec = Object.assign({ id: runtimeId('cbtxn', 24), created: at, customer: cus.id, currency: fields.currency || cus.currency || 'usd',
    endingBalance: cus.balance, metadata: {} }, fields);
  store.collection('customer_balance_transactions').insert(rec);
  recordEvent(store, req, 'customer.updated', 'customers', cus, { balance: prev }, at);
  return rec;
}

// Draft -> open (number, customer balance applied), or paid when nothing is due.
function finalizeInvoice(store, req, inv, at) {
  const cus = store.collection('customers').get(inv.customer);
  inv.finalizedAt = at;
  if (cus) {
    inv.number = `${cus.invoicePrefix}-${String(cus.nextInvoiceSequence || 1).padStart(4, '0')}`;
    cus.nextInvoiceSequence = (cus.nextInvoiceSequence || 1) + 1;
    const bal = cus.balance || 0;
    inv.startingBalance = bal;
    if (inv.total > 0 && bal !== 0) {
      const applied = bal < 0 ? Math.max(bal, -inv.total) : bal; // credit (negative) or debt (positive)
      inv.amountDue = inv.total + applied;
      balanceTxn(store, req, cus, { amount: -applied, type: 'applied_to_invoice', invoice: inv.id, currency: inv.currency }, at);
    } else if (inv.total < 0) {
      inv.amountDue = 0; // a credit invoice adds to the customer's credit balance
      balanceTxn(store, req, cus, { amount: inv.total, type: 'applied_to_invoice', invoice: inv.id, currency: inv.currency }, at);
    } else inv.amountDue = inv.total;
    inv.endingBalance = cus.balance;
  }
  if (inv.collectionMethod === 'send_invoice' && !inv.dueDate) {
    const sub = inv.subscription ? store.collection('subscriptions').get(inv.subscription) : null;
    inv.dueDate = at + ((sub && sub.daysUntilDue) || 30) * DAY;
  }
  inv.status = 'open';
  recordEvent(store, req, 'invoice.finalized', 'invoices', inv, { status: 'draft' }, at);
  if (inv.amountDue <= 0) markPaid(store, req, inv, at, 0);
  return inv;
}

function markPaid(store, req, inv, at, amount) {
  const prev = { status: inv.status, amount_paid: inv.amountPaid };
  inv.status = 'paid'; inv.amountPaid = amount; inv.paidAt = at; inv.nextPaymentAttempt = null;
  recordEvent(store, req, 'invoice.paid', 'invoices', inv, prev, at);
  recordEvent(store, req, 'invoice.payment_succeeded', 'invoices', inv, null, at);
  const sub = inv.subscription ? store.collection('subscriptions').get(inv.subscription) : null;
  if (sub && (sub.status === 'past_due' || sub.status === 'incomplete' || sub.status === 'unpaid') && sub.latestInvoice === inv.id) {
    setSub(store, req, sub, () => { sub.status = 'active'; }, at);
  }
}

// A payment method id usable for `cus`: a stored card, or one of Stripe's pm_card_* tokens
// (attached on first use, as a card carrying the token's decline).
function resolvePm(store, cus, pmId, at) {
  if (!pmId) return null;
  const pms = store.collection('payment_methods');
  const rec = pms.get(pmId);
  if (rec) return rec.customer === cus.id ? rec : null;
  if (!(pmId in TEST_PMS)) return null;
  const key = cus.id + ':' + pmId;
  const existing = pms.items.find(p => p.token === key);
  if (existing) return existing;
  const decl = TEST_PMS[pmId];
  const card = { id: runtimeId('pm', 24), created: at || clock(store), customer: cus.id, brand: pmId.includes('mastercard') ? 'mastercard' : pmId.includes('amex') ? 'amex' : 'visa',
    last4: decl ? '0002' : '4242', expMonth: 12, expYear: 2034, funding: 'credit', country: 'US', name: cus.name, email: cus.email,
    fingerprint: 'fp' + pmId.slice(8, 20), address: {}, token: key, decline: decl };
  pms.insert(card);
  return card;
}

// The decline a charge of `cus` with `pm` gets, or null: the card's token decline, else the
// customer's metadata[sandbox_decline] (a decline code, e.g. insufficient_funds).
function declineFor(cus, pm) {
  if (pm && pm.decline) return pm.decline;
  const code = cus && cus.metadata && cus.metadata.sandbox_decline;
  if (code) return code === 'expired_card' ? ['expired_card', null, 'Your card has expired.'] : ['card_declined', code, DECLINE_MESSAGES[code] || 'Your card was declined.'];
  return null;
}

/** One payment attempt of an open invoice. -> {ok} or {ok:false, error} (a Stripe card_error). */
function attemptPayment(store, req, inv, pmId, at) {
  const cus = store.collection('customers').get(inv.customer);
  const pm = resolvePm(store, cus, pmId, at);
  inv.attemptCount = (inv.attemptCount || 0) + 1;
  // Demo-dataset invoices carry only their total (render.js reads amount_due the same way).
  if (inv.amountDue == null) inv.amountDue = inv.total;
  const amount = inv.amountDue - (inv.amountPaid || 0);
  const decl = declineFor(cus, pm);
  const piId = runtimeId('pi', 24);
  const pi = { id: piId, created: at, customer: inv.customer, invoice: inv.id, amount, currency: inv.currency, paymentMethod: pm ? pm.id : null,
    description: 'Subscription update', amountReceived: 0, status: 'requires_payment_method' };
  const pay = { id: runtimeId('inpay', 24), created: at, invoice: inv.id, paymentIntent: piId, amountRequested: amount, amountPaid: null,
    currency: inv.currency, status: 'open' };
  if (decl) {
    const chId = runtimeId('ch', 24);
    pi.lastError = { code: decl[0], decline_code: decl[1], message: decl[2], charge: chId };
    store.collection('payment_intents').insert(pi);
    store.collection('invoice_payments').insert(pay);
    inv.paymentIntent = piId;
    inv.nextPaymentAttempt = inv.collectionMethod === 'charge_automatically' && inv.attemptCount < 4 ? at + 3 * DAY : null;
    recordEvent(store, req, 'payment_intent.payment_failed', 'payment_intents', pi, null, at);
    recordEvent(store, req, 'invoice.payment_failed', 'invoices', inv, null, at);
    const error = { type: 'card_error', code: decl[0], message: decl[2], charge: chId, payment_intent: render(store, 'payment_intents', pi, new Set()),
      doc_url: 'https://docs.stripe.com/error-codes/' + decl[0].replace(/_/g, '-') };
    if (decl[1]) error.decline_code = decl[1];
    return { ok: false, error };
  }
  pi.status = 'succeeded'; pi.amountReceived = amount; pi.latestCharge = runtimeId('ch', 24);
  store.collection('payment_intents').insert(pi);
  store.collection('charges').insert({ id: pi.latestCharge, created: at, paymentIntent: pi.id, amountRefunded: 0 });
  Object.assign(pay, { amountPaid: amount, status: 'paid', paidAt: at });
  store.collection('invoice_payments').insert(pay);
  inv.paymentIntent = piId;
  recordEvent(store, req, 'payment_intent.succeeded', 'payment_intents', pi, null, at);
  recordEvent(store, req, 'charge.succeeded', 'charges', store.collection('charges').get(pi.latestCharge), null, at);
  markPaid(store, req, inv, at, inv.amountDue);
  return { ok: true };
}

function paymentMethodFor(store, sub) {
  if (sub.defaultPm) return sub.defaultPm;
  const cus = store.collection('customers').get(sub.customer);
  return cus ? cus.defaultPm || null : null;
}

// Finalizes and collects a subscription invoice as Stripe's automatic collection does:
// charge_automatically -> one attempt with the default payment method; send_invoice -> open
// with a due date. -> {ok, error?}
function collect(store, req, sub, inv, at) {
  finalizeInvoice(store, req, inv, at);
  if (inv.status !== 'open' || inv.collectionMethod !== 'charge_automatically') return { ok: true };
  const pm = paymentMethodFor(store, sub);
  if (!pm) return { ok: false, error: null };
  return attemptPayment(store, req, inv, pm, at);
}

// Applies `fn` to `sub` and records customer.subscription.updated with previous_attributes.
function setSub(store, req, sub, fn, at, type = 'customer.subscription.updated') {
  const before = render(store, 'subscriptions', sub, new Set());
  fn();
  const after = render(store, 'subscriptions', sub, new Set());
  const prev = {};
  for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
  if (type !== 'customer.subscription.updated' || Object.keys(prev).length) recordEvent(store, req, type, 'subscriptions', sub, Object.keys(prev).length ? prev : null, at);
  return prev;
}

// Stores proration specs as pending invoice items of the subscription.
function addPending(store, req, sub, lines, at) {
  return lines.map(l => {
    const ii = { id: runtimeId('ii', 24), created: at, customer: sub.customer, subscription: sub.id, currency: sub.currency, amount: l.amount,
      price: l.price, quantity: l.quantity, siId: l.siId, proration: !!l.proration, periodStart: l.periodStart, periodEnd: l.periodEnd,
      unitAmountDecimal: l.unitAmountDecimal, description: l.description, invoice: null };
    store.collection('invoiceitems').insert(ii);
    recordEvent(store, req, 'invoiceitem.created', 'invoiceitems', ii, null, at);
    return ii;
  });
}

// Cancels now: status canceled, ended_at; optional prorated credit and final invoice.
function cancelNow(store, req, sub, opts, at) {
  const ps = sub.items[0].periodStart, pe = sub.items[0].periodEnd;
  let invoice = null;
  setSub(store, req, sub, () => {
    if (opts.prorate && sub.status !== 'trialing') addPending(store, req, sub, creditLines(store, sub, at, ps, pe), at);
    if (opts.invoiceNow) {
      const pending = pendingItems(store, sub.id);
      if (pending.length) {
        invoice = insertInvoice(store, req, sub, buildInvoice(store, sub, [], { at, billingReason: 'subscription_cycle', pending, periodStart: ps, periodEnd: at }), at);
        collect(store, req, sub, invoice, at);
      }
    }
    Object.assign(sub, { status: 'canceled', canceledAt: sub.canceledAt && sub.cancelAt ? sub.canceledAt : at, endedAt: at,
      cancellationReason: opts.reason || 'cancellation_requested' });
    if (opts.comment !== undefined) sub.cancellationComment = opts.comment;
    if (opts.feedback !== undefined) sub.cancellationFeedback = opts.feedback;
    sub.cancelAtPeriodEnd = false;
  }, at, 'customer.subscription.deleted');
  if (sub.schedule) {
    const sch = store.collection('subscription_schedules').get(sub.schedule);
    if (sch && (sch.status === 'active' || sch.status === 'not_started')) {
      sch.status = 'canceled'; sch.canceledAt = at;
      recordEvent(store, req, 'subscription_schedule.canceled', 'subscription_schedules', sch, { status: 'active' }, at);
    }
  }
  return invoice;
}

// A new period for the subscription: invoice with the period's lines and the pending items,
// collected unless collection is paused.
function renew(store, req, sub, at) {
  const price = priceOf(store, sub.items[0].price);
  const ps = sub.items[0].periodEnd;
  const pe = nextEnd(sub, price, ps);
  let result = null;
  setSub(store, req, sub, () => {
    for (const it of sub.items) { it.periodStart = ps; it.periodEnd = pe; }
    const inv = insertInvoice(store, req, sub, buildInvoice(store, sub, periodLines(store, sub, sub.items, ps, pe),
      { at: ps, billingReason: 'subscription_cycle', pending: pendingItems(store, sub.id), periodStart: ps - (pe - ps), periodEnd: ps }), ps);
    const pc = sub.pauseCollection;
    if (pc) {
      if (pc.behavior === 'keep_as_draft') { /* stays a draft */ } else {
        finalizeInvoice(store, req, inv, ps);
        if (inv.status === 'open') {
          const prev = { status: 'open' };
          if (pc.behavior === 'void') { inv.status = 'void'; inv.voidedAt = ps; recordEvent(store, req, 'invoice.voided', 'invoices', inv, prev, ps); } else { inv.status = 'uncollectible'; inv.uncollectibleAt = ps; recordEvent(store, req, 'invoice.marked_uncollectible', 'invoices', inv, prev, ps); }
        }
      }
      return;
    }
    result = collect(store, req, sub, inv, ps);
    if (!result.ok && sub.status === 'active') sub.status = 'past_due';
  }, ps);
  return result;
}

// Ends the trial at `at` (trial_end=now, or the clock reaching trial_end).
function endTrial(store, req, sub, at, fromClock) {
  const pm = paymentMethodFor(store, sub);
  if (fromClock && !pm && sub.trialEndBehavior === 'cancel') {
    return cancelNow(store, req, sub, { reason: 'cancellation_requested' }, at);
  }
  if (fromClock && !pm && sub.trialEndBehavior === 'pause') {
    return setSub(store, req, sub, () => { sub.status = 'paused'; }, at, 'customer.subscription.paused');
  }
  const price = priceOf(store, sub.items[0].price);
  setSub(store, req, sub, () => {
    sub.trialEnd = at; sub.billingCycleAnchor = at; sub.status = 'active';
    const pe = nextEnd(sub, price, at);
    for (const it of sub.items) { it.periodStart = at; it.periodEnd = pe; }
    const inv = insertInvoice(store, req, sub, buildInvoice(store, sub, periodLines(store, sub, sub.items, at, pe),
      { at, billingReason: fromClock ? 'subscription_cycle' : 'subscription_update', pending: pendingItems(store, sub.id), periodStart: at, periodEnd: at }), at);
    const r = collect(store, req, sub, inv, at);
    if (!r.ok) sub.status = 'past_due';
  }, at);
  return null;
}

// Applies phase k of a schedule to its subscription (items; no proration at a phase boundary).
function applyPhase(store, req, sch, k, at) {
  const sub = store.collection('subscriptions').get(sch.subscription);
  sch.currentPhase = k;
  if (!sub || !isLive(sub)) return;
  const ph = sch.phases[k];
  setSub(store, req, sub, () => {
    const ps = sub.items[0].periodStart, pe = sub.items[0].periodEnd;
    sub.items = ph.items.map((it, i) => {
      const old = sub.items.find(o => o.price === it.price) || sub.items[i];
      return { id: old ? old.id : runtimeId('si', 14), created: old ? old.created : at, price: it.price, quantity: it.quantity, periodStart: ps, periodEnd: pe };
    });
  }, at);
  recordEvent(store, req, 'subscription_schedule.updated', 'subscription_schedules', sch, { current_phase: null }, at);
}

function endSchedule(store, req, sch, at) {
  const sub = store.collection('subscriptions').get(sch.subscription);
  if (sch.endBehavior === 'cancel' && sub && isLive(sub)) {
    sch.status = 'completed'; sch.completedAt = at;
    cancelNow(store, req, sub, {}, at);
    recordEvent(store, req, 'subscription_schedule.completed', 'subscription_schedules', sch, { status: 'active' }, at);
  } else {
    sch.status = 'released'; sch.releasedAt = at; sch.releasedSubscription = sch.subscription;
    if (sub) setSub(store, req, sub, () => { sub.schedule = null; }, at);
    recordEvent(store, req, 'subscription_schedule.released', 'subscription_schedules', sch, { status: 'active' }, at);
  }
}

/**
 * The sandbox clock moved to `now`: run every transition that became due, oldest first, each at
 * its own time (renewals, trial ends, pause resumes, cancel_at, schedule phases).
 * Deterministic: transitions by time, then kind, then subscription id. `only`: just that
 * subscription (catch-up before a write touches it).
 */
function processDue(store, now, only) {
  const counts = {};
  const bump = k => { counts[k] = (counts[k] || 0) + 1; };
  const schedules = store.collection('subscription_schedules');
  // The next due transition of a subscription: [time, priority, kind] or null.
  const nextDue = sub => {
    if (!isLive(sub)) return null;
    const cands = [];
    const sch = sub.schedule ? schedules.get(sub.schedule) : null;
    if (sch && sch.status === 'active') {
      const ph = sch.phases[sch.currentPhase || 0];
      if (ph && ph.endDate && ph.endDate <= now) cands.push([ph.endDate, 0, 'phase']);
    }
    if (sub.cancelAt && sub.cancelAt <= now) cands.push([sub.cancelAt, 1, 'cancel']);
    if (sub.status === 'incomplete' && sub.created + 23 * 3600 <= now) cands.push([sub.created + 23 * 3600, 1, 'expire']);
    if (sub.status === 'trialing' && sub.trialEnd && sub.trialEnd <= now) cands.push([sub.trialEnd, 2, 'trial']);
    if (sub.pauseCollection && sub.pauseCollection.resumes_at && sub.pauseCollection.resumes_at <= now) cands.push([sub.pauseCollection.resumes_at, 3, 'resume']);
    if ((sub.status === 'active' || sub.status === 'past_due' || sub.status === 'unpaid') && sub.items[0].periodEnd <= now) cands.push([sub.items[0].periodEnd, 4, 'renew']);
    if (!cands.length) return null;
    cands.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return cands[0];
  };
  // All transitions in time order across subscriptions (then priority, then subscription id), so
  // records are inserted newest-last like in real time and the run is deterministic.
  const heap = [];
  const less = (a, b) => a[0] - b[0] || a[1] - b[1] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0);
  const push = x => { heap.push(x); let i = heap.length - 1; while (i > 0) { const p = (i - 1) >> 1; if (less(heap[i], heap[p]) >= 0) break; [heap[i], heap[p]] = [heap[p], heap[i]]; i = p; } };
  const pop = () => {
    const top = heap[0], last = heap.pop();
    if (heap.length) { heap[0] = last; let i = 0; for (;;) { const l = 2 * i + 1, r = l + 1; let m = i; if (l < heap.length && less(heap[l], heap[m]) < 0) m = l; if (r < heap.length && less(heap[r], heap[m]) < 0) m = r; if (m === i) break; [heap[i], heap[m]] = [heap[m], heap[i]]; i = m; } }
    return top;
  };
  const enqueue = sub => { const d = nextDue(sub); if (d) push([d[0], d[1], d[2], sub.id, sub]); };
  for (const sub of only ? [only] : store.collection('subscriptions').items) enqueue(sub);
  const big = ['events', 'invoices', 'payment_intents', 'charges', 'invoice_payments'].map(n => store.collection(n));
  big.forEach(c => c.beginBatch());
  try { run(); } finally { big.forEach(c => c.endBatch()); }
  return counts;

  function run() {
  let steps = 0;
  while (heap.length && steps++ < 10000000) {
    const [at, , what, , sub] = pop();
    const cur = nextDue(sub);
    if (!cur || cur[0] !== at || cur[2] !== what) { if (cur) enqueue(sub); continue; } // stale entry
    const sch = sub.schedule ? schedules.get(sub.schedule) : null;
    if (what === 'phase') {
      const k = (sch.currentPhase || 0) + 1;
      if (k < sch.phases.length) applyPhase(store, null, sch, k, at); else endSchedule(store, null, sch, at);
      bump('schedule_phase');
    } else if (what === 'expire') {
      // An incomplete subscription whose first invoice was not paid within 23 hours.
      const inv = sub.latestInvoice && store.collection('invoices').get(sub.latestInvoice);
      if (inv && inv.status === 'open') { inv.status = 'void'; inv.voidedAt = at; recordEvent(store, null, 'invoice.voided', 'invoices', inv, { status: 'open' }, at); }
      setSub(store, null, sub, () => { sub.status = 'incomplete_expired'; sub.endedAt = at; }, at, 'customer.subscription.deleted');
      bump('incomplete_expired');
    } else if (what === 'cancel') { cancelNow(store, null, sub, {}, at); bump('canceled'); } else if (what === 'trial') { endTrial(store, null, sub, at, true); bump('trial_ended'); } else if (what === 'resume') {
      setSub(store, null, sub, () => { sub.pauseCollection = null; }, at); bump('collection_resumed');
    } else { renew(store, null, sub, at); bump('renewed'); }
    enqueue(sub);
  }
  }
}

module.exports = { prorate, prorationLines, creditLines, periodLines, trialLines, buildInvoice, insertInvoice, finalizeInvoice, attemptPayment,
  collect, setSub, addPending, pendingItems, cancelNow, renew, endTrial, applyPhase, endSchedule, processDue, paymentMethodFor, resolvePm,
  balanceTxn, markPaid, nextEnd, priceOf, fullAmount, activeDiscounts, isLive, TEST_PMS, DAY, fmtDate };
