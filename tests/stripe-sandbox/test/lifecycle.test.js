'use strict';
// Subscription lifecycle against the sandbox in-process, with a frozen clock at
// 2026-11-01T00:00:00Z (a 30-day November), so every amount below is computed by hand:
// Starter monthly USD = 900, Team monthly USD = 2900 (the demo catalog).
const test = require('node:test');
const assert = require('node:assert');
const qs = require('qs');
const { createApp, loadStore } = require('../server');
const { resources } = require('../lib/fixtures');

const KEY = 'sk_test_sandbox_lifecycle';
const NOW = Date.UTC(2026, 10, 1) / 1000;
const DAY = 86400;
const MONTH = 30 * DAY; // November 2026
let server, base, store, idemCounter = 0;
const STARTER = 'starter_monthly_usd', TEAM = 'team_monthly_usd';
const price = {};

async function call(method, path, body, headers = {}) {
  const init = { method, headers: Object.assign({ Authorization: 'Bearer ' + KEY }, headers) };
  if (body && method !== 'GET') { init.body = qs.stringify(body, { arrayFormat: 'indices' }); init.headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
  if (body && method === 'GET') path += '?' + qs.stringify(body, { arrayFormat: 'indices' });
  const r = await fetch(base + path, init);
  return { status: r.status, headers: r.headers, body: await r.json() };
}
const get = (p, q) => call('GET', p, q);
const post = (p, b, h) => call('POST', p, b || {}, h);
async function ok(p) { const r = await p; assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.body)); return r.body; }
async function advance(seconds) {
  const r = await fetch(base + '/__sandbox/advance', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seconds }) });
  return r.json();
}
async function newCustomer(extra) { return ok(post('/v1/customers', Object.assign({ name: 'Lifecycle ' + (++idemCounter), email: `life${idemCounter}@example.com` }, extra || {}))); }
async function newSub(params) {
  const cus = params.customer || (await newCustomer()).id;
  return ok(post('/v1/subscriptions', Object.assign({ default_payment_method: 'pm_card_visa' }, params, { customer: cus })));
}
const invoice = id => ok(get('/v1/invoices/' + id));
const eventsFor = async (id, type) => (await ok(get('/v1/events', { type, limit: 100 }))).data.filter(e => e.data.object.id === id);

test.before(async () => {
  ({ store } = loadStore({ dataset: 'demo', scale: 0, now: NOW, frozenClock: true }));
  const { app } = createApp({ apiKey: KEY, latencyMs: 0, rateLimit: 0, faults: {}, frozenClock: true }, store);
  await new Promise(resolve => { server = app.listen(0, '127.0.0.1', resolve); });
  base = `http://127.0.0.1:${server.address().port}`;
  store.meta.publicBase = base;
  for (const k of [STARTER, TEAM]) price[k] = (await ok(get('/v1/prices', { 'lookup_keys[]': k }))).data[0];
  assert.strictEqual(price[STARTER].unit_amount, 900);
  assert.strictEqual(price[TEAM].unit_amount, 2900);
});
test.after(() => server.close());

test('the demo dataset keeps its counts', () => {
  assert.strictEqual(store.collection('customers').items.length, 300);
  assert.strictEqual(store.collection('invoices').items.length, 1805);
});

test('create: first invoice paid with the card, items carry the 30-day period, events recorded', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id, quantity: 1 }], metadata: { plan: 'starter' } });
  assert.strictEqual(sub.status, 'active');
  assert.strictEqual(sub.items.data[0].current_period_end - sub.items.data[0].current_period_start, MONTH);
  const inv = await invoice(sub.latest_invoice);
  assert.deepStrictEqual([inv.status, inv.total, inv.amount_paid, inv.billing_reason], ['paid', 900, 900, 'subscription_create']);
  assert.strictEqual(inv.parent.subscription_details.subscription, sub.id);
  for (const k of Object.keys(resources.subscription)) assert.ok(k in sub, 'subscription lacks ' + k);
  assert.strictEqual((await eventsFor(sub.id, 'customer.subscription.created')).length, 1);
  assert.strictEqual((await eventsFor(inv.id, 'invoice.paid')).length, 1);
});

