'use strict';
// node --test: billing meters, event summaries, meter events and billing alerts (routes/usage.js).
const test = require('node:test');
const assert = require('node:assert');
const { createApp, loadStore } = require('../server');
const { resources } = require('../lib/fixtures');

const KEY = 'sk_test_sandbox_usagetest';
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

test('meters list and retrieve in the fixture shape', async () => {
  const { body } = await call('GET', '/v1/billing/meters?limit=100');
  assert.deepStrictEqual(body.data.map(m => m.event_name).sort(), ['api_calls', 'seats_active', 'storage_gb']);
  for (const m of body.data) assert.deepStrictEqual(Object.keys(resources['billing.meter']).filter(k => !(k in m)), []);
  const one = await call('GET', '/v1/billing/meters/' + body.data[0].id);
  assert.strictEqual(one.body.id, body.data[0].id);
  assert.strictEqual((await call('GET', '/v1/billing/meters/mtr_nope')).status, 404);
});

test('daily summaries add up to the hourly ones and to the whole range', async () => {
  const meters = (await call('GET', '/v1/billing/meters?limit=100')).body.data;
  const api = meters.find(m => m.event_name === 'api_calls');
  const customers = (await call('GET', '/v1/customers?limit=100')).body.data.map(c => c.id);
  const start = NOW - 7 * 86400, end = NOW;
  let found = false;
  for (const cus of customers) {
    const all = (await call('GET', `/v1/billing/meters/${api.id}/event_summaries?customer=${cus}&start_time=${start}&end_time=${end}`)).body.data;
    if (all[0].aggregated_value === 0) continue;
    found = true;
    const sum = async window => {
      let total = 0, after = '', pages = 0;
      for (;;) {
        const res = (await call('GET', `/v1/billing/meters/${api.id}/event_summaries?customer=${cus}&start_time=${start}&end_time=${end}&value_grouping_window=${window}&limit=100${after}`)).body;
        for (const s of res.data) { total += s.aggregated_value; assert.ok(s.start_time >= start && s.end_time <= end); }
        pages++;
        if (!res.has_more) break;
        after = '&starting_after=' + res.data[res.data.length - 1].id;
      }
      return total;
    };
    assert.strictEqual(await sum('day'), all[0].aggregated_value);
    assert.strictEqual(await sum('hour'), all[0].aggregated_value);
    break;
  }
  assert.ok(found, 'some demo customer has api_calls');
  const bad = await call('GET', `/v1/billing/meters/${api.id}/event_summaries?customer=${customers[0]}&start_time=${start + 60}&end_time=${end}&value_grouping_window=hour`);
  assert.strictEqual(bad.status, 400);
  assert.strictEqual((await call('GET', `/v1/billing/meters/${api.id}/event_summaries?start_time=${start}&end_time=${end}`)).status, 400);
});

test('meter events land in the summaries; alerts go through their life', async () => {
  const api = (await call('GET', '/v1/billing/meters?limit=100')).body.data.find(m => m.event_name === 'api_calls');
  const cus = (await call('GET', '/v1/customers?limit=1')).body.data[0].id;
  const hour = NOW - 3600;
  const before = (await call('GET', `/v1/billing/meters/${api.id}/event_summaries?customer=${cus}&start_time=${hour}&end_time=${NOW}`)).body.data[0].aggregated_value;
  const ev = await call('POST', '/v1/billing/meter_events', { event_name: 'api_calls', 'payload[stripe_customer_id]': cus, 'payload[value]': '7', timestamp: String(hour + 10), identifier: 'evt-usage-test-1' });
  assert.strictEqual(ev.status, 200, JSON.stringify(ev.body));
  assert.strictEqual((await call('POST', '/v1/billing/meter_events', { event_name: 'api_calls', 'payload[stripe_customer_id]': cus, 'payload[value]': '7', timestamp: String(hour + 10), identifier: 'evt-usage-test-1' })).status, 400);
  assert.strictEqual((await call('POST', '/v1/billing/meter_events', { event_name: 'api_calls', 'payload[stripe_customer_id]': cus, 'payload[value]': '-3' })).status, 400);
  const after = (await call('GET', `/v1/billing/meters/${api.id}/event_summaries?customer=${cus}&start_time=${hour}&end_time=${NOW}`)).body.data[0].aggregated_value;
  assert.strictEqual(after, before + 7);

  const created = await call('POST', '/v1/billing/alerts', { alert_type: 'usage_threshold', title: 'API budget', 'usage_threshold[gte]': '1000',
    'usage_threshold[meter]': api.id, 'usage_threshold[recurrence]': 'one_time', 'usage_threshold[filters][0][type]': 'customer', 'usage_threshold[filters][0][customer]': cus });
  assert.strictEqual(created.status, 200, JSON.stringify(created.body));
  const a = created.body;
  assert.deepStrictEqual(Object.keys(resources['billing.alert']).filter(k => !(k in a)), []);
  assert.strictEqual(a.status, 'active');
  assert.deepStrictEqual(a.usage_threshold.filters, [{ customer: cus, type: 'customer' }]);
  assert.strictEqual(a.usage_threshold.meter, api.id);
  assert.strictEqual((await call('POST', `/v1/billing/alerts/${a.id}/deactivate`)).body.status, 'inactive');
  assert.strictEqual((await call('POST', `/v1/billing/alerts/${a.id}/activate`)).body.status, 'active');
  assert.ok((await call('GET', '/v1/billing/alerts')).body.data.some(x => x.id === a.id));
  assert.strictEqual((await call('POST', `/v1/billing/alerts/${a.id}/archive`)).body.status, 'archived');
  assert.ok(!(await call('GET', '/v1/billing/alerts')).body.data.some(x => x.id === a.id));
  assert.strictEqual((await call('GET', `/v1/billing/alerts/${a.id}`)).body.status, 'archived');
  assert.strictEqual((await call('POST', `/v1/billing/alerts/${a.id}/activate`)).status, 400);
  assert.strictEqual((await call('POST', '/v1/billing/alerts', { alert_type: 'usage_threshold', title: 'x', 'usage_threshold[gte]': '0', 'usage_threshold[meter]': api.id, 'usage_threshold[recurrence]': 'one_time' })).status, 400);
  assert.strictEqual((await call('POST', '/v1/billing/alerts', { alert_type: 'usage_threshold', title: 'x', 'usage_threshold[gte]': '5', 'usage_threshold[meter]': 'mtr_nope', 'usage_threshold[recurrence]': 'one_time' })).status, 404);
});
