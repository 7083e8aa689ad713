'use strict';
// node --test tests/stripe-sandbox/test: the sandbox in-process on an ephemeral 127.0.0.1 port.
const test = require('node:test');
const assert = require('node:assert');
const { createApp, loadStore } = require('../server');
const { resources } = require('../lib/fixtures');

const KEY = 'sk_test_sandbox_selftest';
let server, base;

async function get(path, key = KEY) {
  const r = await fetch(base + path, { headers: { Authorization: 'Bearer ' + key } });
  return { status: r.status, headers: r.headers, body: await r.json() };
}

test.before(async () => {
  const { store } = loadStore({ dataset: 'demo', scale: 0, now: Date.UTC(2026, 10, 1) / 1000 });
  const { app } = createApp({ apiKey: KEY, latencyMs: 0, rateLimit: 0, faults: {} }, store);
  await new Promise(resolve => { server = app.listen(0, '127.0.0.1', resolve); });
  base = `http://127.0.0.1:${server.address().port}`;
  store.meta.publicBase = base;
});
test.after(() => server.close());

test('objects carry every top-level key of their official fixture', async () => {
  const cases = { customer: '/v1/customers', product: '/v1/products', price: '/v1/prices', subscription: '/v1/subscriptions?status=all',
    invoice: '/v1/invoices', invoice_payment: '/v1/invoice_payments', payment_intent: '/v1/payment_intents', payment_method: '/v1/payment_methods' };
  for (const [type, path] of Object.entries(cases)) {
    const { body } = await get(path + (path.includes('?') ? '&' : '?') + 'limit=5');
    assert.ok(body.data.length > 0, type);
    for (const obj of body.data) {
      const missing = Object.keys(resources[type]).filter(k => !(k in obj));
      assert.deepStrictEqual(missing, [], `${type} ${obj.id} lacks ${missing}`);
      assert.strictEqual(obj.object, type);
    }
  }
});

test('paginating all invoices visits each once, newest first', async () => {
  const seen = new Set();
  let after = null, prev = Infinity;
  for (;;) {
    const { body } = await get('/v1/invoices?limit=100' + (after ? '&starting_after=' + after : ''));
    for (const inv of body.data) { assert.ok(!seen.has(inv.id)); seen.add(inv.id); assert.ok(inv.created <= prev); prev = inv.created; }
    if (!body.has_more) break;
    after = body.data[body.data.length - 1].id;
  }
  assert.ok(seen.size > 1000, `only ${seen.size} invoices`);
});

test('a wrong key gets 401 with a censored key and a Request-Id', async () => {
  const r = await get('/v1/customers', 'sk_test_not_the_right_key');
  assert.strictEqual(r.status, 401);
  assert.strictEqual(r.body.error.type, 'invalid_request_error');
  assert.match(r.body.error.message, /^Invalid API Key provided: sk_test_\S*\*+_key$/);
  assert.match(r.headers.get('request-id'), /^req_/);
});

test('subscriptions default list excludes canceled; status filter is exact', async () => {
  const all = await get('/v1/subscriptions?limit=100');
  assert.ok(all.body.data.every(s => s.status !== 'canceled'));
  const canceled = await get('/v1/subscriptions?limit=100&status=canceled');
  assert.ok(canceled.body.data.length > 0 && canceled.body.data.every(s => s.status === 'canceled'));
  const bad = await get('/v1/subscriptions?status=nope');
  assert.strictEqual(bad.status, 400);
  assert.strictEqual(bad.body.error.param, 'status');
});

test('failed invoice payments link to payment intents with decline codes', async () => {
  const { body } = await get('/v1/invoices?status=open&limit=100');
  const failing = body.data.filter(i => i.attempt_count > 0 && i.collection_method === 'charge_automatically');
  assert.ok(failing.length > 0);
  const inv = failing[0];
  assert.strictEqual(typeof inv.parent.subscription_details.subscription, 'string');
  const pays = await get(`/v1/invoice_payments?invoice=${inv.id}&expand[]=data.payment.payment_intent`);
  const pi = pays.body.data[0].payment.payment_intent;
  assert.strictEqual(pi.object, 'payment_intent');
  assert.strictEqual(pi.last_payment_error.type, 'card_error');
  assert.ok(pi.last_payment_error.code);
});

test('customer update and delete are recorded as events', async () => {
  const { body: list } = await get('/v1/customers?limit=1');
  const id = list.data[0].id;
  const post = (path, form, method = 'POST') => fetch(base + path, { method, headers: { Authorization: 'Bearer ' + KEY,
    'Content-Type': 'application/x-www-form-urlencoded' }, body: form }).then(r => r.json());
  const updated = await post('/v1/customers/' + id, 'name=Renamed+Person&metadata[vip]=yes');
  assert.strictEqual(updated.name, 'Renamed Person');
  assert.strictEqual(updated.metadata.vip, 'yes');
  const deleted = await post('/v1/customers/' + id, '', 'DELETE');
  assert.deepStrictEqual(deleted, { id, object: 'customer', deleted: true });
  const { body: events } = await get('/v1/events?limit=100');
  const mine = events.data.filter(e => e.data.object.id === id).map(e => e.type);
  assert.deepStrictEqual(mine.slice(0, 1), ['customer.deleted']);
  assert.ok(mine.includes('customer.updated'));
});