test('proration rounding: each line rounded on its own, half away from zero', async () => {
  // 1,440 s left of 2,592,000: 900 * 1440 / 2592000 = 0.5 -> 1; 2900 * 1440 / 2592000 = 1.611 -> 2.
  // 7 days left, quantity 3: 2700 * 7/30 = 630 exactly; 8700 * 7/30 = 2030 exactly.
  const cases = [[1440, 1, [-1, 2]], [7 * DAY, 3, [-630, 2030]], [DAY + 1, 1, [-30, 97]]]; // 900*86401/2592000=30.0003, 2900*86401/2592000=96.668
  for (const [left, qty, expected] of cases) {
    const sub = await newSub({ items: [{ price: price[STARTER].id, quantity: qty }] });
    const si = sub.items.data[0];
    const pv = await ok(post('/v1/invoices/create_preview', { subscription: sub.id,
      subscription_details: { items: [{ id: si.id, price: price[TEAM].id }], proration_date: si.current_period_end - left } }));
    const amounts = pv.lines.data.filter(l => l.parent.subscription_item_details.proration).map(l => l.amount).sort((a, b) => a - b);
    assert.deepStrictEqual(amounts, expected, `left ${left}s qty ${qty}`);
  }
});

test('always_invoice bills the prorations at once; none creates no proration', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const si = sub.items.data[0];
  const upd = await ok(post('/v1/subscriptions/' + sub.id, { items: [{ id: si.id, price: price[TEAM].id }], proration_behavior: 'always_invoice',
    proration_date: si.current_period_start + MONTH / 2 }));
  const inv = await invoice(upd.latest_invoice);
  assert.deepStrictEqual([inv.billing_reason, inv.total, inv.status], ['subscription_update', 1000, 'paid']);
  const sub2 = await newSub({ items: [{ price: price[STARTER].id }] });
  const upd2 = await ok(post('/v1/subscriptions/' + sub2.id, { items: [{ id: sub2.items.data[0].id, quantity: 4 }], proration_behavior: 'none' }));
  assert.strictEqual(upd2.items.data[0].quantity, 4);
  assert.strictEqual(upd2.latest_invoice, sub2.latest_invoice);
  assert.strictEqual(store.collection('invoiceitems').items.filter(i => i.subscription === sub2.id).length, 0);
});

test('proration: upgrade 900 -> 2900 at exactly half of a 30-day period = -450 and +1450', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const si = sub.items.data[0];
  const half = si.current_period_start + MONTH / 2;
  const invoicesBefore = store.collection('invoices').items.length;
  const details = { items: [{ id: si.id, price: price[TEAM].id }], proration_date: half };
  // Preview first: nothing is stored.
  const pv = await ok(post('/v1/invoices/create_preview', { subscription: sub.id, subscription_details: details }));
  assert.match(pv.id, /^upcoming_in_/);
  const prorations = pv.lines.data.filter(l => l.parent.subscription_item_details.proration);
  assert.deepStrictEqual(prorations.map(l => l.amount).sort((a, b) => a - b), [-450, 1450]);
  assert.ok(prorations.every(l => l.period.start === half && l.period.end === si.current_period_end));
  const next = pv.lines.data.filter(l => !l.parent.subscription_item_details.proration);
  assert.deepStrictEqual(next.map(l => [l.amount, l.period.start]), [[2900, si.current_period_end]]);
  assert.deepStrictEqual([pv.subtotal, pv.total, pv.amount_due], [1000 + 2900, 3900, 3900]);
  assert.strictEqual(store.collection('invoices').items.length, invoicesBefore);
  assert.strictEqual(store.collection('invoiceitems').items.filter(i => i.subscription === sub.id).length, 0);

  const upd = await ok(post('/v1/subscriptions/' + sub.id, Object.assign({ proration_behavior: 'create_prorations' }, details)));
  assert.strictEqual(upd.items.data[0].price.id, price[TEAM].id);
  assert.strictEqual(upd.items.data[0].id, si.id);
  const pending = store.collection('invoiceitems').items.filter(i => i.subscription === sub.id && !i.invoice);
  assert.deepStrictEqual(pending.map(i => i.amount).sort((a, b) => a - b), [-450, 1450]);
  assert.strictEqual(store.collection('invoices').items.length, invoicesBefore);
  const ev = await eventsFor(sub.id, 'customer.subscription.updated');
  assert.ok(ev.some(e => e.data.previous_attributes && e.data.previous_attributes.items));

  // The next renewal invoices the prorations with the new period.
  const adv = await advance(MONTH);
  assert.ok(adv.processed.renewed >= 1);
  const after = await ok(get('/v1/subscriptions/' + sub.id));
  const renewal = await invoice(after.latest_invoice);
  assert.deepStrictEqual([renewal.billing_reason, renewal.total, renewal.status], ['subscription_cycle', 3900, 'paid']);
  assert.strictEqual(renewal.lines.data.filter(l => l.parent.subscription_item_details.proration).length, 2);
});

