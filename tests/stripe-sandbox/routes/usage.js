'use strict';
// Billing meters, meter events, meter event summaries and billing alerts (owner: usage work; the
// budgets work calls the alert routes). Objects start from the official fixtures
// (billing.meter, billing.meter_event, billing.meter_event_summary, billing.alert).
//
// Meters and their events come from dataset.demoMeters() (demo dataset only), built lazily on the
// first request so the sandbox starts as fast as before. POST /v1/billing/meter_events adds
// events at run time; event summaries are computed from the events the sandbox holds.
const express = require('express');
const { fixture } = require('../lib/fixtures');
const { invalid, missing } = require('../lib/api');
const { demoMeters } = require('../dataset');
const { runtimeId } = require('../lib/prng');
const { clock } = require('../lib/events');

const HOUR = 3600, DAY = 86400;

function int(v, name) {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(String(v))) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  return parseInt(v, 10);
}

function required(q, name) {
  if (q[name] === undefined || q[name] === '') throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
  return q[name];
}

function limitOf(q) {
  const n = int(q.limit, 'limit');
  if (n === undefined) return 10;
  if (n < 1 || n > 100) throw invalid(`This value must be between 1 and 100 (it currently is ${n}).`, 'limit', 'parameter_invalid_integer');
  return n;
}

