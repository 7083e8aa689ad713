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

// ---- round 2: idempotency, applied audit, lost responses, refunds, coupons, events, knobs, scale

const { createIdempotency } = require('../lib/idempotency');
const { generate } = require('../dataset');

async function send(path, form, { method = 'POST', key } = {}) {
  const headers = { Authorization: 'Bearer ' + KEY, 'Content-Type': 'application/x-www-form-urlencoded' };
  if (key) headers['Idempotency-Key'] = key;
  const r = await fetch(base + path, { method, headers, body: form });
  return { status: r.status, headers: r.headers, text: await r.text() };
}
const admin = (path, json) => fetch(base + path, json === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(json) }).then(r => r.json());

test('a replayed write returns the first response; other params or endpoint -> 400 idempotency_error', async () => {
  const key = 'idem-' + Date.now();
  const first = await send('/v1/customers', 'name=Idem+Person&email=idem@example.com', { key });
  assert.strictEqual(first.status, 200);
  const again = await send('/v1/customers', 'name=Idem+Person&email=idem@example.com', { key });
  assert.strictEqual(again.status, 200);
  assert.strictEqual(again.text, first.text);
  assert.strictEqual(again.headers.get('idempotent-replayed'), 'true');
  assert.strictEqual(again.headers.get('original-request'), first.headers.get('request-id'));
  const other = await send('/v1/customers', 'name=Someone+Else', { key });
  assert.strictEqual(other.status, 400);
  assert.strictEqual(JSON.parse(other.text).error.type, 'idempotency_error');
  const elsewhere = await send('/v1/customers/' + JSON.parse(first.text).id, 'name=Idem+Person&email=idem@example.com', { key });
  assert.strictEqual(elsewhere.status, 400);
  assert.strictEqual(JSON.parse(elsewhere.text).error.type, 'idempotency_error');
  const applied = (await admin('/__sandbox/applied')).data.filter(a => a.idempotency_key === key);
  assert.deepStrictEqual(applied.map(a => [a.method, a.path, a.id]), [['POST', '/v1/customers', JSON.parse(first.text).id]]);
});

test('errors from the endpoint are replayed; parameter errors are not saved', async () => {
  const key = 'idem-err-' + Date.now();
  const bad = await send('/v1/customers/cus_doesnotexist', 'name=X', { key });
  assert.strictEqual(bad.status, 404);
  const again = await send('/v1/customers/cus_doesnotexist', 'name=X', { key });
  assert.strictEqual(again.status, 404);
  assert.strictEqual(again.headers.get('idempotent-replayed'), 'true');
  const key2 = 'idem-param-' + Date.now();
  const unknown = await send('/v1/customers', 'nonsense=1', { key: key2 });
  assert.strictEqual(JSON.parse(unknown.text).error.code, 'parameter_unknown');
  const retry = await send('/v1/customers', 'nonsense=1', { key: key2 });
  assert.strictEqual(retry.headers.get('idempotent-replayed'), null);
});

test('a request whose key is still in flight gets 409 idempotency_key_in_use', () => {
  const knobs = { state: { config: { faults: {} }, stats: { faults: {} } } };
  const idem = createIdempotency(knobs);
  const fakeReq = () => ({ method: 'POST', path: '/v1/refunds', body: { amount: '5' }, apiKey: 'k', requestId: 'req_1',
    header: n => (n === 'idempotency-key' ? 'same' : undefined), socket: { destroy() {} } });
  const fakeRes = () => {
    const res = { statusCode: 200, headers: {}, sent: null, handlers: {} };
    res.status = c => { res.statusCode = c; return res; };
    res.set = (k, v) => { res.headers[k.toLowerCase()] = v; return res; };
    res.get = k => res.headers[k.toLowerCase()];
    res.send = b => { res.sent = b; return res; };
    res.json = o => res.set('Content-Type', 'application/json').send(JSON.stringify(o));
    res.on = (ev, f) => { res.handlers[ev] = f; };
    return res;
  };
  const res1 = fakeRes();
  let ran = 0;
  idem.middleware(fakeReq(), res1, () => { ran++; }); // first request: the endpoint is running
  const res2 = fakeRes();
  idem.middleware(fakeReq(), res2, () => { ran++; });
  assert.strictEqual(ran, 1);
  assert.strictEqual(res2.statusCode, 409);
  assert.deepStrictEqual([JSON.parse(res2.sent).error.type, JSON.parse(res2.sent).error.code], ['idempotency_error', 'idempotency_key_in_use']);
  res1.json({ id: 're_1', object: 'refund' }); // the first one finishes
  const res3 = fakeRes();
  idem.middleware(fakeReq(), res3, () => { ran++; });
  assert.strictEqual(ran, 1);
  assert.strictEqual(res3.headers['idempotent-replayed'], 'true');
  assert.strictEqual(idem.applied.length, 1);
});