test('cancel now with prorate and invoice_now: credit of the unused half goes to the customer balance', async () => {
  const cus = await newCustomer();
  const sub = await newSub({ customer: cus.id, items: [{ price: price[TEAM].id, quantity: 2 }] });
  const si = sub.items.data[0];
  await advance((si.current_period_end - si.current_period_start) / 2); // exactly half of the period (any month length)
  const c = await ok(call('DELETE', '/v1/subscriptions/' + sub.id, { prorate: 'true', invoice_now: 'true',
    cancellation_details: { feedback: 'too_expensive', comment: 'budget cuts' } }));
  assert.strictEqual(c.status, 'canceled');
  assert.strictEqual(c.ended_at, NOW + store.meta.offset);
  assert.deepStrictEqual(c.cancellation_details, { comment: 'budget cuts', feedback: 'too_expensive', reason: 'cancellation_requested' });
  const fin = await invoice(c.latest_invoice);
  assert.strictEqual(fin.total, -2900); // 5800 * 1/2
  assert.strictEqual(fin.amount_due, 0);
  assert.strictEqual((await ok(get('/v1/customers/' + cus.id))).balance, -2900);
  assert.strictEqual((await eventsFor(sub.id, 'customer.subscription.deleted')).length, 1);
  const again = await call('DELETE', '/v1/subscriptions/' + sub.id);
  assert.strictEqual(again.status, 400);
});

test('cancel_at_period_end is reversible and the clock cancels at period end', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const pe = sub.items.data[0].current_period_end;
  const s1 = await ok(post('/v1/subscriptions/' + sub.id, { cancel_at_period_end: 'true', cancellation_details: { feedback: 'unused' } }));
  assert.deepStrictEqual([s1.cancel_at_period_end, s1.cancel_at, s1.status], [true, pe, 'active']);
  const s2 = await ok(post('/v1/subscriptions/' + sub.id, { cancel_at_period_end: 'false' }));
  assert.deepStrictEqual([s2.cancel_at_period_end, s2.cancel_at, s2.canceled_at], [false, null, null]);
  await ok(post('/v1/subscriptions/' + sub.id, { cancel_at_period_end: 'true' }));
  await advance(pe - (NOW + store.meta.offset) + 10);
  const s3 = await ok(get('/v1/subscriptions/' + sub.id));
  assert.deepStrictEqual([s3.status, s3.ended_at], ['canceled', pe]);
});

