'use strict';
// Catalog writes: products, prices (tiers, currency_options, transform_quantity), invoice items (owner: pricing work).
//
// POST /v1/invoiceitems with pricing[price] + quantity computes the amount the way Stripe
// invoices it, independently of the console's PriceCalculator (BigInt arithmetic on decimals
// scaled by 10^12): per_unit = quantity x unit amount; package (transform_quantity) = whole
// packages (divide_by, round up or down) x unit amount; tiered graduated = one line per tier
// reached, quantity in tier x unit + flat; tiered volume = the whole quantity at the tier that
// contains it, x unit + flat. Each line is rounded to the nearest minor unit, halves up
// (https://docs.stripe.com/billing/subscriptions/decimal-amounts#rounding: "rounding occurs on the
// line item level", 1.5 cents -> 2 cents), then the lines are summed. Quantity 0 charges 0.
const express = require('express');
const { invalid, missing, expandList, applyExpand, includes, retrieveResponse } = require('../lib/api');
const { render } = require('../lib/render');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId } = require('../lib/prng');

const SCALE = 10n ** 12n;
const CURRENCY = /^[a-z]{3}$/;

function checkParams(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
const asArray = v => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v) : [v]);
function intP(v, name, { min = null } = {}) {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(String(v))) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  const n = parseInt(v, 10);
  if (!Number.isSafeInteger(n)) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  if (min != null && n < min) throw invalid(`This value must be greater than or equal to ${min}.`, name, 'parameter_invalid_integer');
  return n;
}
function decP(v, name) {
  if (v === undefined || v === '') return undefined;
  const s = String(v);
  if (!/^\d+(\.\d{1,12})?$/.test(s)) throw invalid(`Invalid decimal: ${s}. Decimals may have at most 12 decimal places.`, name, 'parameter_invalid_decimal');
  return s;
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

// Decimal string in minor units -> BigInt scaled by 10^12.
function scaled(s) {
  const [w, f = ''] = String(s).split('.');
  return BigInt(w) * SCALE + BigInt((f + '000000000000').slice(0, 12));
}
function unitOf(unitAmount, unitAmountDecimal) {
  if (unitAmountDecimal != null) return scaled(unitAmountDecimal);
  if (unitAmount != null) return BigInt(unitAmount) * SCALE;
  return null;
}
function roundLine(v) { // v >= 0, scaled: nearest minor unit, halves up
  const whole = v / SCALE, rest = v % SCALE;
  return rest * 2n >= SCALE ? whole + 1n : whole;
}

// One unit amount pair (unit_amount | unit_amount_decimal) from a body fragment.
function unitAmountsP(o, prefix, required) {
  const ua = intP(o.unit_amount, prefix + 'unit_amount', { min: 0 });
  const uad = decP(o.unit_amount_decimal, prefix + 'unit_amount_decimal');
  if (ua !== undefined && uad !== undefined) throw invalid(`You may only specify one of these parameters: ${prefix}unit_amount, ${prefix}unit_amount_decimal.`, prefix + 'unit_amount');
  if (required && ua === undefined && uad === undefined) throw invalid(`Missing required param: ${prefix}unit_amount.`, prefix + 'unit_amount', 'parameter_missing');
  return { unitAmount: ua, unitAmountDecimal: uad };
}

// tiers[i][up_to|unit_amount|unit_amount_decimal|flat_amount|flat_amount_decimal], checked as Stripe does.
function tiersP(v, prefix) {
  const tiers = asArray(v).map((t, i) => {
    const P = n => `${prefix}[${i}][${n}]`;
    if (typeof t !== 'object') throw invalid('Invalid array', prefix);
    let upTo;
    if (t.up_to === undefined) throw invalid(`Missing required param: ${P('up_to')}.`, P('up_to'), 'parameter_missing');
    if (t.up_to === 'inf') upTo = null; else upTo = intP(t.up_to, P('up_to'), { min: 1 });
    const u = unitAmountsP(t, '', false);
    const fa = intP(t.flat_amount, P('flat_amount'), { min: 0 });
    const fad = decP(t.flat_amount_decimal, P('flat_amount_decimal'));
    if (fa !== undefined && fad !== undefined) throw invalid(`You may only specify one of these parameters: ${P('flat_amount')}, ${P('flat_amount_decimal')}.`, P('flat_amount'));
    if (u.unitAmount === undefined && u.unitAmountDecimal === undefined && fa === undefined && fad === undefined) {
      throw invalid(`Each tier must have a unit amount or a flat amount (${prefix}[${i}]).`, P('unit_amount'));
    }
    return { up_to: upTo, unit_amount: u.unitAmount === undefined ? null : u.unitAmount, unit_amount_decimal: u.unitAmountDecimal === undefined ? null : u.unitAmountDecimal,
      flat_amount: fa === undefined ? null : fa, flat_amount_decimal: fad === undefined ? null : fad };
  });
  if (!tiers.length) throw invalid(`Missing required param: ${prefix}.`, prefix, 'parameter_missing');
  for (let i = 0; i < tiers.length; i++) {
    const last = i === tiers.length - 1;
    if (tiers[i].up_to === null && !last) throw invalid('Only the last tier may have `up_to` set to `inf`.', `${prefix}[${i}][up_to]`);
    if (tiers[i].up_to !== null && last) throw invalid('The last tier must have `up_to` set to `inf`.', `${prefix}[${i}][up_to]`);
    if (i > 0 && tiers[i].up_to !== null && tiers[i].up_to <= tiers[i - 1].up_to) throw invalid('Tiers must be sorted by `up_to` in ascending order, each `up_to` greater than the previous one.', `${prefix}[${i}][up_to]`);
  }
  return tiers;
}

// What a price (in one currency) charges for a quantity: { amount, lines: [amount...] } in minor units.
function charge(price, opt, quantity) {
  const q = BigInt(quantity);
  if (price.billingScheme !== 'tiered') {
    const unit = unitOf(opt.unitAmount, opt.unitAmountDecimal);
    let units = q;
    if (price.transformQuantity) {
      const d = BigInt(price.transformQuantity.divide_by);
      units = q / d;
      if (price.transformQuantity.round === 'up' && q % d !== 0n) units += 1n;
    }
    const a = roundLine(unit * units);
    return { amount: a, lines: [a] };
  }
  const tiers = opt.tiers;
  const lines = [];
  if (q === 0n) return { amount: 0n, lines };
  const tierUnit = t => unitOf(t.unit_amount, t.unit_amount_decimal) || 0n;
  const tierFlat = t => unitOf(t.flat_amount, t.flat_amount_decimal) || 0n;
  if (price.tiersMode === 'volume') {
    const t = tiers.find(x => x.up_to === null || q <= BigInt(x.up_to));
    const a = roundLine(tierUnit(t) * q + tierFlat(t));
    return { amount: a, lines: [a] };
  }
  let lower = 1n;
  for (const t of tiers) {
    const upper = t.up_to === null ? q : (BigInt(t.up_to) < q ? BigInt(t.up_to) : q);
    if (upper < lower) break;
    lines.push(roundLine(tierUnit(t) * (upper - lower + 1n) + tierFlat(t)));
    if (t.up_to === null || q <= BigInt(t.up_to)) break;
    lower = BigInt(t.up_to) + 1n;
  }
  return { amount: lines.reduce((s, x) => s + x, 0n), lines };
}

function optionFor(price, currency) {
  if (currency === price.currency) return { unitAmount: price.unitAmount, unitAmountDecimal: price.unitAmountDecimal, tiers: price.tiers };
  const o = (price.currencyOptions || {})[currency];
  return o || null;
}

module.exports = function catalogRouter(store) {
  const r = express.Router();
  const products = store.collection('products');
  const prices = store.collection('prices');
  const invoiceitems = store.collection('invoiceitems');
  const customers = store.collection('customers');

  // ---------------------------------------------------------------- products
  r.post('/v1/products', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['name', 'active', 'description', 'expand', 'id', 'metadata', 'unit_label', 'type', 'tax_code', 'url', 'statement_descriptor']);
    if (!b.name) throw invalid('Missing required param: name.', 'name', 'parameter_missing');
    const at = clock(store);
    const id = b.id ? String(b.id) : runtimeId('prod', 14);
    if (products.get(id)) throw invalid(`Product already exists.`, 'id', 'resource_already_exists');
    const p = { id, created: at, updated: at, name: String(b.name), description: b.description ? String(b.description) : null,
      active: boolP(b.active, 'active') !== false, metadata: metadataP(b.metadata), unitLabel: b.unit_label ? String(b.unit_label) : null, defaultPrice: null };
    products.insert(p);
    recordEvent(store, req, 'product.created', 'products', p, null, at);
    send(store, res, 'products', p, b);
  });
  r.post('/v1/products/:id', (req, res) => {
    const p = products.get(req.params.id);
    if (!p) throw missing('product', req.params.id);
    const b = req.body || {};
    checkParams(b, ['name', 'active', 'description', 'expand', 'metadata', 'unit_label', 'default_price']);
    const at = clock(store);
    const before = render(store, 'products', p, new Set());
    if (b.name !== undefined) p.name = String(b.name);
    if (b.description !== undefined) p.description = b.description === '' ? null : String(b.description);
    if (b.active !== undefined) p.active = boolP(b.active, 'active');
    if (b.metadata !== undefined) p.metadata = metadataP(b.metadata, p.metadata);
    if (b.unit_label !== undefined) p.unitLabel = b.unit_label === '' ? null : String(b.unit_label);
    if (b.default_price !== undefined) {
      if (b.default_price !== '' && !prices.get(String(b.default_price))) throw missing('price', b.default_price, 'default_price');
      p.defaultPrice = b.default_price === '' ? null : String(b.default_price);
    }
    p.updated = at;
    const after = render(store, 'products', p, new Set());
    const prev = {};
    for (const k of Object.keys(after)) if (k !== 'updated' && JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    recordEvent(store, req, 'product.updated', 'products', p, prev, at);
    send(store, res, 'products', p, b);
  });

  // ---------------------------------------------------------------- prices
  r.post('/v1/prices', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['currency', 'active', 'billing_scheme', 'currency_options', 'expand', 'lookup_key', 'metadata', 'nickname', 'product',
      'product_data', 'recurring', 'tax_behavior', 'tiers', 'tiers_mode', 'transform_quantity', 'unit_amount', 'unit_amount_decimal']);
    const at = clock(store);
    const currency = String(b.currency || '').toLowerCase();
    if (!currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (!CURRENCY.test(currency)) throw invalid(`Invalid currency: ${b.currency}.`, 'currency', 'parameter_invalid_string');
    let productId;
    if (b.product !== undefined && b.product_data !== undefined) throw invalid('You may only specify one of these parameters: product, product_data.', 'product');
    if (b.product !== undefined) {
      productId = String(b.product);
      if (!products.get(productId)) throw missing('product', productId, 'product');
    } else if (b.product_data !== undefined) {
      if (!b.product_data.name) throw invalid('Missing required param: product_data[name].', 'product_data[name]', 'parameter_missing');
      const p = { id: runtimeId('prod', 14), created: at, updated: at, name: String(b.product_data.name), description: null, active: true,
        metadata: metadataP(b.product_data.metadata), unitLabel: null, defaultPrice: null };
      products.insert(p);
      recordEvent(store, req, 'product.created', 'products', p, null, at);
      productId = p.id;
    } else throw invalid('Missing required param: product.', 'product', 'parameter_missing');

    const scheme = enumP(b.billing_scheme, 'billing_scheme', ['per_unit', 'tiered']) || 'per_unit';
    const price = { id: runtimeId('price', 24), created: at, product: productId, currency, active: boolP(b.active, 'active') !== false,
      billingScheme: scheme, tiersMode: null, nickname: b.nickname ? String(b.nickname) : null, lookupKey: b.lookup_key ? String(b.lookup_key) : null,
      metadata: metadataP(b.metadata), type: b.recurring ? 'recurring' : 'one_time', taxBehavior: enumP(b.tax_behavior, 'tax_behavior', ['inclusive', 'exclusive', 'unspecified']) || 'unspecified',
      unitAmount: null, unitAmountDecimal: null, tiers: null, transformQuantity: null, currencyOptions: {} };
    if (b.recurring) {
      const rec = b.recurring;
      price.interval = enumP(rec.interval, 'recurring[interval]', ['day', 'week', 'month', 'year']);
      if (!price.interval) throw invalid('Missing required param: recurring[interval].', 'recurring[interval]', 'parameter_missing');
      price.intervalCount = intP(rec.interval_count, 'recurring[interval_count]', { min: 1 }) || 1;
      price.usageType = enumP(rec.usage_type, 'recurring[usage_type]', ['licensed', 'metered']) || 'licensed';
      price.meter = rec.meter ? String(rec.meter) : null;
    }
    if (scheme === 'tiered') {
      price.tiersMode = enumP(b.tiers_mode, 'tiers_mode', ['graduated', 'volume']);
      if (!price.tiersMode) throw invalid('Missing required param: tiers_mode.', 'tiers_mode', 'parameter_missing');
      if (b.unit_amount !== undefined || b.unit_amount_decimal !== undefined) throw invalid('You may not specify `unit_amount` for a tiered price.', 'unit_amount');
      if (b.transform_quantity !== undefined) throw invalid('You may not specify `transform_quantity` with `billing_scheme=tiered`.', 'transform_quantity');
      price.tiers = tiersP(b.tiers, 'tiers');
    } else {
      if (b.tiers !== undefined || b.tiers_mode !== undefined) throw invalid('`tiers` and `tiers_mode` require `billing_scheme=tiered`.', 'tiers');
      const u = unitAmountsP(b, '', true);
      if (u.unitAmountDecimal !== undefined) {
        price.unitAmountDecimal = u.unitAmountDecimal;
        // As Stripe: unit_amount is populated only when the decimal is a whole number.
        price.unitAmount = /^\d+(\.0+)?$/.test(u.unitAmountDecimal) ? parseInt(u.unitAmountDecimal, 10) : null;
      } else { price.unitAmount = u.unitAmount; price.unitAmountDecimal = String(u.unitAmount); }
      if (b.transform_quantity !== undefined) {
        const tq = b.transform_quantity;
        const d = intP(tq.divide_by, 'transform_quantity[divide_by]', { min: 1 });
        if (d === undefined) throw invalid('Missing required param: transform_quantity[divide_by].', 'transform_quantity[divide_by]', 'parameter_missing');
        const round = enumP(tq.round, 'transform_quantity[round]', ['up', 'down']);
        if (!round) throw invalid('Missing required param: transform_quantity[round].', 'transform_quantity[round]', 'parameter_missing');
        price.transformQuantity = { divide_by: d, round };
      }
    }
    if (b.currency_options !== undefined) {
      if (typeof b.currency_options !== 'object') throw invalid('Invalid object', 'currency_options');
      for (const [code, o] of Object.entries(b.currency_options)) {
        const c = code.toLowerCase();
        if (!CURRENCY.test(c)) throw invalid(`Invalid currency: ${code}.`, `currency_options[${code}]`);
        const P = `currency_options[${code}][`;
        if (scheme === 'tiered') {
          price.currencyOptions[c] = { unitAmount: null, unitAmountDecimal: null, tiers: tiersP(o.tiers, `currency_options[${code}][tiers]`) };
        } else {
          const u = unitAmountsP(o, P, true);
          price.currencyOptions[c] = { unitAmount: u.unitAmount !== undefined ? u.unitAmount : null,
            unitAmountDecimal: u.unitAmountDecimal !== undefined ? u.unitAmountDecimal : String(u.unitAmount), tiers: null };
        }
      }
    }
    prices.insert(price);
    recordEvent(store, req, 'price.created', 'prices', price, null, at);
    send(store, res, 'prices', price, b);
  });
  r.post('/v1/prices/:id', (req, res) => {
    const price = prices.get(req.params.id);
    if (!price) throw missing('price', req.params.id);
    const b = req.body || {};
    checkParams(b, ['active', 'currency_options', 'lookup_key', 'metadata', 'nickname', 'expand', 'tax_behavior']);
    const at = clock(store);
    const before = render(store, 'prices', price, new Set());
    if (b.active !== undefined) price.active = boolP(b.active, 'active');
    if (b.nickname !== undefined) price.nickname = b.nickname === '' ? null : String(b.nickname);
    if (b.lookup_key !== undefined) price.lookupKey = b.lookup_key === '' ? null : String(b.lookup_key);
    if (b.metadata !== undefined) price.metadata = metadataP(b.metadata, price.metadata);
    const after = render(store, 'prices', price, new Set());
    const prev = {};
    for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    recordEvent(store, req, 'price.updated', 'prices', price, prev, at);
    send(store, res, 'prices', price, b);
  });

  // ---------------------------------------------------------------- invoice items
  r.post('/v1/invoiceitems', (req, res, next) => {
    const b = req.body || {};
    const priceId = b.pricing && b.pricing.price ? String(b.pricing.price) : (b.price ? String(b.price) : null);
    if (!priceId) return next(); // amount-only items: left to other routes
    checkParams(b, ['customer', 'currency', 'description', 'discountable', 'expand', 'metadata', 'period', 'pricing', 'price', 'quantity', 'subscription', 'invoice', 'tax_behavior']);
    const at = clock(store);
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = customers.get(String(b.customer));
    if (!cus) throw missing('customer', b.customer, 'customer');
    const price = prices.get(priceId);
    if (!price) throw missing('price', priceId, 'pricing[price]');
    if (price.type === 'recurring') throw invalid(`The price specified (${price.id}) is a recurring price. Invoice items require a one-time price.`, 'pricing[price]');
    if (price.active === false) throw invalid(`The price specified (${price.id}) is inactive. This field only accepts active prices.`, 'pricing[price]');
    const quantity = b.quantity === undefined ? 1 : intP(b.quantity, 'quantity', { min: 0 });
    const currency = b.currency ? String(b.currency).toLowerCase() : (cus.currency || price.currency);
    if (cus.currency && currency !== cus.currency) {
      throw invalid(`The customer's currency is ${cus.currency}; invoice items for this customer must be in ${cus.currency}, not ${currency}.`, 'currency');
    }
    const opt = optionFor(price, currency);
    if (!opt) throw invalid(`The price specified (${price.id}) has no amount in ${currency}. Add it to the price's currency_options.`, 'currency');
    if (!cus.currency) cus.currency = currency; // as Stripe: the customer's currency is fixed by its first invoice item
    const c = charge(price, opt, quantity);
    if (c.amount > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('The amount is too large.', 'quantity');
    const unitDecimal = price.billingScheme === 'tiered' ? null : (opt.unitAmountDecimal != null ? String(opt.unitAmountDecimal) : String(opt.unitAmount));
    const ii = { id: runtimeId('ii', 24), created: at, customer: cus.id, subscription: b.subscription ? String(b.subscription) : null, currency,
      amount: Number(c.amount), price: price.id, quantity, proration: false, periodStart: at, periodEnd: at, unitAmountDecimal: unitDecimal,
      description: b.description ? String(b.description) : null, invoice: null, metadata: metadataP(b.metadata),
      lineAmounts: c.lines.map(Number) };
    invoiceitems.insert(ii);
    recordEvent(store, req, 'invoiceitem.created', 'invoiceitems', ii, null, at);
    const o = render(store, 'invoiceitems', ii, new Set());
    // Not in Stripe's object: the per-tier line amounts, for tests that compare tier by tier.
    o.metadata = Object.assign({}, ii.metadata, { sandbox_line_amounts: ii.lineAmounts.join(',') });
    res.json(o);
  });
  r.get('/v1/invoiceitems/:id', (req, res, next) => (invoiceitems.get(req.params.id) ? res.json(retrieveResponse(store, 'invoiceitems', req.params.id, req.query)) : next()));

  return r;
};

module.exports.charge = charge;
