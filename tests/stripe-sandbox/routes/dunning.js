'use strict';
// Failed-payment recovery semantics: paying an invoice with a new payment method, declines per decline code (owner: dunning work).
const express = require('express');

module.exports = function dunningRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
