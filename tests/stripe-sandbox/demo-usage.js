#!/usr/bin/env node
'use strict';
// Prints a deterministic CSV of metered usage for demo customers (the same ids as the sandbox's
// demo dataset), for the console to import:
//   id,customer_id,meter,quantity,occurred_at
// 60 days before the dataset's "now" (default 2026-11-01T00:00:00Z), meters api_calls (a few
// times a day), storage_gb (daily) and seats_active (daily).
// Options: --customers N (default 20), --days N (default 60), --now ISO8601|unix.
const { generate, DEFAULT_NOW } = require('./dataset');
const { Rng, stableId } = require('./lib/prng');

const HOUR = 3600, DAY = 86400;

function parseArgs(argv) {
  const o = { customers: 20, days: 60, now: DEFAULT_NOW };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--customers') { o.customers = parseInt(v, 10); i++; }
    else if (argv[i] === '--days') { o.days = parseInt(v, 10); i++; }
    else if (argv[i] === '--now') { o.now = /^\d+$/.test(v) ? parseInt(v, 10) : Math.floor(Date.parse(v) / 1000); i++; }
    else { process.stderr.write(`demo-usage: unknown option ${argv[i]}\nusage: node demo-usage.js [--customers N] [--days N] [--now ISO8601]\n`); process.exit(2); }
  }
  if (!(o.customers > 0) || !(o.days > 0) || !Number.isFinite(o.now)) { process.stderr.write('demo-usage: bad option value\n'); process.exit(2); }
  return o;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const data = generate({ dataset: 'demo', now: opts.now });
  const live = new Map();
  for (const s of data.subscriptions) {
    if (s.status === 'canceled' || s.status === 'paused') continue;
    if (!live.has(s.customer)) live.set(s.customer, s);
  }
  const chosen = data.customers.filter(c => live.has(c.id)).slice(0, opts.customers);
  const rows = [];
  const start = opts.now - opts.days * DAY;
  for (const c of chosen) {
    const rng = new Rng('usage:' + c.id);
    const sub = live.get(c.id);
    const seats = sub.items[0].quantity;
    const base = rng.int(200, 5000) * seats;
    let storage = rng.int(5, 200);
    for (let d = 0; d < opts.days; d++) {
      const day = start + d * DAY;
      if (day < sub.startDate) continue;
      const weekend = [0, 6].includes(new Date(day * 1000).getUTCDay());
      let t = day + rng.int(0, 5) * HOUR;
      while (t < day + DAY) {
        const qty = Math.max(1, Math.round(base / 4 * (weekend ? 0.3 : 1) * (0.5 + rng.float())));
        rows.push([c.id, 'api_calls', qty, t + rng.int(0, 3599)]);
        t += rng.int(4, 8) * HOUR;
      }
      storage = Math.max(1, storage + rng.int(-2, 4));
      rows.push([c.id, 'storage_gb', storage, day + 23 * HOUR + 59 * 60]);
      const active = Math.max(1, seats - (weekend ? rng.int(0, Math.ceil(seats / 2)) : rng.int(0, 1)));
      rows.push([c.id, 'seats_active', active, day + 12 * HOUR]);
    }
  }
  rows.sort((a, b) => (a[3] - b[3]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || (a[1] < b[1] ? -1 : 1));
  const out = ['id,customer_id,meter,quantity,occurred_at'];
  rows.forEach(([cus, meter, qty, t]) => {
    out.push([stableId('mtrevt', `${cus}:${meter}:${t}`, 20), cus, meter, qty, new Date(t * 1000).toISOString().replace('.000Z', 'Z')].join(','));
  });
  process.stdout.write(out.join('\n') + '\n');
}

main();
