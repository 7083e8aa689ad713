'use strict';
// Every change made through the API records an event (newest first in /v1/events).
const { runtimeId } = require('./prng');
const { render } = require('./render');

function clock(store) {
  // Objects created at run time get times after the dataset's "now" and move with the wall clock.
  const wall = Math.floor(Date.now() / 1000);
  return Math.max(wall, store.meta.now + Math.floor((Date.now() - store.meta.startedAtMs) / 1000));
}

function recordEvent(store, req, type, kind, rec, previous) {
  const ev = { id: runtimeId('evt', 24), created: clock(store), type, object: render(store, kind, rec, new Set()),
    previous: previous || null, requestId: req ? req.requestId : null, idempotencyKey: req ? (req.header('idempotency-key') || null) : null };
  store.collection('events').insert(ev);
  return ev;
}

module.exports = { recordEvent, clock };
