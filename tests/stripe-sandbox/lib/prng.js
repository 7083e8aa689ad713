'use strict';
// Deterministic randomness: every demo object comes from a seeded generator, so the same
// options give byte-identical data on every run.

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s) {
  let h = 2166136261 >>> 0; // FNV-1a
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(typeof seed === 'string' ? hashString(seed) : seed);
  }
  float() { return this.next(); }
  int(min, max) { return min + Math.floor(this.next() * (max - min + 1)); } // inclusive
  chance(p) { return this.next() < p; }
  pick(arr) { return arr[Math.floor(this.next() * arr.length)]; }
  weighted(pairs) { // [[value, weight], ...]
    const total = pairs.reduce((s, p) => s + p[1], 0);
    let r = this.next() * total;
    for (const [v, w] of pairs) { if ((r -= w) < 0) return v; }
    return pairs[pairs.length - 1][0];
  }
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// A Stripe-looking id that depends only on (prefix, key): stable across runs and options.
function stableId(prefix, key, length = 14) {
  const next = mulberry32(hashString(prefix + ':' + key));
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return prefix + '_' + s;
}

// Ids for objects created at run time: random enough, never colliding with the dataset's.
let runtimeCounter = 0;
const runtimeRng = mulberry32((Date.now() ^ process.pid) >>> 0);
function runtimeId(prefix, length = 14) {
  runtimeCounter++;
  let s = '';
  for (let i = 0; i < length - 4; i++) s += ALPHABET[Math.floor(runtimeRng() * ALPHABET.length)];
  return prefix + '_' + s + String(runtimeCounter).padStart(4, '0').slice(-4);
}

module.exports = { Rng, stableId, runtimeId, hashString };
