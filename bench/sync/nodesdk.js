'use strict';
// The official Node SDK's auto-pagination over the lists the console syncs, one after the other,
// as its documentation shows: `for await (const x of stripe.<resource>.list({limit: 100}))`.
//   node nodesdk.js BASE_URL KEY   -> prints {"objects":N,"seconds":S,"perList":{...}}
const path = require('path');
const Stripe = require(path.join(__dirname, '../../tests/contract/node_modules/stripe'));

async function main() {
  const [base, key] = process.argv.slice(2);
  const url = new URL(base);
  const stripe = new Stripe(key, {
    host: url.hostname, port: Number(url.port), protocol: url.protocol.replace(':', ''),
    maxNetworkRetries: 5, timeout: 120000,
  });
  // The same objects the console syncs, with the same expansions (default payment methods inside
  // customers, payment intents inside invoice payments).
  const lists = [
    ['products', () => stripe.products.list({ limit: 100 })],
    ['prices', () => stripe.prices.list({ limit: 100 })],
    ['coupons', () => stripe.coupons.list({ limit: 100 })],
    ['promotion_codes', () => stripe.promotionCodes.list({ limit: 100 })],
    ['customers', () => stripe.customers.list({ limit: 100, expand: ['data.invoice_settings.default_payment_method'] })],
    ['subscriptions', () => stripe.subscriptions.list({ limit: 100, status: 'all' })],
    ['invoices', () => stripe.invoices.list({ limit: 100 })],
    ['invoice_payments', () => stripe.invoicePayments.list({ limit: 100, expand: ['data.payment.payment_intent'] })],
  ];
  const started = process.hrtime.bigint();
  const perList = {};
  let objects = 0;
  for (const [name, list] of lists) {
    let n = 0;
    for await (const x of list()) { if (x.id) n++; }
    perList[name] = n;
    objects += n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ objects, seconds, perList }) + '\n');
}
main().catch(e => { console.error(e); process.exit(1); });