test('dropAfterApply loses the response of an applied write; the retry gets the replay', async () => {
  await admin('/__sandbox/config', { faults: { dropAfterApply: 1 } });
  const key = 'lost-' + Date.now();
  let threw = false;
  try { await send('/v1/customers', 'name=Lost+Response', { key }); } catch (e) { threw = true; }
  await admin('/__sandbox/config', { faults: { dropAfterApply: 0 } });
  assert.ok(threw, 'the connection was not dropped');
  const retry = await send('/v1/customers', 'name=Lost+Response', { key });
  assert.strictEqual(retry.status, 200);
  assert.strictEqual(retry.headers.get('idempotent-replayed'), 'true');
  const applied = (await admin('/__sandbox/applied')).data.filter(a => a.idempotency_key === key);
  assert.strictEqual(applied.length, 1);
  assert.strictEqual(applied[0].id, JSON.parse(retry.text).id);
  const stats = await admin('/__sandbox/stats');
  assert.ok(stats.faults.dropAfterApply >= 1);
});

test('refunds: partial, remainder, too large, already refunded; listed and evented', async () => {
  const { body: pis } = await get('/v1/payment_intents?limit=100');
  const pi = pis.data.find(p => p.status === 'succeeded' && p.amount >= 300 && p.latest_charge);
  assert.ok(pi, 'no succeeded payment intent with a charge');
  const { body: ch0 } = await get('/v1/charges/' + pi.latest_charge);
  assert.deepStrictEqual([ch0.object, ch0.amount, ch0.amount_refunded, ch0.payment_intent], ['charge', pi.amount, 0, pi.id]);
  const r1 = await send('/v1/refunds', `payment_intent=${pi.id}&amount=100&reason=requested_by_customer&metadata[ticket]=T-1`);
  assert.strictEqual(r1.status, 200, r1.text);
  const re1 = JSON.parse(r1.text);
  assert.deepStrictEqual([re1.object, re1.amount, re1.charge, re1.payment_intent, re1.reason, re1.status, re1.metadata.ticket],
    ['refund', 100, pi.latest_charge, pi.id, 'requested_by_customer', 'succeeded', 'T-1']);
  const missingKeys = Object.keys(resources.refund).filter(k => !(k in re1));
  assert.deepStrictEqual(missingKeys, []);
  const tooMuch = await send('/v1/refunds', `charge=${pi.latest_charge}&amount=${pi.amount}`);
  assert.strictEqual(tooMuch.status, 400);
  assert.deepStrictEqual([JSON.parse(tooMuch.text).error.type, JSON.parse(tooMuch.text).error.param], ['invalid_request_error', 'amount']);
  const rest = JSON.parse((await send('/v1/refunds', `charge=${pi.latest_charge}`)).text);
  assert.strictEqual(rest.amount, pi.amount - 100);
  const again = await send('/v1/refunds', `payment_intent=${pi.id}`);
  assert.strictEqual(again.status, 400);
  assert.strictEqual(JSON.parse(again.text).error.code, 'charge_already_refunded');
  const badReason = await send('/v1/refunds', `payment_intent=${pi.id}&reason=because`);
  assert.strictEqual(JSON.parse(badReason.text).error.param, 'reason');
  const { body: ch1 } = await get('/v1/charges/' + pi.latest_charge);
  assert.deepStrictEqual([ch1.amount_refunded, ch1.refunded, ch1.refunds.data.length], [pi.amount, true, 2]);
  const { body: list } = await get('/v1/refunds?payment_intent=' + pi.id);
  assert.deepStrictEqual(list.data.map(x => x.id), [rest.id, re1.id]);
  const { body: one } = await get('/v1/refunds/' + re1.id);
  assert.strictEqual(one.amount, 100);
  const { body: evs } = await get('/v1/events?types[]=refund.created&types[]=charge.refunded&limit=10');
  assert.ok(evs.data.some(e => e.type === 'refund.created' && e.data.object.id === re1.id));
  assert.ok(evs.data.some(e => e.type === 'charge.refunded' && e.data.object.id === pi.latest_charge && e.data.previous_attributes));
});

