'use strict';
// Deterministic demo dataset: customers, catalog, subscriptions, 18 months of invoices,
// payment intents / invoice payments (some declined), cards. Same options -> same data.
// All timestamps are relative to a fixed "now" (default 2026-11-01T00:00:00Z).
const { Rng, stableId } = require('./lib/prng');

const DAY = 86400;
const DEFAULT_NOW = Date.UTC(2026, 10, 1) / 1000;

const FIRST = ['Ava', 'Liam', 'Mia', 'Noah', 'Emma', 'Lucas', 'Sofia', 'Hugo', 'Yuki', 'Haruto', 'Lena', 'Jonas', 'Chloe', 'Mateo',
  'Aiko', 'Ren', 'Clara', 'Felix', 'Zoe', 'Omar', 'Ines', 'Leo', 'Nora', 'Elias', 'Sakura', 'Kenji', 'Marta', 'Paul', 'Iris', 'Theo'];
const LAST = ['Smith', 'Müller', 'Dubois', 'Tanaka', 'Garcia', 'Rossi', 'Jansen', 'Nakamura', 'Schmidt', 'Martin', 'Kowalski',
  'Svensson', 'Brown', 'Sato', 'Bernard', 'Weber', 'Lopez', 'Moreau', 'Suzuki', 'Fischer', "O'Neil", 'Novak', 'Silva', 'Kim'];
const COMPANY = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Soylent', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne',
  'Aperture', 'Wonka', 'Gringotts', 'Oscorp', 'Pied Piper', 'Massive Dynamic', 'Nakatomi', 'Kaiju', 'Blue Sun'];
const SUFFIX = ['GmbH', 'Inc.', 'Ltd', 'SARL', 'K.K.', 'BV', 'LLC', 'AG', 'Labs', 'Studio'];
const CITIES = {
  usd: [['US', 'San Francisco', 'CA', '94107'], ['US', 'New York', 'NY', '10001'], ['US', 'Austin', 'TX', '73301'], ['CA', 'Toronto', 'ON', 'M5H 2N2']],
  eur: [['DE', 'Berlin', null, '10115'], ['FR', 'Paris', null, '75002'], ['NL', 'Amsterdam', null, '1012'], ['ES', 'Madrid', null, '28001']],
  jpy: [['JP', 'Tokyo', null, '100-0001'], ['JP', 'Osaka', null, '530-0001']],
};
const DECLINES = [
  ['card_declined', 'insufficient_funds', 'Your card has insufficient funds.'],
  ['card_declined', 'generic_decline', 'Your card was declined.'],
  ['expired_card', null, 'Your card has expired.'],
  ['card_declined', 'do_not_honor', 'Your card was declined.'],
  ['card_declined', 'lost_card', 'Your card was declined.'],
  ['card_declined', 'card_velocity_exceeded', 'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.'],
  ['processing_error', null, 'An error occurred while processing your card. Try again in a little bit.'],
];

