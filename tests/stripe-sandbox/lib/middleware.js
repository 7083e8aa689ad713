'use strict';
// Test knobs around the API: Request-Id, authentication with one key, latency, per-key rate
// limit, fault injection and counters.
const crypto = require('crypto');
const { Rng } = require('./prng');
const { auth: mockAuth } = require('stripe-stateful-mock/dist/api/auth');

function createKnobs(config) {
  const state = {
    config: Object.assign({ latencyMs: 0, rateLimit: 0, faults: { drop: 0, delay: 0, delayMs: 2000, http429: 0, http500: 0, dropAfterApply: 0 }, faultSeed: 1 }, config),
    stats: { startedAt: new Date().toISOString(), requests: 0, byStatus: {}, byRoute: {}, faults: { drop: 0, delay: 0, http429: 0, http500: 0, dropAfterApply: 0 },
      rateLimited: 0, unauthorized: 0 },
    buckets: new Map(),
  };
  state.faultRng = new Rng(state.config.faultSeed);

  function configure(patch) {
    const c = state.config;
    if (patch.latencyMs !== undefined) c.latencyMs = Math.max(0, Number(patch.latencyMs) || 0);
    if (patch.rateLimit !== undefined) {
      c.rateLimit = Math.max(0, Number(patch.rateLimit) || 0);
      state.buckets.clear(); // a new limit starts with full buckets
    }
    if (patch.faults) {
      for (const k of ['drop', 'delay', 'http429', 'http500', 'dropAfterApply']) {
        if (patch.faults[k] !== undefined) {
          const p = Number(patch.faults[k]);
          if (!(p >= 0 && p <= 1)) throw new Error(`faults.${k} must be a probability between 0 and 1`);
          c.faults[k] = p;
        }
      }
      if (patch.faults.delayMs !== undefined) c.faults.delayMs = Math.max(0, Number(patch.faults.delayMs) || 0);
    }
    if (patch.faultSeed !== undefined) { c.faultSeed = Number(patch.faultSeed) || 1; state.faultRng = new Rng(c.faultSeed); }
    if (patch.resetStats) {
      Object.assign(state.stats, { requests: 0, byStatus: {}, byRoute: {}, faults: { drop: 0, delay: 0, http429: 0, http500: 0, dropAfterApply: 0 }, rateLimited: 0, unauthorized: 0 });
    }
    return c;
  }

  function requestId(req, res, next) {
    req.requestId = 'req_' + crypto.randomBytes(7).toString('hex');
    res.set('Request-Id', req.requestId);
    res.set('Stripe-Version', req.header('stripe-version') || state.apiVersion || '');
    next();
  }

  function count(req, res, next) {
    state.stats.requests++;
    const route = req.method + ' ' + req.path.replace(/\/(cus|sub|in|pi|inpay|pm|price|prod|evt|si|il|ch|re|promo)_[A-Za-z0-9]+/g, '/:$1');
    state.stats.byRoute[route] = (state.stats.byRoute[route] || 0) + 1;
    res.on('finish', () => { state.stats.byStatus[res.statusCode] = (state.stats.byStatus[res.statusCode] || 0) + 1; });
    next();
  }

  function apiKey(req) {
    const h = req.header('authorization') || '';
    if (h.startsWith('Bearer ')) return h.slice(7).trim();
    if (h.startsWith('Basic ')) {
      const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
      return decoded.split(':')[0];
    }
    return null;
  }

  // The mock's redaction of a key in its 401 message (prefix, stars, last 4).
  const censor = token => mockAuth.censorAccessToken(token);

  function auth(expectedKey) {
    return (req, res, next) => {
      const key = apiKey(req);
      if (!key) {
        state.stats.unauthorized++;
        return res.status(401).json({ error: { type: 'invalid_request_error',
          message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/." } });
      }
      if (key !== expectedKey) {
        state.stats.unauthorized++;
        return res.status(401).json({ error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${censor(key)}` } });
      }
      req.apiKey = key;
      next();
    };
  }

  function rateLimitBody() {
    return { error: { type: 'invalid_request_error', code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' } };
  }

  // Token bucket per key, as Stripe limits (its engineering post "Scaling your API with rate
  // limiters": a request rate limiter built on the token bucket algorithm): each key's bucket holds
  // at most `rateLimit` tokens and refills continuously at `rateLimit` tokens per second; a new
  // bucket starts full. A request takes one token when it arrives (before the latency is added);
  // with none left it gets 429 and takes nothing. So a burst of up to `rateLimit` requests passes
  // at once, and a client sending at no more than `rateLimit`/s never sees a 429.
  function overLimit(key, nowMs) {
    const limit = state.config.rateLimit;
    if (!limit) return false;
    let b = state.buckets.get(key);
    if (!b) { b = { tokens: limit, at: nowMs }; state.buckets.set(key, b); }
    b.tokens = Math.min(limit, b.tokens + (nowMs - b.at) * limit / 1000);
    b.at = nowMs;
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  // After authentication: rate limit (on arrival), then latency and injected faults. Each
  // request waits on its own timer, so concurrent requests overlap (no queue).
  function gate(req, res, next) {
    const limited = overLimit(req.apiKey || 'anonymous', performance.now());
    const f = state.config.faults;
    const rng = state.faultRng;
    let wait = state.config.latencyMs;
    let fault = null;
    if (limited) fault = 'rateLimited';
    else {
      if (f.delay && rng.chance(f.delay)) { state.stats.faults.delay++; wait += f.delayMs; }
      fault = f.drop && rng.chance(f.drop) ? 'drop'
        : f.http429 && rng.chance(f.http429) ? 'http429'
          : f.http500 && rng.chance(f.http500) ? 'http500' : null;
    }
    const go = () => {
      if (!fault) return next();
      if (fault === 'rateLimited') {
        state.stats.rateLimited++;
        return res.status(429).set('Stripe-Should-Retry', 'true').json(rateLimitBody());
      }
      state.stats.faults[fault]++;
      if (fault === 'drop') { req.socket.destroy(); return undefined; }
      if (fault === 'http429') return res.status(429).set('Stripe-Should-Retry', 'true').json(rateLimitBody());
      return res.status(500).set('Stripe-Should-Retry', 'true').json({ error: { type: 'api_error', message: 'An unknown error occurred' } });
    };
    if (wait > 0) setTimeout(go, wait); else go();
  }

  return { state, configure, requestId, count, auth, gate, censor };
}

module.exports = { createKnobs };