test('coupons and promotion codes: fixture shapes, creation, promotion.coupon', async () => {
  const { body: cs } = await get('/v1/coupons?limit=100');
  assert.ok(cs.data.length >= 5);
  for (const c of cs.data) assert.deepStrictEqual(Object.keys(resources.coupon).filter(k => !(k in c)), []);
  const { body: ps } = await get('/v1/promotion_codes?limit=100');
  assert.ok(ps.data.length >= 5);
  for (const p of ps.data) {
    assert.deepStrictEqual(Object.keys(resources.promotion_code).filter(k => !(k in p)), []);
    assert.strictEqual(p.promotion.type, 'coupon');
    assert.ok(cs.data.some(c => c.id === p.promotion.coupon));
  }
  const made = JSON.parse((await send('/v1/coupons', 'percent_off=15&duration=repeating&duration_in_months=6&max_redemptions=10&name=Test')).text);
  assert.deepStrictEqual([made.percent_off, made.duration, made.duration_in_months, made.max_redemptions, made.valid], [15, 'repeating', 6, 10, true]);
  const amt = await send('/v1/coupons', 'amount_off=500&duration=once');
  assert.strictEqual(JSON.parse(amt.text).error.param, 'currency');
  const promo = JSON.parse((await send('/v1/promotion_codes', `promotion[type]=coupon&promotion[coupon]=${made.id}&code=TESTCODE15`)).text);
  assert.deepStrictEqual([promo.object, promo.code, promo.promotion], ['promotion_code', 'TESTCODE15', { type: 'coupon', coupon: made.id }]);
  const { body: byCoupon } = await get('/v1/promotion_codes?coupon=' + made.id);
  assert.deepStrictEqual(byCoupon.data.map(p => p.id), [promo.id]);
});

test('every customer with a default payment method has it listed', async () => {
  let after = null;
  for (;;) {
    const { body } = await get('/v1/customers?limit=100' + (after ? '&starting_after=' + after : ''));
    for (const c of body.data.filter(x => x.invoice_settings.default_payment_method)) {
      const { body: pms } = await get(`/v1/customers/${c.id}/payment_methods`);
      assert.ok(pms.data.some(p => p.id === c.invoice_settings.default_payment_method), c.id);
    }
    if (!body.has_more) break;
    after = body.data[body.data.length - 1].id;
  }
});

test('seeded events cover the last 30 days only; mutate records one event per change', async () => {
  const now = Date.UTC(2026, 10, 1) / 1000;
  const types = new Set();
  let after = null, n = 0;
  for (;;) {
    const { body } = await get('/v1/events?limit=100' + (after ? '&starting_after=' + after : ''));
    for (const e of body.data) { types.add(e.type); n++; assert.ok(e.created >= now - 30 * 86400, e.id); assert.ok(e.data.object.id); }
    if (!body.has_more) break;
    after = body.data[body.data.length - 1].id;
  }
  for (const t of ['invoice.paid', 'invoice.payment_failed', 'customer.subscription.updated', 'invoice.finalized']) assert.ok(types.has(t), t);
  const m = await admin('/__sandbox/mutate', { count: 40, seed: 3 });
  assert.strictEqual(m.applied, 40);
  const { body: latest } = await get('/v1/events?limit=100');
  const fresh = latest.data.filter(e => e.created > now && !e.request.id);
  assert.ok(fresh.length >= 40, `${fresh.length} events`);
  const upd = fresh.find(e => e.type === 'customer.updated');
  assert.ok(upd && Object.keys(upd.data.previous_attributes).length > 0);
});

