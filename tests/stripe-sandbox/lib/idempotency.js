'use strict';
// Stripe's idempotency layer, for every write (POST/DELETE) under /v1, ours and the mock's:
// - keys are scoped to the API key and kept 24 h;
// - the first request's status and body are saved once the endpoint has run, and a retry with the
//   same key, endpoint and parameters gets them back with `Idempotent-Replayed: true` and
//   `Original-Request` (the first request's id);
// - the same key on another endpoint or with other parameters -> 400 idempotency_error;
// - a retry while the first request is still running -> 409 idempotency_error,
//   code idempotency_key_in_use;
// - nothing is saved when the endpoint did not start: 401, 429, parameter validation errors
//   (code parameter_*), and faults injected before the route ran; such a retry runs again.
// It also keeps the audit of applied writes (GET /__sandbox/applied) and injects the
// "lost response" fault: the write is applied and saved, then the connection is dropped.
const crypto = require('crypto');

const TTL_MS = 24 * 3600 * 1000;

function canonical(v) {
  if (v === null || typeof v !== 'object') return v === undefined ? null : String(v);
  if (Array.isArray(v)) return v.map(canonical);
  const o = {};
  for (const k of Object.keys(v).sort()) o[k] = canonical(v[k]);
  return o;
}
const fingerprint = body => crypto.createHash('sha256').update(JSON.stringify(canonical(body || {}))).digest('hex');

function createIdempotency(knobs) {
  const entries = new Map(); // apiKey + '\n' + idempotency key -> entry
  const applied = []; // audit of writes that were applied (never replays)
  const stats = { replayed: 0, mismatched: 0, inUse: 0, droppedAfterApply: 0, applied: 0 };
  let lastSweep = Date.now();

  function sweep(now) {
    if (now - lastSweep < 60000) return;
    lastSweep = now;
    for (const [k, e] of entries) if (!e.inFlight && now - e.createdMs > TTL_MS) entries.delete(k);
  }

  function shouldSave(status, body) {
    if (status === 401 || status === 429) return false;
    if (status === 409 && body && body.error && body.error.code === 'idempotency_key_in_use') return false;
    if (status === 400 && body && body.error && /^parameter_/.test(body.error.code || '')) return false;
    if (status === 404 && body && body.error && !body.error.code) return false; // unrecognized URL: no endpoint ran
    return true;
  }

  function middleware(req, res, next) {
    if (req.method !== 'POST' && req.method !== 'DELETE') return next();
    const key = req.header('idempotency-key') || null;
    const now = Date.now();
    sweep(now);
    const endpoint = req.method + ' ' + req.path;
    const fp = fingerprint(req.body);
    const slot = key ? (req.apiKey || '') + '\n' + key : null;
    if (slot) {
      const e = entries.get(slot);
      if (e && now - e.createdMs > TTL_MS && !e.inFlight) entries.delete(slot);
      else if (e) {
        if (e.endpoint !== endpoint) {
          stats.mismatched++;
          return res.status(400).json({ error: { type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${e.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.` } });
        }
        if (e.fingerprint !== fp) {
          stats.mismatched++;
          return res.status(400).json({ error: { type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } });
        }
        if (e.inFlight) {
          stats.inUse++;
          return res.status(409).json({ error: { type: 'idempotency_error', code: 'idempotency_key_in_use',
            message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.` } });
        }
        stats.replayed++;
        res.status(e.status).set('Idempotent-Replayed', 'true').set('Original-Request', e.requestId);
        if (e.contentType) res.set('Content-Type', e.contentType);
        return res.send(e.body);
      }
    }
    const entry = slot ? { endpoint, fingerprint: fp, inFlight: true, createdMs: now, requestId: req.requestId } : null;
    if (slot) entries.set(slot, entry);
    let done = false;
    const finish = () => { if (entry && entry.inFlight) { entry.inFlight = false; if (!entry.saved) entries.delete(slot); } };
    res.on('finish', finish);
    res.on('close', finish);

    const originalSend = res.send;
    res.send = function send(body) {
      if (done) return originalSend.call(this, body);
      done = true;
      const status = res.statusCode || 200;
      let parsed = null;
      if (typeof body === 'string') { try { parsed = JSON.parse(body); } catch (e) { parsed = null; } }
      else if (body && typeof body === 'object' && !Buffer.isBuffer(body)) parsed = body;
      if (entry) { // the endpoint's result is known: save it, or free the key for a retry
        if (shouldSave(status, parsed)) Object.assign(entry, { saved: true, status, body, contentType: res.get('Content-Type') || null });
        else entries.delete(slot);
        entry.inFlight = false;
      }
      if (status >= 200 && status < 300) {
        stats.applied++;
        applied.push({ seq: applied.length + 1, idempotency_key: key, method: req.method, path: req.path,
          object: parsed && parsed.object ? parsed.object : null, id: parsed && parsed.id ? parsed.id : null,
          status, request_id: req.requestId || null, created: Math.floor(Date.now() / 1000) });
        const p = knobs.state.config.faults.dropAfterApply;
        if (p && knobs.state.faultRng.chance(p)) {
          stats.droppedAfterApply++;
          knobs.state.stats.faults.dropAfterApply = (knobs.state.stats.faults.dropAfterApply || 0) + 1;
          req.socket.destroy();
          return res;
        }
      }
      return originalSend.call(this, body);
    };
    next();
  }

  function reset() { entries.clear(); applied.length = 0; Object.keys(stats).forEach(k => { stats[k] = 0; }); }

  return { middleware, applied, stats, entries, reset };
}

module.exports = { createIdempotency, fingerprint };