test('trials: $0 first invoice; end behaviours cancel, pause and create_invoice; trial_end=now invoices at once', async () => {
  const noPm = async behavior => {
    const cus = await newCustomer();
    return ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[STARTER].id }], trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: behavior } } }));
  };
  const a = await noPm('cancel'), b = await noPm('pause'), c = await noPm('create_invoice');
  assert.strictEqual(a.status, 'trialing');
  assert.strictEqual(a.trial_settings.end_behavior.missing_payment_method, 'cancel');
  const first = await invoice(a.latest_invoice);
  assert.deepStrictEqual([first.total, first.status], [0, 'paid']);
  const d = await newSub({ items: [{ price: price[TEAM].id }], trial_end: a.trial_end + 5 * DAY });
  const ended = await ok(post('/v1/subscriptions/' + d.id, { trial_end: 'now' }));
  assert.strictEqual(ended.status, 'active');
  const inv = await invoice(ended.latest_invoice);
  assert.deepStrictEqual([inv.total, inv.status], [2900, 'paid']);
  await advance(a.trial_end - (NOW + store.meta.offset) + 1);
  const [a2, b2, c2] = await Promise.all([a, b, c].map(s => ok(get('/v1/subscriptions/' + s.id))));
  assert.strictEqual(a2.status, 'canceled');
  assert.strictEqual(b2.status, 'paused');
  assert.strictEqual(c2.status, 'past_due');
  const cInv = await invoice(c2.latest_invoice);
  assert.deepStrictEqual([cInv.status, cInv.total], ['open', 900]);
  const bad = await post('/v1/subscriptions/' + d.id, { trial_end: String(NOW - 10) });
  assert.strictEqual(bad.status, 400);
});

test('pause_collection: renewals follow the behaviour until resumes_at, "" resumes', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const pe = sub.items.data[0].current_period_end;
  const p = await ok(post('/v1/subscriptions/' + sub.id, { pause_collection: { behavior: 'void', resumes_at: pe + 40 * DAY } }));
  assert.deepStrictEqual(p.pause_collection, { behavior: 'void', resumes_at: pe + 40 * DAY });
  await advance(pe - (NOW + store.meta.offset) + 1);
  let s = await ok(get('/v1/subscriptions/' + sub.id));
  assert.strictEqual((await invoice(s.latest_invoice)).status, 'void');
  const r = await ok(post('/v1/subscriptions/' + sub.id, { pause_collection: '' }));
  assert.strictEqual(r.pause_collection, null);
  const past = await post('/v1/subscriptions/' + sub.id, { pause_collection: { behavior: 'keep_as_draft', resumes_at: NOW } });
  assert.strictEqual(past.status, 400);
  assert.strictEqual(past.body.error.param, 'pause_collection[resumes_at]');
  await ok(post('/v1/subscriptions/' + sub.id, { pause_collection: { behavior: 'keep_as_draft' } }));
  await advance(31 * DAY);
  s = await ok(get('/v1/subscriptions/' + sub.id));
  assert.strictEqual((await invoice(s.latest_invoice)).status, 'draft');
});

test('schedule: a change at period end is two phases, applied when the clock passes the boundary', async () => {
  const sub = await newSub({ items: [{ price: price[TEAM].id, quantity: 2 }] });
  const si = sub.items.data[0];
  const sch = await ok(post('/v1/subscription_schedules', { from_subscription: sub.id }));
  assert.strictEqual(sch.object, 'subscription_schedule');
  assert.deepStrictEqual([sch.status, sch.end_behavior, sch.subscription, sch.phases.length], ['active', 'release', sub.id, 1]);
  assert.deepStrictEqual(sch.current_phase, { start_date: si.current_period_start, end_date: si.current_period_end });
  assert.strictEqual((await ok(get('/v1/subscriptions/' + sub.id))).schedule, sch.id);
  const upd = await ok(post('/v1/subscription_schedules/' + sch.id, { end_behavior: 'release', phases: [
    { items: [{ price: price[TEAM].id, quantity: 2 }], start_date: si.current_period_start, end_date: si.current_period_end },
    { items: [{ price: price[STARTER].id, quantity: 1 }], duration: { interval: 'month', interval_count: 1 } }] }));
  assert.deepStrictEqual(upd.phases.map(p => [p.start_date, p.items[0].price, p.items[0].quantity]),
    [[si.current_period_start, price[TEAM].id, 2], [si.current_period_end, price[STARTER].id, 1]]);
  const direct = await post('/v1/subscriptions/' + sub.id, { items: [{ id: si.id, quantity: 3 }] });
  assert.strictEqual(direct.status, 400);
  // Preview of the next invoice is still the current plan (the change happens at period end).
  await advance(si.current_period_end - (NOW + store.meta.offset) + 1);
  const s = await ok(get('/v1/subscriptions/' + sub.id));
  assert.strictEqual(s.items.data[0].price.id, price[STARTER].id);
  const renewal = await invoice(s.latest_invoice);
  assert.strictEqual(renewal.total, 900);
  assert.strictEqual(store.collection('invoiceitems').items.filter(i => i.subscription === sub.id).length, 0);
  const rel = await ok(post('/v1/subscription_schedules/' + sch.id + '/release', {}));
  assert.deepStrictEqual([rel.status, rel.released_subscription], ['released', sub.id]);
  assert.strictEqual((await ok(get('/v1/subscriptions/' + sub.id))).schedule, null);
  const list = await ok(get('/v1/subscription_schedules', { customer: sub.customer }));
  assert.deepStrictEqual(list.data.map(x => x.id), [sch.id]);
});

