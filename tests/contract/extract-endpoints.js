#!/usr/bin/env node
// Prints, as JSON, every REST endpoint the pinned official Stripe Node SDK defines:
// [{ method, path, resource, function, paramsType, params: [top-level param names] }, ...]
// plus the SDK's pinned API version. Paths keep placeholders as "{}" (e.g. /v1/customers/{}).
// Source of truth: node_modules/stripe/cjs/resources/**/*.js (this._makeRequest(METHOD, path, ...))
// and the matching *.d.ts (method signatures and the params interfaces).
'use strict';

const fs = require('fs');
const path = require('path');

const sdkRoot = path.join(__dirname, 'node_modules', 'stripe');
const cjs = path.join(sdkRoot, 'cjs');

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

// 1. Every top-level exported interface of every .d.ts: name -> {fields, bases}.
const interfaces = new Map();
for (const file of walk(cjs, []).filter((f) => f.endsWith('.d.ts'))) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; ++i) {
    const m = /^export (?:declare )?interface (\w+)(?:<[^>]*>)?(?: extends ([^{]+))?\s*\{\s*$/.exec(lines[i]);
    if (!m) continue;
    const fields = [];
    const bases = m[2] ? m[2].split(',').map((s) => s.trim().replace(/<.*$/, '')) : [];
    for (++i; i < lines.length && lines[i] !== '}'; ++i) {
      const f = /^ {4}(?:readonly )?['"]?([A-Za-z_][\w]*)['"]?\??:/.exec(lines[i]);
      if (f) fields.push(f[1]);
    }
    if (!interfaces.has(m[1])) interfaces.set(m[1], {fields, bases});
  }
  // Params types of namespaced resources (Billing.AlertCreateParams, BillingPortal.SessionCreateParams)
  // are declared one level down: "export declare namespace X {" then "    interface Y {".
  let namespace = null;
  for (let i = 0; i < lines.length; ++i) {
    const ns = /^export declare namespace (\w+) \{\s*$/.exec(lines[i]);
    if (ns) { namespace = ns[1]; continue; }
    if (lines[i] === '}') { namespace = null; continue; }
    const m = namespace && /^ {4}interface (\w+)(?:<[^>]*>)?(?: extends ([^{]+))?\s*\{\s*$/.exec(lines[i]);
    if (!m) continue;
    const fields = [];
    const bases = m[2] ? m[2].split(',').map((s) => s.trim().replace(/<.*$/, '')) : [];
    for (++i; i < lines.length && lines[i] !== '    }'; ++i) {
      const f = /^ {8}(?:readonly )?['"]?([A-Za-z_][\w]*)['"]?\??:/.exec(lines[i]);
      if (f) fields.push(f[1]);
    }
    const name = namespace + '.' + m[1];
    if (!interfaces.has(name)) interfaces.set(name, {fields, bases});
  }
}

function paramsOf(typeName, seen = new Set()) {
  if (!typeName || seen.has(typeName)) return [];
  seen.add(typeName);
  const it = interfaces.get(typeName);
  if (!it) return null;
  const out = [...it.fields];
  for (const base of it.bases) {
    const more = paramsOf(base, seen);
    if (more) out.push(...more);
  }
  return out;
}

// 2. Method -> params type from the resource class declarations in the .d.ts.
function signatures(dtsFile) {
  const sigs = new Map();
  if (!fs.existsSync(dtsFile)) return sigs;
  const text = fs.readFileSync(dtsFile, 'utf8');
  const re = /^ {4}(\w+)\(([^)]*)\):/gm;
  let m;
  while ((m = re.exec(text))) {
    const p = /params\??:\s*([\w.]+)/.exec(m[2]);
    sigs.set(m[1], p ? p[1] : null);
  }
  return sigs;
}

// 3. Every _makeRequest call in the resource implementations.
const endpoints = [];
const resourcesDir = path.join(cjs, 'resources');
for (const file of walk(resourcesDir, []).filter((f) => f.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8');
  const sigs = signatures(file.replace(/\.js$/, '.d.ts'));
  const resource = path.relative(resourcesDir, file).replace(/\.js$/, '');
  const re = /^ {4}(\w+)\([^)]*\)\s*\{\s*\n\s*return this\._makeRequest\('(GET|POST|DELETE)',\s*(`[^`]*`|'[^']*')/gm;
  let m;
  while ((m = re.exec(text))) {
    const rawPath = m[3].slice(1, -1).replace(/\$\{[^}]*\}/g, '{}');
    const paramsType = sigs.has(m[1]) ? sigs.get(m[1]) : null;
    endpoints.push({
      method: m[2],
      path: rawPath,
      resource,
      function: m[1],
      paramsType,
      params: paramsOf(paramsType) || [],
    });
  }
}

const apiVersion = require(path.join(cjs, 'apiVersion.js')).ApiVersion;
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkRoot, 'package.json'), 'utf8')).version;
process.stdout.write(JSON.stringify({sdkVersion, apiVersion, endpoints}, null, 1) + '\n');
