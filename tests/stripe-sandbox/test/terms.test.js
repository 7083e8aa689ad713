'use strict';
// Payment terms in the sandbox (routes/customers.js, routes/terms.js), in-process with a frozen clock:
// - the customer's invoice_settings custom_fields and footer are kept and rendered as Stripe does, and copied onto every invoice
//   created for the customer afterwards (subscription renewals Stripe makes itself included), unless the invoice sets its own;
// - payment_settings on POST /v1/subscriptions/:id is accepted, validated and returned on the subscription.
const test = require('node:test');
const assert = require('node:assert');
const qs = require('qs');
const { createApp, loadStore } = require('../server');

const KEY = 'sk_test_sandbox_terms';
const NOW = Date.UTC(2026, 10, 1) / 1000;
const MONTH = 30 * 86400;
let server, base, store, n = 0;
let starter;

async function call(method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + KEY } };
  if (body && method !== 'GET') { init.body = qs.stringify(body, { arrayFormat: 'indices' }); init.headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
  if (body && method === 'GET') path += '?' + qs.stringify(body, { arrayFormat: 'indices' });
  const r = await fetch(base + path, init);
  return { status: r.status, body: await r.json() };
}
const get = (p, q) => call('GET', p, q);
const post = (p, b) => call('POST', p, b || {});
async function ok(p) { const r = await p; assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.body)); return r.body; }
async function advance(seconds) {
  const r = await fetch(base + '/__sandbox/advance', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seconds }) });
  return r.json();
}
const newCustomer = extra => ok(post('/v1/customers', Object.assign({ name: 'Terms ' + (++n), email: `terms${n}@example.com` }, extra || {})));

test.before(async () => {
  ({ store } = loadStore({ dataset: 'demo', scale: 0, now: NOW, frozenClock: true }));
  const { app } = createApp({ apiKey: KEY, latencyMs: 0, rateLimit: 0, faults: {}, frozenClock: true }, store);
  await new Promise(resolve => { server = app.listen(0, '127.0.0.1', resolve); });
  base = `http://127.0.0.1:${server.address().port}`;
  store.meta.publicBase = base;
  starter = (await ok(get('/v1/prices', { 'lookup_keys[]': 'starter_monthly_usd' }))).data[0];
});
test.after(() => server.close());

test('customer invoice_settings custom_fields and footer are kept, rendered and cleared', async () => {
  const cus = await newCustomer();
  assert.strictEqual(cus.invoice_settings.custom_fields, null);
  assert.strictEqual(cus.invoice_settings.footer, null);
  const updated = await ok(post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-7781' }], footer: 'Wire to IBAN DE89 3704' } }));
  assert.deepStrictEqual(updated.invoice_settings.custom_fields, [{ name: 'PO number', value: 'PO-7781' }]);
  assert.strictEqual(updated.invoice_settings.footer, 'Wire to IBAN DE89 3704');
  const again = await ok(get(`/v1/customers/${cus.id}`));
  assert.deepStrictEqual(again.invoice_settings.custom_fields, [{ name: 'PO number', value: 'PO-7781' }]);
  // The update event says what changed.
  const events = (await ok(get('/v1/events', { type: 'customer.updated', limit: 100 }))).data.filter(e => e.data.object.id === cus.id);
  assert.ok(events.length >= 1);
  assert.strictEqual(events[0].data.previous_attributes.invoice_settings.footer, null);
  // Five fields are too many; a field without a value is refused; nothing changes.
  const five = Array.from({ length: 5 }, (_, i) => ({ name: 'F' + i, value: 'v' }));
  assert.strictEqual((await post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: five } })).status, 400);
  assert.strictEqual((await post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: [{ name: 'PO number' }] } })).status, 400);
  assert.strictEqual((await post(`/v1/customers/${cus.id}`, { invoice_settings: { colour: 'red' } })).status, 400);
  assert.deepStrictEqual((await ok(get(`/v1/customers/${cus.id}`))).invoice_settings.custom_fields, [{ name: 'PO number', value: 'PO-7781' }]);
  // "" clears.
  const cleared = await ok(post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: '', footer: '' } }));
  assert.strictEqual(cleared.invoice_settings.custom_fields, null);
  assert.strictEqual(cleared.invoice_settings.footer, null);
});

