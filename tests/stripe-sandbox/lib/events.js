'use strict';
// Every change made through the API records an event (newest first in /v1/events).
const { runtimeId } = require('./prng');
const { render } = require('./render');

function clock(store) {
  // Objects created at run time get times after the dataset's "now" and move with the wall clock,
  // unless the clock is frozen (--frozen-clock: only POST /__sandbox/advance moves it).
  // store.meta.offset is the time added by /__sandbox/advance.
  const offset = store.meta.offset || 0;
  if (store.meta.frozen) return store.meta.now + offset;
  const wall = Math.floor(Date.now() / 1000);
  return Math.max(wall, store.meta.now + Math.floor((Date.now() - store.meta.startedAtMs) / 1000)) + offset;
}

// `at` (optional): the event's time when it happens at a scheduled moment (clock advance).
function recordEvent(store, req, type, kind, rec, previous, at) {
  const ev = { id: runtimeId('evt', 24), created: at || clock(store), type, object: render(store, kind, rec, new Set()),
    previous: previous || null, requestId: req ? req.requestId : null, idempotencyKey: req ? (req.header('idempotency-key') || null) : null };
  store.collection('events').insert(ev);
  return ev;
}

module.exports = { recordEvent, clock };
