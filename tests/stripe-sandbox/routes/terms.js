'use strict';
// Invoice terms and installments: invoice creation with send_invoice terms, custom fields, payment_settings (owner: payment terms work).
// POST /v1/invoices creates a draft invoice the way Stripe does for one-off invoices: collection_method with days_until_due or
// due_date, custom_fields (at most 4, name <= 40, value <= 140), description (memo), footer, metadata and payment_settings
// (payment_method_types; customer_balance needs payment_method_options.customer_balance.funding_type = bank_transfer and a
// bank_transfer.type that fits the currency). Amount-only POST /v1/invoiceitems (routes/catalog.js answers the ones with a
// price) add a line to a draft invoice or wait as the customer's pending item; each gets an inline one-time price, as Stripe
// makes for price_data. The invoice renderer is extended (from here, nothing else changes) with the fields Stripe returns.
const express = require('express');
const { invalid, missing, expandList, applyExpand, includes } = require('../lib/api');
const R = require('../lib/render');
const { recordEvent, clock } = require('../lib/events');
const { runtimeId } = require('../lib/prng');

const DAY = 86400;
const PM_TYPES = ['ach_credit_transfer', 'ach_debit', 'acss_debit', 'bancontact', 'card', 'customer_balance', 'link', 'sepa_debit', 'us_bank_account', 'ideal', 'sofort', 'konbini', 'paypal'];
const BANK_TRANSFER = { usd: 'us_bank_transfer', eur: 'eu_bank_transfer', gbp: 'gb_bank_transfer', jpy: 'jp_bank_transfer', mxn: 'mx_bank_transfer' };
const EU_COUNTRIES = ['BE', 'DE', 'ES', 'FR', 'IE', 'NL'];

// The fields of invoices created here, on every rendering of them (retrieve, list, events).
const baseInvoice = R.RENDERERS.invoices;
R.RENDERERS.invoices = function invoiceWithTerms(store, r, expand) {
  const o = baseInvoice(store, r, expand);
  if (r.terms) {
    o.custom_fields = r.terms.customFields;
    o.footer = r.terms.footer;
    o.payment_settings = Object.assign({ default_mandate: null, payment_method_options: null, payment_method_types: null }, r.terms.paymentSettings);
    o.auto_advance = r.status === 'draft' ? !!r.terms.autoAdvance : o.auto_advance;
    o.automatically_finalizes_at = r.status === 'draft' && r.terms.autoAdvance ? r.created + 3600 : null;
  }
  return o;
};