test('new invoices for the customer carry its custom fields and footer, renewals included; their own win', async () => {
  const cus = await newCustomer();
  await ok(post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-1' }], footer: 'Net 30, thank you' } }));
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: starter.id }], default_payment_method: 'pm_card_visa' }));
  const first = await ok(get('/v1/invoices/' + sub.latest_invoice));
  assert.deepStrictEqual(first.custom_fields, [{ name: 'PO number', value: 'PO-1' }]);
  assert.strictEqual(first.footer, 'Net 30, thank you');
  // A later change of the customer applies to later invoices only.
  await ok(post(`/v1/customers/${cus.id}`, { invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-2' }] } }));
  const adv = await advance(MONTH + 3600);
  assert.ok(adv.processed.renewed >= 1);
  const renewed = await ok(get('/v1/subscriptions/' + sub.id));
  assert.notStrictEqual(renewed.latest_invoice, sub.latest_invoice);
  const renewal = await ok(get('/v1/invoices/' + renewed.latest_invoice));
  assert.strictEqual(renewal.billing_reason, 'subscription_cycle');
  assert.deepStrictEqual(renewal.custom_fields, [{ name: 'PO number', value: 'PO-2' }]);
  assert.strictEqual(renewal.footer, 'Net 30, thank you');
  assert.deepStrictEqual((await ok(get('/v1/invoices/' + sub.latest_invoice))).custom_fields, [{ name: 'PO number', value: 'PO-1' }]);
  // An invoice created with its own custom fields keeps them; the customer's footer fills the one it left out.
  const own = await ok(post('/v1/invoices', { customer: cus.id, currency: 'usd', collection_method: 'send_invoice', days_until_due: 30,
    custom_fields: [{ name: 'Contract', value: 'C-9' }] }));
  assert.deepStrictEqual(own.custom_fields, [{ name: 'Contract', value: 'C-9' }]);
  assert.strictEqual(own.footer, 'Net 30, thank you');
  // A customer without defaults: invoices have none.
  const plain = await newCustomer();
  const inv = await ok(post('/v1/invoices', { customer: plain.id, currency: 'usd', collection_method: 'send_invoice', days_until_due: 15 }));
  assert.strictEqual(inv.custom_fields, null);
  assert.strictEqual(inv.footer, null);
});

test('payment_settings on a subscription update is accepted, validated and returned', async () => {
  const cus = await newCustomer();
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: starter.id }], default_payment_method: 'pm_card_visa' }));
  assert.strictEqual(sub.payment_settings.payment_method_types, null);
  const updated = await ok(post('/v1/subscriptions/' + sub.id, { collection_method: 'send_invoice', days_until_due: 30,
    payment_settings: { payment_method_types: ['card', 'customer_balance'],
      payment_method_options: { customer_balance: { funding_type: 'bank_transfer', bank_transfer: { type: 'us_bank_transfer' } } } } }));
  assert.deepStrictEqual(updated.payment_settings.payment_method_types, ['card', 'customer_balance']);
  assert.deepStrictEqual(updated.payment_settings.payment_method_options.customer_balance,
    { funding_type: 'bank_transfer', bank_transfer: { type: 'us_bank_transfer' } });
  assert.strictEqual(updated.payment_settings.save_default_payment_method, 'off');
  assert.strictEqual(updated.collection_method, 'send_invoice');
  assert.deepStrictEqual((await ok(get('/v1/subscriptions/' + sub.id))).payment_settings.payment_method_types, ['card', 'customer_balance']);
  // sepa_debit does not fit USD; customer_balance needs its funding type: refused, nothing changes.
  const bad = await post('/v1/subscriptions/' + sub.id, { payment_settings: { payment_method_types: ['sepa_debit'] } });
  assert.strictEqual(bad.status, 400);
  assert.match(bad.body.error.message, /sepa_debit/);
  assert.strictEqual((await post('/v1/subscriptions/' + sub.id, { payment_settings: { payment_method_types: ['customer_balance'] } })).status, 400);
  // A valid payment_settings with another parameter the update refuses: the whole request is refused.
  const mixed = await post('/v1/subscriptions/' + sub.id, { payment_settings: { payment_method_types: ['card'] }, colour: 'red' });
  assert.strictEqual(mixed.status, 400);
  assert.deepStrictEqual((await ok(get('/v1/subscriptions/' + sub.id))).payment_settings.payment_method_types, ['card', 'customer_balance']);
  // "" resets to the account defaults.
  const reset = await ok(post('/v1/subscriptions/' + sub.id, { payment_settings: '' }));
  assert.strictEqual(reset.payment_settings.payment_method_types, null);
  // Unknown subscription: 404 from the lifecycle route.
  assert.strictEqual((await post('/v1/subscriptions/sub_nope', { payment_settings: { payment_method_types: ['card'] } })).status, 404);
});