test('schedule cancel cancels the subscription', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const sch = await ok(post('/v1/subscription_schedules', { from_subscription: sub.id }));
  const c = await ok(post(`/v1/subscription_schedules/${sch.id}/cancel`, { prorate: 'false' }));
  assert.strictEqual(c.status, 'canceled');
  assert.strictEqual((await ok(get('/v1/subscriptions/' + sub.id))).status, 'canceled');
});

test('invoice pay: declines are 402 card_error with decline_code and count attempts; out of band pays', async () => {
  const cus = await newCustomer();
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[STARTER].id }], payment_behavior: 'default_incomplete' }));
  assert.strictEqual(sub.status, 'incomplete');
  const id = sub.latest_invoice;
  const d1 = await post(`/v1/invoices/${id}/pay`, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' });
  assert.strictEqual(d1.status, 402);
  assert.deepStrictEqual([d1.body.error.type, d1.body.error.code, d1.body.error.decline_code], ['card_error', 'card_declined', 'insufficient_funds']);
  let inv = await invoice(id);
  assert.deepStrictEqual([inv.status, inv.attempt_count, inv.attempted], ['open', 1, true]);
  await ok(post('/v1/customers/' + cus.id, { metadata: { sandbox_decline: 'lost_card' } }));
  const d2 = await post(`/v1/invoices/${id}/pay`, { payment_method: 'pm_card_visa' });
  assert.deepStrictEqual([d2.status, d2.body.error.decline_code], [402, 'lost_card']);
  assert.strictEqual((await invoice(id)).attempt_count, 2);
  inv = await ok(post(`/v1/invoices/${id}/pay`, { paid_out_of_band: 'true' }));
  assert.deepStrictEqual([inv.status, inv.amount_paid, inv.amount_remaining], ['paid', 900, 0]);
  assert.strictEqual((await ok(get('/v1/subscriptions/' + sub.id))).status, 'active');
  const again = await post(`/v1/invoices/${id}/pay`, {});
  assert.strictEqual(again.status, 400);
  // A declining card on create with error_if_incomplete: 402 and nothing created.
  const before = store.collection('subscriptions').items.length;
  const e = await post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[STARTER].id }], payment_behavior: 'error_if_incomplete', default_payment_method: 'pm_card_chargeDeclined' });
  assert.strictEqual(e.status, 402);
  assert.strictEqual(store.collection('subscriptions').items.length, before);
});

test('invoice actions on the dataset: finalize, send, void, mark_uncollectible with state checks', async () => {
  const drafts = (await ok(get('/v1/invoices', { status: 'draft', limit: 100 }))).data;
  const d = drafts.find(i => i.collection_method === 'send_invoice' && i.total > 0);
  const f = await ok(post(`/v1/invoices/${d.id}/finalize`, {}));
  assert.strictEqual(f.status, 'open');
  assert.ok(f.number);
  assert.strictEqual((await post(`/v1/invoices/${d.id}/finalize`, {})).status, 400);
  await ok(post(`/v1/invoices/${d.id}/send`, {}));
  assert.strictEqual((await eventsFor(d.id, 'invoice.sent')).length, 1);
  const u = await ok(post(`/v1/invoices/${d.id}/mark_uncollectible`, {}));
  assert.strictEqual(u.status, 'uncollectible');
  const v = await ok(post(`/v1/invoices/${d.id}/void`, {}));
  assert.strictEqual(v.status, 'void');
  assert.strictEqual((await post(`/v1/invoices/${d.id}/void`, {})).status, 400);
  const paid = (await ok(get('/v1/invoices', { status: 'paid', limit: 1 }))).data[0];
  assert.strictEqual((await post(`/v1/invoices/${paid.id}/mark_uncollectible`, {})).status, 400);
});