function checkParams(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
function intP(v, name, min = 0) {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(String(v))) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  const n = parseInt(v, 10);
  if (n < min) throw invalid(`This value must be greater than or equal to ${min}.`, name, 'parameter_invalid_integer');
  return n;
}
function boolP(v, name) {
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid boolean: ${v}`, name, 'parameter_invalid_boolean');
  return v === 'true';
}
const asArray = v => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : Object.keys(v).sort((a, b) => a - b).map(k => v[k]));
function metadataP(v) {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object') throw invalid('Invalid object', 'metadata');
  const m = {};
  for (const [k, x] of Object.entries(v)) if (x !== '') m[k] = String(x);
  return m;
}

function customFieldsP(v) {
  const list = asArray(v);
  if (list.length > 4) throw invalid('custom_fields may contain at most 4 entries.', 'custom_fields');
  return list.map((f, i) => {
    if (typeof f !== 'object' || !f.name || !f.value) throw invalid(`Missing required param: custom_fields[${i}][${f && f.name ? 'value' : 'name'}].`, `custom_fields[${i}]`, 'parameter_missing');
    if (String(f.name).length > 40) throw invalid('Invalid string: must be at most 40 characters', `custom_fields[${i}][name]`, 'parameter_invalid_string_too_long');
    if (String(f.value).length > 140) throw invalid('Invalid string: must be at most 140 characters', `custom_fields[${i}][value]`, 'parameter_invalid_string_too_long');
    return { name: String(f.name), value: String(f.value) };
  });
}

function paymentSettingsP(v, currency) {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'object') throw invalid('Invalid object', 'payment_settings');
  checkParams(v, ['payment_method_types', 'payment_method_options', 'default_mandate']);
  const types = asArray(v.payment_method_types).map(String);
  for (const t of types) if (!PM_TYPES.includes(t)) throw invalid(`Invalid payment_settings[payment_method_types]: ${t} is not a supported payment method type.`, 'payment_settings[payment_method_types]');
  if (types.includes('us_bank_account') && currency !== 'usd') {
    throw invalid(`The payment method type us_bank_account is invalid for currency ${currency}.`, 'payment_settings[payment_method_types]');
  }
  if (types.includes('sepa_debit') && currency !== 'eur') {
    throw invalid(`The payment method type sepa_debit is invalid for currency ${currency}.`, 'payment_settings[payment_method_types]');
  }
  const opts = v.payment_method_options || {};
  const out = { payment_method_types: types.length ? types : null, payment_method_options: null };
  if (types.includes('customer_balance')) {
    const cb = opts.customer_balance;
    if (!cb || cb.funding_type !== 'bank_transfer') {
      throw invalid('payment_settings[payment_method_options][customer_balance][funding_type] must be bank_transfer when customer_balance is a payment method type.',
        'payment_settings[payment_method_options][customer_balance][funding_type]', 'parameter_missing');
    }
    const bt = cb.bank_transfer || {};
    const want = BANK_TRANSFER[currency];
    if (!want) throw invalid(`Bank transfers are not supported for currency ${currency}.`, 'payment_settings[payment_method_types]');
    if (bt.type !== want) throw invalid(`payment_settings[payment_method_options][customer_balance][bank_transfer][type] must be ${want} for ${currency}.`, 'payment_settings[payment_method_options][customer_balance][bank_transfer][type]');
    const o = { funding_type: 'bank_transfer', bank_transfer: { type: bt.type } };
    if (want === 'eu_bank_transfer') {
      const country = bt.eu_bank_transfer && bt.eu_bank_transfer.country;
      if (!EU_COUNTRIES.includes(String(country))) throw invalid('Missing required param: payment_settings[payment_method_options][customer_balance][bank_transfer][eu_bank_transfer][country].', 'payment_settings[payment_method_options][customer_balance][bank_transfer][eu_bank_transfer][country]', 'parameter_missing');
      o.bank_transfer.eu_bank_transfer = { country: String(country) };
    }
    out.payment_method_options = { customer_balance: o };
  }
  return out;
}

// Sum of lines -> totals (no discounts on these invoices).
function retotal(inv) {
  const sum = inv.lines.reduce((s, l) => s + l.amount, 0);
  inv.subtotal = sum; inv.total = sum; inv.amountDue = sum;
}

module.exports = function termsRouter(store) {
  const r = express.Router();
  const invoices = store.collection('invoices');
  const customers = store.collection('customers');
  const prices = store.collection('prices');
  const products = store.collection('products');
  const items = store.collection('invoiceitems');

  const send = (res, kind, rec, body) => {
    const paths = expandList(body || {});
    res.json(applyExpand(store, R.render(store, kind, rec, includes(paths)), paths));
  };

  r.post('/v1/invoices', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'currency', 'collection_method', 'days_until_due', 'due_date', 'custom_fields', 'description', 'footer',
      'metadata', 'payment_settings', 'pending_invoice_items_behavior', 'auto_advance', 'default_payment_method', 'discounts', 'subscription', 'expand']);
    const at = clock(store);
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = customers.get(String(b.customer));
    if (!cus || cus.deleted) throw missing('customer', b.customer, 'customer');
    if (b.subscription !== undefined) throw invalid('The sandbox creates one-off invoices only; subscription invoices come from the subscription.', 'subscription');
    if (b.discounts !== undefined && b.discounts !== '') throw invalid('Discounts on one-off invoices are not supported by the sandbox.', 'discounts');
    const currency = b.currency ? String(b.currency).toLowerCase() : (cus.currency || 'usd');
    if (cus.currency && currency !== cus.currency) {
      throw invalid(`You cannot combine currencies on a single customer. This customer has had a subscription or payment in ${cus.currency}, but you are trying to pay in ${currency}.`, 'currency');
    }
    const method = b.collection_method || 'charge_automatically';
    if (!['charge_automatically', 'send_invoice'].includes(method)) throw invalid('Invalid collection_method: must be one of charge_automatically or send_invoice', 'collection_method', 'parameter_invalid_string');
    const days = intP(b.days_until_due, 'days_until_due');
    const due = intP(b.due_date, 'due_date');
    if (method === 'charge_automatically' && (days !== undefined || due !== undefined)) {
      throw invalid(`${days !== undefined ? 'days_until_due' : 'due_date'} can only be set when collection_method is send_invoice.`, days !== undefined ? 'days_until_due' : 'due_date');
    }
    if (method === 'send_invoice' && days === undefined && due === undefined) {
      throw invalid('Invoices with collection_method send_invoice need either days_until_due or due_date.', 'days_until_due', 'parameter_missing');
    }
    if (days !== undefined && due !== undefined) throw invalid('You cannot set both days_until_due and due_date.', 'due_date');
    if (due !== undefined && due <= at) throw invalid('due_date must be in the future.', 'due_date');
    const pib = b.pending_invoice_items_behavior || 'exclude';
    if (!['include', 'exclude'].includes(pib)) throw invalid('Invalid pending_invoice_items_behavior: must be one of include or exclude', 'pending_invoice_items_behavior');
    const autoAdvance = boolP(b.auto_advance, 'auto_advance');
    if (b.description !== undefined && String(b.description).length > 1500) throw invalid('Invalid string: must be at most 1500 characters', 'description');
    if (b.footer !== undefined && String(b.footer).length > 5000) throw invalid('Invalid string: must be at most 5000 characters', 'footer');
    const terms = { customFields: b.custom_fields !== undefined ? (customFieldsP(b.custom_fields)) : null, footer: b.footer ? String(b.footer) : null,
      paymentSettings: paymentSettingsP(b.payment_settings, currency), autoAdvance: autoAdvance === true };
    if (terms.customFields && !terms.customFields.length) terms.customFields = null;
    const inv = { id: runtimeId('in', 24), created: at, customer: cus.id, subscription: null, currency, billingReason: 'manual',
      collectionMethod: method, subtotal: 0, total: 0, amountDue: 0, amountPaid: 0, attemptCount: 0, periodStart: at, periodEnd: at,
      lines: [], status: 'draft', discounts: [], discountAmounts: [], dueDate: due !== undefined ? due : (days !== undefined ? at + days * DAY : null),
      description: b.description ? String(b.description) : null, metadata: metadataP(b.metadata), terms };
    if (pib === 'include') {
      for (const ii of items.items.filter(x => x.customer === cus.id && !x.invoice && !x.subscription && !x.deleted).reverse()) {
        inv.lines.push({ id: runtimeId('il', 24), amount: ii.amount, price: ii.price, quantity: ii.quantity, invoiceItem: ii.id,
          periodStart: ii.periodStart, periodEnd: ii.periodEnd, unitAmountDecimal: ii.unitAmountDecimal, description: ii.description });
        ii.invoice = inv.id;
      }
      retotal(inv);
    }
    invoices.insert(inv);
    recordEvent(store, req, 'invoice.created', 'invoices', inv, null, at);
    send(res, 'invoices', inv, b);
  });

  // Amount-only invoice items (items with a price: routes/catalog.js, registered before this router).
  r.post('/v1/invoiceitems', (req, res) => {
    const b = req.body || {};
    checkParams(b, ['customer', 'amount', 'currency', 'description', 'invoice', 'metadata', 'period', 'quantity', 'discountable', 'expand', 'price_data']);
    const at = clock(store);
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = customers.get(String(b.customer));
    if (!cus || cus.deleted) throw missing('customer', b.customer, 'customer');
    const pd = b.price_data;
    const amount = pd ? intP(pd.unit_amount, 'price_data[unit_amount]') : intP(b.amount, 'amount', -99999999999);
    if (amount === undefined) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
    const currency = String((pd && pd.currency) || b.currency || cus.currency || '').toLowerCase();
    if (!currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (cus.currency && currency !== cus.currency) {
      throw invalid(`The customer's currency is ${cus.currency}; invoice items for this customer must be in ${cus.currency}, not ${currency}.`, 'currency');
    }
    let inv = null;
    if (b.invoice !== undefined) {
      inv = invoices.get(String(b.invoice));
      if (!inv) throw missing('invoice', b.invoice, 'invoice');
      if (inv.customer !== cus.id) throw invalid(`Invoice ${inv.id} belongs to another customer.`, 'invoice');
      if (inv.status !== 'draft') throw invalid(`You can only add invoice items to draft invoices. Invoice ${inv.id} is ${inv.status}.`, 'invoice', 'invoice_not_editable');
      if (inv.currency !== currency) throw invalid(`The invoice is in ${inv.currency}; the invoice item is in ${currency}.`, 'currency');
    }
    const quantity = b.quantity === undefined ? 1 : intP(b.quantity, 'quantity', 1);
    // The inline one-time price Stripe makes for an amount (inactive, so no list of active prices shows it).
    const product = (pd && pd.product) || (products.items[products.items.length - 1] || {}).id;
    const price = { id: runtimeId('price', 24), created: at, product, currency, type: 'one_time', interval: null, billingScheme: 'per_unit',
      unitAmount: amount, active: false, metadata: {} };
    prices.insert(price);
    const ii = { id: runtimeId('ii', 24), created: at, customer: cus.id, subscription: null, currency, amount: amount * quantity, price: price.id,
      quantity, proration: false, periodStart: at, periodEnd: at, unitAmountDecimal: String(amount),
      description: b.description ? String(b.description) : null, invoice: inv ? inv.id : null, metadata: metadataP(b.metadata) };
    items.insert(ii);
    if (!cus.currency) cus.currency = currency;
    recordEvent(store, req, 'invoiceitem.created', 'invoiceitems', ii, null, at);
    if (inv) {
      inv.lines.push({ id: runtimeId('il', 24), amount: ii.amount, price: price.id, quantity, invoiceItem: ii.id, periodStart: at, periodEnd: at,
        unitAmountDecimal: ii.unitAmountDecimal, description: ii.description });
      retotal(inv);
      recordEvent(store, req, 'invoice.updated', 'invoices', inv, { total: inv.total - ii.amount }, at);
    }
    send(res, 'invoiceitems', ii, b);
  });
  return r;
};

