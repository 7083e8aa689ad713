#!/usr/bin/env node
'use strict';
// Stripe-compatible sandbox for Billing Console tests and demos. Listens on 127.0.0.1 only.
// Embeds stripe-stateful-mock (charges, refunds, sources, idempotency, decline tokens) and adds
// fixture-shaped routes for customers, catalog, subscriptions, invoices, payments and events,
// backed by a deterministic demo dataset. See README.md for the CLI and endpoints.
const express = require('express');
const bodyParser = require('body-parser');
const qs = require('qs');
const log = require('loglevel');
const { createExpressApp } = require('stripe-stateful-mock');
const { routes: mockRoutes } = require('stripe-stateful-mock/dist/routes');
const { RestError } = require('stripe-stateful-mock/dist/api/RestError');
const { customers: mockCustomers } = require('stripe-stateful-mock/dist/api/customers');
const { Store } = require('./lib/store');
const { StripeError } = require('./lib/api');
const { createKnobs } = require('./lib/middleware');
const { createIdempotency } = require('./lib/idempotency');
const { mutate } = require('./lib/mutate');
const { generate, DEFAULT_NOW } = require('./dataset');
const { clock } = require('./lib/events');
const { processDue } = require('./lib/engine');

const API_VERSION = '2026-10-28.endive';

function parseArgs(argv) {
  const o = { port: 12111, apiKey: null, dataset: 'demo', scale: 0, latencyMs: 0, rateLimit: 0, now: DEFAULT_NOW, quiet: false, frozenClock: false, faults: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--port': o.port = parseInt(val(), 10); break;
      case '--api-key': o.apiKey = val(); break;
      case '--dataset': o.dataset = val(); break;
      case '--scale': o.scale = parseInt(val(), 10); break;
      case '--latency-ms': o.latencyMs = parseInt(val(), 10); break;
      case '--rate-limit': o.rateLimit = parseInt(val(), 10); break;
      case '--now': { const v = val(); o.now = /^\d+$/.test(v) ? parseInt(v, 10) : Math.floor(Date.parse(v) / 1000); break; }
      case '--fault-drop': o.faults.drop = Number(val()); break;
      case '--fault-delay': o.faults.delay = Number(val()); break;
      case '--fault-delay-ms': o.faults.delayMs = Number(val()); break;
      case '--fault-429': o.faults.http429 = Number(val()); break;
      case '--fault-500': o.faults.http500 = Number(val()); break;
      case '--fault-drop-after-apply': o.faults.dropAfterApply = Number(val()); break;
      case '--quiet': o.quiet = true; break;
      case '--frozen-clock': o.frozenClock = true; break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.help) return o;
  if (!o.apiKey) throw new Error('--api-key is required');
  if (!['demo', 'empty'].includes(o.dataset)) throw new Error('--dataset must be demo or empty');
  if (!(o.port > 0 && o.port < 65536)) throw new Error('--port must be 1..65535');
  if (!Number.isFinite(o.now)) throw new Error('--now must be an ISO 8601 time or unix seconds');
  if (o.scale && !(o.scale > 0)) throw new Error('--scale must be a positive number of customers');
  return o;
}

const USAGE = `usage: node server.js --api-key KEY [--port 12111] [--dataset demo|empty] [--scale N]
       [--now 2026-11-01T00:00:00Z] [--latency-ms N] [--rate-limit N]
       [--fault-drop P] [--fault-delay P] [--fault-delay-ms N] [--fault-429 P] [--fault-500 P] [--fault-drop-after-apply P] [--frozen-clock] [--quiet]`;

