'use strict';
// Failed-payment recovery on the demo dataset (routes/dunning.js + the pay action): a card that
// declined keeps declining with the same card_error and decline_code, each try counts an attempt;
// a new payment method (attached, made the customer's default) pays the invoice.
const test = require('node:test');
const assert = require('node:assert');
const qs = require('qs');
const { createApp, loadStore } = require('../server');

const KEY = 'sk_test_sandbox_dunning';
const NOW = Date.UTC(2026, 10, 1) / 1000;
let server, base, store;

async function call(method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + KEY } };
  if (body && method !== 'GET') { init.body = qs.stringify(body, { arrayFormat: 'indices' }); init.headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
  const r = await fetch(base + path, init);
  return { status: r.status, body: await r.json() };
}
const get = p => call('GET', p);
const post = (p, b) => call('POST', p, b || {});
async function ok(p) { const r = await p; assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.body)); return r.body; }

test.before(async () => {
  ({ store } = loadStore({ dataset: 'demo', scale: 0, now: NOW, frozenClock: true }));
  const { app } = createApp({ apiKey: KEY, latencyMs: 0, rateLimit: 0, faults: {}, frozenClock: true }, store);
  await new Promise(resolve => { server = app.listen(0, '127.0.0.1', resolve); });
  base = `http://127.0.0.1:${server.address().port}`;
  store.meta.publicBase = base;
});
test.after(() => server.close());

// Open, automatically charged demo invoices whose last payment failed.
function failing() {
  return store.collection('invoices').items.filter(i => i.status === 'open' && i.collectionMethod === 'charge_automatically' && i.attemptCount > 0);
}

test('the demo has failed invoices to recover', () => {
  assert.ok(failing().length >= 10);
});

test('declined, then a new payment method, then paid', async () => {
  const inv = failing().find(i => {
    const pi = store.collection('payment_intents').get(i.paymentIntent);
    return pi && pi.lastError && pi.lastError.decline_code;
  });
  assert.ok(inv, 'a failed demo invoice with a decline code');
  const before = await ok(get('/v1/invoices/' + inv.id));
  const lastError = store.collection('payment_intents').get(inv.paymentIntent).lastError;

  // Retrying on the same card: Stripe's 402 card_error with the same decline_code, one more attempt.
  const again = await post(`/v1/invoices/${inv.id}/pay`, {});
  assert.strictEqual(again.status, 402);
  assert.strictEqual(again.body.error.type, 'card_error');
  assert.strictEqual(again.body.error.code, lastError.code);
  assert.strictEqual(again.body.error.decline_code, lastError.decline_code);
  const afterDecline = await ok(get('/v1/invoices/' + inv.id));
  assert.strictEqual(afterDecline.status, 'open');
  assert.strictEqual(afterDecline.attempt_count, before.attempt_count + 1);
  assert.ok(afterDecline.next_payment_attempt === null || afterDecline.next_payment_attempt > NOW);
  const third = await post(`/v1/invoices/${inv.id}/pay`, {});
  assert.strictEqual(third.status, 402);

  // The customer adds a card and makes it the default: the next pay succeeds.
  const pm = await ok(post('/v1/payment_methods/pm_card_visa/attach', { customer: inv.customer }));
  await ok(post('/v1/customers/' + inv.customer, { invoice_settings: { default_payment_method: pm.id } }));
  const paid = await ok(post(`/v1/invoices/${inv.id}/pay`, {}));
  assert.strictEqual(paid.status, 'paid');
  assert.strictEqual(paid.amount_remaining, 0);
  assert.strictEqual(paid.attempt_count, before.attempt_count + 3);
  assert.strictEqual(paid.next_payment_attempt, null);
});

test('the sandbox helper makes a stored card decline with a given code', async () => {
  const inv = failing().find(i => i.status === 'open');
  const cus = store.collection('customers').get(inv.customer);
  const res = await ok(post(`/v1/__dunning/cards/${cus.defaultPm}/decline`, { decline_code: 'insufficient_funds' }));
  assert.deepStrictEqual(res.decline, ['card_declined', 'insufficient_funds', 'Your card has insufficient funds.']);
  const d = await post(`/v1/invoices/${inv.id}/pay`, {});
  assert.deepStrictEqual([d.status, d.body.error.decline_code], [402, 'insufficient_funds']);
});