// Subscription-level terms: Stripe accepts payment_settings on POST /v1/subscriptions/:id (payment_method_types,
// payment_method_options, save_default_payment_method) and returns it on the subscription; the invoices the subscription makes
// then offer those types. This router runs before routes/lifecycle.js (server.js registers it first): it validates and takes
// payment_settings out of the request, lets the lifecycle update do the rest, and undoes the change if that update fails.
const baseSubscription = R.RENDERERS.subscriptions;
R.RENDERERS.subscriptions = function subscriptionWithPaymentSettings(store, r, expand) {
  const o = baseSubscription(store, r, expand);
  if (r.paymentSettings) {
    o.payment_settings = Object.assign({ payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
      r.paymentSettings);
  }
  return o;
};

module.exports.subscriptionTerms = function subscriptionTermsRouter(store) {
  const r = express.Router();
  const subs = store.collection('subscriptions');
  r.post('/v1/subscriptions/:id', (req, res, next) => {
    const b = req.body || {};
    if (b.payment_settings === undefined) return next();
    const sub = subs.get(req.params.id);
    if (!sub) return next(); // the lifecycle route answers the 404
    const v = b.payment_settings;
    let settings = null;
    if (v !== '') {
      if (typeof v !== 'object') throw invalid('Invalid object', 'payment_settings');
      const save = v.save_default_payment_method;
      if (save !== undefined && !['off', 'on_subscription'].includes(String(save))) {
        throw invalid(`Invalid payment_settings[save_default_payment_method]: must be one of off or on_subscription`,
          'payment_settings[save_default_payment_method]');
      }
      const rest = Object.assign({}, v);
      delete rest.save_default_payment_method;
      settings = paymentSettingsP(rest, sub.currency) || { payment_method_types: null, payment_method_options: null };
      if (save !== undefined) settings.save_default_payment_method = String(save);
      else if (sub.paymentSettings && sub.paymentSettings.save_default_payment_method) {
        settings.save_default_payment_method = sub.paymentSettings.save_default_payment_method;
      }
    }
    const before = sub.paymentSettings;
    sub.paymentSettings = settings;
    res.on('finish', () => { if (res.statusCode >= 400) sub.paymentSettings = before; });
    delete b.payment_settings;
    next();
  });
  return r;
};