function loadStore(opts) {
  const t0 = Date.now();
  const store = new Store();
  const data = generate({ dataset: opts.dataset, scale: opts.scale, now: opts.now });
  Object.assign(store.meta, { now: data.now, startedAtMs: Date.now(), apiVersion: API_VERSION, accountId: 'acct_1BillingConsoleDemo', frozen: !!opts.frozenClock, offset: 0 });
  for (const name of ['customers', 'products', 'prices', 'subscriptions', 'invoices', 'invoice_payments', 'payment_intents', 'payment_methods', 'events', 'charges', 'refunds', 'coupons', 'promotion_codes']) {
    store.collection(name).load(data[name]);
  }
  for (const name of ['invoiceitems', 'credit_notes', 'subscription_schedules', 'customer_balance_transactions']) store.collection(name).load([]);
  store.collection('subscriptions').addIndex('customer');
  store.collection('invoices').addIndex('customer');
  store.collection('invoices').addIndex('subscription');
  store.collection('invoice_payments').addIndex('invoice');
  store.collection('payment_intents').addIndex('customer');
  store.collection('payment_methods').addIndex('customer');
  store.collection('charges').addIndex('paymentIntent');
  store.collection('refunds').addIndex('charge');
  store.collection('refunds').addIndex('paymentIntent');
  store.collection('promotion_codes').addIndex('coupon');
  // Mirror the customers into the mock so its charges/sources work for them.
  for (const c of data.customers) {
    try { mockCustomers.create('acct_default', { id: c.id, email: c.email, metadata: c.metadata }); } catch (e) { /* already mirrored (second app in one process) */ }
  }
  return { store, ms: Date.now() - t0, counts: Object.fromEntries([...store.collections].map(([k, v]) => [k, v.items.length])) };
}

// Paths still served by stripe-stateful-mock (after auth, idempotency and our routes).
const MOCK_PATHS = /^\/v1\/(charges|refunds|tax_rates|disputes|plans|customers\/[^/]+\/(sources|cards))(\/|$)/;

