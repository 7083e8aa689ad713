'use strict';
// hosted_invoice_url and invoice_pdf targets: a small HTML page and a tiny valid PDF.
const express = require('express');
const { render } = require('../lib/render');

const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp', 'xof', 'xaf', 'ugx', 'pyg', 'rwf', 'kmf', 'gnf', 'bif', 'djf', 'mga', 'vuv', 'xpf']);
function money(amount, cur) {
  const exp = ZERO_DECIMAL.has(cur) ? 0 : 2;
  const v = (amount / Math.pow(10, exp)).toFixed(exp);
  return `${v} ${cur.toUpperCase()}`;
}
const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const date = t => (t ? new Date(t * 1000).toISOString().slice(0, 10) : '');

function pdf(lines) {
  const text = lines.map((l, i) => `BT /F1 12 Tf 50 ${780 - i * 18} Td (${String(l).replace(/[\\()]/g, '\\$&').replace(/[^\x20-\x7e]/g, '?')}) Tj ET`).join('\n');
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(Buffer.byteLength(out)); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offsets.map(o => String(o).padStart(10, '0') + ' 00000 n \n').join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

module.exports = function hostedRouter(store) {
  const r = express.Router();
  const find = (req, res) => {
    const rec = store.collection('invoices').get(req.params.id);
    if (!rec || rec.status === 'draft') { res.status(404).type('text/plain').send('Invoice not found\n'); return null; }
    return render(store, 'invoices', rec, new Set());
  };
  r.get('/invoice/:id', (req, res) => {
    const inv = find(req, res);
    if (!inv) return;
    const rows = inv.lines.data.map(l => `<tr><td>${esc(l.description)}</td><td>${date(l.period.start)} – ${date(l.period.end)}</td><td style="text-align:right">${esc(money(l.amount, inv.currency))}</td></tr>`).join('');
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Invoice ${esc(inv.number)}</title></head>
<body style="font-family:sans-serif;max-width:720px;margin:2em auto"><h1>Billing Console Demo</h1>
<p>Invoice <b>${esc(inv.number)}</b> · ${esc(inv.status)} · ${date(inv.created)}</p><p>Billed to ${esc(inv.customer_name)} &lt;${esc(inv.customer_email)}&gt;</p>
<table style="width:100%;border-collapse:collapse"><tr><th align="left">Description</th><th align="left">Period</th><th align="right">Amount</th></tr>${rows}</table>
<p style="text-align:right">Amount due: <b>${esc(money(inv.amount_remaining, inv.currency))}</b></p>
<p><a href="/invoice/${esc(inv.id)}/pdf">Download PDF</a></p></body></html>\n`);
  });
  r.get('/invoice/:id/pdf', (req, res) => {
    const inv = find(req, res);
    if (!inv) return;
    const lines = ['Billing Console Demo', `Invoice ${inv.number}  (${inv.status})`, `Date ${date(inv.created)}`,
      `Billed to ${inv.customer_name || ''} <${inv.customer_email || ''}>`, '',
      ...inv.lines.data.map(l => `${l.description}   ${money(l.amount, inv.currency)}`), '', `Total ${money(inv.total, inv.currency)}`,
      `Amount due ${money(inv.amount_remaining, inv.currency)}`];
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${inv.number}.pdf"`).send(pdf(lines));
  });
  return r;
};