test('invoice lines paginate past the first 10', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const si = sub.items.data[0].id;
  for (let q = 2; q <= 7; q++) await ok(post('/v1/subscriptions/' + sub.id, { items: [{ id: si, quantity: q }] }));
  const s = await ok(post('/v1/subscriptions/' + sub.id, { items: [{ id: si, quantity: 8 }], proration_behavior: 'always_invoice' }));
  const inv = await invoice(s.latest_invoice);
  assert.strictEqual(inv.lines.data.length, 10);
  assert.strictEqual(inv.lines.has_more, true);
  const seen = [];
  let after = null;
  for (;;) {
    const page = await ok(get(`/v1/invoices/${inv.id}/lines`, Object.assign({ limit: 5 }, after ? { starting_after: after } : {})));
    seen.push(...page.data.map(l => l.id));
    if (!page.has_more) break;
    after = page.data[page.data.length - 1].id;
  }
  assert.strictEqual(seen.length, 14);
  assert.strictEqual(new Set(seen).size, 14);
  const total = (await ok(get(`/v1/invoices/${inv.id}/lines`, { limit: 100 }))).data.reduce((a, l) => a + l.amount, 0);
  assert.strictEqual(total, inv.total);
});

test('credit notes: preview, refund + customer credit on a paid invoice, limits, void', async () => {
  const cus = await newCustomer();
  const sub = await newSub({ customer: cus.id, items: [{ price: price[TEAM].id }] });
  const inv = await invoice(sub.latest_invoice);
  const lineId = inv.lines.data[0].id;
  const pv = await ok(get('/v1/credit_notes/preview', { invoice: inv.id, amount: 300, refund_amount: 100, credit_amount: 200 }));
  assert.deepStrictEqual([pv.amount, pv.type], [300, 'post_payment']);
  assert.strictEqual(store.collection('credit_notes').items.length, 0);
  const cn = await ok(post('/v1/credit_notes', { invoice: inv.id, amount: 300, refund_amount: 100, credit_amount: 200, reason: 'order_change', memo: 'goodwill' }));
  assert.deepStrictEqual([cn.object, cn.status, cn.amount, cn.reason, cn.memo], ['credit_note', 'issued', 300, 'order_change', 'goodwill']);
  assert.strictEqual(cn.refunds[0].amount_refunded, 100);
  for (const k of Object.keys(resources.credit_note)) assert.ok(k in cn, 'credit note lacks ' + k);
  assert.strictEqual((await invoice(inv.id)).post_payment_credit_notes_amount, 300);
  assert.strictEqual((await ok(get('/v1/customers/' + cus.id))).balance, -200);
  const over = await post('/v1/credit_notes', { invoice: inv.id, lines: [{ type: 'invoice_line_item', invoice_line_item: lineId, amount: 2700 }] });
  assert.strictEqual(over.status, 400);
  const badSplit = await post('/v1/credit_notes', { invoice: inv.id, amount: 100, refund_amount: 50 });
  assert.strictEqual(badSplit.status, 400);
  const badReason = await post('/v1/credit_notes', { invoice: inv.id, amount: 100, reason: 'requested_by_customer' });
  assert.strictEqual(badReason.status, 400);
  const cn2 = await ok(post('/v1/credit_notes', { invoice: inv.id, lines: [{ type: 'invoice_line_item', invoice_line_item: lineId, amount: 2600 }], out_of_band_amount: 2600 }));
  assert.strictEqual(cn2.amount, 2600);
  assert.strictEqual((await post('/v1/credit_notes', { invoice: inv.id, amount: 1 })).status, 400); // fully credited
  const v = await ok(post(`/v1/credit_notes/${cn2.id}/void`, {}));
  assert.strictEqual(v.status, 'void');
  assert.strictEqual((await invoice(inv.id)).post_payment_credit_notes_amount, 300);
  const list = await ok(get('/v1/credit_notes', { invoice: inv.id }));
  assert.deepStrictEqual(list.data.map(x => x.id), [cn2.id, cn.id]);
});

