'use strict';
// Failed-payment recovery semantics: paying an invoice with a new payment method, declines per decline code (owner: dunning work).
//
// Stripe keeps declining a card that declined: retrying an invoice on the same payment method gives
// the same card_error (HTTP 402, with its decline_code) and counts another attempt; only a different
// payment method (attached, then the subscription's or the customer's default, or passed as
// payment_method) can succeed. The pay action in routes/lifecycle.js asks `carriedDecline` before
// charging. Sandbox-only helper: POST /v1/__dunning/cards/:pm/decline {decline_code} makes a stored
// card fail with that code (tests use it to put an invoice into a given decline).
const express = require('express');
const { invalid, missing } = require('../lib/api');

const MESSAGES = {
  insufficient_funds: 'Your card has insufficient funds.',
  card_velocity_exceeded: 'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
};

// The decline a card carries for an invoice: its own `decline`, else the error of the invoice's
// latest failed payment intent when that used the same card (the card has not changed, so the issuer
// answers the same). -> [code, decline_code, message] or null.
function carriedDecline(store, inv, pmRec) {
  if (!pmRec) return null;
  if (pmRec.decline) return pmRec.decline;
  const pi = inv.paymentIntent && store.collection('payment_intents').get(inv.paymentIntent);
  if (!pi || !pi.lastError || pi.status === 'succeeded' || pi.paymentMethod !== pmRec.id) return null;
  return [pi.lastError.code, pi.lastError.decline_code || null, pi.lastError.message || 'Your card was declined.'];
}

function dunningRouter(store) {
  const r = express.Router();
  r.post('/v1/__dunning/cards/:pm/decline', (req, res) => {
    const pm = store.collection('payment_methods').get(req.params.pm);
    if (!pm) throw missing('payment_method', req.params.pm);
    const code = String((req.body || {}).decline_code || '');
    if (!code) { delete pm.decline; return res.json({ id: pm.id, decline: null }); }
    if (!/^[a-z_]+$/.test(code)) throw invalid('decline_code must be a Stripe decline code', 'decline_code');
    pm.decline = code === 'expired_card' ? ['expired_card', null, 'Your card has expired.'] : ['card_declined', code, MESSAGES[code] || 'Your card was declined.'];
    res.json({ id: pm.id, decline: pm.decline });
  });
  return r;
}

module.exports = dunningRouter;
module.exports.carriedDecline = carriedDecline;
