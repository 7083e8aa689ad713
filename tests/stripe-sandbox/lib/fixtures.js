'use strict';
// Stripe's official example objects (../shared/stripe/fixtures3.json, read-only). Every object
// the sandbox serves starts as a deep copy of its fixture, with fields overridden.
const fs = require('fs');
const path = require('path');

function fixturesPath() {
  const candidates = [
    process.env.BC_STRIPE_FIXTURES,
    process.env.BC_SHARED_DIR && path.join(process.env.BC_SHARED_DIR, 'stripe', 'fixtures3.json'),
    path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'stripe', 'fixtures3.json'),
    '/work/shared/stripe/fixtures3.json',
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error('fixtures3.json not found; set BC_STRIPE_FIXTURES or BC_SHARED_DIR (tried: ' + candidates.join(', ') + ')');
}

const resources = JSON.parse(fs.readFileSync(fixturesPath(), 'utf8')).resources;
const templates = new Map();

// A fresh deep copy of the fixture of `type` (e.g. "invoice").
function fixture(type) {
  if (!templates.has(type)) {
    if (!resources[type]) throw new Error('no fixture for ' + type);
    templates.set(type, JSON.stringify(resources[type]));
  }
  return JSON.parse(templates.get(type));
}

module.exports = { fixture, resources, fixturesPath };
