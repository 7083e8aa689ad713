'use strict';
// node --test: products, prices (tiers, transform_quantity, decimals, currency_options) and the
// amounts invoice items get for them (routes/catalog.js). Expected amounts are worked out by hand.
const test = require('node:test');
const assert = require('node:assert');
const { createApp, loadStore } = require('../server');
const { resources } = require('../lib/fixtures');

const KEY = 'sk_test_sandbox_catalogtest';
const NOW = Date.UTC(2026, 10, 1) / 1000;
let server, base;

async function call(method, path, form) {
  const init = { method, headers: { Authorization: 'Bearer ' + KEY } };
  if (form) { init.body = new URLSearchParams(form).toString(); init.headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
  const r = await fetch(base + path, init);
  return { status: r.status, body: await r.json() };
}

test.before(async () => {
  const { store } = loadStore({ dataset: 'demo', scale: 0, now: NOW });
  const { app } = createApp({ apiKey: KEY, latencyMs: 0, rateLimit: 0, faults: {}, frozenClock: true }, store);
  await new Promise(resolve => { server = app.listen(0, '127.0.0.1', resolve); });
  base = `http://127.0.0.1:${server.address().port}`;
});
test.after(() => server.close());

async function product() {
  const { status, body } = await call('POST', '/v1/products', { name: 'Catalog test' });
  assert.strictEqual(status, 200);
  assert.deepStrictEqual(Object.keys(resources.product).filter(k => !(k in body)), []);
  return body.id;
}
async function customer() { return (await call('POST', '/v1/customers', { name: 'Catalog buyer' })).body.id; }
async function invoice(price, quantity, currency) {
  const form = { customer: await customer(), 'pricing[price]': price, quantity: String(quantity) };
  if (currency) form.currency = currency;
  return call('POST', '/v1/invoiceitems', form);
}

test('graduated tiers with a decimal tier: one rounded line per tier', async () => {
  const prod = await product();
  const { status, body: price } = await call('POST', '/v1/prices', { currency: 'usd', product: prod, billing_scheme: 'tiered', tiers_mode: 'graduated',
    'tiers[0][up_to]': '1000', 'tiers[0][flat_amount]': '2000', 'tiers[0][unit_amount]': '0',
    'tiers[1][up_to]': 'inf', 'tiers[1][unit_amount_decimal]': '0.15', 'expand[]': 'tiers' });
  assert.strictEqual(status, 200);
  assert.deepStrictEqual(Object.keys(resources.price).filter(k => !(k in price)), []);
  assert.strictEqual(price.tiers[1].up_to, null);
  // 1,010 calls: $20.00 flat, then 10 x 0.15 cents = 1.5 -> 2 cents.
  const { body } = await invoice(price.id, 1010);
  assert.strictEqual(body.amount, 2002);
  assert.strictEqual(body.metadata.sandbox_line_amounts, '2000,2');
});

test('package and currency options; the customer currency is then fixed', async () => {
  const prod = await product();
  const { body: price } = await call('POST', '/v1/prices', { currency: 'usd', product: prod, unit_amount: '500',
    'transform_quantity[divide_by]': '100', 'transform_quantity[round]': 'up', 'currency_options[jpy][unit_amount]': '700' });
  assert.deepStrictEqual(price.transform_quantity, { divide_by: 100, round: 'up' });
  assert.strictEqual((await invoice(price.id, 101)).body.amount, 1000);
  assert.strictEqual((await invoice(price.id, 250, 'jpy')).body.amount, 2100);
  assert.strictEqual((await invoice(price.id, 1, 'eur')).status, 400);
});

test('bad tier tables are refused', async () => {
  const prod = await product();
  const base = { currency: 'usd', product: prod, billing_scheme: 'tiered', tiers_mode: 'volume' };
  const noInf = await call('POST', '/v1/prices', Object.assign({}, base, { 'tiers[0][up_to]': '5', 'tiers[0][unit_amount]': '1' }));
  assert.strictEqual(noInf.status, 400);
  const unsorted = await call('POST', '/v1/prices', Object.assign({}, base, { 'tiers[0][up_to]': '10', 'tiers[0][unit_amount]': '1',
    'tiers[1][up_to]': '5', 'tiers[1][unit_amount]': '1', 'tiers[2][up_to]': 'inf', 'tiers[2][unit_amount]': '1' }));
  assert.strictEqual(unsorted.status, 400);
  const decimals = await call('POST', '/v1/prices', { currency: 'usd', product: prod, unit_amount_decimal: '0.0000000000001' });
  assert.strictEqual(decimals.status, 400);
});