// Adds n calendar months to a unix time (UTC), clamping the day to the month's end like Stripe.
function addMonths(ts, n, anchorDay) {
  const d = new Date(ts * 1000);
  const y = d.getUTCFullYear(), m = d.getUTCMonth() + n;
  const day = anchorDay || d.getUTCDate();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(day, last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}
function nextPeriodEnd(start, interval, anchorDay) { return addMonths(start, interval === 'year' ? 12 : 1, anchorDay); }

function tieredAmount(tiers, qty) { // graduated
  let total = 0, prev = 0;
  for (const t of tiers) {
    const upTo = t.up_to == null ? Infinity : t.up_to;
    const n = Math.max(0, Math.min(qty, upTo) - prev);
    if (n > 0) total += n * t.unit_amount + (t.flat_amount || 0);
    prev = upTo;
    if (qty <= upTo) break;
  }
  return total;
}

function buildCatalog(now) {
  const created = now - 800 * DAY;
  const products = [], prices = [];
  const defs = [
    { key: 'starter', name: 'Starter', description: 'For small teams getting started', amounts: { usd: [900, 9000], eur: [900, 9000], jpy: [1500, 15000] }, seats: [1, 1],
      features: { features: 'api', limit_seats: '3', limit_projects: '5' } },
    { key: 'team', name: 'Team', description: 'Per-seat plan for growing teams', amounts: { usd: [2900, 29000], eur: [2700, 27000], jpy: [4500, 45000] }, seats: [2, 25], unitLabel: 'seat',
      features: { features: 'api,audit_log', limit_seats: '25', limit_projects: '50' } },
    { key: 'enterprise', name: 'Enterprise', description: 'Volume seats, priority support', amounts: { usd: [9900, 99000], eur: [9500, 95000], jpy: [15000, 150000] }, seats: [10, 80], unitLabel: 'seat',
      features: { features: 'api,audit_log,sso,scim,priority_support' } },
  ];
  defs.forEach((d, i) => {
    const prodId = stableId('prod', d.key);
    const myPrices = [];
    for (const cur of ['usd', 'eur', 'jpy']) {
      ['month', 'year'].forEach((interval, k) => {
        const tiered = d.key === 'enterprise' && cur === 'usd' && interval === 'month';
        const p = {
          id: stableId('price', d.key + ':' + cur + ':' + interval, 24), created: created + i * DAY + myPrices.length * 60,
          product: prodId, currency: cur, interval, intervalCount: 1, nickname: `${d.name} ${interval}ly (${cur.toUpperCase()})`,
          lookupKey: `${d.key}_${interval}ly_${cur}`, billingScheme: tiered ? 'tiered' : 'per_unit',
          unitAmount: d.amounts[cur][k], metadata: { plan: d.key }, seats: d.seats,
        };
        if (tiered) {
          p.tiersMode = 'graduated';
          p.tiers = [{ up_to: 10, unit_amount: 1500, flat_amount: 9900 }, { up_to: 50, unit_amount: 1200, flat_amount: null }, { up_to: null, unit_amount: 900, flat_amount: null }];
          p.nickname = 'Enterprise monthly seats, graduated (USD)';
        }
        myPrices.push(p);
      });
    }
    prices.push(...myPrices);
    products.push({ id: prodId, created: created + i * DAY, updated: created + i * DAY + 3600, name: d.name, description: d.description,
      defaultPrice: myPrices[0].id, metadata: Object.assign({ tier: d.key }, d.features), unitLabel: d.unitLabel, features: [] });
  });
  return { products, prices };
}

function lineAmount(price, qty) { return price.billingScheme === 'tiered' ? tieredAmount(price.tiers, qty) : price.unitAmount * qty; }

function generate(options = {}) {
  const now = options.now || DEFAULT_NOW;
  // --scale N: customers are generated in order until customers + subscriptions + invoices >= N.
  const target = options.dataset === 'empty' ? 0 : (options.scale || 0);
  const nCustomers = options.dataset === 'empty' ? 0 : (options.scale ? Infinity : 300);
  const rng = new Rng(20261101);
  const { products, prices } = buildCatalog(now);
  const pricesBy = (product, cur, interval) => prices.find(p => p.product === product && p.currency === cur && p.interval === interval);
  const out = { customers: [], products, prices, subscriptions: [], invoices: [], invoice_payments: [], payment_intents: [], payment_methods: [], events: [] };

  for (let c = 0; c < nCustomers; c++) {
    if (target && out.customers.length + out.subscriptions.length + out.invoices.length >= target) break;
    const id = stableId('cus', c);
    const currency = rng.weighted([['usd', 55], ['eur', 30], ['jpy', 15]]);
    const [country, city, state, postal] = rng.pick(CITIES[currency]);
    const first = rng.pick(FIRST), last = rng.pick(LAST);
    const business = rng.chance(0.4);
    const name = business ? `${rng.pick(COMPANY)} ${rng.pick(SUFFIX)}` : `${first} ${last}`;
    const email = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + (c + 1) + '@' + rng.pick(['example.com', 'example.org', 'example.net']);
    const nSubs = rng.weighted([[0, 8], [1, 85], [2, 7]]);
    const created = now - rng.int(20, 600) * DAY - rng.int(0, DAY - 1);
    const cus = { id, created, name, email, phone: rng.chance(0.3) ? '+1555' + String(rng.int(1000000, 9999999)) : null,
      description: business ? 'Business account' : null, currency: nSubs ? currency : null, balance: 0, delinquent: false,
      address: { country, city, state, postal_code: postal, line1: `${rng.int(1, 250)} ${rng.pick(['Main St', 'Market St', 'Hauptstraße', 'Rue de Rivoli', 'Chuo-dori', 'Keizersgracht'])}` },
      invoicePrefix: stableId('x', 'prefix' + c, 8).slice(2).toUpperCase().replace(/[^A-Z0-9]/g, 'X'), nextInvoiceSequence: 1,
      metadata: { segment: business ? 'business' : 'individual' }, preferredLocales: [{ usd: 'en', eur: rng.pick(['de', 'fr', 'nl']), jpy: 'ja' }[currency]] };
    out.customers.push(cus);
    if (!nSubs) continue;

    // Cards: one default, sometimes a backup; a few expire soon.
    const nowDate = new Date(now * 1000);
    const cards = [];
    for (let k = 0; k < (rng.chance(0.15) ? 2 : 1); k++) {
      const soon = rng.chance(0.08);
      const expDate = soon ? addMonths(now, rng.int(0, 1)) : addMonths(now, rng.int(3, 60));
      const ed = new Date(expDate * 1000);
      const brand = rng.weighted([['visa', 50], ['mastercard', 30], ['amex', 10], [currency === 'jpy' ? 'jcb' : 'discover', 10]]);
      const pm = { id: stableId('pm', c + ':' + k, 24), created: created + k * 30 * DAY, customer: id, brand,
        last4: String(rng.int(0, 9999)).padStart(4, '0'), expMonth: ed.getUTCMonth() + 1, expYear: ed.getUTCFullYear(),
        funding: rng.weighted([['credit', 70], ['debit', 30]]), country, name, email, fingerprint: stableId('fp', c + ':' + k, 16).slice(3),
        address: { country, postal_code: postal } };
      if (pm.created > now) pm.created = created;
      cards.push(pm); out.payment_methods.push(pm);
    }
    void nowDate;
    cus.defaultPm = cards[0].id;

    for (let s = 0; s < nSubs; s++) {
      const subId = stableId('sub', c + ':' + s, 24);
      const plan = rng.weighted([['starter', 45], ['team', 40], ['enterprise', 15]]);
      const interval = rng.chance(0.2) ? 'year' : 'month';
      const price = pricesBy(stableId('prod', plan), currency, interval);
      const qty = rng.int(price.seats[0], price.seats[1]);
      const status = rng.weighted([['active', 58], ['trialing', 8], ['past_due', 9], ['canceled', 14], ['paused_collection', 4], ['cancel_at_period_end', 5], ['unpaid', 1], ['paused', 1]]);
      const sendInvoice = rng.chance(0.07);
      let start;
      if (status === 'trialing') start = now - rng.int(1, 12) * DAY - rng.int(0, DAY - 1);
      else start = Math.max(created + 600, now - (10 + Math.floor(530 * Math.sqrt(rng.float()))) * DAY - rng.int(0, DAY - 1));
      if (start >= now) start = now - DAY;
      const anchorDay = new Date(start * 1000).getUTCDate();
      const sub = { id: subId, created: start, customer: id, currency, status, startDate: start, billingCycleAnchor: start,
        collectionMethod: sendInvoice ? 'send_invoice' : 'charge_automatically', daysUntilDue: sendInvoice ? 30 : null,
        defaultPm: null, metadata: { plan }, items: [] };
      const si = { id: stableId('si', c + ':' + s), created: start, price: price.id, quantity: qty };
      sub.items.push(si);

      // Trials: 14 days; half of the trialing ones end within 7 days of now.
      let firstPaidStart = start;
      if (status === 'trialing') {
        const trialEnd = rng.chance(0.5) ? now + rng.int(1, 7) * DAY - rng.int(0, 3600) : now + rng.int(8, 25) * DAY;
        sub.trialStart = start; sub.trialEnd = trialEnd;
        sub.billingCycleAnchor = trialEnd;
        firstPaidStart = trialEnd;
      } else if (status === 'paused') {
        sub.trialStart = start; sub.trialEnd = start + 14 * DAY; firstPaidStart = sub.trialEnd;
      }

      // Billing periods up to now (or until cancellation).
      let cancelAt = null;
      if (status === 'canceled') {
        cancelAt = start + rng.int(35, Math.max(40, now - start > 40 * DAY ? Math.floor((now - start) / DAY) - 1 : 40)) * DAY;
        if (cancelAt >= now) cancelAt = now - DAY;
      }
      const periods = [];
      if (status === 'trialing' || status === 'paused') periods.push({ start, end: sub.trialEnd, trial: true });
      if (status !== 'trialing' && status !== 'paused') {
        let ps = firstPaidStart;
        while (ps <= now && (!cancelAt || ps < cancelAt)) {
          const pe = nextPeriodEnd(ps, interval, anchorDay);
          periods.push({ start: ps, end: pe });
          ps = pe;
        }
      }
      const cur = periods[periods.length - 1];
      si.periodStart = cur.start; si.periodEnd = cur.end;

      const failedReason = status === 'canceled' && rng.chance(0.35);
      if (status === 'canceled') {
        sub.status = 'canceled'; sub.canceledAt = cancelAt; sub.endedAt = cancelAt;
        sub.cancellationReason = failedReason ? 'payment_failed' : 'cancellation_requested';
        sub.cancellationFeedback = failedReason ? null : rng.pick(['too_expensive', 'missing_features', 'switched_service', 'unused', 'other', null]);
        sub.cancellationComment = sub.cancellationFeedback === 'other' ? 'Moving to an in-house tool' : null;
      } else if (status === 'cancel_at_period_end') {
        sub.status = 'active'; sub.cancelAtPeriodEnd = true; sub.cancelAt = cur.end; sub.canceledAt = now - rng.int(1, 20) * DAY;
        if (sub.canceledAt < cur.start) sub.canceledAt = cur.start + 3600;
        sub.cancellationReason = 'cancellation_requested';
      } else if (status === 'paused_collection') {
        sub.status = 'active';
        sub.pauseCollection = { behavior: rng.pick(['void', 'keep_as_draft', 'mark_uncollectible']), resumes_at: rng.chance(0.5) ? now + rng.int(5, 60) * DAY : null };
      } else if (status === 'paused') {
        sub.status = 'paused';
      }

      // Invoices: one per period.
      let pausedFrom = sub.pauseCollection ? periods.length - (interval === 'year' ? 1 : Math.min(periods.length, rng.int(1, 2))) : Infinity;
      let prevStart = null;
      periods.forEach((p, idx) => {
        const last = idx === periods.length - 1;
        const invId = stableId('in', subId + ':' + idx, 24);
        const created = p.start;
        const amount = p.trial ? 0 : lineAmount(price, qty);
        const inv = { id: invId, created, customer: id, subscription: subId, currency, billingReason: idx === 0 ? 'subscription_create' : 'subscription_cycle',
          collectionMethod: sub.collectionMethod, total: amount, amountPaid: 0, attemptCount: 0, periodStart: prevStart == null ? created : prevStart,
          periodEnd: created, lines: [] };
        prevStart = p.start;
        inv.lines.push({ id: stableId('il', invId), price: price.id, quantity: qty, amount, periodStart: p.start, periodEnd: p.end, siId: si.id,
          unitAmountDecimal: price.billingScheme === 'tiered' ? null : String(price.unitAmount),
          description: p.trial ? `Trial period for ${products.find(x => x.id === price.product).name}` : `${qty} × ${products.find(x => x.id === price.product).name} (at ${price.unitAmount != null && price.billingScheme !== 'tiered' ? price.unitAmount : 'tiered'} / ${interval})` });
        if (sub.collectionMethod === 'send_invoice') inv.dueDate = created + 30 * DAY;

        let outcome = 'paid';
        if (idx >= pausedFrom) outcome = { void: 'void', keep_as_draft: 'draft', mark_uncollectible: 'uncollectible' }[sub.pauseCollection.behavior];
        else if (last && (status === 'past_due')) outcome = 'failing';
        else if (status === 'unpaid' && idx >= periods.length - 2) outcome = 'uncollectible';
        else if (failedReason && last) outcome = rng.pick(['void', 'uncollectible']);
        else if (sub.collectionMethod === 'send_invoice' && inv.dueDate > now) outcome = 'open';
        else if (sub.collectionMethod === 'send_invoice' && last && rng.chance(0.3)) outcome = 'open'; // overdue
        if (outcome !== 'draft') {
          inv.finalizedAt = created + 3600;
          cus.nextInvoiceSequence++;
          inv.number = `${cus.invoicePrefix}-${String(cus.nextInvoiceSequence - 1).padStart(4, '0')}`;
        }
        inv.status = outcome === 'failing' ? 'open' : outcome;

        // Payment attempts (charge_automatically, non-zero).
        const auto = sub.collectionMethod === 'charge_automatically' && amount > 0 && outcome !== 'draft';
        const earlierFailures = outcome === 'paid' && rng.chance(0.06) ? rng.int(1, 2) : 0;
        if (auto) {
          const piId = stableId('pi', invId, 24);
          const failing = outcome === 'failing' || outcome === 'uncollectible' || outcome === 'void';
          const pm = cards[0];
          const pi = { id: piId, created: inv.finalizedAt, customer: id, invoice: invId, amount, currency, paymentMethod: pm.id,
            description: 'Subscription update', amountReceived: 0, status: 'requires_payment_method' };
          if (failing || earlierFailures) {
            const decl = (pm.expYear * 12 + pm.expMonth) < (new Date(created * 1000).getUTCFullYear() * 12 + new Date(created * 1000).getUTCMonth() + 1)
              ? DECLINES[2] : rng.pick(DECLINES);
            pi.lastError = { code: decl[0], decline_code: decl[1], message: decl[2], charge: stableId('ch', invId + ':f', 24) };
          }
          if (outcome === 'paid') {
            pi.status = 'succeeded'; pi.amountReceived = amount; pi.latestCharge = stableId('ch', invId, 24);
            if (earlierFailures) { /* a retry succeeded: Stripe clears nothing, last_payment_error stays null on success */ pi.lastError = null; }
          } else if (outcome === 'void') { pi.status = 'canceled'; pi.canceledAt = created + 20 * DAY; pi.cancellationReason = 'void_invoice'; }
          const attempts = outcome === 'failing' ? rng.int(1, 4) : (failing ? 4 : 1 + earlierFailures);
          inv.attemptCount = attempts;
          inv.paymentIntent = piId;
          out.payment_intents.push(pi);
          const inpay = { id: stableId('inpay', invId, 24), created: inv.finalizedAt, invoice: invId, paymentIntent: piId, amountRequested: amount,
            amountPaid: outcome === 'paid' ? amount : null, currency, status: outcome === 'paid' ? 'paid' : outcome === 'void' ? 'canceled' : 'open' };
          if (outcome === 'paid') { inpay.paidAt = inv.finalizedAt + 5 + earlierFailures * 3 * DAY; }
          if (outcome === 'void') inpay.canceledAt = pi.canceledAt;
          out.invoice_payments.push(inpay);
          if (outcome === 'failing') {
            cus.delinquent = true;
            // Smart-retry style schedule: next try in a few days unless the 4th attempt failed.
            inv.nextPaymentAttempt = attempts < 4 ? now + rng.int(1, 5) * DAY + rng.int(0, 3600) : null;
          }
        } else if (outcome === 'paid' && sub.collectionMethod === 'send_invoice' && amount > 0) {
          // Paid out of band or by the hosted page.
          inv.attemptCount = 1;
        }
        if (outcome === 'paid') {
          inv.amountPaid = amount;
          inv.paidAt = (inv.finalizedAt || created) + 5 + earlierFailures * 3 * DAY;
          if (sub.collectionMethod === 'send_invoice') inv.paidAt = created + rng.int(1, 25) * DAY;
        } else if (outcome === 'void') inv.voidedAt = created + 20 * DAY;
        else if (outcome === 'uncollectible') { inv.uncollectibleAt = created + 21 * DAY; cus.delinquent = true; }
        else if (outcome === 'open' && sub.collectionMethod === 'send_invoice' && inv.dueDate < now) cus.delinquent = true;
        if (inv.paidAt && inv.paidAt > now) inv.paidAt = now - 60;
        if (inv.voidedAt && inv.voidedAt > now) inv.voidedAt = now - 60;
        if (inv.uncollectibleAt && inv.uncollectibleAt > now) inv.uncollectibleAt = now - 60;
        out.invoices.push(inv);
        sub.latestInvoice = invId;
      });
      if (status === 'past_due') sub.status = 'past_due';
      if (status === 'unpaid') sub.status = 'unpaid';
      out.subscriptions.push(sub);
      if (sub.status !== 'canceled' && sub.status !== 'paused' && rng.chance(0.04)) {
        // A one-off draft invoice being prepared by staff.
        const invId = stableId('in', subId + ':draft', 24);
        const amt = currency === 'jpy' ? 30000 : 25000;
        out.invoices.push({ id: invId, created: now - rng.int(1, 3) * DAY, customer: id, subscription: null, currency, billingReason: 'manual',
          collectionMethod: 'send_invoice', total: amt, amountPaid: 0, attemptCount: 0, periodStart: now - 3 * DAY, periodEnd: now - 3 * DAY,
          dueDate: now + 30 * DAY, status: 'draft', description: 'Onboarding services',
          lines: [{ id: stableId('il', invId), price: price.id, quantity: 1, amount: amt, periodStart: now - 3 * DAY, periodEnd: now - 3 * DAY,
            unitAmountDecimal: String(amt), description: 'Onboarding and data migration (one-off)' }] });
      }
    }
  }
  addCharges(out);
  addCoupons(out, now);
  addEvents(out, now);
  return { now, ...out };
}

// A charge (ch_...) for every succeeded payment intent: latest_charge, refunds work against it.
function addCharges(out) {
  const paidAt = new Map();
  for (const p of out.invoice_payments) if (p.paidAt) paidAt.set(p.paymentIntent, p.paidAt);
  out.charges = [];
  for (const pi of out.payment_intents) {
    if (pi.status !== 'succeeded' || !pi.latestCharge) continue;
    out.charges.push({ id: pi.latestCharge, created: paidAt.get(pi.id) || pi.created, paymentIntent: pi.id, amountRefunded: 0 });
  }
  out.refunds = [];
}

// A few coupons and promotion codes (fixed, independent of the customers).
function addCoupons(out, now) {
  const c = (id, o) => Object.assign({ id, created: now - o.ageDays * DAY, name: null, percentOff: null, amountOff: null, currency: null,
    duration: 'once', durationInMonths: null, maxRedemptions: null, redeemBy: null, timesRedeemed: 0, metadata: {}, currencyOptions: null }, o);
  out.coupons = [
    c('WELCOME20', { ageDays: 400, name: '20% off first month', percentOff: 20, duration: 'once', timesRedeemed: 57 }),
    c('ANNUAL15', { ageDays: 380, name: '15% off for a year', percentOff: 15, duration: 'repeating', durationInMonths: 12, timesRedeemed: 21 }),
    c('PARTNER10', { ageDays: 300, name: 'Partner discount', percentOff: 10, duration: 'forever', timesRedeemed: 9, metadata: { channel: 'partners' } }),
    c('SAVE50USD', { ageDays: 200, name: '$50 off', amountOff: 5000, currency: 'usd', duration: 'once', maxRedemptions: 100, timesRedeemed: 100,
      currencyOptions: { eur: { amount_off: 4500 }, jpy: { amount_off: 7500 } } }),
    c('BLACKFRIDAY', { ageDays: 60, name: 'Black Friday 30%', percentOff: 30, duration: 'repeating', durationInMonths: 3,
      redeemBy: now + 30 * DAY, maxRedemptions: 500, timesRedeemed: 12 }),
    c('SPRING2026', { ageDays: 220, name: 'Spring 2026 25%', percentOff: 25, duration: 'once', redeemBy: now - 150 * DAY, timesRedeemed: 33 }),
  ];
  const p = (code, coupon, o) => Object.assign({ id: stableId('promo', code, 24), code, coupon, created: out.coupons.find(x => x.id === coupon).created + DAY,
    active: true, customer: null, expiresAt: null, maxRedemptions: null, timesRedeemed: 0, metadata: {},
    firstTime: false, minAmount: null, minAmountCurrency: null }, o);
  out.promotion_codes = [
    p('WELCOME', 'WELCOME20', { timesRedeemed: 50, firstTime: true }),
    p('HELLO2026', 'WELCOME20', { timesRedeemed: 7, expiresAt: now + 60 * DAY }),
    p('YEARLY15', 'ANNUAL15', { timesRedeemed: 21, minAmount: 20000, minAmountCurrency: 'usd' }),
    p('PARTNERS', 'PARTNER10', { timesRedeemed: 9 }),
    p('TAKE50', 'SAVE50USD', { active: false, timesRedeemed: 100, maxRedemptions: 100 }),
    p('BF30', 'BLACKFRIDAY', { timesRedeemed: 12, expiresAt: now + 30 * DAY }),
    p('SPRING25', 'SPRING2026', { active: false, timesRedeemed: 33, expiresAt: now - 150 * DAY }),
  ];
}

// Events of the 30 days before now that the objects imply. Each names its object
// (kind + id) and is rendered from the object's current state when listed.
function addEvents(out, now) {
  const from = now - 30 * DAY;
  const ev = [];
  const add = (type, kind, rec, created, previous) => {
    if (created < from || created > now) return;
    ev.push({ id: stableId('evt', type + ':' + rec.id + ':' + created, 24), created, type, ref: { kind, id: rec.id }, previous: previous || null });
  };
  for (const c of out.customers) add('customer.created', 'customers', c, c.created);
  for (const s of out.subscriptions) {
    add('customer.subscription.created', 'subscriptions', s, s.created);
    if (s.status === 'canceled') add('customer.subscription.deleted', 'subscriptions', s, s.canceledAt, null);
    else if (s.cancelAtPeriodEnd) add('customer.subscription.updated', 'subscriptions', s, s.canceledAt, { cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    if (s.status === 'past_due' && s.items[0]) add('customer.subscription.updated', 'subscriptions', s, s.items[0].periodStart + 3600 + 60, { status: 'active' });
    if (s.trialEnd && s.status === 'trialing' && s.trialEnd - 3 * DAY <= now) add('customer.subscription.trial_will_end', 'subscriptions', s, s.trialEnd - 3 * DAY);
  }
  for (const i of out.invoices) {
    add('invoice.created', 'invoices', i, i.created);
    if (i.finalizedAt) add('invoice.finalized', 'invoices', i, i.finalizedAt);
    if (i.paidAt) { add('invoice.paid', 'invoices', i, i.paidAt); add('invoice.payment_succeeded', 'invoices', i, i.paidAt); }
    if (i.voidedAt) add('invoice.voided', 'invoices', i, i.voidedAt);
    if (i.uncollectibleAt) add('invoice.marked_uncollectible', 'invoices', i, i.uncollectibleAt);
    if (i.status === 'open' && i.attemptCount > 0 && i.finalizedAt) {
      for (let a = 0; a < i.attemptCount; a++) add('invoice.payment_failed', 'invoices', i, i.finalizedAt + 60 + a * 3 * DAY);
    }
  }
  for (const p of out.payment_intents) {
    if (p.status === 'succeeded') add('payment_intent.succeeded', 'payment_intents', p, p.created + 5);
    else if (p.lastError) add('payment_intent.payment_failed', 'payment_intents', p, p.created + 5);
  }
  for (const c of out.charges) add('charge.succeeded', 'charges', c, c.created);
  for (const c of out.coupons) add('coupon.created', 'coupons', c, c.created);
  for (const p of out.promotion_codes) add('promotion_code.created', 'promotion_codes', p, p.created);
  out.events = ev;
}

// ---- Demo billing meters (usage work) -------------------------------------------------------
// Three Stripe billing meters and their metered events for the first `customers` customers with a
// live subscription, over `days` days before `now`: the same shape and algorithm as
// demo-usage.js (api_calls a few times a day, storage_gb daily, seats_active daily). Separate from
// generate() so the demo dataset's counts stay as they are; the usage routes call it lazily.
// customers: in dataset order; subscriptions: compact records (status, customer, items, startDate).
const DEMO_METERS = [
  { key: 'api_calls', displayName: 'API calls' },
  { key: 'storage_gb', displayName: 'Storage (GB)' },
  { key: 'seats_active', displayName: 'Active seats' },
];

function demoMeters(customers, subscriptions, now, opts = {}) {
  const HOUR = 3600;
  const nCustomers = opts.customers || 20, nDays = opts.days || 60;
  const created = now - 120 * DAY;
  const meters = DEMO_METERS.map((m, i) => ({
    id: stableId('mtr', m.key, 24), created: created + i * 60, updated: created + i * 60, displayName: m.displayName,
    eventName: m.key, status: 'active', deactivatedAt: null,
  }));
  const live = new Map();
  for (const s of subscriptions) {
    if (s.status === 'canceled' || s.status === 'paused') continue;
    if (!live.has(s.customer)) live.set(s.customer, s);
  }
  const chosen = customers.filter(c => live.has(c.id)).slice(0, nCustomers);
  const events = []; // { eventName, customer, value, timestamp, identifier }
  const start = now - nDays * DAY;
  for (const c of chosen) {
    const rng = new Rng('usage:' + c.id);
    const sub = live.get(c.id);
    const seats = sub.items[0].quantity;
    const base = rng.int(200, 5000) * seats;
    let storage = rng.int(5, 200);
    const push = (meter, value, t) => events.push({ eventName: meter, customer: c.id, value, timestamp: t, identifier: stableId('mtrevt', `${c.id}:${meter}:${t}`, 20) });
    for (let d = 0; d < nDays; d++) {
      const day = start + d * DAY;
      if (day < sub.startDate) continue;
      const weekend = [0, 6].includes(new Date(day * 1000).getUTCDay());
      let t = day + rng.int(0, 5) * HOUR;
      while (t < day + DAY) {
        push('api_calls', Math.max(1, Math.round(base / 4 * (weekend ? 0.3 : 1) * (0.5 + rng.float()))), t + rng.int(0, 3599));
        t += rng.int(4, 8) * HOUR;
      }
      storage = Math.max(1, storage + rng.int(-2, 4));
      push('storage_gb', storage, day + 23 * HOUR + 59 * 60);
      const active = Math.max(1, seats - (weekend ? rng.int(0, Math.ceil(seats / 2)) : rng.int(0, 1)));
      push('seats_active', active, day + 12 * HOUR);
    }
  }
  events.sort((a, b) => a.timestamp - b.timestamp);
  return { meters, events, customers: chosen.map(c => c.id) };
}

module.exports = { generate, DEFAULT_NOW, addMonths, tieredAmount, demoMeters };