test('credit note on an open invoice lowers the amount due (pre-payment)', async () => {
  const cus = await newCustomer();
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[TEAM].id }], collection_method: 'send_invoice', days_until_due: 14 }));
  const inv = await invoice(sub.latest_invoice);
  assert.deepStrictEqual([inv.status, inv.due_date], ['open', NOW + store.meta.offset + 14 * DAY]);
  const cn = await ok(post('/v1/credit_notes', { invoice: inv.id, amount: 900 }));
  assert.strictEqual(cn.type, 'pre_payment');
  const after = await invoice(inv.id);
  assert.deepStrictEqual([after.amount_due, after.amount_remaining, after.pre_payment_credit_notes_amount], [2000, 2000, 900]);
});

test('customer balance transactions adjust the balance and apply to the next invoice', async () => {
  const cus = await newCustomer();
  const t = await ok(post(`/v1/customers/${cus.id}/balance_transactions`, { amount: -500, currency: 'usd', description: 'Goodwill' }));
  assert.deepStrictEqual([t.object, t.amount, t.ending_balance, t.type], ['customer_balance_transaction', -500, -500, 'adjustment']);
  assert.strictEqual((await ok(get('/v1/customers/' + cus.id))).balance, -500);
  const sub = await newSub({ customer: cus.id, items: [{ price: price[STARTER].id }] });
  const inv = await invoice(sub.latest_invoice);
  assert.deepStrictEqual([inv.total, inv.starting_balance, inv.amount_due, inv.amount_paid, inv.ending_balance], [900, -500, 400, 400, 0]);
  const list = await ok(get(`/v1/customers/${cus.id}/balance_transactions`));
  assert.deepStrictEqual(list.data.map(x => x.type), ['applied_to_invoice', 'adjustment']);
  assert.strictEqual((await post(`/v1/customers/${cus.id}/balance_transactions`, { amount: 100, currency: 'eur' })).status, 400);
});

test('discounts: a 20% coupon on create, promotion code on update', async () => {
  const sub = await newSub({ items: [{ price: price[TEAM].id }], discounts: [{ coupon: 'WELCOME20' }] });
  const inv = await invoice(sub.latest_invoice);
  assert.deepStrictEqual([inv.subtotal, inv.total, inv.total_discount_amounts[0].amount], [2900, 2320, 580]);
  const promo = (await ok(get('/v1/promotion_codes', { code: 'PARTNERS' }))).data[0];
  const s = await ok(post('/v1/subscriptions/' + sub.id, { discounts: [{ promotion_code: promo.id }] }));
  assert.strictEqual(s.discounts.length, 1);
  const pv = await ok(post('/v1/invoices/create_preview', { subscription: sub.id }));
  assert.strictEqual(pv.total, 2900 - 290);
});

test('GET /v1/invoices/upcoming no longer exists; create_preview validates', async () => {
  const r = await get('/v1/invoices/upcoming', { customer: 'cus_x' });
  assert.strictEqual(r.status, 404);
  assert.match(r.body.error.message, /Unrecognized request URL/);
  const none = await post('/v1/invoices/create_preview', {});
  assert.strictEqual(none.status, 400);
  const cus = await newCustomer();
  const pv = await ok(post('/v1/invoices/create_preview', { customer: cus.id, subscription_details: { items: [{ price: price[STARTER].id, quantity: 2 }] } }));
  assert.deepStrictEqual([pv.total, pv.status, pv.subscription], [1800, 'draft', null]);
});