// A Stripe list page over `arr` (newest first) with starting_after / ending_before on ids.
function page(arr, q, url, render) {
  const limit = limitOf(q);
  if (q.starting_after && q.ending_before) throw invalid('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  let from = 0, to = arr.length;
  if (q.starting_after) {
    const i = arr.findIndex(x => x.id === q.starting_after);
    if (i < 0) throw missing('object', q.starting_after, 'starting_after');
    from = i + 1;
  }
  if (q.ending_before) {
    const i = arr.findIndex(x => x.id === q.ending_before);
    if (i < 0) throw missing('object', q.ending_before, 'ending_before');
    to = i;
    from = Math.max(0, to - limit);
    return { object: 'list', data: arr.slice(from, to).map(render), has_more: from > 0, url };
  }
  const data = arr.slice(from, from + limit);
  return { object: 'list', data: data.map(render), has_more: from + limit < to, url };
}

function usageState(store) {
  if (store.usageState) return store.usageState;
  // The demo usage runs up to the hour the sandbox's clock is in when first asked (the clock
  // follows the wall clock past the dataset's "now"), so meter events posted now fit after it.
  const now = Math.floor(clock(store) / HOUR) * HOUR;
  const bySeq = coll => coll.items.slice().sort((a, b) => a._seq - b._seq);
  const demo = store.collection('customers').items.length
    ? demoMeters(bySeq(store.collection('customers')), bySeq(store.collection('subscriptions')), now)
    : { meters: [], events: [] };
  const state = { meters: new Map(), events: new Map(), identifiers: new Set(), alerts: [] };
  for (const m of demo.meters) state.meters.set(m.id, m);
  for (const e of demo.events) addEvent(state, e);
  store.usageState = state;
  return state;
}

// events: eventName -> customer -> [{timestamp, value}] in time order
function addEvent(state, e) {
  if (state.identifiers.has(e.identifier)) return false;
  state.identifiers.add(e.identifier);
  if (!state.events.has(e.eventName)) state.events.set(e.eventName, new Map());
  const byCustomer = state.events.get(e.eventName);
  if (!byCustomer.has(e.customer)) byCustomer.set(e.customer, []);
  const arr = byCustomer.get(e.customer);
  let i = arr.length;
  while (i > 0 && arr[i - 1].timestamp > e.timestamp) i--;
  arr.splice(i, 0, { timestamp: e.timestamp, value: e.value });
  return true;
}

function renderMeter(m) {
  const o = fixture('billing.meter');
  Object.assign(o, {
    id: m.id, created: m.created, updated: m.updated, display_name: m.displayName, event_name: m.eventName, livemode: false,
    status: m.status, status_transitions: { deactivated_at: m.deactivatedAt },
    customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
    default_aggregation: { formula: 'sum' }, event_time_window: null, value_settings: { event_payload_key: 'value' },
  });
  return o;
}

function renderAlert(state, a, expandMeter) {
  const o = fixture('billing.alert');
  const meter = state.meters.get(a.meter);
  Object.assign(o, {
    id: a.id, livemode: false, status: a.status, title: a.title, alert_type: 'usage_threshold',
    usage_threshold: {
      filters: a.customer ? [{ customer: a.customer, type: 'customer' }] : null,
      gte: a.gte, meter: expandMeter && meter ? renderMeter(meter) : a.meter, recurrence: a.recurrence,
    },
  });
  return o;
}

function expands(q, path) {
  let e = q.expand;
  if (e === undefined) return false;
  if (typeof e === 'string') e = [e];
  if (!Array.isArray(e)) e = Object.values(e);
  return e.map(String).includes(path);
}

module.exports = function usageRouter(store) {
  const r = express.Router();

  const meterOr404 = id => {
    const m = usageState(store).meters.get(id);
    if (!m) throw missing('billing meter', id);
    return m;
  };

  // ---- meters ------------------------------------------------------------------------------
  r.get('/v1/billing/meters', (req, res) => {
    const q = req.query;
    if (q.status !== undefined && !['active', 'inactive'].includes(q.status)) {
      throw invalid('Invalid status: must be one of active, inactive', 'status', 'parameter_invalid_string');
    }
    const arr = [...usageState(store).meters.values()].filter(m => !q.status || m.status === q.status)
      .sort((a, b) => (b.created - a.created) || (a.id < b.id ? 1 : -1));
    res.json(page(arr, q, '/v1/billing/meters', renderMeter));
  });

  r.get('/v1/billing/meters/:id', (req, res) => res.json(renderMeter(meterOr404(req.params.id))));

  r.post('/v1/billing/meters/:id/deactivate', (req, res) => {
    const m = meterOr404(req.params.id);
    if (m.status !== 'inactive') { m.status = 'inactive'; m.deactivatedAt = clock(store); m.updated = clock(store); }
    res.json(renderMeter(m));
  });

  r.post('/v1/billing/meters/:id/reactivate', (req, res) => {
    const m = meterOr404(req.params.id);
    if (m.status !== 'active') { m.status = 'active'; m.deactivatedAt = null; m.updated = clock(store); }
    res.json(renderMeter(m));
  });

  // Summaries of the meter's events for one customer in [start_time, end_time), newest first:
  // one per hour or UTC day with events (value_grouping_window), or one for the whole range.
  r.get('/v1/billing/meters/:id/event_summaries', (req, res) => {
    const q = req.query;
    const m = meterOr404(req.params.id);
    const customer = String(required(q, 'customer'));
    const start = int(required(q, 'start_time'), 'start_time');
    const end = int(required(q, 'end_time'), 'end_time');
    const window = q.value_grouping_window;
    if (window !== undefined && !['hour', 'day'].includes(window)) {
      throw invalid('Invalid value_grouping_window: must be one of day, hour', 'value_grouping_window', 'parameter_invalid_string');
    }
    if (start % 60 !== 0) throw invalid('start_time must be aligned with minute boundaries.', 'start_time');
    if (end % 60 !== 0) throw invalid('end_time must be aligned with minute boundaries.', 'end_time');
    const step = window === 'hour' ? HOUR : window === 'day' ? DAY : 0;
    if (step && (start % step !== 0 || end % step !== 0)) {
      throw invalid(`start_time and end_time must be aligned with ${window} boundaries (UTC) when value_grouping_window is ${window}.`, step && start % step ? 'start_time' : 'end_time');
    }
    if (end <= start) throw invalid('end_time must be after start_time.', 'end_time');
    if (!store.collection('customers').get(customer)) throw missing('customer', customer, 'customer');
    const events = (usageState(store).events.get(m.eventName) || new Map()).get(customer) || [];
    const buckets = new Map();
    for (const e of events) {
      if (e.timestamp < start || e.timestamp >= end) continue;
      const b = step ? e.timestamp - (e.timestamp % step) : start;
      buckets.set(b, (buckets.get(b) || 0) + e.value);
    }
    if (!step && !buckets.size) buckets.set(start, 0);
    const summaries = [...buckets.entries()].sort((a, b) => b[0] - a[0]).map(([b, v]) => {
      const e = step ? b + step : end;
      return { id: 'mtrusg_' + Buffer.from(`${m.id}|${customer}|${b}|${e}`).toString('base64url'), start: b, end: e, value: v };
    });
    res.json(page(summaries, q, `/v1/billing/meters/${m.id}/event_summaries`, s => Object.assign(fixture('billing.meter_event_summary'), {
      id: s.id, aggregated_value: s.value, start_time: s.start, end_time: s.end, livemode: false, meter: m.id,
    })));
  });

  // ---- meter events --------------------------------------------------------------------------
  r.post('/v1/billing/meter_events', (req, res) => {
    const b = req.body || {};
    const state = usageState(store);
    const eventName = String(required(b, 'event_name'));
    const payload = b.payload || {};
    const customer = payload.stripe_customer_id;
    if (!customer) throw invalid('Missing required param: payload[stripe_customer_id].', 'payload[stripe_customer_id]', 'parameter_missing');
    const raw = payload.value === undefined ? '1' : String(payload.value);
    if (!/^\d+$/.test(raw)) throw invalid(`Invalid value: ${raw} (a non-negative whole number)`, 'payload[value]');
    const now = clock(store);
    const timestamp = b.timestamp === undefined ? now : int(b.timestamp, 'timestamp');
    if (timestamp > now + 300) throw invalid('The timestamp must not be more than 5 minutes in the future.', 'timestamp');
    if (timestamp < now - 35 * DAY) throw invalid('The timestamp must be within the past 35 days.', 'timestamp');
    if (![...state.meters.values()].some(m => m.eventName === eventName && m.status === 'active')) {
      throw invalid(`No active meter was found for event_name ${eventName}.`, 'event_name');
    }
    const identifier = b.identifier ? String(b.identifier) : runtimeId('mtrevt', 20);
    if (state.identifiers.has(identifier)) throw invalid(`An event with identifier ${identifier} already exists.`, 'identifier', 'resource_already_exists');
    addEvent(state, { eventName, customer: String(customer), value: parseInt(raw, 10), timestamp, identifier });
    res.json(Object.assign(fixture('billing.meter_event'), {
      created: now, event_name: eventName, identifier, livemode: false, payload: { stripe_customer_id: String(customer), value: raw }, timestamp,
    }));
  });

  // ---- alerts --------------------------------------------------------------------------------
  const alertOr404 = id => {
    const a = usageState(store).alerts.find(x => x.id === id);
    if (!a) throw missing('billing alert', id);
    return a;
  };

  r.post('/v1/billing/alerts', (req, res) => {
    const b = req.body || {};
    const state = usageState(store);
    const type = String(required(b, 'alert_type'));
    if (type !== 'usage_threshold') throw invalid('Invalid alert_type: must be one of usage_threshold', 'alert_type', 'parameter_invalid_string');
    const title = String(required(b, 'title'));
    if (title.length > 256) throw invalid('title must be at most 256 characters.', 'title');
    const ut = b.usage_threshold;
    if (!ut || typeof ut !== 'object') throw invalid('Missing required param: usage_threshold.', 'usage_threshold', 'parameter_missing');
    const gte = int(required(ut, 'gte'), 'usage_threshold[gte]');
    if (gte < 1) throw invalid('usage_threshold[gte] must be greater than 0.', 'usage_threshold[gte]');
    const meter = String(required(ut, 'meter'));
    if (!state.meters.has(meter)) throw missing('billing meter', meter, 'usage_threshold[meter]');
    const recurrence = String(required(ut, 'recurrence'));
    if (recurrence !== 'one_time') throw invalid('Invalid usage_threshold[recurrence]: must be one of one_time', 'usage_threshold[recurrence]', 'parameter_invalid_string');
    let customer = null;
    if (ut.filters !== undefined) {
      const filters = Array.isArray(ut.filters) ? ut.filters : Object.values(ut.filters);
      if (filters.length > 1) throw invalid('You can only specify up to one filter at this time.', 'usage_threshold[filters]');
      if (filters.length === 1) {
        const f = filters[0] || {};
        if (f.type !== 'customer') throw invalid('Invalid usage_threshold[filters][0][type]: must be one of customer', 'usage_threshold[filters][0][type]', 'parameter_invalid_string');
        if (!f.customer) throw invalid('Missing required param: usage_threshold[filters][0][customer].', 'usage_threshold[filters][0][customer]', 'parameter_missing');
        if (!store.collection('customers').get(String(f.customer))) throw missing('customer', f.customer, 'usage_threshold[filters][0][customer]');
        customer = String(f.customer);
      }
    }
    const a = { id: runtimeId('alrt', 24), created: clock(store), status: 'active', title, gte, meter, recurrence, customer };
    state.alerts.unshift(a);
    res.json(renderAlert(state, a, expands(b, 'usage_threshold.meter')));
  });

  // Active and inactive alerts (archived ones leave the list), newest first.
  r.get('/v1/billing/alerts', (req, res) => {
    const q = req.query;
    const state = usageState(store);
    if (q.alert_type !== undefined && q.alert_type !== 'usage_threshold') {
      throw invalid('Invalid alert_type: must be one of usage_threshold', 'alert_type', 'parameter_invalid_string');
    }
    const arr = state.alerts.filter(a => a.status !== 'archived' && (!q.meter || a.meter === q.meter));
    res.json(page(arr, q, '/v1/billing/alerts', a => renderAlert(state, a, expands(q, 'data.usage_threshold.meter'))));
  });

  r.get('/v1/billing/alerts/:id', (req, res) => res.json(renderAlert(usageState(store), alertOr404(req.params.id), expands(req.query, 'usage_threshold.meter'))));

  const transition = (action, to) => r.post(`/v1/billing/alerts/:id/${action}`, (req, res) => {
    const a = alertOr404(req.params.id);
    if (a.status === 'archived') throw invalid(`This alert is archived and cannot be ${action === 'activate' ? 'activated' : action + 'd'}.`, undefined, 'alert_archived');
    a.status = to;
    res.json(renderAlert(usageState(store), a, expands(req.body || {}, 'usage_threshold.meter')));
  });
  transition('activate', 'active');
  transition('deactivate', 'inactive');
  transition('archive', 'archived');

  return r;
};