function createApp(opts, store) {
  if (opts.frozenClock) store.meta.frozen = true;
  const knobs = createKnobs({ latencyMs: opts.latencyMs, rateLimit: opts.rateLimit, faults: Object.assign({ drop: 0, delay: 0, delayMs: 2000, http429: 0, http500: 0, dropAfterApply: 0 }, opts.faults) });
  knobs.state.apiVersion = API_VERSION;
  const idem = createIdempotency(knobs);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Form bodies with deep nesting (a[b][0][c]) and long arrays, like Stripe accepts.
  app.set('query parser', s => qs.parse(s, { depth: 10, arrayLimit: 1000, parameterLimit: 10000 }));
  app.use(knobs.requestId);

  // Test administration (no API key: loopback only).
  app.get('/__sandbox/stats', (req, res) => res.json(Object.assign({}, knobs.state.stats, { config: knobs.state.config,
    idempotency: idem.stats, objects: Object.fromEntries([...store.collections].map(([k, v]) => [k, v.items.length])) })));
  app.post('/__sandbox/config', express.json(), (req, res) => {
    try { const config = knobs.configure(req.body || {}); if (req.body && req.body.resetApplied) idem.reset(); res.json({ config }); } catch (e) { res.status(400).json({ error: { type: 'invalid_request_error', message: e.message } }); }
  });
  // Every write that was applied (replays excluded), oldest first; ?since=SEQ for the rest.
  app.get('/__sandbox/applied', (req, res) => {
    const since = parseInt(req.query.since || '0', 10) || 0;
    const data = idem.applied.slice(since);
    res.json({ object: 'list', count: idem.applied.length, data });
  });
  // N realistic changes (customers, invoices, subscriptions, a few deletions), each with its event.
  app.post('/__sandbox/mutate', express.json(), (req, res) => {
    const count = parseInt((req.body && req.body.count) || 0, 10);
    if (!(count > 0 && count <= 1000000)) return res.status(400).json({ error: { type: 'invalid_request_error', message: 'count must be 1..1000000' } });
    const out = mutate(store, { count, seed: req.body.seed });
    res.json({ applied: out.applied, events: out.events, changed: req.body.details ? out.changed : undefined });
  });
  // Test clock: moves the sandbox's time forward and runs what became due (renewals, trial ends,
  // pause resumes, cancel_at, schedule phases). JSON {seconds} or {to: unix time}.
  app.post('/__sandbox/advance', express.json(), (req, res) => {
    const b = req.body || {};
    const from = clock(store);
    const seconds = b.to !== undefined ? Number(b.to) - from : Number(b.seconds);
    if (!Number.isInteger(seconds) || seconds < 0) return res.status(400).json({ error: { type: 'invalid_request_error', message: 'seconds must be a non-negative integer (or `to` a time not before the sandbox clock)' } });
    store.meta.offset = (store.meta.offset || 0) + seconds;
    const now = clock(store);
    const processed = processDue(store, now);
    res.json({ from, now, offset: store.meta.offset, frozen: !!store.meta.frozen, processed });
  });
  app.get('/__sandbox/clock', (req, res) => res.json({ now: clock(store), offset: store.meta.offset || 0, frozen: !!store.meta.frozen }));
  app.use(require('./routes/hosted')(store));
  app.use(require('./routes/portal').hosted(store));

  const v1 = express.Router();
  v1.use(knobs.count, knobs.auth(opts.apiKey), knobs.gate);
  v1.use(bodyParser.urlencoded({ extended: true, limit: '1mb', parameterLimit: 10000 }));
  v1.use(idem.middleware);
  v1.use(require('./routes/customers')(store, { customers: mockCustomers }));
  v1.use(require('./routes/terms').subscriptionTerms(store)); // payment_settings on subscription updates (before lifecycle)
  v1.use(require('./routes/lifecycle')(store));
  v1.use(require('./routes/billing')(store));
  v1.use(require('./routes/money')(store));
  v1.use(require('./routes/invoicing')(store));
  v1.use(require('./routes/usage')(store));
  v1.use(require('./routes/catalog')(store));
  v1.use(require('./routes/terms')(store));
  v1.use(require('./routes/portal')(store));
  v1.use(require('./routes/dunning')(store));
  v1.use((req, res, next) => (MOCK_PATHS.test(req.path) ? mockRoutes(req, res, next) : next()));
  v1.use((req, res) => res.status(404).json({ error: { type: 'invalid_request_error',
    message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` } }));
  app.use((req, res, next) => (req.path === '/v1' || req.path.startsWith('/v1/') ? v1(req, res, next) : next()));

  app.use((req, res) => res.status(404).type('text/plain').send('Not found\n'));
  // Errors: ours and the mock's, in Stripe's shape.
  app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
    if (err instanceof StripeError || err instanceof RestError) return res.status(err.statusCode).json({ error: err.error });
    if (err.type === 'entity.parse.failed' || err.type === 'entity.too.large') {
      return res.status(400).json({ error: { type: 'invalid_request_error', message: 'Invalid request body: ' + err.message } });
    }
    console.error('unexpected error', err && err.stack);
    res.status(500).json({ error: { type: 'api_error', message: 'An unknown error occurred' } });
  });
  return { app, knobs, idem };
}

function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error('sandbox: ' + e.message + '\n' + USAGE); process.exit(2); }
  if (opts.help) { console.log(USAGE); return; }
  log.setLevel(opts.quiet ? 'silent' : 'warn');
  void createExpressApp; // the mock's own app binds all interfaces when started by its CLI: we never start it
  const { store, ms, counts } = loadStore(opts);
  store.meta.publicBase = `http://127.0.0.1:${opts.port}`;
  const { app } = createApp(opts, store);
  const server = app.listen(opts.port, '127.0.0.1', () => {
    console.log(`sandbox: listening on http://127.0.0.1:${opts.port} (dataset ${opts.dataset}${opts.scale ? ', scale ' + opts.scale : ''}, now ${new Date(store.meta.now * 1000).toISOString()}, loaded in ${ms} ms)`);
    console.log('sandbox: objects ' + JSON.stringify(counts));
  });
  server.keepAliveTimeout = 30000;
  server.on('error', e => { console.error('sandbox: cannot listen on 127.0.0.1:' + opts.port + ': ' + e.message); process.exit(1); });
  const stop = sig => { console.log(`sandbox: ${sig}, shutting down`); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) main();
module.exports = { createApp, loadStore, parseArgs };
