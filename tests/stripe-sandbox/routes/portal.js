'use strict';
// Billing portal sessions (owner: invoices work): POST /v1/billing_portal/sessions returns a
// fixture-shaped billing_portal.session whose url points at this sandbox's own hosted portal page
// (GET /portal/session/:id, served without the /v1 auth like routes/hosted.js; mounted by
// portalRouter.hosted(store) in server.js).
const express = require('express');
const { fixture } = require('../lib/fixtures');
const { invalid, missing } = require('../lib/api');
const { clock, recordEvent } = require('../lib/events');
const { render } = require('../lib/render');
const { runtimeId } = require('../lib/prng');

const FLOWS = ['payment_method_update', 'subscription_cancel', 'subscription_update', 'subscription_update_confirm'];
const sessionsOf = new WeakMap(); // store -> Map(id -> session object)
function sessions(store) {
  if (!sessionsOf.has(store)) sessionsOf.set(store, new Map());
  return sessionsOf.get(store);
}
const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function urlP(v, name) {
  if (v === undefined) return undefined;
  let u;
  try { u = new URL(String(v)); } catch (e) { u = null; }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw invalid('Not a valid URL', name, 'url_invalid');
  return String(v);
}

function portalRouter(store) {
  const r = express.Router();
  const customers = store.collection('customers');
  const subs = store.collection('subscriptions');
  const allowed = ['customer', 'return_url', 'flow_data', 'locale', 'configuration', 'on_behalf_of', 'expand', 'customer_account', 'after_expiration'];

  r.post('/v1/billing_portal/sessions', (req, res) => {
    const b = req.body || {};
    for (const k of Object.keys(b)) if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
    if (!b.customer) throw invalid('Missing required param: customer.', 'customer', 'parameter_missing');
    const cus = customers.get(String(b.customer));
    if (!cus || cus.deleted) throw missing('customer', b.customer, 'customer');
    const returnUrl = urlP(b.return_url, 'return_url');
    let flow = null;
    if (b.flow_data !== undefined) {
      const f = b.flow_data;
      if (typeof f !== 'object' || !f.type) throw invalid('Missing required param: flow_data[type].', 'flow_data[type]', 'parameter_missing');
      if (!FLOWS.includes(f.type)) throw invalid(`Invalid flow_data[type]: must be one of ${FLOWS.join(', ')}`, 'flow_data[type]', 'parameter_invalid_string');
      flow = fixture('billing_portal.session').flow;
      flow.type = f.type;
      flow.after_completion = { type: 'portal_homepage', hosted_confirmation: null, redirect: null };
      flow.subscription_cancel = null; flow.subscription_update = null; flow.subscription_update_confirm = null;
      if (f.type === 'subscription_cancel' || f.type === 'subscription_update' || f.type === 'subscription_update_confirm') {
        const key = f.type;
        const subId = f[key] && f[key].subscription;
        if (!subId) throw invalid(`Missing required param: flow_data[${key}][subscription].`, `flow_data[${key}][subscription]`, 'parameter_missing');
        const sub = subs.get(String(subId));
        if (!sub) throw missing('subscription', subId, `flow_data[${key}][subscription]`);
        if (sub.customer !== cus.id) throw invalid(`The subscription ${sub.id} does not belong to the customer ${cus.id}.`, `flow_data[${key}][subscription]`);
        if (key === 'subscription_cancel') {
          if (sub.status === 'canceled') throw invalid('You cannot cancel a subscription that is already canceled.', `flow_data[${key}][subscription]`);
          flow.subscription_cancel = { retention: null, subscription: sub.id };
        } else if (key === 'subscription_update') flow.subscription_update = { subscription: sub.id };
        else flow.subscription_update_confirm = { discounts: null, items: [], subscription: sub.id };
      }
    }
    const id = runtimeId('bps', 24);
    const o = fixture('billing_portal.session');
    const base = store.meta.publicBase || `${req.protocol}://${req.get('host')}`;
    Object.assign(o, {
      id, created: clock(store), customer: cus.id, flow, livemode: false, locale: b.locale || null,
      on_behalf_of: null, return_url: returnUrl || null, url: `${base}/portal/session/${id}`,
      configuration: b.configuration ? String(b.configuration) : 'bpc_sandbox_default', customer_account: null,
    });
    sessions(store).set(id, o);
    res.json(o);
  });
  // Fallback for POST /v1/invoices/:id with metadata only (the offline payment notes its method and
  // reference there). A fuller invoice update mounted earlier (routes/terms.js) takes precedence;
  // anything but metadata/expand is left to the 404 below.
  r.post('/v1/invoices/:id', (req, res, next) => {
    const b = req.body || {};
    if (!Object.keys(b).every(k => k === 'metadata' || k === 'expand') || b.metadata === undefined) return next();
    const inv = store.collection('invoices').get(req.params.id);
    if (!inv) throw missing('invoice', req.params.id);
    if (b.metadata !== '' && typeof b.metadata !== 'object') throw invalid('Invalid object', 'metadata', 'parameter_invalid_string');
    const prev = { metadata: Object.assign({}, inv.metadata) };
    const m = b.metadata === '' ? {} : Object.assign({}, inv.metadata || {});
    if (b.metadata !== '') for (const [k, v] of Object.entries(b.metadata)) { if (v === '') delete m[k]; else m[k] = String(v); }
    if (Object.keys(m).length > 50) throw invalid('You can specify up to 50 keys in metadata.', 'metadata');
    inv.metadata = m;
    recordEvent(store, req, 'invoice.updated', 'invoices', inv, prev, clock(store));
    res.json(render(store, 'invoices', inv, new Set()));
  });
  return r;
}

// The hosted portal page a session's url opens (no API key: like Stripe's, the link is the secret).
portalRouter.hosted = function hostedPortalRouter(store) {
  const r = express.Router();
  r.get('/portal/session/:id', (req, res) => {
    const s = sessions(store).get(req.params.id);
    if (!s) { res.status(404).type('text/plain').send('Portal session not found\n'); return; }
    const cus = store.collection('customers').get(s.customer);
    const what = !s.flow ? 'Manage your billing' : s.flow.type === 'payment_method_update' ? 'Update your payment method'
      : s.flow.type === 'subscription_cancel' ? `Cancel subscription ${s.flow.subscription_cancel.subscription}` : 'Update your subscription';
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Customer portal</title></head>
<body style="font-family:sans-serif;max-width:720px;margin:2em auto"><h1>Billing Console Demo</h1>
<p>${esc(what)}</p><p>Customer: ${esc(cus ? cus.name || cus.email : s.customer)}</p>
${s.return_url ? `<p><a href="${esc(s.return_url)}">Return</a></p>` : ''}</body></html>\n`);
  });
  return r;
};

module.exports = portalRouter;