test('writes go through idempotency: a retried create makes one subscription', async () => {
  const cus = await newCustomer();
  const body = { customer: cus.id, items: [{ price: price[STARTER].id }], default_payment_method: 'pm_card_visa' };
  const h = { 'Idempotency-Key': 'life-create-1' };
  const a = await post('/v1/subscriptions', body, h);
  const b = await post('/v1/subscriptions', body, h);
  assert.strictEqual(a.body.id, b.body.id);
  assert.strictEqual(b.headers.get('idempotent-replayed'), 'true');
  const applied = await (await fetch(base + '/__sandbox/applied')).json();
  assert.strictEqual(applied.data.filter(x => x.idempotency_key === 'life-create-1').length, 1);
  const c = await post('/v1/subscriptions', Object.assign({}, body, { metadata: { x: '1' } }), h);
  assert.strictEqual(c.body.error.type, 'idempotency_error');
});

test('currency mismatch is refused', async () => {
  const eur = (await ok(get('/v1/prices', { 'lookup_keys[]': 'team_monthly_eur' }))).data[0];
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const r = await post('/v1/subscriptions/' + sub.id, { items: [{ id: sub.items.data[0].id, price: eur.id }] });
  assert.strictEqual(r.status, 400);
  assert.strictEqual(r.body.error.param, 'items');
});

test('a paused subscription (trial ended without a card) resumes with a new period and an invoice', async () => {
  const cus = await newCustomer();
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[STARTER].id }], trial_period_days: 1,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } } }));
  await advance(DAY + 1);
  assert.strictEqual((await ok(get('/v1/subscriptions/' + sub.id))).status, 'paused');
  await ok(post('/v1/customers/' + cus.id, {})); // no card yet: resuming charges nothing and leaves it past_due
  const r = await ok(post(`/v1/subscriptions/${sub.id}/resume`, { billing_cycle_anchor: 'now' }));
  assert.strictEqual(r.items.data[0].current_period_start, NOW + store.meta.offset);
  assert.strictEqual(r.status, 'past_due');
  const inv = await invoice(r.latest_invoice);
  assert.deepStrictEqual([inv.total, inv.status], [900, 'open']);
  assert.strictEqual((await eventsFor(sub.id, 'customer.subscription.resumed')).length, 1);
});

test('billing_cycle_anchor=now resets the period: credit for the unused time plus a full new period', async () => {
  const sub = await newSub({ items: [{ price: price[TEAM].id }] });
  const si = sub.items.data[0];
  const half = (si.current_period_end - si.current_period_start) / 2;
  await advance(half);
  const pv = await ok(post('/v1/invoices/create_preview', { subscription: sub.id, subscription_details: { billing_cycle_anchor: 'now' } }));
  assert.deepStrictEqual(pv.lines.data.map(l => l.amount).sort((a, b) => a - b), [-1450, 2900]);
  assert.strictEqual(pv.amount_due, 1450);
});

test('an incomplete subscription expires after 23 hours', async () => {
  const cus = await newCustomer();
  const sub = await ok(post('/v1/subscriptions', { customer: cus.id, items: [{ price: price[STARTER].id }] }));
  assert.strictEqual(sub.status, 'incomplete'); // no payment method at all
  await advance(23 * 3600);
  const s = await ok(get('/v1/subscriptions/' + sub.id));
  assert.strictEqual(s.status, 'incomplete_expired');
  assert.strictEqual((await invoice(s.latest_invoice)).status, 'void');
});

test('a subscription touched by a write first catches up with the clock (renewals due since the last advance)', async () => {
  const sub = await newSub({ items: [{ price: price[STARTER].id }] });
  const pe = sub.items.data[0].current_period_end;
  store.meta.offset += pe - (NOW + store.meta.offset) + 60; // time passes without /__sandbox/advance
  const s = await ok(post('/v1/subscriptions/' + sub.id, { metadata: { touched: 'yes' } }));
  assert.strictEqual(s.items.data[0].current_period_start, pe);
  const inv = await invoice(s.latest_invoice);
  assert.deepStrictEqual([inv.billing_reason, inv.created, inv.total, inv.status], ['subscription_cycle', pe, 900, 'paid']);
});