test('created ranges with starting_after partition the full list exactly', async () => {
  const walk = async (extra) => {
    const ids = [];
    let after = null;
    for (;;) {
      const { body } = await get('/v1/invoices?limit=100' + extra + (after ? '&starting_after=' + after : ''));
      ids.push(...body.data.map(i => i.id));
      if (!body.has_more) return ids;
      after = body.data[body.data.length - 1].id;
    }
  };
  const all = await walk('');
  const now = Date.UTC(2026, 10, 1) / 1000;
  const cuts = [0, now - 400 * 86400, now - 200 * 86400, now - 30 * 86400, now + 365 * 86400];
  const parts = await Promise.all(cuts.slice(1).map((hi, i) => walk(`&created[gte]=${cuts[i]}&created[lt]=${hi}`)));
  assert.deepStrictEqual(parts.reverse().flat(), all);
  const { body: gt } = await get(`/v1/invoices?limit=5&created[gt]=${now - 86400}&created[lte]=${now}`);
  assert.ok(gt.data.every(i => i.created > now - 86400 && i.created <= now));
});

test('latency is per request (concurrent), the rate limit a token bucket per key', async () => {
  await admin('/__sandbox/config', { latencyMs: 300, rateLimit: 25 });
  try {
    let t = Date.now();
    const a = await Promise.all(Array.from({ length: 25 }, () => get('/v1/customers?limit=1').then(r => r.status)));
    const took = Date.now() - t;
    assert.ok(a.every(s => s === 200), JSON.stringify(a));
    assert.ok(took >= 290 && took < 1200, `25 concurrent requests at 300 ms took ${took} ms`);
    await new Promise(r => setTimeout(r, 1100)); // the bucket refills (25 tokens in 1 s)
    t = Date.now();
    const b = await Promise.all(Array.from({ length: 40 }, () => get('/v1/customers?limit=1')));
    const spread = Date.now() - t - 300; // how long the 40 took to arrive, roughly
    const passed = b.filter(r => r.status === 200).length;
    // A full bucket (25) plus what refilled at 25/s while the burst arrived.
    assert.ok(passed >= 25 && passed <= 25 + Math.ceil(Math.max(0, spread) * 25 / 1000) + 1, `${passed} of 40 passed`);
    const limited = b.find(r => r.status === 429);
    assert.strictEqual(limited.body.error.code, 'rate_limit');
    assert.strictEqual(limited.headers.get('stripe-should-retry'), 'true');
    // Refill is continuous: after an empty bucket, 200 ms give 5 tokens, not a whole new window.
    await admin('/__sandbox/config', { latencyMs: 0, rateLimit: 25 });
    await Promise.all(Array.from({ length: 30 }, () => get('/v1/customers?limit=1')));
    await new Promise(r => setTimeout(r, 200));
    const c = await Promise.all(Array.from({ length: 12 }, () => get('/v1/customers?limit=1')));
    const refilled = c.filter(r => r.status === 200).length;
    assert.ok(refilled >= 4 && refilled <= 7, `${refilled} passed 200 ms after the bucket was empty`);
    // A client sending at the rate (one request every 40 ms) after a full burst is never limited:
    // the sliding-window version failed this now and then.
    await new Promise(r => setTimeout(r, 1100));
    const burst = await Promise.all(Array.from({ length: 24 }, () => get('/v1/customers?limit=1')));
    assert.ok(burst.every(r => r.status === 200));
    const paced = [];
    for (let i = 0; i < 40; i++) {
      await new Promise(r => setTimeout(r, 42));
      paced.push(get('/v1/customers?limit=1'));
    }
    const statuses = (await Promise.all(paced)).map(r => r.status);
    assert.ok(statuses.every(s => s === 200), JSON.stringify(statuses));
  } finally {
    await admin('/__sandbox/config', { latencyMs: 0, rateLimit: 0 });
  }
});

test('--scale N makes about N customers + subscriptions + invoices, deterministically', () => {
  const a = generate({ scale: 3000 });
  const total = a.customers.length + a.subscriptions.length + a.invoices.length;
  assert.ok(total >= 3000 && total < 3000 + 60, `total ${total}`);
  const b = generate({ scale: 3000 });
  assert.strictEqual(JSON.stringify(b.invoices.map(i => i.id + i.status)), JSON.stringify(a.invoices.map(i => i.id + i.status)));
  const demo = generate({});
  assert.deepStrictEqual([demo.customers.length, demo.invoices.length], [300, 1805]);
});
